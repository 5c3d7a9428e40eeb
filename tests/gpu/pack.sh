#!/usr/bin/env bash
# Packs the CUDA operator tests, and the CUDA operator benchmark when it is built, for a GPU
# machine that has the CUDA toolkit (nvcc, cuBLAS, cuSPARSE) but none of this project's Debian
# libraries: the binaries go to .gpu/ at the repository root, with the shared libraries it needs from this machine in .gpu/lib
# (everything ldd names except the CUDA toolkit's large libraries, which the GPU machine has,
# and the C library). The C library and its loader go to .gpu/glibc, used by device_check.sh
# only when the binary does not start with the GPU machine's own C library (an older glibc).
#
# Usage: tests/gpu/pack.sh [BUILD_DIR]   (default build/release; build gpu_cuda_ops_test, and
# cuda_ops_bench to pack it too, first)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build/release}
binary=$build/tests/gpu_cuda_ops_test
[[ -x $binary ]] || { echo "pack.sh: $binary not built (cmake --build $build --target gpu_cuda_ops_test)" >&2; exit 1; }

out=$root/.gpu
rm -rf "$out"
mkdir -p "$out/lib" "$out/glibc"
binaries=("$binary")
bench=$build/bench/cuda_ops_bench
if [[ -x $bench ]]; then binaries+=("$bench"); else echo "pack.sh: no $bench; packing the tests only"; fi
cp "${binaries[@]}" "$out/"
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
cp "$root/tests/gpu/device_check.sh" "$out/"
size=$(du -sm "$out" | cut -f1)
echo "packed $(ls "$out/lib" "$out/glibc" | grep -c '\.so') libraries into $out: ${size} MiB"
if ((size >= 50)); then
  echo "pack.sh: $out is ${size} MiB, over the 50 MiB limit" >&2
  exit 1
fi
