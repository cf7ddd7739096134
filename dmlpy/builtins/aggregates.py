"""Aggregates: full, row-wise and column-wise statistics, order statistics, cumulative
aggregates, distinct counts and the grouped `aggregate()`.

Order statistics (median, quantile, interQuartileMean) follow SystemDS: the input column is
sorted into (value, weight) pairs in which all zeros are collapsed into one entry, a
quantile p picks the entry at 1-based cumulative weight rank ceil(p * total weight) (no
interpolation), and a scalar quantile/median averages with the next entry when the total
weight is even and the rank falls exactly on an entry boundary.
"""
from __future__ import annotations

import math

from .. import backends as B
from .. import types as T
from ..errors import OpError
from .args import float_arg as _scalar
from .args import is_matrix as _arr
from .args import matrix_arg as _mat
from .args import np as _np
from .registry import builtin, r_agg, r_agg_matrix, r_matrix


def _out(a):
    return B.matrix(a)


def _scalar_error(fn):
    def rule(types, args):
        from ..errors import RuleError
        if types and types[0].dt == T.SCALAR:
            raise RuleError(f"expects a matrix argument, got a scalar ({types[0]})")
        return fn(types, args)
    return rule


def _given(args, i):
    """Whether argument i was written in the call (not filled in from a `?` default)."""
    if i >= len(args):
        return False
    return not (type(args[i]).__name__ == "Const" and getattr(args[i], "value", 0) is None)


def _same_shape(a, b, fn, what="weights"):
    if a.shape != b.shape:
        raise OpError(f"{fn}(): the {what} ({b.shape[0]}x{b.shape[1]}) must have the same "
                      f"dimensions as the input ({a.shape[0]}x{a.shape[1]})")


# ------------------------------------------------------------------ full aggregates
def _prod(x, axis=None):
    """Products; a zero factor gives +0 (as SystemDS), an empty column or row 0."""
    np = _np()
    if axis is None:
        return float(np.prod(x)) + 0.0
    r = np.prod(x, axis=axis, keepdims=True) + 0.0
    if x.shape[axis] == 0:
        r[...] = 0.0
    return _out(r)


@builtin("prod", "target", rule=r_agg)
def prod(x):
    """Product of all cells."""
    return _prod(_mat(x, "prod"))


def _var(a, axis=None):
    """Sample variance (n-1); 0 for a single value; for none, NaN overall and 0 per row or column
    (as SystemDS: colVars of a matrix without rows is 0)."""
    n = a.size if axis is None else a.shape[axis]
    if n == 0:
        return math.nan if axis is None else B.zeros(
            (1, a.shape[1]) if axis == 0 else (a.shape[0], 1), B.DOUBLE)
    if axis is None:
        m = a.mean()
        return float(((a - m) ** 2).sum() / (n - 1)) if n > 1 else 0.0 * m
    m = a.mean(axis=axis, keepdims=True)
    s = ((a - m) ** 2).sum(axis=axis, keepdims=True)
    return s / (n - 1) if n > 1 else s * 0.0


@builtin("var", "target", rule=r_agg)
def var(x):
    """Sample variance of all cells."""
    return _var(_mat(x, "var"))


@builtin("sd", "target", rule=r_agg)
def sd(x):
    """Sample standard deviation of all cells."""
    return math.sqrt(_var(_mat(x, "sd")))


@builtin("trace", "target", rule=r_agg, aliases=("tr",))
def trace(x):
    """Sum of the diagonal of a square matrix."""
    x = _mat(x, "trace")
    if x.shape[0] != x.shape[1]:
        raise OpError(f"trace() is only defined on square matrices, got {x.shape[0]}x{x.shape[1]}")
    return float(_np().trace(x))


# ------------------------------------------------------------------ row / column aggregates
@builtin("colProds", "target", rule=r_agg_matrix)
def colProds(x):
    return _prod(_mat(x, "colProds"), 0)


@builtin("rowProds", "target", rule=r_agg_matrix)
def rowProds(x):
    return _prod(_mat(x, "rowProds"), 1)


@builtin("colVars", "target", rule=r_agg_matrix)
def colVars(x):
    return _out(_var(_mat(x, "colVars"), 0))


@builtin("rowVars", "target", rule=r_agg_matrix)
def rowVars(x):
    return _out(_var(_mat(x, "rowVars"), 1))


@builtin("colSds", "target", rule=r_agg_matrix)
def colSds(x):
    return _out(_np().sqrt(_var(_mat(x, "colSds"), 0)))


@builtin("rowSds", "target", rule=r_agg_matrix)
def rowSds(x):
    return _out(_np().sqrt(_var(_mat(x, "rowSds"), 1)))


def _extreme(x, fn, axis, red):
    x = _mat(x, fn)
    np = _np()
    if x.shape[axis] == 0:
        shape = (1, x.shape[1]) if axis == 0 else (x.shape[0], 1)
        return B.full(shape, -math.inf if red is np.max else math.inf)
    return _out(red(x, axis=axis, keepdims=True))


@builtin("colMaxs", "target", rule=r_agg_matrix)
def colMaxs(x):
    return _extreme(x, "colMaxs", 0, _np().max)


@builtin("colMins", "target", rule=r_agg_matrix)
def colMins(x):
    return _extreme(x, "colMins", 0, _np().min)


@builtin("rowMaxs", "target", rule=r_agg_matrix)
def rowMaxs(x):
    return _extreme(x, "rowMaxs", 1, _np().max)


@builtin("rowMins", "target", rule=r_agg_matrix)
def rowMins(x):
    return _extreme(x, "rowMins", 1, _np().min)


def _index_extreme(x, fn, pick_max):
    """1-based column index of each row's extreme value; the last one on ties."""
    np = _np()
    x = _mat(x, fn)
    if x.shape[1] == 0:
        return B.zeros((x.shape[0], 1))
    if x.size >= 4096:      # one pass per row, rows over the threads
        from ..kernels.rowindex import row_index_extreme
        return row_index_extreme(x, pick_max)
    rev = x[:, ::-1]
    if np.isnan(rev).any():
        rev = np.where(np.isnan(rev), -math.inf if pick_max else math.inf, rev)
    j = np.argmax(rev, axis=1) if pick_max else np.argmin(rev, axis=1)
    return _out((x.shape[1] - j).reshape(-1, 1))


@builtin("rowIndexMax", "target", rule=r_agg_matrix)
def rowIndexMax(x):
    return _index_extreme(x, "rowIndexMax", True)


@builtin("rowIndexMin", "target", rule=r_agg_matrix)
def rowIndexMin(x):
    return _index_extreme(x, "rowIndexMin", False)


# ------------------------------------------------------------------ cumulative aggregates
@builtin("cumsum", "target", rule=_scalar_error(r_matrix))
def cumsum(x):
    """Column-wise cumulative sum down the rows."""
    return _out(_np().cumsum(_mat(x, "cumsum"), axis=0))


@builtin("rowcumsum", "target", rule=_scalar_error(r_matrix))
def rowcumsum(x):
    """Row-wise cumulative sum along the columns."""
    return _out(_np().cumsum(_mat(x, "rowcumsum"), axis=1))


@builtin("cumprod", "target", rule=_scalar_error(r_matrix))
def cumprod(x):
    return _out(_np().cumprod(_mat(x, "cumprod"), axis=0) + 0.0)


@builtin("cummin", "target", rule=_scalar_error(r_matrix))
def cummin(x):
    return _out(_np().minimum.accumulate(_mat(x, "cummin"), axis=0))


@builtin("cummax", "target", rule=_scalar_error(r_matrix))
def cummax(x):
    return _out(_np().maximum.accumulate(_mat(x, "cummax"), axis=0))


@builtin("cumsumprod", "target", rule=_scalar_error(r_matrix))
def cumsumprod(x):
    """y[i] = x[i,1] + x[i,2] * y[i-1], with y[0] = 0, for a two-column x."""
    x = _mat(x, "cumsumprod")
    if x.shape[1] != 2:
        raise OpError(f"cumsumprod() expects a two-column input, got {x.shape[1]} column(s)")
    a, b = x[:, 0], x[:, 1]
    out = B.empty((x.shape[0], 1))
    acc = 0.0
    for i in range(x.shape[0]):
        acc = a[i] + b[i] * acc
        out[i, 0] = acc
    return out


# ------------------------------------------------------------------ distinct counts
def _count_distinct(x, fn, dir_):
    np = _np()
    x = _mat(x, fn, "data")
    d = str(dir_).lower()
    if d == "rc":
        return int(np.unique(x).size)
    if d == "r":
        return _out([[np.unique(r).size] for r in x]).reshape(x.shape[0], 1)
    if d == "c":
        return _out([[np.unique(c).size for c in x.T]]).reshape(1, x.shape[1])
    raise OpError(f"{fn}(): invalid direction '{dir_}', expected \"r\", \"c\" or \"rc\"")


def _r_count_distinct(types, args):
    from ..errors import RuleError
    if types and types[0].dt == T.SCALAR:
        raise RuleError(f"expects a matrix as 'data', got a scalar ({types[0]})")
    d = args[1] if len(args) > 1 else None
    dv = getattr(d, "value", None)
    if isinstance(dv, str):
        if dv.lower() == "rc":
            return T.INT
        if dv.lower() in ("r", "c"):
            return T.MATRIX_T
        raise RuleError(f"invalid direction '{dv}', expected \"r\", \"c\" or \"rc\"")
    return T.UNKNOWN


@builtin("countDistinct", "data, dir='rc'", rule=_r_count_distinct)
def countDistinct(x, dir_):
    """Number of distinct values: in all (dir="rc", an integer), per row ("r") or per column ("c")."""
    return _count_distinct(x, "countDistinct", dir_)


@builtin("countDistinctApprox", "data, type='KMV', dir='rc'",
         rule=lambda ts, a: _r_count_distinct(ts, [a[0], a[2]]))
def countDistinctApprox(x, type_, dir_):
    """Estimated distinct count (computed exactly here)."""
    if str(type_).upper() != "KMV":
        raise OpError(f"countDistinctApprox(): unrecognized type '{type_}'")
    return _count_distinct(x, "countDistinctApprox", dir_)


@builtin("rowCountDistinct", "target", rule=r_agg_matrix)
def rowCountDistinct(x):
    return _count_distinct(x, "rowCountDistinct", "r")


@builtin("colCountDistinct", "target", rule=r_agg_matrix)
def colCountDistinct(x):
    return _count_distinct(x, "colCountDistinct", "c")


@builtin("rowCountDistinctApprox", "data, type='KMV'", rule=r_agg_matrix)
def rowCountDistinctApprox(x, type_):
    return _count_distinct(x, "rowCountDistinctApprox", "r")


@builtin("colCountDistinctApprox", "data, type='KMV'", rule=r_agg_matrix)
def colCountDistinctApprox(x, type_):
    return _count_distinct(x, "colCountDistinctApprox", "c")


# ------------------------------------------------------------------ moments
def _order(k, fn):
    kv = _scalar(k, fn, "order")
    if kv not in (2.0, 3.0, 4.0):
        raise OpError(f"{fn}(): the order must be 2, 3 or 4, got {k}")
    return int(kv)


def _column(x, fn, what="input"):
    x = _mat(x, fn, what)
    if x.ndim != 2 or (x.shape[1] != 1 and x.shape[0] != 1):
        raise OpError(f"{fn}() expects a vector as {what}, got a {x.shape[0]}x{x.shape[1]} matrix")
    return x.reshape(-1)


@builtin("moment", "target, a, b=?", rule=_scalar_error(lambda ts, a: T.DOUBLE),
         aliases=("centralMoment",))
def moment(x, a, b):
    """Central moment of order 2, 3 or 4: moment(X, k) or, with weights, moment(X, W, k)."""
    v = _column(x, "moment")
    if b is None:
        k, w = _order(a, "moment"), None
    else:
        k = _order(b, "moment")
        w = _column(a, "moment", "weights")
        if w.size != v.size:
            raise OpError("moment(): the weights must have the same dimensions as the input")
    if w is None:
        if v.size == 0:
            return math.nan
        m = math.fsum(v) / v.size
        return math.fsum((v - m) ** k) / v.size
    sw = math.fsum(w)
    m = math.fsum(w * v) / sw
    return math.fsum(w * (v - m) ** k) / sw


@builtin("cov", "target, a, b=?", rule=_scalar_error(lambda ts, a: T.DOUBLE))
def cov(x, y, w):
    """Sample covariance of two vectors, cov(X, Y), or weighted, cov(X, Y, W)."""
    v1 = _column(x, "cov")
    v2 = _column(y, "cov", "second input")
    if v1.size != v2.size:
        raise OpError(f"cov(): the inputs must have the same dimensions ({v1.size} and {v2.size} cells)")
    if w is None:
        n = v1.size
        if n == 0:
            return math.nan
        if n == 1:
            return 0.0
        return math.fsum((v1 - math.fsum(v1) / n) * (v2 - math.fsum(v2) / n)) / (n - 1)
    wv = _column(w, "cov", "weights")
    if wv.size != v1.size:
        raise OpError("cov(): the weights must have the same dimensions as the inputs")
    sw = math.fsum(wv)
    m1 = math.fsum(wv * v1) / sw
    m2 = math.fsum(wv * v2) / sw
    return math.fsum(wv * (v1 - m1) * (v2 - m2)) / (sw - 1)


# ------------------------------------------------------------------ order statistics
def _sorted_pairs(x, w, fn):
    """(values, weights, cumulative weights) sorted by value, all zeros merged into one entry."""
    np = _np()
    v = _column(x, fn)
    if w is None:
        wt = B.full(v.size, 1.0, B.DOUBLE)
    else:
        wt = _column(w, fn, "weights")
        if wt.size != v.size:
            raise OpError(f"{fn}(): the weights must have the same dimensions as the input")
        bad = wt[np.floor(wt) < wt]
        if bad.size:
            raise OpError(f"{fn}(): quantile weights are expected to be integers but found "
                          f"{float(bad[0])!r}")
    nz = v != 0
    vals = np.concatenate(([0.0], v[nz]))
    wts = np.concatenate(([wt[~nz].sum()], wt[nz]))
    order = np.argsort(vals, kind="stable")
    vals, wts = vals[order], wts[order]
    return vals, wts, np.cumsum(wts)


def _pick(vals, wts, cum, q, average):
    np = _np()
    total = cum[-1]
    if not (0.0 <= q <= 1.0):
        raise OpError(f"quantile(): the probability must be within [0, 1], got {q!r}")
    n = vals.size
    average = average and total % 2 == 0
    pos = math.ceil(q * total)
    i = int(np.searchsorted(cum, pos, side="left"))
    if i >= n:
        raise OpError("quantile() of an empty vector")
    if wts[i] != 0:
        if average and pos < n - 1:
            if pos < cum[i]:
                return float(vals[i])
            j = i + 1 if wts[i + 1] != 0 else i + 2
            return float((vals[i] + vals[j]) / 2)
        return float(vals[i])
    if i + 1 < n:
        return float(vals[i + 1])
    return float(vals[i - 1])


def _r_quantile(types, args):
    from ..errors import RuleError
    if types and types[0].dt == T.SCALAR:
        raise RuleError(f"expects a matrix argument, got a scalar ({types[0]})")
    t = types[2] if _given(args, 2) else (types[1] if len(types) > 1 else T.UNKNOWN)
    if t.dt == T.MATRIX:
        return T.MATRIX_T
    if t.dt == T.SCALAR:
        return T.DOUBLE
    return T.UNKNOWN


@builtin("quantile", "target, a, b=?", rule=_r_quantile)
def quantile(x, a, b):
    """quantile(X, p), quantile(X, P) for a column of probabilities, or weighted quantile(X, W, p)."""
    w, p = (None, a) if b is None else (a, b)
    vals, wts, cum = _sorted_pairs(x, w, "quantile")
    if _arr(p):
        if p.ndim != 2 or p.shape[1] != 1:
            raise OpError("quantile(): multiple quantiles can only be computed from a column vector "
                          f"of probabilities, got a {p.shape[0]}x{p.shape[1]} matrix")
        return _out(B.array([[_pick(vals, wts, cum, float(q), False)] for q in p[:, 0]], B.DOUBLE)
                    .reshape(p.shape[0], 1))
    return _pick(vals, wts, cum, _scalar(p, "quantile", "probability"), True)


@builtin("median", "target, weights=?", rule=_scalar_error(lambda ts, a: T.DOUBLE))
def median(x, w):
    """Median of a column vector (averaging the two middle values for an even count)."""
    vals, wts, cum = _sorted_pairs(x, w, "median")
    if cum[-1] == 0:
        return math.nan
    return _pick(vals, wts, cum, 0.5, True)


@builtin("interQuartileMean", "target, weights=?", rule=_scalar_error(lambda ts, a: T.DOUBLE))
def interQuartileMean(x, w):
    """Mean of the values between the 25% and 75% quantiles, with fractional end portions."""
    np = _np()
    vals, wts, cum = _sorted_pairs(x, w, "interQuartileMean")
    total = cum[-1]
    q25d, q75d = 0.25 * total, 0.75 * total
    q25i, q75i = math.ceil(q25d), math.ceil(q75d)
    if q25i <= 0:
        return math.nan
    i = int(np.searchsorted(cum, q25i, side="left"))
    j = max(i, int(np.searchsorted(cum, q75i, side="left")))
    s = float((vals[i + 1:j + 1] * wts[i + 1:j + 1]).sum())
    q25part, q75part = cum[i] - q25d, cum[j] - q75d
    return float((s + q25part * vals[i] - q75part * vals[j]) / (total * 0.5))


@builtin("interQuantile", "target, a, b=?", rule=_scalar_error(lambda ts, a: T.MATRIX_T))
def interQuantile(x, a, b):
    """interQuantile(X, p) or interQuantile(X, W, p): a column vector of the sorted values of X
    (each repeated by its integer weight) whose 1-based rank r satisfies
    ceil(p*n) < r <= ceil((1-p)*n), n the total weight: the values between the p and the
    (1-p) quantile. SystemDS 3.4 validates this builtin but cannot run it; this follows its
    documented meaning (SystemML's range pick)."""
    np = _np()
    w, p = (None, a) if b is None else (a, b)
    p = _scalar(p, "interQuantile", "probability")
    if not (0.0 <= p <= 1.0):
        raise OpError(f"interQuantile(): the probability must be within [0, 1], got {p!r}")
    v = _column(x, "interQuantile")
    if w is None:
        wt = B.full(v.size, 1, np.int64)
    else:
        wv = _column(w, "interQuantile", "weights")
        if wv.size != v.size:
            raise OpError("interQuantile(): the weights must have the same dimensions as the input")
        if np.any(np.floor(wv) < wv) or np.any(wv < 0):
            raise OpError("interQuantile(): weights are expected to be non-negative integers")
        wt = wv.astype(np.int64)
    order = np.argsort(v, kind="stable")
    vals = np.repeat(v[order], wt[order])
    n = vals.size
    lo, hi = math.ceil(p * n), math.ceil((1 - p) * n)
    return _out(vals[lo:hi].reshape(-1, 1))


# ------------------------------------------------------------------ grouped aggregate
_GAGG_FNS = ("sum", "count", "mean", "variance", "centralmoment", "min", "max")


@builtin("aggregate", "target, groups, fn, weights=?, ngroups=?, order=?", rule=r_matrix,
         aliases=("groupedAggregate",))
def aggregate(target, groups, fn, weights, ngroups, order):
    """Grouped aggregate of target by 1-based group ids: one row per group."""
    np = _np()
    x = _mat(target, "aggregate", "target")
    g = _mat(groups, "aggregate", "groups")
    if not isinstance(fn, str) or fn not in _GAGG_FNS:
        raise OpError(f"aggregate(): fn is {fn!r} but must be one of "
                      + ", ".join(f'"{f}"' for f in _GAGG_FNS))
    k = None
    if fn == "centralmoment":
        if order is None:
            raise OpError("aggregate(): for centralmoment, the order (2, 3 or 4) must be given")
        k = _order(float(order) if isinstance(order, str) else order, "aggregate")
    # orientation: column vectors, row vectors (result is a column), or a matrix with a group column
    if g.shape[1] == 1 and x.shape[1] > 1:
        if weights is not None:
            raise OpError("aggregate(): matrix input is not supported with weights")
        if g.shape[0] != x.shape[0]:
            raise OpError(f"aggregate(): target ({x.shape[0]}x{x.shape[1]}) and groups "
                          f"({g.shape[0]}x1) must have the same number of rows")
        gv, xs = g[:, 0], x
    elif g.shape == x.shape and x.shape[1] == 1:
        gv, xs = g.reshape(-1), x
    elif g.shape[1] != 1:
        raise OpError("aggregate(): groups and weights must be column vectors")
    else:
        raise OpError(f"aggregate(): target ({x.shape[0]}x{x.shape[1]}) and groups "
                      f"({g.shape[0]}x{g.shape[1]}) do not match")
    if weights is not None:
        wv = _mat(weights, "aggregate", "weights")
        if wv.shape[1] != 1:
            raise OpError("aggregate(): groups and weights must be column vectors")
        if wv.size != gv.size:
            raise OpError("aggregate(): the weights must have the same dimensions as the target")
        wv = wv.reshape(-1)
    else:
        wv = B.full(gv.size, 1.0, B.DOUBLE)
    if gv.size and (np.isnan(gv).any() or (gv < 1).any()):
        raise OpError("aggregate(): group ids must be positive integers")
    gi = gv.astype(np.int64)
    if gv.size and (gi != gv).any():
        raise OpError("aggregate(): group ids must be positive integers")
    n = int(gi.max()) if gi.size else 0
    if ngroups is not None:
        n = int(_scalar(ngroups, "aggregate", "ngroups"))
        keep = gi <= n
        gi, xs, wv = gi[keep], xs[keep], wv[keep]
    idx = gi - 1
    ncol = xs.shape[1]
    cnt = B.zeros(n, B.DOUBLE)
    np.add.at(cnt, idx, wv)
    if fn == "count":
        return _out(np.repeat(cnt.reshape(-1, 1), ncol, axis=1))
    if fn in ("min", "max"):
        init = math.inf if fn == "min" else -math.inf
        res = B.full((n, ncol), init, B.DOUBLE)
        (np.minimum if fn == "min" else np.maximum).at(res, idx, xs)
        res[cnt == 0] = 0.0
        return _out(res)
    w2 = wv.reshape(-1, 1)
    s = B.zeros((n, ncol), B.DOUBLE)
    np.add.at(s, idx, xs * w2)
    if fn == "sum":
        return _out(s)
    c2 = cnt.reshape(-1, 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = s / c2
        if fn == "mean":
            mean[cnt == 0] = 0.0
            return _out(mean)
        d = xs - mean[idx]
        if fn == "variance":
            m2 = B.zeros((n, ncol), B.DOUBLE)
            np.add.at(m2, idx, w2 * d * d)
            res = m2 / (c2 - 1)
            res[(cnt <= 1)] = 0.0
            return _out(res)
        mk = B.zeros((n, ncol), B.DOUBLE)
        np.add.at(mk, idx, w2 * d ** k)
        return _out(mk / c2)
