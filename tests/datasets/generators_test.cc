// Specification of the synthetic generators (datasets/generators.h) and of the counter-based
// random source they share (datasets/random.h).
//
// Every statistical check compares a measured count with the model's expectation and allows
// five standard deviations of the corresponding binomial (or sum of variances), so a correct
// generator fails with probability below about 1e-6 per check, while the seeds are fixed and
// the outcome is reproducible. Where a check needs more than a binomial, the comment derives
// the bound from the model.
#include "datasets/generators.h"

#include <gtest/gtest.h>
#include <tbb/global_control.h>
#include <tbb/info.h>

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <limits>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "datasets/random.h"
#include "runtime/error.h"

namespace graphmini::datasets {
namespace {

// Runs `make` with oneTBB limited to `threads` worker threads.
template <typename Make>
auto with_threads(int threads, const Make& make) {
  const tbb::global_control limit(tbb::global_control::max_allowed_parallelism,
                                  static_cast<std::size_t>(threads));
  return make();
}

// The thread counts compared in the determinism tests: one, all, and an odd count that splits
// the work differently again.
std::vector<int> thread_counts() {
  return {1, tbb::info::default_concurrency(), 5};
}

// Expects `call` to throw InvalidArgument whose message contains every string in `mentions`
// (the option's name and the offending value).
template <typename Call>
void expect_invalid(const Call& call, std::initializer_list<std::string_view> mentions) {
  try {
    call();
    ADD_FAILURE() << "no InvalidArgument thrown";
  } catch (const InvalidArgument& error) {
    const std::string message = error.what();
    for (const std::string_view mention : mentions) {
      EXPECT_NE(message.find(mention), std::string::npos)
          << "message \"" << message << "\" does not mention \"" << mention << "\"";
    }
  }
}

// Five standard deviations of a Binomial(trials, p) count.
double five_sigma(double trials, double p) {
  return 5.0 * std::sqrt(trials * p * (1.0 - p));
}

double degree_mean(const Graph& graph) {
  return 2.0 * static_cast<double>(graph.num_edges()) / graph.num_vertices();
}

VertexId max_degree_vertex(const Graph& graph) {
  VertexId best = 0;
  for (const VertexId v : graph.vertices()) {
    if (graph.degree(v) > graph.degree(best)) best = v;
  }
  return best;
}

// ---- Random source ---------------------------------------------------------------------------

TEST(RandomSource, IsAPureFunctionOfSeedStreamIndexAndDraw) {
  const RandomStream stream(7, 3);
  RandomDraws draws = stream.item(11);
  for (std::uint64_t draw = 0; draw < 4; ++draw)
    EXPECT_EQ(draws.bits(), random_bits(7, 3, 11, draw));
  EXPECT_EQ(stream.bits(11), random_bits(7, 3, 11));
  // Each of the four coordinates changes the value.
  const std::uint64_t base = random_bits(7, 3, 11, 0);
  EXPECT_NE(base, random_bits(8, 3, 11, 0));
  EXPECT_NE(base, random_bits(7, 4, 11, 0));
  EXPECT_NE(base, random_bits(7, 3, 12, 0));
  EXPECT_NE(base, random_bits(7, 3, 11, 1));
}

TEST(RandomSource, BelowIsUniformOverTheRange) {
  // n = 3 does not divide 2^64, so a plain modulo would be biased (invisibly at this sample
  // size; the check is that each value appears in 1/3 of the draws).
  constexpr int kDraws = 30000;
  const RandomStream stream(1, 1);
  std::vector<int> count(3, 0);
  for (int i = 0; i < kDraws; ++i)
    ++count[stream.item(i).below(3)];
  for (const int c : count)
    EXPECT_NEAR(c, kDraws / 3.0, five_sigma(kDraws, 1.0 / 3));
  // Extremes: n = 1 always gives 0; a huge n (2^63 + 1, where half of the 64-bit words would
  // be rejected) stays in range.
  const std::uint64_t huge = (std::uint64_t{1} << 63) + 1;
  for (int i = 0; i < 1000; ++i) {
    RandomDraws draws = stream.item(i);
    EXPECT_EQ(draws.below(1), 0u);
    EXPECT_LT(draws.below(huge), huge);
  }
}

TEST(RandomSource, UniformAndNormalHaveTheirMoments) {
  constexpr int kDraws = 100000;
  const RandomStream stream(2, 5);
  double uniform_sum = 0, normal_sum = 0, normal_squares = 0;
  for (int i = 0; i < kDraws; ++i) {
    RandomDraws draws = stream.item(i);
    const double u = draws.uniform();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    uniform_sum += u;
    const auto [x, y] = draws.normal_pair();
    normal_sum += x + y;
    normal_squares += x * x + y * y;
  }
  // Uniform: variance 1/12. Normal: 2 * kDraws values, mean 0 (variance 1 each) and mean
  // square 1 (variance 2 each).
  EXPECT_NEAR(uniform_sum / kDraws, 0.5, 5 * std::sqrt(1.0 / 12 / kDraws));
  EXPECT_NEAR(normal_sum / (2 * kDraws), 0.0, 5 * std::sqrt(1.0 / (2 * kDraws)));
  EXPECT_NEAR(normal_squares / (2 * kDraws), 1.0, 5 * std::sqrt(2.0 / (2 * kDraws)));
}

// ---- Kronecker -------------------------------------------------------------------------------

TEST(Kronecker, HasTwoToTheScaleVerticesAndEdgeFactorPairsPerVertex) {
  const EdgeList list = generate_kronecker({.scale = 5, .edge_factor = 3});
  EXPECT_EQ(list.num_vertices, 32u);
  EXPECT_EQ(list.edges.size(), 96u);
  for (const Edge& e : list.edges) {
    EXPECT_LT(e.source, 32u);
    EXPECT_LT(e.target, 32u);
  }
  EXPECT_TRUE(list.labels.empty());
  EXPECT_TRUE(list.original_ids.empty());
}

TEST(Kronecker, IsDeterministicForASeedWhateverTheThreadCount) {
  // 2^16 pairs: many more than one parallel grain, so the threads really split the work.
  const KroneckerOptions options{.scale = 12, .edge_factor = 16, .seed = 42};
  const EdgeList reference = with_threads(1, [&] { return generate_kronecker(options); });
  for (const int threads : thread_counts()) {
    const EdgeList again = with_threads(threads, [&] { return generate_kronecker(options); });
    EXPECT_EQ(again.edges, reference.edges) << threads << " threads";
  }
  const EdgeList other_seed = generate_kronecker({.scale = 12, .edge_factor = 16, .seed = 43});
  EXPECT_NE(other_seed.edges, reference.edges);
}

TEST(Kronecker, TopLevelQuadrantsFollowABCD) {
  // At scale 1 the top level is the only level, so each pair is one quadrant draw. The scramble
  // of 1-bit ids is either the identity or the swap 0 <-> 1, which exchanges (0,0) with (1,1)
  // and (0,1) with (1,0); with a > d the larger diagonal count tells which one was used.
  const double a = 0.45, b = 0.25, c = 0.18, d = 1 - a - b - c;
  const unsigned edge_factor = 1u << 17;
  const double pairs = 2.0 * edge_factor;
  for (const std::uint64_t seed : {1, 2, 3}) {
    const EdgeList list = generate_kronecker(
        {.scale = 1, .edge_factor = edge_factor, .a = a, .b = b, .c = c, .seed = seed});
    ASSERT_EQ(static_cast<double>(list.edges.size()), pairs);
    double count[2][2] = {{0, 0}, {0, 0}};
    for (const Edge& e : list.edges)
      ++count[e.source][e.target];
    const bool swapped = count[1][1] > count[0][0];
    auto quadrant = [&](int row, int column) {
      return swapped ? count[1 - row][1 - column] : count[row][column];
    };
    EXPECT_NEAR(quadrant(0, 0), a * pairs, five_sigma(pairs, a)) << "seed " << seed;
    EXPECT_NEAR(quadrant(0, 1), b * pairs, five_sigma(pairs, b)) << "seed " << seed;
    EXPECT_NEAR(quadrant(1, 0), c * pairs, five_sigma(pairs, c)) << "seed " << seed;
    EXPECT_NEAR(quadrant(1, 1), d * pairs, five_sigma(pairs, d)) << "seed " << seed;
  }
}

TEST(Kronecker, SelfLoopsAppearAtRateAPlusDToTheScale) {
  // A pair is a self-loop exactly when every level picks a diagonal quadrant (a or d); the
  // scramble is a bijection, so it keeps self-loops self-loops. This checks all levels at once.
  const KroneckerOptions options{.scale = 10, .edge_factor = 64};
  const EdgeList list = generate_kronecker(options);
  const double p = std::pow(options.a + (1 - options.a - options.b - options.c), options.scale);
  const double pairs = static_cast<double>(list.edges.size());
  const auto loops = std::count_if(list.edges.begin(), list.edges.end(),
                                   [](const Edge& e) { return e.source == e.target; });
  EXPECT_NEAR(static_cast<double>(loops), p * pairs, five_sigma(pairs, p));
}

TEST(Kronecker, ScrambleIsABijectionOfTheIds) {
  // With a = b = 1/2 (c = d = 0) every source is the unscrambled id 0 and every target bit is a
  // fair coin, so targets are uniform over the unscrambled ids. 64 draws per id leave an id
  // unhit with probability e^-64: every id must appear, which only a bijection allows.
  const EdgeList list =
      generate_kronecker({.scale = 10, .edge_factor = 64, .a = 0.5, .b = 0.5, .c = 0.0});
  std::set<VertexId> sources, targets;
  for (const Edge& e : list.edges) {
    sources.insert(e.source);
    targets.insert(e.target);
  }
  EXPECT_EQ(sources.size(), 1u);
  EXPECT_EQ(targets.size(), 1024u);
}

TEST(Kronecker, DegreesAreHeavyTailed) {
  // The hub (unscrambled id 0) is the source of each pair with probability (a + b)^scale, so
  // it is the source of K ~ Binomial(m, (a + b)^scale) pairs; given that, each target bit is 1
  // with probability q = b / (a + b), independently, so target t has probability
  // p_k = q^k (1 - q)^(scale - k) with k = popcount(t). Its degree after build_graph is at least
  // the number of distinct targets among those K pairs, less one for a self-loop. For K at
  // least K_low = E[K] - 5 sd, that number has mean
  //   E = sum_k C(scale, k) (1 - (1 - p_k)^K_low)
  // and, as a sum of negatively associated indicators, a variance at most E.
  const KroneckerOptions options{.scale = 12, .edge_factor = 16, .seed = 5};
  const Graph graph =
      build_graph(generate_kronecker(options), BuildOptions{.keep_isolated_vertices = true});
  const double m = static_cast<double>(options.edge_factor) * (1u << options.scale);
  const double hub_source = std::pow(options.a + options.b, options.scale);
  const double k_low = m * hub_source - five_sigma(m, hub_source);
  const double q = options.b / (options.a + options.b);
  double expected_distinct = 0;
  for (unsigned k = 0; k <= options.scale; ++k) {
    const double p = std::pow(q, k) * std::pow(1 - q, options.scale - k);
    const double ways =
        std::tgamma(options.scale + 1) / std::tgamma(k + 1) / std::tgamma(options.scale - k + 1);
    expected_distinct += ways * (1 - std::pow(1 - p, k_low));
  }
  const double hub_degree_bound = expected_distinct - 5 * std::sqrt(expected_distinct) - 1;
  // With the Graph500 parameters the bound is about 730 while the mean degree is at most
  // 2 * edge_factor = 32: the maximum is more than 20 times the mean.
  const double max_degree = graph.degree(max_degree_vertex(graph));
  EXPECT_GE(max_degree, hub_degree_bound);
  EXPECT_GT(hub_degree_bound, 20 * degree_mean(graph));
}

TEST(Kronecker, HubIsNotAlwaysVertexZero) {
  // Unscrambled, the highest-degree vertex is id 0 for every seed; the seeded scramble moves it.
  std::set<VertexId> hubs;
  for (std::uint64_t seed = 1; seed <= 8; ++seed) {
    const Graph graph =
        build_graph(generate_kronecker({.scale = 10, .edge_factor = 8, .seed = seed}),
                    BuildOptions{.keep_isolated_vertices = true});
    hubs.insert(max_degree_vertex(graph));
  }
  EXPECT_GE(hubs.size(), 4u);
}

TEST(Kronecker, RejectsImpossibleOptionsNamingThem) {
  expect_invalid([] { generate_kronecker({.scale = 0}); }, {"scale", "0"});
  expect_invalid([] { generate_kronecker({.scale = 32}); }, {"scale", "32"});
  expect_invalid([] { generate_kronecker({.edge_factor = 0}); }, {"edge_factor", "0"});
  expect_invalid([] { generate_kronecker({.a = -0.1}); }, {"a", "-0.1"});
  expect_invalid([] { generate_kronecker({.b = 1.5}); }, {"b", "1.5"});
  expect_invalid([] { generate_kronecker({.c = std::numeric_limits<double>::quiet_NaN()}); },
                 {"c", "nan"});
  expect_invalid([] { generate_kronecker({.a = 0.5, .b = 0.5, .c = 0.25}); },
                 {"a + b + c", "1.25"});
  // A sum that is 1 up to rounding is accepted: d is then 0.
  EXPECT_NO_THROW(generate_kronecker({.scale = 2, .a = 0.7, .b = 0.2, .c = 0.1}));
}

// ---- Erdős–Rényi -----------------------------------------------------------------------------

// The canonical (min, max) pairs of `list`, sorted.
std::vector<std::pair<VertexId, VertexId>> canonical_pairs(const EdgeList& list) {
  std::vector<std::pair<VertexId, VertexId>> pairs;
  for (const Edge& e : list.edges)
    pairs.emplace_back(std::min(e.source, e.target), std::max(e.source, e.target));
  std::sort(pairs.begin(), pairs.end());
  return pairs;
}

void expect_simple_with_m_edges(const ErdosRenyiOptions& options) {
  const EdgeList list = generate_erdos_renyi(options);
  EXPECT_EQ(list.num_vertices, options.vertices);
  ASSERT_EQ(list.edges.size(), options.edges);
  auto pairs = canonical_pairs(list);
  for (const auto& [u, v] : pairs) {
    EXPECT_NE(u, v) << "self-loop";
    EXPECT_LT(v, options.vertices);
  }
  EXPECT_EQ(std::adjacent_find(pairs.begin(), pairs.end()), pairs.end()) << "duplicate edge";
  const Graph graph = build_graph(list, BuildOptions{.keep_isolated_vertices = true});
  EXPECT_EQ(graph.num_vertices(), options.vertices);
  EXPECT_EQ(graph.num_edges(), options.edges);
}

TEST(ErdosRenyi, HasExactlyMDistinctEdgesWithoutSelfLoops) {
  expect_simple_with_m_edges({.vertices = 1000, .edges = 5000});
  expect_simple_with_m_edges({.vertices = 2, .edges = 1});
  expect_simple_with_m_edges({.vertices = 1, .edges = 0});
  expect_simple_with_m_edges({.vertices = 0, .edges = 0});
  expect_simple_with_m_edges({.vertices = 100, .edges = 0});
}

TEST(ErdosRenyi, DenseRequestsUseTheComplementAndStayExact) {
  // 4900 of the 4950 pairs: the generator samples the 50 absent pairs instead.
  expect_simple_with_m_edges({.vertices = 100, .edges = 4900});
  // Just above and just below the switch at half of the pairs.
  expect_simple_with_m_edges({.vertices = 100, .edges = 2476});
  expect_simple_with_m_edges({.vertices = 100, .edges = 2475});
}

TEST(ErdosRenyi, AllPairsGiveTheCompleteGraph) {
  const Graph graph = build_graph(generate_erdos_renyi({.vertices = 50, .edges = 50 * 49 / 2}));
  ASSERT_EQ(graph.num_vertices(), 50u);
  for (const VertexId v : graph.vertices())
    EXPECT_EQ(graph.degree(v), 49u);
}

TEST(ErdosRenyi, IsDeterministicForASeedWhateverTheThreadCount) {
  for (const ErdosRenyiOptions options : {ErdosRenyiOptions{.vertices = 2000, .edges = 50000},
                                          ErdosRenyiOptions{.vertices = 400, .edges = 70000}}) {
    const EdgeList reference = with_threads(1, [&] { return generate_erdos_renyi(options); });
    for (const int threads : thread_counts()) {
      const EdgeList again = with_threads(threads, [&] { return generate_erdos_renyi(options); });
      EXPECT_EQ(again.edges, reference.edges) << threads << " threads";
    }
    ErdosRenyiOptions other = options;
    other.seed = options.seed + 1;
    EXPECT_NE(generate_erdos_renyi(other).edges, reference.edges);
  }
}

TEST(ErdosRenyi, EveryPairIsEquallyLikely) {
  // In a uniform m-subset of the T = n(n-1)/2 pairs each pair is present with probability m/T.
  // Over 2000 seeds each pair's count is Binomial(2000, m/T); all T counts must be within five
  // standard deviations, for a sparse request and for one served by the complement.
  constexpr std::uint64_t kVertices = 20, kPairs = kVertices * (kVertices - 1) / 2;
  constexpr int kSeeds = 2000;
  for (const std::uint64_t edges : {std::uint64_t{50}, std::uint64_t{150}}) {
    std::vector<int> count(kVertices * kVertices, 0);
    for (int seed = 0; seed < kSeeds; ++seed) {
      const EdgeList list = generate_erdos_renyi(
          {.vertices = kVertices, .edges = edges, .seed = std::uint64_t(seed)});
      for (const auto& [u, v] : canonical_pairs(list))
        ++count[u * kVertices + v];
    }
    const double p = static_cast<double>(edges) / kPairs;
    for (std::uint64_t u = 0; u < kVertices; ++u) {
      for (std::uint64_t v = u + 1; v < kVertices; ++v) {
        EXPECT_NEAR(count[u * kVertices + v], p * kSeeds, five_sigma(kSeeds, p))
            << "pair (" << u << ", " << v << "), m = " << edges;
      }
    }
  }
}

TEST(ErdosRenyi, RejectsImpossibleOptionsNamingThem) {
  expect_invalid([] { generate_erdos_renyi({.vertices = 10, .edges = 46}); }, {"edges", "46"});
  expect_invalid([] { generate_erdos_renyi({.vertices = 1, .edges = 1}); }, {"edges", "1"});
  expect_invalid([] { generate_erdos_renyi({.vertices = kMaxVertices + 1, .edges = 0}); },
                 {"vertices", std::to_string(kMaxVertices + 1)});
}

// ---- Contextual stochastic block model -------------------------------------------------------

void expect_same_dataset(const Dataset& x, const Dataset& y) {
  EXPECT_EQ(x.name, y.name);
  EXPECT_TRUE(std::ranges::equal(x.graph.offsets(), y.graph.offsets()));
  EXPECT_TRUE(std::ranges::equal(x.graph.adjacency(), y.graph.adjacency()));
  EXPECT_EQ(std::get<DenseFeatures>(x.nodes.features).values,
            std::get<DenseFeatures>(y.nodes.features).values);
  EXPECT_EQ(x.nodes.labels, y.nodes.labels);
  EXPECT_EQ(x.nodes.split, y.nodes.split);
}

TEST(Csbm, HasTheRequestedShape) {
  const Dataset dataset = generate_csbm({.nodes = 10000, .classes = 8, .features = 12});
  EXPECT_EQ(dataset.name, "csbm-n10000-c8");
  EXPECT_EQ(dataset.graph.num_vertices(), 10000u);
  EXPECT_EQ(dataset.graph.orientation(), Orientation::undirected);
  EXPECT_NO_THROW(dataset.graph.validate());
  EXPECT_NO_THROW(dataset.nodes.validate());
  EXPECT_EQ(dataset.nodes.num_nodes(), 10000u);
  EXPECT_EQ(dataset.nodes.num_classes, 8u);
  EXPECT_EQ(dataset.nodes.num_features(), 12u);
  const auto& features = std::get<DenseFeatures>(dataset.nodes.features);
  EXPECT_EQ(features.rows, 10000u);
  EXPECT_EQ(features.values.size(), 10000u * 12u);
  EXPECT_EQ(dataset.nodes.split.size(), 10000u);
}

// Features read on demand are the whole dataset's rows of the nodes asked for, in their order,
// with the CRC of all the rows; the graph, labels and split are the whole dataset's. 20,000
// rows are generated in pieces of 8,192, the last one short.
TEST(Csbm, FeaturesOnDemandAreTheWholeDatasetsRows) {
  const CsbmOptions options{.nodes = 20000, .classes = 5, .features = 7};
  const Dataset whole = generate_csbm(options);
  const Dataset lazy = generate_csbm(options, FeatureLoading::on_demand);
  EXPECT_FALSE(whole.read_features);
  ASSERT_TRUE(lazy.read_features);
  EXPECT_EQ(lazy.nodes.num_features(), 7u);
  EXPECT_EQ(std::get<DenseFeatures>(lazy.nodes.features).rows, 0u);
  EXPECT_NO_THROW(lazy.nodes.validate(false));
  EXPECT_TRUE(std::ranges::equal(lazy.graph.offsets(), whole.graph.offsets()));
  EXPECT_TRUE(std::ranges::equal(lazy.graph.adjacency(), whole.graph.adjacency()));
  EXPECT_EQ(lazy.nodes.labels, whole.nodes.labels);
  EXPECT_EQ(lazy.nodes.split, whole.nodes.split);
  const std::vector<VertexId> nodes = {19999, 0, 8191, 8192, 16384, 3, 12345};
  const FeatureRows read = lazy.read_features(nodes);
  const auto& rows = std::get<DenseFeatures>(read.rows);
  const auto& all = std::get<DenseFeatures>(whole.nodes.features);
  ASSERT_EQ(rows.rows, nodes.size());
  ASSERT_EQ(rows.cols, 7u);
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    EXPECT_TRUE(std::ranges::equal(rows.row(i), all.row(nodes[i]))) << "node " << nodes[i];
  }
  EXPECT_EQ(read.crc, features_crc(whole.nodes.features));
  EXPECT_EQ(lazy.read_features({}).crc, read.crc);
  EXPECT_THROW(lazy.read_features(std::vector<VertexId>{20000}), InvalidArgument);
}

TEST(Csbm, ClassSizesDifferByAtMostOne) {
  const Dataset dataset = generate_csbm({.nodes = 1003, .classes = 8, .features = 1});
  std::vector<int> size(8, 0);
  for (const std::int32_t label : dataset.nodes.labels) {
    ASSERT_GE(label, 0);
    ASSERT_LT(label, 8);
    ++size[label];
  }
  // 1003 = 8 * 125 + 3.
  EXPECT_EQ(std::count(size.begin(), size.end(), 126), 3);
  EXPECT_EQ(std::count(size.begin(), size.end(), 125), 5);
}

TEST(Csbm, EdgesFollowTheRequestedDegreeAndHomophily) {
  // Each node draws exactly average_degree / 2 = 5 edges (no fractional part), so there are
  // D = 100000 draws, each inside the node's class with probability h, independently, and never
  // a self-loop (classes have 5000 members). build_graph removes only duplicates: the hD
  // same-class draws fall on P_in = classes * s(s-1)/2 pairs, giving about (hD)^2 / (2 P_in)
  // collisions, and similarly for the cross-class draws over P_out pairs. Removing them moves
  // the measured homophily by at most (collisions / D), which is added to five binomial sigmas.
  const CsbmOptions options{
      .nodes = 20000, .classes = 4, .average_degree = 10, .homophily = 0.7, .features = 1};
  const Dataset dataset = generate_csbm(options);
  const Graph& graph = dataset.graph;
  const auto& label = dataset.nodes.labels;
  const double draws = options.nodes * options.average_degree / 2;
  const double class_size = static_cast<double>(options.nodes) / options.classes;
  const double pairs_in = options.classes * class_size * (class_size - 1) / 2;
  const double pairs_out = static_cast<double>(options.nodes) * (options.nodes - 1) / 2 - pairs_in;
  const double h = options.homophily;
  const double collisions = (h * draws) * (h * draws) / (2 * pairs_in) +
                            ((1 - h) * draws) * ((1 - h) * draws) / (2 * pairs_out);

  EXPECT_LE(static_cast<double>(graph.num_edges()), draws);
  EXPECT_GE(static_cast<double>(graph.num_edges()), draws - collisions - 5 * std::sqrt(collisions));

  double same_class = 0;
  for (const VertexId v : graph.vertices()) {
    for (const VertexId w : graph.neighbours(v))
      same_class += label[v] == label[w];
  }
  same_class /= 2;
  const double measured = same_class / static_cast<double>(graph.num_edges());
  EXPECT_NEAR(measured, h, five_sigma(draws, h) / draws + collisions / draws);
}

TEST(Csbm, HomophilyExtremes) {
  for (const double h : {0.0, 1.0}) {
    const Dataset dataset =
        generate_csbm({.nodes = 500, .classes = 5, .homophily = h, .features = 1});
    for (const VertexId v : dataset.graph.vertices()) {
      for (const VertexId w : dataset.graph.neighbours(v))
        EXPECT_EQ(dataset.nodes.labels[v] == dataset.nodes.labels[w], h == 1.0);
    }
  }
}

TEST(Csbm, SplitCountsRoundTheCumulativeFractions) {
  // Rule: train = round(train_fraction * n), train + validation =
  // round((train_fraction + validation_fraction) * n), rounding halves away from zero; test is
  // the rest.
  struct Case {
    std::uint64_t nodes;
    double train, validation;
    std::size_t expect_train, expect_validation, expect_test;
  };
  for (const Case& c : {Case{1000, 0.6, 0.2, 600, 200, 200}, Case{7, 0.5, 0.25, 4, 1, 2},
                        Case{10, 0.25, 0.25, 3, 2, 5}, Case{9, 1.0, 0.0, 9, 0, 0},
                        Case{9, 0.0, 0.0, 0, 0, 9}, Case{10, 0.7, 0.3, 7, 3, 0}}) {
    const Dataset dataset = generate_csbm({.nodes = c.nodes,
                                           .classes = 2,
                                           .average_degree = 1,
                                           .features = 1,
                                           .train_fraction = c.train,
                                           .validation_fraction = c.validation});
    EXPECT_EQ(dataset.nodes.count(Split::train), c.expect_train) << c.nodes << " " << c.train;
    EXPECT_EQ(dataset.nodes.count(Split::validation), c.expect_validation)
        << c.nodes << " " << c.train;
    EXPECT_EQ(dataset.nodes.count(Split::test), c.expect_test) << c.nodes << " " << c.train;
  }
}

// The mean feature vector of the nodes of each class that are in `part`.
std::vector<std::vector<double>> class_centroids(const Dataset& dataset, Split part) {
  const auto& features = std::get<DenseFeatures>(dataset.nodes.features);
  std::vector<std::vector<double>> sum(dataset.nodes.num_classes,
                                       std::vector<double>(features.cols, 0.0));
  std::vector<double> members(dataset.nodes.num_classes, 0.0);
  for (std::size_t v = 0; v < features.rows; ++v) {
    if (dataset.nodes.split[v] != part) continue;
    const auto k = static_cast<std::size_t>(dataset.nodes.labels[v]);
    ++members[k];
    for (std::size_t j = 0; j < features.cols; ++j)
      sum[k][j] += features.row(v)[j];
  }
  for (std::size_t k = 0; k < sum.size(); ++k) {
    for (double& x : sum[k])
      x /= members[k];
  }
  return sum;
}

template <typename Vector>
double squared_distance(const Vector& x, const std::vector<double>& y) {
  double total = 0;
  for (std::size_t j = 0; j < y.size(); ++j)
    total += (x[j] - y[j]) * (x[j] - y[j]);
  return total;
}

std::size_t nearest(const auto& point, const std::vector<std::vector<double>>& centres) {
  std::size_t best = 0;
  for (std::size_t k = 1; k < centres.size(); ++k) {
    if (squared_distance(point, centres[k]) < squared_distance(point, centres[best])) best = k;
  }
  return best;
}

TEST(Csbm, ClassMeansHaveNormSignal) {
  // The centroid of all s_k nodes of class k is mu_k + e with e ~ N(0, I / s_k), so
  // |centroid|^2 has mean signal^2 + F / s_k and variance 4 signal^2 / s_k + 2 F / s_k^2.
  for (const double signal : {0.0, 2.0}) {
    const CsbmOptions options{.nodes = 8000,
                              .classes = 4,
                              .average_degree = 0,
                              .features = 64,
                              .signal = signal,
                              .train_fraction = 1.0,
                              .validation_fraction = 0.0};
    const Dataset dataset = generate_csbm(options);
    const double s = 2000, f = options.features;
    for (const auto& centroid : class_centroids(dataset, Split::train)) {
      const double norm2 = squared_distance(centroid, std::vector<double>(centroid.size(), 0.0));
      EXPECT_NEAR(norm2, signal * signal + f / s,
                  5 * std::sqrt(4 * signal * signal / s + 2 * f / (s * s)))
          << "signal " << signal;
    }
  }
}

TEST(Csbm, ClassMeansAreRecoverableFromTheFeatures) {
  // The class means are `signal` * sqrt(2 (1 - cos)) apart, where cos, the cosine of two
  // random directions in 32 dimensions, has sd 1/sqrt(32); it exceeds 1/2 for one of the 6
  // pairs with probability about 1.4%, so the means are usually at least `signal` apart, and
  // the first check asserts that for this seed (on the training centroids). A test node is then
  // mislabelled by the nearest centroid only when its unit-variance noise, projected on the line
  // between two means, exceeds half that distance, 4 sd: probability below 3 * 3.2e-5 per
  // node, so at least 99% must be right. The test-node centroids, averaged over ~200 nodes,
  // must each be nearest to their own class's training centroid.
  const CsbmOptions options{
      .nodes = 4000, .classes = 4, .average_degree = 4, .features = 32, .signal = 8};
  const Dataset dataset = generate_csbm(options);
  const auto train = class_centroids(dataset, Split::train);
  const auto test = class_centroids(dataset, Split::test);
  for (std::size_t k = 0; k < train.size(); ++k) {
    for (std::size_t j = k + 1; j < train.size(); ++j)
      EXPECT_GE(std::sqrt(squared_distance(train[k], train[j])), options.signal);
    EXPECT_EQ(nearest(test[k], train), k) << "class " << k;
  }
  const auto& features = std::get<DenseFeatures>(dataset.nodes.features);
  double right = 0, tested = 0;
  for (std::size_t v = 0; v < features.rows; ++v) {
    if (dataset.nodes.split[v] != Split::test) continue;
    ++tested;
    right += nearest(features.row(v), train) == static_cast<std::size_t>(dataset.nodes.labels[v]);
  }
  EXPECT_GE(right / tested, 0.99);
}

TEST(Csbm, IsDeterministicForASeedWhateverTheThreadCount) {
  const CsbmOptions options{.nodes = 20000, .classes = 6, .average_degree = 7.5, .features = 9};
  const Dataset reference = with_threads(1, [&] { return generate_csbm(options); });
  for (const int threads : thread_counts()) {
    SCOPED_TRACE(std::to_string(threads) + " threads");
    expect_same_dataset(with_threads(threads, [&] { return generate_csbm(options); }), reference);
  }
  CsbmOptions other = options;
  other.seed = 2;
  const Dataset different = generate_csbm(other);
  EXPECT_NE(different.nodes.labels, reference.nodes.labels);
  EXPECT_NE(std::get<DenseFeatures>(different.nodes.features).values,
            std::get<DenseFeatures>(reference.nodes.features).values);
  EXPECT_NE(different.nodes.split, reference.nodes.split);
  EXPECT_FALSE(std::ranges::equal(different.graph.adjacency(), reference.graph.adjacency()));
}

TEST(Csbm, SingletonClassesAndZeroDegreeAreAllowed) {
  // nodes == classes: every class has one member, so same-class draws have no partner and are
  // dropped; the graph keeps all nodes.
  const Dataset alone = generate_csbm(
      {.nodes = 3, .classes = 3, .average_degree = 2, .homophily = 1.0, .features = 2});
  EXPECT_EQ(alone.graph.num_vertices(), 3u);
  EXPECT_EQ(alone.graph.num_edges(), 0u);
  const Dataset empty = generate_csbm({.nodes = 100, .classes = 2, .average_degree = 0});
  EXPECT_EQ(empty.graph.num_vertices(), 100u);
  EXPECT_EQ(empty.graph.num_edges(), 0u);
}

TEST(Csbm, RejectsImpossibleOptionsNamingThem) {
  expect_invalid([] { generate_csbm({.classes = 1}); }, {"classes", "1"});
  expect_invalid([] { generate_csbm({.nodes = 7, .classes = 8}); }, {"nodes", "7"});
  expect_invalid([] { generate_csbm({.nodes = kMaxVertices + 1}); },
                 {"nodes", std::to_string(kMaxVertices + 1)});
  expect_invalid([] { generate_csbm({.features = 0}); }, {"features", "0"});
  expect_invalid([] { generate_csbm({.average_degree = -1}); }, {"average_degree", "-1"});
  expect_invalid([] { generate_csbm({.nodes = 10, .classes = 2, .average_degree = 10}); },
                 {"average_degree", "10"});
  expect_invalid([] { generate_csbm({.homophily = 1.5}); }, {"homophily", "1.5"});
  expect_invalid([] { generate_csbm({.signal = -2}); }, {"signal", "-2"});
  expect_invalid([] { generate_csbm({.signal = std::numeric_limits<double>::infinity()}); },
                 {"signal", "inf"});
  expect_invalid([] { generate_csbm({.train_fraction = -0.5}); }, {"train_fraction", "-0.5"});
  expect_invalid([] { generate_csbm({.validation_fraction = 2}); }, {"validation_fraction", "2"});
  expect_invalid([] { generate_csbm({.train_fraction = 0.75, .validation_fraction = 0.5}); },
                 {"train_fraction + validation_fraction", "1.25"});
}

}  // namespace
}  // namespace graphmini::datasets
