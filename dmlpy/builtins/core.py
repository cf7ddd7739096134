"""Builtins the language core needs: construction, casts, printing, basic aggregates and math."""
from __future__ import annotations

import math
import sys

from .. import backends as B
from .. import types as T
from ..errors import DMLStop, OpError
from ..runtime import ops
from ..runtime.format import to_string, tostr
from ..runtime.values import DMLList, java_long, type_name
from .args import is_matrix as _arr
from .args import np as _np
from .args import number_arg as _num
from .javahash import string_map_order
from .registry import (builtin, r_agg, r_agg_matrix, r_int, r_list, r_matrix,
                       r_none, r_string)


def _as_arr(v, fn):
    if _arr(v):
        return v
    raise OpError(f"{fn}() expects a matrix, got a {type_name(v)}")


def _int(v, fn, what="argument"):
    x = _num(v, fn, what)
    if isinstance(x, float):
        if x != x or math.isinf(x):
            raise OpError(f"{fn}() expects an integer as {what}, got {tostr(x)}")
        return int(x)
    return x


# ------------------------------------------------------------------ printing
@builtin("print", "*args", rule=r_none, nret=0, min_args=1, pure=False)
def print_(*args):
    """print(x) or print(format, args...): String.format-style when arguments follow."""
    if len(args) == 1:
        text = tostr(args[0])
    else:
        from ..runtime.javaformatter import java_format
        if not isinstance(args[0], str):
            raise OpError("print() with several arguments needs a format string first")
        try:
            text = java_format(args[0], [_fmt_arg(a) for a in args[1:]])
        except ValueError as e:
            raise OpError(f"print(): {e}") from None
    sys.stdout.write(text + "\n")


def _fmt_arg(a):
    if _arr(a) or isinstance(a, DMLList):
        return tostr(a)
    return a


@builtin("toString", "target, rows=100, cols=100, decimal=3, sparse=FALSE, sep=' ', linesep='\\n'",
         rule=r_string)
def toString(target, rows, cols, decimal, sparse, sep, linesep):
    """The text form of a matrix, list, frame or scalar."""
    from ..runtime.javaformatter import MAX_SPEC_NUMBER
    if int(decimal) > MAX_SPEC_NUMBER:  # the digits would be built, not refused
        raise OpError(f"toString(): decimal={int(decimal)} is too large (dmlpy allows at most "
                      f"{MAX_SPEC_NUMBER})")
    return to_string(target, int(rows), int(cols), int(decimal), bool(sparse), sep, linesep)


@builtin("sprintf", "*args", rule=r_string, min_args=1, aliases=("format",))
def sprintf(*args):
    from ..runtime.javaformatter import java_format
    if not isinstance(args[0], str):
        raise OpError("sprintf() needs a format string first")
    try:
        return java_format(args[0], [_fmt_arg(a) for a in args[1:]])
    except ValueError as e:
        raise OpError(f"sprintf(): {e}") from None


@builtin("stop", "message=''", rule=r_none, nret=0, pure=False)
def stop(message):
    raise DMLStop(tostr(message))


@builtin("assert", "condition", rule=r_none, nret=0, pure=False)
def assert_(condition):
    if not ops.truth(condition, "assert condition"):
        raise DMLStop("assertion failed")


@builtin("time", "", rule=r_int, pure=False)
def time_():
    """Nanoseconds of a monotonic clock, as SystemDS's time()."""
    import time
    return time.perf_counter_ns()


# ------------------------------------------------------------------ construction
def _r_matrix_ctor(types, args):
    return T.MATRIX_T


def reshape_dims(shape, r, c):
    """(rows, cols) of matrix(X, rows, cols) for X of this shape (None: not given), or the error."""
    n = shape[0] * shape[1]
    if r is None and c is None:
        r, c = shape
    elif r is None:
        r = n // c if c else 0
    elif c is None:
        c = n // r if r else 0
    if r * c != n:
        raise OpError(f"matrix(): cannot reshape a {shape[0]}x{shape[1]} matrix ({n} cells) "
                      f"into {r}x{c}")
    return r, c


@builtin("matrix", "data, rows=?, cols=?, byrow=TRUE", rule=_r_matrix_ctor)
def matrix(data, rows, cols, byrow):
    """matrix(value | "v1 v2 ..." | X, rows, cols): fill, parse, or reshape."""
    r = None if rows is None else _int(rows, "matrix", "rows")
    c = None if cols is None else _int(cols, "matrix", "cols")
    if _arr(data):
        r, c = reshape_dims(data.shape, r, c)
        if byrow:
            return B.matrix(data.reshape(r, c), data.dtype)
        # byrow=FALSE reads the input column by column and fills the result column by column
        return B.matrix(data.reshape((r, c), order="F"), data.dtype)
    if isinstance(data, str):
        toks = data.replace(",", " ").split()
        try:
            vals = [float(_java_num(t)) for t in toks]
        except ValueError:
            raise OpError(f"matrix(): cannot read numbers from the string '{data}'") from None
        if r is None and c is None:
            r, c = len(vals), 1
        elif r is None:
            r = len(vals) // c
        elif c is None:
            c = len(vals) // r
        if len(vals) != r * c:
            if len(vals) == 1:
                return B.full((r, c), vals[0])
            raise OpError(f"matrix(): the string holds {len(vals)} values but the matrix is "
                          f"{r}x{c} ({r * c} values): number of values does not match the dimensions")
        a = B.array(vals).reshape(r, c) if byrow else B.matrix(B.array(vals).reshape(c, r).T)
        return a
    v = _num(data, "matrix", "data")
    if r is None or c is None:
        raise OpError("matrix(): rows and cols are required to fill a matrix with a value")
    if r < 0 or c < 0:
        raise OpError(f"matrix(): invalid dimensions {r}x{c}")
    return B.full((r, c), float(v))


def _java_num(t):
    low = t.lower()
    if low in ("nan",):
        return "nan"
    if low in ("inf", "infinity", "+infinity"):
        return "inf"
    if low == "-infinity":
        return "-inf"
    return t


@builtin("seq", "from, to, incr=?", rule=r_matrix)
def seq(from_, to, incr):
    """seq(from, to[, incr]): a column vector from `from` to `to` (inclusive)."""
    a, b = float(_num(from_, "seq", "from")), float(_num(to, "seq", "to"))
    if incr is None:
        d = 1.0 if a <= b else -1.0
    else:
        d = float(_num(incr, "seq", "incr"))
    if d == 0 or (b - a) * d < 0:
        if a == b:
            return B.full((1, 1), a)
        raise OpError(f"seq(): wrong sign or zero increment {tostr(d)} for the range "
                      f"{tostr(a)} to {tostr(b)}")
    n = int(math.floor((b - a) / d + 1e-10)) + 1
    return B.matrix((a + d * B.arange(n, B.DOUBLE)).reshape(n, 1))


@builtin("rand", "rows=?, cols=?, min=0.0, max=1.0, sparsity=1.0, seed=-1, pdf='uniform', lambda=1.0",
         rule=r_matrix, pure=False)
def rand(rows, cols, min_, max_, sparsity, seed, pdf, lambda_):
    """Random matrix, with SystemDS's generators (same seed, same numbers)."""
    if rows is None or cols is None:
        raise OpError("rand(): rows and cols are required")
    from ..runtime import rng
    from ..sparse import create as sparse_create
    args = (_int(rows, "rand", "rows"), _int(cols, "rand", "cols"),
            float(_num(min_, "rand", "min")), float(_num(max_, "rand", "max")),
            float(_num(sparsity, "rand", "sparsity")), _int(seed, "rand", "seed"),
            str(pdf).lower(), float(_num(lambda_, "rand", "lambda")))
    try:
        r = sparse_create.rand(*args)   # a csr_array when the result is large and sparse
        if r is not None:
            return r
        r = rng.rand_matrix(*args)
    except ValueError as e:
        raise OpError(f"rand(): {e}") from None
    return B.matrix(r, r.dtype)     # drawn on the host (SystemDS's generators), then to the backend


# ------------------------------------------------------------------ metadata
@builtin("nrow", "target", rule=r_int)
def nrow(x):
    if _arr(x):
        return x.shape[0]
    if hasattr(x, "nrow"):
        return x.nrow
    raise OpError(f"nrow() expects a matrix or frame, got a {type_name(x)}")


@builtin("ncol", "target", rule=r_int)
def ncol(x):
    if _arr(x):
        return x.shape[1]
    if hasattr(x, "ncol"):
        return x.ncol
    raise OpError(f"ncol() expects a matrix or frame, got a {type_name(x)}")


@builtin("length", "target", rule=r_int)
def length(x):
    if _arr(x):
        return x.size
    if isinstance(x, DMLList):
        return len(x)
    if hasattr(x, "nrow"):
        return x.nrow * x.ncol
    if isinstance(x, (int, float, bool, str)):
        return 1
    raise OpError(f"length() cannot take a {type_name(x)}")


# ------------------------------------------------------------------ aggregates
def _agg_input(x, fn):
    if _arr(x):
        return x
    raise OpError(f"{fn}() expects a matrix, got a {type_name(x)}")


@builtin("sum", "target", rule=r_agg)
def sum_(x):
    from ..runtime import kahan
    return kahan.kahan_sum(_agg_input(x, "sum"))          # SystemDS's compensated sum


@builtin("mean", "target", rule=r_agg, aliases=("avg",))
def mean(x):
    from ..runtime import kahan
    return kahan.kahan_mean(_agg_input(x, "mean"))        # SystemDS's running mean


def _r_minmax(types, args):
    if len(types) == 1:
        return T.DOUBLE if types[0].dt == T.MATRIX else T.UNKNOWN
    if any(t.dt == T.MATRIX for t in types):
        return T.MATRIX_T
    if len(types) == 2 and all(t == T.INT for t in types):
        return T.INT
    if all(t.dt == T.SCALAR for t in types):
        return T.DOUBLE if len(types) > 2 or T.DOUBLE in types else T.SCALAR_ANY
    return T.UNKNOWN


def _minmax(args, name, red, pick):
    if len(args) == 1:
        x = args[0]
        if _arr(x):
            if x.size == 0:
                raise OpError(f"{name}() of an empty matrix")
            return float(red(x))
        raise OpError(f"{name}() of one argument expects a matrix, got a {type_name(x)}")
    if any(_arr(a) for a in args):
        res = args[0]
        for a in args[1:]:
            res = ops.M().binary(name, res if _arr(res) else float(_num(res, name)),
                                 a if _arr(a) else float(_num(a, name)))
        return B.matrix(res, res.dtype)
    vals = [_num(a, name) for a in args]
    if len(vals) == 2 and all(type(v) is int for v in vals):
        return pick(vals)
    r = pick(float(v) for v in vals)
    if any(v != v for v in vals):
        return math.nan
    return float(r)


@builtin("min", "*args", rule=_r_minmax, min_args=1, aliases=("pmin",))
def min_(*args):
    np = _np() if any(_arr(a) for a in args) else None
    return _minmax(args, "min", (np.min if np else None), min)


@builtin("max", "*args", rule=_r_minmax, min_args=1, aliases=("pmax",))
def max_(*args):
    np = _np() if any(_arr(a) for a in args) else None
    return _minmax(args, "max", (np.max if np else None), max)


@builtin("colSums", "target", rule=r_agg_matrix)
def colSums(x):
    from ..runtime import kahan
    return kahan.kahan_col_sums(_agg_input(x, "colSums"))  # SystemDS's compensated sums


@builtin("rowSums", "target", rule=r_agg_matrix)
def rowSums(x):
    from ..runtime import kahan
    return kahan.kahan_row_sums(_agg_input(x, "rowSums"))     # SystemDS's compensated sums


@builtin("colMeans", "target", rule=r_agg_matrix)
def colMeans(x):
    from ..runtime import kahan
    return kahan.kahan_col_means(_agg_input(x, "colMeans"))  # no rows: 0, as SystemDS


@builtin("rowMeans", "target", rule=r_agg_matrix)
def rowMeans(x):
    from ..runtime import kahan
    return kahan.kahan_row_means(_agg_input(x, "rowMeans"))


# ------------------------------------------------------------------ reorganisation
@builtin("t", "target", rule=r_matrix)
def t(x):
    x = _as_arr(x, "t")
    return B.matrix(x.T, x.dtype)


def _bind(args, axis, fn):
    np = _np()
    mats = [a if _arr(a) else None for a in args]
    for a, m in zip(args, mats):
        if m is None:
            raise OpError(f"{fn}() expects matrices, got a {type_name(a)}")
    dim = 0 if axis == 1 else 1
    ref = mats[0].shape[dim]
    for i, m in enumerate(mats[1:], start=2):
        if m.shape[dim] != ref:
            what = "rows" if axis == 1 else "columns"
            raise OpError(f"{fn}(): inputs must have the same number of {what}: input 1 has "
                          f"{ref} {what}, input {i} has {m.shape[dim]} {what}")
    r = np.concatenate(mats, axis=axis)
    return B.matrix(r, r.dtype)


def _r_bind(types, args):
    """cbind/rbind keep the kind of their first argument (append(L, x) on a list gives a list)."""
    first = types[0] if types else T.UNKNOWN
    if first.dt in (T.LIST, T.FRAME, T.UNKNOWN_DT):
        return first if first.dt != T.UNKNOWN_DT else T.UNKNOWN
    return T.MATRIX_T


def _list_append(lst, items):
    """append(L, x) as SystemDS does it: a list of one element is unfolded (its element goes in,
    with its name when L is named); anything else goes in as one element, which a named list
    refuses (it has no name)."""
    values, names = list(lst.values), (list(lst.names) if lst.names is not None else None)
    for x in items:
        name = None
        if isinstance(x, DMLList) and len(x.values) == 1:
            name = x.names[0] if x.names is not None else None
            x = x.values[0]
        if names is not None:
            if name is None:
                raise OpError("append(): cannot add an unnamed element to a named list")
            names.append(name)
        values.append(x)
    return DMLList(values, names)


@builtin("cbind", "*args", rule=_r_bind, min_args=1, aliases=("append",))
def cbind(*args):
    if isinstance(args[0], str):
        # append() of strings joins them line by line, as SystemDS does
        if not all(isinstance(a, str) for a in args):
            raise OpError("append() of a string needs strings only")
        return "\n".join(args)
    if isinstance(args[0], DMLList):
        return _list_append(args[0], args[1:])
    if type(args[0]).__name__ == "Frame":
        from ..runtime.frame import bind
        return bind("cbind", args)
    return _bind(args, 1, "cbind")


def _r_rbind(types, args):
    """As cbind, except that rbind(L) of a single list binds the list's elements by rows."""
    if len(types) == 1 and types[0].dt == T.LIST:
        return T.UNKNOWN
    return _r_bind(types, args)


@builtin("rbind", "*args", rule=_r_rbind, min_args=1)
def rbind(*args):
    if len(args) == 1 and isinstance(args[0], DMLList):   # rbind(L): its elements, by rows
        if not args[0].values:
            raise OpError("rbind(): the list is empty")
        args = tuple(args[0].values)
    if type(args[0]).__name__ == "Frame":
        from ..runtime.frame import bind
        return bind("rbind", args)
    return _bind(args, 0, "rbind")


# ------------------------------------------------------------------ casts
def _r_as_scalar(types, args):
    if types and types[0].dt == T.MATRIX:
        return T.DOUBLE
    if types and types[0].dt == T.SCALAR:
        return types[0]
    return T.SCALAR_ANY


@builtin("as.scalar", "target", rule=_r_as_scalar, aliases=("castAsScalar",))
def as_scalar(x):
    if _arr(x):
        if x.size != 1:
            raise OpError(f"as.scalar() needs a 1x1 matrix, got a {x.shape[0]}x{x.shape[1]} matrix")
        return float(x.flat[0])
    if isinstance(x, DMLList):
        if len(x) != 1:
            raise OpError(f"as.scalar() needs a list of one element, got {len(x)} elements")
        return as_scalar(x.values[0])
    if hasattr(x, "nrow") and hasattr(x, "cell"):
        if x.nrow * x.ncol != 1:
            raise OpError("as.scalar() needs a 1x1 frame")
        return x.cell(0, 0)
    return x


@builtin("as.matrix", "target", rule=r_matrix)
def as_matrix(x):
    np = _np()
    if _arr(x):
        return x
    if isinstance(x, DMLList):
        if len(x) > 1:
            # as SystemDS: a list of several scalars becomes a column vector
            vals = x.values
            if not all(isinstance(v, (bool, int, float)) for v in vals):
                raise OpError("as.matrix() of a list of several elements needs numeric scalars only")
            return B.array([float(v) for v in vals]).reshape(-1, 1)
        if len(x) == 0:
            raise OpError("as.matrix() of an empty list")
        return as_matrix(x.values[0])
    if isinstance(x, (bool, int, float)):
        return B.full((1, 1), float(x))
    if hasattr(x, "column_doubles"):
        # a frame (its columns live on the host): null cells read as NaN, as in SystemDS 3.4
        out = np.empty((x.nrow, x.ncol), dtype=np.float64)
        for j in range(x.ncol):
            out[:, j] = x.column_doubles(j, nan_for_null=np.nan)
        return B.matrix(out)
    if hasattr(x, "to_matrix"):
        return x.to_matrix()
    raise OpError(f"as.matrix() cannot convert a {type_name(x)}")


def _scalar_of(x, fn):
    if _arr(x) or isinstance(x, DMLList):
        return as_scalar(x)
    return x


@builtin("as.integer", "target", rule=lambda ts, a: T.INT)
def as_integer(x):
    x = _scalar_of(x, "as.integer")
    if isinstance(x, str):
        try:
            x = float(_java_num(x.strip()))  # as SystemDS: through a double (large values saturate)
        except ValueError:
            raise OpError(f"as.integer(): cannot convert the string '{x}' to a number") from None
    if isinstance(x, float):
        return java_long(x)
    return int(x)


@builtin("as.double", "target", rule=lambda ts, a: T.DOUBLE)
def as_double(x):
    x = _scalar_of(x, "as.double")
    if isinstance(x, str):
        try:
            return float(_java_num(x.strip()))
        except ValueError:
            raise OpError(f"as.double(): cannot convert the string '{x}' to a number") from None
    return float(x)


@builtin("as.logical", "target", rule=lambda ts, a: T.BOOL, aliases=("as.boolean",))
def as_logical(x):
    x = _scalar_of(x, "as.logical")
    if isinstance(x, str):
        if x.strip().upper() in ("TRUE", "FALSE"):
            return x.strip().upper() == "TRUE"
        raise OpError(f"as.logical(): cannot convert the string '{x}' to a boolean")
    return x != 0


@builtin("list", "**args", rule=r_list, pure=True)
def list_(values, names):
    if all(n is None for n in names):
        return DMLList(values)
    if any(n is None for n in names):
        raise OpError("list(): either all elements are named or none")
    # SystemDS holds named arguments in a Java HashMap: the list comes out in its iteration
    # order (list(b=1, a=2) is [2, 1]) and a repeated name keeps its last value
    last = {n: v for n, v in zip(names, values)}
    order = string_map_order(names)
    return DMLList([last[names[i]] for i in order], [names[i] for i in order])
