"""Per-channel and per-row operations on the GPU: bias_add and bias_multiply (X is N x C*L, the
bias C x 1: every cell of channel c gets b[c] added or multiplied), and the softmax of each row
(exp(x - max of the row), divided by the sum of the row's exps: one block per row, the max and
the sum each a tree in shared memory (trees.py); the sum is compensated, in double precision)."""
from __future__ import annotations

import math

from numba import cuda

from . import arrays, config, trees

_K: dict = {}


def _kernels():
    if _K:
        return _K
    tpb = config.TPB

    @cuda.jit
    def bias(x, b, L, mul, out):
        nr, nc = x.shape
        n = nr * nc
        for i in range(cuda.grid(1), n, cuda.gridsize(1)):
            r = i // nc
            j = i - r * nc
            v = b[j // L]
            out[r, j] = x[r, j] * v if mul else x[r, j] + v

    T = trees.make()
    add, block_sum, block_extreme = T["add"], T["block_sum"], T["block_extreme"]

    @cuda.jit
    def softmax(x, out):
        nr, nc = x.shape
        for i in range(cuda.blockIdx.x, nr, cuda.gridDim.x):
            m = -math.inf
            for j in range(cuda.threadIdx.x, nc, tpb):
                v = float(x[i, j])
                if v > m or v != v:
                    m = v
            m = block_extreme(trees.MAX, m)
            s = 0.0
            c = 0.0
            for j in range(cuda.threadIdx.x, nc, tpb):
                e = x[i, j] - m
                e = math.exp(e) if e == e else e        # (x - max <= 0: no overflow)
                out[i, j] = e
                s, c = add(s, c, float(out[i, j]))
            s, c = block_sum(s, c)
            s = s + c
            for j in range(cuda.threadIdx.x, nc, tpb):
                out[i, j] = out[i, j] / s

    _K.update(bias=bias, softmax=softmax)
    return _K


def _bias(X, b, multiply, fn):
    C = b.shape[0]
    if b.shape[1] != 1 or C <= 0 or X.shape[1] % C:
        raise ValueError(f"{fn}: the bias must be C x 1 with C dividing the input's columns "
                         f"(input {X.shape[0]} x {X.shape[1]}, bias {b.shape[0]} x {b.shape[1]})")
    out = arrays.empty(X.shape, X.dtype)
    if X.size:
        _kernels()["bias"][config.blocks_for(X.size), config.TPB](
            X, b.reshape(C), X.shape[1] // C, multiply, out)
    return out


def bias_add(X, b):
    return _bias(X, b, False, "bias_add")


def bias_multiply(X, b):
    return _bias(X, b, True, "bias_multiply")


def softmax(X):
    """Each row's softmax, a new matrix of X's shape and dtype."""
    out = arrays.empty(X.shape, X.dtype)
    if X.size:
        _kernels()["softmax"][max(1, min(X.shape[0], config.MAX_BLOCKS * 16)), config.TPB](X, out)
    return out
