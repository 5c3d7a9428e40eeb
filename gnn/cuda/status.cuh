// Checked CUDA, cuBLAS and cuSPARSE calls, and the library handles, for the .cu files of
// gnn/cuda only. Every status is checked: a failure throws DeviceError naming the call, the
// file and the line, with the library's own text for the status.
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <cusparse.h>

#include "gnn/cuda/device_ops.h"

namespace graphmini::gnn::cuda::detail {

void check(cudaError_t status, const char* call, const char* file, int line);
void check(cublasStatus_t status, const char* call, const char* file, int line);
void check(cusparseStatus_t status, const char* call, const char* file, int line);

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
