// Fuzzes the checkpoint loader: any byte string restores the run or is rejected with a
// graphmini::Error (never a crash, an over-read or an allocation the file does not justify).
// The seed is a valid checkpoint of the run in checkpoint_fixture.h, so mutations explore
// damaged headers, counts and tensors past the checksum (libFuzzer's comparison tracing finds
// matching CRCs).
#include "gnn/checkpoint.h"
#include "tests/fuzz/checkpoint_fixture.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace fuzz = graphmini::fuzz;
  namespace gnn = graphmini::gnn;
  static gnn::Model model(fuzz::checkpoint_model(), fuzz::kCheckpointFeatures,
                          fuzz::kCheckpointClasses);
  static gnn::Optimizer optimizer(gnn::OptimizerOptions{}, model.parameters());
  const auto path = fuzz::write_input(data, size);
  fuzz::expect_clean_rejection_or_success([&] {
    gnn::TrainingProgress progress;
    gnn::load_checkpoint(path, fuzz::kCheckpointSettings, fuzz::kCheckpointData, model,
                         optimizer, progress);
  });
  return 0;
}
