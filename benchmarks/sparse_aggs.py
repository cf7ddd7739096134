"""Sparse aggregates in-process, dmlpy's kernels against plain SciPy/NumPy on one CSR matrix (default
the issue-15 size: 200000 x 100000, 10M non-zeros): sum, sum of squares, rowSums, colSums, mean.
dmlpy's figures are SystemDS's compensated (Kahan) sums in SystemDS's order and row parts (the
digits SystemDS prints); SciPy's are plain sums. Best of --repeat runs each, interleaved, so a
busy machine affects both alike; "seq" rows are the one-part-at-a-time kernels, for comparison.

    python benchmarks/sparse_aggs.py [--rows 200000 --cols 100000 --nnz 10000000 --repeat 7]
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
    ap.add_argument("--nnz", type=int, default=10_000_000)
    ap.add_argument("--repeat", type=int, default=7)
    a = ap.parse_args()
    from dmlpy.kernels import sparse_kahan as K
    from dmlpy.sparse import aggs
    rng = np.random.default_rng(7)
    rows = np.sort(rng.integers(0, a.rows, a.nnz))
    X = sp.csr_array((rng.random(a.nnz), (rows, rng.integers(0, a.cols, a.nnz))),
                     shape=(a.rows, a.cols))
    X.sum_duplicates()
    out = np.zeros(a.rows)
    cases = [
        ("sum", lambda: aggs.total(X), lambda: X.sum()),
        ("sum(X^2)", lambda: aggs.total(X, True), lambda: float(np.dot(X.data, X.data))),
        ("rowSums", lambda: aggs.row_sums(X), lambda: X.sum(axis=1)),
        ("rowSums seq", lambda: K.row_sums_range(0, a.rows, X.data, X.indptr, out),
         lambda: X.sum(axis=1)),
        ("colSums", lambda: aggs.col_sums(X), lambda: X.sum(axis=0)),
        ("mean", lambda: aggs.mean(X), lambda: X.mean()),
    ]
    print(f"X: {a.rows} x {a.cols}, {X.nnz} non-zeros; best of {a.repeat} (ms)")
    for name, d, s in cases:
        d()
        s()
        bd = bs = float("inf")
        for _ in range(a.repeat):
            t0 = time.perf_counter()
            d()
            t1 = time.perf_counter()
            s()
            t2 = time.perf_counter()
            bd, bs = min(bd, t1 - t0), min(bs, t2 - t1)
        print(f"  {name:12s} dmlpy {bd * 1e3:8.2f}   scipy {bs * 1e3:8.2f}   ratio {bd / bs:5.2f}")


if __name__ == "__main__":
    main()
