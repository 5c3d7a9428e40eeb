// The device side's plumbing: status checks, library handles, the pooled allocator, device
// arrays and matrices, and the upload of CSR matrices.
#include <dlfcn.h>

#include <algorithm>
#include <limits>
#include <numeric>
#include <string>

#include "gnn/cuda/caching_pool.h"
#include "gnn/cuda/status.cuh"

namespace graphmini::gnn::cuda {

namespace detail {

namespace {

[[noreturn]] void fail(const char* call, const char* file, int line, const std::string& what) {
  throw DeviceError(std::string(file) + ":" + std::to_string(line) + ": " + call +
                    " failed: " + what);
}

}  // namespace

void check(cudaError_t status, const char* call, const char* file, int line) {
  if (status == cudaSuccess) return;
  fail(call, file, line,
       std::string(cudaGetErrorName(status)) + " (" + cudaGetErrorString(status) + ")");
}

void check(cublasStatus_t status, const char* call, const char* file, int line) {
  if (status == CUBLAS_STATUS_SUCCESS) return;
  fail(call, file, line,
       std::string(cublas_library().status_name(status)) + " (" +
           cublas_library().status_string(status) + ")");
}

void check(cusparseStatus_t status, const char* call, const char* file, int line) {
  if (status == CUSPARSE_STATUS_SUCCESS) return;
  fail(call, file, line,
       std::string(cusparse_library().status_name(status)) + " (" +
           cusparse_library().status_string(status) + ")");
}

namespace {

// The library `name` (a soname), opened for the process; throws DeviceError, with the
// loader's message, when it cannot be.
void* open_library(const std::string& name) {
  void* const handle = dlopen(name.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) throw DeviceError("cannot open " + name + ": " + dlerror());
  return handle;
}

// `symbol` of the opened library `name`, as a pointer of its declared type (named through
// decltype only, so that nothing links against the library).
template <typename Function>
Function* library_function(void* library, const std::string& name, const char* symbol) {
  void* const address = dlsym(library, symbol);
  if (address == nullptr) throw DeviceError(name + " has no " + symbol);
  return reinterpret_cast<Function*>(address);
}

#define GRAPHMINI_LIBRARY_FUNCTION(symbol) library_function<decltype(symbol)>(handle, name, #symbol)

}  // namespace

const Cublas& cublas_library() {
  static const Cublas library = [] {
    const std::string name = "libcublas.so." + std::to_string(CUBLAS_VER_MAJOR);
    void* const handle = open_library(name);
    return Cublas{GRAPHMINI_LIBRARY_FUNCTION(cublasCreate_v2),
                  GRAPHMINI_LIBRARY_FUNCTION(cublasDestroy_v2),
                  GRAPHMINI_LIBRARY_FUNCTION(cublasSetAtomicsMode),
                  GRAPHMINI_LIBRARY_FUNCTION(cublasSetMathMode),
                  GRAPHMINI_LIBRARY_FUNCTION(cublasSgemm_v2),
                  GRAPHMINI_LIBRARY_FUNCTION(cublasSgemmStridedBatched),
                  GRAPHMINI_LIBRARY_FUNCTION(cublasGetStatusName),
                  GRAPHMINI_LIBRARY_FUNCTION(cublasGetStatusString)};
  }();
  return library;
}

const Cusparse& cusparse_library() {
  static const Cusparse library = [] {
    const std::string name = "libcusparse.so." + std::to_string(CUSPARSE_VER_MAJOR);
    void* const handle = open_library(name);
    return Cusparse{GRAPHMINI_LIBRARY_FUNCTION(cusparseCreate),
                    GRAPHMINI_LIBRARY_FUNCTION(cusparseDestroy),
                    GRAPHMINI_LIBRARY_FUNCTION(cusparseCreateCsr),
                    GRAPHMINI_LIBRARY_FUNCTION(cusparseDestroySpMat),
                    GRAPHMINI_LIBRARY_FUNCTION(cusparseCreateDnMat),
                    GRAPHMINI_LIBRARY_FUNCTION(cusparseDestroyDnMat),
                    GRAPHMINI_LIBRARY_FUNCTION(cusparseSpMM_bufferSize),
                    GRAPHMINI_LIBRARY_FUNCTION(cusparseSpMM_preprocess),
                    GRAPHMINI_LIBRARY_FUNCTION(cusparseSpMM),
                    GRAPHMINI_LIBRARY_FUNCTION(cusparseGetErrorName),
                    GRAPHMINI_LIBRARY_FUNCTION(cusparseGetErrorString)};
  }();
  return library;
}

#undef GRAPHMINI_LIBRARY_FUNCTION

namespace {

struct Handles {
  cublasHandle_t cublas = nullptr;
  cusparseHandle_t cusparse = nullptr;
  Handles() {
    const Cublas& library = cublas_library();
    GRAPHMINI_CUDA_CHECK(library.create(&cublas));
    // cuBLAS may otherwise pick split-K reductions whose order depends on the run.
    GRAPHMINI_CUDA_CHECK(library.set_atomics_mode(cublas, CUBLAS_ATOMICS_NOT_ALLOWED));
    GRAPHMINI_CUDA_CHECK(library.set_math_mode(cublas, CUBLAS_PEDANTIC_MATH));
    GRAPHMINI_CUDA_CHECK(cusparse_library().create(&cusparse));
  }
  ~Handles() {
    // Errors at thread or program exit have no one to go to.
    if (cusparse != nullptr) cusparse_library().destroy(cusparse);
    if (cublas != nullptr) cublas_library().destroy(cublas);
  }
  Handles(const Handles&) = delete;
  Handles& operator=(const Handles&) = delete;
};

Handles& handles() {
  thread_local Handles instance;
  return instance;
}

CachingPool& pool() {
  static CachingPool instance(
      [](std::size_t bytes) {
        void* pointer = nullptr;
        const cudaError_t status = cudaMalloc(&pointer, bytes);
        if (status == cudaSuccess) return pointer;
        cudaGetLastError();  // clears the sticky-free error state of a failed allocation
        std::size_t free_bytes = 0;
        std::size_t total_bytes = 0;
        cudaMemGetInfo(&free_bytes, &total_bytes);
        throw DeviceError("cudaMalloc of " + std::to_string(bytes) +
                          " bytes failed: " + cudaGetErrorString(status) + "; the device has " +
                          std::to_string(free_bytes) + " of " + std::to_string(total_bytes) +
                          " bytes free");
      },
      [](void* pointer) { cudaFree(pointer); });  // never throws: runs at exit too
  return instance;
}

}  // namespace

cublasHandle_t cublas() {
  return handles().cublas;
}
cusparseHandle_t cusparse() {
  return handles().cusparse;
}
void* pool_allocate(std::size_t bytes) {
  return pool().allocate(bytes);
}
void pool_release(void* pointer) {
  pool().release(pointer);
}

}  // namespace detail

int device_count() {
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess) {
    cudaGetLastError();
    return 0;
  }
  return count;
}

std::string no_device_reason() {
  int count = 0;
  const cudaError_t status = cudaGetDeviceCount(&count);
  if (status != cudaSuccess) {
    cudaGetLastError();
    return std::string("cudaGetDeviceCount failed: ") + cudaGetErrorName(status) + " (" +
           cudaGetErrorString(status) + ")";
  }
  return count == 0 ? "cudaGetDeviceCount found no device" : "";
}

void synchronize() {
  GRAPHMINI_CUDA_CHECK(cudaDeviceSynchronize());
}

void use_device(int index) {
  GRAPHMINI_CUDA_CHECK(cudaSetDevice(index));
}

std::string device_name(int index) {
  cudaDeviceProp properties{};
  GRAPHMINI_CUDA_CHECK(cudaGetDeviceProperties(&properties, index));
  return properties.name;
}

DeviceMemoryStatistics device_memory_statistics() {
  auto& pool = detail::pool();
  return {pool.bytes_in_use(), pool.peak_bytes_in_use(), pool.bytes_cached()};
}
void reset_device_memory_peak() {
  detail::pool().reset_peak();
}
void trim_device_memory() {
  detail::pool().trim();
}

// ---- DeviceArray ------------------------------------------------------------------------------
template <typename T>
DeviceArray<T>::DeviceArray(std::size_t size) {
  resize(size);
}

template <typename T>
DeviceArray<T>::DeviceArray(std::span<const T> values) {
  upload(values);
}

template <typename T>
DeviceArray<T>::~DeviceArray() {
  detail::pool_release(data_);
}

template <typename T>
void DeviceArray<T>::resize(std::size_t size) {
  if (size == size_) return;
  void* storage = detail::pool_allocate(size * sizeof(T));
  detail::pool_release(data_);
  data_ = static_cast<T*>(storage);
  size_ = size;
}

template <typename T>
void DeviceArray<T>::upload(std::span<const T> values) {
  resize(values.size());
  if (!values.empty())
    GRAPHMINI_CUDA_CHECK(
        cudaMemcpy(data_, values.data(), values.size() * sizeof(T), cudaMemcpyHostToDevice));
}

template <typename T>
void DeviceArray<T>::upload_prefix(const T* values, std::size_t count) {
  if (count > size_)
    throw InvalidArgument("device array: " + std::to_string(count) + " values into " +
                          std::to_string(size_));
  if (count != 0)
    GRAPHMINI_CUDA_CHECK(cudaMemcpy(data_, values, count * sizeof(T), cudaMemcpyHostToDevice));
}

template <typename T>
std::vector<T> DeviceArray<T>::download() const {
  std::vector<T> values(size_);
  if (size_ != 0)
    GRAPHMINI_CUDA_CHECK(
        cudaMemcpy(values.data(), data_, size_ * sizeof(T), cudaMemcpyDeviceToHost));
  return values;
}

template <typename T>
void DeviceArray<T>::fill_zero() {
  if (size_ != 0) GRAPHMINI_CUDA_CHECK(cudaMemset(data_, 0, size_ * sizeof(T)));
}

template class DeviceArray<float>;
template class DeviceArray<double>;
template class DeviceArray<std::int32_t>;
template class DeviceArray<std::uint32_t>;

// ---- DeviceMatrix -----------------------------------------------------------------------------
DeviceMatrix::DeviceMatrix(std::size_t rows, std::size_t cols)
    : rows_(rows), cols_(cols), values_(rows * cols) {
  values_.fill_zero();
}

DeviceMatrix::DeviceMatrix(std::size_t rows, std::size_t cols, std::span<const float> values)
    : rows_(rows), cols_(cols) {
  if (values.size() != rows * cols)
    throw InvalidArgument("device matrix: " + std::to_string(values.size()) + " values for " +
                          std::to_string(rows) + " x " + std::to_string(cols));
  values_.upload(values);
}

void DeviceMatrix::download_to(float* host) const {
  if (size() != 0)
    GRAPHMINI_CUDA_CHECK(
        cudaMemcpy(host, values_.data(), size() * sizeof(float), cudaMemcpyDeviceToHost));
}

void DeviceMatrix::upload_from(const float* host) {
  values_.upload_prefix(host, size());
}

void DeviceMatrix::copy_within_device(const float* from, std::size_t count, std::size_t offset) {
  if (offset > size() || count > size() - offset)
    throw InvalidArgument("device matrix: " + std::to_string(count) + " values at " +
                          std::to_string(offset) + " of " + std::to_string(size()));
  if (count != 0)
    GRAPHMINI_CUDA_CHECK(
        cudaMemcpy(values_.data() + offset, from, count * sizeof(float), cudaMemcpyDeviceToDevice));
}

void DeviceMatrix::resize(std::size_t rows, std::size_t cols) {
  values_.resize(rows * cols);
  rows_ = rows;
  cols_ = cols;
}

// ---- CSR upload -------------------------------------------------------------------------------
namespace {

void check_csr(std::size_t cols, std::span<const std::uint64_t> offsets,
               std::span<const std::uint32_t> indices) {
  if (offsets.empty() || offsets.front() != 0 || offsets.back() != indices.size())
    throw InvalidArgument("device CSR: offsets do not span the " + std::to_string(indices.size()) +
                          " indices");
  if (indices.size() > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max()) ||
      cols > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max()))
    throw InvalidArgument("device CSR: " + std::to_string(indices.size()) + " entries or " +
                          std::to_string(cols) + " columns exceed 32-bit indices");
  for (const std::uint32_t index : indices)
    if (index >= cols)
      throw InvalidArgument("device CSR: index " + std::to_string(index) + " not below " +
                            std::to_string(cols) + " columns");
}

}  // namespace

DeviceCsr upload_csr(std::size_t cols, std::span<const std::uint64_t> offsets,
                     std::span<const std::uint32_t> indices) {
  check_csr(cols, offsets, indices);
  std::vector<std::int32_t> narrow_offsets(offsets.begin(), offsets.end());
  std::vector<std::int32_t> narrow_indices(indices.begin(), indices.end());
  DeviceCsr csr;
  csr.rows = offsets.size() - 1;
  csr.cols = cols;
  csr.offsets.upload(narrow_offsets);
  csr.indices.upload(narrow_indices);
  return csr;
}

TransposedCsr upload_transposed_csr(std::size_t cols, std::span<const std::uint64_t> offsets,
                                    std::span<const std::uint32_t> indices) {
  check_csr(cols, offsets, indices);
  const std::size_t rows = offsets.size() - 1;
  std::vector<std::int32_t> t_offsets(cols + 1, 0);
  for (const std::uint32_t index : indices)
    ++t_offsets[index + 1];
  std::partial_sum(t_offsets.begin(), t_offsets.end(), t_offsets.begin());
  std::vector<std::int32_t> next(t_offsets.begin(), t_offsets.end() - 1);
  std::vector<std::int32_t> t_indices(indices.size());
  std::vector<std::int32_t> original(indices.size());
  for (std::size_t d = 0; d < rows; ++d)
    for (std::uint64_t e = offsets[d]; e < offsets[d + 1]; ++e) {
      const std::int32_t slot = next[indices[e]]++;
      t_indices[slot] = static_cast<std::int32_t>(d);
      original[slot] = static_cast<std::int32_t>(e);
    }
  TransposedCsr result;
  result.csr.rows = cols;
  result.csr.cols = rows;
  result.csr.offsets.upload(t_offsets);
  result.csr.indices.upload(t_indices);
  result.original_entry.upload(original);
  return result;
}

}  // namespace graphmini::gnn::cuda
