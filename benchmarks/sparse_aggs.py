"""Sparse aggregates in-process, dmlpy's kernels against plain SciPy/NumPy on one CSR matrix, made
by dmlpy's rand (default the issue's X = rand(rows=200000, cols=100000, sparsity=0.0005, seed=7): 10M
non-zeros, int32 indexes): sum, sum of squares, rowSums, colSums, mean, rowMaxs.
dmlpy's figures are SystemDS's compensated (Kahan) sums in SystemDS's order and row parts (the
digits SystemDS prints); SciPy's are plain sums. Best of --repeat runs each, interleaved, so a
busy machine affects both alike; "seq" rows are the one-part-at-a-time kernels, for comparison.

    python benchmarks/sparse_aggs.py [--rows 200000 --cols 100000 --sparsity 0.0005 --repeat 7]
"""
from __future__ import annotations

import argparse
import time

import numpy as np
import scipy.sparse as sp


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=200000)
    ap.add_argument("--cols", type=int, default=100000)
    ap.add_argument("--sparsity", type=float, default=0.0005)
    ap.add_argument("--repeat", type=int, default=7)
    a = ap.parse_args()
    from dmlpy.kernels import sparse_kahan as K
    from dmlpy.sparse import aggs
    from dmlpy.sparse import create
    X = create.rand(a.rows, a.cols, sparsity=a.sparsity, seed=7)
    assert sp.issparse(X)
    out = np.zeros(a.rows)
    cases = [
        ("sum", lambda: aggs.total(X), lambda: X.sum()),
        ("sum(X^2)", lambda: aggs.total(X, True), lambda: float(np.dot(X.data, X.data))),
        ("rowSums", lambda: aggs.row_sums(X), lambda: X.sum(axis=1)),
        ("rowSums seq", lambda: K.row_sums_range(0, a.rows, X.data, X.indptr, out),
         lambda: X.sum(axis=1)),
        ("colSums", lambda: aggs.col_sums(X), lambda: X.sum(axis=0)),
        ("mean", lambda: aggs.mean(X), lambda: X.mean()),
        ("rowMaxs", lambda: aggs.row_extremes(X, True), lambda: X.max(axis=1).toarray()),
    ]
    print(f"X: {a.rows} x {a.cols}, {X.nnz} non-zeros; best of {a.repeat} (ms): wall, and the CPU "
          "time of all the process's threads (steadier on a busy machine; dmlpy's sums run on "
          "two threads where SciPy runs on one)")
    for name, d, s in cases:
        d()
        s()
        bd = bs = cd = cs = float("inf")
        for _ in range(a.repeat):
            c0, t0 = time.process_time(), time.perf_counter()
            d()
            c1, t1 = time.process_time(), time.perf_counter()
            s()
            c2, t2 = time.process_time(), time.perf_counter()
            bd, bs = min(bd, t1 - t0), min(bs, t2 - t1)
            cd, cs = min(cd, c1 - c0), min(cs, c2 - c1)
        print(f"  {name:12s} dmlpy {bd * 1e3:7.2f} (cpu {cd * 1e3:7.2f})   scipy {bs * 1e3:7.2f} "
              f"(cpu {cs * 1e3:7.2f})   ratio {bd / bs:5.2f}")

if __name__ == "__main__":
    main()
