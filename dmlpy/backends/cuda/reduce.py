"""Reductions on the GPU: full (sum, sum of squares, min, max; mean from the sum), per row and
per column (sums, mins, maxs).

Full reductions: each thread over its cells (grid-stride), a tree in shared memory per block,
the blocks' partials combined on the host. Rows: one block per row (threads stride over its
columns, then a tree). Columns: one thread per column walking down the rows (reads of
neighbouring threads are neighbouring cells). Sums accumulate in double precision (float32 cells
are widened), compensated (trees.py): in another order than the CPU backend, which adds as
SystemDS does, but as accurate (results may differ in the last unit). Min and max: NaN wins, as
on the CPU.
"""
from __future__ import annotations

import numpy as np
from numba import cuda

from . import arrays, config, trees
from .trees import MIN, SUM, SUMSQ

OPS = {"sum": SUM, "sumsq": SUMSQ, "min": MIN, "max": trees.MAX}
_K: dict = {}


def _kernels():
    if _K:
        return _K
    T = trees.make()
    add, extreme, block_sum, block_extreme = T["add"], T["extreme"], T["block_sum"], \
        T["block_extreme"]
    tpb = config.TPB
    inf = np.inf

    @cuda.jit
    def full(x, n, op, partial):
        nb = cuda.gridDim.x
        if op <= SUMSQ:
            s = 0.0
            c = 0.0
            for i in range(cuda.grid(1), n, cuda.gridsize(1)):
                v = float(x[i])
                s, c = add(s, c, v * v if op == SUMSQ else v)
            s, c = block_sum(s, c)
            if cuda.threadIdx.x == 0:
                partial[cuda.blockIdx.x] = s
                partial[nb + cuda.blockIdx.x] = c
        else:
            m = inf if op == MIN else -inf
            for i in range(cuda.grid(1), n, cuda.gridsize(1)):
                m = extreme(op, m, float(x[i]))
            m = block_extreme(op, m)
            if cuda.threadIdx.x == 0:
                partial[cuda.blockIdx.x] = m

    @cuda.jit
    def rows(x, op, out):
        nr, nc = x.shape
        for i in range(cuda.blockIdx.x, nr, cuda.gridDim.x):
            if op <= SUMSQ:
                s = 0.0
                c = 0.0
                for j in range(cuda.threadIdx.x, nc, tpb):
                    s, c = add(s, c, float(x[i, j]))
                s, c = block_sum(s, c)
                r = s + c
            else:
                m = inf if op == MIN else -inf
                for j in range(cuda.threadIdx.x, nc, tpb):
                    m = extreme(op, m, float(x[i, j]))
                r = block_extreme(op, m)
            if cuda.threadIdx.x == 0:
                out[i] = r

    @cuda.jit
    def cols(x, op, out):
        nr, nc = x.shape
        for j in range(cuda.grid(1), nc, cuda.gridsize(1)):
            if op <= SUMSQ:
                s = 0.0
                c = 0.0
                for i in range(nr):
                    s, c = add(s, c, float(x[i, j]))
                out[j] = s + c
            else:
                m = inf if op == MIN else -inf
                for i in range(nr):
                    m = extreme(op, m, float(x[i, j]))
                out[j] = m

    @cuda.jit
    def row_index(x, is_max, out):       # one thread per row: the last extreme, NaN skipped
        nr, nc = x.shape
        for i in range(cuda.grid(1), nr, cuda.gridsize(1)):
            best = -inf if is_max else inf
            at = 0
            for j in range(nc):
                v = float(x[i, j])
                if v == v and ((is_max and v >= best) or (not is_max and v <= best)):
                    best = v
                    at = j + 1
            out[i] = at if at else nc

    _K.update(full=full, rows=rows, cols=cols, row_index=row_index)
    return _K


def total(x, op):
    """sum, sumsq, min or max (OPS) of all cells of the device matrix x, as a Python float."""
    code = OPS[op]
    n = x.size
    blocks = config.blocks_for(n)
    partial = arrays.empty(2 * blocks, np.float64)
    _kernels()["full"][blocks, config.TPB](x.reshape(n), n, code, partial)
    return trees.host_total(arrays.to_host(partial), blocks, code, n)


def row_index(x, is_max):
    """rowIndexMax / rowIndexMin: a rows x 1 device matrix of 1-based column indexes (the last
    extreme on ties, NaN cells skipped, the last column for a row of NaN), as on the CPU."""
    out = arrays.empty((x.shape[0], 1), x.dtype)
    if x.shape[0]:
        _kernels()["row_index"][config.blocks_for(x.shape[0]), config.TPB](
            x, is_max, out.reshape(x.shape[0]))
    return out


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
