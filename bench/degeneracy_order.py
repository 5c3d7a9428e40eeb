#!/usr/bin/python3
"""Writes a graph's edge list with its vertices renumbered in degeneracy order, for measuring
the engine in a vertex order other than by degree (bench/compare_orders.py).

    bench/degeneracy_order.py G.txt.gz G-degeneracy.txt
    graphmini data convert G-degeneracy.txt G-degeneracy.gmg   # then match_suite --order file

The order is the k-core peeling order: repeatedly the vertex of least degree among those left,
numbered 0, 1, ... as removed (ties to the least id in the input), so that every vertex has
at most the graph's degeneracy neighbours with higher ids. The input is an undirected edge
list ("u v" per line, '#' and '%' lines skipped, .gz read as gzip); self-loops and repeated
edges are dropped. Prints the degeneracy and the sum over vertices of the square of their
neighbours with higher ids (the wedges an outer loop over v and N(v) > v sees).
"""
import argparse
import gzip
import heapq
import os
import sys


def read_edges(path):
    opener = gzip.open if path.endswith(".gz") else open
    neighbours = {}
    with opener(path, "rt") as file:
        for number, line in enumerate(file, 1):
            if not line.strip() or line[0] in "#%":
                continue
            fields = line.split()
            try:
                u, v = int(fields[0]), int(fields[1])
            except (IndexError, ValueError):
                sys.exit(f"degeneracy_order.py: {path}:{number}: expected two vertex ids")
            if u != v:
                neighbours.setdefault(u, set()).add(v)
                neighbours.setdefault(v, set()).add(u)
    return neighbours


def peeling_order(neighbours):
    left = {v: len(n) for v, n in neighbours.items()}
    heap = [(d, v) for v, d in left.items()]
    heapq.heapify(heap)
    order = []
    while heap:
        degree, v = heapq.heappop(heap)
        if v not in left or left[v] != degree:
            continue
        del left[v]
        order.append(v)
        for u in neighbours[v]:
            if u in left:
                left[u] -= 1
                heapq.heappush(heap, (left[u], u))
    return order


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("input", help="edge list (.txt or .txt.gz)")
    parser.add_argument("output", help="edge list in degeneracy order")
    args = parser.parse_args()
    try:
        neighbours = read_edges(args.input)
    except OSError as error:
        sys.exit(f"degeneracy_order.py: cannot read {args.input}: {error.strerror or error}")
    new_id = {v: i for i, v in enumerate(peeling_order(neighbours))}
    higher = [sum(new_id[u] > new_id[v] for u in n) for v, n in neighbours.items()]
    partial = args.output + ".partial"
    try:
        with open(partial, "w") as file:
            for v, n in neighbours.items():
                for u in n:
                    if new_id[v] < new_id[u]:
                        file.write(f"{new_id[v]} {new_id[u]}\n")
        os.replace(partial, args.output)
    except OSError as error:
        if os.path.exists(partial):
            os.remove(partial)
        sys.exit(f"degeneracy_order.py: cannot write {args.output}: {error.strerror or error}")
    print(f"{len(neighbours)} vertices, {sum(higher)} edges, degeneracy {max(higher, default=0)}, "
          f"sum of squared higher-id neighbours {sum(h * h for h in higher)}")


if __name__ == "__main__":
    main()
