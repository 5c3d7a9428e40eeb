#!/usr/bin/python3
"""GPU training speed: graphmini --device cuda against PyTorch Geometric on the same GPU.

    bench/gnn_cuda.py --graphmini PATH [--datasets ../shared/datasets] [--out DIR]
                      [--only NAME,...]

Runs on a machine with an NVIDIA GPU and PyTorch with PyTorch Geometric (tests/gpu/
device_check.sh runs it there with the packed graphmini). Each cell trains one model the same
way on both sides: two layers, dropout on each layer's input, Adam (lr 0.01, weight decay
5e-4), the loss over the training nodes, and times the median training epoch (forward,
backward and optimiser step; evaluation left out on both sides). graphmini's epoch is the
`epoch_seconds` of `graphmini gnn train --device cuda --json`; PyG's is timed here with the GPU
synchronised after each epoch, after warm-up epochs.

  - cora (its LINQS files, read here for PyG: the same graph, features, labels and the
    Planetoid training nodes): GCN (hidden 16, the paper's) and GraphSAGE (hidden 256),
    full graph. PyG's features are dense, as its Planetoid loader gives them.
  - csbm-1m: graphmini's contextual SBM of 1M nodes and 20M edges (40M arcs), 128 features,
    16 classes; PyG gets a uniform random graph of the same nodes and edges with random
    features of the same width (the SBM generator is graphmini's), and the same share of
    training nodes (60%). GCN and GraphSAGE, hidden 128, full graph (PyG's GCN with cached
    normalisation, as graphmini's block keeps its norms). GraphSAGE mini-batch (fanouts 10,5,
    batch 1024) where PyG's NeighborLoader runs (it needs pyg-lib or torch-sparse).

Writes OUT/speed.json (every cell) and OUT/speed.md (the table with PyG / graphmini ratios);
the cells of an earlier OUT/speed.json that this run does not measure (--only) are kept.
"""
import argparse
import gzip
import json
import os
import statistics
import sys
import time

from script_support import run_json

CSBM = ("csbm:nodes=1000000,avg_degree=40,features=128,classes=16,homophily=0.5,signal=0.8,"
        "seed=1")
# name, dataset, model, hidden, mode, graphmini's epochs
CELLS = [
    ("cora-gcn", "citation/cora", "gcn", 16, "full", 200),
    ("cora-sage", "citation/cora", "sage", 256, "full", 200),
    ("csbm-1m-gcn", CSBM, "gcn", 128, "full", 12),
    ("csbm-1m-sage", CSBM, "sage", 128, "full", 12),
    ("csbm-1m-sage-mini", CSBM, "sage", 128, "mini", 3),
]
MINI = ["--fanouts", "10,5", "--batch-size", "1024"]


def ours(graphmini, dataset, model, hidden, mode, epochs):
    command = [graphmini, "gnn", "train", "-d", dataset, "--model", model, "--hidden",
               str(hidden), "--mode", mode, "--epochs", str(epochs), "--patience", str(epochs),
               "--device", "cuda", "--json"]
    if mode == "mini":
        command += MINI
    result = run_json(command, timeout=600)
    return {"epoch_seconds": result["epoch_seconds"], "epochs": result["epochs"],
            "test_acc": result["test_acc"], "device_peak_bytes": result["device_peak_bytes"],
            "device_name": result["device_name"], "command": " ".join(["graphmini"] + command[1:])}


def read_cora(folder, torch):
    """cora's LINQS files as tensors: features (row-normalised bag of words), edges both ways,
    labels, Planetoid training nodes."""
    with gzip.open(os.path.join(folder, "cora.content.gz"), "rt") as source:
        rows = [line.split() for line in source if line.strip()]
    ids = {row[0]: i for i, row in enumerate(rows)}
    classes = {name: c for c, name in enumerate(sorted({row[-1] for row in rows}))}
    x = torch.tensor([[float(v) for v in row[1:-1]] for row in rows])
    x = x / x.sum(1, keepdim=True).clamp(min=1)
    y = torch.tensor([classes[row[-1]] for row in rows])
    edges = set()
    with gzip.open(os.path.join(folder, "cora.cites.gz"), "rt") as source:
        for line in source:
            a, b = line.split()
            if a in ids and b in ids and a != b:
                edges.add((ids[a], ids[b]))
                edges.add((ids[b], ids[a]))
    edge_index = torch.tensor(sorted(edges)).t().contiguous()
    train = []
    with open(os.path.join(folder, "cora.planetoid-split.tsv")) as source:
        for line in source:
            if not line.startswith("#"):
                paper, split = line.split()
                if split == "train":
                    train.append(ids[paper])
    return x, edge_index, y, torch.tensor(train)


def random_graph(torch, nodes, arcs, features, classes):
    """A uniform random undirected graph of nodes and arcs / 2 edges, random features."""
    generator = torch.Generator().manual_seed(1)
    src = torch.randint(0, nodes, (arcs // 2,), generator=generator)
    dst = torch.randint(0, nodes, (arcs // 2,), generator=generator)
    edge_index = torch.stack([torch.cat([src, dst]), torch.cat([dst, src])])
    x = torch.randn(nodes, features, generator=generator)
    y = torch.randint(0, classes, (nodes,), generator=generator)
    train = torch.randperm(nodes, generator=generator)[: nodes * 6 // 10]
    return x, edge_index, y, train


def pyg(data, model_name, hidden, mode, epochs, warmup):
    import torch
    import torch.nn.functional as F
    from torch_geometric.nn import GCNConv, SAGEConv

    x, edge_index, y, train = data
    device = torch.device("cuda")
    classes = int(y.max()) + 1

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            if model_name == "gcn":
                self.one = GCNConv(x.size(1), hidden, cached=mode == "full")
                self.two = GCNConv(hidden, classes, cached=mode == "full")
            else:
                self.one = SAGEConv(x.size(1), hidden, aggr="mean")
                self.two = SAGEConv(hidden, classes, aggr="mean")

        def forward(self, features, edges):
            h = F.dropout(features, 0.5, self.training)
            h = F.relu(self.one(h, edges))
            h = F.dropout(h, 0.5, self.training)
            return self.two(h, edges)

    net = Net().to(device)
    optimizer = torch.optim.Adam(net.parameters(), lr=0.01, weight_decay=5e-4)
    torch.cuda.reset_peak_memory_stats()
    times = []
    if mode == "full":
        xd, ed, yd, td = x.to(device), edge_index.to(device), y.to(device), train.to(device)
        for epoch in range(warmup + epochs):
            torch.cuda.synchronize()
            start = time.perf_counter()
            net.train()
            optimizer.zero_grad()
            out = net(xd, ed)
            loss = F.nll_loss(F.log_softmax(out[td], dim=1), yd[td])
            loss.backward()
            optimizer.step()
            loss.item()
            torch.cuda.synchronize()
            if epoch >= warmup:
                times.append(time.perf_counter() - start)
    else:
        from torch_geometric.data import Data
        from torch_geometric.loader import NeighborLoader
        loader = NeighborLoader(Data(x=x, edge_index=edge_index, y=y), num_neighbors=[10, 5],
                                batch_size=1024, input_nodes=train, shuffle=True,
                                num_workers=8, persistent_workers=True)
        for epoch in range(warmup + epochs):
            torch.cuda.synchronize()
            start = time.perf_counter()
            net.train()
            for batch in loader:
                batch = batch.to(device)
                optimizer.zero_grad()
                out = net(batch.x, batch.edge_index)[: batch.batch_size]
                loss = F.nll_loss(F.log_softmax(out, dim=1), batch.y[: batch.batch_size])
                loss.backward()
                optimizer.step()
            torch.cuda.synchronize()
            if epoch >= warmup:
                times.append(time.perf_counter() - start)
    return {"epoch_seconds": statistics.median(times), "epochs": len(times),
            "peak_bytes": torch.cuda.max_memory_allocated()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--graphmini", required=True)
    parser.add_argument("--datasets", default="../shared/datasets")
    parser.add_argument("--out", default="bench/results/gnn_cuda")
    parser.add_argument("--only", help="comma-separated cells: " +
                        ", ".join(cell[0] for cell in CELLS))
    args = parser.parse_args()
    import torch
    import torch_geometric
    chosen = args.only.split(",") if args.only else [cell[0] for cell in CELLS]
    os.makedirs(args.out, exist_ok=True)
    results = {"gpu": torch.cuda.get_device_name(0), "torch": torch.__version__,
               "torch_geometric": torch_geometric.__version__, "cells": []}
    earlier = os.path.join(args.out, "speed.json")
    if os.path.exists(earlier):
        with open(earlier) as source:
            results["cells"] = [cell for cell in json.load(source)["cells"]
                                if cell["name"] not in chosen]
    graphs = {}
    for name, dataset, model, hidden, mode, epochs in CELLS:
        if name not in chosen:
            continue
        path = dataset if dataset.startswith("csbm:") else os.path.join(args.datasets, dataset)
        if not dataset.startswith("csbm:") and not os.path.isdir(path):
            print(f"gnn_cuda.py: skipping {name}: {path} not found", file=sys.stderr)
            continue
        print(f"gnn_cuda.py: {name}", file=sys.stderr, flush=True)
        cell = {"name": name, "model": model, "hidden": hidden, "mode": mode,
                "graphmini": ours(args.graphmini, path, model, hidden, mode, epochs)}
        if dataset not in graphs:
            graphs[dataset] = (read_cora(path, torch) if not dataset.startswith("csbm:")
                               else random_graph(torch, 1000000, 40000000, 128, 16))
        try:
            cell["pyg"] = pyg(graphs[dataset], model, hidden, mode,
                              epochs=min(epochs, 50) if mode == "full" else 2,
                              warmup=5 if mode == "full" else 1)
            cell["speedup"] = cell["pyg"]["epoch_seconds"] / cell["graphmini"]["epoch_seconds"]
        except (ImportError, RuntimeError) as error:  # NeighborLoader without its sampler
            # A worker's error arrives wrapped: its cause is the message's last line.
            lines = [line for line in str(error).splitlines() if line.strip()]
            cell["pyg"] = {"error": lines[-1] if lines else type(error).__name__}
        print(json.dumps(cell), file=sys.stderr, flush=True)
        results["cells"].append(cell)
        order = [c[0] for c in CELLS]
        results["cells"].sort(key=lambda c: order.index(c["name"]))
        with open(os.path.join(args.out, "speed.json"), "w") as out:
            json.dump(results, out, indent=2)
    lines = [f"GPU: {results['gpu']}; PyTorch {results['torch']}, PyG "
             f"{results['torch_geometric']}. Median training epoch (ms).", "",
             "| cell | graphmini | PyG | PyG / graphmini | graphmini GPU peak (MiB) | "
             "PyG GPU peak (MiB) |", "|---|---|---|---|---|---|"]
    for cell in results["cells"]:
        ours_ms = cell["graphmini"]["epoch_seconds"] * 1e3
        ours_peak = cell["graphmini"]["device_peak_bytes"] / 2**20
        if "epoch_seconds" in cell["pyg"]:
            lines.append(f"| {cell['name']} | {ours_ms:.2f} | "
                         f"{cell['pyg']['epoch_seconds'] * 1e3:.2f} | {cell['speedup']:.2f} | "
                         f"{ours_peak:.0f} | {cell['pyg']['peak_bytes'] / 2**20:.0f} |")
        else:
            lines.append(f"| {cell['name']} | {ours_ms:.2f} | not run: {cell['pyg']['error']} | "
                         f"- | {ours_peak:.0f} | - |")
    with open(os.path.join(args.out, "speed.md"), "w") as out:
        out.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
