"""Builtins whose result is built sparse from the start when it is large and sparse."""
from __future__ import annotations

import numpy as np

from . import choose


def table_csr(rows, cols, weights, r, c):
    """table()'s r x c contingency table of (rows[k], cols[k]) pairs (0-based) weighted by
    weights, as a csr_array: the weights of a cell are added in input order, as the dense
    np.add.at does; cells summing to 0 are not stored."""
    import scipy.sparse as sp
    w = np.ascontiguousarray(weights, dtype=np.float64)
    key = rows.astype(np.int64) * c + cols.astype(np.int64)
    order = np.argsort(key, kind="stable")
    ks, ws = key[order], w[order]
    if ks.size:
        start = np.flatnonzero(np.r_[True, ks[1:] != ks[:-1]])
        vals = np.add.reduceat(ws, start)
        ks = ks[start]
    else:
        vals = ws
    coo = sp.coo_array((vals, (ks // c, ks % c)), shape=(r, c))
    x = coo.tocsr()
    x.eliminate_zeros()
    return choose(x)
