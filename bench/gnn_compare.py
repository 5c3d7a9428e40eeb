#!/usr/bin/python3
"""Runs the project's time-to-accuracy comparisons and writes their results and plots.

    bench/gnn_compare.py [--graphmini build/release/cli/graphmini] [--datasets ../shared/datasets]
                         [--only NAME,...] [--threads 2] [--out bench/results/gnn_compare]

Each comparison is one `graphmini gnn compare` (full-graph, neighbour-sampling and cluster
mini-batch training of the same model, each to convergence, then timed to the lowest of their
best validation accuracies); its folder gets comparison.json, table.md, curves.csv and
validation_vs_time.png, and OUT/README.md collects the tables with the command of each,
after OUT/findings.md (written by hand) when there is one.
The citation datasets come from --datasets (skipped with a message when absent); the
contextual SBM graphs are generated.
"""
import argparse
import os
import subprocess
import sys
import time

import plot_gnn_compare

# name, dataset (a folder under --datasets, or a generator spec), compare flags.
CITATION = "--epochs 200 --patience 50 --seeds 5 --batch-size 64 --fanouts 25,10 --clusters-per-batch 5"
SCALE = ("--model sage --hidden 128 --dropout 0 --batch-size 1024 --fanouts 10,5 "
         "--clusters-per-batch 10")
# 16 classes, half of each node's neighbours in its class, weak features (signal 0.3): no
# method reaches 100% and the graph matters. Without dropout: with 60% of the nodes in
# training nothing overfits, and dropout's noise on top of sampling's stalls mini-batch
# training at 100K nodes (loss 2.71 after 3 epochs, against 2.47 without).
CSBM = "csbm:nodes={nodes},avg_degree=40,features=128,classes=16,homophily=0.5,signal=0.3,seed=1"
COMPARISONS = [
    ("cora-sage", "citation/cora", "--model sage " + CITATION),
    ("cora-gcn", "citation/cora", "--model gcn " + CITATION),
    ("citeseer-sage", "citation/citeseer", "--model sage " + CITATION),
    ("citeseer-gcn", "citation/citeseer", "--model gcn " + CITATION),
    ("csbm-10k", CSBM.format(nodes=10000), SCALE + " --epochs 50 --patience 20 --seeds 3"),
    ("csbm-100k", CSBM.format(nodes=100000), SCALE + " --epochs 50 --patience 20 --seeds 1"),
    # At a million nodes a full-graph epoch with its evaluation takes about 20 s here: fewer
    # epochs, one seed.
    ("csbm-1m", CSBM.format(nodes=1000000), SCALE + " --epochs 30 --patience 10 --seeds 1"),
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

    for name, dataset, flags in COMPARISONS:
        if name not in chosen:
            continue
        if not dataset.startswith("csbm:"):
            dataset = os.path.join(args.datasets, dataset)
            if not os.path.isdir(dataset):
                print(f"gnn_compare.py: skipping {name}: {dataset} not found", file=sys.stderr)
                continue
        folder = os.path.join(args.out, name)
        command = [args.graphmini, "gnn", "compare", "-d", dataset, *flags.split(),
                   "--threads", str(args.threads), "--out", folder]
        print(f"{name}: {' '.join(command)}", file=sys.stderr, flush=True)
        start = time.monotonic()
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0:
            sys.exit(f"gnn_compare.py: {name} failed: {result.stderr.strip()}")
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
