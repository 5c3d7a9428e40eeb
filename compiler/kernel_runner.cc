#include "compiler/kernel_runner.h"

#include <tbb/blocked_range.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <type_traits>
#include <vector>

#include "compiler/codegen.h"
#include "compiler/level0.h"
#include "compiler/profile.h"
#include "runtime/error.h"
#include "runtime/vertex_set.h"

namespace graphmini {
namespace {

using kernel::Span;
using kernel::u32;
using kernel::u64;
using kernel::usize;

static_assert(std::is_same_v<kernel::u64, EdgeOffset> && std::is_same_v<u32, VertexId> &&
              std::is_same_v<u32, Label>);

VertexSpan to_span(Span span) {
  return {span.data, span.size};
}

// Minigraph storage: per slot, the table of lists and an arena of blocks that never move
// while the minigraph lives (deeper loops hold spans into it); rebuilding a slot reuses its
// blocks.
class MinigraphMemory {
 public:
  explicit MinigraphMemory(std::size_t slots) : slots_(slots) {}

  Span* table(int slot, usize members) {
    Slot& memory = slots_[slot];
    memory.block = 0;
    memory.used = 0;
    memory.lists.assign(members, {nullptr, 0});
    return memory.lists.data();
  }

  // Prunes `source` to the members of `domain` into the slot's arena.
  Span prune(int slot, Span source, Span domain) {
    const usize room = std::min(source.size, domain.size);
    if (room == 0) return kEmpty;
    Slot& memory = slots_[slot];
    while (memory.block < memory.blocks.size() &&
           memory.blocks[memory.block].size() - memory.used < room) {
      ++memory.block;
      memory.used = 0;
    }
    if (memory.block == memory.blocks.size()) memory.blocks.emplace_back(room);
    u32* out = memory.blocks[memory.block].data() + memory.used;
    const usize size = intersect(to_span(source), to_span(domain), out);
    if (size == 0) return kEmpty;
    memory.used += size;
    return {out, size};
  }

 private:
  static constexpr usize kBlockSize = usize{1} << 16;
  // Built lists have non-null data, empty ones too.
  static constexpr u32 kNothing = 0;
  static constexpr Span kEmpty = {&kNothing, 0};

  // Words that are written before they are read: allocated, not zeroed.
  class Block {
   public:
    explicit Block(usize room)
        : size_(std::max(room, kBlockSize)), words_(std::make_unique_for_overwrite<u32[]>(size_)) {}
    usize size() const { return size_; }
    u32* data() { return words_.get(); }

   private:
    usize size_;
    std::unique_ptr<u32[]> words_;
  };

  struct Slot {
    std::vector<Span> lists;
    std::vector<Block> blocks;
    usize block = 0;  // the block being filled
    usize used = 0;   // its words in use
  };
  std::vector<Slot> slots_;
};

// `profile` (of the task that prunes; null unless profiling) counts the lists pruned.
Span prune_into(MinigraphMemory& memory, const kernel::Graph* graph, kernel::Minigraph* m, usize i,
                kernel::Profile* profile) {
  if (profile != nullptr) ++profile->lists_pruned[m->slot];
  const u32 u = m->rows.data[i];
  Span source = kernel::neighbours(graph, u);
  if (kernel::Minigraph* parent = m->parent; parent != nullptr) {
    const usize j = kernel::position(parent->rows, u);
    source = parent->lists[j].data != nullptr ? parent->lists[j]
                                              : prune_into(memory, graph, parent, j, profile);
  }
  Span domain = m->domain;
  if (m->above) {
    domain = kernel::clip(domain, u + 1, 0xffffffffu);
    source = kernel::clip(source, u + 1, 0xffffffffu);
  }
  return m->lists[i] = memory.prune(m->slot, source, domain);
}

void fill(MinigraphMemory& memory, const kernel::Graph* graph, kernel::Minigraph* m, bool eager,
          kernel::Profile* profile) {
  if (profile != nullptr) ++profile->builds[m->slot];
  m->lists = memory.table(m->slot, m->rows.size);
  if (!eager) return;
  for (usize i = 0; i < m->rows.size; ++i)
    prune_into(memory, graph, m, i, profile);
}

// The level-0 minigraphs of one hub, whose level-1 candidates run as parallel ranges: built
// once, eagerly, by the first range to reach them, and read by all.
struct SharedMinigraphs {
  SharedMinigraphs(MinigraphMemory& memory, std::size_t slots)
      : memory(memory), once(slots), lists(slots) {}
  MinigraphMemory& memory;  // the runner's, reused from hub to hub
  std::vector<std::once_flag> once;
  std::vector<Span*> lists;
};

// What a task's Task::minigraphs points to.
struct TaskMinigraphs {
  explicit TaskMinigraphs(std::size_t slots) : memory(slots) {}
  MinigraphMemory memory;
  SharedMinigraphs* shared = nullptr;         // set while the task runs a range of a hub
  const std::vector<bool>* level0 = nullptr;  // by slot: built at level 0
};

TaskMinigraphs& minigraphs_of(kernel::Task* task) {
  return *static_cast<TaskMinigraphs*>(task->minigraphs);
}

void build_minigraph(const kernel::Graph* graph, kernel::Task* task, kernel::Minigraph* m,
                     bool eager) {
  TaskMinigraphs& own = minigraphs_of(task);
  SharedMinigraphs* shared = own.shared;
  if (shared == nullptr || !(*own.level0)[m->slot])
    return fill(own.memory, graph, m, eager, task->profile);
  std::call_once(shared->once[m->slot], [&] {
    fill(shared->memory, graph, m, true, task->profile);
    shared->lists[m->slot] = m->lists;
  });
  m->lists = shared->lists[m->slot];
}

Span prune_list(const kernel::Graph* graph, kernel::Task* task, kernel::Minigraph* m, usize i) {
  return prune_into(minigraphs_of(task).memory, graph, m, i, task->profile);
}

const kernel::Runtime kSetOperations = {
    [](Span a, Span b, u32* out) -> usize { return intersect(to_span(a), to_span(b), out); },
    [](Span a, Span b) -> usize { return intersect_count(to_span(a), to_span(b)); },
    [](Span a, Span b, u32* out) -> usize { return difference(to_span(a), to_span(b), out); },
    [](Span a, Span b) -> usize { return difference_count(to_span(a), to_span(b)); },
    [](Span list, u32 v) { return contains(to_span(list), v); },
    build_minigraph,
    prune_list,
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
    buffer_size_ = graph.max_degree();
    runtime_ = kSetOperations;
    runtime_.emit = [](void* host, const u32* match) {
      return static_cast<Runner*>(host)->emit(match);
    };
    runtime_.stopping = [](void* host) { return static_cast<Runner*>(host)->stopping(); };
    for (const Minigraph& m : plan.minigraphs)
      level0_.push_back(m.level == 0 && m.build != MinigraphBuild::skip);
    shares_minigraphs_ = std::find(level0_.begin(), level0_.end(), true) != level0_.end();
    for (const SetComputation& set : plan.sets)
      bitmaps_ = std::max<std::size_t>(bitmaps_, set.bitmap + 1);
    view_ = {graph.offsets().data(), graph.adjacency().data(),
             graph.has_labels() ? graph.labels().data() : nullptr, graph.num_vertices()};
  }

  RunResult run() {
    constexpr u32 kAll = std::numeric_limits<u32>::max();
    RunResult result;
    std::optional<LevelSampler> sampler;
    if (options_.profile != nullptr) sampler.emplace(*options_.profile);
    const auto run_vertex = [&](VertexId v, u32 first, u32 last) {
      if (plan_.size() >= 3 && graph_.degree(v) > options_.nested_threshold) {
        split(v, first, std::min<u32>(last, graph_.degree(v)));
      } else {
        call(v, first, last, nullptr);
      }
    };
    result.work = level0::for_each_vertex(
        graph_, options_,
        [&](const tbb::blocked_range<VertexId>& range) {
          for (VertexId v = range.begin(); v != range.end() && !stopping(); ++v)
            run_vertex(v, 0, kAll);
        },
        run_vertex);
    sampler.reset();
    for (const auto& pool : pool_) {
      for (const auto& state : pool) {
        result.count += state->count;
        if (state->profile) state->profile->add_to(*options_.profile);
      }
    }
    result.stopped = stopping();
    return result;
  }

 private:
  struct State {
    explicit State(std::size_t minigraphs) : minigraphs(minigraphs) {}
    std::vector<std::vector<u32>> storage;
    std::vector<u32*> buffers;
    std::vector<std::vector<u64>> bitmap_storage;
    std::vector<u64*> bitmaps;
    TaskMinigraphs minigraphs;
    kernel::Task task{};
    std::unique_ptr<TaskProfile> profile;  // profiled runs only
    std::uint64_t count = 0;
  };

  // A hub: its level-1 candidates [first, last) (of a subset of its neighbours) in index
  // ranges, which share the hub's level-0 minigraphs.
  void split(VertexId v, u32 first, u32 last) {
    std::unique_ptr<MinigraphMemory> memory;
    std::optional<SharedMinigraphs> shared;
    if (shares_minigraphs_) {
      memory = take_hub_memory();
      shared.emplace(*memory, level0_.size());
    }
    tbb::parallel_for(tbb::blocked_range<u32>(first, last, 8),
                      [&](const tbb::blocked_range<u32>& range) {
                        if (!stopping())
                          call(v, range.begin(), range.end(), shared ? &*shared : nullptr);
                      });
    if (memory) {
      const std::lock_guard lock(hub_memory_mutex_);
      hub_memory_.push_back(std::move(memory));
    }
  }

  // Minigraph memory for a hub's shared minigraphs: a spare one (its blocks allocated by an
  // earlier hub), or a new one.
  std::unique_ptr<MinigraphMemory> take_hub_memory() {
    const std::lock_guard lock(hub_memory_mutex_);
    if (hub_memory_.empty()) return std::make_unique<MinigraphMemory>(level0_.size());
    std::unique_ptr<MinigraphMemory> memory = std::move(hub_memory_.back());
    hub_memory_.pop_back();
    return memory;
  }

  void call(VertexId v, u32 first, u32 last, SharedMinigraphs* shared) {
    auto& free = pool_.local();
    std::unique_ptr<State> state;
    if (free.empty()) {
      state = std::make_unique<State>(level0_.size());
      state->storage.assign(kernel_buffer_count(plan_), std::vector<u32>(buffer_size_));
      for (auto& buffer : state->storage)
        state->buffers.push_back(buffer.data());
      state->bitmap_storage.assign(bitmaps_, std::vector<u64>((graph_.num_vertices() + 63) / 64));
      for (auto& bitmap : state->bitmap_storage)
        state->bitmaps.push_back(bitmap.data());
      state->minigraphs.level0 = &level0_;
      state->task = {
          state->buffers.data(), state->bitmaps.data(), &state->minigraphs, this, false, nullptr};
      if (options_.profile != nullptr) {
        state->profile = std::make_unique<TaskProfile>(plan_);
        state->task.profile = &state->profile->view();
      }
    } else {
      state = std::move(free.back());
      free.pop_back();
    }
    state->minigraphs.shared = shared;
    const CurrentProfile current(state->task.profile);
    state->count += kernel_(&view_, &runtime_, &state->task, v, first, last);
    state->minigraphs.shared = nullptr;
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
  std::size_t bitmaps_ = 0;   // bitmaps per task
  std::vector<bool> level0_;  // by minigraph: built at level 0
  bool shares_minigraphs_ = false;
  kernel::Runtime runtime_;
  kernel::Graph view_;
  std::atomic<bool> halted_{false};
  tbb::enumerable_thread_specific<std::vector<std::unique_ptr<State>>> pool_;
  std::mutex hub_memory_mutex_;
  std::vector<std::unique_ptr<MinigraphMemory>> hub_memory_;  // spares, for split()
};

}  // namespace

RunResult run_kernel(const Graph& graph, const Plan& plan, kernel::KernelFunction kernel,
                     const MatchCallback* on_match, const RunOptions& options) {
  return Runner(graph, plan, kernel, on_match, options).run();
}

}  // namespace graphmini
