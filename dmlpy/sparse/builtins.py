"""The sparse forms of builtins (dmlpy.sparse.dispatch runs them when an argument is sparse).

Each entry takes the builtin's dense implementation first (`raw`, for the cases it hands back
to it on small dense pieces), then the builtin's arguments; NotImplemented means: densify the
arguments and run the dense implementation. Builtins not listed here always densify.
"""
from __future__ import annotations

import numpy as np

from ..errors import OpError
from . import aggs, choose, is_sparse
from . import index as I
from . import ops as O

SPARSE: dict = {}


def _sparse_form(*names):
    def deco(f):
        for n in names:
            SPARSE[n] = f
        return f
    return deco


def _only(f):
    """A one-argument aggregate: the sparse form on its target."""
    return lambda raw, x: f(x)


# ------------------------------------------------------------------ metadata and printing
SPARSE["nrow"] = lambda raw, x: x.shape[0]
SPARSE["ncol"] = lambda raw, x: x.shape[1]
SPARSE["length"] = lambda raw, x: x.shape[0] * x.shape[1]
SPARSE["typeof"] = lambda raw, x: raw(np.zeros((1, 1)))


@_sparse_form("as.matrix")
def _as_matrix(raw, x):
    if type(x).__name__ == "DMLList" and len(x.values) == 1:
        x = x.values[0]         # a list of one matrix: that matrix
    return x if is_sparse(x) else NotImplemented
SPARSE["print"] = lambda raw, *args: raw(*args)          # dmlpy.runtime.format prints csr values
SPARSE["toString"] = lambda raw, *args: raw(*args)


@_sparse_form("as.scalar", "castAsScalar")
def _as_scalar(raw, x):
    if x.shape != (1, 1):
        raise OpError(f"as.scalar() needs a 1x1 matrix, got a {x.shape[0]}x{x.shape[1]} matrix")
    return float(x.toarray()[0, 0])


# ------------------------------------------------------------------ aggregates
SPARSE["sum"] = _only(aggs.total)
SPARSE["mean"] = SPARSE["avg"] = _only(aggs.mean)
SPARSE["rowSums"] = _only(aggs.row_sums)
SPARSE["colSums"] = _only(aggs.col_sums)
SPARSE["rowMeans"] = _only(aggs.row_means)
SPARSE["colMeans"] = _only(aggs.col_means)
SPARSE["rowMaxs"] = lambda raw, x: aggs.row_extremes(x, True)
SPARSE["rowMins"] = lambda raw, x: aggs.row_extremes(x, False)
SPARSE["colMaxs"] = lambda raw, x: aggs.col_extremes(x, True)
SPARSE["colMins"] = lambda raw, x: aggs.col_extremes(x, False)
SPARSE["rowIndexMax"] = lambda raw, x: aggs.row_index_extremes(x, True)
SPARSE["rowIndexMin"] = lambda raw, x: aggs.row_index_extremes(x, False)


@_sparse_form("min", "max", "pmin", "pmax")
def _min_max(raw, *args):
    name = "max" if raw.__name__.startswith("max") else "min"
    if len(args) == 2 and is_sparse(args[0]) and isinstance(args[1], (int, float, bool)):
        return O.binary(name, args[0], float(args[1]))      # e.g. max(X, 0): zeros stay
    if len(args) != 1 or not is_sparse(args[0]):
        return NotImplemented
    return aggs.extreme(args[0], "max" if raw.__name__.startswith("max") else "min",
                        raw.__name__.startswith("max"))


@_sparse_form("diag")
def _diag(raw, x):
    r, c = x.shape
    if r != c:
        return NotImplemented
    return np.ascontiguousarray(x.diagonal().reshape(-1, 1), dtype=x.dtype)


# ------------------------------------------------------------------ element-wise, reorganisation
for _n in ("abs", "sqrt", "sign", "round", "floor", "ceil", "ceiling", "sin", "tan", "asin",
           "arcsin", "atan", "arctan", "sinh", "tanh"):
    SPARSE[_n] = O.map_values          # each maps 0 to 0

SPARSE["t"] = lambda raw, x: O.transpose(x)


@_sparse_form("cbind", "append")
def _cbind(raw, *args):
    if not all(is_sparse(a) or type(a).__name__ == "ndarray" for a in args):
        return NotImplemented
    return I.bind(args, 1, "cbind")


@_sparse_form("rbind")
def _rbind(raw, *args):
    if len(args) == 1 and type(args[0]).__name__ == "DMLList" and args[0].values:
        args = tuple(args[0].values)        # rbind(L): its elements, by rows
    if not all(is_sparse(a) or type(a).__name__ == "ndarray" for a in args):
        return NotImplemented
    return I.bind(args, 0, "rbind")


@_sparse_form("removeEmpty")
def _remove_empty(raw, x, margin, select, empty_return):
    if not is_sparse(x) or margin not in ("rows", "cols"):
        return NotImplemented
    n = x.shape[0] if margin == "rows" else x.shape[1]
    if select is not None:
        if not (is_sparse(select) or type(select).__name__ == "ndarray"):
            return NotImplemented
        s = (select.toarray() if is_sparse(select) else select).ravel()
        if s.size != n:
            raise OpError(f"removeEmpty(): select has {s.size} entries but the target has {n} {margin}")
        keep = s != 0
    else:
        live = x.copy()
        live.eliminate_zeros()
        keep = np.diff(live.indptr) > 0 if margin == "rows" else np.bincount(live.indices, minlength=n) > 0
    idx = np.flatnonzero(keep)
    if idx.size == 0:
        if empty_return:
            return np.zeros((1, x.shape[1]) if margin == "rows" else (x.shape[0], 1))
        return np.zeros((0, x.shape[1]) if margin == "rows" else (x.shape[0], 0))
    return choose(x[idx] if margin == "rows" else x[:, idx])


@_sparse_form("replace")
def _replace(raw, x, pattern, replacement):
    if not is_sparse(x):
        return NotImplemented
    p, r = float(pattern), float(replacement)
    if p == 0.0:        # the zeros become `replacement`: dense unless it is 0
        return x.copy() if r == 0.0 else NotImplemented
    d = x.data.copy()
    d[np.isnan(d) if p != p else d == p] = r
    return O.with_data(x, d)


@_sparse_form("order")
def _order(raw, x, by, decreasing, index_return):
    """The permutation from the key columns alone (the dense implementation on them), then the
    rows of x in that order."""
    if not is_sparse(x):
        return NotImplemented
    m = x.shape[1]
    cols = ([int(c) for c in by.ravel().tolist()] if type(by).__name__ == "ndarray" else [int(by)])
    for c in cols:
        if not 1 <= c <= m:
            raise OpError(f"order(): by={c} is out of bounds for a matrix with {m} columns")
    keys = x[:, [c - 1 for c in cols]].toarray()
    pos = np.arange(1, len(cols) + 1, dtype=np.float64).reshape(-1, 1)
    idx = raw(keys, pos if len(cols) > 1 else 1, decreasing, True)
    if index_return:
        return idx
    return choose(x[np.asarray(idx, dtype=np.int64).ravel() - 1])


def _on_sparse_target(f):
    """f where the builtin's first argument (its target) is sparse, else NotImplemented."""
    def form(raw, *args):
        return f(raw, *args) if args and is_sparse(args[0]) else NotImplemented
    return form


_SELF_CHECKING = {"print", "toString", "as.matrix", "cbind", "append", "rbind", "min", "max", "pmin", "pmax"}
for _n, _f in list(SPARSE.items()):
    if _n not in _SELF_CHECKING:
        SPARSE[_n] = _on_sparse_target(_f)
