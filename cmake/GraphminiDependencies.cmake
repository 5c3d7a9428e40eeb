# Required and optional third-party dependencies. Every package here is a Debian package that
# dev.sh installs; see the table in README.md.

find_package(Threads REQUIRED)
find_package(TBB 2021 REQUIRED CONFIG)
find_package(ZLIB REQUIRED)
find_package(Boost 1.74 REQUIRED CONFIG)  # Boost.Graph (header-only): the VF2 reference
find_package(CLI11 2 REQUIRED CONFIG)
find_package(nlohmann_json 3 REQUIRED CONFIG)

# OpenBLAS for the GNN's dense products, through its CBLAS interface. Found by name rather than
# through FindBLAS, whose generic "blas" may be the reference BLAS that Debian's alternatives
# point at; graphmini needs OpenBLAS itself (openblas_set_num_threads, gnn/tensor.h).
find_library(GRAPHMINI_OPENBLAS_LIBRARY openblas
             PATH_SUFFIXES openblas-pthread openblas-openmp openblas-serial)
find_path(GRAPHMINI_CBLAS_INCLUDE_DIR cblas.h
          PATH_SUFFIXES openblas-pthread openblas-openmp openblas-serial openblas)
if(NOT GRAPHMINI_OPENBLAS_LIBRARY OR NOT GRAPHMINI_CBLAS_INCLUDE_DIR)
  message(FATAL_ERROR "OpenBLAS not found (install libopenblas-dev)")
endif()

# METIS for the Cluster-GCN sampler's partitions (gnn/sampler.h). Debian ships no CMake
# package for it, so it is found by name.
find_library(GRAPHMINI_METIS_LIBRARY metis)
find_path(GRAPHMINI_METIS_INCLUDE_DIR metis.h)
if(NOT GRAPHMINI_METIS_LIBRARY OR NOT GRAPHMINI_METIS_INCLUDE_DIR)
  message(FATAL_ERROR "METIS not found (install libmetis-dev)")
endif()

# Switches an optional part off with one clear message when its library is missing.
macro(graphmini_disable_option option reason)
  message(STATUS "${option} switched OFF: ${reason}")
  set(${option} OFF CACHE BOOL "" FORCE)
endmacro()

if(GRAPHMINI_WITH_LLVM)
  find_package(LLVM 14 CONFIG QUIET)
  # Clang is used through its shared C++ library (libclang-cpp). Debian's ClangConfig.cmake
  # fails hard when the static libraries of libclang-14-dev are missing, so look for the
  # library and headers directly instead of calling find_package(Clang). LLVM is taken the same
  # way, as its shared library by absolute path rather than through the imported LLVM target:
  # the exported static compiler library then names plain files in its link interface, which
  # projects using the installed package resolve without finding LLVM themselves.
  if(LLVM_FOUND)
    find_library(GRAPHMINI_LLVM_LIBRARY NAMES LLVM-${LLVM_VERSION_MAJOR} LLVM
                 HINTS ${LLVM_LIBRARY_DIR} NO_DEFAULT_PATH)
    find_library(GRAPHMINI_CLANG_CPP_LIBRARY clang-cpp HINTS ${LLVM_LIBRARY_DIR} NO_DEFAULT_PATH)
    find_path(GRAPHMINI_CLANG_INCLUDE_DIR clang/Frontend/CompilerInstance.h
              HINTS ${LLVM_INCLUDE_DIRS} NO_DEFAULT_PATH)
  endif()
  if(NOT LLVM_FOUND OR NOT GRAPHMINI_LLVM_LIBRARY)
    graphmini_disable_option(GRAPHMINI_WITH_LLVM "LLVM 14 not found (install llvm-14-dev)")
  elseif(NOT GRAPHMINI_CLANG_CPP_LIBRARY OR NOT GRAPHMINI_CLANG_INCLUDE_DIR)
    graphmini_disable_option(GRAPHMINI_WITH_LLVM
      "Clang libraries not found (install libclang-14-dev libclang-cpp14-dev)")
  endif()
endif()

if(GRAPHMINI_WITH_MPI)
  find_package(MPI COMPONENTS CXX QUIET)
  if(NOT MPI_CXX_FOUND)
    graphmini_disable_option(GRAPHMINI_WITH_MPI "MPI not found (install libopenmpi-dev openmpi-bin)")
  endif()
endif()

# CUDA needs a working nvcc (check_language tries one) and the toolkit's cuBLAS and cuSPARSE.
# The GPU architectures default to Ampere (sm_80, SASS only) and Hopper (sm_90, SASS and PTX
# for later GPUs) only when the user named none: CMAKE_CUDA_ARCHITECTURES on the command line
# wins.
if(GRAPHMINI_WITH_CUDA)
  include(CheckLanguage)
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    find_package(CUDAToolkit QUIET)
  endif()
  if(NOT CMAKE_CUDA_COMPILER)
    graphmini_disable_option(GRAPHMINI_WITH_CUDA
      "no working CUDA compiler (nvcc) found; set CMAKE_CUDA_COMPILER to use one")
  elseif(NOT CUDAToolkit_FOUND OR NOT TARGET CUDA::cublas OR NOT TARGET CUDA::cusparse
         OR NOT TARGET CUDA::cudart)
    graphmini_disable_option(GRAPHMINI_WITH_CUDA
      "the CUDA toolkit's cudart, cuBLAS or cuSPARSE was not found")
  else()
    if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
      set(CMAKE_CUDA_ARCHITECTURES "80-real;90" CACHE STRING "GPU architectures to compile for")
    endif()
    enable_language(CUDA)
    # CMake 3.25 knows no C++20 dialect flag for nvcc 12 and later, so the cxx_std_20 that the
    # targets carry would fail the configure; nvcc takes GCC's flag.
    if(NOT CMAKE_CUDA20_STANDARD_COMPILE_OPTION)
      set(CMAKE_CUDA20_STANDARD_COMPILE_OPTION "-std=c++20")
      set(CMAKE_CUDA20_EXTENSION_COMPILE_OPTION "-std=c++20")
      list(APPEND CMAKE_CUDA_COMPILE_FEATURES cuda_std_20)
    endif()
  endif()
endif()
