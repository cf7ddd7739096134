"""Device arrays: allocation (CuPy's when CuPy is in use, else numba.cuda's), and filling,
casting and copying with numba.cuda kernels (backend.py takes CuPy's own functions for these
when CuPy is installed)."""
from __future__ import annotations

import numpy as np
from numba import cuda

from . import config

_K: dict = {}


def _kernels():
    if _K:
        return _K

    @cuda.jit
    def fill(out, value, n):
        for i in range(cuda.grid(1), n, cuda.gridsize(1)):
            out[i] = value

    @cuda.jit
    def eye(out, n):
        for i in range(cuda.grid(1), n * n, cuda.gridsize(1)):
            out[i] = 1.0 if i // n == i % n else 0.0

    @cuda.jit
    def arange(out, n):
        for i in range(cuda.grid(1), n, cuda.gridsize(1)):
            out[i] = i

    @cuda.jit
    def copy(out, src, n):          # with the conversion of out's dtype
        for i in range(cuda.grid(1), n, cuda.gridsize(1)):
            out[i] = src[i]

    @cuda.jit
    def block(out, src, r0, c0, R0, C0, nr, nc):    # out[R0+i, C0+j] = src[r0+i, c0+j]
        for k in range(cuda.grid(1), nr * nc, cuda.gridsize(1)):
            i = k // nc
            j = k - i * nc
            out[R0 + i, C0 + j] = src[r0 + i, c0 + j]

    @cuda.jit
    def fill_block(out, value, R0, C0, nr, nc):
        for k in range(cuda.grid(1), nr * nc, cuda.gridsize(1)):
            i = k // nc
            out[R0 + i, C0 + k - i * nc] = value

    _K.update(fill=fill, eye=eye, arange=arange, copy=copy, block=block, fill_block=fill_block)
    return _K


def _launch(name, n, *args):
    _kernels()[name][config.blocks_for(n), config.TPB](*args)


CUPY = [None]       # the CuPy module when the backend keeps its matrices as CuPy arrays


def empty(shape, dt):
    """An uninitialised C-contiguous device array (CuPy's when CuPy is in use)."""
    if CUPY[0] is not None:
        return CUPY[0].empty(shape, dt)
    return cuda.device_array(shape, dt)


def to_host(x):
    """A device array's cells as a NumPy array."""
    if CUPY[0] is not None and isinstance(x, CUPY[0].ndarray):
        return CUPY[0].asnumpy(x)
    return x.copy_to_host()


def full(shape, value, dt):
    out = empty(shape, dt)
    if out.size:
        _launch("fill", out.size, out.reshape(out.size), np.dtype(dt).type(value), out.size)
    return out


def eye(n, dt):
    out = empty((n, n), dt)
    if n:
        _launch("eye", n * n, out.reshape(n * n), n)
    return out


def arange(n, dt):
    out = empty((n,), dt)
    if n:
        _launch("arange", n, out, n)
    return out


def convert(x, dt):
    """A new C-contiguous device array of dtype dt holding the device array x's cells."""
    out = empty(x.shape, dt)
    if x.size:
        _launch("copy", x.size, out.reshape(x.size), x.reshape(x.size), x.size)
    return out


def copy_block(src, r0, c0, nr, nc):
    """A new nr x nc device matrix holding src[r0:r0+nr, c0:c0+nc]."""
    out = empty((nr, nc), src.dtype)
    put_block(out, src, 0, 0, r0, c0, nr, nc)
    return out


def put_block(out, src, R0, C0, r0=0, c0=0, nr=None, nc=None):
    """out[R0:R0+nr, C0:C0+nc] = src[r0:r0+nr, c0:c0+nc] (in place; nr, nc default to src's)."""
    nr = src.shape[0] if nr is None else nr
    nc = src.shape[1] if nc is None else nc
    if nr * nc:
        if CUPY[0] is not None:
            out[R0:R0 + nr, C0:C0 + nc] = src[r0:r0 + nr, c0:c0 + nc]
        else:
            _launch("block", nr * nc, out, src, r0, c0, R0, C0, nr, nc)


def fill_block(out, value, R0, C0, nr, nc):
    """out[R0:R0+nr, C0:C0+nc] = value (in place)."""
    if nr * nc:
        if CUPY[0] is not None:
            out[R0:R0 + nr, C0:C0 + nc] = value
        else:
            _launch("fill_block", nr * nc, out, np.dtype(out.dtype).type(value), R0, C0, nr, nc)
