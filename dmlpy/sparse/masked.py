"""The masked product: `W * (A %*% t(B))`, `W * (A %*% t(B) - X)`, `W * (X - A %*% t(B))` and
their squares (and the same with A %*% B: kind "<kind>/nn"), with W sparse, computed only where W
holds a value (dmlpy.plan.rewrites.masked_product finds the patterns). This is what SystemDS's
weighted quaternary operators (wsloss, wdivmm) do for the loops of `als`: the dense m x n product
A %*% t(B) is never formed, so a 10000 x 5000 ratings matrix with 1% observed costs memory for
its non-zeros only.

Semantics are those of the element-wise `*` with a sparse operand (its zeros are skipped: a cell
where W is 0 is 0 even where the product is NaN). Each value is one dot product over the rank in
index order, so the last bits may differ from the dense product's (a blocked BLAS sum).
"""
from __future__ import annotations

import numpy as np

from . import is_sparse, sorted_csr

KINDS = {"p": 0, "pmx": 1, "pmx2": 2, "xmp": 3, "xmp2": 4}


_FLOATS = (np.dtype(np.float64), np.dtype(np.float32))


def _dense2(v) -> bool:
    return type(v).__name__ == "ndarray" and v.ndim == 2 and v.dtype in _FLOATS


def masked_ok(kind, w, a, b, x=None):
    """Whether the masked kernel takes these values (W sparse, A and B dense with W's rows and
    columns and one rank, X of W's shape); else the operators run as written."""
    if not is_sparse(w) or not _dense2(a) or not _dense2(b):
        return False
    if not (w.data.dtype == a.dtype == b.dtype and (x is None or x.dtype == w.dtype)):
        return False        # mixed precisions: as the operators (which widen to float64)
    m, n = w.shape
    kind, _, nn = kind.partition("/")
    bt = b.shape[::-1] if nn else b.shape       # the shape of t(B) in A %*% t(B)
    if a.shape[0] != m or bt[0] != n or a.shape[1] != bt[1]:
        return False
    if w.nnz > 0.1 * m * n and m * n * 8 < (64 << 20):
        return False        # a small, not very sparse W: the BLAS product is faster
    if KINDS[kind] and not ((is_sparse(x) or _dense2(x)) and x.shape == w.shape):
        return False
    return True


def masked_run(kind, ok, w, a, b, x=None):
    from ..kernels.pool import parallel
    from ..kernels.sparse_masked import masked_rows
    from .ops import with_data
    kind, _, nn = kind.partition("/")
    k = KINDS[kind]
    if nn:
        b = b.T
    w = sorted_csr(w)
    a = np.ascontiguousarray(a)
    b = np.ascontiguousarray(b)
    empty_i = np.zeros(1, dtype=np.int32)
    dt = w.dtype            # float64, or float32 throughout under --precision single
    xd, xip, xix, xdense, xmode = np.zeros(1, dt), empty_i, empty_i, np.zeros((1, 1), dt), 0
    if k:
        if is_sparse(x):
            x = sorted_csr(x)
            xmode, xd, xip, xix = 2, x.data, x.indptr, x.indices
        else:
            xmode, xdense = 1, x
    out = np.empty(w.nnz, dt)
    m = w.shape[0]
    parallel(masked_rows, m, max(1, (w.nnz // max(m, 1)) * a.shape[1]), k, w.data, w.indptr,
             w.indices, a, b, xmode, xd, xip, xix, xdense, out)
    return with_data(w, out)
