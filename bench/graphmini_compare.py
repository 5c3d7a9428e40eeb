#!/usr/bin/python3
"""Our run times against GraphMini's, cell by cell, from the two systems' own records.

    bench/graphmini_compare.py --ours DIR/match_suite.json [--ours ...] \\
        --theirs graphmini_runs.json [--out table.md]

--ours: match_suite's JSON (its `cost` mode is ours). --theirs: one record per GraphMini run,
a JSON list of objects with graph, pattern, induced ("edge", "vertex", or "edge_iep": its
edge-induced count by inclusion-exclusion), prune (its pruning option), status ("ok",
"capped" past limit_s, or else), exec_s (its execution time: matching only, without code
generation, compilation or loading) and count. Per cell, GraphMini's fastest finished
configuration with our count is taken, as in the issue's targets (an edge_iep run with
another count is left out and listed). Prints a Markdown table per graph (ratio =
GraphMini's time / ours; where GraphMini ran past its limit (status "capped", limit_s), the
limit over ours is a lower bound) and per graph the geometric mean over the cells both
finished, with the least ratio, and the mean with those bounds. Counts that differ fail the
script.
"""
import argparse
import json
import math
import os
import sys


def graph_name(name):
    for suffix in (".txt.gz", ".txt", ".gmg"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ours", action="append", required=True, help="match_suite.json")
    parser.add_argument("--theirs", required=True, help="GraphMini's run records (JSON list)")
    parser.add_argument("--out", help="also write the table here")
    args = parser.parse_args()

    ours = {}
    for path in args.ours:
        with open(path) as file:
            for cell in json.load(file):
                run = cell["modes"].get("cost")
                if run is None:
                    sys.exit(f"{path}: no 'cost' mode in {cell['graph']} {cell['pattern']}")
                key = (graph_name(cell["graph"]), cell["pattern"], cell["induced"])
                ours[key] = (None if run["capped"] else run["run_s"], cell.get("count"))
    # GraphMini's runs by cell: those that finished, and the longest limit of those that did
    # not. Its "edge_iep" query type (edge-induced, counted by inclusion-exclusion) is one more
    # configuration of the edge-induced cell.
    finished, limits = {}, {}
    with open(args.theirs) as file:
        for record in json.load(file):
            induced = "edge" if record["induced"] == "edge_iep" else record["induced"]
            key = (graph_name(record["graph"]), record["pattern"], induced)
            if record.get("status") == "ok" and record.get("exec_s") is not None:
                finished.setdefault(key, []).append(record)
            elif record.get("status") == "capped":
                limits[key] = max(limits.get(key, 0.0), record.get("limit_s") or 0.0)

    lines, mismatches, wrong = [], [], []
    for graph in sorted({key[0] for key in ours}):
        cells = sorted(key for key in ours if key[0] == graph and (key in finished or key in limits))
        if not cells:
            continue
        lines += [f"### {graph}", "",
                  "| cell | ours (s) | GraphMini (s) | its fastest | GraphMini / ours |",
                  "|---|---|---|---|---|"]
        logs, bounds, least = [], [], None
        for key in cells:
            mine, my_count = ours[key]
            runs = finished.get(key, [])
            if my_count is not None:
                for run in runs:
                    if run.get("count") == my_count:
                        continue
                    if run["induced"] == "edge_iep":
                        wrong.append(f"{' '.join(key)}: edge_iep/{run['prune']} counted "
                                     f"{run.get('count')}, not {my_count}")
                    else:
                        mismatches.append(f"{key}: ours {my_count}, GraphMini {run.get('count')}")
                runs = [run for run in runs if run.get("count") == my_count]
            best = min(runs, key=lambda run: run["exec_s"]) if runs else None
            their_time = best["exec_s"] if best else None
            config = (("iep " if best["induced"] == "edge_iep" else "") + best["prune"]
                      if best else "-")
            their_limit = limits.get(key, 0.0)
            if mine is not None and their_time is not None:
                ratio = their_time / mine
                logs.append(math.log(ratio))
                least = ratio if least is None else min(least, ratio)
                ratio_text = f"{ratio:.2f}x"
            elif mine is not None and their_limit > 0:
                bounds.append(math.log(their_limit / mine))
                ratio_text = f"> {their_limit / mine:.2f}x (GraphMini over {their_limit:.0f} s)"
            elif mine is not None:
                ratio_text = "> (GraphMini failed)"
            elif their_time is not None:
                ratio_text = "< (ours did not finish)"
            else:
                ratio_text = "neither finished"
            lines.append(f"| {key[1]} {key[2]} | {'-' if mine is None else f'{mine:.3f}'} | "
                         f"{'-' if their_time is None else f'{their_time:.3f}'} | "
                         f"{config} | {ratio_text} |")
        if logs:
            summary = (f"{graph}: geometric mean {math.exp(sum(logs) / len(logs)):.2f}x over "
                       f"{len(logs)} cells both finished; least {least:.2f}x")
            if bounds:
                every = logs + bounds
                summary += (f"; at least {math.exp(sum(every) / len(every)):.2f}x over "
                            f"{len(every)} cells, taking GraphMini's time limit for the "
                            f"{len(bounds)} it did not finish")
        else:
            summary = f"{graph}: no cell finished on both sides"
        lines += ["", summary, ""]
    if wrong:
        lines += ["GraphMini runs left out for a wrong count:", ""] + [f"- {w}" for w in wrong]
    text = "\n".join(lines)
    print(text)
    if args.out:
        with open(args.out, "w") as file:
            file.write(text + "\n")
    if mismatches:
        sys.exit("COUNTS DIFFER:\n" + "\n".join(mismatches))


if __name__ == "__main__":
    main()
