// Helpers shared by the test executables: scratch folders, fixture files written from
// strings (plain or gzip), and the location of the shared real datasets.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <initializer_list>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "runtime/graph.h"

namespace graphmini::testing {

// A fresh folder under the system temporary directory, removed with its contents.
class ScratchDir {
 public:
  ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  ~ScratchDir();

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(std::string_view name) const { return path_ / name; }

  // Writes `text` to the file `name` in this folder and returns its path.
  std::filesystem::path write(std::string_view name, std::string_view text) const;
  // Same, gzip-compressed.
  std::filesystem::path write_gzip(std::string_view name, std::string_view text) const;

 private:
  std::filesystem::path path_;
};

std::string read_file(const std::filesystem::path& path);

// Serves `text` through a FIFO made at `path`, from a thread, as `cat FILE > FIFO` does: the
// writer waits for a reader, writes everything, then closes. If no reader ever came, the
// destructor opens the FIFO itself so that the writer finishes (SIGPIPE is ignored).
class FifoFeeder {
 public:
  FifoFeeder(std::filesystem::path path, std::string text);
  FifoFeeder(const FifoFeeder&) = delete;
  FifoFeeder& operator=(const FifoFeeder&) = delete;
  ~FifoFeeder();

 private:
  std::filesystem::path path_;
  std::thread writer_;
};

// The same through an anonymous pipe: /dev/fd/N names its reading end, as a shell's process
// substitution <(...) does.
class PipeFeeder {
 public:
  explicit PipeFeeder(std::string text);
  PipeFeeder(const PipeFeeder&) = delete;
  PipeFeeder& operator=(const PipeFeeder&) = delete;
  ~PipeFeeder();

  std::filesystem::path path() const;

 private:
  int read_end_ = -1;
  std::thread writer_;
};

// `text` compressed as one gzip member (concatenate two for a multi-member file).
std::string gzip(std::string_view text);

// The message of the `Exception` that `body` throws ("no exception" when it throws none).
template <typename Exception, typename Body>
std::string message_of(const Body& body) {
  try {
    body();
  } catch (const Exception& error) {
    return error.what();
  }
  return "no exception";
}

// Runs `body` in a child process that may map only `headroom` bytes more than it has mapped
// (an address-space limit, as `ulimit -v` sets), and returns the message of the exception it
// throws ("no exception" when it returns). Run nothing parallel in `body`: the child has none
// of the parent's threads.
std::string error_with_address_space(std::uint64_t headroom, const std::function<void()>& body);

// The folder of the shared real datasets (GRAPHMINI_DATASETS), or nullopt when absent.
std::optional<std::filesystem::path> shared_datasets();

// Entries in the folder (for checking that no temporary file was left behind).
std::size_t count_files(const std::filesystem::path& folder);

// A graph on vertices 0 .. n-1 with these edges (and labels, if given), isolated vertices kept.
Graph graph_from_edges(VertexId n, const std::vector<std::pair<VertexId, VertexId>>& edges,
                       std::vector<Label> labels = {});

// Erdős–Rényi G(n, p) with labels drawn from [0, label_count) (none when 0).
Graph random_graph(std::mt19937_64& random, VertexId n, double p, Label label_count = 0);

// A star: vertex 0 joined to each of 1 .. leaves.
Graph star(VertexId leaves);

// The "house": a square with a gable, drawn upside down.
//
//      0---1
//      |   |
//      3---2
//       \ /
//        4
//
// 0: 1 3 | 1: 0 2 | 2: 1 3 4 | 3: 0 2 4 | 4: 2 3
inline const std::vector<EdgeOffset> kHouseOffsets = {0, 2, 4, 7, 10, 12};
inline const std::vector<VertexId> kHouseAdjacency = {1, 3, 0, 2, 1, 3, 4, 0, 2, 4, 2, 3};
Graph house(Graph::Check check = Graph::Check::full);

// A span's values, for comparing with EXPECT_EQ.
template <typename T>
std::vector<T> as_vector(std::span<const T> values) {
  return {values.begin(), values.end()};
}

// The neighbours of v, in order.
std::vector<VertexId> neighbours_of(const Graph& graph, VertexId v);

// The original id of every vertex, in vertex order.
std::vector<std::uint64_t> original_ids_of(const Graph& graph);

// Expects the two graphs to be equal in every part: orientation, sizes, offsets, adjacency,
// labels and original ids.
void expect_same_graph(const Graph& actual, const Graph& expected);

// The temporary files that atomic writes (runtime/files.h) leave in `folder` while they run:
// ".NAME.graphmini-*.tmp".
std::vector<std::string> temporary_files(const std::filesystem::path& folder);

// Runs `read` and checks that it throws a ParseError for `path` at `line` whose message starts
// with "PATH:LINE: " and contains every fragment.
void expect_parse_error(const std::function<void()>& read, const std::filesystem::path& path,
                        std::uint64_t line, std::initializer_list<std::string_view> fragments);

// A malformed text input for parameterised reader tests.
struct Malformed {
  const char* name;  // the test's name
  const char* text;
  std::uint64_t line;  // where the error must be reported
  const char* phrase;  // what the message must say
};

}  // namespace graphmini::testing

// Skips the current test with a clear message when the shared datasets are absent; otherwise
// declares `const std::filesystem::path datasets` pointing at them.
#define GRAPHMINI_REQUIRE_SHARED_DATASETS()                                               \
  const auto shared_datasets_or_none = ::graphmini::testing::shared_datasets();           \
  if (!shared_datasets_or_none) {                                                         \
    GTEST_SKIP() << "shared datasets not found (set GRAPHMINI_DATASETS or place them at " \
                    "../shared/datasets beside the project root)";                        \
  }                                                                                       \
  const std::filesystem::path datasets = *shared_datasets_or_none
