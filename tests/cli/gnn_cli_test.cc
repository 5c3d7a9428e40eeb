// graphmini gnn train as a user meets it: the JSON report, the per-epoch CSV log, checkpoints
// and one-line errors for bad input.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "cli/cli_fixture.h"
#include "support/test_support.h"

namespace graphmini {
namespace {

using testing::CliResult;
using testing::CliTest;

constexpr const char* kSmall =
    "-d csbm:nodes=300,classes=3,avg_degree=6,features=8,homophily=0.9,seed=2 --threads 1";

TEST_F(CliTest, GnnTrainReportsItsRunAsJsonAndLogsEveryEpoch) {
  const auto log = files_.path() / "log.csv";
  const CliResult result =
      run(std::string("gnn train ") + kSmall + " --epochs 12 --json --log " + log.string());
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto out = nlohmann::json::parse(result.out);
  for (const char* key :
       {"test_acc", "best_val_acc", "epochs", "epoch_seconds", "train_seconds", "peak_rss_bytes",
        "needed_bytes", "best_epoch", "flops_per_epoch", "min_bytes_per_epoch",
        "epoch_limit_seconds", "peak_flops_per_second", "peak_bytes_per_second"}) {
    EXPECT_TRUE(out.contains(key)) << key;
  }
  EXPECT_EQ(out["stopped_by"], "epochs");
  // The roofline is a lower bound: no epoch beats it.
  const double fraction = out["limit_fraction"].get<double>();
  EXPECT_GT(fraction, 0);
  EXPECT_LT(fraction, 1);
  EXPECT_DOUBLE_EQ(fraction,
                   out["epoch_limit_seconds"].get<double>() / out["epoch_seconds"].get<double>());
  EXPECT_EQ(out["epochs"].get<int>(), 12);
  EXPECT_EQ(out["model"], "gcn");
  EXPECT_GT(out["peak_rss_bytes"].get<double>(), out["needed_bytes"].get<double>());

  std::istringstream lines(testing::read_file(log));
  std::string line;
  std::getline(lines, line);
  EXPECT_EQ(line, "epoch,loss,train_acc,val_acc,val_loss,test_acc,epoch_seconds,eval_seconds");
  int epoch = 0;
  double best = 0;
  while (std::getline(lines, line)) {
    ++epoch;
    EXPECT_EQ(line.substr(0, line.find(',')), std::to_string(epoch));
    std::vector<double> fields;
    std::istringstream row(line);
    std::string field;
    while (std::getline(row, field, ','))
      fields.push_back(std::stod(field));
    ASSERT_EQ(fields.size(), 8u) << line;
    best = std::max(best, fields[3]);
  }
  EXPECT_EQ(epoch, 12);
  EXPECT_NEAR(best, out["best_val_acc"].get<double>(), 1e-4);
}

TEST_F(CliTest, GnnTrainMiniBatchReportsTheSameFieldsAndItsBatches) {
  for (const std::string sampler : {"neighbor", "cluster"}) {
    const CliResult result =
        run(std::string("gnn train ") + kSmall +
            " --model sage --hidden 8 --epochs 3 --mode mini --fanouts 4,3 --batch-size 16 "
            "--clusters 10 --clusters-per-batch 3 --json --sampler " +
            sampler);
    ASSERT_EQ(result.exit_code, 0) << result.err;
    const auto out = nlohmann::json::parse(result.out);
    EXPECT_EQ(out["mode"], "mini");
    EXPECT_EQ(out["sampler"], sampler);
    EXPECT_EQ(out["epochs"].get<int>(), 3);
    EXPECT_GT(out["test_acc"].get<double>(), 0.0);
    // 10 clusters in batches of 3; the 180 training nodes (60% of 300) in batches of 16.
    EXPECT_EQ(out["batches_per_epoch"].get<int>(), sampler == "cluster" ? 4 : 12);
  }
}

TEST_F(CliTest, GnnCompareWritesItsTableCurvesAndJson) {
  const auto out = files_.path() / "compare";
  const CliResult result =
      run(std::string("gnn compare ") + kSmall +
          " --model sage --hidden 8 --epochs 6 --seeds 2 --fanouts 4,3 --batch-size 64 "
          "--clusters 10 --clusters-per-batch 5 --progress-every 0 --json --out " +
          out.string());
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto json = nlohmann::json::parse(result.out);
  EXPECT_EQ(json["complete"], true);
  EXPECT_EQ(json["ladder"], nlohmann::json({0.9, 0.95, 0.99, 1.0}));
  ASSERT_EQ(json["methods"].size(), 3u);
  for (const auto& [i, name] : {std::pair{0, "full"}, {1, "neighbor"}, {2, "cluster"}}) {
    const auto& m = json["methods"][i];
    EXPECT_EQ(m["name"], name);
    for (const char* key : {"time_to_target_s", "epoch_s", "epochs_to_target", "test_acc",
                            "peak_rss_bytes", "best_val_acc", "failed"}) {
      EXPECT_TRUE(m.contains(key)) << name << " " << key;
    }
    EXPECT_EQ(m["runs"], 2);
    EXPECT_EQ(m["finished"], 2);
    EXPECT_EQ(m["stopped_by"]["epochs"], 2);  // the --epochs cap, before --patience
    EXPECT_EQ(m["ladder"].size(), 4u);
  }
  // Each seed's target is the lowest best of its methods that trained, and a run reaches it
  // unless it failed.
  ASSERT_EQ(json["seed_targets"].size(), 2u);
  ASSERT_EQ(json["runs"].size(), 6u);
  for (const auto& seed : json["seed_targets"]) {
    double lowest = 1;
    for (const auto& r : json["runs"]) {
      if (r["seed"] != seed["seed"]) continue;
      EXPECT_EQ(r["epochs"], 6);
      EXPECT_EQ(r["stopped_by"], "epochs");
      const bool failed = std::find(seed["failed"].begin(), seed["failed"].end(), r["method"]) !=
                          seed["failed"].end();
      EXPECT_EQ(r["failed"], failed);
      if (failed) continue;
      lowest = std::min(lowest, r["best_val_acc"].get<double>());
      EXPECT_FALSE(r["time_to_target_s"].is_null()) << r;
    }
    EXPECT_EQ(seed["target_acc"].get<double>(), lowest) << seed;
  }
  EXPECT_EQ(nlohmann::json::parse(testing::read_file(out / "comparison.json")), json);
  const std::string curves = testing::read_file(out / "curves.csv");
  EXPECT_EQ(curves.substr(0, curves.find('\n')),
            "method,seed,epoch,train_seconds,loss,train_acc,val_acc,test_acc");
  EXPECT_EQ(lines(curves), 3 * 2 * 6 + 1);
  // Not on a terminal, --progress-every 0: one progress line per epoch.
  EXPECT_EQ(lines(result.err), 3 * 2 * 6) << result.err;
  const std::string table = testing::read_file(out / "table.md");
  EXPECT_NE(table.find("| cluster |"), std::string::npos);
  EXPECT_NE(table.find("| method | 90% | 95% | 99% | 100% |"), std::string::npos) << table;

  const CliResult bad = run(std::string("gnn compare ") + kSmall + " --methods full,sgd");
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_EQ(lines(bad.err), 1) << bad.err;
}

// A comparison stopped part way (Ctrl-C) leaves what it measured: each finished run printed,
// and the --out folder as it was after the last epoch, its JSON whole and marked incomplete.
TEST_F(CliTest, AnInterruptedGnnCompareLeavesWhatItMeasured) {
  const CliResult result = script(std::string(R"sh(
    set -m  # job control: background jobs keep SIGINT (a script's would ignore it)
    "$G" gnn compare )sh") + kSmall +
                                  R"sh( --model sage --hidden 8 --epochs 5 --patience 1000 \
        --seeds 1000 --methods full,neighbor --batch-size 64 --fanouts 4,3 --out cmp \
        > out.txt 2> err.txt &
    pid=$!
    until grep -q '^neighbor,1,' cmp/curves.csv 2>/dev/null || ! kill -0 $pid 2>/dev/null; do :; done
    kill -INT $pid; wait $pid; echo "exit $?"
    ls -a cmp | grep -c graphmini- || true
  )sh");
  ASSERT_EQ(result.out, "exit 130\n0\n") << result.err;
  const auto json =
      nlohmann::json::parse(testing::read_file(files_.path() / "cmp/comparison.json"));
  EXPECT_EQ(json["complete"], false);
  ASSERT_GE(json["runs"].size(), 2u);
  const auto& full = json["runs"][0];
  EXPECT_EQ(full["method"], "full");
  EXPECT_EQ(full["stopped_by"], "epochs");
  EXPECT_EQ(full["epochs"], 5);
  // The signal comes once neighbour seed 1 has an epoch; by then, on a loaded machine, more
  // runs may have finished or begun. Whatever has, the JSON and the curves agree on it: each
  // full run has its epochs in the curves, but for the run the signal stopped between writing
  // an epoch to comparison.json and to curves.csv (the summary goes first), which may lack
  // that last line; and the runs that stopped are the method's finished ones.
  const std::string curves = testing::read_file(files_.path() / "cmp/curves.csv");
  int finished = 0;
  int short_runs = 0;
  for (const auto& run : json["runs"]) {
    if (run["method"] != "full") continue;
    finished += run["stopped_by"].is_null() ? 0 : 1;
    const std::string prefix = "\nfull," + std::to_string(run["seed"].get<int>()) + ",";
    int lines = 0;
    for (std::size_t at = curves.find(prefix); at != std::string::npos;
         at = curves.find(prefix, at + 1)) {
      ++lines;
    }
    const int epochs = run["epochs"];
    EXPECT_TRUE(lines == epochs || lines == epochs - 1) << "seed " << run["seed"];
    short_runs += lines == epochs - 1 ? 1 : 0;
  }
  EXPECT_LE(short_runs, 1);
  EXPECT_GE(finished, 1);
  EXPECT_EQ(json["methods"][0]["finished"], finished);
  const std::string printed = testing::read_file(files_.path() / "out.txt");
  EXPECT_EQ(printed.rfind("full seed 1: 5 epochs (epochs)", 0), 0u) << printed;
}

TEST_F(CliTest, GnnTrainResumesFromItsCheckpoint) {
  const auto checkpoint = files_.path() / "run.ckpt";
  const std::string base = std::string("gnn train ") + kSmall + " --model sage --hidden 8 --json";
  const CliResult whole = run(base + " --epochs 8");
  ASSERT_EQ(whole.exit_code, 0) << whole.err;
  ASSERT_EQ(run(base + " --epochs 5 --checkpoint " + checkpoint.string() + " --checkpoint-every 5")
                .exit_code,
            0);
  const CliResult resumed = run(base + " --epochs 8 --resume --checkpoint " + checkpoint.string());
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_EQ(nlohmann::json::parse(resumed.out)["test_acc"],
            nlohmann::json::parse(whole.out)["test_acc"]);
  EXPECT_EQ(nlohmann::json::parse(resumed.out)["best_val_acc"],
            nlohmann::json::parse(whole.out)["best_val_acc"]);
}

TEST_F(CliTest, GnnTrainBadInputFailsWithOneLine) {
  const auto checkpoint = files_.write("broken.ckpt", "GMCKPT3\nnonsense");
  const auto not_a_dataset = files_.write("graph.txt", "0 1\n1 2\n");
  for (const std::string& arguments :
       {std::string("gnn train -d /nonexistent/cora"), "gnn train -d " + not_a_dataset.string(),
        std::string("gnn train ") + kSmall + " --model transformer",
        std::string("gnn train ") + kSmall + " --dropout 1.5",
        std::string("gnn train ") + kSmall + " --lr 0",
        std::string("gnn train ") + kSmall + " --layers 0",
        std::string("gnn train ") + kSmall + " --resume",
        std::string("gnn train ") + kSmall + " --mode mini --fanouts 10,10,10",
        std::string("gnn train ") + kSmall + " --mode mini --fanouts 10,0",
        std::string("gnn train ") + kSmall + " --mode mini --fanouts ten",
        std::string("gnn train ") + kSmall + " --mode mini --sampler random",
        std::string("gnn train ") + kSmall + " --mode mini --sampler cluster --clusters 301",
        std::string("gnn train ") + kSmall + " --mode mini --batch-size 0",
        std::string("gnn train ") + kSmall + " --resume --checkpoint " + checkpoint.string(),
        std::string("gnn train ") + kSmall + " --device gpu",
        std::string("gnn train ") + kSmall + " --device cuda:-1",
        std::string("gnn train"), std::string("gnn")}) {
    const CliResult result = run(arguments);
    EXPECT_NE(result.exit_code, 0) << arguments;
    EXPECT_EQ(lines(result.err), 1) << arguments << ": " << result.err;
    EXPECT_EQ(result.err.rfind("graphmini: error: ", 0), 0u) << arguments << ": " << result.err;
  }
}

// Where CUDA cannot run (this build has no CUDA, or this machine no usable GPU: CI has
// neither), --device cuda fails before loading anything, with exit 1 and one line that says
// which of the two; gnn compare the same.
TEST_F(CliTest, GnnDeviceCudaWithoutAGpuSaysWhyInOneLine) {
  const CliResult version = run("--version");
  ASSERT_EQ(version.exit_code, 0);
  const bool built = version.out.find("cuda=on") != std::string::npos;
  const std::string reason = built ? "no usable CUDA GPU" : "built without CUDA";
  for (const std::string& arguments :
       {std::string("gnn train -d /nonexistent/cora --device cuda"),
        std::string("gnn train ") + kSmall + " --device cuda:1 --json",
        std::string("gnn compare ") + kSmall + " --device cuda --out " +
            (files_.path() / "cmp").string()}) {
    const CliResult result = run(arguments);
    if (built && result.exit_code == 0) GTEST_SKIP() << "a CUDA GPU is usable here";
    EXPECT_EQ(result.exit_code, 1) << arguments << ": " << result.err;
    EXPECT_EQ(lines(result.err), 1) << arguments << ": " << result.err;
    EXPECT_NE(result.err.find(reason), std::string::npos) << arguments << ": " << result.err;
    EXPECT_EQ(result.out, "") << arguments;
  }
  EXPECT_FALSE(std::filesystem::exists(files_.path() / "cmp"));
}

}  // namespace
}  // namespace graphmini
