#!/usr/bin/python3
"""Checks bench/graphmini_compare.py on match_suite's own output and made-up GraphMini records:

    graphmini_compare_test.py COMPARE_SCRIPT MATCH_SUITE_JSON WORK_DIR

Every cell's GraphMini time is twice ours, so each ratio and the mean are 2.00x; one cell is
also given a capped run (no effect: it finished another way), one an edge_iep run with another
count (left out and listed), and one cell only a capped run (a lower bound). Then a plain run
with another count must fail the script.
"""
import json
import os
import subprocess
import sys

compare, suite, work = sys.argv[1:4]
os.makedirs(work, exist_ok=True)
cells = json.load(open(suite))
records = []
for index, cell in enumerate(cells):
    run = cell["modes"]["cost"]
    record = {"graph": cell["graph"], "pattern": cell["pattern"], "induced": cell["induced"],
              "prune": "online", "status": "ok", "exec_s": 2 * run["run_s"], "count": cell["count"]}
    if index == len(cells) - 1:
        record.update(status="capped", exec_s=None, count=None, limit_s=100 * run["run_s"])
    records.append(record)
first = cells[0]
records.append(dict(records[0], prune="static", status="capped", exec_s=None, count=None,
                    limit_s=1.0))
records.append(dict(records[0], induced="edge_iep", prune="costmodel",
                    exec_s=first["modes"]["cost"]["run_s"] / 2, count=first["count"] * 2))
theirs = os.path.join(work, "theirs.json")
json.dump(records, open(theirs, "w"))

result = subprocess.run([sys.executable, compare, "--ours", suite, "--theirs", theirs],
                        capture_output=True, text=True)
out = result.stdout
expected = [f"geometric mean 2.00x over {len(cells) - 1} cells both finished; least 2.00x",
            f"at least {2 ** ((len(cells) - 1) / len(cells)) * 100 ** (1 / len(cells)):.2f}x",
            "> 100.00x (GraphMini over", "left out for a wrong count",
            f"edge_iep/costmodel counted {first['count'] * 2}, not {first['count']}"]
missing = [text for text in expected if text not in out]
if result.returncode != 0 or missing:
    sys.exit(f"FAILED: exit {result.returncode}, missing {missing}\n{out}{result.stderr}")

records[1]["count"] = records[1]["count"] + 1
json.dump(records, open(theirs, "w"))
result = subprocess.run([sys.executable, compare, "--ours", suite, "--theirs", theirs],
                        capture_output=True, text=True)
if result.returncode == 0 or "COUNTS DIFFER" not in result.stderr:
    sys.exit(f"FAILED: another count was not refused: exit {result.returncode}\n{result.stderr}")
print("graphmini_compare: ratios, bounds and count checks as expected")
