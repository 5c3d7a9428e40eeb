#!/usr/bin/python3
"""graphmini's GNN training epochs against plain PyTorch, on one and on two threads.

    bench/gnn_speed.py [--graphmini build/release/cli/graphmini] [--dataset DIR] [--rounds 3]
                       [--only gcn|sage] [--out DIR]

Two comparisons, each the same computation on both sides:

gcn: a full-graph GCN epoch. The reference is a plain PyTorch GCN in Kipf and Welling's
layout: row-normalised features as a sparse matrix (dropout on its non-zeros), the normalised
adjacency with self-loops as a torch sparse matrix, two layers of hidden 16, ReLU, dropout
0.5, Adam (lr 0.01, weight decay 5e-4). Median epoch of --epochs (200).

sage: a mini-batch GraphSAGE epoch, against `gnn train --model sage --mode mini --sampler
neighbor` with --fanouts (25,10) and --batch-size (64). Each epoch the training nodes are
shuffled and cut into batches of seeds; for each batch the reference samples one bipartite
block per hop, gathers the rows of the outermost sources from the sparse row-normalised
features, runs a GraphSAGE of hidden 256 (h'_d = h_d W_root + mean of the sampled h_s W_neigh
+ b; ReLU; dropout 0.5 on each layer's input, on the non-zeros for the sparse first one),
log-softmax and NLL over the seeds, and an Adam step (lr 0.01, weight decay 5e-4). The
epoch's time covers all of it, sampling and feature gathering included. Median epoch of
--sage-epochs (30).

Target, for both: graphmini on two threads at least 5x faster than PyTorch on one (the
machine a user has, against PyTorch as it comes).

The reference's sampler is vectorised torch, no Python loop over nodes: for a frontier of
destination nodes it lists all their CSR neighbour slots at once (repeat_interleave), gives
each slot a random key within its node's range of keys, argsorts the keys and keeps each
node's first `fanout` slots -- a uniform sample without replacement, all neighbours when the
degree is <= fanout. The destinations come first among the block's sources and the new
neighbours follow, compacted through a global-to-local id map. The block is a coalesced torch
sparse matrix of 1 / sampled degree, so mean aggregation is one torch.sparse.mm (after the
layer's weight, as mean(h_s) W = mean(h_s W)). Hop k + 1 samples from all of hop k's sources.

Both sides time training epochs only (evaluation excluded); the two alternate for --rounds
rounds and the fastest median of each stands. --out DIR writes DIR/gnn_speed.json and .csv.
Exits 1 when a target is missed. Debian's python3-torch is installed when missing.
"""
import argparse
import csv
import gzip
import json
import math
import os
import statistics
import sys
import time

from script_support import import_or_install, run_json


def read_linqs(folder):
    """Features (row-normalised), labels, adjacency pairs and the train split of a LINQS folder."""
    name = os.path.basename(os.path.normpath(folder))
    ids, features, labels, classes = {}, [], [], {}
    with gzip.open(os.path.join(folder, name + ".content.gz"), "rt") as content:
        for line in content:
            fields = line.rstrip("\n").split("\t")
            ids[fields[0]] = len(ids)
            row = [float(x) for x in fields[1:-1]]
            total = sum(row)
            features.append([x / total for x in row] if total else row)
            labels.append(classes.setdefault(fields[-1], len(classes)))
    edges = set()
    with gzip.open(os.path.join(folder, name + ".cites.gz"), "rt") as cites:
        for line in cites:
            a, b = line.split()
            if a in ids and b in ids and a != b:
                edges.add((ids[a], ids[b]))
                edges.add((ids[b], ids[a]))
    train = []
    with open(os.path.join(folder, name + ".planetoid-split.tsv")) as split:
        for line in split:
            if line.startswith("#") or not line.strip():
                continue
            paper, which = line.split()
            if which == "train" and paper in ids:
                train.append(ids[paper])
    return features, labels, sorted(edges), train


def torch_epoch_seconds(torch, data, threads, epochs):
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    features, labels, edges, train = data
    n = len(features)
    x = torch.tensor(features)
    y = torch.tensor(labels)
    train = torch.tensor(train)
    degree = [1.0] * n
    for a, _ in edges:
        degree[a] += 1
    rows = [a for a, _ in edges] + list(range(n))
    cols = [b for _, b in edges] + list(range(n))
    values = [1.0 / (degree[a] * degree[b]) ** 0.5 for a, b in zip(rows, cols)]
    adjacency = torch.sparse_coo_tensor([rows, cols], values, (n, n)).coalesce()

    # Sparse input, as graphmini takes it (citation features are about 1% non-zero), with
    # dropout on the non-zeros: dense dropout over the 2708 x 1433 input costs 140 ms per
    # call in Debian's torch 1.13 build and would make the comparison meaningless.
    features_sparse = x.to_sparse().coalesce()
    indices, nonzeros = features_sparse.indices(), features_sparse.values()

    class Gcn(torch.nn.Module):
        def __init__(self):
            super().__init__()
            classes = int(y.max()) + 1
            self.w1 = torch.nn.Parameter(torch.empty(x.shape[1], 16))
            self.b1 = torch.nn.Parameter(torch.zeros(16))
            self.w2 = torch.nn.Parameter(torch.empty(16, classes))
            self.b2 = torch.nn.Parameter(torch.zeros(classes))
            torch.nn.init.xavier_uniform_(self.w1)
            torch.nn.init.xavier_uniform_(self.w2)

        def forward(self):
            values = torch.nn.functional.dropout(nonzeros, 0.5, self.training)
            h = torch.sparse.mm(torch.sparse_coo_tensor(indices, values, x.shape), self.w1)
            h = torch.relu(torch.sparse.mm(adjacency, h) + self.b1)
            h = torch.nn.functional.dropout(h, 0.5, self.training)
            return torch.sparse.mm(adjacency, h @ self.w2) + self.b2

    model = Gcn()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01, weight_decay=5e-4)
    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        model.train()
        optimizer.zero_grad()
        out = torch.log_softmax(model(), dim=1)
        torch.nn.functional.nll_loss(out[train], y[train]).backward()
        optimizer.step()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def graphmini_epoch_seconds(binary, folder, threads, epochs):
    command = [binary, "gnn", "train", "-d", folder, "--threads", str(threads), "--epochs",
               str(epochs), "--patience", str(epochs), "--json"]
    return run_json(command)["epoch_seconds"]


def csr_graph(torch, data):
    """The adjacency and the sparse features of a read_linqs() result as CSR tensors."""
    features, labels, edges, train = data
    x = torch.tensor(features)
    n = x.shape[0]

    def pointers(rows):
        return torch.cat([torch.zeros(1, dtype=torch.long),
                          torch.bincount(rows, minlength=n).cumsum(0)])

    pairs = torch.tensor(edges)  # sorted by source
    nonzero = x.nonzero()  # row-major
    return {"pointers": pointers(pairs[:, 0]), "neighbours": pairs[:, 1].contiguous(),
            "feature_pointers": pointers(nonzero[:, 0]),
            "feature_columns": nonzero[:, 1].contiguous(),
            "feature_values": x[nonzero[:, 0], nonzero[:, 1]], "features": x.shape[1],
            "labels": torch.tensor(labels), "train": torch.tensor(train)}


def csr_slots(torch, pointers, rows):
    """The slots pointers[r] .. pointers[r + 1] - 1 of each of rows, concatenated.

    Returns each slot's owner (its row's index in rows), the slots and each row's count."""
    starts = pointers[rows]
    counts = pointers[rows + 1] - starts
    owner = torch.repeat_interleave(counts)
    first = counts.cumsum(0) - counts
    return owner, starts[owner] + torch.arange(len(owner)) - first[owner], counts


def sample_block(torch, graph, destinations, fanout, local_id):
    """One hop of neighbour sampling: up to fanout neighbours of each destination.

    Returns the block's sources (the destinations, then the new neighbours) and the
    destinations x sources sparse matrix of 1 / sampled degree. local_id maps global to local
    ids and is all -1 before and after."""
    owner, slots, counts = csr_slots(torch, graph["pointers"], destinations)
    # Keys owner * 2^31 + a random 31-bit number: in key order each destination's slots are
    # in random order, and the first `fanout` of them a uniform sample without replacement.
    order = torch.argsort(owner * 2**31 + torch.randint(2**31, owner.shape))
    rank = torch.arange(len(owner)) - (counts.cumsum(0) - counts)[owner]
    keep = rank < fanout  # owner[order] == owner: keys sort by owner first
    owner, neighbours = owner[keep], graph["neighbours"][slots[order][keep]]
    count = len(destinations)
    local_id[destinations] = torch.arange(count)
    new = torch.unique(neighbours[local_id[neighbours] < 0])
    local_id[new] = torch.arange(count, count + len(new))
    sources = torch.cat([destinations, new])
    columns = local_id[neighbours]
    local_id[sources] = -1
    weights = 1.0 / counts.clamp(max=fanout).to(torch.float32)[owner]
    block = torch.sparse_coo_tensor(torch.stack([owner, columns]), weights,
                                    (count, len(sources))).coalesce()
    return sources, block


def torch_sage_epoch_seconds(torch, graph, threads, epochs, fanouts, batch_size):
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    labels, train = graph["labels"], graph["train"]
    sizes = [graph["features"]] + [256] * (len(fanouts) - 1) + [int(labels.max()) + 1]
    dropout = torch.nn.functional.dropout

    class Sage(torch.nn.Module):
        def __init__(self):
            super().__init__()

            def weights():
                return torch.nn.ParameterList(
                    torch.nn.Parameter(torch.nn.init.xavier_uniform_(torch.empty(a, b)))
                    for a, b in zip(sizes, sizes[1:]))
            self.root, self.neighbour = weights(), weights()
            self.bias = torch.nn.ParameterList(torch.nn.Parameter(torch.zeros(b))
                                               for b in sizes[1:])

        def forward(self, indices, values, destination_nonzeros, blocks):
            """indices and values: the outermost sources' feature rows, the destinations'
            first (destination_nonzeros of them); blocks: innermost (the seeds') first."""
            block = blocks[-1]
            values = dropout(values, 0.5, self.training)
            x = torch.sparse_coo_tensor(indices, values, (block.shape[1], sizes[0]))
            x_destinations = torch.sparse_coo_tensor(
                indices[:, :destination_nonzeros], values[:destination_nonzeros],
                (block.shape[0], sizes[0]))
            h = (torch.sparse.mm(x_destinations, self.root[0]) +
                 torch.sparse.mm(block, torch.sparse.mm(x, self.neighbour[0])) + self.bias[0])
            for layer, block in enumerate(reversed(blocks[:-1]), 1):
                h = dropout(torch.relu(h), 0.5, self.training)
                h = (h[:block.shape[0]] @ self.root[layer] +
                     torch.sparse.mm(block, h @ self.neighbour[layer]) + self.bias[layer])
            return h

    model = Sage()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01, weight_decay=5e-4)
    local_id = torch.full(labels.shape, -1, dtype=torch.long)
    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        model.train()
        for seeds in train[torch.randperm(len(train))].split(batch_size):
            blocks, nodes = [], seeds
            for fanout in fanouts:
                nodes, block = sample_block(torch, graph, nodes, fanout, local_id)
                blocks.append(block)
            owner, slots, counts = csr_slots(torch, graph["feature_pointers"], nodes)
            indices = torch.stack([owner, graph["feature_columns"][slots]])
            destination_nonzeros = int(counts[:blocks[-1].shape[0]].sum())
            optimizer.zero_grad(set_to_none=True)
            out = torch.log_softmax(model(indices, graph["feature_values"][slots],
                                          destination_nonzeros, blocks), dim=1)
            torch.nn.functional.nll_loss(out, labels[seeds]).backward()
            optimizer.step()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def graphmini_sage_epoch_seconds(binary, folder, threads, epochs, fanouts, batch_size, batches):
    command = [binary, "gnn", "train", "-d", folder, "--model", "sage", "--mode", "mini",
               "--sampler", "neighbor", "--fanouts", ",".join(map(str, fanouts)),
               "--layers", str(len(fanouts)), "--batch-size", str(batch_size),
               "--threads", str(threads), "--epochs", str(epochs), "--patience", str(epochs),
               "--json"]
    result = run_json(command)
    if result["epochs"] != epochs or result.get("batches_per_epoch", batches) != batches:
        sys.exit(f"gnn_speed: graphmini ran {result['epochs']} epochs of "
                 f"{result.get('batches_per_epoch')} batches, the reference {epochs} of {batches}")
    return result["epoch_seconds"]


def compare(reference, ours, rounds):
    """Alternates reference(threads) and ours(threads) for rounds rounds on one and two
    threads; prints a table row per thread count and returns the rows."""
    print(f"{'threads':>7} {'PyTorch ms':>11} {'graphmini ms':>13} {'speedup':>8}")
    rows = []
    for threads in (1, 2):
        theirs, mine = [], []
        for _ in range(rounds):
            theirs.append(reference(threads))
            mine.append(ours(threads))
        speedup = min(theirs) / min(mine)
        rows.append({"threads": threads, "pytorch_s": min(theirs), "graphmini_s": min(mine),
                     "speedup": speedup, "pytorch_rounds_s": theirs, "graphmini_rounds_s": mine})
        print(f"{threads:>7} {1e3 * min(theirs):11.2f} {1e3 * min(mine):13.2f} {speedup:7.2f}x")
    return rows


TARGET = "graphmini on 2 threads >= 5x PyTorch on 1 thread"


def report_target(rows):
    """Prints the target's ratio (rows: one thread, then two) and whether it is met."""
    ratio = rows[0]["pytorch_s"] / rows[1]["graphmini_s"]
    met = ratio >= 5
    print(f"target ({TARGET}): {ratio:.2f}x, {'met' if met else 'MISSED'}")
    return met


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    datasets = os.environ.get("GRAPHMINI_DATASETS",
                              os.path.join(os.path.dirname(root), "shared/datasets"))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--graphmini", default=os.path.join(root, "build/release/cli/graphmini"))
    parser.add_argument("--dataset", default=os.path.join(datasets, "citation/cora"))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", choices=("gcn", "sage"),
                        help="run one comparison (default: both)")
    parser.add_argument("--epochs", type=int, default=200, help="GCN epochs (default 200)")
    parser.add_argument("--sage-epochs", type=int, default=30,
                        help="GraphSAGE mini-batch epochs (default 30)")
    parser.add_argument("--fanouts", default="25,10",
                        help="GraphSAGE neighbours sampled per hop, one per layer (default 25,10)")
    parser.add_argument("--batch-size", type=int, default=64,
                        help="GraphSAGE seeds per batch (default 64)")
    parser.add_argument("--out", help="write DIR/gnn_speed.json and .csv (default: none)")
    args = parser.parse_args()
    if not os.path.isdir(args.dataset):
        sys.exit(f"gnn_speed: no dataset folder {args.dataset} (--dataset)")
    try:
        fanouts = [int(f) for f in args.fanouts.split(",")]
    except ValueError:
        fanouts = []
    if not fanouts or min(fanouts) < 1 or args.batch_size < 1:
        sys.exit("gnn_speed: --fanouts takes positive counts like 25,10 and --batch-size > 0")
    torch = import_or_install("torch", "python3-torch")
    data = read_linqs(args.dataset)
    name = os.path.basename(os.path.normpath(args.dataset))
    results = {"dataset": name, "torch": torch.__version__, "rounds": args.rounds}

    missed = False
    if args.only in (None, "gcn"):
        print(f"GCN epoch on {name}, median of {args.epochs}, fastest of {args.rounds} rounds "
              f"(torch {torch.__version__})")
        rows = compare(lambda threads: torch_epoch_seconds(torch, data, threads, args.epochs),
                       lambda threads: graphmini_epoch_seconds(args.graphmini, args.dataset,
                                                               threads, args.epochs),
                       args.rounds)
        met = report_target(rows)
        missed = missed or not met
        results["gcn"] = {"epochs": args.epochs, "target": TARGET, "met": met, "rows": rows}

    if args.only in (None, "sage"):
        if args.only is None:
            print()
        graph = csr_graph(torch, data)
        batches = math.ceil(len(graph["train"]) / args.batch_size)
        print(f"SAGE mini-batch epoch on {name} (fanouts {args.fanouts}, batch size "
              f"{args.batch_size}, {batches} batches), median of {args.sage_epochs}, fastest of "
              f"{args.rounds} rounds (torch {torch.__version__})")
        rows = compare(lambda threads: torch_sage_epoch_seconds(
                           torch, graph, threads, args.sage_epochs, fanouts, args.batch_size),
                       lambda threads: graphmini_sage_epoch_seconds(
                           args.graphmini, args.dataset, threads, args.sage_epochs, fanouts,
                           args.batch_size, batches),
                       args.rounds)
        met = report_target(rows)
        missed = missed or not met
        results["sage"] = {"epochs": args.sage_epochs, "fanouts": fanouts,
                           "batch_size": args.batch_size, "batches_per_epoch": batches,
                           "target": TARGET, "met": met, "rows": rows}

    if args.out:
        os.makedirs(args.out, exist_ok=True)
        with open(os.path.join(args.out, "gnn_speed.json"), "w") as out:
            json.dump(results, out, indent=2)
        with open(os.path.join(args.out, "gnn_speed.csv"), "w", newline="") as out:
            fields = ["comparison", "threads", "pytorch_s", "graphmini_s", "speedup"]
            writer = csv.DictWriter(out, fieldnames=fields, extrasaction="ignore")
            writer.writeheader()
            for comparison in ("gcn", "sage"):
                for row in results.get(comparison, {}).get("rows", []):
                    writer.writerow(dict(row, comparison=comparison))
        print(f"wrote {args.out}/gnn_speed.json and .csv")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
