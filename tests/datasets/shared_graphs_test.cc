// The real SNAP graphs of ../shared/datasets load with the vertex and edge counts that its
// README publishes (|V| = vertices with an edge, |E| = undirected edges, after symmetrising
// and dropping self-loops and duplicates). Skipped when the shared folder is absent.
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <string>

#include "datasets/edge_list_format.h"
#include "support/test_support.h"

namespace graphmini::datasets {
namespace {

struct SnapGraph {
  const char* file;
  std::uint64_t vertices;
  std::uint64_t edges;
};

class SharedSnapGraph : public ::testing::TestWithParam<SnapGraph> {};

TEST_P(SharedSnapGraph, LoadsWithThePublishedCounts) {
  GRAPHMINI_REQUIRE_SHARED_DATASETS();
  const SnapGraph& expected = GetParam();
  const auto path = datasets / "graphs" / expected.file;
  ASSERT_TRUE(std::filesystem::exists(path)) << path << " is missing from the shared datasets";
  const Graph graph = read_edge_list_graph(path);
  EXPECT_EQ(graph.num_vertices(), expected.vertices);
  EXPECT_EQ(graph.num_edges(), expected.edges);
  graph.validate();
}

INSTANTIATE_TEST_SUITE_P(ReadmeTable, SharedSnapGraph,
                         ::testing::Values(SnapGraph{"wiki-Vote.txt.gz", 7115, 100762},
                                           SnapGraph{"email-Eu-core.txt.gz", 986, 16064},
                                           SnapGraph{"email-Enron.txt.gz", 36692, 183831},
                                           SnapGraph{"ca-GrQc.txt.gz", 5241, 14484},
                                           SnapGraph{"ca-HepTh.txt.gz", 9875, 25973},
                                           SnapGraph{"ca-HepPh.txt.gz", 12006, 118489},
                                           SnapGraph{"ca-AstroPh.txt.gz", 18771, 198050},
                                           SnapGraph{"ca-CondMat.txt.gz", 23133, 93439},
                                           SnapGraph{"ego-Facebook.txt.gz", 4039, 88234},
                                           SnapGraph{"p2p-Gnutella08.txt.gz", 6301, 20777},
                                           SnapGraph{"p2p-Gnutella31.txt.gz", 62586, 147892},
                                           SnapGraph{"soc-Epinions1.txt.gz", 75877, 405739}),
                         [](const ::testing::TestParamInfo<SnapGraph>& info) {
                           std::string name = info.param.file;
                           name = name.substr(0, name.find(".txt"));
                           for (char& c : name)
                             if (c == '-') c = '_';
                           return name;
                         });

}  // namespace
}  // namespace graphmini::datasets
