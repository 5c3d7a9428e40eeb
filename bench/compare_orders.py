#!/usr/bin/python3
"""Run times with the graph renumbered by degree against another vertex order, cell by cell,
and whether the cost model's view of each order predicts which is faster.

    bench/compare_orders.py --degree G-degree/match_suite.json --other G-file/match_suite.json \\
        [--degree ... --other ...] [--out table.md]

Each --degree is match_suite's JSON of a graph run with --order degree, the --other after it
that of the same graph with --order file (its own ids: a file's order, or any order written
into a .gmg). Per cell, the time is the `cost` mode's run ("run_s"); what the model sees is the
cell's plans on the sample that prices them, in each order ("sampled_cost", element
comparisons, and "sample_work", iterations; match_suite says how they are measured).

Prints a Markdown table (time ratio other / degree, and the two sampled ratios), then: the
geometric mean of the time ratio and the cells beyond 10% either way; for each sampled
measure, the correlation of its log ratio with the time's, and the geometric mean of the time
(relative to always renumbering) if each cell ran in the order that measure prices lower; and
the same for an oracle that knew the faster order. Counts that differ fail the script.
"""
import argparse
import json
import math
import statistics
import sys


def cells(path, order):
    try:
        with open(path) as file:
            records = json.load(file)
    except OSError as error:
        sys.exit(f"compare_orders.py: cannot read {path}: {error.strerror or error}")
    except json.JSONDecodeError as error:
        sys.exit(f"compare_orders.py: {path} is not match_suite's JSON: {error}")
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        sys.exit(f"compare_orders.py: {path} is not match_suite's JSON (a list of cells)")
    if any("cost" not in record.get("modes", {}) for record in records):
        sys.exit(f"compare_orders.py: {path} has cells without a run of --prune cost")
    # match_suite's runs before --order existed were all renumbered.
    found = {record.get("order", "degree") for record in records}
    if found != {order}:
        sys.exit(f"compare_orders.py: {path} ran in order {sorted(found)}, not {order!r}")
    return {(record["graph"], record["pattern"], record["induced"]): record for record in records}


def geomean(values):
    return math.exp(statistics.mean(math.log(v) for v in values))


def correlation(xs, ys):
    lx, ly = [math.log(x) for x in xs], [math.log(y) for y in ys]
    mx, my = statistics.mean(lx), statistics.mean(ly)
    spread = math.sqrt(sum((x - mx) ** 2 for x in lx) * sum((y - my) ** 2 for y in ly))
    return sum((x - mx) * (y - my) for x, y in zip(lx, ly)) / spread if spread > 0 else 0.0


def ratio(value):
    return "-" if value is None else f"{value:.2f}x"


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--degree", action="append", required=True, help="match_suite.json")
    parser.add_argument("--other", action="append", required=True, help="match_suite.json")
    parser.add_argument("--out", help="also write the table here")
    args = parser.parse_args()
    if len(args.degree) != len(args.other):
        sys.exit("compare_orders.py: give one --other for each --degree")

    rows, failures = [], []
    for degree_path, other_path in zip(args.degree, args.other):
        degree, other = cells(degree_path, "degree"), cells(other_path, "file")
        for key, d in degree.items():
            o = other.get(key)
            if o is None:
                failures.append(f"{' '.join(key)}: not in {other_path}")
                continue
            if d["count"] != o["count"]:
                failures.append(f"{' '.join(key)}: {d['count']} renumbered, {o['count']} not")
                continue
            if d["modes"]["cost"]["capped"] or o["modes"]["cost"]["capped"]:
                continue
            sampled = all(c.get(k) for c in (d, o) for k in ("sampled_cost", "sample_work"))
            rows.append({
                "cell": key,
                "degree": d["modes"]["cost"]["run_s"],
                "other": o["modes"]["cost"]["run_s"],
                "cost": o["sampled_cost"] / d["sampled_cost"] if sampled else None,
                "work": o["sample_work"] / d["sample_work"] if sampled else None,
            })
    if failures:
        sys.exit("compare_orders.py: counts differ:\n  " + "\n  ".join(failures))
    if not rows:
        sys.exit("compare_orders.py: no cell finished in both orders")

    lines = ["| graph | cell | degree order (s) | other order (s) | time other / degree "
             "| sampled cost other / degree | sample work other / degree |",
             "|---|---|---:|---:|---:|---:|---:|"]
    for row in rows:
        graph, pattern, induced = row["cell"]
        lines.append(f"| {graph} | {pattern} {induced} | {row['degree']:.3f} | {row['other']:.3f} "
                     f"| {ratio(row['other'] / row['degree'])} | {ratio(row['cost'])} "
                     f"| {ratio(row['work'])} |")
    times = [row["other"] / row["degree"] for row in rows]
    lines += ["", f"{len(rows)} cells, the same counts in both orders; time other / degree: "
              f"geometric mean {geomean(times):.2f}x, other faster by over 10% on "
              f"{sum(t < 1 / 1.1 for t in times)}, slower by over 10% on "
              f"{sum(t > 1.1 for t in times)}"]
    priced = [(row, t) for row, t in zip(rows, times) if row["cost"] is not None]
    for measure in ("cost", "work"):
        if not priced:
            break
        predicted = [row[measure] for row, _ in priced]
        actual = [t for _, t in priced]
        chosen = [t if row[measure] < 1 else 1.0 for row, t in priced]
        lines.append(f"sampled {measure}: correlation with the time (log ratios) "
                     f"{correlation(predicted, actual):+.2f}; choosing the order it prices "
                     f"lower: other order on {sum(row[measure] < 1 for row, _ in priced)} of "
                     f"{len(priced)} cells, time {geomean(chosen):.3f}x of always renumbering")
    lines.append(f"an oracle choosing the faster order: time {geomean(min(t, 1.0) for t in times):.3f}x "
                 "of always renumbering")
    text = "\n".join(lines) + "\n"
    print(text, end="")
    if args.out:
        with open(args.out, "w") as file:
            file.write(text)


if __name__ == "__main__":
    main()
