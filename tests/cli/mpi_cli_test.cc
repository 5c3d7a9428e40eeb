// The matching commands and GNN training under mpirun, as users run them: the same counts,
// listings, motifs and losses as one process, --json's per-rank fields, one error line for
// bad input on any rank count, no hang and no output file (or broken checkpoint) when a rank
// dies or Ctrl-C comes, and the kernel cache shared by ranks that compile the same query at
// once. Skipped when this build has no MPI.
#include <gtest/gtest.h>

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

// Open MPI as root (as CI runs), in a container, with more ranks than cores.
constexpr const char* kMpiexec =
    "export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 "
    "OMPI_MCA_btl_vader_single_copy_mechanism=none\n"
    "mpi() { timeout 300 mpiexec -q -n \"$1\" --oversubscribe --bind-to none \"${@:2}\"; }\n";

class MpiCliTest : public CliTest {
 protected:
  void SetUp() override {
    if (run("--version").out.find("mpi=on") == std::string::npos)
      GTEST_SKIP() << "this build has no MPI (install libopenmpi-dev openmpi-bin)";
    if (std::system("command -v mpiexec > /dev/null") != 0) GTEST_SKIP() << "no mpiexec";
  }

  CliResult mpi(const std::string& script_text) const {
    return script(std::string(kMpiexec) + script_text);
  }

  // Runs whose ranks all end by themselves with an error. They agree on the error and leave
  // MPI_Finalize together, so each has said what it will say before the first one exits. mpirun
  // then stops the ranks it has not yet seen exit: SIGCONT, a second's wait, SIGTERM, another
  // second, SIGKILL. Without the waits (odls_base_sigkill_timeout=0) a failing run takes about
  // a second instead of up to three; runs whose ranks must handle mpirun's SIGTERM keep them.
  CliResult mpi_ending_in_errors(const std::string& script_text) const {
    return mpi("export OMPI_MCA_odls_base_sigkill_timeout=0\n" + script_text);
  }

  // `graphmini ARGUMENTS` on `ranks` ranks ends with `code` and one error line.
  void expect_one_error(const char* ranks, const std::string& arguments, int code) const {
    const CliResult result =
        mpi_ending_in_errors(std::string("mpi ") + ranks + " \"$G\" " + arguments);
    EXPECT_EQ(result.exit_code, code) << ranks << " ranks: " << arguments;
    EXPECT_EQ(lines(result.err), 1) << ranks << " ranks: " << arguments << ": " << result.err;
    EXPECT_EQ(result.err.rfind("graphmini: error: ", 0), 0u) << result.err;
  }
};

TEST_F(MpiCliTest, CountsAreTheSameOnEveryRankCountAndJsonShowsEachRank) {
  const CliResult result = mpi(R"sh(
    for k in 1 2 4; do mpi $k "$G" count -g kron:scale=11 -p diamond --threads 1 2>/dev/null; done
    "$G" count -g kron:scale=11 -p diamond 2>/dev/null
    mpi 3 "$G" count -g kron:scale=11 -p P4 --induced vertex --threads 1 --json
  )sh");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  std::istringstream out(result.out);
  std::string line;
  std::vector<std::string> counts;
  for (int i = 0; i < 4 && std::getline(out, line); ++i)
    counts.push_back(line);
  ASSERT_EQ(counts.size(), 4u) << result.out;
  for (const std::string& count : counts)
    EXPECT_EQ(count, counts.back());
  const std::string rest((std::istreambuf_iterator<char>(out)), std::istreambuf_iterator<char>());
  const auto json = nlohmann::json::parse(rest);
  EXPECT_EQ(json["ranks"], 3);
  EXPECT_EQ(json["threads_per_rank"], 1);
  ASSERT_EQ(json["per_rank"].size(), 3u);
  for (int rank = 0; rank < 3; ++rank) {
    const auto& entry = json["per_rank"][rank];
    EXPECT_EQ(entry["rank"], rank);
    EXPECT_GT(entry["tasks"].get<int>(), 0) << "rank " << rank << " took no chunk";
    EXPECT_GE(entry["busy_seconds"].get<double>(), 0.0);
    EXPECT_GE(entry["run_seconds"].get<double>(), 0.0);
  }
}

// Three ranks list exactly the matches of one process (in another order), into one file
// written atomically; --limit holds for all ranks together; motifs agree, and so does a count
// from supergraphs, whose signed sum the root makes from every rank's counts of the terms.
TEST_F(MpiCliTest, ListingAndMotifsGiveTheSingleProcessResults) {
  const CliResult result = mpi(R"sh(
    g=er:vertices=1000,edges=10000,seed=1
    "$G" list -g $g -p house -o one.txt 2>/dev/null
    mpi 3 "$G" list -g $g -p house -o three.txt --threads 1 2>/dev/null
    [ "$(sort one.txt | md5sum)" = "$(sort three.txt | md5sum)" ] && echo "same matches"
    [ "$(wc -l < three.txt)" = "$("$G" count -g $g -p house 2>/dev/null | tr -d ,)" ] &&
      echo "every match"
    mpi 3 "$G" list -g $g -p house --limit 123 --threads 1 2>/dev/null | wc -l
    [ "$("$G" motifs -g $g --size 4)" = "$(mpi 2 "$G" motifs -g $g --size 4 --threads 1)" ] &&
      echo "same motifs"
    [ "$("$G" count -g $g -p P2 --induced vertex --supergraphs never 2>/dev/null)" = \
      "$(mpi 3 "$G" count -g $g -p P2 --induced vertex --supergraphs always --threads 1 \
         2>/dev/null)" ] && echo "same sum"
    ls -a | grep -c graphmini- || true
  )sh");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "same matches\nevery match\n123\nsame motifs\nsame sum\n0\n");
}

// The same one line and exit code as one process, printed once, on any rank count.
TEST_F(MpiCliTest, BadInputGivesOneErrorLineOnEveryRankCount) {
  for (const char* ranks : {"1", "2", "4"}) {
    for (const auto& [arguments, code] : std::vector<std::pair<std::string, int>>{
             {"count -g kron:scale=8 -p bogus", 2},
             {"count -g missing.gmg -p triangle", 1},
             {"count -g kron:scale=8 -p triangle --threads 0", 2},
             {"list -g kron:scale=8 -p house -o no-such-folder/out.txt", 1}}) {
      expect_one_error(ranks, arguments, code);
    }
  }
}

// Under mpirun standard input reaches rank 0 alone: the other ranks would count another graph,
// so the ranks check that they loaded the same one.
// Standard input reaches rank 0 alone: a graph or pattern from it is refused up front. A file
// that differs between hosts (here: each rank in a folder of its own, through mpiexec's
// per-program working directory) is found by comparing what the ranks read.
TEST_F(MpiCliTest, InputsThatDifferBetweenRanksAreRefused) {
  const CliResult result = mpi_ending_in_errors(R"sh(
    "$G" data convert er:vertices=300,edges=2000,seed=4 g.txt > /dev/null
    mkdir a b
    "$G" data convert er:vertices=300,edges=2000,seed=4 a/g.txt > /dev/null
    "$G" data convert er:vertices=300,edges=2000,seed=5 b/g.txt > /dev/null
    printf '0 1\n1 2\n2 0\n' > a/p.txt
    printf '0 1\n1 2\n2 3\n' > b/p.txt
    mpi 2 "$G" count -g - -p triangle < g.txt; echo "exit $?"
    mpi 2 "$G" count -g g.txt -p /dev/stdin < a/p.txt; echo "exit $?"
    per_rank() {
      timeout 300 mpiexec -q --oversubscribe --bind-to none -n 1 -wdir a "$@" : \
        -n 1 -wdir b "$@"
      echo "exit $?"
    }
    per_rank "$G" count -g g.txt -p triangle
    per_rank "$G" count -g ../g.txt -p ./p.txt
  )sh");
  EXPECT_EQ(result.out, "exit 2\nexit 2\nexit 1\nexit 1\n") << result.err;
  EXPECT_EQ(lines(result.err), 4) << result.err;
  for (const char* message :
       {"under mpirun standard input reaches rank 0 alone; give the graph as a file that "
        "every rank can read, not '-'",
        "give the pattern as a file that every rank can read, not '/dev/stdin'",
        "rank 1 read a different graph from 'g.txt' than rank 0; under mpirun a file must be "
        "the same on every host",
        "rank 1 read a different pattern from './p.txt' than rank 0"}) {
    EXPECT_NE(result.err.find(message), std::string::npos) << message << "\n" << result.err;
  }
}

// A rank killed mid-run fails the run with mpirun's message, at once, and leaves no output
// file; Ctrl-C (SIGINT to mpirun, which passes SIGTERM on) stops every rank.
TEST_F(MpiCliTest, AKilledRankOrCtrlCEndsTheRunWithoutAnOutputFile) {
  // A graph no other test uses, so that pgrep finds this test's ranks only. timeout passes the
  // SIGINT it gets on to mpiexec, as a terminal's Ctrl-C would reach it.
  const CliResult result = mpi(R"sh(
    rank_pids() { pgrep -f "^$G list -g kron:scale=16,seed=41"; }  # not mpiexec nor timeout
    ranks() { rank_pids | wc -l; }
    long() {
      timeout 300 mpiexec -q -n 2 --oversubscribe --bind-to none "$G" list \
        -g kron:scale=16,seed=41 -p P7 --induced vertex --threads 1 -o out.txt > "$1" 2>&1 &
      job=$!
      # Running: the output's temporary file exists and both ranks are up.
      until { ls -a | grep -q graphmini- && [ "$(ranks)" -ge 2 ]; } || ! kill -0 $job; do :; done
    }
    long killed.log
    kill -9 "$(rank_pids | tail -1)"
    wait $job; echo "killed: exit $?"
    long interrupted.log
    kill -INT $job
    wait $job; echo "interrupted: exit $?"
    # mpirun may return before its ranks are gone; they must go on their own, and soon.
    timeout 60 bash -c "until [ -z \"\$(pgrep -f '^$G list -g kron:scale=16,seed=41')\" ]; do :; done"
    echo "ranks gone: $?"
    [ -e out.txt ] && echo "out.txt left"
    ls -a | grep -c graphmini- || true
    grep -c 'graphmini: stopped by mpirun' interrupted.log
  )sh");
  std::istringstream out(result.out);
  std::string killed, interrupted, gone, temporaries, farewells;
  std::getline(out, killed);
  std::getline(out, interrupted);
  std::getline(out, gone);
  std::getline(out, temporaries);
  std::getline(out, farewells);
  EXPECT_NE(killed, "killed: exit 0") << result.out;
  EXPECT_NE(killed, "killed: exit 124") << "the run hung after a rank died";
  EXPECT_NE(interrupted, "interrupted: exit 0") << result.out;
  EXPECT_NE(interrupted, "interrupted: exit 124") << "Ctrl-C did not stop the run";
  EXPECT_EQ(gone, "ranks gone: 0") << "ranks were left running";
  EXPECT_EQ(temporaries, "0") << result.out;
  // The root's farewell goes through mpirun, which may be gone by then: at most one line.
  EXPECT_TRUE(farewells == "0" || farewells == "1") << result.out << result.err;
}

// Four ranks compiling the same kernel at once on one host leave one valid cache entry.
TEST_F(MpiCliTest, RanksCompilingTheSameQueryShareOneCacheEntry) {
  const CliResult result = mpi(R"sh(
    export XDG_CACHE_HOME="$PWD/cache"
    mpi 4 "$G" count -g kron:scale=9 -p house --threads 1 --json | grep -c '"kernel_cached": false'
    ls -a cache/graphmini | grep -c '\.gmko$'
    ls -a cache/graphmini | grep -c graphmini- || true
    mpi 2 "$G" count -g kron:scale=9 -p house --threads 1 --json | grep -c '"kernel_cached": true'
  )sh");
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "1\n1\n0\n1\n");
}

// Mini-batch training on 1, 2 and 3 ranks logs the losses of one process (to float rounding),
// and --json gives every rank's traffic, memory and identical parameters.
TEST_F(MpiCliTest, GnnTrainingOnRanksLogsTheLossesOfOneProcess) {
  const CliResult result = mpi(R"sh(
    d=csbm:nodes=3000,avg_degree=8,features=24,classes=4,seed=2
    train() { "$@" gnn train -d $d --model sage --hidden 32 --mode mini --fanouts 5,5 \
      --batch-size 100 --epochs 3 --threads 1 --log "$log" --json; }
    log=one.csv train "$G" > one.json
    log=two.csv train mpi 2 "$G" > two.json
    log=three.csv train mpi 3 "$G" > three.json
    cut -d, -f2 one.csv | tail -n +2 | tr '\n' ' '; echo
    cut -d, -f2 two.csv | tail -n +2 | tr '\n' ' '; echo
    cut -d, -f2 three.csv | tail -n +2 | tr '\n' ' '; echo
    cat three.json
  )sh");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  std::istringstream out(result.out);
  std::vector<std::vector<double>> losses(3);
  for (std::vector<double>& run : losses) {
    std::string line;
    std::getline(out, line);
    std::istringstream values(line);
    for (double v; values >> v;)
      run.push_back(v);
    ASSERT_EQ(run.size(), 3u) << result.out;
  }
  for (std::size_t e = 0; e < 3; ++e) {
    EXPECT_NEAR(losses[1][e], losses[0][e], 1e-5) << "2 ranks, epoch " << e + 1;
    EXPECT_NEAR(losses[2][e], losses[0][e], 1e-5) << "3 ranks, epoch " << e + 1;
  }
  const std::string rest((std::istreambuf_iterator<char>(out)), std::istreambuf_iterator<char>());
  const auto json = nlohmann::json::parse(rest);
  EXPECT_EQ(json["ranks"], 3);
  ASSERT_EQ(json["per_rank"].size(), 3u);
  // GraphSAGE 24 -> 32 -> 4 has (24 + 24) x 32 + 32 + (32 + 32) x 4 + 4 parameters, summed
  // over a ring of 3 ranks after every batch: each rank sends 2 (3 - 1) blocks of a third of
  // them, and at the end of the epoch its loss (a few bytes).
  const std::uint64_t third = (48 * 32 + 32 + 64 * 4 + 4) / 3;
  const std::uint64_t batches = json["batches_per_epoch"];
  EXPECT_EQ(batches, 18u);  // 1800 training nodes (60%) in batches of 100
  for (int rank = 0; rank < 3; ++rank) {
    const auto& entry = json["per_rank"][rank];
    EXPECT_EQ(entry["rank"], rank);
    EXPECT_EQ(entry["parameters_crc"], json["per_rank"][0]["parameters_crc"]);
    EXPECT_GT(entry["peak_rss_bytes"].get<std::uint64_t>(), 0u);
    EXPECT_GE(entry["mpi_wait_seconds"].get<double>(), 0.0);
    const std::uint64_t sent = entry["bytes_sent_per_epoch"];
    EXPECT_GE(sent, batches * 4 * third * 4) << "rank " << rank;
    EXPECT_LE(sent, batches * 4 * (third + 1) * 4 + 64) << "rank " << rank;
  }
}

// gnn compare over 2 ranks compares full-graph (partitioned) and neighbour-sampled training
// (Cluster-GCN, not split over ranks, is left out of the default methods, with a note), and
// gives each method's bytes per epoch, measured and modelled, and its time to target
// predicted on a link: epochs to target x (compute + bytes / link).
TEST_F(MpiCliTest, GnnCompareOverRanksModelsTheCommunication) {
  const CliResult result = mpi(R"sh(
    mpi 2 "$G" gnn compare -d csbm:nodes=2000,avg_degree=8,features=16,classes=4,seed=3 \
      --model sage --hidden 16 --epochs 40 --batch-size 200 --fanouts 5,5 --link-gbps 10 \
      --threads 1 --json
  )sh");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.err.find("cluster sampling does not run over MPI"), std::string::npos)
      << result.err;
  const auto json = nlohmann::json::parse(result.out);
  EXPECT_EQ(json["ranks"], 2);
  ASSERT_EQ(json["methods"].size(), 2u);
  EXPECT_EQ(json["methods"][0]["name"], "full");
  EXPECT_EQ(json["methods"][1]["name"], "neighbor");
  for (const auto& method : json["methods"]) {
    SCOPED_TRACE(method["name"].get<std::string>());
    const auto& c = method["communication"];
    const double sent = c["bytes_sent_per_epoch"];
    const double modelled = c["modelled_bytes_per_epoch"];
    EXPECT_GT(sent, 0);
    // The model counts what is sent, all but the epoch's loss (a few bytes).
    EXPECT_NEAR(sent, modelled, 0.01 * modelled);
    ASSERT_TRUE(method["epochs_to_target"].is_number()) << method.dump();
    const double epochs = method["epochs_to_target"];
    const double compute = c["compute_seconds_per_epoch"];
    ASSERT_EQ(c["predicted"].size(), 1u);
    EXPECT_EQ(c["predicted"][0]["link_gbps"], 10.0);
    EXPECT_NEAR(c["predicted"][0]["time_to_target_s"].get<double>(),
                epochs * (compute + sent / 1.25e9), 1e-9);
  }
}

// Training errors under mpirun: one line from the root, on any rank count; data that differs
// between the ranks is found; Cluster-GCN training says why it does not run over ranks.
TEST_F(MpiCliTest, GnnBadInputGivesOneErrorLine) {
  for (const char* ranks : {"1", "2", "4"}) {
    for (const auto& [arguments, code] : std::vector<std::pair<std::string, int>>{
             {"gnn train -d missing-dataset --mode mini", 1},
             {"gnn train -d csbm:nodes=200 --mode mini --fanouts 5", 2},
             {"gnn train -d csbm:nodes=200 --mode mini --batch-size 0", 2},
             // One rank reads standard input (empty here); more refuse it.
             {"gnn train -d - --mode mini", std::string(ranks) == "1" ? 1 : 2},
             {"gnn train -d csbm:nodes=200 --mode full --boundary-sample 0", 2},
             {"gnn train -d csbm:nodes=200 --mode mini --boundary-sample 0.5", 2}}) {
      expect_one_error(ranks, arguments, code);
    }
  }
  const CliResult result = mpi_ending_in_errors(R"sh(
    mkdir a b
    "$G" data generate csbm --nodes 300 --seed 1 -o a/d > /dev/null
    "$G" data generate csbm --nodes 300 --seed 2 -o b/d > /dev/null
    timeout 300 mpiexec -q --oversubscribe --bind-to none -n 1 -wdir a "$G" gnn train -d d \
      --mode mini : -n 1 -wdir b "$G" gnn train -d d --mode mini
    echo "exit $?"
    mpi 2 "$G" gnn train -d csbm:nodes=300 --mode mini --sampler cluster; echo "exit $?"
  )sh");
  EXPECT_EQ(result.out, "exit 1\nexit 2\n") << result.err;
  EXPECT_EQ(lines(result.err), 2) << result.err;
  EXPECT_NE(result.err.find("rank 1 read a different dataset from 'd' than rank 0"),
            std::string::npos)
      << result.err;
  EXPECT_NE(result.err.find("over MPI, mini-batch training samples neighbours"), std::string::npos)
      << result.err;
}

// A rank killed while the ranks train fails the run at once, and leaves the checkpoint whole:
// the root writes it atomically, so it is the last one written or none.
TEST_F(MpiCliTest, AKilledRankEndsTrainingWithoutABrokenCheckpoint) {
  const CliResult result = mpi(R"sh(
    d=csbm:nodes=20000,avg_degree=10,features=64,classes=4,seed=43
    rank_pids() { pgrep -f "^$G gnn train -d $d"; }
    timeout 300 mpiexec -q -n 2 --oversubscribe --bind-to none "$G" gnn train -d $d \
      --mode mini --fanouts 10,10 --batch-size 64 --epochs 1000 --threads 1 \
      --checkpoint c.ckpt --checkpoint-every 1 > run.log 2>&1 &
    job=$!
    until [ -e c.ckpt ] || ! kill -0 $job; do :; done
    kill -9 "$(rank_pids | tail -1)"
    wait $job; echo "killed: exit $?"
    timeout 60 bash -c "until [ -z \"\$(pgrep -f '^$G gnn train -d $d')\" ]; do :; done"
    echo "ranks gone: $?"
    ls -a | grep -c graphmini- || true
    "$G" gnn train -d $d --mode mini --fanouts 10,10 --batch-size 64 --epochs 1 \
      --checkpoint c.ckpt --resume --threads 1 > /dev/null 2> resume.log
    echo "resume: exit $?"
  )sh");
  std::istringstream out(result.out);
  std::string killed, gone, temporaries, resumed;
  std::getline(out, killed);
  std::getline(out, gone);
  std::getline(out, temporaries);
  std::getline(out, resumed);
  EXPECT_NE(killed, "killed: exit 0") << result.out;
  EXPECT_NE(killed, "killed: exit 124") << "the run hung after a rank died";
  EXPECT_EQ(gone, "ranks gone: 0") << "ranks were left running";
  EXPECT_EQ(temporaries, "0") << result.out;
  // The checkpoint reads back: with --epochs 1 below its epochs, it has nothing left to train.
  EXPECT_EQ(resumed, "resume: exit 0") << result.out << result.err;
}

// Commands that do not run over MPI run once, on rank 0, and say so.
TEST_F(MpiCliTest, OtherCommandsRunOnRankZeroAlone) {
  const CliResult result = mpi(R"sh(mpi 3 "$G" data info kron:scale=8 --json)sh");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(nlohmann::json::parse(result.out)["vertices"], 256);
  EXPECT_EQ(lines(result.err), 1) << result.err;
  EXPECT_NE(result.err.find("data info does not run over MPI; rank 0 runs it alone"),
            std::string::npos);
  // verify's run on rank 0 does not wait for the ranks that ended (a count from supergraphs
  // gathers every term's count when its run is spread).
  const CliResult verified = mpi(
      R"sh(mpi 3 "$G" verify -g kron:scale=8 -p 4-cycle --induced vertex --supergraphs always)sh");
  ASSERT_EQ(verified.exit_code, 0) << verified.err;
  EXPECT_NE(verified.out.find("agree"), std::string::npos) << verified.out;
  EXPECT_NE(verified.err.find("verify does not run over MPI"), std::string::npos);
}

}  // namespace
}  // namespace graphmini
