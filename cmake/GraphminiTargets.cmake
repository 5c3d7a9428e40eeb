# graphmini_add_library(NAME SOURCES ... DEPENDS ...) declares one component library
# (graphmini::NAME). Its public headers are the *.h files of the component folder; inside the
# tree and once installed they are included as "NAME/header.h".
function(graphmini_add_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;PUBLIC_DEPENDS;PRIVATE_DEPENDS" ${ARGN})
  set(target graphmini_${name})
  add_library(${target} ${ARG_SOURCES})
  add_library(graphmini::${name} ALIAS ${target})
  set_target_properties(${target} PROPERTIES EXPORT_NAME ${name} OUTPUT_NAME graphmini_${name})
  target_include_directories(${target} PUBLIC
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}/graphmini>)
  target_compile_features(${target} PUBLIC cxx_std_20)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic)
  target_link_libraries(${target} PUBLIC ${ARG_PUBLIC_DEPENDS} PRIVATE ${ARG_PRIVATE_DEPENDS})
  if(GRAPHMINI_SANITIZERS)
    # A sanitized static library needs the sanitizer runtimes wherever it is linked,
    # including in projects that use the installed package.
    target_link_options(${target} INTERFACE -fsanitize=${GRAPHMINI_SANITIZERS})
  endif()
  file(GLOB headers CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.h)
  install(FILES ${headers} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/graphmini/${name})
  install(TARGETS ${target} EXPORT graphminiTargets
          LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
          ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
endfunction()
