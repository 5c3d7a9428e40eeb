#include "compiler/interpreter.h"

#include <tbb/blocked_range.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <array>
#include <limits>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "compiler/level0.h"
#include "compiler/profile.h"
#include "compiler/prune.h"
#include "runtime/error.h"
#include "runtime/vertex_set.h"

namespace graphmini {
namespace {

constexpr VertexId kNoUpperBound = std::numeric_limits<VertexId>::max();

// Level-1 candidates by index, [from, to) (clipped to those there are).
struct Candidates {
  std::uint32_t from = 0;
  std::uint32_t to = std::numeric_limits<std::uint32_t>::max();
};

// One task's working state.
struct Context {
  std::vector<VertexId> bound;                 // bound[level]
  std::vector<VertexSpan> sets;                // current value of every hoisted set
  std::vector<std::vector<VertexId>> buffers;  // storage of the sets computed by this task
  std::vector<VertexId> scratch;               // intermediate results of multi-step sets
  std::vector<VertexId> spare;                 // and of inclusion-exclusion intersections
  std::vector<VertexId> match;                 // match[pattern vertex], for listing
  std::uint64_t count = 0;
  std::size_t last_count = 0;            // size of the last level's count-only set
  std::uint64_t work = 0;                // a sampled candidate's work so far (count_sample)
  std::unique_ptr<TaskProfile> profile;  // profiled runs only
  // Sampled runs only (count_sample): SampledCounts' moments and steps.
  std::vector<std::uint64_t> degrees, degree_squares, member_squares;
  std::vector<std::vector<SampledCounts::Step>> steps;
};

class Interpreter {
 public:
  Interpreter(const Graph& graph, const Plan& plan, const RunOptions& options,
              const MatchCallback* on_match)
      : graph_(graph), plan_(plan), options_(options), on_match_(on_match), k_(plan.size()) {
    if (plan.pattern.labelled() && !graph.has_labels()) {
      throw InvalidArgument("pattern '" + plan.pattern.name() +
                            "' has vertex labels but the graph has none");
    }
    buffer_size_ = graph.max_degree();
    // Counting the last level without materialising it is only possible without a label
    // filter on it.
    count_last_ = on_match == nullptr && !plan.levels.back().label;
    if (plan.inclusion_exclusion) {
      if (on_match != nullptr) {
        throw InvalidArgument(
            "the plan counts its last levels by inclusion-exclusion; "
            "build it with PlanUse::list to list matches");
      }
    }
  }

  RunResult run() {
    RunResult result;
    std::optional<LevelSampler> sampler;
    if (options_.profile != nullptr) sampler.emplace(*options_.profile);
    result.work = level0::for_each_vertex(
        graph_, options_,
        [&](const tbb::blocked_range<VertexId>& range) {
          auto context = acquire();
          const CurrentProfile current(view(*context));
          for (VertexId v = range.begin(); v != range.end() && !stopping(); ++v)
            run_vertex(*context, v, {});
          release(std::move(context));
        },
        [&](VertexId v, std::uint32_t from, std::uint32_t to) {
          auto context = acquire();
          const CurrentProfile current(view(*context));
          run_vertex(*context, v, {from, to});
          release(std::move(context));
        });
    sampler.reset();
    for (auto& pool : pool_) {
      for (const auto& context : pool) {
        result.count += context->count;
        if (context->profile) context->profile->add_to(*options_.profile);
      }
    }
    result.stopped = stopped_.load(std::memory_order_relaxed) ||
                     (options_.stop != nullptr && options_.stop->load());
    return result;
  }

  // Counts the sampled candidates one by one (options.profile must be set, so that every
  // context has a profile to count into): each's counts into its own entry, added up in order.
  std::optional<SampledCounts> count_sample(std::span<const SampledCandidate> sample,
                                            std::uint64_t budget) {
    const auto zero = [&] {
      const std::vector<double> levels(plan_.levels.size(), 0.0), sets(plan_.sets.size(), 0.0);
      return SampledCounts{levels, sets, sets, levels, levels, sets, no_steps()};
    };
    budget_ = budget;
    sampling_ = true;
    std::vector<SampledCounts> parts(sample.size(), zero());
    tbb::parallel_for(
        tbb::blocked_range<std::size_t>(0, sample.size(), 1),
        [&](const tbb::blocked_range<std::size_t>& range) {
          auto context = acquire();
          kernel::Profile& counters = context->profile->view();
          for (std::size_t i = range.begin(); i != range.end() && !stopping(); ++i) {
            const SampledCandidate& candidate = sample[i];
            run_vertex(*context, candidate.vertex, {candidate.index, candidate.index + 1});
            work_ += std::exchange(context->work, 0);
            add_weighted(counters.iterations, parts[i].iterations, candidate.weight);
            add_weighted(counters.computations, parts[i].computations, candidate.weight);
            add_weighted(counters.members, parts[i].members, candidate.weight);
            add_weighted(context->degrees.data(), parts[i].degrees, candidate.weight);
            add_weighted(context->degree_squares.data(), parts[i].degree_squares, candidate.weight);
            add_weighted(context->member_squares.data(), parts[i].member_squares, candidate.weight);
            for (std::size_t id = 0; id < plan_.sets.size(); ++id) {
              for (std::size_t j = 0; j < plan_.sets[id].steps.size(); ++j) {
                add(parts[i].steps[id][j], context->steps[id][j], candidate.weight);
                context->steps[id][j] = {};
              }
            }
          }
          release(std::move(context));
        });
    if (work_.load() > budget) return std::nullopt;
    SampledCounts total = zero();
    total.work = work_.load();
    for (const SampledCounts& part : parts) {
      for (std::size_t l = 0; l < total.iterations.size(); ++l) {
        total.iterations[l] += part.iterations[l];
        total.degrees[l] += part.degrees[l];
        total.degree_squares[l] += part.degree_squares[l];
      }
      for (std::size_t id = 0; id < total.members.size(); ++id) {
        total.computations[id] += part.computations[id];
        total.members[id] += part.members[id];
        total.member_squares[id] += part.member_squares[id];
        for (std::size_t j = 0; j < part.steps[id].size(); ++j)
          add(total.steps[id][j], part.steps[id][j], 1);
      }
    }
    return total;
  }

 private:
  std::unique_ptr<Context> acquire() {
    auto& free = pool_.local();
    std::unique_ptr<Context> context;
    if (free.empty()) {
      context = std::make_unique<Context>();
      context->bound.assign(k_, 0);
      context->sets.assign(plan_.sets.size(), {});
      context->buffers.assign(plan_.sets.size(), std::vector<VertexId>(buffer_size_));
      context->scratch.assign(buffer_size_, 0);
      if (plan_.inclusion_exclusion) context->spare.assign(buffer_size_, 0);
      context->match.assign(k_, 0);
      if (options_.profile != nullptr) context->profile = std::make_unique<TaskProfile>(plan_);
      if (sampling_) {
        context->degrees.assign(k_, 0);
        context->degree_squares.assign(k_, 0);
        context->member_squares.assign(plan_.sets.size(), 0);
        context->steps = no_steps();
      }
    } else {
      context = std::move(free.back());
      free.pop_back();
    }
    return context;
  }

  void release(std::unique_ptr<Context> context) { pool_.local().push_back(std::move(context)); }

  std::vector<std::vector<SampledCounts::Step>> no_steps() const {
    std::vector<std::vector<SampledCounts::Step>> steps;
    for (const SetComputation& set : plan_.sets)
      steps.emplace_back(set.steps.size());
    return steps;
  }

  static void add(SampledCounts::Step& to, const SampledCounts::Step& step, double weight) {
    to.runs += weight * step.runs;
    to.operands += weight * step.operands;
    to.lists += weight * step.lists;
    to.merges += weight * step.merges;
  }

  // Adds the counters times `weight` to `to` and clears them.
  static void add_weighted(std::uint64_t* counters, std::vector<double>& to, double weight) {
    for (std::size_t i = 0; i < to.size(); ++i) {
      to[i] += weight * static_cast<double>(counters[i]);
      counters[i] = 0;
    }
  }

  void run_vertex(Context& context, VertexId v, Candidates level1) {
    if (!label_matches(0, v)) return;
    bind(context, 0, v);
    descend(context, 0, level1);
  }

  static kernel::Profile* view(Context& context) {
    return context.profile ? &context.profile->view() : nullptr;
  }

  bool stopping() const {
    return stopped_.load(std::memory_order_relaxed) ||
           (options_.stop != nullptr && options_.stop->load(std::memory_order_relaxed));
  }

  bool label_matches(int level, VertexId v) const {
    const auto& label = plan_.levels[level].label;
    return !label || graph_.label(v) == *label;
  }

  void bind(Context& context, int level, VertexId v) const {
    context.bound[level] = v;
    context.match[plan_.levels[level].pattern_vertex] = v;
  }

  VertexSpan source(const Context& context, const SetSource& source) const {
    return source.set >= 0 ? context.sets[source.set]
                           : graph_.neighbours(context.bound[source.neighbours_of]);
  }

  // The [low, high) window that bounds on the given levels allow.
  std::pair<VertexId, VertexId> window(const Context& context, const std::vector<int>& upper,
                                       const std::vector<int>& lower) const {
    VertexId low = 0, high = kNoUpperBound;
    for (const int l : lower)
      low = std::max(low, context.bound[l] + 1);
    for (const int l : upper)
      high = std::min(high, context.bound[l]);
    return {low, std::max(low, high)};
  }

  // Computes set `id` into the context; returns its size. With count_only the last step is
  // only counted and the set's value is left unset. With `measure`, adds what each step
  // merges to the context's SampledCounts::Step.
  std::size_t compute_set(Context& context, int id, bool count_only, bool measure) const {
    const SetComputation& set = plan_.sets[id];
    const auto [low, high] = window(context, set.upper, set.lower);
    VertexSpan current = clip(source(context, set.base), low, high);
    if (set.steps.empty()) {
      context.sets[id] = current;
      return current.size();
    }
    // Alternate between the scratch buffer and the set's buffer so the last step lands in
    // the set's buffer.
    VertexId* targets[2] = {context.buffers[id].data(), context.scratch.data()};
    int target = static_cast<int>(set.steps.size() - 1) % 2;
    for (std::size_t i = 0; i < set.steps.size(); ++i) {
      const SetStep& step = set.steps[i];
      const VertexSpan operand = clip(graph_.neighbours(context.bound[step.level]), low, high);
      const bool intersect = step.operation == SetOperation::intersect;
      if (measure) {
        const double a = static_cast<double>(current.size()),
                     b = static_cast<double>(operand.size());
        add(context.steps[id][i], {1, a, b, merge_cost(a, b)}, 1);
      }
      if (count_only && i + 1 == set.steps.size()) {
        return intersect ? intersect_count(current, operand) : difference_count(current, operand);
      }
      VertexId* out = targets[target];
      const std::size_t size = intersect ? graphmini::intersect(current, operand, out)
                                         : difference(current, operand, out);
      current = VertexSpan(out, size);
      target ^= 1;
    }
    context.sets[id] = current;
    return current.size();
  }

  // Whether v is a member of level t's candidate set (for the distinct-from correction).
  bool in_candidates(const Context& context, int t, VertexId v) const {
    const PlanLevel& level = plan_.levels[t];
    const SetSource& candidates = level.candidates;
    std::vector<int> upper = level.upper, lower = level.lower;
    if (candidates.set >= 0) {
      upper = plan_.sets[candidates.set].upper;
      lower = plan_.sets[candidates.set].lower;
    }
    const auto [low, high] = window(context, upper, lower);
    if (v < low || v >= high) return false;
    for (const int l : level.intersect_levels) {
      if (!contains(graph_.neighbours(context.bound[l]), v)) return false;
    }
    for (const int l : level.subtract_levels) {
      if (contains(graph_.neighbours(context.bound[l]), v)) return false;
    }
    return true;
  }

  VertexSpan candidates(const Context& context, int t) const {
    const PlanLevel& level = plan_.levels[t];
    VertexSpan span = source(context, level.candidates);
    if (level.candidates.set < 0) {
      const auto [low, high] = window(context, level.upper, level.lower);
      span = clip(span, low, high);
    }
    return span;
  }

  bool excluded(const Context& context, int t, VertexId v) const {
    for (const int l : plan_.levels[t].distinct_from) {
      if (context.bound[l] == v) return true;
    }
    return !label_matches(t, v);
  }

  // Levels 0 .. l are bound in `context`. At level 0, only the level-1 candidates `level1`
  // are run (a distributed run's part of a vertex, compiler/level0.h); what counts the vertex
  // whole is done by the part that starts at its first candidate.
  void descend(Context& context, int l, Candidates level1 = {}) {
    const int last = k_ - 1;
    const bool whole = level1.from == 0;
    // Level 0's counts only for the part of a vertex that counts it whole.
    kernel::Profile* profile =
        context.profile && (l > 0 || whole) ? &context.profile->view() : nullptr;
    if (profile != nullptr) {
      profile->level = l;
      ++profile->iterations[l];
      // A sample stops as soon as its work (the iterations of the levels that compute sets)
      // passes the budget, within a candidate too: one hub's candidate can take minutes.
      if (l < priced_ && ++context.work + work_.load(std::memory_order_relaxed) > budget_)
        stopped_.store(true, std::memory_order_relaxed);
      if (sampling_) {
        const std::uint64_t degree = graph_.degree(context.bound[l]);
        context.degrees[l] += degree;
        context.degree_squares[l] += degree * degree;
      }
    }
    for (const int id : sets_at_[l]) {
      // (Inclusion-exclusion reads its sets whole here, count-only ones too.)
      const bool count_only =
          count_last_ && !plan_.inclusion_exclusion && plan_.sets[id].count_only;
      const std::size_t size =
          compute_set(context, id, count_only, sampling_ && profile != nullptr);
      if (count_only) context.last_count = size;
      if (profile != nullptr) {
        ++profile->computations[id];
        profile->members[id] += size;
        if (sampling_) context.member_squares[id] += std::uint64_t{size} * size;
      }
    }
    if (plan_.inclusion_exclusion && l + 1 == enumerated_) {
      if (whole) context.count += count_by_inclusion_exclusion(context);
      return;
    }
    if (l == last) {
      if (whole) emit(context);
      return;
    }
    if (count_last_ && l == last - 1) {
      if (whole) count_last_level(context);
      return;
    }
    VertexSpan next = candidates(context, l + 1);
    if (l == 0) {
      const std::size_t from = std::min<std::size_t>(level1.from, next.size());
      next = next.subspan(from, std::min<std::size_t>(level1.to, next.size()) - from);
    }
    if (l == 0 && k_ >= 3 && next.size() > options_.nested_threshold) {
      loop_nested(context, next);
      return;
    }
    for (const VertexId v : next) {
      if (excluded(context, l + 1, v)) continue;
      bind(context, l + 1, v);
      descend(context, l + 1);
      if (stopped_.load(std::memory_order_relaxed)) return;
    }
    if (profile != nullptr) profile->level = l;
  }

  void count_last_level(Context& context) {
    const int t = k_ - 1;
    const PlanLevel& level = plan_.levels[t];
    std::uint64_t count = level.candidates.set >= 0 && plan_.sets[level.candidates.set].count_only
                              ? context.last_count
                              : candidates(context, t).size();
    for (const int l : level.distinct_from) {
      if (has_level(level.among, l) || in_candidates(context, t, context.bound[l])) --count;
    }
    context.count += count;
    if (context.profile) context.profile->view().iterations[t] += count;
  }

  // |intersection of the block's sets|, less the earlier-bound vertices in all of them.
  std::int64_t block_size(Context& context, const InclusionExclusion::Block& block,
                          std::span<const VertexSpan> spans) const {
    const int first = enumerated_;
    VertexSpan current = spans[block.levels.front() - first];
    std::size_t size = current.size();
    VertexId* targets[2] = {context.scratch.data(), context.spare.data()};
    for (std::size_t i = 1; i < block.levels.size(); ++i) {
      const VertexSpan operand = spans[block.levels[i] - first];
      if (i + 1 == block.levels.size()) {
        size = intersect_count(current, operand);
      } else {
        size = intersect(current, operand, targets[i % 2]);
        current = VertexSpan(targets[i % 2], size);
      }
    }
    for (const int l : block.distinct_from) {
      const VertexId w = context.bound[l];
      const bool in_all = has_level(block.among, l) ||
                          std::all_of(block.levels.begin(), block.levels.end(),
                                      [&](int t) { return contains(spans[t - first], w); });
      if (in_all) --size;
    }
    return static_cast<std::int64_t>(size);
  }

  std::uint64_t count_by_inclusion_exclusion(Context& context) const {
    const InclusionExclusion& counted = *plan_.inclusion_exclusion;
    const int first = enumerated_;
    std::array<VertexSpan, kMaxInclusionExclusion> spans;
    for (int t = first; t < k_; ++t)
      spans[t - first] = candidates(context, t);
    std::array<std::int64_t, std::size_t{1} << kMaxInclusionExclusion> sizes{};
    for (std::uint32_t mask = 1; mask < counted.blocks.size(); ++mask)
      sizes[mask] = block_size(context, counted.blocks[mask], spans);
    WideCount total = 0;
    for (const InclusionExclusion::Term& term : counted.terms) {
      WideCount product = term.coefficient;
      for (const std::uint32_t block : term.blocks)
        product *= sizes[block];
      total += product;
    }
    return static_cast<std::uint64_t>(total / counted.divisor * counted.multiplier);
  }

  void emit(Context& context) {
    ++context.count;
    if (on_match_ != nullptr && !(*on_match_)(context.match)) {
      stopped_.store(true, std::memory_order_relaxed);
    }
  }

  // A hub at level 0: its level-1 loop in parallel, each chunk in a context of its own that
  // shares the level-0 sets (read-only) with `parent`.
  void loop_nested(const Context& parent, VertexSpan next) {
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, next.size(), 8),
                      [&](const tbb::blocked_range<std::size_t>& range) {
                        if (stopping()) return;
                        auto context = acquire();
                        const CurrentProfile current(view(*context));
                        context->bound[0] = parent.bound[0];
                        context->match = parent.match;
                        for (const int id : sets_at_[0])
                          context->sets[id] = parent.sets[id];
                        for (std::size_t i = range.begin(); i != range.end(); ++i) {
                          const VertexId v = next[i];
                          if (excluded(*context, 1, v)) continue;
                          bind(*context, 1, v);
                          descend(*context, 1);
                          if (stopping()) break;
                        }
                        release(std::move(context));
                      });
  }

  const Graph& graph_;
  const Plan& plan_;
  const RunOptions& options_;
  const MatchCallback* on_match_;
  const int k_;
  std::size_t buffer_size_ = 0;
  bool count_last_ = false;
  int enumerated_ = plan_.enumerated_levels();
  // Per level, the sets computed there (Plan::sets_at, once rather than at every visit).
  std::vector<std::vector<int>> sets_at_ = [this] {
    std::vector<std::vector<int>> sets(k_);
    for (int l = 0; l < k_; ++l)
      sets[l] = plan_.sets_at(l);
    return sets;
  }();
  // What a sample's work counts: the levels that compute sets (SampledCounts::work).
  int priced_ = std::min(enumerated_, k_ - 1);
  std::atomic<bool> stopped_{false};
  // count_sample's budget, and the work of the candidates it has finished.
  std::uint64_t budget_ = std::numeric_limits<std::uint64_t>::max();
  std::atomic<std::uint64_t> work_{0};
  bool sampling_ = false;  // in count_sample: contexts count SampledCounts' moments too
  tbb::enumerable_thread_specific<std::vector<std::unique_ptr<Context>>> pool_;
};

}  // namespace

RunResult count_matches(const Graph& graph, const Plan& plan, const RunOptions& options) {
  return Interpreter(graph, plan, options, nullptr).run();
}

RunResult list_matches(const Graph& graph, const Plan& plan, const MatchCallback& on_match,
                       const RunOptions& options) {
  return Interpreter(graph, plan, options, &on_match).run();
}

std::optional<SampledCounts> count_sample(const Graph& graph, const Plan& plan,
                                          std::span<const SampledCandidate> sample,
                                          std::uint64_t budget) {
  RunProfile unused(plan);  // makes every context count
  RunOptions options;
  options.profile = &unused;
  return Interpreter(graph, plan, options, nullptr).count_sample(sample, budget);
}

}  // namespace graphmini
