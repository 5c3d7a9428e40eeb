#!/usr/bin/env bash
# Packs what runs on a GPU machine that has the CUDA toolkit (nvcc, cuBLAS, cuSPARSE) but none
# of this project's Debian libraries, into .gpu/ at the repository root: the GPU test program
# (tests/gpu/*.cc), the CUDA operator benchmark and the graphmini command line when they are
# built, the shared libraries they need from this machine in .gpu/lib (everything ldd names
# except the CUDA toolkit's large libraries, which the GPU machine has, and the C library),
# the C library and its loader in .gpu/glibc (device_check.sh uses them only when a program
# does not start with the GPU machine's own, older C library), and cora from the shared
# datasets in .gpu/datasets when it is there (for the accuracy test and the PyG benchmark).
#
# Usage: tests/gpu/pack.sh [BUILD_DIR]   (default build/gpu: `cmake --preset gpu && cmake
# --build --preset gpu` builds everything it packs, without the LLVM JIT and MPI, whose
# libraries are too large to carry)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build/gpu}
binaries=()
for binary in "$build/tests/gpu_tests" "$build/bench/cuda_ops_bench" "$build/cli/graphmini"; do
  [[ -x $binary ]] && binaries+=("$binary")
done
[[ -x $build/tests/gpu_tests ]] || {
  echo "pack.sh: $build/tests/gpu_tests not built (cmake --build --preset gpu)" >&2
  exit 1
}

out=$root/.gpu
rm -rf "$out"
mkdir -p "$out/lib" "$out/glibc"
cp "${binaries[@]}" "$out/"
echo "pack.sh: packing $(for b in "${binaries[@]}"; do basename "$b"; done | tr '\n' ' ')"
cora=$root/../shared/datasets/citation/cora
if [[ -d $cora ]]; then
  mkdir -p "$out/datasets/citation"
  cp -r "$cora" "$out/datasets/citation/"
fi
# The toolkit's own libraries are 50-500 MiB each and the GPU machine has them; the CUDA
# runtime (under 1 MiB) travels so that the runtime the binary was built against is the one
# it runs with.
toolkit_libraries='^lib(cublas|cublasLt|cusparse|nvJitLink|cuda)\.so'
glibc_libraries='^(libc|libm|libdl|libpthread|librt|ld-linux-x86-64)\.so'
ldd "${binaries[@]}" | awk '/=> \// { print $3 } /ld-linux/ && !/=>/ { print $1 }' |
  sort -u | while read -r library; do
    name=$(basename "$library")
    if [[ $name =~ $toolkit_libraries ]]; then continue; fi
    if [[ $name =~ $glibc_libraries ]]; then
      cp -L "$library" "$out/glibc/$name"
    else
      cp -L "$library" "$out/lib/$name"
    fi
  done
# OpenBLAS (36 MiB) and any other library over 8 MiB travel compressed; device_check.sh
# unpacks them.
find "$out/lib" -size +8M -type f -exec xz -T0 -6 {} +
size=$(du -sm "$out" | cut -f1)
echo "packed $(ls "$out/lib" "$out/glibc" | grep -c '\.so') libraries into $out: ${size} MiB"
if ((size >= 50)); then
  echo "pack.sh: $out is ${size} MiB, over the 50 MiB limit" >&2
  exit 1
fi
