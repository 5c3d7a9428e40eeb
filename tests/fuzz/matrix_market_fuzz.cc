// Fuzzes the MatrixMarket reader: any byte string reads as a valid graph or is rejected with a
// graphmini::Error.
#include "datasets/matrix_market.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto path = graphmini::fuzz::write_input(data, size);
  graphmini::fuzz::expect_clean_rejection_or_success(
      [&] { graphmini::datasets::read_matrix_market_graph(path).validate(); });
  return 0;
}
