# Installs the graphmini build at BUILD_DIR into WORK_DIR/prefix, then configures, builds and
# runs the project at CONSUMER_DIR against it, as an outside user of find_package(graphmini)
# would (with WITH_JIT on, its kernel compiled by the installed JIT module). Fails on the first
# step that fails.
file(REMOVE_RECURSE ${WORK_DIR})
set(prefix ${WORK_DIR}/prefix)

function(run_step)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE result OUTPUT_VARIABLE output
                  ERROR_VARIABLE output)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "step failed: ${ARGN}\n${output}")
  endif()
endfunction()

run_step(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})
if(NOT EXISTS ${prefix}/include/graphmini/runtime/graph.h)
  message(FATAL_ERROR "headers were not installed under include/graphmini/")
endif()
run_step(${CMAKE_COMMAND} -S ${CONSUMER_DIR} -B ${WORK_DIR}/build -G ${GENERATOR}
         -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_BUILD_TYPE=Release)
run_step(${CMAKE_COMMAND} --build ${WORK_DIR}/build)
execute_process(COMMAND ${WORK_DIR}/build/consumer RESULT_VARIABLE result OUTPUT_VARIABLE output)
if(WITH_JIT)
  set(expected "vertices=4 edges=5 triangles-at-0=2 jit-triangles=2")
else()
  set(expected "vertices=4 edges=5 triangles-at-0=2 jit=off")
endif()
if(NOT result EQUAL 0 OR NOT output MATCHES "${expected}")
  message(FATAL_ERROR "consumer failed (${result}): ${output}")
endif()
message(STATUS "consumer: ${output}")
