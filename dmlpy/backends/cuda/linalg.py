"""Transpose and matrix multiply on the GPU with numba.cuda (used when CuPy, and so cuBLAS, is
not installed; backend.py takes CuPy's @ when it is).

Transpose: square tiles staged through shared memory, so that both the reads and the writes of
neighbouring threads touch neighbouring cells (the tile has one padding column against bank
conflicts).

GEMM: C = op(A) op(B) with op a transpose or not, one output cell per thread and square tiles
of A and B staged through shared memory (TILE x TILE threads per block); t(A) %*% B and
A %*% t(B) read the operand transposed instead of copying it. Products are accumulated in the
operands' precision, k in increasing order (BLAS may order and block the additions otherwise:
results differ from the CPU's in the last units).
"""
from __future__ import annotations

import numpy as np
from numba import cuda

from . import arrays, config

_K: dict = {}


def _kernels(dt):
    k = _K.get(dt.char)
    if k is not None:
        return k
    T = config.TILE
    TT = config.TTILE
    TT1 = TT + 1                       # (a shared array's shape must be constants)
    typ = dt.type
    zero = typ(0)

    @cuda.jit
    def gemm(a, b, c, ta, tb):
        m, n = c.shape
        kk = a.shape[0] if ta else a.shape[1]
        sa = cuda.shared.array((T, T), typ)
        sb = cuda.shared.array((T, T), typ)
        tx = cuda.threadIdx.x
        ty = cuda.threadIdx.y
        row = cuda.blockIdx.y * T + ty
        col = cuda.blockIdx.x * T + tx
        acc = zero
        for t0 in range(0, kk, T):
            k1 = t0 + tx
            if row < m and k1 < kk:
                sa[ty, tx] = a[k1, row] if ta else a[row, k1]
            else:
                sa[ty, tx] = zero
            k2 = t0 + ty
            if col < n and k2 < kk:
                sb[ty, tx] = b[col, k2] if tb else b[k2, col]
            else:
                sb[ty, tx] = zero
            cuda.syncthreads()
            for j in range(T):
                acc += sa[ty, j] * sb[j, tx]
            cuda.syncthreads()
        if row < m and col < n:
            c[row, col] = acc

    @cuda.jit
    def transpose(x, out):
        tile = cuda.shared.array((TT, TT1), typ)
        nr, nc = x.shape
        tx = cuda.threadIdx.x
        ty = cuda.threadIdx.y
        i = cuda.blockIdx.y * TT + ty
        j = cuda.blockIdx.x * TT + tx
        if i < nr and j < nc:
            tile[ty, tx] = x[i, j]
        cuda.syncthreads()
        i2 = cuda.blockIdx.x * TT + ty          # a row of out = a column of x
        j2 = cuda.blockIdx.y * TT + tx
        if i2 < nc and j2 < nr:
            out[i2, j2] = tile[tx, ty]

    k = _K[dt.char] = {"gemm": gemm, "transpose": transpose}
    return k


def _tiles(n, t):
    return max(1, (n + t - 1) // t)


def transpose(x):
    out = arrays.empty((x.shape[1], x.shape[0]), x.dtype)
    if x.size:
        TT = config.TTILE
        _kernels(np.dtype(x.dtype))["transpose"][(_tiles(x.shape[1], TT), _tiles(x.shape[0], TT)),
                                                 (TT, TT)](x, out)
    return out


def gemm(a, b, ta=False, tb=False):
    """op(a) @ op(b) for 2-D device arrays of one dtype (op: transposed when ta, tb)."""
    m = a.shape[1] if ta else a.shape[0]
    n = b.shape[0] if tb else b.shape[1]
    c = arrays.empty((m, n), a.dtype)
    if m and n:
        T = config.TILE
        _kernels(np.dtype(a.dtype))["gemm"][(_tiles(n, T), _tiles(m, T)), (T, T)](
            a, b, c, ta, tb)
    return c
