#!/usr/bin/python3
"""Runs the project's time-to-accuracy comparisons and writes their results and plots.

    bench/gnn_compare.py [--graphmini build/release/cli/graphmini] [--datasets ../shared/datasets]
                         [--only NAME,...] [--threads 2] [--out bench/results/gnn_compare]

Each comparison is one `graphmini gnn compare` (full-graph, neighbour-sampling and cluster
mini-batch training of the same model; seeds paired; every run to convergence by --patience,
or to its --time-budget where an epoch costs seconds, then timed to its seed's target and to
the ladder of 90/95/99/100% of its seed's best accuracy); its folder gets comparison.json,
table.md, curves.csv and validation_vs_time.png, and OUT/README.md collects the tables with
the command of each, after OUT/findings.md (written by hand) when there is one. Each folder is
kept up to date as its comparison runs, so an interrupted run leaves what it measured.
The citation datasets come from --datasets (skipped with a message when absent); the
contextual SBM graphs are generated.
"""
import argparse
import os
import subprocess
import sys
import time

import plot_gnn_compare
from script_support import dataset_path

# name, dataset (a folder under --datasets, or a generator spec), compare flags.
# Citation graphs: the papers' models and settings, small batches (140 and 120 training
# nodes), five seeds.
CITATION = "--patience 50 --seeds 5 --batch-size 64 --fanouts 25,10 --clusters-per-batch 5"
SCALE = ("--model sage --hidden 128 --dropout 0 --batch-size 1024 --fanouts 10,5 "
         "--clusters-per-batch 10")
# 16 classes, half of each node's neighbours in its class, class means 0.8 apart in 128
# features: full-graph GraphSAGE reaches 76% validation accuracy at 10K nodes (chance 6%),
# so every method has room to show how fast it gets there. The earlier signal 0.3 left the
# best method at 46% at 10K and 29% at 1M, a comparison of methods that barely trained.
# Without dropout: with 60% of the nodes in training nothing overfits, and dropout's noise on
# top of sampling's stalled mini-batch training at 100K nodes.
CSBM = "csbm:nodes={nodes},avg_degree=40,features=128,classes=16,homophily=0.5,signal=0.8,seed=1"
COMPARISONS = [
    ("cora-sage", "citation/cora", "--model sage " + CITATION),
    ("cora-gcn", "citation/cora", "--model gcn " + CITATION),
    ("citeseer-sage", "citation/citeseer", "--model sage " + CITATION),
    ("citeseer-gcn", "citation/citeseer", "--model gcn " + CITATION),
    ("csbm-10k", CSBM.format(nodes=10000), SCALE + " --patience 20 --seeds 3"),
    ("csbm-100k", CSBM.format(nodes=100000), SCALE + " --patience 10 --seeds 1 --time-budget 300"),
    # At a million nodes a neighbour-sampling epoch takes tens of seconds, and every epoch's
    # evaluation (exact inference over the whole graph) about 4 s full-graph and 10 s
    # layer-wise: one seed, and each run stops after 120 s of training (the table says which
    # runs converged first), which keeps the comparison near 20 minutes on 2 cores.
    ("csbm-1m", CSBM.format(nodes=1000000), SCALE + " --patience 10 --seeds 1 --time-budget 120"),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--graphmini", default="build/release/cli/graphmini")
    parser.add_argument("--datasets", default="../shared/datasets")
    parser.add_argument("--only", help="comma-separated comparison names (default: all): " +
                        ", ".join(name for name, _, _ in COMPARISONS))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", default="bench/results/gnn_compare")
    args = parser.parse_args()
    chosen = args.only.split(",") if args.only else [name for name, _, _ in COMPARISONS]
    unknown = set(chosen) - {name for name, _, _ in COMPARISONS}
    if unknown:
        sys.exit(f"gnn_compare.py: unknown comparison {', '.join(sorted(unknown))}")

    os.makedirs(args.out, exist_ok=True)
    for name, dataset, flags in COMPARISONS:
        if name not in chosen:
            continue
        dataset = dataset_path(name, dataset, args.datasets)
        if dataset is None:
            continue
        folder = os.path.join(args.out, name)
        command = [args.graphmini, "gnn", "compare", "-d", dataset, *flags.split(),
                   "--threads", str(args.threads), "--out", folder]
        print(f"{name}: {' '.join(command)}", file=sys.stderr, flush=True)
        start = time.monotonic()
        result = subprocess.run(command, stdout=subprocess.PIPE, text=True)
        if result.returncode != 0:
            sys.exit(f"gnn_compare.py: {name} failed (its error is above)")
        wall = time.monotonic() - start
        plot_gnn_compare.plot(folder, title=f"{name} ({args.threads} threads)")
        shown = ["graphmini", *command[1:]]
        shown[shown.index("-d") + 1] = dataset.replace(args.datasets, "../shared/datasets")
        with open(os.path.join(folder, "command.txt"), "w") as out:
            out.write(" ".join(shown) + f"\n# wall time {wall:.0f} s\n")
        print(result.stdout, flush=True)
    write_readme(args.out)


def write_readme(out):
    """OUT/README.md: every comparison's table, command and plot, in COMPARISONS order."""
    sections = []
    for name, _, _ in COMPARISONS:
        folder = os.path.join(out, name)
        if not os.path.exists(os.path.join(folder, "table.md")):
            continue
        with open(os.path.join(folder, "command.txt")) as source:
            command = source.read().strip()
        with open(os.path.join(folder, "table.md")) as source:
            table = source.read().strip()
        sections.append(f"## {name}\n\n```\n{command}\n```\n\n{table}\n\n"
                        f"![{name}]({name}/validation_vs_time.png)\n")
    findings = os.path.join(out, "findings.md")  # written by hand from the tables
    if os.path.exists(findings):
        with open(findings) as source:
            sections.insert(0, source.read())
    with open(os.path.join(out, "README.md"), "w") as readme:
        readme.write("# Time to accuracy: full-graph against mini-batch training\n\n"
                     "Written by `bench/gnn_compare.py`; see `graphmini gnn compare --help` for "
                     "what is measured.\n\n" + "\n".join(sections))


if __name__ == "__main__":
    main()
