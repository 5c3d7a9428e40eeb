#!/usr/bin/env bash
# Runs what tests/gpu/pack.sh packed into .gpu/ on a GPU machine, from the repository root,
# with its results under $OUT (default .gpu/out). Stages, in the order given (default: tests
# bench speed):
#   tests    the packed GPU test program (tests/gpu/*.cc), JUnit XML in $OUT/gpu_tests.xml
#            (GRAPHMINI_DATASETS points at the packed cora)
#   bench    the CUDA operator benchmark (about a minute on an H200): $OUT/cuda_ops_bench.json;
#            BENCH_MIN_TIME (seconds, default 0.1) sets its --benchmark_min_time
#   speed    bench/gnn_cuda.py, graphmini --device cuda against PyTorch Geometric on this GPU:
#            $OUT/speed.json and $OUT/speed.md (SPEED_ONLY=cell,... for some cells)
#   compare  graphmini gnn compare --device cuda on the 1M-node contextual SBM (each run's
#            time budget COMPARE_BUDGET seconds, default 60; COMPARE_METHODS, default
#            full,neighbor,cluster): $OUT/compare/
# Everything printed also goes to $OUT/device_check.log. The exit status is the first failing
# stage's.
#
# The programs' non-CUDA libraries come from .gpu/lib; cuBLAS and cuSPARSE from this machine's
# CUDA toolkit (found beside nvcc, or in /usr/local/cuda). When a program does not start with
# this machine's C library (an older glibc), it runs under the packed loader and C library.
set -uo pipefail
root=$(pwd)/.gpu
[[ -x $root/gpu_tests ]] || { echo "device_check: nothing packed in $root (tests/gpu/pack.sh)"; exit 1; }
out=${OUT:-$root/out}
mkdir -p "$out"
exec > >(tee -a "$out/device_check.log") 2>&1
stages=("$@")
((${#stages[@]})) || stages=(tests bench speed)

for packed in "$root"/lib/*.xz; do  # libraries pack.sh compressed
  [[ -e $packed ]] && xz -d -f "$packed"
done
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

# How to start a packed program: with this machine's C library, or the packed one. The
# wrapper .gpu/run starts one either way (the speed and compare stages call graphmini so).
launch=(env LD_LIBRARY_PATH="$library_path${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}")
if ! "${launch[@]}" "$root/gpu_tests" --gtest_list_tests >/dev/null 2>"$out/start.err"; then
  echo "device_check: the programs do not start with this machine's C library:"
  cat "$out/start.err"
  echo "device_check: using the packed loader"
  launch=("$root/glibc/ld-linux-x86-64.so.2" --library-path "$root/glibc:$library_path")
fi
rm -f "$out/start.err"
printf -v command '%q ' "${launch[@]}"
printf '#!/usr/bin/env bash\nexec %s"$@"\n' "$command" >"$root/run"
chmod +x "$root/run"
printf '#!/usr/bin/env bash\nexec %q %q "$@"\n' "$root/run" "$root/graphmini" >"$root/graphmini.sh"
chmod +x "$root/graphmini.sh"

status=0
record() {  # stage status
  echo "device_check: $1 exit status $2"
  if ((status == 0)); then status=$2; fi
}
export GRAPHMINI_DATASETS=$root/datasets
for stage in "${stages[@]}"; do
  echo "device_check: == $stage == $(date -u +%T)"
  case $stage in
    tests)
      "$root/run" "$root/gpu_tests" --gtest_output=xml:"$out/gpu_tests.xml"
      record gpu_tests $?
      ;;
    bench)
      # The timeout keeps a runaway benchmark from eating the machine's time.
      timeout 150 "$root/run" "$root/cuda_ops_bench" \
        --benchmark_min_time="${BENCH_MIN_TIME:-0.1}" \
        --benchmark_out="$out/cuda_ops_bench.json" --benchmark_out_format=json
      record bench $?
      ;;
    speed)
      # SPEED_ONLY=cell,... measures those cells alone, keeping bench/results/gnn_cuda's others.
      if [[ -n ${SPEED_ONLY:-} && -f bench/results/gnn_cuda/speed.json ]]; then
        cp bench/results/gnn_cuda/speed.json "$out/"
      fi
      PYTHONUNBUFFERED=1 python3 bench/gnn_cuda.py --graphmini "$root/graphmini.sh" \
        --datasets "$root/datasets" --out "$out" ${SPEED_ONLY:+--only "$SPEED_ONLY"}
      record speed $?
      ;;
    compare)
      "$root/graphmini.sh" gnn compare \
        -d csbm:nodes=1000000,avg_degree=40,features=128,classes=16,homophily=0.5,signal=0.8,seed=1 \
        --model sage --hidden 128 --dropout 0 --batch-size 1024 --fanouts 10,5 \
        --clusters-per-batch 10 --patience 10 --seeds 1 --time-budget "${COMPARE_BUDGET:-60}" \
        --methods "${COMPARE_METHODS:-full,neighbor,cluster}" --device cuda --out "$out/compare"
      record compare $?
      ;;
    *)
      echo "device_check: unknown stage $stage (tests, bench, speed or compare)"
      record "$stage" 2
      ;;
  esac
done
echo "device_check: done $(date -u +%T), exit status $status"
exit "$status"
