// How close a training epoch runs to what this machine can do: the roofline (Williams,
// Waterman and Patterson, "Roofline: An Insightful Visual Performance Model for Multicore
// Architectures", CACM 2009). An epoch takes at least its floating-point work at the
// machine's peak FLOP rate, and at least the bytes it must move at the machine's memory
// bandwidth; the larger of the two is its time limit, and limit / measured time is the
// fraction of the limit a trainer reaches.
//
// The work is counted from the model and the blocks, not from what the implementation
// happens to do, so a wasteful implementation cannot flatter itself:
//   flops  the products of the training pass: projections (2 n in out each over the source
//          rows, or the destination rows after aggregating first; 2 nnz out for sparse
//          input), aggregations (2 E width, of the narrower of a GCN or GraphSAGE
//          layer's dense input and output, which needs no backward aggregation in the first
//          layer), their backward twins (the gradient of the weights, and of the input for
//          every layer but the first), and GAT's per-edge attention; element-wise work
//          (activations, dropout, the optimiser) is left out;
//   bytes  what no implementation can avoid moving: each layer's input read by the forward
//          pass and again for the weights' gradient, its output written and its gradient
//          read back, the input's gradient written (all but the first layer), and each
//          block's CSR (4-byte offsets and source ids) traversed forward and backward. An
//          implementation may keep less in memory but must still stream these.
// The peaks are measured on this machine with the trainers' own thread count: GEMM FLOP/s
// through the same row-panel OpenBLAS sgemm the layers use, and memory bandwidth with a
// STREAM triad (McCalpin) over arrays far larger than the caches. Measuring takes about a
// second, so the result is cached per processor and thread count; other work on the machine
// while it is measured makes the peaks low and the fractions of them high, so measure again
// (gnn train --measure-peaks) after a first run on a busy machine.
#pragma once

#include <cstddef>
#include <filesystem>
#include <span>

#include "gnn/block.h"
#include "gnn/layers.h"
#include "gnn/model.h"

namespace graphmini::gnn {

struct Work {
  double flops = 0;
  double bytes = 0;

  Work& operator+=(const Work& other) {
    flops += other.flops;
    bytes += other.bytes;
    return *this;
  }
};

// The work of one training pass (forward and backward) of a model over `blocks` (one per
// layer) with `input` (blocks[0].num_src() rows) and `classes` outputs.
Work training_work(const ModelOptions& model, std::size_t classes,
                   std::span<const Block* const> blocks, const LayerInput& input);

struct MachinePeaks {
  int threads = 0;
  double flops_per_second = 0;
  double bytes_per_second = 0;
};

// Measures the peaks with `threads` oneTBB threads (the caller's thread limit must allow
// them).
MachinePeaks measure_peaks(int threads);

// The peaks from `cache_dir`/machine-peaks.json when it holds them for this processor and
// thread count, else measured and stored there (when the folder can be written; an empty
// folder caches nothing). With `measure_again` they are measured even when cached. A busy
// machine measures low and never high, so the cache keeps the highest of all measurements.
MachinePeaks machine_peaks(int threads, const std::filesystem::path& cache_dir,
                           bool measure_again = false);

// The shortest time `work` can take at `peaks`.
double time_limit(const Work& work, const MachinePeaks& peaks);

}  // namespace graphmini::gnn
