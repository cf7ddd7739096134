"""Indexing and binding with sparse matrices: X[rows, cols] (a csr slice), X[i, j], left indexing
X[rows, cols] = v (checked here, written by dmlpy.sparse.inplace: in place when nothing else holds
X; in the format choose picks for the result), cbind and rbind. The bounds checks and messages are
those of dmlpy.runtime.matrix."""
from __future__ import annotations

import numpy as np

from ..errors import OpError
from . import choose, inplace, is_sparse


def _sp():
    import scipy.sparse as sp
    return sp


def get(X, rlo, rhi, clo, chi, name="the matrix"):
    from ..runtime.matrix import _bounds
    r0, r1 = _bounds(rlo, rhi, X.shape[0], "row", name)
    c0, c1 = _bounds(clo, chi, X.shape[1], "column", name)
    return choose(X[r0:r1, c0:c1])


def cell(X, i, j, name="the matrix"):
    from ..runtime.matrix import _index_int
    r = _index_int(i, "row")
    c = _index_int(j, "column")
    n, m = X.shape
    if not 1 <= r <= n:
        raise OpError(f"row index {r} is out of bounds: {name} has {n} rows")
    if not 1 <= c <= m:
        raise OpError(f"column index {c} is out of bounds: {name} has {m} columns")
    if not X.has_sorted_indices:
        X.sort_indices()
    lo, hi = X.indptr[r - 1], X.indptr[r]
    k = np.searchsorted(X.indices[lo:hi], c - 1)
    if k < hi - lo and X.indices[lo + k] == c - 1:
        return float(X.data[lo + k])
    return 0.0


def set_region(X, rlo, rhi, clo, chi, v, name="the matrix", refs=None):
    """X[rows, cols] = v where X or v is sparse; returns the result. A sparse X is written in place
    when refs (its reference count, taken by dmlpy.runtime.matrix) shows no other holder, else a
    copy of it is (dmlpy.sparse.inplace)."""
    from ..runtime.matrix import _bounds, shape_str
    from ..runtime.values import type_name
    r0, r1 = _bounds(rlo, rhi, X.shape[0], "row", name)
    c0, c1 = _bounds(clo, chi, X.shape[1], "column", name)
    h, w = r1 - r0, c1 - c0
    if is_sparse(v) or type(v).__name__ == "ndarray":
        if v.shape != (h, w):
            raise OpError(f"dimension mismatch in left indexing: the target region is "
                          f"{h}x{w} but the value is {shape_str(v)}")
    elif not isinstance(v, (int, float, bool)):
        raise OpError(f"cannot assign a {type_name(v)} into a matrix")
    if not is_sparse(X):        # a dense target takes the sparse value's cells
        from ..runtime.matrix import set_region as dense_set
        from . import densify
        return dense_set(X, rlo, rhi, clo, chi, densify(v, "left indexing"), name)
    if not X.has_sorted_indices:
        X.sort_indices()
    return choose(inplace.set_region(X, r0, r1, c0, c1, v, refs))


def set_cell(X, i, j, v, name="the matrix", refs=None):
    """X[i, j] = scalar on a sparse X (in place or on a copy, as set_region)."""
    if type(v).__name__ == "ndarray" or is_sparse(v):
        from ..runtime.matrix import shape_str
        if v.shape != (1, 1):
            raise OpError(f"dimension mismatch in left indexing: the target is 1x1 but the "
                          f"value is {shape_str(v)}")
        v = float(v[0, 0]) if not is_sparse(v) else float(v.toarray()[0, 0])
    if not isinstance(v, (int, float, bool)):
        return set_region(X, i, None, j, None, v, name)      # reports the error
    from ..runtime.matrix import _index_int
    r = i if type(i) is int else _index_int(i, "row")
    c = j if type(j) is int else _index_int(j, "column")
    n, m = X.shape
    if not 0 < r <= n:
        raise OpError(f"row index {r} is out of bounds: {name} has {n} rows")
    if not 0 < c <= m:
        raise OpError(f"column index {c} is out of bounds: {name} has {m} columns")
    if not X.has_sorted_indices:
        X.sort_indices()
    return choose(inplace.set_cell(X, r - 1, c - 1, float(v), refs))


def bind(args, axis, fn):
    """cbind (axis 1) or rbind (axis 0) of matrices, one of them sparse: a sparse result when
    choose keeps it so."""
    from ..runtime.values import type_name
    for a in args:
        if not (is_sparse(a) or type(a).__name__ == "ndarray"):
            raise OpError(f"{fn}() expects matrices, got a {type_name(a)}")
    dim = 0 if axis == 1 else 1
    ref = args[0].shape[dim]
    for i, m in enumerate(args[1:], start=2):
        if m.shape[dim] != ref:
            what = "rows" if axis == 1 else "columns"
            raise OpError(f"{fn}(): inputs must have the same number of {what}: input 1 has "
                          f"{ref} {what}, input {i} has {m.shape[dim]} {what}")
    sp = _sp()
    dt = np.float32 if all(a.dtype == np.float32 for a in args) else np.float64
    mats = [(a if is_sparse(a) else sp.csr_array(a)).astype(dt, copy=False) for a in args]
    r = sp.hstack(mats, format="csr") if axis == 1 else sp.vstack(mats, format="csr")
    return choose(sp.csr_array(r))
