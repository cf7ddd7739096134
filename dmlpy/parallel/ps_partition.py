"""paramserv's data partitioning: which rows of (features, labels) each worker trains on.

The four schemes of SystemDS 3.4 (`scheme=`), for n rows and k workers:

- DISJOINT_CONTIGUOUS (the default): consecutive blocks of ceil(n/k) rows, the last one shorter.
  SystemDS stops cutting when the next block would start at the last row, so a last block of
  exactly one row is dropped (n=7, k=3 trains on 6 rows); dmlpy keeps that row.
- DISJOINT_ROUND_ROBIN: worker w (0-based) gets the rows i with i mod k == w.
- DISJOINT_RANDOM: one random permutation of the rows, cut into blocks of ceil(n/k).
- OVERLAP_RESHUFFLE: every worker gets all rows, each worker in its own random order.

A scheme that yields fewer non-empty parts than k workers runs with fewer workers, as in SystemDS.
The permutations come from `seed` (worker w of OVERLAP_RESHUFFLE uses seed + w); without a seed
they differ from run to run. SystemDS's local mode ignores `seed` here (its permutations are always
unseeded); dmlpy honours it so that a run can be repeated.
"""
from __future__ import annotations

import numpy as np

SCHEMES = ("DISJOINT_CONTIGUOUS", "DISJOINT_ROUND_ROBIN", "DISJOINT_RANDOM", "OVERLAP_RESHUFFLE")


def _permutation(n: int, seed):
    rng = np.random.default_rng(None if seed is None else seed & 0xFFFFFFFFFFFFFFFF)
    return rng.permutation(n)


def row_sets(scheme: str, n: int, k: int, seed=None) -> list:
    """The row indexes (0-based) of each worker's part, non-empty parts only."""
    if scheme == "DISJOINT_CONTIGUOUS":
        step = -(-n // k)
        parts = [np.arange(lo, min(lo + step, n)) for lo in range(0, n, step)] if n else []
    elif scheme == "DISJOINT_ROUND_ROBIN":
        parts = [np.arange(w, n, k) for w in range(k)]
    elif scheme == "DISJOINT_RANDOM":
        perm, step = _permutation(n, seed), -(-n // k)
        parts = [perm[lo:lo + step] for lo in range(0, n, step)] if n else []
    elif scheme == "OVERLAP_RESHUFFLE":
        parts = [_permutation(n, None if seed is None else seed + w) for w in range(k)]
    else:
        raise ValueError(scheme)
    return [p for p in parts if len(p)]


def partition(scheme: str, features, labels, k: int, seed=None) -> list:
    """[(features part, labels part)] per worker. Contiguous parts are views (never written:
    dmlpy copies a matrix before writing into one it does not own); the others are copies."""
    out = []
    for rows in row_sets(scheme, features.shape[0], k, seed):
        if scheme == "DISJOINT_CONTIGUOUS":
            lo, hi = int(rows[0]), int(rows[-1]) + 1
            out.append((features[lo:hi], labels[lo:hi]))
        else:
            out.append((np.ascontiguousarray(features[rows]), np.ascontiguousarray(labels[rows])))
    return out
