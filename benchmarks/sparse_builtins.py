"""The builtins of issue 15 on sparse data, dmlpy against SystemDS 3.4 in one run: `als` on a
10000 x 5000 ratings matrix with 1% observed entries (ratings 1..5), and `pageRank` on a
100000-node graph with 1M random edges (column-normalised adjacency built with table()).

Each run is a fresh process; the figures are its wall time (start-up included: the JVM's for
SystemDS, imports and cached Numba kernels for dmlpy) and its peak RSS (from wait4). dmlpy runs
twice: with its own builtins (scripts/builtin) and with SystemDS's DML builtins
(--builtin-path). The dmlpy runs set DMLPY_SPARSE_TRACE and count the densify calls they report
(0: the ratings and the graph stayed sparse all the way). The script's printed results are shown
for each system, so they can be compared.

    python benchmarks/sparse_builtins.py [--systems dmlpy,dmlpy-sysds,sysds] [--only als,pagerank]
        [--als-rows 10000 --als-cols 5000 --als-iter 10] [--nodes 100000 --edges 1000000]
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile

from bench_procs import DMLPY, SYSDS, run_process  # noqa: E402
SYSDS_BUILTINS = "/root/.cache/dmlpy-reference/jar/scripts/builtin"

ALS = """X = round(rand(rows=$m, cols=$n, sparsity=0.01, min=1, max=5, seed=3))
[U, V] = als(X=X, rank=10, reg=0.001, maxi=$it, check=TRUE, verbose=FALSE)
print("als: sum(U) " + sum(U) + " sum(V) " + sum(V))
print("als: loss " + sum((X != 0) * (U %*% V - X)^2))
"""

PAGERANK = """n = $n
src = round(rand(rows=$e, cols=1, min=0.5, max=n + 0.49, seed=11))
dst = round(rand(rows=$e, cols=1, min=0.5, max=n + 0.49, seed=12))
A = table(dst, src, n, n) != 0
cs = colSums(A)
G = A / (cs + (cs == 0))
p = pageRank(G=G, u=matrix(1 / n, rows=1, cols=n), alpha=0.85, max_iter=20, seed=5)
print("pageRank: edges " + sum(A) + " sum(p) " + sum(p) + " max(p) " + max(p))
"""


def run(system, script, args, timeout):
    env = dict(os.environ)
    if system == "sysds":
        cmd = [SYSDS, "-f", script, "-nvargs"] + args
    else:
        env["DMLPY_SPARSE_TRACE"] = "1"
        cmd = [DMLPY] + (["--builtin-path", SYSDS_BUILTINS] if system == "dmlpy-sysds" else []) \
            + ["-f", script, "-nvargs"] + args
    text, rc, rss, secs = run_process(cmd, timeout, env)
    lines = [ln for ln in text.splitlines() if ln.strip()]
    dens = sum(1 for ln in lines if ln.startswith("dmlpy: densify"))
    results = [ln for ln in lines if ln.startswith(("als:", "pageRank:"))]
    return rc, rss, secs, dens, results, lines[-5:]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--systems", default="dmlpy,dmlpy-sysds,sysds")
    ap.add_argument("--only", default="als,pagerank")
    ap.add_argument("--als-rows", type=int, default=10000)
    ap.add_argument("--als-cols", type=int, default=5000)
    ap.add_argument("--als-iter", type=int, default=10)
    ap.add_argument("--nodes", type=int, default=100000)
    ap.add_argument("--edges", type=int, default=1000000)
    ap.add_argument("--timeout", type=float, default=900)
    a = ap.parse_args()
    systems = a.systems.split(",")
    work = {"als": (ALS, [f"m={a.als_rows}", f"n={a.als_cols}", f"it={a.als_iter}"],
                    f"als {a.als_rows}x{a.als_cols}, 1% observed, rank 10, {a.als_iter} iterations",
                    a.als_rows * a.als_cols * 8),
            "pagerank": (PAGERANK, [f"n={a.nodes}", f"e={a.edges}"],
                         f"pageRank {a.nodes} nodes, {a.edges} edges, 20 iterations",
                         a.nodes * a.nodes * 8)}
    with tempfile.TemporaryDirectory() as tmp:
        for name in a.only.split(","):
            text, args, title, dense_bytes = work[name]
            path = os.path.join(tmp, f"{name}.dml")
            with open(path, "w") as f:
                f.write(text)
            print(f"== {title} (one dense copy of the big operand: {dense_bytes / 1e6:,.0f} MB)")
            for s in systems:
                if s != "sysds":        # a first run fills Numba's caches
                    run(s, path, args, a.timeout)
                rc, rss, secs, dens, results, tail = run(s, path, args, a.timeout)
                if rc != 0:
                    print(f"  {s:12s} FAILED (exit {rc}): " + " | ".join(tail))
                    continue
                extra = f"  densify calls {dens}" if s != "sysds" else ""
                print(f"  {s:12s} {secs:7.2f} s  peak RSS {rss:8.1f} MB{extra}")
                for r in results:
                    print(f"      {r}")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
