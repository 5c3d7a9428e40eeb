// Fuzzes the OGB raw-layout reader: the input is cut into raw/edge.csv, raw/node-feat.csv,
// raw/node-label.csv, raw/num-node-list.csv (left out when empty) and split/s/{train,valid,
// test}.csv; every such folder reads as a consistent dataset or is rejected with a
// graphmini::Error.
#include <filesystem>

#include "datasets/ogb.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace fuzz = graphmini::fuzz;
  const auto folder = fuzz::scratch_folder() / "ogb";
  std::filesystem::remove_all(folder);
  const auto files = fuzz::parts(data, size, 7);
  fuzz::write_file(folder / "raw" / "edge.csv", files[0]);
  fuzz::write_file(folder / "raw" / "node-feat.csv", files[1]);
  fuzz::write_file(folder / "raw" / "node-label.csv", files[2]);
  if (!files[3].empty()) fuzz::write_file(folder / "raw" / "num-node-list.csv", files[3]);
  fuzz::write_file(folder / "split" / "s" / "train.csv", files[4]);
  fuzz::write_file(folder / "split" / "s" / "valid.csv", files[5]);
  fuzz::write_file(folder / "split" / "s" / "test.csv", files[6]);
  fuzz::expect_clean_rejection_or_success([&] {
    const graphmini::datasets::Dataset dataset = graphmini::datasets::read_ogb(folder);
    dataset.graph.validate();
    dataset.nodes.validate();
    if (dataset.graph.num_vertices() != dataset.nodes.num_nodes()) std::abort();
  });
  return 0;
}
