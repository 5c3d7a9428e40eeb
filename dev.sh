#!/usr/bin/env bash
# graphmini's developer entry point (see README.md).
#
#   ./dev.sh demo    install missing packages, build (release), generate a Kronecker graph
#                    and count its 4-cliques
#   ./dev.sh test    install missing packages, run the whole test suite: release build,
#                    the same tests under ASan+UBSan, the parallel code's tests under
#                    ThreadSanitizer, and the file readers' fuzzers
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
  clang libclang-rt-14-dev xz-utils
  libopenmpi-dev openmpi-bin
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

# ThreadSanitizer sees synchronisation only in code built with it, so the tsan preset links a
# oneTBB built with it: the Debian source of the installed libtbb-dev, fetched through apt
# with a private sources list and state (the system's configuration is not touched), built
# once into build/tsan-deps/tbb.
tsan_dependencies() {
  local deps=build/tsan-deps
  [ -f "$deps/tbb/lib/libtbb.so" ] && return
  echo "dev.sh: building oneTBB with ThreadSanitizer into $deps/tbb"
  local version
  version=$(dpkg-query -W -f='${source:Version}' libtbb-dev)
  rm -rf "$deps/apt" "$deps/source"
  mkdir -p "$deps/apt/sources" "$deps/apt/lists/partial" "$deps/source"
  local sources
  for sources in /etc/apt/sources.list.d/*.sources; do
    [ -e "$sources" ] || continue
    sed 's/^Types: deb$/Types: deb-src/' "$sources" >"$deps/apt/sources/$(basename "$sources")"
  done
  cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | grep '^deb ' |
    sed 's/^deb /deb-src /' >"$deps/apt/sources/lists.list" || true
  local apt=(apt-get -q -o "Dir::Etc::SourceList=/dev/null"
    -o "Dir::Etc::SourceParts=$PWD/$deps/apt/sources" -o "Dir::State::Lists=$PWD/$deps/apt/lists")
  "${apt[@]}" update >/dev/null
  (cd "$deps/source" && "${apt[@]}" source --download-only "onetbb=$version" >/dev/null 2>&1)
  tar -xJf "$deps"/source/onetbb_*.orig.tar.xz -C "$deps/source"
  cmake -S "$deps"/source/oneTBB-* -B "$deps/build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang -DTBB_SANITIZE=thread -DTBB_TEST=OFF \
    -DTBBMALLOC_BUILD=OFF -DTBB_STRICT=OFF -DTBB_DISABLE_HWLOC_AUTOMATIC_SEARCH=ON \
    -DCMAKE_INSTALL_PREFIX="$PWD/$deps/tbb" >/dev/null
  cmake --build "$deps/build" -j "${GRAPHMINI_JOBS:-$(nproc)}" >/dev/null
  cmake --install "$deps/build" >/dev/null
  rm -rf "$deps/apt" "$deps/source" "$deps/build"
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
    for preset in release sanitize tsan fuzz; do
      echo "dev.sh: == $preset =="
      [ "$preset" != tsan ] || tsan_dependencies
      build "$preset"
      ctest --preset "$preset" -j "$(nproc)" --no-tests=error
    done
    ;;
  *)
    echo "usage: ./dev.sh demo|test" >&2
    exit 2
    ;;
esac
