// Checked CUDA, cuBLAS and cuSPARSE calls, and the library handles, for the .cu files of
// gnn/cuda only. Every status is checked: a failure throws DeviceError naming the call, the
// file and the line, with the library's own text for the status.
//
// cuBLAS and cuSPARSE are opened on first use (dlopen) rather than linked: their start-up
// costs every process that links them (cuBLAS's libcublasLt, over 500 MB, ran static
// initialisers for 0.45 s; cuSPARSE with its libnvJitLink takes 45 ms, a third of a test
// process's start), and most processes that link the gnn library (the command line, the
// tests) never use a device. Their functions are called through Cublas and Cusparse, whose
// members have the types of cublas_v2.h's and cusparse.h's.
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <cusparse.h>

#include "gnn/cuda/device_ops.h"

namespace graphmini::gnn::cuda::detail {

void check(cudaError_t status, const char* call, const char* file, int line);
void check(cublasStatus_t status, const char* call, const char* file, int line);
void check(cusparseStatus_t status, const char* call, const char* file, int line);

// The cuBLAS functions the operators call (cublas_v2.h names them without the _v2).
struct Cublas {
  decltype(&cublasCreate_v2) create;
  decltype(&cublasDestroy_v2) destroy;
  decltype(&cublasSetAtomicsMode) set_atomics_mode;
  decltype(&cublasSetMathMode) set_math_mode;
  decltype(&cublasSgemm_v2) sgemm;
  decltype(&cublasSgemmStridedBatched) sgemm_strided_batched;
  decltype(&cublasGetStatusName) status_name;
  decltype(&cublasGetStatusString) status_string;
};
// cuBLAS of the toolkit this was built with (libcublas.so.CUBLAS_VER_MAJOR), opened on the first
// call; throws DeviceError, with the loader's message, when it cannot be opened.
const Cublas& cublas_library();

// The cuSPARSE functions the operators call.
struct Cusparse {
  decltype(&cusparseCreate) create;
  decltype(&cusparseDestroy) destroy;
  decltype(&cusparseCreateCsr) create_csr;
  decltype(&cusparseDestroySpMat) destroy_sparse;
  decltype(&cusparseCreateDnMat) create_dense;
  decltype(&cusparseDestroyDnMat) destroy_dense;
  decltype(&cusparseSpMM_bufferSize) spmm_buffer_size;
  decltype(&cusparseSpMM_preprocess) spmm_preprocess;
  decltype(&cusparseSpMM) spmm;
  decltype(&cusparseGetErrorName) status_name;
  decltype(&cusparseGetErrorString) status_string;
};
// cuSPARSE of the toolkit this was built with (libcusparse.so.CUSPARSE_VER_MAJOR), opened as
// cublas_library() opens cuBLAS.
const Cusparse& cusparse_library();

// The handles of the calling thread, made on first use, bound to the default stream.
cublasHandle_t cublas();
cusparseHandle_t cusparse();

// Storage from the device pool.
void* pool_allocate(std::size_t bytes);
void pool_release(void* pointer);

}  // namespace graphmini::gnn::cuda::detail

#define GRAPHMINI_CUDA_CHECK(call) \
  ::graphmini::gnn::cuda::detail::check((call), #call, __FILE__, __LINE__)
// After a kernel launch: the launch's own error (bad configuration), not the kernel's result.
#define GRAPHMINI_CUDA_CHECK_LAUNCH(kernel) \
  ::graphmini::gnn::cuda::detail::check(cudaGetLastError(), kernel, __FILE__, __LINE__)
