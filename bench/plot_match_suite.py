#!/usr/bin/python3
"""Plots bench/match_suite's CSV: run time per pruning mode for every cell.

    bench/plot_match_suite.py bench-results/match_suite.csv [-o plot.png]

One panel per graph and semantics, one group of bars per pattern, one bar per pruning mode
(log scale); a hatched bar hit the suite's time limit. Installs Debian's python3-matplotlib
when it is missing.
"""
import argparse
import csv
import os
import sys
from collections import OrderedDict

from script_support import import_pyplot


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", help="match_suite.csv written by bench/match_suite")
    parser.add_argument("-o", "--output", help="image file (default: the CSV's name, .png)")
    args = parser.parse_args()
    try:
        with open(args.csv, newline="") as source:
            rows = list(csv.DictReader(source))
    except OSError as error:
        sys.exit(f"plot_match_suite: cannot read {args.csv}: {error.strerror}")
    required = {"graph", "pattern", "induced", "prune", "run_s", "capped"}
    if not rows or not required <= set(rows[0]):
        sys.exit(f"plot_match_suite: {args.csv} is not a match_suite CSV with data rows")

    panels = OrderedDict()  # (graph, induced) -> pattern -> mode -> (seconds, capped)
    modes = []
    for row in rows:
        cell = panels.setdefault((row["graph"], row["induced"]), OrderedDict())
        cell.setdefault(row["pattern"], {})[row["prune"]] = (float(row["run_s"]),
                                                            row["capped"] == "true")
        if row["prune"] not in modes:
            modes.append(row["prune"])

    canonical = ["none", "static", "eager", "online", "cost"]
    modes.sort(key=lambda mode: canonical.index(mode) if mode in canonical else len(canonical))
    pyplot = import_pyplot()
    figure, axes = pyplot.subplots(len(panels), 1, figsize=(11, 3.2 * len(panels)),
                                   squeeze=False)
    width = 0.8 / len(modes)
    for axis, ((graph, induced), patterns) in zip(axes[:, 0], panels.items()):
        for m, mode in enumerate(modes):
            xs, heights, hatches = [], [], []
            for p, runs in enumerate(patterns.values()):
                if mode in runs:
                    xs.append(p + (m - (len(modes) - 1) / 2) * width)
                    heights.append(max(runs[mode][0], 1e-4))
                    hatches.append("//" if runs[mode][1] else "")
            bars = axis.bar(xs, heights, width, label=mode)
            for bar, hatch in zip(bars, hatches):
                bar.set_hatch(hatch)
        axis.set_yscale("log")
        axis.set_xticks(range(len(patterns)))
        axis.set_xticklabels(patterns.keys())
        axis.set_ylabel("run time (s)")
        axis.set_title(f"{graph}, {induced}-induced")
    axes[0, 0].legend(title="--prune", ncol=len(modes), fontsize="small")
    figure.tight_layout()
    output = args.output or os.path.splitext(args.csv)[0] + ".png"
    figure.savefig(output, dpi=120)
    print(f"wrote {output}")


if __name__ == "__main__":
    main()
