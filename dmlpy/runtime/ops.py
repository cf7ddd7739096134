"""Generic DML operators on runtime values (scalars, matrices, strings).

Scalar arithmetic follows Java (SystemDS): INT64 wraps, `/` and `^` give doubles, `%/%` truncates,
`%%` is a - trunc(a/b)*b, division by zero gives Infinity/NaN. Matrix work goes to `matrix.py`,
imported on first use so that scalar scripts never load NumPy.
"""
from __future__ import annotations

import math

from ..errors import OpError
from .values import INT64_MAX, INT64_MIN, DMLList, java_long, type_name, wrap_int

_M = None


def M():
    """The matrix-operation module (lazy: it imports NumPy)."""
    global _M
    if _M is None:
        from . import matrix
        _M = matrix
    return _M


def _fmt(v):
    from .format import tostr
    return tostr(v)


def _is_arr(v):
    """A matrix value: a dense array, a sparse one (scipy csr_array, dmlpy.sparse) or one in
    device memory (a -gpu run's DeviceMatrix)."""
    n = type(v).__name__
    return n == "ndarray" or n == "csr_array" or n == "DeviceMatrix"


def _is_dense(v):
    n = type(v).__name__
    return n == "ndarray" or n == "DeviceMatrix"


def _scalar_num(v, op):
    t = type(v)
    if t is int or t is float:
        return v
    if t is bool:  # SystemDS computes TRUE + TRUE as 2.0
        return float(v)
    raise OpError(f"operator '{op}' cannot be applied to a {type_name(v)}")


# ------------------------------------------------------------------ scalar kernels
def java_div(a, b):
    a = float(a)
    b = float(b)
    try:
        return a / b
    except ZeroDivisionError:
        if a != a or a == 0.0:
            return math.nan
        return math.copysign(math.inf, a) * math.copysign(1.0, b)


def java_pow(a, b):
    try:
        r = math.pow(a, b)
    except OverflowError:
        r = math.inf if (a > 0 or float(b) % 2 == 0) else -math.inf
    except ValueError:  # 0 ** negative, or negative ** fraction
        if a == 0:
            odd = float(b).is_integer() and float(b) % 2 == 1
            return math.copysign(math.inf, a) if odd else math.inf
        return math.nan
    return r


def int_mul(a, b):
    """INT64 product as SystemDS computes it: in double precision, cast back to a long, and an
    error when it leaves the INT64 range (unlike + and -, which wrap)."""
    r = a * b
    if -9007199254740992 <= r <= 9007199254740992:  # |r| <= 2^53: the double product is exact
        return r
    d = float(a) * float(b)
    if d > 9.223372036854775807e18 or d < -9.223372036854775808e18 or d != d:
        raise OpError(f"integer operation created numerical result overflow ({a} * {b} leaves "
                      "the INT64 range)")
    return min(int(d), INT64_MAX)


def int_mod(a, b):
    if b == 0:
        return 0
    r = abs(a) % abs(b)
    return -r if a < 0 else r


def int_intdiv(a, b):
    if b == 0:
        raise OpError("integer division by zero (%/% with an INT64 divisor of 0)")
    q = abs(a) // abs(b)
    return wrap_int(q if (a < 0) == (b < 0) else -q)


def dbl_mod(a, b):
    a = float(a)
    b = float(b)
    if b == 0.0 or a != a or b != b or math.isinf(a):
        return math.nan
    if math.isinf(b):
        return a
    q = a / b
    return a - math.trunc(q) * b if not math.isinf(q) else math.nan


def dbl_intdiv(a, b):
    q = java_div(a, b)
    if math.isinf(q) or q != q:
        return q
    return float(math.trunc(q))


def java_round(x):
    """Math.round semantics (half up, a long), returned as a double: NaN rounds to 0 and values
    beyond the INT64 range (infinities included) saturate at +-9.223372036854776E18."""
    if x != x:
        return 0.0
    if x >= 9.223372036854775807e18:
        return 9.223372036854775807e18
    if x <= -9.223372036854775808e18:
        return -9.223372036854775808e18
    f = math.floor(x)
    return float(f + 1) if x - f >= 0.5 else float(f)


# ------------------------------------------------------------------ generic binary operators
def add(a, b):
    ta, tb = type(a), type(b)
    if ta is int and tb is int:
        r = a + b
        return r if INT64_MIN <= r <= INT64_MAX else wrap_int(r)
    if (ta is float or ta is int) and (tb is float or tb is int):
        return a + b
    if ta is str or tb is str:
        if _is_arr(a) or _is_arr(b) or isinstance(a, DMLList) or isinstance(b, DMLList):
            raise OpError(f"cannot concatenate a string with a {type_name(b if ta is str else a)}")
        return (a if ta is str else _fmt(a)) + (b if tb is str else _fmt(b))
    return _general("+", a, b)


def sub(a, b):
    ta, tb = type(a), type(b)
    if ta is int and tb is int:
        return wrap_int(a - b)
    if (ta is float or ta is int) and (tb is float or tb is int):
        return a - b
    return _general("-", a, b)


def mul(a, b):
    ta, tb = type(a), type(b)
    if ta is int and tb is int:
        return int_mul(a, b)
    if (ta is float or ta is int) and (tb is float or tb is int):
        return a * b
    return _general("*", a, b)


def div(a, b):
    ta, tb = type(a), type(b)
    if (ta is float or ta is int) and (tb is float or tb is int):
        try:
            return a / b
        except ZeroDivisionError:
            return java_div(a, b)
    return _general("/", a, b)


def pow_(a, b):
    ta, tb = type(a), type(b)
    if (ta is float or ta is int) and (tb is float or tb is int):
        return java_pow(float(a), float(b))
    return _general("^", a, b)


def mod(a, b):
    ta, tb = type(a), type(b)
    if ta is int and tb is int:
        return int_mod(a, b)
    if (ta is float or ta is int) and (tb is float or tb is int):
        return dbl_mod(a, b)
    return _general("%%", a, b)


def intdiv(a, b):
    ta, tb = type(a), type(b)
    if ta is int and tb is int:
        return int_intdiv(a, b)
    if (ta is float or ta is int) and (tb is float or tb is int):
        return dbl_intdiv(a, b)
    return _general("%/%", a, b)


def _cmp_operands(a, b, op):
    ta, tb = type(a), type(b)
    if ta is str or tb is str:
        if ta is str and tb is str:
            return a, b
        if _is_arr(a) or _is_arr(b):
            raise OpError(f"operator '{op}' cannot compare a string with a matrix")
        return (a if ta is str else _fmt(a)), (b if tb is str else _fmt(b))
    return a, b


_PYCMP = {"<": lambda x, y: x < y, "<=": lambda x, y: x <= y, ">": lambda x, y: x > y,
          ">=": lambda x, y: x >= y, "==": lambda x, y: x == y, "!=": lambda x, y: x != y}


def _frame_cmp(op, a, b):
    """Frame op frame, cell by cell: a BOOLEAN frame (numbers compare as numbers, text as text;
    a null cell compares false). SystemDS rejects a frame compared with a scalar or a matrix."""
    from .frame import Frame
    if not (isinstance(a, Frame) and isinstance(b, Frame)):
        raise OpError(f"operator '{op}' cannot compare a {type_name(a)} with a {type_name(b)} "
                      "(a frame compares with a frame of the same shape only)")
    if (a.nrow, a.ncol) != (b.nrow, b.ncol):
        raise OpError(f"operator '{op}': the frames are {a.nrow}x{a.ncol} and {b.nrow}x{b.ncol}")
    f = _PYCMP[op]
    cols = []
    for ca, cb, ta, tb in zip(a.columns, b.columns, a.schema, b.schema):
        text = ta == "STRING" or tb == "STRING"
        out = []
        for x, y in zip(ca.tolist(), cb.tolist()):
            if x is None or y is None:
                out.append(False)
            elif text:
                out.append(f(x if isinstance(x, str) else _fmt(x), y if isinstance(y, str) else _fmt(y)))
            else:
                out.append(bool(f(float(x), float(y))))
        cols.append(Frame.column(out, "BOOLEAN"))
    return Frame(cols, ["BOOLEAN"] * a.ncol, nrow=a.nrow)


def _is_frame(v):
    return type(v).__name__ == "Frame"


def lt(a, b):
    if _is_frame(a) or _is_frame(b):
        return _frame_cmp("<", a, b)
    if _is_arr(a) or _is_arr(b):
        return M().binary("<", a, b)
    a, b = _cmp_operands(a, b, "<")
    return a < b


def le(a, b):
    if _is_frame(a) or _is_frame(b):
        return _frame_cmp("<=", a, b)
    if _is_arr(a) or _is_arr(b):
        return M().binary("<=", a, b)
    a, b = _cmp_operands(a, b, "<=")
    return a <= b


def gt(a, b):
    if _is_frame(a) or _is_frame(b):
        return _frame_cmp(">", a, b)
    if _is_arr(a) or _is_arr(b):
        return M().binary(">", a, b)
    a, b = _cmp_operands(a, b, ">")
    return a > b


def ge(a, b):
    if _is_frame(a) or _is_frame(b):
        return _frame_cmp(">=", a, b)
    if _is_arr(a) or _is_arr(b):
        return M().binary(">=", a, b)
    a, b = _cmp_operands(a, b, ">=")
    return a >= b


def eq(a, b):
    if _is_frame(a) or _is_frame(b):
        return _frame_cmp("==", a, b)
    if _is_arr(a) or _is_arr(b):
        return M().binary("==", a, b)
    a, b = _cmp_operands(a, b, "==")
    return a == b


def ne(a, b):
    if _is_frame(a) or _is_frame(b):
        return _frame_cmp("!=", a, b)
    if _is_arr(a) or _is_arr(b):
        return M().binary("!=", a, b)
    a, b = _cmp_operands(a, b, "!=")
    return a != b


def truth(v, what="condition") -> bool:
    t = type(v)
    if t is bool:
        return v
    if t is int or t is float:
        return v != 0
    if t is str:
        if v.upper() in ("TRUE", "FALSE"):
            return v.upper() == "TRUE"
        raise OpError(f"the {what} is the string '{v}', not a boolean")
    if _is_dense(v) and v.size == 1:
        return bool(v.flat[0] != 0)
    raise OpError(f"the {what} must be a boolean scalar, not a {type_name(v)}")


def and_(a, b):
    if _is_arr(a) or _is_arr(b):
        return M().binary("&", a, b)
    x, y = truth(a, "operand of '&'"), truth(b, "operand of '&'")
    return x and y


def or_(a, b):
    if _is_arr(a) or _is_arr(b):
        return M().binary("|", a, b)
    x, y = truth(a, "operand of '|'"), truth(b, "operand of '|'")
    return x or y


def xor(a, b):
    if _is_arr(a) or _is_arr(b):
        return M().binary("xor", a, b)
    return truth(a) != truth(b)


def not_(a):
    if _is_arr(a):
        return M().unary("!", a)
    return not truth(a, "operand of '!'")


def neg(a):
    t = type(a)
    if t is int:
        return wrap_int(-a)
    if t is float:
        return -a
    if t is bool:
        return -float(a)
    if _is_arr(a):
        return M().unary("-", a)
    raise OpError(f"unary '-' cannot be applied to a {type_name(a)}")


def pos(a):
    if type(a) is bool:
        return int(a)
    if isinstance(a, (int, float)) or _is_arr(a):
        return a
    raise OpError(f"unary '+' cannot be applied to a {type_name(a)}")


def matmul(a, b):
    if not (_is_arr(a) and _is_arr(b)):
        raise OpError(f"%*% needs two matrices, got a {type_name(a)} and a {type_name(b)}")
    return M().matmul(a, b)


def self_product(a):
    """X %*% t(X), which SystemDS computes with its tsmm kernel (see runtime/kahan.py)."""
    if not _is_arr(a):
        raise OpError(f"%*% needs two matrices, got a {type_name(a)} and a {type_name(a)}")
    return M().self_product(a)


_SCALAR = {"+": add, "-": sub, "*": mul, "/": div, "^": pow_, "%%": mod, "%/%": intdiv}


def _general(op, a, b):
    if _is_arr(a) or _is_arr(b):
        if isinstance(a, (str, DMLList)) or isinstance(b, (str, DMLList)):
            raise OpError(f"operator '{op}' cannot be applied to a {type_name(a)} and a {type_name(b)}")
        return M().binary(op, a, b)
    if type(a) is bool or type(b) is bool:  # booleans count as 0/1 in arithmetic
        return _SCALAR[op](_scalar_num(a, op), _scalar_num(b, op))
    raise OpError(f"operator '{op}' cannot be applied to a {type_name(a)} and a {type_name(b)}")


BINARY = {
    "+": add, "-": sub, "*": mul, "/": div, "^": pow_, "%%": mod, "%/%": intdiv,
    "<": lt, "<=": le, ">": gt, ">=": ge, "==": eq, "!=": ne, "&": and_, "|": or_,
    "%*%": matmul,
}
UNARY = {"-": neg, "+": pos, "!": not_}


# ------------------------------------------------------------------ loops, indexing, parameters
def loop_range(a, b, step):
    """The values of `for (i in a:b)` / `seq(a, b, step)`: bounds and step truncated to integers;
    a NaN bound or step gives no iterations (as SystemDS)."""
    a = _loop_int(a)
    b = _loop_int(b)
    if a is None or b is None:
        return range(0)
    if step is None:
        return range(a, b + 1) if b >= a else range(a, b - 1, -1)
    s = _loop_int(step)
    if s is None:
        return range(0)
    if s == 0:
        return range(0)
    return range(a, b + 1, s) if s > 0 else range(a, b - 1, s)


def _loop_int(v):
    if type(v) is int:
        return v
    v = _scalar_num(v, "for")
    if isinstance(v, float):
        return None if v != v else java_long(v)
    return v


def index_get(t, rlo, rhi, clo, chi, two_d, name="the value"):
    if _is_arr(t):  # X[i] (one index) selects rows, as X[i, ]
        return M().get(t, rlo, rhi, clo, chi, name)
    if isinstance(t, DMLList):   # L[i, j] is L[i]: SystemDS ignores a list's column index
        if rlo is None:
            return t
        if rhi is None:
            pos = t.position(rlo)
            return DMLList([t.values[pos]], [t.names[pos]] if t.names else None)
        return t.slice(rlo, rhi)
    if hasattr(t, "index_get"):
        return t.index_get(rlo, rhi, clo, chi, two_d)
    raise OpError(f"cannot index {name}, a {type_name(t)}")


def index_set(t, rlo, rhi, clo, chi, two_d, v, name="the value"):
    if _is_arr(t):
        return M().set_region(t, rlo, rhi, clo, chi, v, name)
    if isinstance(t, DMLList):
        if two_d or rlo is None or rhi is not None:
            raise OpError(f"{name} is a list: assign one element with L[i] = value or L[\"name\"] = value")
        if isinstance(v, DMLList) and len(v) == 1:
            v = v.values[0]
        return t.with_item(rlo, v)
    if hasattr(t, "index_set"):
        return t.index_set(rlo, rhi, clo, chi, two_d, v)
    raise OpError(f"cannot assign into {name}, a {type_name(t)}")


def param_double(v):
    t = type(v)
    if t is float:
        return v
    if t is int or t is bool:
        return float(v)
    if _is_dense(v) and v.size == 1:
        return float(v.flat[0])
    if t is str:
        try:
            return float(v)
        except ValueError:
            pass
    raise OpError(f"expected a double, got a {type_name(v)}")


def param_int(v):
    t = type(v)
    if t is int:
        return v
    if t is float:
        if v != v or v in (math.inf, -math.inf):
            raise OpError(f"expected an int, got {v}")
        return java_long(v)
    if t is bool:
        return int(v)
    if _is_dense(v) and v.size == 1:
        return int(v.flat[0])
    if t is str:
        try:
            return int(v)
        except ValueError:
            pass
    raise OpError(f"expected an int, got a {type_name(v)}")


def return_int(v):
    """A function result declared int: SystemDS passes a double that reaches it at run time
    (the analysis rejects a provable double) through unchanged, e.g. a value assigned in one
    branch of an if whose other path assigns an int."""
    if type(v) is float:
        return v
    return param_int(v)


def param_bool(v):
    t = type(v)
    if t is bool:
        return v
    if t is int or t is float:
        return v != 0
    if t is str and v.upper() in ("TRUE", "FALSE"):
        return v.upper() == "TRUE"
    raise OpError(f"expected a boolean, got a {type_name(v)}")


def param_check(v, dt):
    have = {"ndarray": "matrix", "csr_array": "matrix", "DeviceMatrix": "matrix", "DMLList": "list",
            "Frame": "frame"}.get(type(v).__name__, "scalar")
    if dt == "matrix" and have == "scalar" and isinstance(v, (int, float, bool)):
        raise OpError(f"expected a matrix, got a {type_name(v)}")
    if have != dt:
        raise OpError(f"expected a {dt}, got a {type_name(v)}")
    return v
