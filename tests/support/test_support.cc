#include "support/test_support.h"

#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

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

}  // namespace graphmini::testing
