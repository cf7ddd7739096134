"""Element-wise builtins beyond the core: sigmoid, bit operations, ppred."""
from __future__ import annotations

import math

from .. import types as T
from ..errors import OpError
from ..runtime import ops
from ..runtime.values import type_name
from .args import is_matrix as _arr
from .registry import builtin, r_elementwise


@builtin("sigmoid", "target", rule=r_elementwise)
def sigmoid(x):
    if _arr(x):
        import numpy as np
        return 1.0 / (1.0 + np.exp(-x))
    v = float(ops.param_double(x))
    try:
        return 1.0 / (1.0 + math.exp(-v))
    except OverflowError:
        return 0.0


def _r_bitw(types, args):
    if any(t.dt == T.MATRIX for t in types):
        return T.MATRIX_T
    return T.INT


def _bitw(name, f, npf):
    def impl(a, b):
        if _arr(a) or _arr(b):
            import numpy as np
            ai = (a if _arr(a) else np.full((1, 1), float(a))).astype(np.int64)
            bi = (b if _arr(b) else np.full((1, 1), float(b))).astype(np.int64)
            return np.ascontiguousarray(getattr(np, npf)(ai, bi), dtype=np.float64)
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
