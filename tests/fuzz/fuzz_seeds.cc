// Writes the seeds of the fuzzers whose inputs are binary (a .gmg graph, gzip'd text, a
// checkpoint) into the corpus folders given on the command line, so that no binary file is
// kept in the repository: fuzz_seeds BINARY_GRAPH_DIR EDGE_LIST_DIR CHECKPOINT_DIR.
#include <zlib.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "datasets/edge_list_format.h"
#include "gnn/checkpoint.h"
#include "runtime/binary_graph.h"
#include "runtime/graph_builder.h"
#include "tests/fuzz/checkpoint_fixture.h"
#include "tests/fuzz/fuzz_input.h"

int main(int argc, char** argv) {
  namespace fuzz = graphmini::fuzz;
  namespace gnn = graphmini::gnn;
  if (argc != 4) {
    std::fprintf(stderr, "usage: fuzz_seeds BINARY_GRAPH_DIR EDGE_LIST_DIR CHECKPOINT_DIR\n");
    return 2;
  }
  const std::filesystem::path binary_graphs = argv[1], edge_lists = argv[2], checkpoints = argv[3];
  for (const auto& folder : {binary_graphs, edge_lists, checkpoints})
    std::filesystem::create_directories(folder);

  // A house with labels and original ids, and its plain shape.
  graphmini::EdgeList house;
  house.num_vertices = 5;
  house.edges = {{0, 1}, {1, 2}, {2, 3}, {3, 0}, {2, 4}, {3, 4}};
  house.labels = {1, 1, 2, 2, 3};
  house.original_ids = {10, 20, 30, 40, 50};
  graphmini::write_binary_graph(graphmini::build_graph(house), binary_graphs / "seed-house.gmg");
  house.labels.clear();
  house.original_ids.clear();
  const graphmini::Graph plain = graphmini::build_graph(std::move(house));
  graphmini::write_binary_graph(plain, binary_graphs / "seed-plain.gmg");
  graphmini::datasets::write_edge_list(plain, edge_lists / "seed-house.txt");
  // gzip'd, through the writer of the one-member format that every reader handles.
  {
    const std::string text = "# gzip'd\n1 2\n2 3\n3 1\n";
    gzFile out = gzopen((edge_lists / "seed-gzip.txt.gz").c_str(), "wb");
    gzwrite(out, text.data(), static_cast<unsigned>(text.size()));
    gzclose(out);
  }

  gnn::Model model(fuzz::checkpoint_model(), fuzz::kCheckpointFeatures, fuzz::kCheckpointClasses);
  gnn::Optimizer optimizer(gnn::OptimizerOptions{}, model.parameters());
  gnn::TrainingProgress progress;
  progress.records.resize(2);
  progress.records[1].epoch = 2;
  gnn::save_checkpoint(checkpoints / "seed.ckpt", fuzz::kCheckpointSettings, fuzz::kCheckpointData,
                       model, optimizer, progress);
  return 0;
}
