#include "gnn/cuda/caching_pool.h"

#include <bit>
#include <utility>

#include "runtime/error.h"

namespace graphmini::gnn::cuda {

CachingPool::CachingPool(Allocate allocate, Release release)
    : allocate_(std::move(allocate)), release_(std::move(release)) {}

CachingPool::~CachingPool() {
  trim_locked();
}

std::size_t CachingPool::size_class(std::size_t bytes) {
  constexpr std::size_t kSmall = 512;
  constexpr std::size_t kLarge = std::size_t{1} << 20;
  if (bytes <= kLarge) return (bytes + kSmall - 1) / kSmall * kSmall;
  const std::size_t step = std::bit_floor(bytes) / 8;
  return (bytes + step - 1) / step * step;
}

void* CachingPool::allocate(std::size_t bytes) {
  if (bytes == 0) return nullptr;
  const std::size_t size = size_class(bytes);
  std::lock_guard lock(mutex_);
  void* pointer = nullptr;
  if (const auto cached = free_.find(size); cached != free_.end()) {
    pointer = cached->second;
    free_.erase(cached);
    cached_ -= size;
  } else {
    try {
      pointer = allocate_(size);
    } catch (const Error&) {
      // Blocks of other sizes may be what stands in the way.
      if (cached_ == 0) throw;
      trim_locked();
      pointer = allocate_(size);
    }
  }
  in_use_.emplace(pointer, size);
  bytes_in_use_ += size;
  peak_ = std::max(peak_, bytes_in_use_);
  return pointer;
}

void CachingPool::release(void* pointer) {
  if (pointer == nullptr) return;
  std::lock_guard lock(mutex_);
  const auto block = in_use_.find(pointer);
  if (block == in_use_.end())
    throw InvalidArgument("device pool: release of a pointer it did not allocate");
  free_.emplace(block->second, pointer);
  cached_ += block->second;
  bytes_in_use_ -= block->second;
  in_use_.erase(block);
}

void CachingPool::trim() {
  std::lock_guard lock(mutex_);
  trim_locked();
}

void CachingPool::trim_locked() {
  for (const auto& [size, pointer] : free_)
    release_(pointer);
  free_.clear();
  cached_ = 0;
}

std::size_t CachingPool::bytes_in_use() const {
  std::lock_guard lock(mutex_);
  return bytes_in_use_;
}

std::size_t CachingPool::peak_bytes_in_use() const {
  std::lock_guard lock(mutex_);
  return peak_;
}

std::size_t CachingPool::bytes_cached() const {
  std::lock_guard lock(mutex_);
  return cached_;
}

void CachingPool::reset_peak() {
  std::lock_guard lock(mutex_);
  peak_ = bytes_in_use_;
}

}  // namespace graphmini::gnn::cuda
