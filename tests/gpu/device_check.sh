#!/usr/bin/env bash
# Runs the packed CUDA operator tests (tests/gpu/pack.sh) on a GPU machine, from the
# repository root with .gpu/ beside it: prints the GPUs, then runs every test with the JUnit
# XML report in $OUT/cuda_ops.xml and the log in $OUT/cuda_ops.log; then, when it was packed,
# the CUDA operator benchmark (bench/cuda_ops_bench.cc, about a minute on an H200) with its
# results in $OUT/cuda_ops_bench.json and its console output in $OUT/cuda_ops_bench.log.
# BENCH_MIN_TIME (seconds, default 0.1) sets its --benchmark_min_time; BENCH=0 skips it. The
# exit status is the test binary's, or the benchmark's when the tests passed.
#
# The binary's non-CUDA libraries come from .gpu/lib; cuBLAS and cuSPARSE from this machine's
# CUDA toolkit (found beside nvcc, or in /usr/local/cuda). When the binary does not start with
# this machine's C library (an older glibc), it runs under the packed loader and C library.
set -uo pipefail
root=$(cd "$(dirname "$0")" && pwd)
[[ -x $root/gpu_cuda_ops_test ]] || root=$(pwd)/.gpu
out=${OUT:-$root/out}
mkdir -p "$out"

nvidia-smi -L || echo "device_check: nvidia-smi failed"
toolkit_lib=""
for nvcc in "$(command -v nvcc || true)" /usr/local/cuda/bin/nvcc; do
  [[ -n $nvcc && -x $nvcc ]] || continue
  for dir in "$(dirname "$nvcc")/../lib64" "$(dirname "$nvcc")/../lib" \
             "$(dirname "$nvcc")/../targets/x86_64-linux/lib"; do
    if ls "$dir"/libcublas.so.* >/dev/null 2>&1; then toolkit_lib=$(cd "$dir" && pwd); break 2; fi
  done
done
echo "device_check: CUDA libraries from ${toolkit_lib:-the default search path}"
library_path=$root/lib${toolkit_lib:+:$toolkit_lib}

# How to start a packed binary: with this machine's C library, or the packed one.
launch=(env LD_LIBRARY_PATH="$library_path${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}")
if ! "${launch[@]}" "$root/gpu_cuda_ops_test" --gtest_list_tests >/dev/null 2>"$out/start.err"; then
  echo "device_check: the binary does not start with this machine's C library:"
  cat "$out/start.err"
  echo "device_check: using the packed loader"
  launch=("$root/glibc/ld-linux-x86-64.so.2" --library-path "$root/glibc:$library_path")
fi
"${launch[@]}" "$root/gpu_cuda_ops_test" --gtest_output=xml:"$out/cuda_ops.xml" 2>&1 |
  tee "$out/cuda_ops.log"
status=${PIPESTATUS[0]}
echo "device_check: tests exit status $status"

if [[ -x $root/cuda_ops_bench && ${BENCH:-1} != 0 ]]; then
  # The timeout keeps a runaway benchmark from eating the machine's time; it needs about 60 s.
  timeout 150 "${launch[@]}" "$root/cuda_ops_bench" --benchmark_min_time="${BENCH_MIN_TIME:-0.1}" \
    --benchmark_out="$out/cuda_ops_bench.json" --benchmark_out_format=json 2>&1 |
    tee "$out/cuda_ops_bench.log"
  bench_status=${PIPESTATUS[0]}
  echo "device_check: benchmark exit status $bench_status"
  if ((status == 0)); then status=$bench_status; fi
fi
exit "$status"
