// A caching allocator: blocks freed by their users are kept, by size class, for the next
// request of that class instead of being handed back to the device. cudaMalloc and cudaFree
// synchronise the device and cost tens of microseconds, and a training loop asks for the same
// shapes every batch, so after the first batch nearly every request is served from the cache.
//
// The bookkeeping (bytes in use, peak, cached bytes) is plain host code over two injected
// functions, so that it is tested without a GPU; the device pool (device_ops.h) is this class
// over cudaMalloc/cudaFree.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace graphmini::gnn::cuda {

class CachingPool {
 public:
  // `allocate(bytes)` returns storage or throws; `release(pointer)` gives it back.
  using Allocate = std::function<void*(std::size_t)>;
  using Release = std::function<void(void*)>;
  CachingPool(Allocate allocate, Release release);
  ~CachingPool();
  CachingPool(const CachingPool&) = delete;
  CachingPool& operator=(const CachingPool&) = delete;

  // Storage for at least `bytes` bytes (nullptr for 0). When the allocator throws, the cache
  // is emptied and the request tried once more before the error goes to the caller.
  void* allocate(std::size_t bytes);
  void release(void* pointer);
  // Hands every cached block back.
  void trim();

  std::size_t bytes_in_use() const;
  std::size_t peak_bytes_in_use() const;
  std::size_t bytes_cached() const;
  void reset_peak();

  // Requests are rounded up to this size class: 512 bytes below 1 MiB, then 1/8 of the
  // power of two at or below (so a block never wastes more than an eighth).
  static std::size_t size_class(std::size_t bytes);

 private:
  void trim_locked();

  Allocate allocate_;
  Release release_;
  mutable std::mutex mutex_;
  std::multimap<std::size_t, void*> free_;         // size class -> cached blocks
  std::unordered_map<void*, std::size_t> in_use_;  // live blocks and their size classes
  std::size_t bytes_in_use_ = 0;
  std::size_t peak_ = 0;
  std::size_t cached_ = 0;
};

}  // namespace graphmini::gnn::cuda
