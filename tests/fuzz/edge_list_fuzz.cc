// Fuzzes the edge-list reader: any byte string either reads as a valid graph or is rejected
// with a graphmini::Error.
#include "datasets/edge_list_format.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto path = graphmini::fuzz::write_input(data, size);
  graphmini::fuzz::expect_clean_rejection_or_success([&] {
    const graphmini::Graph graph = graphmini::datasets::read_edge_list_graph(path);
    graph.validate();
  });
  return 0;
}
