// Outputs of every kind, as a hostile tester points them: devices, FIFOs, links and "-" are
// written through and never replaced; new files follow the umask and replaced ones keep their
// mode; a full disk, a closed or broken standard output fail the command; signals leave no
// temporary file, and a SIGKILL's leftovers go at the next write; multi-file outputs appear
// whole or not at all; the log survives a killed run.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

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

constexpr const char* kGraph = "kron:scale=9,edge_factor=8";
constexpr const char* kDataset =
    "csbm:nodes=300,classes=3,avg_degree=6,features=8,homophily=0.9,seed=2";

// Names of graphmini's temporary files and folders in `folder`.
std::vector<std::string> temporaries(const std::filesystem::path& folder) {
  std::vector<std::string> found;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(folder)) {
    const std::string name = entry.path().filename().string();
    if (name.find(".graphmini-") != std::string::npos) found.push_back(name);
  }
  return found;
}

mode_t mode_of(const std::filesystem::path& path) {
  struct stat status {};
  ::stat(path.c_str(), &status);
  return status.st_mode & 07777;
}

// Every command that writes a file, written through a link, into a FIFO and to a device: the
// link stays a link (its target written), the FIFO's reader gets the output, the device stays
// a device. As root, the old code replaced /dev/null with a regular file.
TEST_F(CliTest, DevicesFifosAndLinksAreWrittenThroughNeverReplaced) {
  const auto device = files_ / "null";
  const bool own_device = ::mknod(device.c_str(), S_IFCHR | 0666, makedev(1, 3)) == 0;
  // Without a device of our own (not root), /dev/null itself: then it cannot be replaced.
  const std::string null = own_device ? device.string() : "/dev/null";
  std::filesystem::create_directory(files_ / "real");
  const CliResult result = script(R"sh(
    set -e
    NULL=')sh" + null + R"sh('
    G_() { "$G" "$@" > /dev/null 2>&1; }
    g=)sh" + std::string(kGraph) + R"sh(
    d=)sh" + std::string(kDataset) +
                                  R"sh(
    for target in list compile convert generate checkpoint log compare; do
      case $target in
        list) run() { G_ list -g $g -p triangle --limit 100 -o "$1"; } ;;
        compile) run() { G_ compile -p house -o "$1"; } ;;
        convert) run() { G_ data convert $g "$1" --format edge-list; } ;;
        generate) run() { G_ data generate er --vertices 50 --edges 100 -o "$1" --format gmg; } ;;
        checkpoint) run() { G_ gnn train -d $d --epochs 1 --checkpoint "$1"; } ;;
        log) run() { G_ gnn train -d $d --epochs 2 --log "$1"; } ;;
        compare) run() { G_ gnn compare -d $d --epochs 2 --methods full --out "$1"; } ;;
      esac
      if [ $target = compare ]; then
        mkdir cmp; ln -s cmp out-link; run out-link
        [ -L out-link ] && [ -f cmp/comparison.json ] && echo "$target folder link"
        continue
      fi
      run "$NULL"; [ -c "$NULL" ] && echo "$target device"
      touch real/$target; ln -s real/$target link-$target; run link-$target
      [ -L link-$target ] && [ -s real/$target ] && echo "$target link"
      mkfifo fifo-$target; cat fifo-$target > got-$target & run fifo-$target; wait
      [ -p fifo-$target ] && [ -s got-$target ] && echo "$target fifo"
    done
    "$G" list -g $g -p triangle --limit 100 -o - 2>/dev/null | wc -l
  )sh");
  EXPECT_EQ(result.exit_code, 0) << result.err << result.out;
  std::string expected;
  for (const char* target : {"list", "compile", "convert", "generate", "checkpoint", "log"})
    expected += std::string(target) + " device\n" + target + " link\n" + target + " fifo\n";
  expected += "compare folder link\n100\n";
  EXPECT_EQ(result.out, expected);
  EXPECT_TRUE(temporaries(files_.path()).empty());
}

TEST_F(CliTest, NewFilesFollowTheUmaskAndReplacedFilesKeepTheirMode) {
  const CliResult result =
      script(R"sh(
    umask 077; "$G" data convert )sh" +
             std::string(kGraph) + R"sh( private.gmg > /dev/null
    umask 022; "$G" data convert )sh" +
             std::string(kGraph) + R"sh( shared.gmg > /dev/null
    umask 022; "$G" gnn train -d )sh" +
             std::string(kDataset) + R"sh( --epochs 1 --checkpoint run.ckpt > /dev/null
    chmod 600 run.ckpt
    "$G" gnn train -d )sh" +
             std::string(kDataset) + R"sh( --epochs 2 --checkpoint run.ckpt --resume > /dev/null
  )sh");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(mode_of(files_ / "private.gmg"), 0600u);
  EXPECT_EQ(mode_of(files_ / "shared.gmg"), 0644u);
  EXPECT_EQ(mode_of(files_ / "run.ckpt"), 0600u) << "a private checkpoint became readable";
}

// Standard output that cannot be written fails the command, where it used to exit 0 (and
// `list` reported the matches as listed).
TEST_F(CliTest, StandardOutputThatCannotBeWrittenFailsTheCommand) {
  if (!std::filesystem::is_character_file("/dev/full")) GTEST_SKIP() << "no /dev/full";
  const std::string g = kGraph;
  for (const std::string& command : std::vector<std::string>{
           "list -g " + g + " -p triangle", "count -g " + g + " -p triangle", "data info " + g,
           "--help", "compile -p house", "list -g " + g + " -p triangle -o -"}) {
    for (const char* redirect : {"> /dev/full", ">&-"}) {
      const CliResult result = script("\"$G\" " + command + " " + redirect);
      EXPECT_EQ(result.exit_code, 1) << command << " " << redirect;
      EXPECT_EQ(result.err.find("listed"), std::string::npos) << command << ": " << result.err;
      EXPECT_NE(result.err.find("graphmini: error: cannot write"), std::string::npos)
          << command << " " << redirect << ": " << result.err;
    }
  }
}

// With SIGPIPE ignored (as Python's subprocess and some shells leave it), `list | head -1`
// enumerated on for minutes; now the first failed write stops it. With SIGPIPE at its
// default the process ends by the signal, as every Unix filter does, and silently (the failed
// write does not also report an error).
TEST_F(CliTest, AClosedPipeStopsListingAtOnce) {
  const CliResult result = script(R"sh(
    list() { timeout 120 "$G" list -g kron:scale=10 -p P7 --induced vertex "$@"; }
    (trap '' PIPE; list | head -1 > /dev/null; echo "ignored ${PIPESTATUS[0]}")
    list 2>err | head -1 > /dev/null; echo "default ${PIPESTATUS[0]} $(wc -c < err)"
  )sh");
  EXPECT_EQ(result.out, "ignored 1\ndefault 141 0\n") << result.err;
  EXPECT_NE(result.err.find("cannot write 'standard output': Broken pipe"), std::string::npos)
      << result.err;
}

// The destination of a long write is interrupted while its temporary file or folder exists:
// SIGINT and SIGTERM remove it (one handler for every command); SIGKILL cannot, and the next
// write to the same destination removes what the killed process left.
TEST_F(CliTest, SignalsLeaveNoTemporaryFilesAndKilledLeftoversGoAtTheNextWrite) {
  const std::string generate =
      "\"$G\" data generate csbm --nodes 200000 --features 64 --seed 2 -o ds";
  const CliResult result = script(R"sh(
    set -m  # job control: background jobs keep SIGINT (a script's would ignore it)
    "$G" data generate csbm --nodes 500 --features 4 -o ds > /dev/null
    cp -r ds before
    for signal in INT TERM HUP KILL; do
      )sh" + generate + R"sh( > /dev/null 2>&1 &
      pid=$!
      # its own temporary folder (.ds.graphmini-HOST-PID-TAG.tmp), not one a killed run left
      until ls -a | grep -q "graphmini-.*-$pid-" || ! kill -0 $pid 2>/dev/null; do :; done
      kill -$signal $pid; wait $pid; echo "$signal $?"
      diff -r before ds > /dev/null && echo "$signal old dataset intact"
      ls -a | grep -c graphmini- || true
    done
    "$G" data generate csbm --nodes 500 --features 4 --seed 3 -o ds > /dev/null
    ls -a | grep -c graphmini- || true
  )sh");
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out,
            "INT 130\nINT old dataset intact\n0\n"
            "TERM 143\nTERM old dataset intact\n0\n"
            "HUP 129\nHUP old dataset intact\n0\n"
            "KILL 137\nKILL old dataset intact\n1\n"
            "0\n")
      << result.err;
}

// A write that fails part way (here a file-size limit, as a full disk would) fails the command
// with one line, leaves the file it was to replace as it was, and no temporary file.
TEST_F(CliTest, AFailedWriteKeepsTheOldFile) {
  const CliResult result = script(R"sh(
    "$G" data convert kron:scale=10 graph.gmg > /dev/null
    cp graph.gmg before.gmg
    (ulimit -f 64; "$G" data convert kron:scale=14 graph.gmg > /dev/null); echo "exit $?"
    cmp -s before.gmg graph.gmg && echo "old file intact"
    ls -a | grep -c graphmini- || true
  )sh");
  EXPECT_EQ(result.out, "exit 1\nold file intact\n0\n");
  EXPECT_NE(result.err.find("graphmini: error: cannot write 'graph.gmg': File too large"),
            std::string::npos)
      << result.err;
  EXPECT_EQ(lines(result.err), 1) << result.err;
}

// A regenerated dataset replaces the old one whole: no split of it survives, and --split picks
// among those that are there.
TEST_F(CliTest, DatasetsAreReplacedWholeAndSplitsPickedByName) {
  const auto ds = (files_ / "ds").string();
  ASSERT_EQ(run("data generate csbm --nodes 300 --features 4 -o " + ds).exit_code, 0);
  std::filesystem::create_directories(files_ / "ds" / "split" / "old");
  files_.write("ds/split/old/train.csv", "0\n");
  files_.write("ds/split/old/valid.csv", "1\n");
  files_.write("ds/split/old/test.csv", "2\n");
  const CliResult ambiguous = run("gnn train -d " + ds + " --epochs 1");
  EXPECT_EQ(ambiguous.exit_code, 2);
  EXPECT_NE(ambiguous.err.find("holds several splits (generated, old)"), std::string::npos)
      << ambiguous.err;
  EXPECT_EQ(run("gnn train -d " + ds + " --epochs 1 --split generated").exit_code, 0);
  const CliResult info = run("data info " + ds + " --split old --json");
  ASSERT_EQ(info.exit_code, 0) << info.err;
  EXPECT_EQ(nlohmann::json::parse(info.out)["node_data"]["split"]["train"], 1);
  const CliResult missing = run("gnn train -d " + ds + " --split nope");
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("no split 'nope'"), std::string::npos) << missing.err;

  ASSERT_EQ(run("data generate csbm --nodes 300 --features 4 --seed 9 -o " + ds).exit_code, 0);
  EXPECT_FALSE(std::filesystem::exists(files_ / "ds" / "split" / "old"));
  EXPECT_EQ(run("gnn train -d " + ds + " --epochs 1").exit_code, 0);

  // A folder that is not a dataset is never replaced.
  files_.write("notes/thesis.tex", "months of work");
  const CliResult refused =
      run("data generate csbm --nodes 300 --features 4 -o " + (files_ / "notes").string());
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_EQ(testing::read_file(files_ / "notes" / "thesis.tex"), "months of work");
  const CliResult compare = run(std::string("gnn compare -d ") + kDataset +
                                " --epochs 1 --methods full --out " + (files_ / "notes").string());
  EXPECT_EQ(compare.exit_code, 1);
  EXPECT_EQ(testing::count_files(files_ / "notes"), 1u);
}

// The log is written as epochs finish: a run killed by SIGKILL keeps a line for each epoch it
// finished, each line whole, and the run resumed from its checkpoint logs every epoch once.
TEST_F(CliTest, TheLogSurvivesAKilledRunAndResumeLogsEveryEpoch) {
  const CliResult result =
      script(R"sh(
    train="gnn train -d )sh" +
             std::string(kDataset) +
             R"sh( --threads 1 --checkpoint run.ckpt --checkpoint-every 1 --log run.csv"
    "$G" $train --epochs 100000 --patience 100000 > /dev/null 2>&1 &
    pid=$!
    until [ "$(wc -l 2>/dev/null < run.csv || echo 0)" -ge 10 ]; do :; done
    kill -9 $pid; wait $pid
    awk -F, 'NR > 1 && NF != 8 { bad = 1 } END { print (bad ? "torn" : "whole") }' run.csv
    epochs=$(( $(wc -l < run.csv) + 20 ))
    "$G" $train --epochs $epochs --patience 100000 --resume > /dev/null
    awk -F, -v want=$epochs 'NR > 1 { if ($1 != NR - 1) gap = 1; n++ }
      END { print (n == want ? "all epochs" : n " of " want), (gap ? "gap" : "in order") }' run.csv
  )sh");
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "whole\nall epochs in order\n") << result.err;
}

TEST_F(CliTest, LossyConversionsSaySo) {
  const auto labelled = files_.write("g.lg", "t # 0\nv 0 1\nv 1 2\ne 0 1\n");
  const CliResult labels =
      run("data convert " + labelled.string() + " " + (files_ / "g.txt").string());
  EXPECT_EQ(labels.exit_code, 0) << labels.err;
  EXPECT_NE(labels.err.find("warning: an edge list holds no vertex labels"), std::string::npos)
      << labels.err;
  const CliResult kept =
      run("data convert " + labelled.string() + " " + (files_ / "g.gmg").string());
  EXPECT_EQ(kept.err.find("warning"), std::string::npos) << kept.err;
  const CliResult dataset =
      run(std::string("data convert ") + kDataset + " " + (files_ / "d.gmg").string());
  EXPECT_NE(dataset.err.find("warning: only the graph of dataset"), std::string::npos)
      << dataset.err;
}

}  // namespace
}  // namespace graphmini
