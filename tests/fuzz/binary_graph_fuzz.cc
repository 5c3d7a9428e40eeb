// Fuzzes the .gmg loader with full verification: any byte string either maps as a valid graph
// or is rejected with a graphmini::Error, never a crash. The corpus seeds are valid files, so
// mutations explore damaged headers and payloads.
#include "runtime/binary_graph.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto path = graphmini::fuzz::write_input(data, size);
  graphmini::fuzz::expect_clean_rejection_or_success([&] {
    const graphmini::Graph graph = graphmini::map_binary_graph(path);
    std::uint64_t sum = 0;
    for (const auto v : graph.vertices()) {
      for (const auto u : graph.neighbours(v))
        sum += u;
    }
    if (graph.num_vertices() == 0 && sum != 0) std::abort();
  });
  return 0;
}
