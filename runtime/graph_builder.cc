#include "runtime/graph_builder.h"

#include <tbb/parallel_reduce.h>
#include <tbb/parallel_sort.h>

#include <algorithm>
#include <atomic>
#include <numeric>
#include <span>
#include <string>

#include "runtime/error.h"
#include "runtime/memory.h"
#include "runtime/parallel.h"

namespace graphmini {
namespace {

// Lists longer than this are sorted with a nested parallel sort so that one hub vertex does
// not serialise the build.
constexpr std::size_t kParallelSortThreshold = std::size_t{1} << 16;

void sort_list(std::span<VertexId> list) {
  if (list.size() > kParallelSortThreshold) {
    tbb::parallel_sort(list.begin(), list.end());
  } else {
    std::sort(list.begin(), list.end());
  }
}

template <typename T>
void release(std::vector<T>& values) {
  std::vector<T>().swap(values);
}

template <typename T>
T fetch_increment(T& counter) {
  return std::atomic_ref<T>(counter).fetch_add(1, std::memory_order_relaxed);
}

void check_edge_list(const EdgeList& input) {
  const std::uint64_t n = input.num_vertices;
  if (n > kMaxVertices) {
    throw InvalidArgument("edge list has " + std::to_string(n) + " vertices; at most " +
                          std::to_string(kMaxVertices) + " are supported");
  }
  if (!input.labels.empty() && input.labels.size() != n) {
    throw InvalidArgument("edge list has " + std::to_string(n) + " vertices but " +
                          std::to_string(input.labels.size()) + " labels");
  }
  if (!input.original_ids.empty() && input.original_ids.size() != n) {
    throw InvalidArgument("edge list has " + std::to_string(n) + " vertices but " +
                          std::to_string(input.original_ids.size()) + " original ids");
  }
  const auto& edges = input.edges;
  const auto bad = find_first(
      edges.size(), [&](std::uint64_t i) { return edges[i].source >= n || edges[i].target >= n; });
  if (bad < edges.size()) {
    throw InvalidArgument("edge " + std::to_string(bad) + " (" + std::to_string(edges[bad].source) +
                          ", " + std::to_string(edges[bad].target) +
                          ") names a vertex >= " + std::to_string(n));
  }
}

// The CSR offsets of a graph whose vertex v gets degree_of(v) entries. The degrees are
// summed where they are written, so no second n-sized array is live beside the builders'
// own per-vertex arrays.
template <typename DegreeOf>
std::vector<EdgeOffset> offsets_from_degrees(std::uint64_t n, const DegreeOf& degree_of) {
  std::vector<EdgeOffset> offsets(n + 1);
  offsets[0] = 0;
  parallel_for_each_index<std::uint64_t>(n,
                                         [&](std::uint64_t v) { offsets[v + 1] = degree_of(v); });
  inclusive_prefix_sum_in_place(std::span<EdgeOffset>(offsets).subspan(1));
  return offsets;
}

}  // namespace

Graph build_graph(EdgeList input, const BuildOptions& options) {
  check_edge_list(input);
  const std::uint64_t n = input.num_vertices;

  // Phase 1: gather every edge once, at its lower endpoint ("half" CSR), then release the
  // edge list before the symmetric CSR is allocated.
  std::vector<EdgeOffset> half_size(n, 0);
  auto& edges = input.edges;
  parallel_for_each_index<std::size_t>(edges.size(), [&](std::size_t i) {
    const auto [s, t] = edges[i];
    if (s != t) fetch_increment(half_size[std::min(s, t)]);
  });
  std::vector<EdgeOffset> half_offsets(n + 1);
  exclusive_prefix_sum<EdgeOffset, EdgeOffset>(half_size, half_offsets);
  std::vector<VertexId> half_adjacency(half_offsets[n]);
  std::copy(half_offsets.begin(), half_offsets.end() - 1, half_size.begin());  // cursors
  parallel_for_each_index<std::size_t>(edges.size(), [&](std::size_t i) {
    const auto [s, t] = edges[i];
    if (s != t) half_adjacency[fetch_increment(half_size[std::min(s, t)])] = std::max(s, t);
  });
  release(edges);
  release(half_size);

  // Sort and de-duplicate each half list where it lies, then copy the lists into an array of
  // exactly their size. The scattered array has one slot per input pair (twice what is needed
  // when the input lists every edge in both directions, more with repeats); kept beside the
  // symmetric CSR it broke the 3x bound on sparse inputs.
  {
    std::vector<EdgeOffset> compact_offsets(n + 1);
    compact_offsets[0] = 0;
    parallel_for_each_index<std::uint64_t>(
        n,
        [&](std::uint64_t v) {
          const auto list = std::span<VertexId>(half_adjacency)
                                .subspan(half_offsets[v], half_offsets[v + 1] - half_offsets[v]);
          sort_list(list);
          compact_offsets[v + 1] =
              static_cast<EdgeOffset>(std::unique(list.begin(), list.end()) - list.begin());
        },
        256);
    inclusive_prefix_sum_in_place(std::span<EdgeOffset>(compact_offsets).subspan(1));
    std::vector<VertexId> compact_adjacency(compact_offsets[n]);
    parallel_for_each_index<std::uint64_t>(
        n,
        [&](std::uint64_t v) {
          std::copy_n(half_adjacency.begin() + half_offsets[v],
                      compact_offsets[v + 1] - compact_offsets[v],
                      compact_adjacency.begin() + compact_offsets[v]);
        },
        256);
    half_adjacency = std::move(compact_adjacency);
    half_offsets = std::move(compact_offsets);
  }
  const auto half_degree = [&](std::uint64_t v) { return half_offsets[v + 1] - half_offsets[v]; };
  const auto half_list = [&](std::uint64_t v) {
    return std::span<const VertexId>(half_adjacency).subspan(half_offsets[v], half_degree(v));
  };

  // Phase 2: degrees, then the ids that survive (vertices with an edge, unless asked to keep
  // all). The renumbering is monotone, so sorted lists stay sorted. When every vertex
  // survives it is the identity and its two arrays are not kept: on sparse graphs the
  // per-vertex arrays are a large part of the 3x budget.
  std::vector<VertexId> in_degree(n, 0);
  parallel_for_each_index<std::uint64_t>(n, [&](std::uint64_t v) {
    for (const VertexId w : half_list(v))
      fetch_increment(in_degree[w]);
  });
  std::vector<VertexId> new_id;
  std::vector<VertexId> old_id;
  std::uint64_t kept_count = n;
  if (!options.keep_isolated_vertices) {
    new_id.resize(n + 1);
    {
      std::vector<VertexId> kept(n);
      parallel_for_each_index<std::uint64_t>(
          n, [&](std::uint64_t v) { kept[v] = half_degree(v) + in_degree[v] > 0; });
      exclusive_prefix_sum<VertexId, VertexId>(kept, new_id);
    }
    kept_count = new_id[n];
    if (kept_count == n) {
      release(new_id);
    } else {
      old_id.resize(kept_count);
      parallel_for_each_index<std::uint64_t>(n, [&](std::uint64_t v) {
        if (new_id[v + 1] != new_id[v]) old_id[new_id[v]] = static_cast<VertexId>(v);
      });
    }
  }
  const bool renumbered = kept_count != n;
  const auto old_of = [&](std::uint64_t i) {
    return renumbered ? old_id[i] : static_cast<VertexId>(i);
  };
  const auto new_of = [&](VertexId v) { return renumbered ? new_id[v] : v; };

  // Phase 3: the symmetric CSR. Each list is [neighbours below v][neighbours above v]; the
  // upper part is the half list, the lower part is filled by scatter and then sorted.
  std::vector<EdgeOffset> offsets = offsets_from_degrees(
      kept_count, [&](std::uint64_t i) { return half_degree(old_of(i)) + in_degree[old_of(i)]; });
  std::vector<VertexId> adjacency(offsets[kept_count]);
  std::fill(in_degree.begin(), in_degree.end(), 0);  // now: lower-part cursors
  parallel_for_each_index<std::uint64_t>(kept_count, [&](std::uint64_t i) {
    const auto upper = half_list(old_of(i));
    const EdgeOffset upper_begin = offsets[i + 1] - upper.size();
    for (std::size_t k = 0; k < upper.size(); ++k) {
      const VertexId w = upper[k];
      adjacency[upper_begin + k] = new_of(w);
      adjacency[offsets[new_of(w)] + fetch_increment(in_degree[w])] = static_cast<VertexId>(i);
    }
  });
  release(half_adjacency);
  release(half_offsets);
  parallel_for_each_index<std::uint64_t>(
      kept_count,
      [&](std::uint64_t i) {
        sort_list(std::span<VertexId>(adjacency).subspan(offsets[i], in_degree[old_of(i)]));
      },
      256);

  std::vector<Label> labels;
  std::vector<std::uint64_t> original_ids;
  if (kept_count == n) {
    labels = std::move(input.labels);
    original_ids = std::move(input.original_ids);
  } else {
    if (!input.labels.empty()) {
      labels.resize(kept_count);
      for (std::uint64_t i = 0; i < kept_count; ++i)
        labels[i] = input.labels[old_id[i]];
    }
    original_ids.resize(kept_count);
    for (std::uint64_t i = 0; i < kept_count; ++i) {
      original_ids[i] = input.original_ids.empty() ? old_id[i] : input.original_ids[old_id[i]];
    }
  }
  return Graph(std::move(offsets), std::move(adjacency), Orientation::undirected, std::move(labels),
               std::move(original_ids), Graph::Check::trusted);
}

EdgeList compact_vertex_ids(std::vector<std::uint64_t> endpoints) {
  EdgeList result;
  if (endpoints.size() % 2 != 0) {
    throw InvalidArgument("endpoint array has odd length " + std::to_string(endpoints.size()));
  }
  if (endpoints.empty()) return result;

  // When the ids are dense enough (as in nearly every real edge list) a table indexed by id,
  // no larger than the endpoint array, replaces the sort and the binary searches: it is
  // several times faster and gives the same numbering.
  const std::uint64_t max_id = tbb::parallel_reduce(
      tbb::blocked_range<std::size_t>(0, endpoints.size(), 1 << 14), std::uint64_t{0},
      [&](const tbb::blocked_range<std::size_t>& range, std::uint64_t max) {
        for (std::size_t i = range.begin(); i != range.end(); ++i)
          max = std::max(max, endpoints[i]);
        return max;
      },
      [](std::uint64_t a, std::uint64_t b) { return std::max(a, b); });
  if (max_id < kMaxVertices && max_id < 2 * endpoints.size()) {
    // rank[id] is first whether id occurs, then (scanned in place) how many distinct ids are
    // <= id, so an occurring id gets dense id rank[id] - 1.
    std::vector<VertexId> rank(max_id + 1, 0);
    parallel_for_each_index<std::size_t>(endpoints.size(), [&](std::size_t i) {
      std::atomic_ref<VertexId>(rank[endpoints[i]]).store(1, std::memory_order_relaxed);
    });
    inclusive_prefix_sum_in_place(std::span<VertexId>(rank));
    result.num_vertices = rank[max_id];
    result.edges.resize(endpoints.size() / 2);
    parallel_for_each_index<std::size_t>(result.edges.size(), [&](std::size_t i) {
      result.edges[i] = {rank[endpoints[2 * i]] - 1, rank[endpoints[2 * i + 1]] - 1};
    });
    if (result.num_vertices != max_id + 1) {
      result.original_ids.resize(result.num_vertices);
      parallel_for_each_index<std::uint64_t>(max_id + 1, [&](std::uint64_t id) {
        if (rank[id] != (id == 0 ? 0 : rank[id - 1])) result.original_ids[rank[id] - 1] = id;
      });
    }
    return result;
  }

  std::vector<std::uint64_t> ids = endpoints;
  tbb::parallel_sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  if (ids.size() > kMaxVertices) {
    throw InvalidArgument("input names " + std::to_string(ids.size()) +
                          " distinct vertices; at most " + std::to_string(kMaxVertices) +
                          " are supported");
  }
  result.num_vertices = ids.size();
  result.edges.resize(endpoints.size() / 2);
  const bool identity = ids.back() + 1 == ids.size();  // sorted and distinct: exactly 0..n-1
  parallel_for_each_index<std::size_t>(result.edges.size(), [&](std::size_t i) {
    auto dense = [&](std::uint64_t id) {
      return static_cast<VertexId>(
          identity ? id : std::lower_bound(ids.begin(), ids.end(), id) - ids.begin());
    };
    result.edges[i] = {dense(endpoints[2 * i]), dense(endpoints[2 * i + 1])};
  });
  if (!identity) result.original_ids = std::move(ids);
  return result;
}

Graph relabel_by_degree(const Graph& graph, DegreeOrder order) {
  const VertexId n = graph.num_vertices();
  // The copy (with original ids) and the two id maps, beside the graph.
  require_memory((std::uint64_t{n} + 1) * sizeof(EdgeOffset) + graph.adjacency().size_bytes() +
                     graph.labels().size_bytes() +
                     std::uint64_t{n} * (sizeof(std::uint64_t) + 2 * sizeof(VertexId)),
                 "relabelling the graph's " + std::to_string(n) + " vertices by degree",
                 graph.memory_bytes());
  std::vector<VertexId> old_id(n);
  std::iota(old_id.begin(), old_id.end(), VertexId{0});
  tbb::parallel_sort(old_id.begin(), old_id.end(), [&](VertexId a, VertexId b) {
    const VertexId da = graph.degree(a), db = graph.degree(b);
    if (da != db) return order == DegreeOrder::descending ? da > db : da < db;
    return a < b;
  });
  std::vector<VertexId> new_id(n);
  parallel_for_each_index<VertexId>(n, [&](VertexId i) { new_id[old_id[i]] = i; });

  std::vector<EdgeOffset> offsets =
      offsets_from_degrees(n, [&](std::uint64_t i) { return graph.degree(old_id[i]); });
  std::vector<VertexId> adjacency(offsets[n]);
  parallel_for_each_index<VertexId>(
      n,
      [&](VertexId i) {
        const auto list =
            std::span<VertexId>(adjacency).subspan(offsets[i], offsets[i + 1] - offsets[i]);
        std::ranges::transform(graph.neighbours(old_id[i]), list.begin(),
                               [&](VertexId w) { return new_id[w]; });
        sort_list(list);
      },
      256);

  std::vector<Label> labels;
  if (graph.has_labels()) {
    labels.resize(n);
    for (VertexId i = 0; i < n; ++i)
      labels[i] = graph.label(old_id[i]);
  }
  std::vector<std::uint64_t> original_ids(n);
  for (VertexId i = 0; i < n; ++i)
    original_ids[i] = graph.original_id(old_id[i]);
  return Graph(std::move(offsets), std::move(adjacency), graph.orientation(), std::move(labels),
               std::move(original_ids), Graph::Check::trusted);
}

bool in_degree_order(const Graph& graph, DegreeOrder order) {
  const VertexId n = graph.num_vertices();
  const auto out_of_order = [&](std::uint64_t v) {
    const VertexId a = graph.degree(static_cast<VertexId>(v));
    const VertexId b = graph.degree(static_cast<VertexId>(v + 1));
    return order == DegreeOrder::ascending ? a > b : a < b;
  };
  return n < 2 || find_first(n - 1, out_of_order) == n - 1;
}

Graph relabel_by_degree(Graph&& graph, DegreeOrder order) {
  if (in_degree_order(graph, order)) return std::move(graph);
  return relabel_by_degree(static_cast<const Graph&>(graph), order);
}

Graph orient_by_degree(const Graph& graph) {
  if (graph.orientation() == Orientation::oriented) {
    throw InvalidArgument("orient_by_degree needs an undirected graph; this one is oriented");
  }
  const VertexId n = graph.num_vertices();
  const auto precedes = [&](VertexId a, VertexId b) { return degree_precedes(graph, a, b); };
  std::vector<EdgeOffset> offsets = offsets_from_degrees(n, [&](std::uint64_t v) {
    const auto list = graph.neighbours(static_cast<VertexId>(v));
    return std::ranges::count_if(list, [&](VertexId w) { return precedes(v, w); });
  });
  std::vector<VertexId> adjacency(offsets[n]);
  parallel_for_each_index<VertexId>(n, [&](VertexId v) {
    std::ranges::copy_if(graph.neighbours(v), adjacency.begin() + offsets[v],
                         [&](VertexId w) { return precedes(v, w); });
  });
  const auto labels = graph.labels();
  const auto original_ids = graph.original_ids();
  return Graph(std::move(offsets), std::move(adjacency), Orientation::oriented,
               {labels.begin(), labels.end()}, {original_ids.begin(), original_ids.end()},
               Graph::Check::trusted);
}

}  // namespace graphmini
