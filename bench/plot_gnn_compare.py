#!/usr/bin/python3
"""Plots a `graphmini gnn compare --out DIR` folder: validation accuracy against training time.

    bench/plot_gnn_compare.py DIR [-o DIR/validation_vs_time.png] [--title TEXT]

One line per method (full-graph, neighbour sampling, cluster sampling) for each seed, seed 1
drawn solid and the others faint, against training time (evaluation excluded), with seed 1's
target accuracy dashed and each method's seed-1 time to it marked. Reads
DIR/curves.csv and DIR/comparison.json. Installs Debian's python3-matplotlib when missing.
"""
import argparse
import csv
import json
import os
import sys
from collections import defaultdict

from script_support import import_pyplot

COLOURS = {"full": "tab:blue", "neighbor": "tab:orange", "cluster": "tab:green"}


def plot(folder, output=None, title=None):
    """Draws the plot of one compare folder and returns the image's path."""
    try:
        with open(os.path.join(folder, "comparison.json")) as source:
            comparison = json.load(source)
        with open(os.path.join(folder, "curves.csv"), newline="") as source:
            rows = list(csv.DictReader(source))
    except OSError as error:
        sys.exit(f"plot_gnn_compare: cannot read {error.filename}: {error.strerror}")
    except json.JSONDecodeError:
        sys.exit(f"plot_gnn_compare: {folder}/comparison.json is not JSON")
    if not rows or not {"method", "seed", "train_seconds", "val_acc"} <= set(rows[0]):
        sys.exit(f"plot_gnn_compare: {folder}/curves.csv has no curve rows")

    curves = defaultdict(lambda: ([], []))  # (method, seed) -> (seconds, accuracy)
    for row in rows:
        seconds, accuracy = curves[(row["method"], int(row["seed"]))]
        seconds.append(float(row["train_seconds"]))
        accuracy.append(100 * float(row["val_acc"]))

    pyplot = import_pyplot()
    figure, axes = pyplot.subplots(figsize=(7, 4.5))
    order = list(COLOURS)
    for (method, seed), (seconds, accuracy) in sorted(
            curves.items(), key=lambda item: (order.index(item[0][0]) if item[0][0] in order
                                              else len(order), item[0][1])):
        axes.plot(seconds, accuracy, color=COLOURS.get(method, "black"),
                  alpha=1.0 if seed == 1 else 0.3, linewidth=1.5 if seed == 1 else 0.8,
                  label=method if seed == 1 else None)
    # Seeds are paired, each with its own target: seed 1's, as its curves are the solid ones.
    seed_one = comparison["seed_targets"][0]
    target = 100 * seed_one["target_acc"]
    axes.axhline(target, color="grey", linestyle="--", linewidth=1,
                 label=f"seed 1 target {target:.1f}%")
    for run in comparison["runs"]:
        if run["seed"] == 1 and run["time_to_target_s"] is not None:
            axes.plot([run["time_to_target_s"]], [target], marker="o",
                      color=COLOURS.get(run["method"], "black"))
    axes.set_xscale("log")
    axes.set_xlabel("training time (s, log scale; evaluation excluded)")
    axes.set_ylabel("validation accuracy (%)")
    low = min(min(a) for _, a in curves.values())
    axes.set_ylim(max(low, target - 30), min(100, max(max(a) for _, a in curves.values()) + 2))
    axes.set_title(title or f"{comparison['model']} on {os.path.basename(comparison['dataset'])}")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(loc="lower right")
    figure.tight_layout()
    output = output or os.path.join(folder, "validation_vs_time.png")
    figure.savefig(output, dpi=120)
    pyplot.close(figure)
    return output


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", help="the --out folder of graphmini gnn compare")
    parser.add_argument("-o", "--output", help="image file (default: FOLDER/validation_vs_time.png)")
    parser.add_argument("--title", help="plot title (default: model on dataset)")
    args = parser.parse_args()
    print(f"wrote {plot(args.folder, args.output, args.title)}")


if __name__ == "__main__":
    main()
