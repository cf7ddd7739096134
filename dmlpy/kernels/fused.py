"""The fused element-wise kernel: one pass over memory for a chain of element-wise operations,
with or without a final aggregate.

A fused expression is not compiled to code of its own: it is a small program of register
instructions (`prog`, an int64 array, one row per instruction: opcode, destination, operand a,
operand b), run by one statically compiled Numba kernel block by block. Each block of BLOCK
consecutive cells (row-major) goes through every instruction before the next block starts, so the
intermediate values live in registers of BLOCK doubles that stay in the L1/L2 cache, the inputs
are read once and the output is written once. Dispatch costs one branch per instruction per
block; the loops inside are plain and vectorise. Nothing is generated from a script's text,
and the kernel is compiled once for every program (cached on disk by Numba).

Operand numbering: 0 .. nin-1 are the input matrices (at most MAX_INPUTS) (same shape as the result), nin .. nin+nsc-1
the scalars (filled into registers once per call), then the working registers. The last
instruction's destination is -1: the result (a block of the output, or the aggregate).

Rounding: + - * / and the comparisons are IEEE operations, as in NumPy (error_model="numpy":
division by zero gives Inf or NaN, as in DML); exp, log, sqrt and pow
come from the C library (NumPy's SIMD exp/log may differ in the last unit). Sums add each block
with eight partial sums and the blocks in order, so a result does not depend on the threads.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from .pool import NTHREADS, executor

BLOCK = 1024

# opcodes (the code generator's table in dmlpy/plan/fuse.py names them)
ADD, SUB, MUL, DIV, POW, LT, LE, GT, GE, EQ, NE, AND, OR, MIN2, MAX2 = range(15)
NEG, NOT, EXP, LOG, SQRT, ABS, SQ, COPY, SIGMOID, ROUND, FLOOR, CEIL, SIGN = range(20, 33)
UNARY_BASE = 20
# aggregates of the result
AGG_NONE, AGG_SUM, AGG_MIN, AGG_MAX, AGG_ROW, AGG_COL = range(6)


@njit(nogil=True, cache=True, inline="always", error_model="numpy")
def _binary(code, d, a, b, n):
    if code == ADD:
        for i in range(n):
            d[i] = a[i] + b[i]
    elif code == SUB:
        for i in range(n):
            d[i] = a[i] - b[i]
    elif code == MUL:
        for i in range(n):
            d[i] = a[i] * b[i]
    elif code == DIV:
        for i in range(n):
            d[i] = a[i] / b[i]
    elif code == POW:
        for i in range(n):
            d[i] = a[i] ** b[i]
    elif code == LT:
        for i in range(n):
            d[i] = 1.0 if a[i] < b[i] else 0.0
    elif code == LE:
        for i in range(n):
            d[i] = 1.0 if a[i] <= b[i] else 0.0
    elif code == GT:
        for i in range(n):
            d[i] = 1.0 if a[i] > b[i] else 0.0
    elif code == GE:
        for i in range(n):
            d[i] = 1.0 if a[i] >= b[i] else 0.0
    elif code == EQ:
        for i in range(n):
            d[i] = 1.0 if a[i] == b[i] else 0.0
    elif code == NE:
        for i in range(n):
            d[i] = 1.0 if a[i] != b[i] else 0.0
    elif code == AND:
        for i in range(n):
            d[i] = 1.0 if (a[i] != 0.0 and b[i] != 0.0) else 0.0
    elif code == OR:
        for i in range(n):
            d[i] = 1.0 if (a[i] != 0.0 or b[i] != 0.0) else 0.0
    elif code == MIN2:      # NaN wins, as NumPy's minimum
        for i in range(n):
            x = a[i]
            y = b[i]
            d[i] = x if (x <= y or x != x) else y
    elif code == MAX2:
        for i in range(n):
            x = a[i]
            y = b[i]
            d[i] = x if (x >= y or x != x) else y


@njit(nogil=True, cache=True, inline="always", error_model="numpy")
def _unary(code, d, a, n):
    if code == NEG:
        for i in range(n):
            d[i] = -a[i]
    elif code == NOT:
        for i in range(n):
            d[i] = 1.0 if a[i] == 0.0 else 0.0
    elif code == EXP:
        for i in range(n):
            d[i] = np.exp(a[i])
    elif code == LOG:
        for i in range(n):
            d[i] = np.log(a[i])
    elif code == SQRT:
        for i in range(n):
            d[i] = np.sqrt(a[i])
    elif code == ABS:
        for i in range(n):
            d[i] = abs(a[i])
    elif code == SQ:
        for i in range(n):
            d[i] = a[i] * a[i]
    elif code == COPY:
        for i in range(n):
            d[i] = a[i]
    elif code == SIGMOID:
        for i in range(n):
            d[i] = 1.0 / (1.0 + np.exp(-a[i]))
    elif code == ROUND:     # half away from zero, as Java's Math.round on doubles of this range
        for i in range(n):
            d[i] = np.round(a[i])
    elif code == FLOOR:
        for i in range(n):
            d[i] = np.floor(a[i])
    elif code == CEIL:
        for i in range(n):
            d[i] = np.ceil(a[i])
    elif code == SIGN:
        for i in range(n):
            x = a[i]
            d[i] = 1.0 if x > 0 else (-1.0 if x < 0 else x)


@njit(nogil=True, cache=True, error_model="numpy")
def _cells(lo, hi, prog, nin, mats, kinds, ncols, scal, out, comp, agg, partial, group):
    """Cells [lo, hi) (row-major) of the fused program, BLOCK at a time. Aggregates: SUM/MIN/MAX
    to partial[0, block] (lo is a multiple of BLOCK), ROW to partial[0, row] with Kahan
    compensation in comp[row] (lo, hi whole rows), COL to partial[group, col]."""
    nsc = len(scal)
    nreg = nsc
    for p in range(prog.shape[0]):
        nreg = max(nreg, prog[p, 1] - nin + 1)
    # scalars, working registers, broadcast inputs; in the inputs' precision (float32 registers
    # round each operation as NumPy's float32 operators do)
    dt = mats[0].dtype
    regs = np.empty((nreg + nin, BLOCK), dt)
    for s in range(nsc):
        regs[s, :] = scal[s]
    res = np.empty(BLOCK, dt)
    for off in range(lo, hi, BLOCK):
        n = min(BLOCK, hi - off)
        for k in range(nin):                 # a row or column vector, spread over the block
            if kinds[k] == 1:
                v = mats[k]
                for i in range(n):
                    regs[nreg + k, i] = v[(off + i) % ncols]
            elif kinds[k] == 2:
                v = mats[k]
                for i in range(n):
                    regs[nreg + k, i] = v[(off + i) // ncols]
        for p in range(prog.shape[0]):
            code = prog[p, 0]
            dst = prog[p, 1]
            if dst < 0:
                d = out[off:off + n] if agg == AGG_NONE else res[:n]
            else:
                d = regs[dst - nin, :n]
            ka = prog[p, 2]
            if ka >= nin:
                a = regs[ka - nin, :n]
            elif kinds[ka] == 0:
                a = mats[ka][off:off + n]
            else:
                a = regs[nreg + ka, :n]
            if code >= UNARY_BASE:
                _unary(code, d, a, n)
                continue
            kb = prog[p, 3]
            if kb >= nin:
                b = regs[kb - nin, :n]
            elif kinds[kb] == 0:
                b = mats[kb][off:off + n]
            else:
                b = regs[nreg + kb, :n]
            _binary(code, d, a, b, n)
        if agg == AGG_NONE:
            continue
        if agg == AGG_ROW:
            sums = partial[0]
            for i in range(n):
                r = (off + i) // ncols
                y = res[i] - comp[r]
                t = sums[r] + y
                c = (t - sums[r]) - y
                comp[r] = c if np.isfinite(c) else 0.0
                sums[r] = t
        elif agg == AGG_COL:
            for i in range(n):
                partial[group, (off + i) % ncols] += res[i]
        elif agg == AGG_SUM:
            acc = np.zeros(8)
            m8 = n - n % 8
            for i in range(0, m8, 8):
                for j in range(8):
                    acc[j] += res[i + j]
            s = 0.0
            for j in range(8):
                s += acc[j]
            for i in range(m8, n):
                s += res[i]
            partial[0, off // BLOCK] = s
        else:
            m = np.inf if agg == AGG_MIN else -np.inf
            for i in range(n):
                x = res[i]
                if x != x:
                    m = x
                    break
                if (agg == AGG_MIN and x < m) or (agg == AGG_MAX and x > m):
                    m = x
            partial[0, off // BLOCK] = m


MIN_PARALLEL = 1 << 16   # cells before a call is split over the threads
MAX_INPUTS = 8           # matrices a program reads (the tuple is padded: one compiled kernel)
COL_GROUPS = 4           # colSums: row groups summed apart, then in order (not per thread)
_PAD = np.empty(0)
_PAD32 = np.empty(0, np.float32)


def _split(n, k):
    return [n * i // k for i in range(k + 1)]


def run(prog, mats, kinds, shape, scalars, out, agg):
    """Run a fused program over a matrix of `shape`; returns the aggregate (a float; for ROW and
    COL the vector) or fills `out` (AGG_NONE)."""
    rows, ncols = shape
    total = rows * ncols
    nin = len(mats)
    pad = _PAD32 if mats[0].dtype == np.float32 else _PAD    # single precision: float32
    mats = tuple(mats) + (pad,) * (MAX_INPUTS - nin)
    kinds = np.asarray(tuple(kinds) + (0,) * (MAX_INPUTS - nin), dtype=np.int64)
    nblocks = (total + BLOCK - 1) // BLOCK
    comp = _PAD
    if agg == AGG_ROW:
        partial, comp = np.zeros((1, rows)), np.zeros(rows)
        # whole rows per thread
        ranges = [(r0 * ncols, r1 * ncols, 0) for r0, r1 in _pairs(_split(rows, _threads(total, rows)))]
    elif agg == AGG_COL:
        g = max(1, min(COL_GROUPS, rows))
        partial = np.zeros((g, ncols))
        ranges = [(r0 * ncols, r1 * ncols, i) for i, (r0, r1) in enumerate(_pairs(_split(rows, g)))]
    else:
        partial = np.empty((1, nblocks if agg != AGG_NONE else 0))
        ranges = [(b0 * BLOCK, min(total, b1 * BLOCK), 0)
                  for b0, b1 in _pairs(_split(nblocks, _threads(total, nblocks)))]
    if out is None:
        out = pad
    _execute(ranges, prog, nin, mats, kinds, ncols, scalars, out, comp, agg, partial)
    if agg == AGG_NONE:
        return None
    if agg == AGG_ROW:
        return partial.reshape(rows, 1).astype(pad.dtype, copy=False)
    if agg == AGG_COL:
        col = partial.sum(axis=0) if partial.shape[0] > 1 else partial[0]
        return col.reshape(1, ncols).astype(pad.dtype, copy=False)
    part = partial[0]
    if agg == AGG_SUM:
        return float(part.sum()) if nblocks else 0.0
    if nblocks == 0:
        return float("inf") if agg == AGG_MIN else float("-inf")
    if np.isnan(part).any():
        return float("nan")
    return float(part.min() if agg == AGG_MIN else part.max())


def _pairs(bounds):
    return [(bounds[i], bounds[i + 1]) for i in range(len(bounds) - 1) if bounds[i + 1] > bounds[i]]


def _threads(total, units):
    return max(1, min(NTHREADS, total // MIN_PARALLEL, units))


def _execute(ranges, prog, nin, mats, kinds, ncols, scalars, out, comp, agg, partial):
    if len(ranges) == 1 or NTHREADS == 1:
        for lo, hi, g in ranges:
            _cells(lo, hi, prog, nin, mats, kinds, ncols, scalars, out, comp, agg, partial, g)
        return
    ex = executor()
    futs = [ex.submit(_cells, lo, hi, prog, nin, mats, kinds, ncols, scalars, out, comp, agg,
                      partial, g) for lo, hi, g in ranges[1:]]
    lo, hi, g = ranges[0]
    _cells(lo, hi, prog, nin, mats, kinds, ncols, scalars, out, comp, agg, partial, g)
    for f in futs:
        f.result()
