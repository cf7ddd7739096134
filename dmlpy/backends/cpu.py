"""The CPU backend: NumPy arrays (doubles, or float32 in single precision), BLAS through NumPy,
dmlpy's Numba kernels, result buffers recycled through dmlpy.backends.bufpool."""
from __future__ import annotations

import sys

import numpy as np

from . import bufpool

# below this many cells of the transposed operand, t(A) is copied and multiplied as before the
# rewrite (BLAS rounds a transposed operand differently; small products keep their old digits)
TRANSPOSE_MIN_CELLS = 1 << 16


# ------------------------------------------------------------------ allocation and conversion
# (dmlpy.backends' module-level empty/zeros/full/eye/arange/matrix/array/to_host land here)
_F64 = np.dtype(np.float64)
_F32 = np.dtype(np.float32)


class _Allocation:
    """Host arrays; dtype None is the run's dtype (float64, or float32 in single precision)."""

    run_dtype = _F64

    def __init__(self):
        from . import follow_precision
        follow_precision(self._precision)

    def _precision(self, p):
        self.run_dtype = _F32 if p == "single" else _F64

    def empty(self, shape, dtype=None):
        dt = self.run_dtype if dtype is None else dtype
        if type(shape) is tuple and len(shape) == 2:
            return bufpool.empty(shape, dt)
        return np.empty(shape, dt)

    def zeros(self, shape, dtype=None):
        return np.zeros(shape, self.run_dtype if dtype is None else dtype)

    def full(self, shape, value, dtype=None):
        return np.full(shape, value, self.run_dtype if dtype is None else dtype)

    def eye(self, n, dtype=None):
        return np.eye(n, dtype=self.run_dtype if dtype is None else dtype)

    def arange(self, n, dtype=None):
        return np.arange(n, dtype=self.run_dtype if dtype is None else dtype)

    def matrix(self, x, dtype=None):
        return np.ascontiguousarray(x, self.run_dtype if dtype is None else dtype)

    def array(self, x, dtype=None):
        return np.array(x, self.run_dtype if dtype is None else dtype, order="C")

    @staticmethod
    def to_host(v):
        return v


class CPU(_Allocation):
    name = "cpu"
    dtype = np.float64
    xp = np

    def __init__(self):
        self.kernels = {"fused": fused, "matmul": matmul, "matmul_tn": matmul_tn,
                        "matmul_nt": matmul_nt, "tsmm_left": tsmm_left, "sumsq": sumsq}
        _Allocation.__init__(self)

    @staticmethod
    def is_matrix(v) -> bool:
        return type(v) is np.ndarray


def backend():
    return CPU()


def matmul(a, b):
    """a @ b for checked operands, into a recycled buffer when the result is large."""
    dt = a.dtype
    if dt == b.dtype and dt.char in "df" and a.shape[0] * b.shape[1] * dt.itemsize >= bufpool.MIN_BYTES:
        return np.matmul(a, b, out=bufpool.empty((a.shape[0], b.shape[1]), dt))
    return np.ascontiguousarray(a @ b)


def matmul_tn(a, b):
    """t(A) %*% B for checked operands, with A read transposed instead of copied."""
    return matmul(np.ascontiguousarray(a.T) if a.size < TRANSPOSE_MIN_CELLS else a.T, b)


def matmul_nt(a, b):
    """A %*% t(B) for checked operands, with B read transposed instead of copied."""
    return matmul(a, np.ascontiguousarray(b.T) if b.size < TRANSPOSE_MIN_CELLS else b.T)


def tsmm_left(x):
    """t(X) %*% X as one symmetric product (NumPy hands X.T @ X to BLAS syrk)."""
    if x.size < TRANSPOSE_MIN_CELLS:
        return matmul(np.ascontiguousarray(x.T), x)
    return np.ascontiguousarray(x.T @ x)


def sumsq(x):
    """sum(X^2) in one pass, with the additions of SystemDS's sum of squares."""
    from ..runtime.kahan import kahan_sum
    return kahan_sum(x, square=True)      # float32 cells are widened one by one


def _aggregate(name, x):
    from ..builtins.registry import lookup
    return lookup(name).impl(x)


# ------------------------------------------------------------------ fused element-wise kernels
def _probe(f, ok, *vals):
    c = vals[0]
    return sys.getrefcount(c)


def _sole_refs() -> int:
    """getrefcount() inside fused() of an input held by nothing but the generated code's one
    local variable: measured once on a function shaped like the generated code (fixed text)."""
    ns: dict = {}
    exec("def gen(np, _fz, ok):\n    v_x = np.zeros((1, 1))\n"
         "    return (_fz(None, _t0, v_x) if (_t0 := ok) else None)\n", ns)
    return ns["gen"](np, _probe_outer, True)


def _probe_outer(f, ok, *vals):
    # the same call depth as dmlpy.runtime.planops.fused_run -> fused
    return _probe(f, ok, *vals)


_SOLE = [None]


def fused(f, ok, *vals):
    """Run the fused program of f (dmlpy.plan.fuse.Fused) on inputs that planops.fused_ok accepted;
    ok is what it returned: (shape, kinds)."""
    from ..kernels import fused as K
    shape, kinds = ok
    out = None
    if f.agg is None and f.inplace is not None and kinds[f.inplace] == 0:
        # X = f(X, ...): into X's buffer when nothing but the variable holds it (checked before
        # any view of it exists)
        if _SOLE[0] is None:
            _SOLE[0] = _sole_refs()
        c = vals[f.inplace]
        if c.base is None and c.flags.writeable and sys.getrefcount(c) <= _SOLE[0]:
            out = c
        del c
    if f.prog is None:
        f.prog = np.array([(getattr(K, c), d, a, -1 if b is None else b) for c, d, a, b in f.insts],
                          dtype=np.int64)
    n = len(f.mats)
    mats = tuple(v.ravel() for v in vals[:n])
    scal = np.array([float(v) for v in vals[n:]], dtype=np.float64)
    if f.agg in ("MIN", "MAX"):
        return K.run(f.prog, mats, kinds, shape, scal, None, getattr(K, "AGG_" + f.agg))
    if f.agg in ("sum", "mean"):
        r = _fused_total(K, f, mats, kinds, shape, scal)
        if r is not None:
            return r
    if out is None:
        out = bufpool.empty(shape, vals[0].dtype)
    K.run(f.prog, mats, kinds, shape, scal, out.ravel(), K.AGG_NONE)
    if f.agg is None:
        return out
    # row and column sums (and sums of results SystemDS would hold sparse): the cells are written
    # once, then summed by the builtin, so the additions happen in SystemDS's order
    r = _aggregate(f.agg, out)
    return r.astype(out.dtype, copy=False) if type(r) is np.ndarray else r


def _fused_total(K, f, mats, kinds, shape, scal):
    """sum() or mean() of the fused cells without writing them out, with the additions the
    builtin makes on the written-out matrix held dense (dmlpy.runtime.kahan); None when the
    count of non-zeros says SystemDS would hold that matrix sparse or not split it, or a sum met
    an infinity or NaN (the caller then writes the cells out and calls the builtin)."""
    from ..runtime import kahan
    rows, cols = shape
    mean = f.agg == "mean"
    S, C, N, nnz = K.run_parts(f.prog, mats, kinds, shape, scal,
                               kahan.row_parts(rows, True, kahan.PAR_MIN_NNZ + 1), mean)
    if nnz < 0 or nnz <= kahan.PAR_MIN_NNZ or kahan.sparse_by_count(rows, cols, nnz):
        return None
    if mean:
        return kahan.join_means(zip(S.tolist(), C.tolist(), N.tolist()))
    return kahan.join_sums(zip(S.tolist(), C.tolist()))
