"""Construction and reorganisation: diag, rev, removeEmpty, replace, order, table, outer,
lower.tri, upper.tri, roll, unique, contains, sample."""
from __future__ import annotations

from .. import backends as B
from .. import types as T
from ..errors import OpError
from ..runtime.values import type_name
from .args import np as _np
from .registry import builtin, r_bool, r_matrix


def _mat(x, fn, what="target"):
    if type(x).__name__ == "ndarray":
        return x
    if isinstance(x, (bool, int, float)):
        return B.full((1, 1), float(x), B.DOUBLE)
    raise OpError(f"{fn}() expects a matrix as {what}, got a {type_name(x)}")


def _c(a):
    return B.matrix(a)


@builtin("diag", "target", rule=r_matrix)
def diag(x):
    np = _np()
    x = _mat(x, "diag")
    r, c = x.shape
    if c == 1:
        return np.diag(x[:, 0])
    if r == c:
        return _c(np.diag(x).reshape(-1, 1))
    raise OpError(f"diag() expects a column vector or a square matrix, got {r}x{c}")


@builtin("rev", "target", rule=r_matrix)
def rev(x):
    return _c(_mat(x, "rev")[::-1])


def _r_remove_empty(types, args):
    """A frame for a frame target, else a matrix."""
    return T.FRAME_T if types and types[0].dt == T.FRAME else T.MATRIX_T


@builtin("removeEmpty", "target, margin, select=?, empty.return=TRUE", rule=_r_remove_empty)
def remove_empty(x, margin, select, empty_return):
    if margin not in ("rows", "cols"):
        raise OpError(f"removeEmpty(): margin must be \"rows\" or \"cols\", got '{margin}'")
    from ..runtime.frame import Frame
    if isinstance(x, Frame):
        return _remove_empty_frame(x, margin, select)
    x = _mat(x, "removeEmpty")
    axis = 1 if margin == "rows" else 0
    if select is not None:
        s = _mat(select, "removeEmpty", "select").ravel()
        n = x.shape[0] if margin == "rows" else x.shape[1]
        if s.size != n:
            raise OpError(f"removeEmpty(): select has {s.size} entries but the target has {n} {margin}")
        keep = s != 0
    else:
        keep = (x != 0).any(axis=axis)
    out = x[keep] if margin == "rows" else x[:, keep]
    if out.size == 0 and empty_return:
        out = B.zeros((1, x.shape[1]) if margin == "rows" else (x.shape[0], 1))
    return _c(out)


def _remove_empty_frame(f, margin, select):
    """removeEmpty of a frame, as SystemDS 3.4: a cell is empty when it is null or zero
    (the string "0", 0, FALSE); an empty string is not empty. When nothing is left the
    result has no rows (columns); empty.return is not applied to frames."""
    np = _np()
    from ..runtime.frame import Frame
    n = f.nrow if margin == "rows" else f.ncol
    if select is not None:     # indexes the frame's columns, which live on the host
        s = B.to_host(_mat(select, "removeEmpty", "select")).ravel()
        if s.size != n:
            raise OpError(f"removeEmpty(): select has {s.size} entries but the target has {n} {margin}")
        keep = s != 0
    else:
        full = np.zeros((f.nrow, f.ncol), dtype=bool)
        for j, col in enumerate(f.columns):
            if col.dtype == object:
                full[:, j] = [v is not None and v != "0" for v in col]
            else:
                full[:, j] = col != 0
        keep = full.any(axis=1 if margin == "rows" else 0)
    if margin == "rows":
        idx = np.flatnonzero(keep)
        return Frame([c[idx].copy() for c in f.columns], f.schema, f._names, nrow=len(idx))
    js = np.flatnonzero(keep).tolist()
    return Frame([f.columns[j].copy() for j in js], [f.schema[j] for j in js],
                 [f.names[j] for j in js] if f._names else None, nrow=f.nrow)


@builtin("replace", "target, pattern, replacement", rule=r_matrix)
def replace(x, pattern, replacement):
    np = _np()
    x = _mat(x, "replace")
    p = float(pattern)
    mask = np.isnan(x) if p != p else (x == p)
    out = x.copy()
    out[mask] = float(replacement)
    return out


def _r_order(types, args):
    return T.MATRIX_T


@builtin("order", "target, by=1, decreasing=FALSE, index.return=FALSE", rule=_r_order)
def order(x, by, decreasing, index_return):
    np = _np()
    x = _mat(x, "order")
    if type(by).__name__ == "ndarray":
        # several sort columns: the first is the primary key, ties broken by the next ones
        cols = [int(c) for c in by.ravel().tolist()]
        for c in cols:
            if not 1 <= c <= x.shape[1]:
                raise OpError(f"order(): by={c} is out of bounds for a matrix with {x.shape[1]} columns")
        if len(cols) != 1:
            keys = [x[:, c - 1] for c in reversed(cols)]
            if decreasing:
                keys = [-np.where(np.isnan(k), np.inf, k) for k in keys]
            idx = np.lexsort(keys) if cols else B.arange(x.shape[0], np.int64)
            if index_return:
                return _c((idx + 1).reshape(-1, 1))
            return _c(x[idx])
        by = cols[0]
    by = int(by)
    if not 1 <= by <= x.shape[1]:
        raise OpError(f"order(): by={by} is out of bounds for a matrix with {x.shape[1]} columns")
    key = x[:, by - 1]
    if decreasing:
        # stable with ties in their original order; NaN sorts as the largest value
        idx = np.argsort(-np.where(np.isnan(key), np.inf, key), kind="stable")
    else:
        idx = np.argsort(key, kind="stable")
    if index_return:
        return _c((idx + 1).reshape(-1, 1))
    return _c(x[idx])


def _multi_col(v, a):
    """v is a matrix with more than one column and a column vector a's row count (table()
    accepts it where the shapes are unknown at compile time, using v's first column)."""
    return (type(v).__name__ == "ndarray" and type(a).__name__ == "ndarray" and a.shape[1] == 1
            and v.shape[1] > 1 and v.shape[0] == a.shape[0])


@builtin("table", "*args", rule=r_matrix, min_args=2, aliases=("ctable",))
def table(*args):
    """table(A, B[, W][, odim1, odim2][, outputEmptyBlocks]): contingency table of (A[i], B[i])
    pairs, weighted by W (the last flag only concerns SystemDS's block storage)."""
    np = _np()
    if len(args) == 6 and isinstance(args[5], bool):
        args = args[:5]
    if len(args) not in (2, 3, 4, 5):
        raise OpError("table() takes A, B, optional weights, and optional output dimensions")
    a, b = args[0], args[1]
    rest = list(args[2:])
    w = None
    dims = None
    if len(rest) in (1, 3):
        w = rest.pop(0)
    if len(rest) == 2:
        dims = (int(rest[0]), int(rest[1]))
    av = _vec(a, "table", "A")
    n = av.size if type(a).__name__ == "ndarray" else None
    if _multi_col(b, a):
        b = b[:, :1]      # SystemDS reads B (and W) cell by cell at A's positions: column 1
    if _multi_col(w, a):
        w = w[:, :1]
    bv = _vec(b, "table", "B")
    if n is None:
        n = bv.size
    av = np.broadcast_to(av, (n,)) if av.size == 1 else av
    bv = np.broadcast_to(bv, (n,)) if bv.size == 1 else bv
    if av.size != bv.size:
        raise OpError(f"table(): A has {av.size} entries and B has {bv.size}")
    host = type(av).__module__ == "numpy"
    if w is None:
        wv = None
    else:
        wv = _vec(w, "table", "weights")
        wv = np.broadcast_to(wv, (n,)) if wv.size == 1 else wv
        if wv.size != n:
            raise OpError(f"table(): the weights have {wv.size} entries but A has {n}")
    ai, bi = _categories(np, av, host), _categories(np, bv, host)
    if n and (ai.min() < 1 or bi.min() < 1):
        raise OpError("table(): category values must be positive integers (1, 2, ...)")
    r = int(ai.max()) if n else 0
    c = int(bi.max()) if n else 0
    if dims is not None:
        if n and (r > dims[0] or c > dims[1]):
            keep = (ai <= dims[0]) & (bi <= dims[1])
            ai, bi = ai[keep], bi[keep]
            wv = None if wv is None else wv[keep]
        r, c = dims
    from ..sparse import prefer_sparse
    if prefer_sparse(r, c, ai.size) and host:
        from ..sparse.build import table_csr    # large and sparse: held sparse, as SystemDS
        return table_csr(ai - 1, bi - 1, B.full(ai.size, 1.0, B.DOUBLE) if wv is None else wv, r, c)
    if host:
        # one pass adding each weight to its cell in input order (as np.add.at does); without
        # weights the counts, exact as integers
        key = (ai - 1) * c + (bi - 1)
        if wv is None:
            return np.bincount(key, minlength=r * c).astype(np.float64).reshape(r, c)
        return np.bincount(key, weights=wv, minlength=r * c).reshape(r, c)
    if wv is None:
        wv = B.full(ai.size, 1.0, B.DOUBLE)
    out = B.zeros((r, c), B.DOUBLE)
    np.add.at(out, (ai - 1, bi - 1), wv)
    return out


def _categories(np, v, host):
    """table()'s category numbers of v as int64: on the host truncation, which is floor for the
    values kept (>= 1) and leaves any value below 1 (NaN too) below 1; integers as they are."""
    if not host:
        return np.floor(v).astype(np.int64)
    return v if v.dtype.kind in "iu" else v.astype(np.int64)


def _vec(v, fn, what):
    if type(v).__name__ == "ndarray":
        if v.shape[1] != 1 and v.shape[0] != 1:
            raise OpError(f"{fn}(): {what} must be a vector, got {v.shape[0]}x{v.shape[1]}")
        return v.ravel()
    if isinstance(v, (bool, int, float)):
        return B.array([float(v)], B.DOUBLE)
    raise OpError(f"{fn}(): {what} must be a matrix or number, got a {type_name(v)}")


@builtin("outer", "a, b, op", rule=r_matrix)
def outer(a, b, op):
    from ..runtime import matrix as M
    a = _mat(a, "outer", "a")
    b = _mat(b, "outer", "b")
    # b may also be a matrix with a's row count: SystemDS accepts that when the shapes are not
    # known at compile time and rewrites outer(a, ones %*% r, op) to outer(a, r, op), so a
    # matrix of identical rows behaves like its row; generally, a is applied across b's columns.
    stacked = b.shape[0] != 1 and b.shape[0] == a.shape[0]
    if a.shape[1] != 1 or (b.shape[0] != 1 and not stacked):
        raise OpError(f"outer() needs a column vector and a row vector, got {a.shape[0]}x{a.shape[1]} "
                      f"and {b.shape[0]}x{b.shape[1]}")
    ops = {"+": "+", "-": "-", "*": "*", "/": "/", "^": "^", "%%": "%%", "%/%": "%/%", "<": "<",
           "<=": "<=", ">": ">", ">=": ">=", "==": "==", "!=": "!=", "min": "min", "max": "max"}
    if not isinstance(op, str) or op not in ops:
        raise OpError(f"outer(): unknown operator '{op if isinstance(op, str) else type_name(op)}'")
    np = _np()
    if stacked:
        return M.binary(ops[op], np.repeat(a, b.shape[1], axis=1), b)
    return M.binary(ops[op], np.repeat(a, b.shape[1], axis=1), np.repeat(b, a.shape[0], axis=0))


def _tri(x, lower, diag_, values, fn):
    np = _np()
    x = _mat(x, fn)
    mask = np.tril(B.full(x.shape, True, bool), 0 if diag_ else -1) if lower else \
        np.triu(B.full(x.shape, True, bool), 0 if diag_ else 1)
    return _c(np.where(mask, x, 0.0) if values else mask)


@builtin("lower.tri", "target, diag=FALSE, values=FALSE", rule=r_matrix)
def lower_tri(x, diag_, values):
    return _tri(x, True, diag_, values, "lower.tri")


@builtin("upper.tri", "target, diag=FALSE, values=FALSE", rule=r_matrix)
def upper_tri(x, diag_, values):
    return _tri(x, False, diag_, values, "upper.tri")


@builtin("roll", "target, shift", rule=r_matrix)
def roll(x, shift):
    return _c(_np().roll(_mat(x, "roll"), int(shift), axis=0))


@builtin("unique", "target", rule=r_matrix)
def unique(x):
    """The distinct values of a matrix as a column vector, in the order SystemDS 3.4 gives them
    (its HashSet's iteration order, row-major insertion)."""
    from .javahash import hashset_order
    return _c(B.array(hashset_order(_mat(x, "unique").ravel().tolist()), B.DOUBLE).reshape(-1, 1))


def union_rows(a, b):
    """unique(rbind(A, B)) as SystemDS 3.4 rewrites it: the distinct rows of A then B, in order of
    first occurrence (rows compare by Double.compare: NaN equals NaN, -0.0 differs from 0.0)."""
    np = _np()
    a, b = _mat(a, "unique"), _mat(b, "unique")
    if a.shape[1] != b.shape[1]:
        raise OpError(f"rbind(): the matrices must have the same number of columns "
                      f"({a.shape[1]} and {b.shape[1]})")
    x = np.concatenate([a, b], axis=0).astype(np.float64)
    if x.shape[0] == 0:
        return _c(x)
    bits = np.where(np.isnan(x), np.nan, x).view(np.int64)   # one NaN pattern for every NaN
    _, first = np.unique(bits, axis=0, return_index=True)
    return _c(x[np.sort(first)])


@builtin("contains", "target, pattern", rule=r_bool)
def contains(x, pattern):
    np = _np()
    x = _mat(x, "contains")
    p = float(pattern)
    return bool(np.isnan(x).any() if p != p else (x == p).any())


@builtin("sample", "range, size, replace=FALSE, seed=-1", rule=r_matrix, pure=False)
def sample(range_, size, replace_, seed):
    """sample(range, size[, replace][, seed]); an integer third argument is the seed (SystemDS)."""
    from ..runtime import rng
    if type(replace_) is int and seed == -1:
        replace_, seed = False, replace_
    try:
        r = rng.sample(int(range_), int(size), bool(replace_), int(seed))
    except (ValueError, TypeError, OverflowError) as e:
        from ..runtime.messages import humanize
        raise OpError(f"sample(): {humanize(str(e))}") from None
    return B.matrix(r, r.dtype)     # drawn on the host (SystemDS's generators), then to the backend
