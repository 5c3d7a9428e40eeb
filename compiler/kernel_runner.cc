#include "compiler/kernel_runner.h"

#include <tbb/blocked_range.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <limits>
#include <memory>
#include <type_traits>
#include <vector>

#include "compiler/codegen.h"
#include "runtime/error.h"
#include "runtime/vertex_set.h"

namespace graphmini {
namespace {

using kernel::Span;
using kernel::u32;
using kernel::usize;

static_assert(std::is_same_v<kernel::u64, EdgeOffset> && std::is_same_v<u32, VertexId> &&
              std::is_same_v<u32, Label>);

VertexSpan to_span(Span span) {
  return {span.data, span.size};
}

const kernel::Runtime kSetOperations = {
    [](Span a, Span b, u32* out) -> usize { return intersect(to_span(a), to_span(b), out); },
    [](Span a, Span b) -> usize { return intersect_count(to_span(a), to_span(b)); },
    [](Span a, Span b, u32* out) -> usize { return difference(to_span(a), to_span(b), out); },
    [](Span a, Span b) -> usize { return difference_count(to_span(a), to_span(b)); },
    [](Span list, u32 v) { return contains(to_span(list), v); },
    [](Span list, u32 low, u32 high) -> Span {
      const VertexSpan clipped = clip(to_span(list), low, high);
      return {clipped.data(), clipped.size()};
    },
    nullptr,
    nullptr,
};

class Runner {
 public:
  Runner(const Graph& graph, const Plan& plan, kernel::KernelFunction kernel,
         const MatchCallback* on_match, const RunOptions& options)
      : graph_(graph), plan_(plan), kernel_(kernel), on_match_(on_match), options_(options) {
    if (plan.pattern.labelled() && !graph.has_labels()) {
      throw InvalidArgument("pattern '" + plan.pattern.name() +
                            "' has vertex labels but the graph has none");
    }
    for (const VertexId v : graph.vertices())
      buffer_size_ = std::max<std::size_t>(buffer_size_, graph.degree(v));
    runtime_ = kSetOperations;
    runtime_.emit = [](void* host, const u32* match) {
      return static_cast<Runner*>(host)->emit(match);
    };
    runtime_.stopping = [](void* host) { return static_cast<Runner*>(host)->stopping(); };
    view_ = {graph.offsets().data(), graph.adjacency().data(),
             graph.has_labels() ? graph.labels().data() : nullptr, graph.num_vertices()};
  }

  RunResult run() {
    constexpr u32 kAll = std::numeric_limits<u32>::max();
    tbb::parallel_for(tbb::blocked_range<VertexId>(0, graph_.num_vertices(), 16),
                      [&](const tbb::blocked_range<VertexId>& range) {
                        for (VertexId v = range.begin(); v != range.end(); ++v) {
                          if (stopping()) break;
                          if (plan_.size() >= 3 && graph_.degree(v) > options_.nested_threshold) {
                            split(v);
                          } else {
                            call(v, 0, kAll);
                          }
                        }
                        if (options_.progress != nullptr) *options_.progress += range.size();
                      });
    RunResult result;
    for (const auto& pool : pool_) {
      for (const auto& state : pool)
        result.count += state->count;
    }
    result.stopped = stopping();
    return result;
  }

 private:
  struct State {
    std::vector<std::vector<u32>> storage;
    std::vector<u32*> buffers;
    kernel::Task task{};
    std::uint64_t count = 0;
  };

  // A hub: its level-1 candidates (a subset of its neighbours) in index ranges.
  void split(VertexId v) {
    tbb::parallel_for(tbb::blocked_range<u32>(0, graph_.degree(v), 8),
                      [&](const tbb::blocked_range<u32>& range) {
                        if (!stopping()) call(v, range.begin(), range.end());
                      });
  }

  void call(VertexId v, u32 first, u32 last) {
    auto& free = pool_.local();
    std::unique_ptr<State> state;
    if (free.empty()) {
      state = std::make_unique<State>();
      state->storage.assign(kernel_buffer_count(plan_), std::vector<u32>(buffer_size_));
      for (auto& buffer : state->storage)
        state->buffers.push_back(buffer.data());
      state->task = {state->buffers.data(), this, false};
    } else {
      state = std::move(free.back());
      free.pop_back();
    }
    state->count += kernel_(&view_, &runtime_, &state->task, v, first, last);
    pool_.local().push_back(std::move(state));
  }

  bool emit(const u32* match) {
    if (!(*on_match_)(std::span<const VertexId>(match, plan_.size()))) {
      halted_.store(true, std::memory_order_relaxed);
      return false;
    }
    return true;
  }

  bool stopping() const {
    return halted_.load(std::memory_order_relaxed) ||
           (options_.stop != nullptr && options_.stop->load(std::memory_order_relaxed));
  }

  const Graph& graph_;
  const Plan& plan_;
  const kernel::KernelFunction kernel_;
  const MatchCallback* on_match_;
  const RunOptions& options_;
  std::size_t buffer_size_ = 0;
  kernel::Runtime runtime_;
  kernel::Graph view_;
  std::atomic<bool> halted_{false};
  tbb::enumerable_thread_specific<std::vector<std::unique_ptr<State>>> pool_;
};

}  // namespace

RunResult run_kernel(const Graph& graph, const Plan& plan, kernel::KernelFunction kernel,
                     const MatchCallback* on_match, const RunOptions& options) {
  return Runner(graph, plan, kernel, on_match, options).run();
}

}  // namespace graphmini
