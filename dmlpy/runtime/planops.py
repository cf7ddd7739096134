"""Run-time operations that only the rewrites of dmlpy/plan create: sum of squares, the symmetric
products, the product with a transposed operand, and the fused element-wise kernels. Each gives
the result, or the error, of the operators it replaces. NumPy (and Numba) load on first use."""
from __future__ import annotations

import sys

from ..errors import OpError
from .values import type_name

FUSED_MIN_CELLS = 2048      # below this the operators one by one are as fast as the kernel
# below this many cells of the transposed operand, t(A) is copied and multiplied as before the
# rewrite (BLAS rounds a transposed operand differently; small products keep their old digits)
TRANSPOSE_MIN_CELLS = 1 << 16


def _arr(v) -> bool:
    return type(v).__name__ == "ndarray"


def sumsq(x):
    """sum(X^2) in one pass."""
    if not _arr(x):
        from ..builtins.core import sum_
        from .ops import pow_
        return sum_(pow_(x, 2))
    if x.size < FUSED_MIN_CELLS:
        return float((x * x).sum())
    from ..kernels import fused as K
    import numpy as np
    prog = np.array([[K.SQ, -1, 0, -1]], dtype=np.int64)
    return K.run(prog, (np.ascontiguousarray(x).ravel(),), (0,), x.shape, np.empty(0), None,
                 K.AGG_SUM)


def self_product_left(x):
    """t(X) %*% X as one symmetric product (NumPy hands X.T @ X to BLAS syrk)."""
    if not _arr(x):
        raise OpError(f"%*% needs two matrices, got a {type_name(x)} and a {type_name(x)}")
    import numpy as np
    if x.size < TRANSPOSE_MIN_CELLS:
        from .matrix import matmul
        return matmul(np.ascontiguousarray(x.T), x)
    return np.ascontiguousarray(x.T @ x)


def matmul_tn(a, b):
    """t(A) %*% B, with A read transposed instead of copied."""
    if not (_arr(a) and _arr(b)):
        from .ops import matmul
        from ..builtins.registry import lookup
        return matmul(lookup("t").impl(a), b)
    if a.shape[0] != b.shape[0]:
        raise OpError(f"invalid dimensions for matrix multiplication: {a.shape[1]}x{a.shape[0]} "
                      f"%*% {b.shape[0]}x{b.shape[1]} (k1={a.shape[0]}, k2={b.shape[0]})")
    import numpy as np
    if a.size < TRANSPOSE_MIN_CELLS:
        from .matrix import matmul
        return matmul(np.ascontiguousarray(a.T), b)
    return np.ascontiguousarray(a.T @ b)


def fused_ok(f, *vals):
    """(shape, kinds) when the fused kernel takes these inputs, else None: C-ordered double
    matrices of one shape of FUSED_MIN_CELLS or more cells (a right-operand-only input may be a
    row or column vector of it; kinds: 0 full, 1 row, 2 column), and numbers."""
    n = len(f.mats)
    rows = cols = 0
    for v in vals[:n]:
        if not _arr(v) or v.dtype.char != "d" or v.ndim != 2 or not v.flags.c_contiguous:
            return None
        r, c = v.shape
        rows = r if r > rows else rows
        cols = c if c > cols else cols
    if rows * cols < FUSED_MIN_CELLS:
        return None
    kinds = []
    for v, right in zip(vals[:n], f.right):
        shape = v.shape
        if shape == (rows, cols):
            kinds.append(0)
        elif right and shape == (1, cols) and rows > 1:
            kinds.append(1)
        elif right and shape == (rows, 1) and cols > 1:
            kinds.append(2)
        else:
            return None
    for v in vals[n:]:
        t = type(v)
        if t is not float and t is not int and t is not bool:
            return None
    return (rows, cols), kinds


def _probe(f, ok, *vals):
    c = vals[0]
    return sys.getrefcount(c)


def _sole_refs() -> int:
    """getrefcount() inside fused_run of an input held by nothing but the generated code's one
    local variable: measured once on a function shaped like the generated code (fixed text)."""
    ns: dict = {}
    exec("def gen(np, _fz, ok):\n    v_x = np.zeros((1, 1))\n"
         "    return (_fz(None, _t0, v_x) if (_t0 := ok) else None)\n", ns)
    import numpy as np
    return ns["gen"](np, _probe, True)


_SOLE = None


def fused_run(f, ok, *vals):
    """The fused kernel on inputs that fused_ok accepted; ok is what it returned."""
    global _SOLE
    import numpy as np
    from ..kernels import fused as K
    from . import bufpool
    shape, kinds = ok
    out = None
    if f.agg is None and f.inplace is not None and kinds[f.inplace] == 0:
        # X = f(X, ...): into X's buffer when nothing but the variable holds it (checked before
        # any view of it exists)
        if _SOLE is None:
            _SOLE = _sole_refs()
        c = vals[f.inplace]
        if c.base is None and c.flags.writeable and sys.getrefcount(c) <= _SOLE:
            out = c
        del c
    if f.prog is None:
        f.prog = np.array([(getattr(K, c), d, a, -1 if b is None else b) for c, d, a, b in f.insts],
                          dtype=np.int64)
    n = len(f.mats)
    mats = tuple(v.ravel() for v in vals[:n])
    scal = np.array([float(v) for v in vals[n:]], dtype=np.float64)
    if f.agg is None:
        if out is None:
            out = bufpool.empty(shape)
        K.run(f.prog, mats, kinds, shape, scal, out.ravel(), K.AGG_NONE)
        return out
    r = K.run(f.prog, mats, kinds, shape, scal, None, getattr(K, "AGG_" + f.agg))
    return r / (shape[0] * shape[1]) if f.mean else r
