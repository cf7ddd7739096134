"""Element-wise builtins: the math functions (sqrt, exp, round, log, ...), ifelse, xor, the NaN/NA/Inf tests,
typeof, sigmoid, bit operations and ppred. Scalar calls never import NumPy."""
from __future__ import annotations

import math

from .. import backends as B
from .. import types as T
from ..errors import OpError
from ..runtime import ops
from ..runtime.values import DMLList, type_name
from .args import is_matrix as _arr
from .args import np as _np
from .args import number_arg as _num
from .registry import builtin, r_elementwise, r_list, r_string


@builtin("sigmoid", "target", rule=r_elementwise)
def sigmoid(x):
    if _arr(x):
        import numpy as np
        if x.dtype.char == "d" and type(x).__module__ == "numpy":
            from ..kernels.fastexp import sigmoid_array
            return sigmoid_array(x)       # SystemDS: 1 / (1 + FastMath.exp(-x))
        return 1.0 / (1.0 + np.exp(-x))
    from ..runtime.fastmath import fast_exp
    return 1.0 / (1.0 + fast_exp(-float(ops.param_double(x))))


def _r_bitw(types, args):
    if any(t.dt == T.MATRIX for t in types):
        return T.MATRIX_T
    return T.INT


def _bitw(name, f, npf):
    def impl(a, b):
        if _arr(a) or _arr(b):
            import numpy as np
            ai = (a if _arr(a) else B.full((1, 1), float(a), B.DOUBLE)).astype(np.int64)
            bi = (b if _arr(b) else B.full((1, 1), float(b), B.DOUBLE)).astype(np.int64)
            return B.matrix(getattr(np, npf)(ai, bi), B.DOUBLE)
        for v in (a, b):
            if not isinstance(v, (int, float, bool)):
                raise OpError(f"{name}() expects numbers, got a {type_name(v)}")
        return f(int(a), int(b))
    impl.__name__ = name
    builtin(name, "a, b", rule=_r_bitw)(impl)


_bitw("bitwAnd", lambda a, b: a & b, "bitwise_and")
_bitw("bitwOr", lambda a, b: a | b, "bitwise_or")
_bitw("bitwXor", lambda a, b: a ^ b, "bitwise_xor")
_bitw("bitwShiftL", lambda a, b: (a << b) & 0xFFFFFFFFFFFFFFFF if b < 64 else 0, "left_shift")
_bitw("bitwShiftR", lambda a, b: a >> b, "right_shift")


@builtin("ppred", "target, value, op", rule=lambda ts, a: T.MATRIX_T)
def ppred(x, v, op):
    if op not in ("<", "<=", ">", ">=", "==", "!="):
        raise OpError(f"ppred(): unknown comparison '{op}'")
    return ops.BINARY[op](x, v)


# ------------------------------------------------------------------ element-wise math
def _unary_math(name, f, np_name=None, aliases=()):
    def impl(x):
        if _arr(x):
            return getattr(_np(), np_name or name)(x)
        v = _num(x, name)
        try:
            return float(f(v))
        except (ValueError, OverflowError):
            return _math_special(name, float(v))
    impl.__name__ = name
    builtin(name, "target", rule=r_elementwise, aliases=aliases)(impl)


def _math_special(name, v):
    if name == "sqrt":
        return math.nan if v < 0 else math.sqrt(v)
    if name == "log":
        return -math.inf if v == 0 else math.nan
    if name == "exp":
        return math.inf
    return math.nan


_unary_math("abs", abs)
_unary_math("sqrt", math.sqrt)


@builtin("exp", "target", rule=r_elementwise)
def exp(x):
    """SystemDS's exp: Commons Math's FastMath.exp, bit for bit (dmlpy.kernels.fastexp)."""
    if _arr(x):
        if getattr(x, "dtype", None) is not None and x.dtype.char == "d" and type(x).__module__ == "numpy":
            from ..kernels.fastexp import exp_array
            return exp_array(x)
        return _np().exp(x)
    from ..runtime.fastmath import fast_exp
    return fast_exp(_num(x, "exp"))


_unary_math("floor", lambda v: math.copysign(math.floor(v), v) if -1 < v <= 0 else math.floor(v))
_unary_math("ceil", lambda v: math.copysign(math.ceil(v), v) if -1 < v <= 0 else math.ceil(v),
            aliases=("ceiling",))
_unary_math("sin", math.sin)
_unary_math("cos", math.cos)
_unary_math("tan", math.tan)
_unary_math("asin", math.asin, "arcsin")
_unary_math("acos", math.acos, "arccos")
_unary_math("atan", math.atan, "arctan")
_unary_math("sinh", math.sinh)
_unary_math("cosh", math.cosh)
_unary_math("tanh", math.tanh)


@builtin("round", "target", rule=r_elementwise)
def round_(x):
    if _arr(x):
        np = _np()
        with np.errstate(invalid="ignore"):
            f = np.floor(x)
            r = f + (x - f >= 0.5)
        # Math.round: NaN -> 0, saturating at the INT64 range (as a double)
        return np.nan_to_num(np.clip(r, -9.223372036854775808e18, 9.223372036854775807e18),
                             nan=0.0, copy=False)
    return ops.java_round(float(_num(x, "round")))


@builtin("sign", "target", rule=r_elementwise)
def sign(x):
    if _arr(x):
        return _np().sign(x)
    v = float(_num(x, "sign"))
    return v if v != v else float((v > 0) - (v < 0))


@builtin("log", "target, base=?", rule=r_elementwise)
def log(x, base):
    # SystemDS: Java's Math.log (the JVM's intrinsic), bit for bit; log(x, b) = log(x) / log(b)
    from ..runtime.javamath import java_log
    if _arr(x):
        np = _np()
        from ..kernels.javalog import log_array
        if x.dtype.char == "d" and type(x).__module__ == "numpy":
            r = log_array(x)
        else:
            r = np.log(x)
        if base is not None:
            if _arr(base):
                b = log_array(base) if base.dtype.char == "d" and type(base).__module__ == "numpy" \
                    else np.log(base)
            else:
                b = java_log(float(_num(base, "log", "base")))
            r = r / b
        return r
    r = java_log(float(_num(x, "log")))
    if base is not None:
        return ops.java_div(r, java_log(float(_num(base, "log", "base"))))
    return r


def _r_ifelse(types, args):
    if types and types[0].dt == T.MATRIX:
        return T.MATRIX_T
    if len(types) == 3 and types[1] == types[2]:
        return types[1]
    if len(types) == 3 and types[1].dt == types[2].dt == T.SCALAR:
        return T.SCALAR_ANY
    if len(types) == 3 and T.MATRIX in (types[1].dt, types[2].dt):
        return T.UNKNOWN
    return T.UNKNOWN


@builtin("ifelse", "test, yes, no", rule=_r_ifelse)
def ifelse(test, yes, no):
    if _arr(test) or _arr(yes) or _arr(no):
        np = _np()
        shape = next(a.shape for a in (test, yes, no) if _arr(a))
        for a in (test, yes, no):
            if _arr(a) and a.shape != shape:
                raise OpError(f"ifelse(): matrix arguments must have the same dimensions, got "
                              f"{a.shape[0]}x{a.shape[1]} and {shape[0]}x{shape[1]}")
        c = test != 0 if _arr(test) else ops.truth(test)
        return B.matrix(np.where(c, yes if _arr(yes) else float(yes),
                                 no if _arr(no) else float(no)))
    return yes if ops.truth(test, "ifelse test") else no


@builtin("xor", "a, b", rule=lambda ts, a: T.MATRIX_T if any(t.dt == T.MATRIX for t in ts) else T.BOOL)
def xor(a, b):
    return ops.xor(a, b)


@builtin("typeof", "target", rule=r_string)
def typeof(x):
    if _arr(x):
        return "Matrix"
    if isinstance(x, DMLList):
        return "List"
    if hasattr(x, "schema"):
        return "Frame"
    return {bool: "Boolean", int: "Integer", float: "Double", str: "String"}.get(type(x), "Unknown")


@builtin("isNaN", "target", rule=r_elementwise, aliases=("is.nan",))
def is_nan(x):
    if _arr(x):
        return _np().isnan(x).astype(float)
    v = _num(x, "is.nan")
    return v != v


@builtin("is.na", "target", rule=r_elementwise, aliases=("isNA",))
def is_na(x):
    return is_nan(x)


@builtin("is.infinite", "target", rule=r_elementwise, aliases=("isInf",))
def is_infinite(x):
    if _arr(x):
        return _np().isinf(x).astype(float)
    return math.isinf(_num(x, "is.infinite"))


# ------------------------------------------------------------------ lists
@builtin("as.list", "target", rule=r_list)
def as_list(x):
    """A list as is; a one-element list holding a list (as L[i] gives) is that inner list."""
    if isinstance(x, DMLList):
        if len(x) == 1 and isinstance(x.values[0], DMLList):
            return x.values[0]
        return x
    return DMLList([x])


@builtin("remove", "target, pos", rule=lambda ts, a: (T.LIST_T, T.LIST_T), nret=2)
def remove(lst, pos):
    """[L2, e] = remove(L, pos): L without element pos (1-based, or a name), and that element."""
    if not isinstance(lst, DMLList):
        raise OpError(f"remove() expects a list, got a {type_name(lst)}")
    i = lst.position(pos)
    names = lst.names
    rest = DMLList(lst.values[:i] + lst.values[i + 1:], None if names is None else names[:i] + names[i + 1:])
    return rest, DMLList([lst.values[i]], None if names is None else [names[i]])
