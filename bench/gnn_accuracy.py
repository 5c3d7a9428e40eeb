#!/usr/bin/python3
"""Test accuracy of graphmini's full-graph GNNs on the Planetoid splits, mean over seeds.

    bench/gnn_accuracy.py [--graphmini build/release/cli/graphmini] [--seeds 10]
                          [--datasets ../shared/datasets] [--threads 2] [--out DIR]

Runs `graphmini gnn train --json` with each model's paper defaults for seeds 1..N on
GCN/cora, GCN/citeseer, GAT/cora and GraphSAGE/cora, prints mean +- std of the test accuracy
at the best validation epoch against the target and the published number, and writes
DIR/gnn_accuracy.json and .csv (one row per run). Exits 1 when a mean misses its target.
"""
import argparse
import csv
import json
import os
import statistics
import sys

from script_support import run_json

# (model, dataset, target, published): issue 5's targets; GCN from Kipf and Welling (2017),
# GAT from Velickovic et al. (2018); GraphSAGE has no published Planetoid number.
CASES = [
    ("gcn", "cora", 0.810, 0.815),
    ("gcn", "citeseer", 0.700, 0.703),
    ("gat", "cora", 0.820, 0.830),
    ("sage", "cora", 0.800, None),
]


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--graphmini", default=os.path.join(root, "build/release/cli/graphmini"))
    parser.add_argument("--datasets", default=os.environ.get(
        "GRAPHMINI_DATASETS", os.path.join(os.path.dirname(root), "shared/datasets")))
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--models", default="gcn,gat,sage",
                        help="comma-separated models to run (default: all)")
    parser.add_argument("--out", default="bench-results")
    args = parser.parse_args()
    if not os.path.isdir(os.path.join(args.datasets, "citation")):
        sys.exit(f"gnn_accuracy: no citation datasets under {args.datasets} (--datasets)")
    if not os.access(args.graphmini, os.X_OK):
        sys.exit(f"gnn_accuracy: {args.graphmini} is not an executable (--graphmini)")

    runs = []
    summary = []
    missed = False
    for model, dataset, target, published in CASES:
        if model not in args.models.split(","):
            continue
        accuracies = []
        for seed in range(1, args.seeds + 1):
            folder = os.path.join(args.datasets, "citation", dataset)
            command = [args.graphmini, "gnn", "train", "-d", folder, "--model", model,
                       "--seed", str(seed), "--threads", str(args.threads), "--json"]
            run = run_json(command)
            run["dataset"] = dataset
            runs.append(run)
            accuracies.append(run["test_acc"])
            print(f"\r{model} {dataset} seed {seed}: {100 * run['test_acc']:.1f}%   ",
                  end="", file=sys.stderr, flush=True)
        mean = statistics.mean(accuracies)
        std = statistics.stdev(accuracies) if len(accuracies) > 1 else 0.0
        ok = mean >= target
        missed = missed or not ok
        summary.append({"model": model, "dataset": dataset, "seeds": args.seeds, "mean": mean,
                        "std": std, "target": target, "published": published, "met": ok})
    print(file=sys.stderr)

    print(f"{'model':6} {'dataset':9} {'test accuracy':>16} {'target':>7} {'published':>9}")
    for row in summary:
        published = f"{100 * row['published']:.1f}%" if row["published"] else "-"
        print(f"{row['model']:6} {row['dataset']:9} {100 * row['mean']:8.2f}% +- {100 * row['std']:4.2f}"
              f" {100 * row['target']:6.1f}% {published:>9}  {'met' if row['met'] else 'MISSED'}")
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "gnn_accuracy.json"), "w") as out:
        json.dump({"threads": args.threads, "summary": summary, "runs": runs}, out, indent=2)
    with open(os.path.join(args.out, "gnn_accuracy.csv"), "w", newline="") as out:
        fields = ["model", "dataset", "seed", "test_acc", "best_val_acc", "best_epoch", "epochs",
                  "epoch_seconds", "train_seconds"]
        writer = csv.DictWriter(out, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(runs)
    print(f"wrote {args.out}/gnn_accuracy.json and .csv")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
