#!/usr/bin/python3
"""Trains over 1, 2 and 4 MPI ranks and models the time to accuracy on more hosts.

    bench/gnn_distributed.py [--graphmini build/release/cli/graphmini] [--datasets ../shared/datasets]
                             [--only cora,citeseer,csbm-1m,memory] [--ranks 1,2,4]
                             [--out bench/results/gnn_distributed]

For each dataset, GraphSAGE is trained by `mpirun -n K graphmini gnn train` three ways: full
graph (the graph partitioned over the ranks, exact), full graph with boundary sampling
(BNS-GCN, P = 0.3) and neighbour-sampled mini-batches (data parallel). Every run's --json
(per-rank memory, bytes sent and seconds in MPI per epoch) and --log (per epoch) are kept under
OUT/DATASET/; OUT/DATASET/table.md has one row per run: median epoch, time to the dataset's
target (the lowest best validation accuracy of its runs, so that every run reaches it),
bytes sent per epoch per rank, peak memory per rank and test accuracy.

Memory (OUT/memory/table.md): full-graph training, 2 epochs, on the 1M-node csbm above and on
one whose partition has a small halo (homophily 0.99: METIS finds the classes), with each
rank's peak RSS. A rank holds its part's and its halo's feature rows and activations; the
graph's structure is held whole by every rank, and rank 0 also runs METIS on it.

The model (OUT/model.md, OUT/model.png) predicts the time to target on K = 1..16 hosts over
links of 1, 25 and 100 Gbit/s, as Bajaj et al. (PVLDB 2025) model communication:
  time(K) = epochs to target x (compute per epoch on K hosts + bytes per rank per epoch / link)
where compute on K hosts is the one-rank epoch's divided by K (times the halo's extra rows for
a partition), and the bytes are
  full graph   Gamma_fg = 2 x sum over layers but the last of halo(K) x width x 4 bytes (halo
               rows forward, their gradients back; x P with boundary sampling), plus the
               weights' gradients summed by a ring, 2 (K - 1) / K x parameters x 4 bytes;
  mini-batch   Gamma_mb = 0 for features (replicated here: each rank holds them all), plus the
               ring sum of the gradients after every batch.
halo(K), the other ranks' nodes a rank's part reads, is measured at the rank counts run and
extrapolated as a power of K beyond them. The measured bytes per rank are printed beside the
modelled ones. On this machine K ranks share 2 cores, so wall-clock speed-up is not measured:
the compute term comes from the one-rank run, as a host of its own would run it.
"""
import argparse
import csv
import json
import math
import os
import subprocess
import sys

from script_support import dataset_path, import_pyplot, script_name

MPI = ["mpirun", "-q", "--oversubscribe", "--bind-to", "none"]
MPI_ENVIRONMENT = {"OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1",
                   "OMPI_MCA_btl_vader_single_copy_mechanism": "none"}
# name, dataset (a folder under --datasets or a generator spec), model flags, per method its
# flags (the epochs fixed: every run trains as long, so that their targets compare).
CSBM_1M = ("csbm:nodes=1000000,avg_degree=40,features=128,classes=16,homophily=0.5,signal=0.8,"
           "seed=1")
DATASETS = [
    ("cora", "citation/cora", "--model sage",
     {"full": "--mode full --epochs 100", "full-bns": "--mode full --epochs 100 --boundary-sample 0.3",
      "mini": "--mode mini --fanouts 10,5 --batch-size 32 --epochs 30"}),
    ("citeseer", "citation/citeseer", "--model sage",
     {"full": "--mode full --epochs 100", "full-bns": "--mode full --epochs 100 --boundary-sample 0.3",
      "mini": "--mode mini --fanouts 10,5 --batch-size 32 --epochs 30"}),
    ("csbm-1m", CSBM_1M, "--model sage --hidden 128 --dropout 0",
     {"full": "--mode full --epochs 8", "full-bns": "--mode full --epochs 8 --boundary-sample 0.3",
      "mini": "--mode mini --fanouts 10,5 --batch-size 1024 --epochs 2"}),
]
MEMORY_GRAPHS = [("homophily 0.5", CSBM_1M), ("homophily 0.99", CSBM_1M.replace("homophily=0.5",
                                                                                  "homophily=0.99"))]
MEMORY_FLAGS = "--model sage --hidden 128 --dropout 0 --mode full --epochs 2"
LINKS_GBPS = [1, 25, 100]
HOSTS = list(range(1, 17))


def run(graphmini, ranks, dataset, flags, folder, name):
    log = os.path.join(folder, f"{name}-{ranks}.csv")
    command = [graphmini, "gnn", "train", "-d", dataset, *flags.split(), "--log", log, "--json"]
    if ranks > 1:
        command = MPI + ["-n", str(ranks)] + command
    print(" ".join(command), file=sys.stderr, flush=True)
    result = subprocess.run(command, capture_output=True, text=True,
                            env=dict(os.environ, **MPI_ENVIRONMENT))
    if result.returncode != 0:
        sys.exit(f"{script_name()}: {' '.join(command)} failed: {result.stderr.strip()}")
    out = json.loads(result.stdout)
    with open(log) as source:
        out["log"] = [{key: float(value) for key, value in row.items()}
                      for row in csv.DictReader(source)]
    out["command"] = " ".join(command)
    with open(os.path.join(folder, f"{name}-{ranks}.json"), "w") as target:
        json.dump(out, target, indent=1)
    return out


def time_to(run_result, target):
    """Training seconds (evaluation excluded) and epochs until validation reaches target."""
    seconds = 0.0
    for row in run_result["log"]:
        seconds += row["epoch_seconds"]
        if row["val_acc"] >= target:
            return seconds, int(row["epoch"])
    return None, None


def per_rank(result, key):
    ranks = result.get("per_rank") or [{"peak_rss_bytes": result["peak_rss_bytes"],
                                        "bytes_sent_per_epoch": 0, "mpi_wait_seconds": 0,
                                        "owned_nodes": 0, "halo_nodes": 0}]
    return [r[key] for r in ranks]


def mib(value):
    return f"{value / 2**20:,.1f}"


def modelled_bytes(method, ranks, r, params, width):
    """Gamma per rank per epoch from the run's own halo (the rank with the largest)."""
    ring = 2 * (ranks - 1) / ranks * params * 4
    if method == "mini":
        return r["batches_per_epoch"] * ring
    fraction = 0.3 if method == "full-bns" else 1.0
    return 2 * fraction * max(per_rank(r, "halo_nodes")) * width * 4 + ring


def table(results, target, width):
    params = parameters(results)
    lines = ["| method | ranks | median epoch (s) | time to target (s) | epochs to target | "
             "sent per epoch per rank (MiB, max) | modelled (MiB) | MPI wait per epoch (s, "
             "max) | peak RSS per rank (MiB, max) | halo / owned nodes (max) | test acc |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for (method, ranks), r in sorted(results.items()):
        seconds, epochs = time_to(r, target)
        owned = per_rank(r, "owned_nodes")
        halo = per_rank(r, "halo_nodes")
        ratio = max((h / o if o else 0) for h, o in zip(halo, owned))
        wait = max(per_rank(r, "mpi_wait_seconds")) / max(1, r["epochs"])
        lines.append(
            f"| {method} | {ranks} | {r['epoch_seconds']:.4f} | "
            f"{'-' if seconds is None else f'{seconds:.3f}'} | {epochs or '-'} | "
            f"{mib(max(per_rank(r, 'bytes_sent_per_epoch')))} | "
            f"{mib(modelled_bytes(method, ranks, r, params or 0, width))} | {wait:.4f} | "
            f"{mib(max(per_rank(r, 'peak_rss_bytes')))} | "
            f"{'-' if not ratio else f'{ratio:.2f}'} | {r['test_acc']:.4f} |")
    return "\n".join(lines) + "\n"


def parameters(results):
    """The model's parameter count, from the ring's bytes of a mini-batch run over 2 ranks
    (each sends half of the floats per batch), or None."""
    r = results.get(("mini", 2))
    if r is None:
        return None
    return round(max(per_rank(r, "bytes_sent_per_epoch")) / r["batches_per_epoch"] / 4)


def model(results, widths, target, nodes):
    """Modelled seconds to target per method and link, for HOSTS, and the measured bytes."""
    params = parameters(results)
    rows = {}
    for method in ("full", "full-bns", "mini"):
        one = results.get(("full" if method == "full-bns" else method, 1))
        if one is None or params is None:
            continue
        _, epochs = time_to(one, target)
        if epochs is None:
            continue
        compute = one["epoch_seconds"]
        batches = one["batches_per_epoch"]
        fraction = 0.3 if method == "full-bns" else 1.0
        # Halo rows per owned row at each measured K, fitted as halo(K) = a K^b.
        measured = {}
        for (m, k), r in results.items():
            if m == "full" and k > 1:
                owned = sum(per_rank(r, "owned_nodes"))
                measured[k] = sum(per_rank(r, "halo_nodes")) / owned
        if len(measured) >= 2:
            (k1, h1), (k2, h2) = sorted(measured.items())[:2]
            b = math.log(h2 / h1) / math.log(k2 / k1)
            a = h1 / k1 ** b
        elif measured:
            (k1, h1), = measured.items()
            a, b = h1, 0.0
        else:
            a, b = 0.0, 0.0
        for gbps in LINKS_GBPS:
            link = gbps * 1e9 / 8
            times = []
            for k in HOSTS:
                ring = 2 * (k - 1) / k * params * 4
                if method == "mini":
                    sent = batches * ring
                    work = compute / k
                else:
                    halo = 0.0 if k == 1 else min(a * k ** b, k - 1)  # halo rows per owned row
                    rows_per_rank = nodes / k
                    sent = 2 * fraction * halo * rows_per_rank * sum(widths) * 4 + ring
                    work = compute / k * (1 + fraction * halo)
                times.append(epochs * (work + sent / link))
            rows[(method, gbps)] = times
    return rows


def plot(out, models, names):
    pyplot = import_pyplot()
    figure, axes = pyplot.subplots(1, len(names), figsize=(5 * len(names), 4), squeeze=False)
    styles = {"full": "-", "full-bns": "--", "mini": ":"}
    colors = {1: "tab:red", 25: "tab:blue", 100: "tab:green"}
    for axis, name in zip(axes[0], names):
        for (method, gbps), times in sorted(models[name].items()):
            axis.plot(HOSTS, times, styles[method], color=colors[gbps],
                      label=f"{method}, {gbps} Gbit/s")
        axis.set_title(name)
        axis.set_xlabel("hosts")
        axis.set_ylabel("modelled time to target (s)")
        axis.set_yscale("log")
    axes[0][-1].legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(os.path.join(out, "model.png"), dpi=110)


def memory(graphmini, ranks, out):
    folder = os.path.join(out, "memory")
    os.makedirs(folder, exist_ok=True)
    lines = ["| graph | ranks | peak RSS, rank 0 (MiB) | peak RSS, other ranks (MiB, max) | "
             "owned + halo nodes (max) | halo / owned (max) | setup (s) |", "|---|---|---|---|---|---|---|"]
    for label, dataset in MEMORY_GRAPHS:
        for k in ranks:
            r = run(graphmini, k, dataset, MEMORY_FLAGS, folder, label.replace(" ", "-"))
            peaks = per_rank(r, "peak_rss_bytes")
            rows = [o + h for o, h in zip(per_rank(r, "owned_nodes"), per_rank(r, "halo_nodes"))]
            halo = [h / o if o else 0 for o, h in zip(per_rank(r, "owned_nodes"),
                                                       per_rank(r, "halo_nodes"))]
            others = mib(max(peaks[1:])) if k > 1 else "-"
            lines.append(f"| {label} | {k} | {mib(peaks[0])} | {others} | "
                         f"{f'{max(rows):,}' if k > 1 else 'all'} | {max(halo):.2f} | "
                         f"{r['setup_seconds']:.1f} |")
    with open(os.path.join(folder, "table.md"), "w") as target:
        target.write("\n".join(lines) + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--graphmini", default="build/release/cli/graphmini")
    parser.add_argument("--datasets", default="../shared/datasets")
    parser.add_argument("--only", help="comma-separated datasets: " +
                        ", ".join(name for name, _, _, _ in DATASETS) + ", and memory")
    parser.add_argument("--ranks", default="1,2,4")
    parser.add_argument("--out", default="bench/results/gnn_distributed")
    args = parser.parse_args()
    chosen = (args.only.split(",") if args.only
              else [name for name, _, _, _ in DATASETS] + ["memory"])
    ranks = [int(k) for k in args.ranks.split(",")]
    os.makedirs(args.out, exist_ok=True)
    models, report = {}, []
    for name, dataset, model_flags, methods in DATASETS:
        if name not in chosen:
            continue
        dataset = dataset_path(name, dataset, args.datasets)
        if dataset is None:
            continue
        folder = os.path.join(args.out, name)
        os.makedirs(folder, exist_ok=True)
        results = {}
        for method, flags in methods.items():
            for k in ranks:
                if k == 1 and "--boundary-sample" in flags:
                    continue  # one process has no boundary: it is the exact run
                results[(method, k)] = run(args.graphmini, k, dataset, f"{model_flags} {flags}",
                                           folder, method)
        target = min(max(row["val_acc"] for row in r["log"]) for r in results.values())
        nodes = next(sum(per_rank(r, "owned_nodes")) for (m, k), r in results.items()
                     if m == "full" and k > 1)
        hidden = 128 if "--hidden 128" in model_flags else 256
        models[name] = model(results, [hidden], target, nodes)
        text = table(results, target, hidden)
        with open(os.path.join(folder, "table.md"), "w") as target_file:
            target_file.write(text)
        lines = [f"## {name}\n", f"Target validation accuracy {target:.4f} (the lowest best of "
                 f"its runs). Commands: `{folder}/*.json` (`command`).\n", text]
        lines.append("Modelled time to target (s) on K hosts:\n")
        lines.append("| method | link | " + " | ".join(f"K={k}" for k in (1, 2, 4, 8, 16)) + " |")
        lines.append("|---|---|" + "---|" * 5)
        for (method, gbps), times in sorted(models[name].items()):
            lines.append(f"| {method} | {gbps} Gbit/s | " +
                         " | ".join(f"{times[k - 1]:.3g}" for k in (1, 2, 4, 8, 16)) + " |")
        report.append("\n".join(lines) + "\n")
    if "memory" in chosen:
        memory(args.graphmini, ranks, args.out)
    if not models:
        return
    plot(args.out, models, list(models))
    with open(os.path.join(args.out, "model.md"), "w") as out:
        out.write("# Training over MPI ranks, measured and modelled\n\nWritten by "
                  "`bench/gnn_distributed.py` (see its docstring for the model).\n\n" +
                  "\n".join(report) + "\n![model](model.png)\n")


if __name__ == "__main__":
    main()
