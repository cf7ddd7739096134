"""Reductions on the GPU: full (sum, sum of squares, min, max; mean from the sum), per row and
per column (sums, mins, maxs).

Full reductions: each thread over its cells (grid-stride), a tree in shared memory per block,
the blocks' partials combined on the host. Rows: one block per row (threads stride over its
columns, then a tree). Columns: one thread per column walking down the rows (reads of
neighbouring threads are neighbouring cells). Sums accumulate in double precision (float32 cells
are widened) but without Kahan compensation and in another order than the CPU backend, which
adds as SystemDS does: results may differ in the last units (relative error grows at most with
log2 of the count of cells for the trees, with the count of rows for column sums).
Min and max: NaN wins, as on the CPU.
"""
from __future__ import annotations

import math

import numpy as np
from numba import cuda

from . import arrays, config

SUM, SUMSQ, MIN, MAX = range(4)
OPS = {"sum": SUM, "sumsq": SUMSQ, "min": MIN, "max": MAX}
_K: dict = {}


def _kernels():
    if _K:
        return _K
    tpb = config.TPB
    inf = math.inf

    @cuda.jit(device=True)
    def start(op):
        return 0.0 if op <= SUMSQ else (inf if op == MIN else -inf)

    @cuda.jit(device=True)
    def step(op, m, x):
        if op == SUM:
            return m + x
        if op == SUMSQ:
            return m + x * x
        if m != m:
            return m
        if x != x:
            return x
        if op == MIN:
            return x if x < m else m
        return x if x > m else m

    @cuda.jit(device=True)
    def join(op, m, x):             # two partial results
        return step(SUM if op == SUMSQ else op, m, x)

    @cuda.jit(device=True)
    def tree(op, acc):
        sh = cuda.shared.array(tpb, np.float64)
        t = cuda.threadIdx.x
        sh[t] = acc
        cuda.syncthreads()
        s = tpb // 2
        while s > 0:
            if t < s:
                sh[t] = join(op, sh[t], sh[t + s])
            cuda.syncthreads()
            s //= 2
        r = sh[0]
        cuda.syncthreads()
        return r

    @cuda.jit
    def full(x, n, op, partial):
        acc = start(op)
        for i in range(cuda.grid(1), n, cuda.gridsize(1)):
            acc = step(op, acc, float(x[i]))
        r = tree(op, acc)
        if cuda.threadIdx.x == 0:
            partial[cuda.blockIdx.x] = r

    @cuda.jit
    def rows(x, op, out):
        nr, nc = x.shape
        for i in range(cuda.blockIdx.x, nr, cuda.gridDim.x):
            acc = start(op)
            for j in range(cuda.threadIdx.x, nc, tpb):
                acc = step(op, acc, float(x[i, j]))
            r = tree(op, acc)
            if cuda.threadIdx.x == 0:
                out[i] = r

    @cuda.jit
    def cols(x, op, out):
        nr, nc = x.shape
        for j in range(cuda.grid(1), nc, cuda.gridsize(1)):
            acc = start(op)
            for i in range(nr):
                acc = step(op, acc, float(x[i, j]))
            out[j] = acc

    _K.update(full=full, rows=rows, cols=cols)
    return _K


def total(x, op):
    """sum, sumsq, min or max (OPS) of all cells of the device matrix x, as a Python float."""
    code = OPS[op]
    n = x.size
    blocks = config.blocks_for(n)
    partial = arrays.empty(blocks, np.float64)
    _kernels()["full"][blocks, config.TPB](x.reshape(n), n, code, partial)
    p = arrays.to_host(partial)
    if code <= SUMSQ:
        return float(p.sum())
    if n == 0:
        return math.inf if code == MIN else -math.inf
    return float("nan") if np.isnan(p).any() else float(p.min() if code == MIN else p.max())


def mean(x):
    return total(x, "sum") / x.size if x.size else float("nan")


def by_row(x, op):
    """rowSums/rowMins/rowMaxs: a rows x 1 device matrix of x's dtype."""
    out = arrays.empty((x.shape[0], 1), x.dtype)
    if x.shape[0]:
        _kernels()["rows"][max(1, min(x.shape[0], config.MAX_BLOCKS * 16)), config.TPB](
            x, OPS[op], out.reshape(x.shape[0]))
    return out


def by_col(x, op):
    """colSums/colMins/colMaxs: a 1 x cols device matrix of x's dtype."""
    out = arrays.empty((1, x.shape[1]), x.dtype)
    if x.shape[1]:
        _kernels()["cols"][config.blocks_for(x.shape[1]), config.TPB](
            x, OPS[op], out.reshape(x.shape[1]))
    return out
