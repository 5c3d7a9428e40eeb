// The two verification oracles of reference_count.h. They share nothing with the engine's
// planner and code generator, and little with each other: one is a plain backtracking search
// written to be read, the other is Boost.Graph's VF2 (Cordella, Foggia, Sansone, Vento, IEEE
// TPAMI 2004). Both count every injective map of pattern vertices to graph vertices that the
// semantics allows and divide by |Aut(P)|, since each matched subgraph (or vertex set) is hit
// once per automorphism of the pattern.
#include "compiler/reference_count.h"

#include <algorithm>
#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/mcgregor_common_subgraphs.hpp>
#include <boost/graph/vf2_sub_graph_iso.hpp>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "runtime/error.h"

namespace graphmini {
namespace {

void check_labels(const Graph& graph, const Pattern& pattern) {
  if (pattern.labelled() && !graph.has_labels())
    throw InvalidArgument("pattern has labels but the graph has none");
}

// Every map is found once per automorphism, so the map count must be a multiple of |Aut(P)|;
// anything else means the search (or the automorphism group) is wrong.
std::uint64_t divide_by_automorphisms(std::uint64_t maps, const Pattern& pattern,
                                      const char* counter) {
  const std::uint64_t automorphism_count = automorphisms(pattern).size();
  if (automorphism_count == 0 || maps % automorphism_count != 0) {
    throw std::logic_error(std::string(counter) + ": " + std::to_string(maps) +
                           " maps of pattern " + pattern.name() +
                           " are not a multiple of |Aut| = " + std::to_string(automorphism_count));
  }
  return maps / automorphism_count;
}

// --- brute force ----------------------------------------------------------------------------

class BruteForce {
 public:
  BruteForce(const Graph& graph, const Pattern& pattern, Induced induced)
      : graph_(graph), pattern_(pattern), induced_(induced), match_(pattern.size()) {}

  std::uint64_t count_maps() {
    extend(0);
    return maps_;
  }

 private:
  // An oriented graph keeps each edge in one of the two lists only.
  bool adjacent(VertexId u, VertexId v) const {
    const auto contains = [](std::span<const VertexId> list, VertexId w) {
      return std::binary_search(list.begin(), list.end(), w);
    };
    if (contains(graph_.neighbours(u), v)) return true;
    return graph_.orientation() == Orientation::oriented && contains(graph_.neighbours(v), u);
  }

  // Whether pattern vertex `p` may go to `v`, given vertices 0 .. p-1 already placed.
  bool fits(int p, VertexId v) const {
    if (pattern_.labelled() && graph_.label(v) != pattern_.label(p)) return false;
    for (int q = 0; q < p; ++q) {
      if (match_[q] == v) return false;
      const bool edge = adjacent(match_[q], v);
      if (pattern_.adjacent(p, q) && !edge) return false;
      if (induced_ == Induced::vertex && !pattern_.adjacent(p, q) && edge) return false;
    }
    return true;
  }

  void extend(int p) {
    if (p == pattern_.size()) {
      ++maps_;
      return;
    }
    // Only a speed-up: when p has an already placed neighbour q in the pattern, every
    // candidate is a neighbour of match(q); fits() still checks everything.
    int anchor = -1;
    for (int q = 0; q < p && anchor < 0; ++q) {
      if (pattern_.adjacent(p, q)) anchor = q;
    }
    if (anchor >= 0 && graph_.orientation() == Orientation::undirected) {
      for (const VertexId v : graph_.neighbours(match_[anchor]))
        try_vertex(p, v);
    } else {
      for (const VertexId v : graph_.vertices())
        try_vertex(p, v);
    }
  }

  void try_vertex(int p, VertexId v) {
    if (!fits(p, v)) return;
    match_[p] = v;
    extend(p + 1);
  }

  const Graph& graph_;
  const Pattern& pattern_;
  Induced induced_;
  std::vector<VertexId> match_;
  std::uint64_t maps_ = 0;
};

// --- VF2 ------------------------------------------------------------------------------------

using BoostGraph = boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS,
                                         boost::property<boost::vertex_name_t, Label>>;

BoostGraph to_boost(const Graph& graph) {
  BoostGraph copy(graph.num_vertices());
  for (const VertexId u : graph.vertices()) {
    if (graph.has_labels()) boost::put(boost::vertex_name, copy, u, graph.label(u));
    for (const VertexId v : graph.neighbours(u)) {
      // Undirected graphs list each edge twice; oriented ones once, in either direction.
      if (graph.orientation() == Orientation::oriented || u < v) boost::add_edge(u, v, copy);
    }
  }
  return copy;
}

BoostGraph to_boost(const Pattern& pattern) {
  BoostGraph copy(pattern.size());
  for (int v = 0; v < pattern.size(); ++v) {
    if (pattern.labelled()) boost::put(boost::vertex_name, copy, v, pattern.label(v));
  }
  for (const auto& [u, v] : pattern.edges())
    boost::add_edge(u, v, copy);
  return copy;
}

// VF2 hands every complete map to the callback; returning true asks for the next one.
struct CountMaps {
  std::uint64_t* maps;
  template <typename PatternToGraph, typename GraphToPattern>
  bool operator()(const PatternToGraph&, const GraphToPattern&) const {
    ++*maps;
    return true;
  }
};

template <typename VertexEquivalence>
std::uint64_t vf2_maps(const BoostGraph& small, const BoostGraph& large, Induced induced,
                       VertexEquivalence vertex_equivalence) {
  std::uint64_t maps = 0;
  const auto order = boost::vertex_order_by_mult(small);
  const auto index_small = boost::get(boost::vertex_index, small);
  const auto index_large = boost::get(boost::vertex_index, large);
  if (induced == Induced::edge) {
    boost::vf2_subgraph_mono(small, large, CountMaps{&maps}, index_small, index_large, order,
                             boost::always_equivalent(), vertex_equivalence);
  } else {
    boost::vf2_subgraph_iso(small, large, CountMaps{&maps}, index_small, index_large, order,
                            boost::always_equivalent(), vertex_equivalence);
  }
  return maps;
}

}  // namespace

std::uint64_t brute_force_count(const Graph& graph, const Pattern& pattern, Induced induced) {
  check_labels(graph, pattern);
  BruteForce search(graph, pattern, induced);
  return divide_by_automorphisms(search.count_maps(), pattern, "brute_force_count");
}

std::uint64_t vf2_count(const Graph& graph, const Pattern& pattern, Induced induced) {
  check_labels(graph, pattern);
  const BoostGraph small = to_boost(pattern);
  const BoostGraph large = to_boost(graph);
  // An unlabelled pattern matches any vertex, whether or not the graph has labels.
  const std::uint64_t maps =
      pattern.labelled()
          ? vf2_maps(small, large, induced,
                     boost::make_property_map_equivalent(boost::get(boost::vertex_name, small),
                                                         boost::get(boost::vertex_name, large)))
          : vf2_maps(small, large, induced, boost::always_equivalent());
  return divide_by_automorphisms(maps, pattern, "vf2_count");
}

}  // namespace graphmini
