// Fuzzes the GraMi .lg reader: any byte string reads as a valid labelled graph or is rejected
// with a graphmini::Error.
#include "datasets/labelled_graph_format.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto path = graphmini::fuzz::write_input(data, size);
  graphmini::fuzz::expect_clean_rejection_or_success([&] {
    const graphmini::Graph graph = graphmini::datasets::read_labelled_graph(path);
    graph.validate();
    if (graph.num_vertices() > 0 && !graph.has_labels()) std::abort();
  });
  return 0;
}
