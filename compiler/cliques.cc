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

// The order whose lowest vertex of each clique counts it: degrees, ties by id, so that no
// vertex has more than sqrt(2|E|) neighbours above it. In a graph whose ids ascend by degree
// that is the id order, and the neighbours above v the end of its list.
struct Order {
  const Graph& graph;
  bool ascending;  // the ids ascend by degree

  bool below(VertexId u, VertexId v) const {
    return ascending ? u < v : degree_precedes(graph, u, v);
  }
  // The neighbours of v above it: the list's end, or (not ascending) its whole list, which
  // the caller filters with below().
  std::span<const VertexId> candidates(VertexId v) const {
    const std::span<const VertexId> list = graph.neighbours(v);
    if (!ascending) return list;
    return list.subspan(std::upper_bound(list.begin(), list.end(), v) - list.begin());
  }
  std::size_t count_above(VertexId v) const {
    if (ascending) return candidates(v).size();
    std::size_t n = 0;
    for (const VertexId u : graph.neighbours(v))
      n += below(v, u);
    return n;
  }
};

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
void build_rows(const Order& order, std::span<const VertexId> members, std::size_t words,
                Word* rows, std::uint32_t* index) {
  const std::size_t d = members.size();
  std::fill(rows, rows + d * words, Word{0});
  for (std::size_t j = 0; j < d; ++j)
    index[members[j]] = static_cast<std::uint32_t>(j);
  for (std::size_t i = 0; i + 1 < d; ++i) {
    Word* row = rows + i * words;
    for (const VertexId w : order.candidates(members[i])) {
      const std::uint32_t j = index[w];
      if (j != kNone && j > i) row[j / 64] |= Word{1} << (j % 64);
    }
  }
  for (const VertexId v : members)
    index[v] = kNone;
}

// The cliques of r more vertices among the candidate set c (whose bits below word `from` are
// clear), each drawn in increasing order: rows hold only higher members.
WideCount count_in(const Word* rows, std::size_t words, const Word* c, std::size_t from, int r,
                   Word* next) {
  if (r == 1) {
    std::uint64_t n = 0;
    for (std::size_t x = from; x < words; ++x)
      n += std::popcount(c[x]);
    return n;
  }
  WideCount total = 0;
  for (std::size_t w = from; w < words; ++w) {
    for (Word bits = c[w]; bits != 0; bits &= bits - 1) {
      const std::size_t i = w * 64 + std::countr_zero(bits);
      const Word* row = rows + i * words;
      if (r == 2) {
        std::uint64_t n = 0;
        for (std::size_t x = w; x < words; ++x)
          n += std::popcount(c[x] & row[x]);
        total += n;
      } else {
        for (std::size_t x = w; x < words; ++x)
          next[x] = c[x] & row[x];
        total += count_in(rows, words, next, w, r - 1, next + words);
      }
    }
  }
  return total;
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
  const bool ascending = in_degree_order(graph, DegreeOrder::ascending);
  const Order order{graph, ascending};
  const std::size_t most = tbb::parallel_reduce(
      tbb::blocked_range<VertexId>(0, n, 4096), std::size_t{0},
      [&](const tbb::blocked_range<VertexId>& range, std::size_t m) {
        for (VertexId v = range.begin(); v != range.end(); ++v)
          m = std::max(m, order.count_above(v));
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
    std::span<const VertexId> members = order.candidates(a);
    if (!ascending) {
      local.members.clear();
      for (const VertexId u : members)
        if (order.below(a, u)) local.members.push_back(u);
      members = local.members;
    }
    const std::size_t d = members.size();
    if (d + 1 < static_cast<std::size_t>(k)) return;
    const std::size_t words = words_for(d);
    if (local.index.empty()) local.index.assign(n, kNone);
    if (local.rows.size() < d * words) local.rows.resize(d * words);
    if (local.candidates.size() < k * words) local.candidates.resize(k * words);
    build_rows(order, members, words, local.rows.data(), local.index.data());
    // A first member i, then k - 2 more among row i.
    for (std::size_t i = 0; i < d; ++i) {
      local.cliques += count_in(local.rows.data(), words, local.rows.data() + i * words, i / 64,
                                k - 2, local.candidates.data());
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

}  // namespace graphmini
