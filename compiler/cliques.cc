#include "compiler/cliques.h"

#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_reduce.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "compiler/level0.h"
#include "compiler/schedule.h"
#include "runtime/error.h"
#include "runtime/graph_builder.h"
#include "runtime/memory.h"
#include "runtime/parallel.h"

namespace graphmini {

bool counts_by_bitsets(const Plan& plan) {
  const Pattern& pattern = plan.pattern;
  const int k = pattern.size();
  return !pattern.labelled() && k >= kMinBitsetClique && pattern.num_edges() == k * (k - 1) / 2;
}

namespace {

using Word = std::uint64_t;
inline constexpr std::uint32_t kNone = 0xffffffffu;

std::size_t words_for(std::size_t bits) {
  return (bits + 63) / 64;
}

// The neighbours of v above it in the order of (degree, id), whose lowest vertex of each
// clique counts it: no vertex has more than sqrt(2|E|).
std::size_t count_above(const DegreeRank& rank, VertexId v) {
  if (rank.ascending()) return rank.above(v).size();
  std::size_t n = 0;
  for (const VertexId u : rank.above(v))
    n += rank.precedes(v, u);
  return n;
}

// One task's local graph: the members, N+(a), and row i = the members j > i adjacent to
// member i, `words` words each; then one candidate set per recursion depth.
struct Local {
  std::vector<std::uint32_t> index;  // by vertex: its index among the members, else kNone
  std::vector<VertexId> members;     // N+(a) when the ids do not ascend by degree
  std::vector<Word> rows;
  std::vector<Word> candidates;
  WideCount cliques = 0;
};

// Fills the rows of `members` (N+(a), in any order: each clique is counted once, in the order
// of its members' indices): row i holds the members after member i that are adjacent to it,
// found by looking up its neighbours in `index` (a member's local index, kNone for the other
// vertices), which this sets for the members and clears again. In ascending order the
// members are sorted and only the end of each list is read.
void build_rows(const DegreeRank& rank, std::span<const VertexId> members, std::size_t words,
                Word* rows, std::uint32_t* index) {
  const std::size_t d = members.size();
  std::fill(rows, rows + d * words, Word{0});
  for (std::size_t j = 0; j < d; ++j)
    index[members[j]] = static_cast<std::uint32_t>(j);
  for (std::size_t i = 0; i + 1 < d; ++i) {
    Word* row = rows + i * words;
    for (const VertexId w : rank.above(members[i])) {
      const std::uint32_t j = index[w];
      if (j != kNone && j > i) row[j / 64] |= Word{1} << (j % 64);
    }
  }
  for (const VertexId v : members)
    index[v] = kNone;
}

// The cliques of r more vertices among the candidate set c (whose bits below word `from` are
// clear), each drawn in increasing order: rows hold only higher members. With `metered`, adds
// to `steps` the words it AND-ed or counted and the members it drew (sampled_clique_cost).
template <bool metered>
WideCount count_in(const Word* rows, std::size_t words, const Word* c, std::size_t from, int r,
                   Word* next, double* steps = nullptr) {
  if (r == 1) {
    std::uint64_t n = 0;
    for (std::size_t x = from; x < words; ++x)
      n += std::popcount(c[x]);
    if (metered) *steps += static_cast<double>(words - from);
    return n;
  }
  WideCount total = 0;
  for (std::size_t w = from; w < words; ++w) {
    for (Word bits = c[w]; bits != 0; bits &= bits - 1) {
      const std::size_t i = w * 64 + std::countr_zero(bits);
      const Word* row = rows + i * words;
      if (metered) *steps += static_cast<double>(words - w) + 1;
      if (r == 2) {
        std::uint64_t n = 0;
        for (std::size_t x = w; x < words; ++x)
          n += std::popcount(c[x] & row[x]);
        total += n;
      } else {
        for (std::size_t x = w; x < words; ++x)
          next[x] = c[x] & row[x];
        total += count_in<metered>(rows, words, next, w, r - 1, next + words, steps);
      }
    }
  }
  return total;
}

// Makes a's local graph in `local` for counting k-cliques: its members, N+(a), and their
// rows, `words` words each. Returns the members, or nothing when they are too few to hold
// k - 1 of a clique.
std::optional<std::span<const VertexId>> local_graph(const DegreeRank& rank, VertexId a, int k,
                                                     VertexId n, Local& local, std::size_t& words) {
  std::span<const VertexId> members = rank.above(a);
  if (!rank.ascending()) {
    local.members.clear();
    for (const VertexId u : members)
      if (rank.precedes(a, u)) local.members.push_back(u);
    members = local.members;
  }
  const std::size_t d = members.size();
  if (d + 1 < static_cast<std::size_t>(k)) return std::nullopt;
  words = words_for(d);
  if (local.index.empty()) local.index.assign(n, kNone);
  if (local.rows.size() < d * words) local.rows.resize(d * words);
  if (local.candidates.size() < k * words) local.candidates.resize(k * words);
  build_rows(rank, members, words, local.rows.data(), local.index.data());
  return members;
}

}  // namespace

std::optional<RunResult> count_cliques(const Graph& graph, int k, const RunOptions& options,
                                       std::uint64_t max_rows) {
  if (graph.orientation() != Orientation::undirected)
    throw InvalidArgument("cliques are counted in bitset minigraphs on undirected graphs only");
  if (k < 3 || k > kMaxPatternSize)
    throw InvalidArgument("a clique to count has 3 to " + std::to_string(kMaxPatternSize) +
                          " vertices, not " + std::to_string(k));
  const VertexId n = graph.num_vertices();
  const DegreeRank rank(graph);
  const bool ascending = rank.ascending();
  const std::size_t most = tbb::parallel_reduce(
      tbb::blocked_range<VertexId>(0, n, 4096), std::size_t{0},
      [&](const tbb::blocked_range<VertexId>& range, std::size_t m) {
        for (VertexId v = range.begin(); v != range.end(); ++v)
          m = std::max(m, count_above(rank, v));
        return m;
      },
      [](std::size_t a, std::size_t b) { return std::max(a, b); });
  const std::uint64_t row_bytes = std::uint64_t{most} * words_for(most) * sizeof(Word);
  if (row_bytes > max_rows) return std::nullopt;
  const std::uint64_t task_bytes =
      row_bytes + static_cast<std::uint64_t>(k) * words_for(most) * sizeof(Word) +
      std::uint64_t{n} * sizeof(std::uint32_t) + (ascending ? 0 : most * sizeof(VertexId));
  require_memory(worker_threads() * task_bytes,
                 "counting " + std::to_string(k) + "-cliques in bitset minigraphs with " +
                     std::to_string(worker_threads()) + " threads (each with " +
                     std::to_string(most) + " rows of " + std::to_string(most) +
                     " bits and an index of the vertices)",
                 graph.memory_bytes());

  tbb::enumerable_thread_specific<Local> tasks;
  const auto run = [&](VertexId a) {
    Local& local = tasks.local();
    std::size_t words = 0;
    const std::optional<std::span<const VertexId>> members =
        local_graph(rank, a, k, n, local, words);
    if (!members) return;
    // A first member i, then k - 2 more among row i.
    for (std::size_t i = 0; i < members->size(); ++i) {
      local.cliques += count_in<false>(local.rows.data(), words, local.rows.data() + i * words,
                                       i / 64, k - 2, local.candidates.data());
    }
  };
  RunResult result = level0::for_each_whole_vertex(graph, options, run);
  WideCount cliques = 0;
  for (const Local& local : tasks)
    cliques += local.cliques;
  if (cliques > std::numeric_limits<std::uint64_t>::max())
    throw Error("the " + std::to_string(k) + "-clique count exceeds 2^64 - 1");
  result.count = static_cast<std::uint64_t>(cliques);
  return result;
}

double sampled_clique_cost(const Graph& graph, int k, std::span<const SampledCandidate> sample) {
  const DegreeRank rank(graph);
  Local local;
  std::optional<VertexId> built;  // whose local graph `local` holds
  std::optional<std::span<const VertexId>> members;
  std::size_t words = 0;
  double cost = 0;
  for (const SampledCandidate& candidate : sample) {
    const VertexId a = candidate.vertex;
    const VertexId x = graph.neighbours(a)[candidate.index];
    if (!rank.precedes(a, x)) continue;
    // The sample's candidates come by vertex: each local graph is made once.
    if (built != a) {
      members = local_graph(rank, a, k, graph.num_vertices(), local, words);
      built = a;
    }
    double steps = 1;  // x drawn
    if (members) {
      const std::size_t i = std::find(members->begin(), members->end(), x) - members->begin();
      steps += static_cast<double>(words);  // its row cleared
      count_in<true>(local.rows.data(), words, local.rows.data() + i * words, i / 64, k - 2,
                     local.candidates.data(), &steps);
    }
    cost += candidate.weight *
            (kStepCost * steps + kLookupCost * static_cast<double>(rank.above(x).size()));
  }
  return cost;
}

}  // namespace graphmini
