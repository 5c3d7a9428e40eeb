#include "support/truth_files.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <fstream>
#include <set>
#include <string_view>
#include <utility>

#include "runtime/error.h"

namespace graphmini::testing {
namespace {

using Pair = std::pair<std::uint64_t, std::uint64_t>;  // (smaller, larger)

class LineParser {
 public:
  LineParser(std::string_view text, const std::filesystem::path& path, std::uint64_t line)
      : text_(text), path_(path), line_(line) {}

  TruthEntry parse() {
    std::vector<Pair> edges;
    std::set<Pair> seen;
    std::uint64_t non_edges = 0;
    std::uint64_t size = 0;
    while (at_ < text_.size() && (text_[at_] == '[' || text_[at_] == '(')) {
      const bool is_edge = text_[at_] == '[';
      ++at_;
      const std::uint64_t a = vertex();
      expect(is_edge ? '-' : '~');
      const std::uint64_t b = vertex();
      expect(is_edge ? ']' : ')');
      const std::string pair = describe(is_edge, a, b);
      if (a == b) fail("self-loop " + pair);
      const Pair key = std::minmax(a, b);
      if (!seen.insert(key).second) fail("pair " + pair + " listed twice");
      size = std::max(size, key.second);
      if (is_edge) {
        edges.push_back(key);
      } else {
        ++non_edges;
      }
    }
    if (edges.empty()) fail("expected a pattern edge \"[a-b]\" at the start of the line");
    if (at_ == text_.size() || !is_blank(text_[at_])) {
      fail("expected a blank and the count after the pattern, found " + rest());
    }
    skip_blanks();
    const std::uint64_t count = number("count");
    skip_blanks();
    if (at_ != text_.size()) fail("unexpected text after the count: " + rest());

    std::set<std::uint64_t> on_edges;
    for (const auto& [a, b] : edges) {
      on_edges.insert(a);
      on_edges.insert(b);
    }
    if (on_edges.size() != size) {
      fail("the vertices on edges must be exactly 1.." + std::to_string(size) + ", but " +
           std::to_string(on_edges.size()) + " of them are");
    }
    // A vertex-induced line lists every non-adjacent pair; a partial list is ambiguous.
    const std::uint64_t pairs = size * (size - 1) / 2;
    if (non_edges != 0 && edges.size() + non_edges != pairs) {
      fail(std::to_string(edges.size()) + " edges and " + std::to_string(non_edges) +
           " non-edges leave some of the " + std::to_string(pairs) + " pairs of " +
           std::to_string(size) + " vertices unlisted");
    }

    TruthEntry entry{"", count};
    for (const auto& [a, b] : edges) {
      if (!entry.edge_list.empty()) entry.edge_list += ',';
      entry.edge_list += std::to_string(a - 1) + "-" + std::to_string(b - 1);
    }
    return entry;
  }

 private:
  static bool is_blank(char c) { return c == ' ' || c == '\t'; }

  static std::string describe(bool is_edge, std::uint64_t a, std::uint64_t b) {
    return is_edge ? "[" + std::to_string(a) + "-" + std::to_string(b) + "]"
                   : "(" + std::to_string(a) + "~" + std::to_string(b) + ")";
  }

  [[noreturn]] void fail(const std::string& message) const {
    throw ParseError(path_.string(), line_, message);
  }

  std::string rest() const {
    if (at_ == text_.size()) return "the end of the line";
    return "\"" + std::string(text_.substr(at_, 20)) + "\"";
  }

  void skip_blanks() {
    while (at_ < text_.size() && is_blank(text_[at_]))
      ++at_;
  }

  void expect(char c) {
    if (at_ == text_.size() || text_[at_] != c) {
      fail(std::string("expected '") + c + "', found " + rest());
    }
    ++at_;
  }

  std::uint64_t number(const char* what) {
    std::uint64_t value = 0;
    const char* begin = text_.data() + at_;
    const char* end = text_.data() + text_.size();
    const auto [stop, error] = std::from_chars(begin, end, value);
    if (error == std::errc::result_out_of_range) fail(std::string(what) + " out of range");
    if (error != std::errc() || stop == begin) {
      fail(std::string("expected a ") + what + ", found " + rest());
    }
    at_ += static_cast<std::size_t>(stop - begin);
    return value;
  }

  std::uint64_t vertex() {
    const std::uint64_t v = number("vertex number");
    if (v == 0) fail("vertex 0 (vertices are numbered from 1)");
    return v;
  }

  std::string_view text_;
  std::size_t at_ = 0;
  const std::filesystem::path& path_;
  std::uint64_t line_;
};

}  // namespace

std::vector<TruthEntry> read_truth_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError("cannot open", path.string(), errno);
  std::vector<TruthEntry> entries;
  std::string text;
  for (std::uint64_t line = 1; std::getline(in, text); ++line) {
    if (!text.empty() && text.back() == '\r') text.pop_back();
    if (text.find_first_not_of(" \t") == std::string::npos) continue;
    entries.push_back(LineParser(text, path, line).parse());
  }
  if (in.bad()) throw IoError("cannot read", path.string(), errno);
  return entries;
}

}  // namespace graphmini::testing
