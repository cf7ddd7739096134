"""The CUDA backend object: the interface of dmlpy.backends (name, dtype, xp, is_matrix, to_host,
run_dtype, allocation and conversion, kernels) with matrices as device arrays.

Matrices are CuPy arrays when CuPy is installed (xp is CuPy; products through cuBLAS with TF32
off), else numba.cuda device arrays (xp is None: such arrays have no operators; every
operation goes through `kernels`). The run's dtype follows PRECISION as on the CPU: float64, or
float32 in single precision.
"""
from __future__ import annotations

import numpy as np

from . import arrays, config, fused as F, linalg, reduce, rows
from ...kernels.fused import AGG_MAX

_F64 = np.dtype(np.float64)
_F32 = np.dtype(np.float32)


class CUDA:
    name = "cuda"
    dtype = np.float64
    run_dtype = _F64

    def __init__(self, device: str, cupy=None):
        from numba import cuda
        from .. import follow_precision
        self.device = device            # what available() said: the GPU's name, or the simulator
        self.xp = cupy
        arrays.CUPY[0] = cupy
        self._cuda = cuda
        self._types = (cupy.ndarray,) if cupy is not None else (type(cuda.device_array(1)),)
        self.kernels = {
            "fused": self.fused, "matmul": self.matmul, "matmul_tn": self.matmul_tn,
            "matmul_nt": self.matmul_nt, "tsmm_left": self.tsmm_left, "transpose": self.transpose,
            "sumsq": lambda x: reduce.total(x, "sumsq"),
            "sum": lambda x: reduce.total(x, "sum"), "min": lambda x: reduce.total(x, "min"),
            "max": lambda x: reduce.total(x, "max"), "mean": reduce.mean,
            "rowSums": lambda x: reduce.by_row(x, "sum"),
            "rowMins": lambda x: reduce.by_row(x, "min"),
            "rowMaxs": lambda x: reduce.by_row(x, "max"),
            "colSums": lambda x: reduce.by_col(x, "sum"),
            "colMins": lambda x: reduce.by_col(x, "min"),
            "colMaxs": lambda x: reduce.by_col(x, "max"),
            "bias_add": rows.bias_add, "bias_multiply": rows.bias_multiply,
            "softmax": rows.softmax,
        }
        follow_precision(self._precision)

    def _precision(self, p):
        self.run_dtype = _F32 if p == "single" else _F64

    def synchronize(self):
        """Wait for the device's queued work (to time an operation)."""
        if self.xp is not None:
            self.xp.cuda.Device().synchronize()
        else:
            self._cuda.synchronize()

    # -------------------------------------------------------------- matrices and transfers
    def is_matrix(self, v) -> bool:
        return isinstance(v, self._types)

    def to_host(self, v):
        """A device array as a NumPy array (anything else as it is)."""
        return arrays.to_host(v) if isinstance(v, self._types) else v

    def _dt(self, dtype):
        return self.run_dtype if dtype is None else np.dtype(dtype)

    def empty(self, shape, dtype=None):
        return arrays.empty(shape, self._dt(dtype))

    def zeros(self, shape, dtype=None):
        if self.xp is not None:
            return self.xp.zeros(shape, self._dt(dtype))
        return arrays.full(shape, 0, self._dt(dtype))

    def full(self, shape, value, dtype=None):
        if self.xp is not None:
            return self.xp.full(shape, value, self._dt(dtype))
        return arrays.full(shape, value, self._dt(dtype))

    def eye(self, n, dtype=None):
        if self.xp is not None:
            return self.xp.eye(n, dtype=self._dt(dtype))
        return arrays.eye(n, self._dt(dtype))

    def arange(self, n, dtype=None):
        if self.xp is not None:
            return self.xp.arange(n, dtype=self._dt(dtype))
        return arrays.arange(n, self._dt(dtype))

    def matrix(self, x, dtype=None):
        """x itself when it is a C-contiguous device array of dtype; a device array of another
        dtype converted on the device; host data (NumPy arrays, numbers, nested lists) copied
        to the device."""
        dt = self._dt(dtype)
        if isinstance(x, self._types):
            if np.dtype(x.dtype) == dt and _c_contiguous(x):
                return x
            return self._convert(x, dt)
        h = np.ascontiguousarray(x, dt)
        if self.xp is not None:
            return self.xp.asarray(h)
        return self._cuda.to_device(h)

    def array(self, x, dtype=None):
        """A new C-contiguous device array of dtype holding x's cells (always a copy)."""
        dt = self._dt(dtype)
        if isinstance(x, self._types):
            return self._convert(x, dt)
        return self.matrix(np.array(x, dt, order="C"), dt)

    def _convert(self, x, dt):
        if self.xp is not None:
            return self.xp.array(x, dtype=dt, order="C")
        if not _c_contiguous(x):
            x = self._cuda.to_device(np.ascontiguousarray(x.copy_to_host()))
        return arrays.convert(x, dt)

    # -------------------------------------------------------------- kernels
    def matmul(self, a, b):
        if self.xp is not None:
            return self.xp.ascontiguousarray(a @ b)
        return linalg.gemm(a, b)

    def matmul_tn(self, a, b):
        """t(A) %*% B with A read transposed (cuBLAS's transpose flag, or the GEMM's)."""
        if self.xp is not None:
            return self.xp.ascontiguousarray(a.T @ b)
        return linalg.gemm(a, b, ta=True)

    def matmul_nt(self, a, b):
        if self.xp is not None:
            return self.xp.ascontiguousarray(a @ b.T)
        return linalg.gemm(a, b, tb=True)

    def tsmm_left(self, x):
        return self.matmul_tn(x, x)

    def transpose(self, x):
        if self.xp is not None:
            return self.xp.ascontiguousarray(x.T)
        return linalg.transpose(x)

    # -------------------------------------------------------------- DNN kernels
    # The arguments of dmlpy.kernels.dnn's functions (the same checks, ValueError naming the
    # builtin); operands are device arrays (host data is copied over), results device arrays
    # of the run's dtype. Modules: conv, pool, norm, lstm.
    def conv2d(self, X, W, *dims):
        from . import conv
        return conv.conv2d(self, X, W, *dims)

    def conv2d_backward_filter(self, X, dout, *dims):
        from . import conv
        return conv.conv2d_backward_filter(self, X, dout, *dims)

    def conv2d_backward_data(self, W, dout, *dims):
        from . import conv
        return conv.conv2d_backward_data(self, W, dout, *dims)

    def max_pool(self, X, *dims):
        from . import pool
        return pool.max_pool(self, X, *dims)

    def avg_pool(self, X, *dims):
        from . import pool
        return pool.avg_pool(self, X, *dims)

    def max_pool_backward(self, X, dout, *dims):
        from . import pool
        return pool.max_pool_backward(self, X, dout, *dims)

    def avg_pool_backward(self, X, dout, *dims):
        from . import pool
        return pool.avg_pool_backward(self, X, dout, *dims)

    def batch_norm2d(self, X, gamma, beta, ema_mean, ema_var, C, H, Wd, mode, eps, mu):
        from . import norm
        return norm.batch_norm2d(self, X, gamma, beta, ema_mean, ema_var, C, H, Wd, mode, eps,
                                 mu)

    def batch_norm2d_backward(self, X, dout, gamma, C, H, Wd, eps, cache_mean, cache_inv_var):
        from . import norm
        return norm.batch_norm2d_backward(self, X, dout, gamma, C, H, Wd, eps, cache_mean,
                                          cache_inv_var)

    def lstm(self, X, W, b, out0, c0, return_sequences):
        from . import lstm
        return lstm.lstm(self, X, W, b, out0, c0, return_sequences)

    def lstm_backward(self, X, W, b, out0, c0, given_sequences, dout, dc, cache_out=None,
                      cache_c=None, cache_ifog=None):
        from . import lstm
        return lstm.lstm_backward(self, X, W, b, out0, c0, given_sequences, dout, dc,
                                  cache_out, cache_c, cache_ifog)

    def fused(self, f, ok, *vals):
        """The fused program of f (dmlpy.plan.fuse.Fused) on device matrices that
        planops.fused_ok accepted (ok: (shape, kinds)). The result is always a new matrix (the
        CPU backend may write into an unshared input; this one does not yet). A program that
        needs more than config.MAX_REGS registers runs on the CPU, with explicit transfers."""
        shape, kinds = ok
        prog = _program(f, self._cuda)
        n = len(f.mats)
        if prog is None:
            from .. import get
            host = [self.to_host(v) for v in vals[:n]] + list(vals[n:])
            r = get("cpu").kernels["fused"](f, ok, *host)
            return self.matrix(r, r.dtype) if type(r) is np.ndarray else r
        dprog, nsc = prog
        mats = tuple(v.reshape(v.size) for v in vals[:n])
        dt = np.dtype(mats[0].dtype)
        scal = self._cuda.to_device(np.array([float(v) for v in vals[n:]] or [0.0], dt))
        dkinds = self._cuda.to_device(np.array(list(kinds) + [0] * (config.MAX_INPUTS - n),
                                               np.int64))
        if f.agg in ("MIN", "MAX"):
            return F.run(dprog, mats, dkinds, shape, scal, None,
                         F.AGG_MIN if f.agg == "MIN" else AGG_MAX, nsc)
        if f.agg in ("sum", "mean"):
            s = F.run(dprog, mats, dkinds, shape, scal, None, F.AGG_SUM, nsc)
            cells = shape[0] * shape[1]
            return s if f.agg == "sum" else (s / cells if cells else float("nan"))
        out = arrays.empty(shape, dt)
        F.run(dprog, mats, dkinds, shape, scal, out.reshape(out.size), F.AGG_NONE, nsc)
        if f.agg is None:
            return out
        return self.kernels[f.agg](out)         # rowSums, colSums


def _c_contiguous(x) -> bool:
    fl = x.flags
    return bool(fl["C_CONTIGUOUS"] if not hasattr(fl, "c_contiguous") else fl.c_contiguous)


def _program(f, cuda):
    """(device program, scalar count) of f with compacted registers, made once per Fused; None
    when it needs more registers than the kernel has."""
    p = getattr(f, "cuda_prog", False)
    if p is not False:
        return p
    from ...kernels import fused as K
    nin, nsc = len(f.mats), len(f.scalars)
    host = [(getattr(K, c), d, a, -1 if b is None else b) for c, d, a, b in f.insts]
    prog, nregs = F.compact(host, nin, nsc)
    p = (cuda.to_device(prog), nsc) if nregs <= config.MAX_REGS and nin <= config.MAX_INPUTS \
        else None
    f.cuda_prog = p
    return p
