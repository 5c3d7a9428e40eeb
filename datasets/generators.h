// Synthetic graphs and datasets, deterministic for a seed whatever the thread count: every
// random draw comes from a counter-based generator keyed by (seed, stream, index), so work
// can be split across threads freely.
//
//  * Kronecker / R-MAT (Chakrabarti et al. 2004) with the Graph500 parameters a = 0.57,
//    b = c = 0.19: 2^scale vertices, edge_factor * 2^scale generated pairs, vertex ids
//    scrambled by a seeded permutation as Graph500 prescribes.
//  * Erdős–Rényi G(n, m): exactly m distinct undirected edges, uniform among all such graphs.
//  * Contextual stochastic block model (Deshpande et al. 2018): balanced classes; each node
//    draws edges whose other endpoint is in its own class with probability `homophily`;
//    features are the class mean (a random Gaussian vector of norm `signal`) plus unit
//    Gaussian noise; a random train/validation/test split.
#pragma once

#include <cstdint>

#include "datasets/dataset.h"
#include "runtime/graph_builder.h"

namespace graphmini::datasets {

struct KroneckerOptions {
  unsigned scale = 16;
  unsigned edge_factor = 16;
  double a = 0.57;
  double b = 0.19;
  double c = 0.19;
  std::uint64_t seed = 1;
};

struct ErdosRenyiOptions {
  std::uint64_t vertices = 1000;
  std::uint64_t edges = 10000;
  std::uint64_t seed = 1;
};

struct CsbmOptions {
  std::uint64_t nodes = 10000;
  std::uint32_t classes = 8;
  double average_degree = 10.0;
  double homophily = 0.8;
  std::uint32_t features = 64;
  double signal = 1.0;
  double train_fraction = 0.6;
  double validation_fraction = 0.2;
  std::uint64_t seed = 1;
};

// The edge lists are raw draws (Kronecker pairs may repeat or be self-loops); build_graph
// makes them simple graphs. Throws InvalidArgument for impossible options (scale > 31,
// m > n(n-1)/2, fractions outside [0, 1], ...).
EdgeList generate_kronecker(const KroneckerOptions& options);
EdgeList generate_erdos_renyi(const ErdosRenyiOptions& options);
Dataset generate_csbm(const CsbmOptions& options, FeatureLoading loading = FeatureLoading::all);

}  // namespace graphmini::datasets
