#!/usr/bin/python3
"""Pattern counting on Kronecker graphs of hundreds of millions of edges, on one machine.

    bench/kron_scale.py [--graphmini build/release/cli/graphmini] [--scales 22,23,24,25]
                        [--edge-factor 16] [--queries triangle,4-clique,4-cycle,P2,P3,P4]
                        [--threads 2] [--limit 1800] [--work build/kron] [--keep]
                        [--out bench-results/kron_scale]

For each scale: `graphmini data generate kron --degree-order` writes the graph to --work as a
.gmg in the order the matching commands use (so loading maps it without a copy); then each
query is counted (`graphmini count --json`, edge-induced) with a time limit. Reported per
scale: generation seconds and peak resident memory, the .gmg's size, vertices and edges; per
query: load and run seconds, the process's peak resident memory (its own --json field, the
mapped graph included) and the count, or "capped" past --limit. P1 is the 4-clique.

The .gmg files are large (scale 25: about 4.5 GB) and are deleted after their scale unless
--keep. Writes OUT/kron_scale.json, .csv and a table in .txt; the largest scale at which each
query finished is the table's last line. A generation or count that fails (rather than hitting
--limit) is in the table and makes the script exit 1.
"""
import argparse
import csv
import json
import os
import subprocess
import signal
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from script_support import script_name  # noqa: E402


def measured(command, timeout):
    """Runs `command`; returns (exit status, or None when killed past `timeout` seconds, stdout,
    stderr, wall seconds, the child's peak resident bytes)."""
    start = time.monotonic()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    output = {}
    readers = [threading.Thread(target=lambda name, pipe: output.update({name: pipe.read()}),
                                args=(name, pipe)) for name, pipe in
               (("out", child.stdout), ("err", child.stderr))]
    for reader in readers:
        reader.start()
    killer = threading.Timer(timeout, child.kill) if timeout else None
    if killer:
        killer.start()
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.monotonic() - start
    if killer:
        killer.cancel()
    for reader in readers:
        reader.join()
    child.returncode = os.waitstatus_to_exitcode(status)
    killed = os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL and timeout
    return (None if killed else child.returncode, output["out"], output["err"], seconds,
            usage.ru_maxrss * 1024)


def main():
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n", 2)[2], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--graphmini", default="build/release/cli/graphmini",
                        help="the graphmini to run (default: %(default)s)")
    parser.add_argument("--scales", default="22,23,24,25",
                        help="Kronecker scales: 2^SCALE vertices (default: %(default)s)")
    parser.add_argument("--edge-factor", type=int, default=16,
                        help="edges generated per vertex (default: %(default)s)")
    parser.add_argument("--queries", default="triangle,4-clique,4-cycle,P2,P3,P4",
                        help="patterns, counted edge-induced (default: %(default)s)")
    parser.add_argument("--threads", type=int, default=2,
                        help="threads per count (default: %(default)s)")
    parser.add_argument("--limit", type=float, default=1800,
                        help="seconds per count before it is stopped and reported as capped "
                        "(default: %(default)s)")
    parser.add_argument("--work", default="build/kron",
                        help="folder for the .gmg files (default: %(default)s)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the .gmg files instead of deleting each after its scale")
    parser.add_argument("--out", default="bench-results/kron_scale",
                        help="folder for kron_scale.json, .csv and .txt (default: %(default)s)")
    args = parser.parse_args()
    try:
        scales = [int(s) for s in args.scales.split(",")]
    except ValueError:
        parser.error(f"--scales takes whole numbers separated by commas, not '{args.scales}'")
    queries = args.queries.split(",")
    os.makedirs(args.work, exist_ok=True)
    os.makedirs(args.out, exist_ok=True)
    graphmini = args.graphmini
    if not os.access(graphmini, os.X_OK):
        sys.exit(f"{script_name()}: {graphmini} is not an executable (build with ./dev.sh demo)")

    rows = []
    for scale in scales:
        path = os.path.join(args.work, f"kron-{scale}.gmg")
        status, _, err, seconds, peak = measured(
            [graphmini, "data", "generate", "kron", "--scale", str(scale), "--edge-factor",
             str(args.edge_factor), "--degree-order", "-o", path], None)
        if status != 0:
            print(f"{script_name()}: scale {scale}: {err.strip()}", file=sys.stderr)
            rows.append({"scale": scale, "query": "generate", "error": err.strip()})
            break
        status, out, err, _, _ = measured([graphmini, "data", "info", path, "--json"], None)
        if status != 0:
            print(f"{script_name()}: scale {scale}: {err.strip()}", file=sys.stderr)
            rows.append({"scale": scale, "query": "info", "error": err.strip()})
            break
        info = json.loads(out)
        graph = {"scale": scale, "vertices": info["vertices"], "edges": info["edges"],
                 "generate_seconds": round(seconds, 1), "generate_peak_rss_bytes": peak,
                 "gmg_bytes": os.path.getsize(path)}
        print(f"scale {scale}: {graph['vertices']} vertices, {graph['edges']} edges, generated "
              f"in {seconds:.1f} s, .gmg {graph['gmg_bytes'] / 2**20:.0f} MiB", flush=True)
        for query in queries:
            status, out, err, seconds, _ = measured(
                [graphmini, "count", "-g", path, "-p", query, "-t", str(args.threads), "--json"],
                args.limit)
            row = dict(graph, query=query)
            if status is None:
                row["capped"] = True
            elif status != 0:
                row["error"] = err.strip()
            else:
                result = json.loads(out)
                row.update(count=result["count"], load_seconds=result["seconds"]["load"],
                           run_seconds=result["seconds"]["run"],
                           peak_rss_bytes=result["peak_rss_bytes"])
            rows.append(row)
            shown = ("capped" if row.get("capped") else row.get("error") or
                     f"{row['count']} in {row['run_seconds']:.1f} s (load {row['load_seconds']:.1f}"
                     f" s, peak {row['peak_rss_bytes'] / 2**20:.0f} MiB)")
            print(f"  {query}: {shown}", flush=True)
        if not args.keep:
            os.remove(path)

    with open(os.path.join(args.out, "kron_scale.json"), "w") as file:
        json.dump(rows, file, indent=1)
    fields = ["scale", "vertices", "edges", "generate_seconds", "generate_peak_rss_bytes",
              "gmg_bytes", "query", "count", "load_seconds", "run_seconds", "peak_rss_bytes",
              "capped", "error"]
    with open(os.path.join(args.out, "kron_scale.csv"), "w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    largest = {}
    with open(os.path.join(args.out, "kron_scale.txt"), "w") as file:
        file.write(f"{'scale':>5} {'query':<9} {'count':>18} {'load s':>7} {'run s':>8} "
                   f"{'peak MiB':>8}\n")
        shown = set()
        for row in rows:
            if row["scale"] not in shown and "gmg_bytes" in row:
                shown.add(row["scale"])
                file.write(f"scale {row['scale']}: {row['vertices']} vertices, {row['edges']} "
                           f"edges; generated in {row['generate_seconds']} s (peak "
                           f"{row['generate_peak_rss_bytes'] / 2**20:.0f} MiB), .gmg "
                           f"{row['gmg_bytes'] / 2**20:.0f} MiB\n")
            if "count" in row:
                largest[row["query"]] = row["scale"]
                file.write(f"{row['scale']:>5} {row['query']:<9} {row['count']:>18} "
                           f"{row['load_seconds']:>7.2f} {row['run_seconds']:>8.1f} "
                           f"{row['peak_rss_bytes'] / 2**20:>8.0f}\n")
            else:
                file.write(f"{row['scale']:>5} {row['query']:<9} "
                           f"{'capped' if row.get('capped') else 'error':>18}\n")
        file.write("largest scale finished: " +
                   ", ".join(f"{q} {s}" for q, s in largest.items()) + "\n")
    print(open(os.path.join(args.out, "kron_scale.txt")).read(), end="")
    # A run that failed (not one that hit the limit) fails the script, after the table.
    if any("error" in row for row in rows):
        sys.exit(1)


if __name__ == "__main__":
    main()
