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

    _K.update(fill=fill, eye=eye, arange=arange, copy=copy)
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
