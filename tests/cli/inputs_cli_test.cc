// Inputs of every kind, as a hostile tester feeds them: pipes, standard input, process
// substitution and FIFOs give the same answers as the file, for graphs, patterns and dataset
// folders; empty and truncated compressed or binary files are errors; newline-free input and
// decompression bombs fail with one line in bounded memory; messages quote input shortened
// and escaped; a pattern's name is never replaced by a file of that name.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cli/cli_fixture.h"
#include "support/test_support.h"

namespace graphmini {
namespace {

using testing::CliResult;
using testing::CliTest;
using testing::MeasuredResult;

class InputsCliTest : public CliTest {
 protected:
  // Erdős–Rényi with 3,000 vertices and 50,000 edges: about 6,000 triangles, and a file of
  // 550 KB, far more than the 64 KiB that format detection looks at.
  static constexpr const char* kGraph = "er:vertices=3000,edges=50000,seed=3";

  // Writes the graph to g.txt (and returns its triangle count as printed).
  std::string write_graph() {
    const CliResult generated =
        run("data convert " + std::string(kGraph) + " " + (files_ / "g.txt").string());
    EXPECT_EQ(generated.exit_code, 0) << generated.err;
    const CliResult counted = run("count -g " + (files_ / "g.txt").string() + " -p triangle");
    EXPECT_EQ(counted.exit_code, 0) << counted.err;
    return counted.out;
  }
};

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    lines.push_back(line);
  return lines;
}

TEST_F(InputsCliTest, EveryKindOfInputCountsLikeTheFile) {
  const std::string expected = write_graph();
  std::string digits = expected;
  std::erase(digits, ',');
  ASSERT_GT(std::stoi(digits), 1000) << expected;
  const CliResult result = script(R"sh(
    count() { "$G" count -p triangle "$@" 2>/dev/null; }
    cat g.txt | count -g /dev/stdin
    cat g.txt | count -g -
    count -g - < g.txt
    count -g <(cat g.txt)
    gzip -c g.txt > g.txt.gz
    count -g <(cat g.txt.gz)
    gzip -c g.txt | count -g -
    mkfifo fifo; cat g.txt > fifo & count -g fifo; wait
    "$G" data convert g.txt g.gmg > /dev/null
    cat g.gmg | count -g -
    mkfifo fifo2; gzip -c g.gmg > fifo2 & count -g fifo2; wait
  )sh");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const std::vector<std::string> counts = split_lines(result.out);
  ASSERT_EQ(counts.size(), 9u) << result.out;
  for (const std::string& count : counts)
    EXPECT_EQ(count + "\n", expected);
}

// The other text formats detect themselves from the same peeked bytes.
TEST_F(InputsCliTest, MatrixMarketAndLabelledGraphsReadThroughPipes) {
  files_.write("g.mtx",
               "%%MatrixMarket matrix coordinate pattern symmetric\n4 4 4\n2 1\n3 1\n3 2\n4 3\n");
  files_.write("g.lg", "t # 0\nv 0 1\nv 1 1\nv 2 2\nv 3 1\ne 0 1\ne 1 2\ne 2 0\ne 2 3\n");
  const CliResult result = script(R"sh(
    for f in g.mtx g.lg; do
      "$G" count -g $f -p wedge 2>/dev/null
      cat $f | "$G" count -g - -p wedge 2>/dev/null
      "$G" data info <(cat $f) --json | grep '"format"'
    done
  )sh");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "5\n5\n  \"format\": \"matrix-market\",\n5\n5\n  \"format\": \"lg\",\n");
}

TEST_F(InputsCliTest, PatternFilesAndDatasetFilesReadThroughPipes) {
  const std::string expected = write_graph();
  const CliResult patterns = script(R"sh(
    "$G" count -g g.txt -p <(printf '0 1\n1 2\n2 0\n') 2>/dev/null
    printf '0 1\n1 2\n2 0\n' | "$G" count -g g.txt -p - 2>/dev/null
  )sh");
  ASSERT_EQ(patterns.exit_code, 0) << patterns.err;
  EXPECT_EQ(patterns.out, expected + expected);

  // A dataset folder whose edge file is a FIFO reads the same dataset.
  ASSERT_EQ(
      run("data generate csbm --nodes 500 --features 8 -o " + (files_ / "ds").string()).exit_code,
      0);
  const CliResult datasets = script(R"sh(
    "$G" data info ds --json | grep '"edges"'
    mv ds/raw/edge.csv edges.csv; mkfifo ds/raw/edge.csv
    cat edges.csv > ds/raw/edge.csv & "$G" data info ds --json | grep '"edges"'; wait
  )sh");
  ASSERT_EQ(datasets.exit_code, 0) << datasets.err;
  const std::vector<std::string> edges = split_lines(datasets.out);
  ASSERT_EQ(edges.size(), 2u) << datasets.out;
  EXPECT_EQ(edges[0], edges[1]);
}

TEST_F(InputsCliTest, EmptyOrTruncatedBinaryAndCompressedInputsAreErrors) {
  write_graph();
  ASSERT_EQ(run("data convert " + (files_ / "g.txt").string() + " " + (files_ / "g.gmg").string())
                .exit_code,
            0);
  const std::string gmg = testing::read_file(files_ / "g.gmg");
  const std::string gz = testing::gzip(testing::read_file(files_ / "g.txt"));
  struct Case {
    const char* name;
    std::string bytes;
    const char* message;
  };
  for (const Case& c : std::vector<Case>{
           {"empty.gmg", "", "truncated: 0 bytes is shorter than a .gmg header"},
           {"half.gmg", gmg.substr(0, gmg.size() / 2), "truncated"},
           {"empty.txt.gz", "", "empty file; a .gz file holds gzip data"},
           {"half.txt.gz", gz.substr(0, gz.size() / 2), "the gzip data is truncated"},
           {"trailer.txt.gz", gz.substr(0, gz.size() - 4), "the gzip data is truncated"},
       }) {
    const auto path = files_.write(c.name, c.bytes);
    const CliResult result = run("count -g " + path.string() + " -p triangle");
    EXPECT_EQ(result.exit_code, 1) << c.name << ": " << result.out;
    EXPECT_EQ(lines(result.err), 1) << c.name << ": " << result.err;
    EXPECT_NE(result.err.find(c.message), std::string::npos) << c.name << ": " << result.err;
    EXPECT_EQ(result.out, "") << c.name;
  }
}

// Before, `data info /dev/zero` grew to 2.4 GB in 20 s, `-p /dev/zero` to 6 GB, and a 4 MB
// gzip bomb needed more than 6 GB.
TEST_F(InputsCliTest, NewlineFreeInputsAndBombsFailInBoundedMemory) {
  constexpr std::uint64_t kBound = std::uint64_t{1} << 30;
  const MeasuredResult zeros = run_measured({"data", "info", "/dev/zero"});
  EXPECT_EQ(zeros.exit_code, 1);
  EXPECT_NE(zeros.err.find("/dev/zero:1: line is longer than 16 MiB"), std::string::npos)
      << zeros.err;
  EXPECT_LT(zeros.peak_rss_bytes, kBound);

  write_graph();
  const MeasuredResult pattern =
      run_measured({"count", "-g", (files_ / "g.txt").string(), "-p", "/dev/zero"});
  EXPECT_EQ(pattern.exit_code, 1);
  EXPECT_NE(pattern.err.find("a pattern file is longer than"), std::string::npos) << pattern.err;
  EXPECT_LT(pattern.peak_rss_bytes, kBound);

  // 256 MB of zeros and 256 MB of one repeated edge, each gzip'd to about 250 KB.
  std::string text(std::size_t{256} << 20, '\0');
  files_.write("zeros.gz", testing::gzip(text));
  for (std::size_t i = 0; i < text.size(); i += 4)
    text.replace(i, 4, "1 2\n");
  files_.write("edges.txt.gz", testing::gzip(text));
  text.clear();
  text.shrink_to_fit();
  for (const char* bomb : {"zeros.gz", "edges.txt.gz"}) {
    const MeasuredResult result = run_measured({"data", "info", (files_ / bomb).string()});
    EXPECT_EQ(result.exit_code, 1) << bomb;
    EXPECT_EQ(lines(result.err), 1) << result.err;
    EXPECT_LT(result.peak_rss_bytes, kBound) << bomb;
    if (std::string(bomb) == "edges.txt.gz") {
      EXPECT_NE(result.err.find("refusing it as a likely decompression bomb"), std::string::npos)
          << result.err;
    }
  }
}

TEST_F(InputsCliTest, MessagesQuoteInputShortenedWithControlCharactersEscaped) {
  write_graph();
  const auto huge = files_.write("huge.txt", "1 2\n3 " + std::string(10 << 20, '7') + "x\n");
  const CliResult long_token = run("count -g " + huge.string() + " -p triangle");
  EXPECT_EQ(long_token.exit_code, 1);
  EXPECT_EQ(lines(long_token.err), 1);
  EXPECT_LT(long_token.err.size(), 300u) << long_token.err.substr(0, 300);
  EXPECT_NE(long_token.err.find("...' (10485761 bytes)"), std::string::npos) << long_token.err;

  const auto escape = files_.write("escape.txt", "1 2\n3 \x1b[31mred\x07\n");
  const CliResult escaped = run("count -g " + escape.string() + " -p triangle");
  EXPECT_EQ(escaped.exit_code, 1);
  EXPECT_EQ(escaped.err.find('\x1b'), std::string::npos) << "an escape reached the terminal";
  EXPECT_NE(escaped.err.find("'\\x1b[31mred\\x07'"), std::string::npos) << escaped.err;

  // In names as in contents, and in command-line values.
  const CliResult name = script("\"$G\" count -g $'\\e[1mbold' -p triangle");
  EXPECT_EQ(name.exit_code, 1);
  EXPECT_NE(name.err.find("cannot open '\\x1b[1mbold'"), std::string::npos) << name.err;
  const CliResult value = script("\"$G\" count -g g.txt -p $'\\e]0;title\\a'");
  EXPECT_EQ(value.exit_code, 2);
  EXPECT_EQ(value.err.find('\x1b'), std::string::npos) << value.err;
}

// One rule: an argument is a pattern file exactly when it holds a '/' or is "-".
TEST_F(InputsCliTest, APatternsNameIsNeverReplacedByAFileOfThatName) {
  const std::string triangles = write_graph();
  files_.write("triangle", "0 1\n1 2\n");  // a wedge
  const CliResult result = script(R"sh(
    "$G" count -g g.txt -p triangle 2>/dev/null
    "$G" count -g g.txt -p wedge 2>/dev/null
    "$G" count -g g.txt -p ./triangle 2>/dev/null
  )sh");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const std::vector<std::string> counts = split_lines(result.out);
  ASSERT_EQ(counts.size(), 3u);
  EXPECT_EQ(counts[0] + "\n", triangles);
  EXPECT_EQ(counts[2], counts[1]);
  const CliResult help = run("count --help");
  EXPECT_NE(help.out.find("read as a file exactly when it contains a '/'"), std::string::npos);
}

// A stray label made a million empty classes (27 s, 4.2 GB, exit 0); a test node without a
// class counted as a wrong prediction.
TEST_F(InputsCliTest, LabelsOutsideTheClassSetAreRefused) {
  ASSERT_EQ(
      run("data generate csbm --nodes 300 --classes 7 --features 4 -o " + (files_ / "ds").string())
          .exit_code,
      0);
  std::vector<std::string> labels =
      split_lines(testing::read_file(files_ / "ds" / "raw" / "node-label.csv"));
  labels[1] = "1000000";
  std::string text;
  for (const std::string& label : labels)
    text += label + "\n";
  files_.write("ds/raw/node-label.csv", text);
  const MeasuredResult stray = run_measured({"data", "info", (files_ / "ds").string()});
  EXPECT_EQ(stray.exit_code, 1);
  EXPECT_NE(stray.err.find("node-label.csv:2: label 1000000 leaves class"), std::string::npos)
      << stray.err;
  EXPECT_LT(stray.peak_rss_bytes, std::uint64_t{1} << 30);

  files_.write("cora/cora.content", "a\t1\t0\tX\nb\t0\t1\tY\nc\t1\t1\tX\n");
  files_.write("cora/cora.cites", "a\tb\nb\tc\nc\tghost\n");
  files_.write("cora/cora.planetoid-split.tsv", "a\ttrain\nb\tval\nghost\ttest\n");
  const CliResult ghost = run("gnn train -d " + (files_ / "cora").string() + " --epochs 1");
  EXPECT_EQ(ghost.exit_code, 1);
  EXPECT_NE(ghost.err.find("cora.planetoid-split.tsv:3: paper id 'ghost' has no class"),
            std::string::npos)
      << ghost.err;
}

}  // namespace
}  // namespace graphmini
