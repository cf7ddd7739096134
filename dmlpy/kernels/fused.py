"""The fused element-wise kernel: one pass over memory for a chain of element-wise operations,
with or without a final min or max.

A fused expression is not compiled to code of its own: it is a small program of register
instructions (`prog`, an int64 array, one row per instruction: opcode, destination, operand a,
operand b), run by one statically compiled Numba kernel (cached on disk) block by block. Each
block of BLOCK consecutive cells (row-major) goes through every instruction before the next block
starts, so intermediate values live in registers of BLOCK cells that stay in the L1/L2 cache, the
inputs are read once and the output is written once. Dispatch costs one branch per instruction
per block; the loops inside are plain and vectorise. Nothing is generated from a script's text.

Operand numbering: 0 .. nin-1 are the input matrices (at most MAX_INPUTS; full, or a row or
column vector spread over the block: `kinds`), nin .. nin+nsc-1 the scalars (filled into
registers once per call), then the working registers. The last instruction's destination is -1:
the result (a block of the output, or of the min/max).

Rounding: + - * / and the comparisons are IEEE operations, as in NumPy (error_model="numpy":
division by zero gives Inf or NaN, as in DML); exp, log, sqrt and pow come from the C library
(NumPy's SIMD exp/log may differ in the last unit). Registers have the inputs' precision.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from .pool import NTHREADS, executor, first_call

BLOCK = 1024

# opcodes (the code generator's table in dmlpy/plan/fuse.py names them)
ADD, SUB, MUL, DIV, POW, LT, LE, GT, GE, EQ, NE, AND, OR, MIN2, MAX2 = range(15)
NEG, NOT, EXP, LOG, SQRT, ABS, SQ, COPY, SIGMOID, ROUND, FLOOR, CEIL, SIGN = range(20, 33)
UNARY_BASE = 20
# aggregates the kernel takes itself
AGG_NONE, AGG_MIN, AGG_MAX = range(3)


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
def _cells(lo, hi, prog, nin, mats, kinds, ncols, scal, out, agg, partial):
    """Cells [lo, hi) (row-major) of the fused program, BLOCK at a time; MIN/MAX aggregates go to
    partial[block] (lo is a multiple of BLOCK)."""
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
        m = np.inf if agg == AGG_MIN else -np.inf
        for i in range(n):
            x = res[i]
            if x != x:
                m = x
                break
            if (agg == AGG_MIN and x < m) or (agg == AGG_MAX and x > m):
                m = x
        partial[off // BLOCK] = m


MIN_PARALLEL = 1 << 16   # cells before a call is split over the threads
MAX_INPUTS = 8           # matrices a program reads (the tuple is padded: one compiled kernel)
_PAD = np.empty(0)
_PAD32 = np.empty(0, np.float32)


def _split(n, k):
    return [n * i // k for i in range(k + 1)]


def run(prog, mats, kinds, shape, scalars, out, agg):
    """Run a fused program over a matrix of `shape`: fill `out` (AGG_NONE) or return the smallest
    (AGG_MIN) or largest (AGG_MAX) cell, NaN when there is one. (Sums are not taken here: the
    result is written out and summed by the sum builtins, whose order of additions is
    SystemDS's.)"""
    rows, ncols = shape
    total = rows * ncols
    nin = len(mats)
    pad = _PAD32 if mats[0].dtype == np.float32 else _PAD    # single precision: float32
    mats = tuple(mats) + (pad,) * (MAX_INPUTS - nin)
    kinds = np.asarray(tuple(kinds) + (0,) * (MAX_INPUTS - nin), dtype=np.int64)
    nblocks = (total + BLOCK - 1) // BLOCK
    partial = np.empty(nblocks if agg != AGG_NONE else 0)
    k = max(1, min(NTHREADS, total // MIN_PARALLEL, nblocks))
    bounds = _split(nblocks, k)
    ranges = [(bounds[i] * BLOCK, min(total, bounds[i + 1] * BLOCK)) for i in range(k)
              if bounds[i + 1] > bounds[i]]
    if out is None:
        out = pad
    args = (prog, nin, mats, kinds, ncols, scalars, out, agg, partial)
    if len(ranges) > 1 and first_call(_cells, (mats[0], out)):
        for lo, hi in ranges:
            _cells(lo, hi, *args)
    elif len(ranges) > 1:
        ex = executor()
        futs = [ex.submit(_cells, lo, hi, *args) for lo, hi in ranges[1:]]
        _cells(ranges[0][0], ranges[0][1], *args)
        for f in futs:
            f.result()
    elif ranges:
        _cells(ranges[0][0], ranges[0][1], *args)
    if agg == AGG_NONE:
        return None
    if nblocks == 0:
        return float("inf") if agg == AGG_MIN else float("-inf")
    if np.isnan(partial).any():
        return float("nan")
    return float(partial.min() if agg == AGG_MIN else partial.max())
