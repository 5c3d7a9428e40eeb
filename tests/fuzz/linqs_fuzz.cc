// Fuzzes the LINQS reader: the input is cut into X.content, X.cites and X.planetoid-split.tsv;
// every such folder reads as a consistent dataset or is rejected with a graphmini::Error.
#include <filesystem>

#include "datasets/linqs.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace fuzz = graphmini::fuzz;
  const auto folder = fuzz::scratch_folder() / "x";
  std::filesystem::remove_all(folder);
  const auto files = fuzz::parts(data, size, 3);
  fuzz::write_file(folder / "x.content", files[0]);
  fuzz::write_file(folder / "x.cites", files[1]);
  if (!files[2].empty()) fuzz::write_file(folder / "x.planetoid-split.tsv", files[2]);
  fuzz::expect_clean_rejection_or_success([&] {
    const graphmini::datasets::Dataset dataset = graphmini::datasets::read_linqs(folder);
    dataset.graph.validate();
    dataset.nodes.validate();
    if (dataset.graph.num_vertices() != dataset.nodes.num_nodes()) std::abort();
  });
  return 0;
}
