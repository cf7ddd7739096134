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


def encoded(parts, n):
    """The encoded matrix from its column parts in order: a coded column (n x 1) or a one-hot
    block (rows, columns and width of its 1s): transformencode's result. Held sparse when the
    format rule says so for its size and non-zeros (dummycoding many categories), never built
    dense first; else dense. The columns were coded on the host (frames live there); the result
    is a backend matrix."""
    from .. import backends as B
    if not parts:
        return B.zeros((n, 0), B.DOUBLE)
    width = sum(p.shape[1] if isinstance(p, np.ndarray) else p[2] for p in parts)
    nnz = sum(np.count_nonzero(p) if isinstance(p, np.ndarray) else len(p[0]) for p in parts)
    from . import prefer_sparse
    if any(not isinstance(p, np.ndarray) for p in parts) and prefer_sparse(n, width, nnz):
        import scipy.sparse as sp
        from .create import csr
        blocks = [sp.csr_array(p) if isinstance(p, np.ndarray) else
                  sp.csr_array((np.ones(len(p[0])), (p[0], p[1])), shape=(n, p[2])) for p in parts]
        X = sp.hstack(blocks, format="csr")
        X.sum_duplicates()
        return choose(csr(X.data, X.indices, X.indptr, X.shape, canonical=True))
    dense = []
    for p in parts:
        if not isinstance(p, np.ndarray):
            d = np.zeros((n, p[2]))
            d[p[0], p[1]] = 1.0
            p = d
        dense.append(p)
    return B.matrix(np.hstack(dense), B.DOUBLE)
