// Numeric settings at their limits and beyond. The walk finds every numeric option of every
// command from its --help line, where the option states its range; it then gives each option
// values just outside that range and the values that used to slip through ("-1" wrapping to
// 2^64 - 1, 2^64 saturating, nan, inf, an empty value), and expects one usage-error line that
// names the option. An option that states no range fails the walk, so a new one cannot be
// added without one, and a command that --help lists but the walk does not fails too. Then the
// settings that cannot train, and a resume on other data.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "cli/cli_fixture.h"
#include "support/test_support.h"

namespace graphmini {
namespace {

using testing::CliResult;
using testing::CliTest;

// The names listed under a --help text's heading ("Subcommands:", "Positionals:").
std::vector<std::string> section(const std::string& help, const std::string& heading) {
  std::vector<std::string> names;
  std::istringstream in(help);
  bool inside = false;
  for (std::string line; std::getline(in, line);) {
    if (line == heading) {
      inside = true;
    } else if (inside && line.empty()) {
      break;
    } else if (inside && line.size() > 2 && line[2] != ' ') {
      names.push_back(line.substr(2, line.find(' ', 2) - 2));
    }
  }
  return names;
}

struct NumericOption {
  std::string name;  // the long name, "--layers"
  bool integral;
  std::string min;
  std::string max;
};

// A decimal integer plus or minus one, as text (for 2^64 - 1 + 1).
std::string step(const std::string& number, int by) {
  if (by < 0 && number == "0") return "-1";
  std::string digits = number;
  int i = static_cast<int>(digits.size()) - 1;
  if (by > 0) {
    while (i >= 0 && digits[i] == '9')
      digits[i--] = '0';
    if (i < 0) return "1" + digits;
    ++digits[i];
  } else {
    while (digits[i] == '0')
      digits[i--] = '9';
    --digits[i];
    if (digits.size() > 1 && digits[0] == '0') digits.erase(0, 1);
  }
  return digits;
}

// A number just below `min` or just above `max`.
std::string outside(const NumericOption& option, bool below) {
  if (option.integral) return step(below ? option.min : option.max, below ? -1 : 1);
  const long double value = std::stold(below ? option.min : option.max);
  const long double margin = value == 0 ? 1 : std::abs(value) / 2;
  std::ostringstream text;
  text.precision(10);
  text << (below ? value - margin : value + margin);
  return text.str();
}

class OptionsCliTest : public CliTest {
 protected:
  std::string help(const std::string& command) const {
    const CliResult result = run(command + " --help");
    EXPECT_EQ(result.exit_code, 0) << command;
    return result.out;
  }

  // Every command that does something: those without subcommands.
  void leaf_commands(const std::string& command, std::vector<std::string>& found) const {
    const std::vector<std::string> subcommands = section(help(command), "Subcommands:");
    if (subcommands.empty() && !command.empty()) found.push_back(command);
    for (const std::string& name : subcommands)
      leaf_commands(command.empty() ? name : command + " " + name, found);
  }

  // The numeric options of `command`, from its --help text, where each states its range.
  std::vector<NumericOption> numeric_options(const std::string& text,
                                             const std::string& command) const {
    const std::regex numeric_line(
        R"(^\s+(?:-\w,)?(--[\w-]+) (INT|NUMBER)(,\.\.\.)?(?:=\S+)?(.*)$)");
    const std::regex range(R"(\[(-?[\d.e+-]+), (-?[\d.e+-]+)\]$)");
    std::istringstream help_lines(text);
    std::vector<std::string> lines;  // each option's line, joined with a wrapped description
    for (std::string line; std::getline(help_lines, line);) {
      if (line.starts_with("                  ") && !lines.empty()) {
        lines.back() += " " + line.substr(line.find_first_not_of(' '));
      } else {
        lines.push_back(line);
      }
    }
    std::vector<NumericOption> options;
    for (const std::string& line : lines) {
      std::smatch match;
      if (!std::regex_match(line, match, numeric_line)) continue;
      const std::string rest = match[4].str();
      std::smatch bounds;
      const std::string trimmed = rest.substr(0, rest.find_last_not_of(' ') + 1);
      EXPECT_TRUE(std::regex_search(trimmed, bounds, range))
          << command << " " << match[1] << " states no range: " << line;
      if (bounds.empty()) continue;
      options.push_back({match[1], match[2] == "INT", bounds[1], bounds[2]});
    }
    return options;
  }
};

// The commands that the walk below checks, one test each so that ctest runs them side by side.
const std::vector<std::string> kLeafCommands = {"data info",
                                                "data convert",
                                                "data generate kron",
                                                "data generate er",
                                                "data generate csbm",
                                                "count",
                                                "list",
                                                "motifs",
                                                "explain",
                                                "compile",
                                                "verify",
                                                "gnn train",
                                                "gnn compare"};

// The walk covers every command --help lists, and finds the options it must have (so that a
// change of --help's layout cannot make it pass by finding nothing).
TEST_F(OptionsCliTest, TheNumericOptionWalkCoversEveryCommand) {
  std::vector<std::string> commands;
  leaf_commands("", commands);
  EXPECT_EQ(std::set<std::string>(commands.begin(), commands.end()),
            std::set<std::string>(kLeafCommands.begin(), kLeafCommands.end()))
      << "a command was added or removed: update kLeafCommands";
  std::map<std::string, std::set<std::string>> walked;
  std::size_t total = 0;
  for (const std::string& command : kLeafCommands) {
    for (const NumericOption& option : numeric_options(help(command), command)) {
      walked[command].insert(option.name);
      ++total;
    }
  }
  EXPECT_TRUE(walked["gnn train"].contains("--layers"));
  EXPECT_TRUE(walked["gnn train"].contains("--fanouts"));
  EXPECT_TRUE(walked["gnn train"].contains("--seed"));
  EXPECT_TRUE(walked["gnn train"].contains("--clusters-per-batch"));
  EXPECT_TRUE(walked["gnn compare"].contains("--target"));
  EXPECT_TRUE(walked["list"].contains("--limit"));
  EXPECT_TRUE(walked["motifs"].contains("--size"));
  EXPECT_TRUE(walked["data generate kron"].contains("--edge-factor"));
  EXPECT_TRUE(walked["data generate csbm"].contains("--homophily"));
  EXPECT_GE(total, 50u);
}

class NumericOptionsCliTest : public OptionsCliTest,
                              public ::testing::WithParamInterface<std::string> {};

TEST_P(NumericOptionsCliTest, RefuseValuesOutsideTheirRange) {
  const std::string& command = GetParam();
  const std::string text = help(command);
  // Dummy values for what the command requires; a numeric value that is wrongly accepted
  // then fails later with another message (a missing file), which the checks catch.
  std::string required;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    std::smatch match;
    if (line.find("REQUIRED") != std::string::npos &&
        std::regex_search(line, match, std::regex(R"((--[\w-]+))"))) {
      required += " " + match[1].str() + " missing";
    }
  }
  for (std::size_t i = 0; i < section(text, "Positionals:").size(); ++i)
    required += " missing" + std::to_string(i);

  for (const NumericOption& option : numeric_options(text, command)) {
    // Integers: "-1" used to wrap to 2^64 - 1, 2^64 to saturate; numbers: nan and inf.
    // A set: the value just outside is often "-1" or 2^64 itself (each run is a process).
    const std::set<std::string> values =
        option.integral ? std::set<std::string>{outside(option, true), outside(option, false), "-1",
                                                "18446744073709551616", ""}
                        : std::set<std::string>{outside(option, true), outside(option, false),
                                                "nan", "inf", ""};
    for (const std::string& value : values) {
      const CliResult result = run(command + required + " " + option.name + " '" + value + "'");
      EXPECT_EQ(result.exit_code, 2) << command << " " << option.name << " '" << value << "'";
      EXPECT_EQ(lines(result.err), 1) << result.err;
      EXPECT_NE(result.err.find(option.name), std::string::npos)
          << command << " " << option.name << " '" << value << "': " << result.err;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(EveryCommand, NumericOptionsCliTest, ::testing::ValuesIn(kLeafCommands),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param;
                           std::replace(name.begin(), name.end(), ' ', '_');
                           return name;
                         });

// The same checks in generator specs, which name a graph wherever a file would.
TEST_F(OptionsCliTest, GeneratorSpecsCheckTheirRangesToo) {
  for (const char* spec :
       {"kron:scale=-1", "kron:scale=40", "kron:edge_factor=0", "er:vertices=0",
        "csbm:homophily=nan", "csbm:features=-1", "csbm:seed=-1", "kron:a=inf"}) {
    const CliResult result = run(std::string("data info ") + spec);
    EXPECT_EQ(result.exit_code, 2) << spec;
    EXPECT_EQ(lines(result.err), 1) << result.err;
    EXPECT_NE(result.err.find("generator parameter"), std::string::npos) << result.err;
  }
  // Sizes that pass their ranges but cannot fit this machine are refused before allocating.
  const CliResult huge = run("data info kron:scale=31,edge_factor=65536");
  EXPECT_EQ(huge.exit_code, 1);
  EXPECT_NE(huge.err.find("of memory of this machine"), std::string::npos) << huge.err;
}

// The memory cgroup this process runs in, as a folder (v1's memory hierarchy or v2's, where
// it is mounted at the usual place), or an empty path.
std::filesystem::path own_memory_cgroup() {
  std::ifstream in("/proc/self/cgroup");
  for (std::string line; std::getline(in, line);) {
    const auto first = line.find(':'), second = line.find(':', first + 1);
    const std::string controllers = line.substr(first + 1, second - first - 1);
    const std::string path = line.substr(second + 1);
    for (const auto& [folder, limit] :
         {std::pair{std::filesystem::path("/sys/fs/cgroup/memory"), "memory.limit_in_bytes"},
          std::pair{std::filesystem::path("/sys/fs/cgroup"), "memory.max"}}) {
      const bool v2 = std::string(limit) == "memory.max";
      const bool matches = v2 ? line.starts_with("0::")
                              : ("," + controllers + ",").find(",memory,") != std::string::npos;
      const auto cgroup = folder / std::filesystem::path(path).relative_path();
      if (matches && std::filesystem::exists(cgroup / limit)) return cgroup;
    }
  }
  return {};
}

// Under a cgroup memory limit (a container's, a systemd service's) work that cannot fit is
// refused up front with one line naming the limit, not killed by the kernel part way through.
TEST_F(OptionsCliTest, WorkOverTheCgroupMemoryLimitIsRefusedUpFront) {
  const std::filesystem::path parent = own_memory_cgroup();
  const std::filesystem::path cgroup = parent / ("graphmini-test-" + std::to_string(::getpid()));
  std::error_code error;
  if (parent.empty() || !std::filesystem::create_directory(cgroup, error)) {
    GTEST_SKIP() << "no memory cgroup can be made here (" << parent << ": " << error.message()
                 << "); the unit tests of cgroup_memory_limit read made-up ones";
  }
  const bool v1 = std::filesystem::exists(cgroup / "memory.limit_in_bytes");
  const auto limit_file = cgroup / (v1 ? "memory.limit_in_bytes" : "memory.max");
  std::ofstream(limit_file) << (256 << 20);
  const CliResult result = script("echo $$ > '" + (cgroup / "cgroup.procs").string() +
                                  "' && exec \"$G\" data convert kron:scale=22 graph.gmg");
  std::filesystem::remove(cgroup, error);
  EXPECT_EQ(result.exit_code, 1) << result.err;
  EXPECT_EQ(lines(result.err), 1) << result.err;
  EXPECT_NE(result.err.find("more than the 256 MiB memory limit of this process's cgroup (" +
                            limit_file.string() + ")"),
            std::string::npos)
      << result.err;
  EXPECT_FALSE(std::filesystem::exists(files_ / "graph.gmg"));
}

// Degenerate training used to report success: --lr inf or a NaN loss exited 0 with an
// accuracy, --epochs 0 reported "test 0.00%", --checkpoint-every 0 never wrote.
TEST_F(OptionsCliTest, SettingsThatCannotTrainAreRefusedAndADivergedRunFails) {
  constexpr const char* kDataset =
      "-d csbm:nodes=300,classes=3,avg_degree=6,features=8,homophily=0.9,seed=2 --threads 1";
  for (const char* settings : {"--lr inf", "--lr nan", "--epochs 0", "--checkpoint-every 0",
                               "--dropout 1", "--layers -1", "--clusters-per-batch -1"}) {
    const CliResult result = run(std::string("gnn train ") + kDataset + " " + settings);
    EXPECT_EQ(result.exit_code, 2) << settings;
    EXPECT_EQ(result.out, "") << settings;
  }
  // Features of size 1e6 and the largest learning rate blow the weights up within an epoch or
  // two: the run stops with an error instead of reporting an accuracy.
  const CliResult diverged =
      run("gnn train -d csbm:nodes=300,classes=3,features=8,signal=1000000,seed=2 --raw-features "
          "--lr 10 --optimizer sgd --epochs 50 --json");
  EXPECT_EQ(diverged.exit_code, 1) << diverged.out;
  EXPECT_EQ(diverged.out, "");
  EXPECT_NE(diverged.err.find("training diverged: the loss is"), std::string::npos) << diverged.err;
}

// A checkpoint of a run on another csbm seed has every shape of this one; it used to be
// resumed and train on from parameters fitted to other data.
TEST_F(OptionsCliTest, ResumeRefusesACheckpointOfOtherData) {
  const auto checkpoint = (files_ / "run.ckpt").string();
  const std::string run_on = "gnn train --threads 1 --checkpoint " + checkpoint +
                             " -d csbm:nodes=300,classes=3,features=8,seed=";
  ASSERT_EQ(run(run_on + "1 --epochs 4").exit_code, 0);
  const CliResult other = run(run_on + "2 --epochs 8 --resume");
  EXPECT_EQ(other.exit_code, 1);
  EXPECT_EQ(lines(other.err), 1) << other.err;
  EXPECT_NE(other.err.find("checkpoint of a run on other data (checkpoint vs this data: graph "),
            std::string::npos)
      << other.err;
  EXPECT_EQ(run(run_on + "1 --epochs 8 --resume").exit_code, 0);
}

}  // namespace
}  // namespace graphmini
