#include "gnn/roofline.h"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "gnn/tensor.h"
#include "runtime/error.h"
#include "runtime/files.h"

namespace graphmini::gnn {
namespace {

using Clock = std::chrono::steady_clock;

// The fastest of `repeats` runs of `work`, in seconds.
template <typename Work>
double fastest(int repeats, const Work& work) {
  double best = 1e300;
  for (int i = 0; i < repeats; ++i) {
    const Clock::time_point start = Clock::now();
    work();
    best = std::min(best, std::chrono::duration<double>(Clock::now() - start).count());
  }
  return best;
}

// FLOP/s of a large sgemm split into row panels as the layers split theirs (gnn/tensor.h):
// 2048 x 1024 by 1024 x 512, about 2 GFLOP, large enough for OpenBLAS's best kernels.
double measure_gemm() {
  Tensor a(2048, 1024), b(1024, 512), c(2048, 512);
  std::fill(a.values().begin(), a.values().end(), 0.5f);
  std::fill(b.values().begin(), b.values().end(), 0.25f);
  matmul(a, false, b, false, c);  // warm up: pages, OpenBLAS's buffers
  const double flops = 2.0 * 2048 * 1024 * 512;
  return flops / fastest(5, [&] { matmul(a, false, b, false, c); });
}

// Bytes/s of a STREAM triad a = b + s c over three arrays of 64 MiB, counted as STREAM does
// (two reads and one write per element).
double measure_bandwidth() {
  constexpr std::size_t n = std::size_t{1} << 24;
  std::vector<float> a(n), b(n, 1.0f), c(n, 2.0f);
  const auto triad = [&] {
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, n, std::size_t{1} << 16),
                      [&](const tbb::blocked_range<std::size_t>& range) {
                        for (std::size_t i = range.begin(); i < range.end(); ++i)
                          a[i] = b[i] + 3.0f * c[i];
                      });
  };
  triad();
  return 3.0 * sizeof(float) * n / fastest(5, triad);
}

// What identifies this machine's processor for the cache: its model name and core count.
std::string processor() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line, model = "unknown";
  while (std::getline(cpuinfo, line)) {
    if (line.starts_with("model name")) {
      model = line.substr(line.find(':') + 2);
      break;
    }
  }
  return model + " x " + std::to_string(std::thread::hardware_concurrency());
}

// The bytes of a layer's input: 4 per value, and for sparse input a 4-byte column id per
// value and a 4-byte offset per row.
double input_bytes(const LayerInput& input) {
  const double values = static_cast<double>(input.stored_values());
  return input.sparse() ? 8 * values + 4 * static_cast<double>(input.rows()) : 4 * values;
}

bool input_is_sparse(bool first, const LayerInput& input) {
  return first && input.sparse();
}

}  // namespace

Work training_work(const ModelOptions& model, std::size_t classes,
                   std::span<const Block* const> blocks, const LayerInput& input) {
  Work work;
  const bool gat = model.kind == ModelKind::gat;
  double in_width = static_cast<double>(input.cols());
  for (std::size_t layer = 0; layer < blocks.size(); ++layer) {
    const Block& block = *blocks[layer];
    const bool first = layer == 0;
    const bool last = layer + 1 == blocks.size();
    const double sources = static_cast<double>(block.num_src());
    const double destinations = static_cast<double>(block.num_dst());
    const double edges = static_cast<double>(block.num_edges());
    const double heads = gat ? static_cast<double>(last ? model.output_heads : model.heads) : 1;
    const double per_head = static_cast<double>(last ? classes : model.hidden);
    const double width = per_head * heads;                    // computed
    const double out_width = gat && last ? per_head : width;  // kept (last GAT heads averaged)

    // Aggregation: GCN and GraphSAGE aggregate the narrower of input and output (dense input
    // only; sparse input is multiplied first), and after aggregating first the backward pass
    // aggregates only for the input's gradient. GAT aggregates its projections.
    const bool aggregate_first = !gat && !input_is_sparse(first, input) && in_width < width;
    // Projections: every source row (after aggregating first, every destination row), and for
    // GraphSAGE's root weight the destination rows again. Forward, the weights' gradient, and
    // the input's gradient but for the first layer.
    const double input_values =
        first ? static_cast<double>(input.stored_values()) : sources * in_width;
    const double projected = aggregate_first ? destinations / sources : 1;
    const double root = model.kind == ModelKind::sage ? destinations / sources : 0;
    work.flops += 2 * input_values * width * (projected + root) * (first ? 2 : 3);
    if (aggregate_first) {
      work.flops += 2 * edges * in_width * (first ? 1 : 2);
    } else {
      work.flops += 2 * 2 * edges * width;
    }
    if (gat) {
      // Scores a_l.z_s and a_r.z_d per source, then per edge and head: add, LeakyReLU, exp,
      // sum and scale (about 6); backward about twice the forward.
      work.flops += 3 * (4 * sources * width + 6 * edges * heads);
      work.bytes += 2 * 4 * edges * heads;  // attention coefficients kept for backward
    }

    const double in_bytes = first ? input_bytes(input) : 4 * sources * in_width;
    const double out_bytes = 4 * destinations * out_width;
    const double csr = 4 * (destinations + 1) + 4 * edges;
    work.bytes += 2 * in_bytes + 2 * out_bytes + 2 * csr + (first ? 0 : in_bytes);
    in_width = out_width;
  }
  return work;
}

MachinePeaks measure_peaks(int threads) {
  if (threads < 1) throw InvalidArgument("peaks need at least one thread");
  MachinePeaks peaks;
  peaks.threads = threads;
  tbb::task_arena arena(threads);
  arena.execute([&] {
    peaks.flops_per_second = measure_gemm();
    peaks.bytes_per_second = measure_bandwidth();
  });
  return peaks;
}

MachinePeaks machine_peaks(int threads, const std::filesystem::path& cache_dir,
                           bool measure_again) {
  const std::filesystem::path file = cache_dir / "machine-peaks.json";
  const std::string cpu = processor();
  nlohmann::json cache = {{"processor", cpu}, {"peaks", nlohmann::json::array()}};
  std::optional<MachinePeaks> cached;
  if (!cache_dir.empty()) {
    std::ifstream in(file);
    const nlohmann::json stored = nlohmann::json::parse(in, nullptr, false);
    if (stored.is_object() && stored.value("processor", "") == cpu && stored.contains("peaks") &&
        stored["peaks"].is_array()) {
      cache = stored;
      for (const nlohmann::json& entry : cache["peaks"]) {
        const double flops = entry.value("flops_per_second", 0.0);
        const double bytes = entry.value("bytes_per_second", 0.0);
        if (entry.value("threads", 0) == threads && flops > 0 && bytes > 0)
          cached = MachinePeaks{threads, flops, bytes};
      }
    }
  }
  if (cached && !measure_again) return *cached;
  MachinePeaks peaks = measure_peaks(threads);
  if (cached) {
    peaks.flops_per_second = std::max(peaks.flops_per_second, cached->flops_per_second);
    peaks.bytes_per_second = std::max(peaks.bytes_per_second, cached->bytes_per_second);
  }
  if (cache_dir.empty()) return peaks;
  nlohmann::json entries = nlohmann::json::array();
  for (const nlohmann::json& entry : cache["peaks"]) {
    if (entry.value("threads", 0) != threads) entries.push_back(entry);
  }
  entries.push_back({{"threads", threads},
                     {"flops_per_second", peaks.flops_per_second},
                     {"bytes_per_second", peaks.bytes_per_second}});
  cache["peaks"] = entries;
  // A cache that cannot be written (a read-only home, a full disk) only costs the next run
  // the measurement again.
  try {
    std::filesystem::create_directories(cache_dir);
    OutputFile out(file);
    out.write(cache.dump(2) + "\n");
    out.commit();
  } catch (const std::exception&) {
  }
  return peaks;
}

double time_limit(const Work& work, const MachinePeaks& peaks) {
  return std::max(work.flops / peaks.flops_per_second, work.bytes / peaks.bytes_per_second);
}

}  // namespace graphmini::gnn
