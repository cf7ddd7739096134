"""What the CUDA DNN kernels (conv, pool, norm, lstm) share: their operands on the device, and
small data-movement kernels (copying a block of columns, a flat range, adding into an array,
testing for a non-zero cell).

Operands are checked as the CPU kernels check them (dmlpy.kernels.dnn: ValueError naming the
builtin, which the builtins layer turns into a DML error) and brought to the run's dtype on the
device (`operand`): device arrays of another dtype are converted there, host arrays copied over.
"""
from __future__ import annotations

import numpy as np
from numba import cuda

from . import arrays, config

_K: dict = {}


def kernels():
    if _K:
        return _K

    @cuda.jit
    def copy_cols(dst, d0, src, s0, width):
        """dst[r, d0 + j] = src[r, s0 + j] for every row r and j < width."""
        nr = dst.shape[0]
        n = nr * width
        for i in range(cuda.grid(1), n, cuda.gridsize(1)):
            r = i // width
            j = i - r * width
            dst[r, d0 + j] = src[r, s0 + j]

    @cuda.jit
    def copy_flat(dst, d0, src, s0, n):
        """dst[d0 + i] = src[s0 + i] for i < n (1-D arrays)."""
        for i in range(cuda.grid(1), n, cuda.gridsize(1)):
            dst[d0 + i] = src[s0 + i]

    @cuda.jit
    def add_into(acc, x, n):
        for i in range(cuda.grid(1), n, cuda.gridsize(1)):
            acc[i] = acc[i] + x[i]

    @cuda.jit
    def nonzero(x, n, flag):
        """flag[0] = 1 when a cell of x is not zero (NaN counts, as in NumPy's any)."""
        for i in range(cuda.grid(1), n, cuda.gridsize(1)):
            if x[i] != 0:
                flag[0] = 1

    _K.update(copy_cols=copy_cols, copy_flat=copy_flat, add_into=add_into, nonzero=nonzero)
    return _K


def launch(kernel, n, *args):
    """A grid-stride launch of kernel over n items (nothing when n is 0)."""
    if n > 0:
        kernel[config.blocks_for(n), config.TPB](*args)


def operand(b, a, name, fn):
    """a (a device array, or host data) as a C-contiguous 2-D device array of the run's dtype."""
    if not b.is_matrix(a):
        a = np.asarray(a)
    if len(a.shape) != 2:
        raise ValueError(f"{fn}: {name} must be a matrix (2-D), got {len(a.shape)}-D")
    return b.matrix(a)


def copy_cols(dst, d0, src, s0, width):
    launch(kernels()["copy_cols"], dst.shape[0] * width, dst, d0, src, s0, width)


def copy_flat(dst, d0, src, s0, n):
    launch(kernels()["copy_flat"], n, dst, d0, src, s0, n)


def add_into(acc, x):
    """acc += x (device arrays of one shape; acc is written)."""
    launch(kernels()["add_into"], acc.size, acc.reshape(acc.size), x.reshape(x.size), acc.size)


def copy(x):
    """A new C-contiguous device array with x's cells."""
    out = arrays.empty(x.shape, x.dtype)
    copy_flat(out.reshape(out.size), 0, x.reshape(x.size), 0, x.size)
    return out


def any_nonzero(x) -> bool:
    if not x.size:
        return False
    flag = arrays.full((1,), 0, np.int32)
    launch(kernels()["nonzero"], x.size, x.reshape(x.size), x.size, flag)
    return bool(arrays.to_host(flag)[0])
