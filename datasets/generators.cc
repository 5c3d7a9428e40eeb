// Synthetic graphs and datasets: Kronecker / R-MAT, Erdős–Rényi G(n, m) and the contextual
// stochastic block model.
//
// Every random value comes from the counter-based source of datasets/random.h, keyed by
// (seed, stream, item): each generator names one stream per purpose and draws item i's values
// from item i's own sequence. The parallel loops (oneTBB) only decide which thread computes an
// item, never what it computes, and the sorts order by total orders on distinct keys, so the
// output is identical for every thread count.
//
//  * Kronecker (Chakrabarti, Zhan, Faloutsos, "R-MAT: A Recursive Model for Graph Mining",
//    SDM 2004; Leskovec et al., "Kronecker Graphs", JMLR 2010) as specified by Graph500: each
//    of edge_factor * 2^scale pairs descends `scale` levels of the adjacency matrix, choosing the
//    quadrant (0,0), (0,1), (1,0), (1,1) with probabilities a, b, c, d = 1 - a - b - c; the top
//    level decides the most significant bit. Vertex ids are then scrambled by a seeded
//    bijection of [0, 2^scale), in the style of the Graph500 reference code (add, multiply by an
//    odd number, reverse the bits, repeated), so that the hubs are not the low ids.
//  * Erdős–Rényi G(n, m) (Erdős, Rényi 1959): uniform random pairs are drawn in rounds,
//    canonicalised to (min, max), sorted and de-duplicated; each round draws enough candidates
//    for the shortfall of the previous ones, and a surplus in the last round is trimmed by
//    independent random priorities, so the result is a uniform m-subset of the n(n-1)/2 pairs.
//    When m exceeds half of them, the complement (n(n-1)/2 - m pairs) is sampled instead and
//    every other pair emitted, which keeps the work O(m) even for nearly complete graphs.
//  * Contextual stochastic block model (Deshpande, Sen, Montanari, Mossel, "Contextual
//    Stochastic Block Models", NeurIPS 2018): balanced classes, edges that stay in the node's
//    class with probability `homophily`, Gaussian features around a random class mean of norm
//    `signal`, and a random train/validation/test split.
#include "datasets/generators.h"

#include <tbb/parallel_sort.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <iterator>
#include <span>
#include <string>
#include <vector>

#include "datasets/random.h"
#include "runtime/checksum.h"
#include "runtime/error.h"
#include "runtime/memory.h"
#include "runtime/parallel.h"

namespace graphmini::datasets {
namespace {

// One stream per purpose, so that changing how one purpose draws never shifts another's values.
enum Stream : std::uint64_t {
  kKroneckerEdges = 1,
  kKroneckerScramble = 2,
  kErdosRenyiTrim = 3,
  kCsbmClasses = 4,
  kCsbmDegrees = 5,
  kCsbmEdges = 6,
  kCsbmMeans = 7,
  kCsbmFeatures = 8,
  kCsbmSplit = 9,
  kErdosRenyiRounds = 1000,  // round r draws from stream kErdosRenyiRounds + r
};

// ---- Option checks --------------------------------------------------------------------------

// The shortest text that reads back as `value` (0.1, not 0.10000000000000001).
std::string to_text(double value) {
  char text[32];
  const auto result = std::to_chars(text, text + sizeof text, value);
  return std::string(text, result.ptr);
}

[[noreturn]] void reject(const char* generator, const std::string& option, const std::string& value,
                         const std::string& requirement) {
  throw InvalidArgument(std::string(generator) + ": option " + option + " = " + value + " " +
                        requirement);
}

void check_probability(const char* generator, const char* option, double value) {
  if (!(value >= 0.0 && value <= 1.0))
    reject(generator, option, to_text(value), "is outside [0, 1]");
}

// Sums of probabilities given in decimal rarely add up exactly (0.7 + 0.3 > 1 in binary), so
// sums are allowed this much above 1 and clamped.
constexpr double kSumTolerance = 1e-9;

// ---- Kronecker ------------------------------------------------------------------------------

constexpr std::uint64_t reverse_bits(std::uint64_t x) {
  x = ((x >> 1) & 0x5555555555555555ull) | ((x & 0x5555555555555555ull) << 1);
  x = ((x >> 2) & 0x3333333333333333ull) | ((x & 0x3333333333333333ull) << 2);
  x = ((x >> 4) & 0x0F0F0F0F0F0F0F0Full) | ((x & 0x0F0F0F0F0F0F0F0Full) << 4);
  x = ((x >> 8) & 0x00FF00FF00FF00FFull) | ((x & 0x00FF00FF00FF00FFull) << 8);
  x = ((x >> 16) & 0x0000FFFF0000FFFFull) | ((x & 0x0000FFFF0000FFFFull) << 16);
  return (x >> 32) | (x << 32);
}

// A seeded bijection of [0, 2^bits). Each round adds a key, multiplies by an odd key (both
// modulo 2^bits, both bijective; the multiply carries low bits upward) and reverses the bits
// (so the next multiply carries the former high bits upward too).
class BitScramble {
 public:
  BitScramble(unsigned bits, std::uint64_t seed) : bits_(bits), mask_((1ull << bits) - 1) {
    const RandomStream stream(seed, kKroneckerScramble);
    for (unsigned round = 0; round < kRounds; ++round) {
      add_[round] = stream.item(round).bits() & mask_;
      multiply_[round] = (stream.item(kRounds + round).bits() | 1) & mask_;
    }
  }

  std::uint64_t operator()(std::uint64_t x) const {
    for (unsigned round = 0; round < kRounds; ++round) {
      x = ((x + add_[round]) * multiply_[round]) & mask_;
      x = reverse_bits(x) >> (64 - bits_);
    }
    return x;
  }

 private:
  static constexpr unsigned kRounds = 3;
  unsigned bits_;
  std::uint64_t mask_;
  std::uint64_t add_[kRounds];
  std::uint64_t multiply_[kRounds];
};

// Quadrant choice for one level from 32 random bits: below `a` -> (0,0), below `ab` -> (0,1),
// below `abc` -> (1,0), else (1,1). The thresholds are the cumulative probabilities times 2^32,
// so each probability is honoured to 2^-32.
struct QuadrantThresholds {
  std::uint64_t a, ab, abc;
};

Edge draw_kronecker_pair(RandomDraws draws, unsigned scale, const QuadrantThresholds& t) {
  std::uint64_t source = 0;
  std::uint64_t target = 0;
  std::uint64_t word = 0;
  for (unsigned level = 0; level < scale; ++level) {
    // Two levels per 64-bit draw.
    std::uint64_t u;
    if (level % 2 == 0) {
      word = draws.bits();
      u = word >> 32;
    } else {
      u = word & 0xFFFFFFFFull;
    }
    // Branch-free: the comparisons are unpredictable by design. The column bit is 1 in
    // quadrants b and d, which is where an odd number of the three thresholds lie below u.
    const std::uint64_t above_a = u >= t.a, above_ab = u >= t.ab, above_abc = u >= t.abc;
    const std::uint64_t row = above_ab;
    const std::uint64_t column = above_a ^ above_ab ^ above_abc;
    source = (source << 1) | row;
    target = (target << 1) | column;
  }
  return {static_cast<VertexId>(source), static_cast<VertexId>(target)};
}

void check_kronecker(const KroneckerOptions& o) {
  constexpr const char* kName = "generate_kronecker";
  if (o.scale < 1 || o.scale > 31) {
    reject(kName, "scale", std::to_string(o.scale),
           "is outside [1, 31] (2^scale vertex ids must fit 32 bits)");
  }
  if (o.edge_factor < 1) reject(kName, "edge_factor", std::to_string(o.edge_factor), "is below 1");
  check_probability(kName, "a", o.a);
  check_probability(kName, "b", o.b);
  check_probability(kName, "c", o.c);
  const double sum = o.a + o.b + o.c;
  if (sum > 1.0 + kSumTolerance) {
    reject(kName, "a + b + c", to_text(sum), "exceeds 1 (d = 1 - a - b - c is a probability)");
  }
}

// ---- Erdős–Rényi ----------------------------------------------------------------------------

// An unordered pair {u, v}, u < v, as one sortable word: (u << 32) | v.
constexpr std::uint64_t pair_key(std::uint64_t u, std::uint64_t v) {
  return u < v ? (u << 32) | v : (v << 32) | u;
}

// A uniform random `count`-subset of the n(n-1)/2 unordered pairs of [0, n), sorted by key.
std::vector<std::uint64_t> sample_pairs(std::uint64_t n, std::uint64_t count, std::uint64_t seed) {
  const std::uint64_t total = n * (n - 1) / 2;
  std::vector<std::uint64_t> chosen;
  for (std::uint64_t round = 0; chosen.size() < count; ++round) {
    // Enough candidates that one round usually suffices: the shortfall, inflated by the chance
    // that a draw hits an already chosen pair, plus 5% and a few for draws colliding with each
    // other.
    const std::uint64_t shortfall = count - chosen.size();
    const double hit_new = static_cast<double>(total - chosen.size()) / static_cast<double>(total);
    const auto candidates =
        static_cast<std::uint64_t>(std::ceil(static_cast<double>(shortfall) / hit_new * 1.05)) + 16;

    // Uniform ordered pairs of distinct vertices; each unordered pair is hit by two of them.
    const RandomStream stream(seed, kErdosRenyiRounds + round);
    std::vector<std::uint64_t> fresh(candidates);
    parallel_for_each_index<std::uint64_t>(candidates, [&](std::uint64_t i) {
      RandomDraws draws = stream.item(i);
      const std::uint64_t u = draws.below(n);
      std::uint64_t v = draws.below(n - 1);
      v += v >= u;
      fresh[i] = pair_key(u, v);
    });
    tbb::parallel_sort(fresh.begin(), fresh.end());
    fresh.erase(std::unique(fresh.begin(), fresh.end()), fresh.end());
    if (!chosen.empty()) {
      std::vector<std::uint64_t> unseen;
      unseen.reserve(fresh.size());
      std::set_difference(fresh.begin(), fresh.end(), chosen.begin(), chosen.end(),
                          std::back_inserter(unseen));
      fresh.swap(unseen);
    }

    // Too many: keep a uniform random `shortfall`-subset of the new pairs, chosen by random
    // priorities independent of the draws: the pairs whose (priority, key) is among the
    // `shortfall` smallest. The surplus is small, so a selection finds the cut-off and a
    // filter, which keeps the key order, applies it. This happens at most once, in the last
    // round.
    if (fresh.size() > shortfall) {
      const RandomStream trim(seed, kErdosRenyiTrim);
      std::vector<std::uint64_t> priority(fresh.size());
      parallel_for_each_index<std::uint64_t>(
          fresh.size(), [&](std::uint64_t i) { priority[i] = trim.bits(fresh[i]); });
      std::vector<std::uint64_t> sorted_priority = priority;
      const auto cut = sorted_priority.begin() + static_cast<std::ptrdiff_t>(shortfall - 1);
      std::nth_element(sorted_priority.begin(), cut, sorted_priority.end());
      const std::uint64_t last_kept = *cut;
      std::vector<std::uint64_t>().swap(sorted_priority);
      // Pairs at exactly the cut-off priority (a tie, which is improbable) are kept in key order
      // until the count is reached.
      std::uint64_t ties_to_keep = shortfall - static_cast<std::uint64_t>(std::count_if(
                                                   priority.begin(), priority.end(),
                                                   [&](std::uint64_t p) { return p < last_kept; }));
      std::size_t out = 0;
      for (std::size_t i = 0; i < fresh.size(); ++i) {
        const bool keep = priority[i] < last_kept ||
                          (priority[i] == last_kept && ties_to_keep > 0 && ties_to_keep--);
        if (keep) fresh[out++] = fresh[i];
      }
      fresh.resize(out);
    }

    if (chosen.empty()) {
      chosen.swap(fresh);
    } else {
      const auto middle = static_cast<std::ptrdiff_t>(chosen.size());
      chosen.insert(chosen.end(), fresh.begin(), fresh.end());
      std::inplace_merge(chosen.begin(), chosen.begin() + middle, chosen.end());
    }
  }
  return chosen;
}

// Every pair {u, v}, u < v, of [0, n) whose key is not in `excluded` (sorted), in key order.
std::vector<Edge> pairs_except(std::uint64_t n, std::span<const std::uint64_t> excluded) {
  auto excluded_row = [&](std::uint64_t u) {
    const auto begin = std::lower_bound(excluded.begin(), excluded.end(), u << 32);
    const auto end = std::lower_bound(begin, excluded.end(), (u + 1) << 32);
    return excluded.subspan(static_cast<std::size_t>(begin - excluded.begin()),
                            static_cast<std::size_t>(end - begin));
  };
  std::vector<std::uint64_t> row_size(n);
  parallel_for_each_index<std::uint64_t>(
      n, [&](std::uint64_t u) { row_size[u] = (n - 1 - u) - excluded_row(u).size(); });
  std::vector<std::uint64_t> row_begin(n + 1);
  exclusive_prefix_sum<std::uint64_t, std::uint64_t>(row_size, row_begin);
  std::vector<Edge> edges(row_begin[n]);
  parallel_for_each_index<std::uint64_t>(
      n,
      [&](std::uint64_t u) {
        const auto skip = excluded_row(u);
        auto next_skip = skip.begin();
        std::uint64_t out = row_begin[u];
        for (std::uint64_t v = u + 1; v < n; ++v) {
          if (next_skip != skip.end() && *next_skip == pair_key(u, v)) {
            ++next_skip;
            continue;
          }
          edges[out++] = {static_cast<VertexId>(u), static_cast<VertexId>(v)};
        }
      },
      16);
  return edges;
}

// ---- Contextual stochastic block model ------------------------------------------------------

// The nodes [0, n) in a seeded uniformly random order: sorted by a random key per node (ties,
// which are improbable, broken by the node id).
std::vector<VertexId> random_order(std::uint64_t n, std::uint64_t seed, std::uint64_t stream) {
  struct Keyed {
    std::uint64_t key;
    VertexId node;
    bool operator<(const Keyed& other) const {
      return key != other.key ? key < other.key : node < other.node;
    }
  };
  const RandomStream random(seed, stream);
  std::vector<Keyed> keyed(n);
  parallel_for_each_index<std::uint64_t>(n, [&](std::uint64_t v) {
    keyed[v] = {random.bits(v), static_cast<VertexId>(v)};
  });
  tbb::parallel_sort(keyed.begin(), keyed.end());
  std::vector<VertexId> order(n);
  parallel_for_each_index<std::uint64_t>(n, [&](std::uint64_t r) { order[r] = keyed[r].node; });
  return order;
}

void check_csbm(const CsbmOptions& o) {
  constexpr const char* kName = "generate_csbm";
  if (o.classes < 2) reject(kName, "classes", std::to_string(o.classes), "is below 2");
  if (o.nodes < o.classes) {
    reject(kName, "nodes", std::to_string(o.nodes),
           "is below classes = " + std::to_string(o.classes) + " (every class needs a node)");
  }
  if (o.nodes > kMaxVertices) {
    reject(kName, "nodes", std::to_string(o.nodes),
           "exceeds the largest vertex count " + std::to_string(kMaxVertices));
  }
  if (o.features < 1) reject(kName, "features", std::to_string(o.features), "is below 1");
  if (!(o.average_degree >= 0.0 && o.average_degree < static_cast<double>(o.nodes))) {
    reject(kName, "average_degree", to_text(o.average_degree),
           "is outside [0, nodes = " + std::to_string(o.nodes) + ")");
  }
  check_probability(kName, "homophily", o.homophily);
  if (!(std::isfinite(o.signal) && o.signal >= 0.0)) {
    reject(kName, "signal", to_text(o.signal), "is not a finite value >= 0");
  }
  check_probability(kName, "train_fraction", o.train_fraction);
  check_probability(kName, "validation_fraction", o.validation_fraction);
  const double sum = o.train_fraction + o.validation_fraction;
  if (sum > 1.0 + kSumTolerance) {
    reject(kName, "train_fraction + validation_fraction", to_text(sum), "exceeds 1");
  }
}

}  // namespace

EdgeList generate_kronecker(const KroneckerOptions& options) {
  check_kronecker(options);
  const std::uint64_t n = std::uint64_t{1} << options.scale;
  const std::uint64_t m = std::uint64_t{options.edge_factor} << options.scale;
  // The pairs, and as much again twice over while build_graph symmetrises and sorts them.
  require_memory(3 * m * sizeof(Edge), "a Kronecker graph of " + std::to_string(m) + " pairs");

  auto threshold = [](double cumulative) {
    return static_cast<std::uint64_t>(std::llround(std::min(cumulative, 1.0) * 0x1.0p32));
  };
  const QuadrantThresholds thresholds{threshold(options.a), threshold(options.a + options.b),
                                      threshold(options.a + options.b + options.c)};
  const BitScramble scramble(options.scale, options.seed);
  const RandomStream stream(options.seed, kKroneckerEdges);

  EdgeList result;
  result.num_vertices = n;
  result.edges.resize(m);
  parallel_for_each_index<std::uint64_t>(m, [&](std::uint64_t i) {
    const Edge pair = draw_kronecker_pair(stream.item(i), options.scale, thresholds);
    result.edges[i] = {static_cast<VertexId>(scramble(pair.source)),
                       static_cast<VertexId>(scramble(pair.target))};
  });
  return result;
}

EdgeList generate_erdos_renyi(const ErdosRenyiOptions& options) {
  constexpr const char* kName = "generate_erdos_renyi";
  const std::uint64_t n = options.vertices;
  if (n > kMaxVertices) {
    reject(kName, "vertices", std::to_string(n),
           "exceeds the largest vertex count " + std::to_string(kMaxVertices));
  }
  const std::uint64_t total = n < 2 ? 0 : n * (n - 1) / 2;  // < 2^63 for n <= 2^32
  if (options.edges > total) {
    reject(kName, "edges", std::to_string(options.edges),
           "exceeds the " + std::to_string(total) + " vertex pairs of " + std::to_string(n) +
               " vertices");
  }

  const std::uint64_t sampled = std::min(options.edges, total - options.edges);
  require_memory(2 * sampled * sizeof(std::uint64_t) + 3 * options.edges * sizeof(Edge),
                 "an Erdos-Renyi graph of " + std::to_string(options.edges) + " edges");

  EdgeList result;
  result.num_vertices = n;
  if (options.edges > total / 2) {
    const std::vector<std::uint64_t> absent = sample_pairs(n, total - options.edges, options.seed);
    result.edges = pairs_except(n, absent);
  } else {
    const std::vector<std::uint64_t> present = sample_pairs(n, options.edges, options.seed);
    result.edges.resize(present.size());
    parallel_for_each_index<std::size_t>(present.size(), [&](std::size_t i) {
      result.edges[i] = {static_cast<VertexId>(present[i] >> 32),
                         static_cast<VertexId>(present[i] & 0xFFFFFFFFull)};
    });
  }
  return result;
}

namespace {

// The class means: Gaussian directions scaled to norm `signal` (computed in double precision).
std::vector<double> csbm_means(const CsbmOptions& options) {
  const std::uint64_t features = options.features;
  std::vector<double> means(options.classes * features);
  const RandomStream mean_stream(options.seed, kCsbmMeans);
  parallel_for_each_index<std::uint64_t>(
      options.classes,
      [&](std::uint64_t k) {
        RandomDraws draws = mean_stream.item(k);
        const std::span<double> mean(means.data() + k * features, features);
        double squared_norm = 0.0;
        for (double& x : mean) {
          x = draws.normal();
          squared_norm += x * x;
        }
        const double scale = squared_norm > 0.0 ? options.signal / std::sqrt(squared_norm) : 0.0;
        for (double& x : mean)
          x *= scale;
      },
      1);
  return means;
}

// Node v's features: its class mean plus standard normal noise, one draw sequence per node,
// so that any node's row can be generated alone.
void csbm_feature_row(const RandomStream& stream, std::span<const double> means,
                      std::span<const std::int32_t> labels, std::uint64_t features, std::uint64_t v,
                      float* row) {
  RandomDraws draws = stream.item(v);
  const double* mean = means.data() + static_cast<std::uint64_t>(labels[v]) * features;
  std::uint64_t j = 0;
  for (; j + 1 < features; j += 2) {
    const auto [x, y] = draws.normal_pair();
    row[j] = static_cast<float>(mean[j] + x);
    row[j + 1] = static_cast<float>(mean[j + 1] + y);
  }
  if (j < features) row[j] = static_cast<float>(mean[j] + draws.normal());
}

// The feature rows of `nodes`, in that order, and the CRC-32 of all of them. Every row is
// generated (the CRC covers them all), a piece of rows at a time, so that memory holds the
// rows asked for and one piece, never the whole features.
FeatureRows csbm_feature_rows(const CsbmOptions& options, std::span<const std::int32_t> labels,
                              std::span<const VertexId> nodes) {
  const std::uint64_t n = options.nodes;
  const std::uint64_t width = options.features;
  std::vector<std::pair<VertexId, std::size_t>> wanted(nodes.size());  // node, row out
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    if (nodes[i] >= n) {
      throw InvalidArgument("feature row of node " + std::to_string(nodes[i]) +
                            " asked of a csbm of " + std::to_string(n) + " nodes");
    }
    wanted[i] = {nodes[i], i};
  }
  std::sort(wanted.begin(), wanted.end());
  const std::vector<double> means = csbm_means(options);
  const RandomStream stream(options.seed, kCsbmFeatures);
  DenseFeatures rows{nodes.size(), width, std::vector<float>(nodes.size() * width)};
  constexpr std::uint64_t kPiece = 8192;
  std::vector<float> piece(std::min(n, kPiece) * width);
  std::uint32_t values_crc = 0;  // of no values
  auto next = wanted.begin();
  for (std::uint64_t first = 0; first < n; first += kPiece) {
    const std::uint64_t count = std::min(kPiece, n - first);
    parallel_for_each_index<std::uint64_t>(
        count,
        [&](std::uint64_t i) {
          csbm_feature_row(stream, means, labels, width, first + i, piece.data() + i * width);
        },
        64);
    const std::span<const float> values(piece.data(), count * width);
    values_crc = crc32_combine(values_crc, crc32_of_array(values), values.size_bytes());
    for (; next != wanted.end() && next->first < first + count; ++next) {
      std::copy_n(piece.data() + (next->first - first) * width, width,
                  rows.values.data() + next->second * width);
    }
  }
  return {std::move(rows), dense_features_crc(values_crc, n, width)};
}

}  // namespace

Dataset generate_csbm(const CsbmOptions& options, FeatureLoading loading) {
  check_csbm(options);
  // Features, and the edges three times over while the graph is built.
  const double edges = static_cast<double>(options.nodes) * options.average_degree / 2;
  require_memory((loading == FeatureLoading::all
                      ? options.nodes * std::uint64_t{options.features} * sizeof(float)
                      : 0) +
                     static_cast<std::uint64_t>(3 * edges * sizeof(Edge)),
                 "a csbm dataset of " + std::to_string(options.nodes) + " nodes");
  const std::uint64_t n = options.nodes;
  const std::uint64_t classes = options.classes;
  const std::uint64_t features = options.features;
  const std::uint64_t seed = options.seed;

  // Classes: in a random order of the nodes, the node at rank r gets class r % classes, so the
  // class sizes differ by at most one, and member j of class k is members[j * classes + k].
  const std::vector<VertexId> members = random_order(n, seed, kCsbmClasses);
  std::vector<std::int32_t> labels(n);
  std::vector<VertexId> slot(n);  // a node's position j within its class
  parallel_for_each_index<std::uint64_t>(n, [&](std::uint64_t r) {
    labels[members[r]] = static_cast<std::int32_t>(r % classes);
    slot[members[r]] = static_cast<VertexId>(r / classes);
  });
  auto class_size = [&](std::uint64_t k) { return n / classes + (k < n % classes ? 1 : 0); };

  // Edges: node v draws floor(d/2) edges, plus one with probability frac(d/2), so that the
  // expected degree (each edge counting at both ends) is d. Each edge's other endpoint is a
  // uniform other member of v's class with probability `homophily`, else uniform among the
  // nodes of the other classes. A node alone in its class has no partner for a same-class
  // edge; that draw becomes a self-loop, which build_graph drops.
  const double half_degree = options.average_degree / 2.0;
  const auto whole_draws = static_cast<std::uint64_t>(std::floor(half_degree));
  const double extra_draw = half_degree - static_cast<double>(whole_draws);
  const RandomStream degree_stream(seed, kCsbmDegrees);
  std::vector<std::uint64_t> draw_count(n);
  parallel_for_each_index<std::uint64_t>(n, [&](std::uint64_t v) {
    draw_count[v] = whole_draws + (degree_stream.item(v).bernoulli(extra_draw) ? 1 : 0);
  });
  std::vector<std::uint64_t> first_draw(n + 1);
  exclusive_prefix_sum<std::uint64_t, std::uint64_t>(draw_count, first_draw);
  std::vector<std::uint64_t>().swap(draw_count);

  EdgeList edge_list;
  edge_list.num_vertices = n;
  edge_list.edges.resize(first_draw[n]);
  const RandomStream edge_stream(seed, kCsbmEdges);
  parallel_for_each_index<std::uint64_t>(n, [&](std::uint64_t v) {
    RandomDraws draws = edge_stream.item(v);
    const std::uint64_t own = static_cast<std::uint64_t>(labels[v]);
    const std::uint64_t own_size = class_size(own);
    for (std::uint64_t e = first_draw[v]; e < first_draw[v + 1]; ++e) {
      VertexId other = static_cast<VertexId>(v);
      if (draws.bernoulli(options.homophily)) {
        if (own_size > 1) {
          std::uint64_t j = draws.below(own_size - 1);
          j += j >= slot[v];
          other = members[j * classes + own];
        }
      } else {
        // Ranks of other classes are the ranks r with r % classes != own: at least half of
        // all ranks, so this rejection loop takes fewer than two tries on average.
        std::uint64_t r = draws.below(n);
        while (r % classes == own)
          r = draws.below(n);
        other = members[r];
      }
      edge_list.edges[e] = {static_cast<VertexId>(v), other};
    }
  });
  std::vector<std::uint64_t>().swap(first_draw);
  std::vector<VertexId>().swap(slot);
  Graph graph = build_graph(std::move(edge_list), BuildOptions{.keep_isolated_vertices = true});

  // Features: every row, or none until read_features asks for some.
  DenseFeatures dense{loading == FeatureLoading::all ? n : 0, features, {}};
  if (loading == FeatureLoading::all) {
    const std::vector<double> means = csbm_means(options);
    const RandomStream feature_stream(seed, kCsbmFeatures);
    dense.values.resize(n * features);
    parallel_for_each_index<std::uint64_t>(
        n,
        [&](std::uint64_t v) {
          csbm_feature_row(feature_stream, means, labels, features, v,
                           dense.values.data() + v * features);
        },
        64);
  }

  // Split: in another random order, the first round(train * n) nodes train, up to rank
  // round((train + validation) * n) validate, the rest test. Rounding the cumulative
  // boundaries (half away from zero) keeps the three counts summing to n exactly.
  const auto boundary = [&](double fraction) {
    return std::min<std::uint64_t>(
        n, static_cast<std::uint64_t>(std::llround(fraction * static_cast<double>(n))));
  };
  const std::uint64_t train_end = boundary(options.train_fraction);
  const std::uint64_t validation_end =
      std::max(train_end, boundary(options.train_fraction + options.validation_fraction));
  const std::vector<VertexId> split_order = random_order(n, seed, kCsbmSplit);
  std::vector<Split> split(n);
  parallel_for_each_index<std::uint64_t>(n, [&](std::uint64_t r) {
    split[split_order[r]] =
        r < train_end ? Split::train : (r < validation_end ? Split::validation : Split::test);
  });

  Dataset dataset{"csbm-n" + std::to_string(n) + "-c" + std::to_string(classes), std::move(graph),
                  NodeData{}};
  // Gaussian features are dense, but they go through the rule every reader applies, so that
  // no dataset's layout depends on where it came from.
  dataset.nodes.features = in_chosen_layout(std::move(dense));
  dataset.nodes.labels = std::move(labels);
  if (loading == FeatureLoading::on_demand) {
    dataset.read_features = [options,
                             labels = dataset.nodes.labels](std::span<const VertexId> nodes) {
      return csbm_feature_rows(options, labels, nodes);
    };
  }
  dataset.nodes.num_classes = options.classes;
  dataset.nodes.split = std::move(split);
  return dataset;
}

}  // namespace graphmini::datasets
