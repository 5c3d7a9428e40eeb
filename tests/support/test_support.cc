#include "support/test_support.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "runtime/error.h"
#include "runtime/graph_builder.h"

namespace graphmini::testing {

ScratchDir::ScratchDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "graphmini-test-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

ScratchDir::~ScratchDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::filesystem::path ScratchDir::write(std::string_view name, std::string_view text) const {
  const auto file = path_ / name;
  std::filesystem::create_directories(file.parent_path());
  std::ofstream out(file, std::ios::binary);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  if (!out) throw std::runtime_error("cannot write " + file.string());
  return file;
}

std::filesystem::path ScratchDir::write_gzip(std::string_view name, std::string_view text) const {
  const auto file = path_ / name;
  std::filesystem::create_directories(file.parent_path());
  gzFile out = gzopen(file.c_str(), "wb");
  if (out == nullptr) throw std::runtime_error("cannot write " + file.string());
  const int written =
      text.empty() ? 0 : gzwrite(out, text.data(), static_cast<unsigned>(text.size()));
  gzclose(out);
  if (written != static_cast<int>(text.size())) throw std::runtime_error("gzwrite failed");
  return file;
}

namespace {

void write_everything(int fd, const std::string& text) {
  std::size_t at = 0;
  while (at < text.size()) {
    const ssize_t done = ::write(fd, text.data() + at, text.size() - at);
    if (done < 0 && errno == EINTR) continue;
    if (done <= 0) break;  // the reader went away
    at += static_cast<std::size_t>(done);
  }
}

}  // namespace

FifoFeeder::FifoFeeder(std::filesystem::path path, std::string text) : path_(std::move(path)) {
  std::signal(SIGPIPE, SIG_IGN);
  if (::mkfifo(path_.c_str(), 0600) != 0) throw std::runtime_error("mkfifo failed");
  writer_ = std::thread([path = path_, text = std::move(text)] {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return;
    write_everything(fd, text);
    ::close(fd);
  });
}

FifoFeeder::~FifoFeeder() {
  // A writer still waiting for a reader is released by this one; one that is writing ends
  // with EPIPE when it closes.
  const int fd = ::open(path_.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd >= 0) ::close(fd);
  writer_.join();
}

PipeFeeder::PipeFeeder(std::string text) {
  std::signal(SIGPIPE, SIG_IGN);
  int ends[2];
  if (::pipe2(ends, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  read_end_ = ends[0];
  writer_ = std::thread([fd = ends[1], text = std::move(text)] {
    write_everything(fd, text);
    ::close(fd);
  });
}

PipeFeeder::~PipeFeeder() {
  ::close(read_end_);  // a writer blocked on a full pipe then fails with EPIPE
  writer_.join();
}

std::filesystem::path PipeFeeder::path() const {
  return "/dev/fd/" + std::to_string(read_end_);
}

std::string gzip(std::string_view text) {
  uLongf size = compressBound(static_cast<uLong>(text.size())) + 32;
  std::string out(size, '\0');
  z_stream stream{};
  deflateInit2(&stream, Z_BEST_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 9, Z_DEFAULT_STRATEGY);
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  stream.avail_in = static_cast<uInt>(text.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  if (deflate(&stream, Z_FINISH) != Z_STREAM_END) throw std::runtime_error("deflate failed");
  out.resize(stream.total_out);
  deflateEnd(&stream);
  return out;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::optional<std::filesystem::path> shared_datasets() {
  const char* folder = std::getenv("GRAPHMINI_DATASETS");
  if (folder == nullptr || !std::filesystem::is_directory(folder)) return std::nullopt;
  return std::filesystem::path(folder);
}

std::string error_with_address_space(std::uint64_t headroom, const std::function<void()>& body) {
  int channel[2];
  if (::pipe(channel) != 0) return "pipe failed";
  const pid_t child = ::fork();
  if (child == 0) {
    ::close(channel[0]);
    std::string message = "no exception";
    {
      std::ifstream status("/proc/self/status");
      std::string line;
      std::uint64_t mapped = 0;
      while (std::getline(status, line))
        if (line.starts_with("VmSize:")) mapped = std::stoull(line.substr(7)) * 1024;
      const rlimit limit = {mapped + headroom, RLIM_INFINITY};
      ::setrlimit(RLIMIT_AS, &limit);
      try {
        body();
      } catch (const std::exception& error) {
        message = error.what();
      }
    }
    const bool written =
        ::write(channel[1], message.data(), message.size()) == static_cast<ssize_t>(message.size());
    ::_exit(written ? 0 : 1);
  }
  ::close(channel[1]);
  std::string message;
  char buffer[4096];
  for (ssize_t got; (got = ::read(channel[0], buffer, sizeof buffer)) > 0;)
    message.append(buffer, static_cast<std::size_t>(got));
  ::close(channel[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return "the child process failed";
  return message;
}

Graph star(VertexId leaves) {
  std::vector<std::pair<VertexId, VertexId>> edges;
  for (VertexId leaf = 1; leaf <= leaves; ++leaf)
    edges.emplace_back(0, leaf);
  return graph_from_edges(leaves + 1, edges);
}

std::size_t count_files(const std::filesystem::path& folder) {
  std::size_t count = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(folder))
    ++count;
  return count;
}

void expect_parse_error(const std::function<void()>& read, const std::filesystem::path& path,
                        std::uint64_t line, std::initializer_list<std::string_view> fragments) {
  try {
    read();
    ADD_FAILURE() << "expected a ParseError in " << path.string() << " at line " << line;
  } catch (const ParseError& error) {
    const std::string message = error.what();
    EXPECT_EQ(error.path(), path.string());
    EXPECT_EQ(error.line(), line) << message;
    EXPECT_TRUE(message.starts_with(path.string() + ":" + std::to_string(line) + ": ")) << message;
    for (const std::string_view fragment : fragments)
      EXPECT_NE(message.find(fragment), std::string::npos) << message;
  }
}

Graph graph_from_edges(VertexId n, const std::vector<std::pair<VertexId, VertexId>>& edges,
                       std::vector<Label> labels) {
  EdgeList list;
  list.num_vertices = n;
  for (const auto& [u, v] : edges)
    list.edges.push_back({u, v});
  list.labels = std::move(labels);
  return build_graph(std::move(list), {.keep_isolated_vertices = true});
}

Graph random_graph(std::mt19937_64& random, VertexId n, double p, Label label_count) {
  std::bernoulli_distribution edge(p);
  std::vector<std::pair<VertexId, VertexId>> edges;
  for (VertexId u = 0; u < n; ++u) {
    for (VertexId v = u + 1; v < n; ++v) {
      if (edge(random)) edges.emplace_back(u, v);
    }
  }
  std::vector<Label> labels;
  if (label_count > 0) {
    std::uniform_int_distribution<Label> label(0, label_count - 1);
    for (VertexId v = 0; v < n; ++v)
      labels.push_back(label(random));
  }
  return graph_from_edges(n, edges, std::move(labels));
}

Graph house(Graph::Check check) {
  return Graph(kHouseOffsets, kHouseAdjacency, Orientation::undirected, {}, {}, check);
}

std::vector<VertexId> neighbours_of(const Graph& graph, VertexId v) {
  return as_vector(graph.neighbours(v));
}

std::vector<std::uint64_t> original_ids_of(const Graph& graph) {
  std::vector<std::uint64_t> ids;
  for (const VertexId v : graph.vertices())
    ids.push_back(graph.original_id(v));
  return ids;
}

void expect_same_graph(const Graph& actual, const Graph& expected) {
  EXPECT_EQ(actual.orientation(), expected.orientation());
  EXPECT_EQ(actual.num_vertices(), expected.num_vertices());
  EXPECT_EQ(actual.num_edges(), expected.num_edges());
  EXPECT_EQ(as_vector(actual.offsets()), as_vector(expected.offsets()));
  EXPECT_EQ(as_vector(actual.adjacency()), as_vector(expected.adjacency()));
  EXPECT_EQ(as_vector(actual.labels()), as_vector(expected.labels()));
  EXPECT_EQ(as_vector(actual.original_ids()), as_vector(expected.original_ids()));
}

std::vector<std::string> temporary_files(const std::filesystem::path& folder) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(folder)) {
    const std::string name = entry.path().filename().string();
    if (name.find(".graphmini-") != std::string::npos && name.ends_with(".tmp"))
      names.push_back(name);
  }
  return names;
}

}  // namespace graphmini::testing
