#!/usr/bin/env bash
# graphmini's developer entry point (see README.md).
#
#   ./dev.sh demo    install missing packages, build (release), generate a Kronecker graph
#                    and count its 4-cliques
#   ./dev.sh test    install missing packages, run the whole test suite: release build,
#                    the same tests under ASan+UBSan, and the file readers' fuzzers
#
# Both are idempotent: packages already installed are not touched, and an up-to-date build is
# not rebuilt. Set GRAPHMINI_JOBS to limit build parallelism.
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")"

# Debian 12 packages the build needs (see the dependency table in README.md).
packages=(
  build-essential cmake ninja-build pkg-config
  libtbb-dev zlib1g-dev libcli11-dev nlohmann-json3-dev libboost-graph-dev
  libgtest-dev libgmock-dev libbenchmark-dev libopenblas-dev libmetis-dev
  llvm-14-dev libclang-14-dev libclang-cpp14-dev
  clang libclang-rt-14-dev
)

install_missing_packages() {
  local missing=()
  for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
      missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return
  echo "dev.sh: installing ${missing[*]}"
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
    "${missing[@]}"
}

build() {
  local preset=$1
  [ -f "build/$preset/build.ninja" ] || cmake --preset "$preset"
  cmake --build --preset "$preset" -j "${GRAPHMINI_JOBS:-$(nproc)}"
}

case "${1:-}" in
  demo)
    install_missing_packages
    build release
    mkdir -p build/demo
    graphmini=build/release/cli/graphmini
    "$graphmini" data generate kron --scale 16 --edge-factor 16 -o build/demo/kron-16.gmg
    "$graphmini" data info build/demo/kron-16.gmg
    "$graphmini" count --graph build/demo/kron-16.gmg --pattern 4-clique
    ;;
  test)
    install_missing_packages
    for preset in release sanitize fuzz; do
      echo "dev.sh: == $preset =="
      build "$preset"
      ctest --preset "$preset" -j "$(nproc)" --no-tests=error
    done
    ;;
  *)
    echo "usage: ./dev.sh demo|test" >&2
    exit 2
    ;;
esac
