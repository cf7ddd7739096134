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
division by zero gives Inf or NaN, as in DML); exp (and sigmoid) come from dmlpy.kernels.fastexp
(SystemDS's FastMath.exp, bit for bit), log from dmlpy.kernels.javamath (Java's Math.log, bit for
bit), sqrt and pow from the C library (NumPy's SIMD exp and log differ from SystemDS's in the last
unit of a few cells). Registers have the inputs'
precision. Sums and means of the cells are taken in the kernel with the additions the sum
builtins make (run_parts), so fusing a sum never changes its rounding.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from .kahan_parts import careful, lanes4
from .fastexp import FRAC_A, FRAC_B, INT_A, INT_B, exp_block
from .javamath import java_log
from .pool import parallel

BLOCK = 1024

# opcodes (the code generator's table in dmlpy/plan/fuse.py names them)
ADD, SUB, MUL, DIV, POW, LT, LE, GT, GE, EQ, NE, AND, OR, MIN2, MAX2 = range(15)
NEG, NOT, EXP, LOG, SQRT, ABS, SQ, COPY, SIGMOID, ROUND, FLOOR, CEIL, SIGN = range(20, 33)
UNARY_BASE = 20
MOD, INTDIV = 15, 16     # %% and %/%: the CUDA backend's kernel only (the plan fuses neither)
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
def _unary(code, d, a, n, scr):
    if code == NEG:
        for i in range(n):
            d[i] = -a[i]
    elif code == NOT:
        for i in range(n):
            d[i] = 1.0 if a[i] == 0.0 else 0.0
    elif code == EXP:
        exp_block(d, a, n, False, scr, INT_A, INT_B, FRAC_A, FRAC_B)
    elif code == LOG:
        for i in range(n):
            d[i] = java_log(np.float64(a[i]))
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
        exp_block(d, a, n, True, scr, INT_A, INT_B, FRAC_A, FRAC_B)
        for i in range(n):
            d[i] = 1.0 / (1.0 + d[i])
    elif code == ROUND:     # Java's Math.round, as the round builtin: floor(x + 1/2) with
        for i in range(n):  # NaN -> 0 and the INT64 range's ends for larger magnitudes
            x = a[i]
            if x != x:
                d[i] = 0.0
            else:
                f = np.floor(x)
                r = f + 1.0 if x - f >= 0.5 else f
                d[i] = min(max(r, -9.223372036854775808e18), 9.223372036854775807e18)
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


@njit(nogil=True, cache=True, inline="always", error_model="numpy")
def _nregs(prog, nin, nsc):
    nreg = nsc
    for p in range(prog.shape[0]):
        nreg = max(nreg, prog[p, 1] - nin + 1)
    return nreg


@njit(nogil=True, cache=True, inline="always", error_model="numpy")
def _block(off, n, prog, nin, mats, kinds, ncols, regs, nreg, d_out, scr):
    """Cells off .. off+n-1 (row-major) of the program into d_out[:n]. regs: the scalars and
    working registers (nreg rows), then one row per input for broadcast vectors."""
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
        d = d_out[:n] if dst < 0 else regs[dst - nin, :n]
        a = _operand(prog[p, 2], off, n, nin, mats, kinds, regs, nreg)
        if code >= UNARY_BASE:
            _unary(code, d, a, n, scr)
        else:
            _binary(code, d, a, _operand(prog[p, 3], off, n, nin, mats, kinds, regs, nreg), n)


@njit(nogil=True, cache=True, inline="always", error_model="numpy")
def _operand(k, off, n, nin, mats, kinds, regs, nreg):
    """Cells off .. off+n-1 of operand k: a working register, a full input, or a spread vector."""
    if k >= nin:
        return regs[k - nin, :n]
    if kinds[k] == 0:
        return mats[k][off:off + n]
    return regs[nreg + k, :n]


@njit(nogil=True, cache=True, error_model="numpy")
def _cells(b0, b1, prog, nin, mats, kinds, ncols, total, scal, out, agg, partial):
    """Blocks b0 .. b1-1 (BLOCK cells each, row-major; `total` cells in all) of the fused program;
    MIN/MAX aggregates go to partial[block]."""
    nsc = len(scal)
    nreg = _nregs(prog, nin, nsc)
    # scalars, working registers, broadcast inputs; in the inputs' precision (float32 registers
    # round each operation as NumPy's float32 operators do)
    dt = mats[0].dtype
    regs = np.empty((nreg + nin, BLOCK), dt)
    for s in range(nsc):
        regs[s, :] = scal[s]
    res = np.empty(BLOCK, dt)
    scr = np.empty((2, BLOCK), np.int64)
    for off in range(b0 * BLOCK, min(total, b1 * BLOCK), BLOCK):
        n = min(BLOCK, total - off)
        if agg == AGG_NONE:
            _block(off, n, prog, nin, mats, kinds, ncols, regs, nreg, out[off:off + n], scr)
            continue
        _block(off, n, prog, nin, mats, kinds, ncols, regs, nreg, res, scr)
        m = np.inf if agg == AGG_MIN else -np.inf
        for i in range(n):
            x = res[i]
            if x != x:
                m = x
                break
            if (agg == AGG_MIN and x < m) or (agg == AGG_MAX and x > m):
                m = x
        partial[off // BLOCK] = m


@njit(nogil=True, cache=True, error_model="numpy")
def _part_aggs(g0, g1, P, prog, nin, mats, kinds, ncols, scal, starts, lens, mean, S, C, N, NZ):
    """Kahan sums (or running means) of the program's cells over parts 4*g0 .. 4*g1-1 (part p:
    cells starts[p] .. starts[p]+lens[p]-1), with the additions dmlpy.kernels.kahan_parts makes on
    the written-out result held dense: four parts advance together, a block of each at a time
    (lanes4), then the tails (parts differ by a row at most). NZ: the parts' non-zero cells, -1
    for a part whose sum met an infinity or NaN (the caller then writes the cells out and calls
    the builtin, which knows SystemDS's rules for them)."""
    nreg = _nregs(prog, nin, len(scal))
    dt = mats[0].dtype
    regs = np.empty((nreg + nin, BLOCK), dt)
    for j in range(len(scal)):
        regs[j, :] = scal[j]
    res = np.empty((4, BLOCK), dt)
    scr = np.empty((2, BLOCK), np.int64)
    st = np.zeros((4, 4))
    for g in range(4 * g0, min(P, 4 * g1), 4):
        m = min(4, P - g)
        common = lens[g]
        for q in range(m):
            common = min(common, lens[g + q])
        st[:] = 0.0
        for off in range(0, common, BLOCK):
            n = min(BLOCK, common - off)
            for q in range(m):
                _block(starts[g + q] + off, n, prog, nin, mats, kinds, ncols, regs, nreg, res[q],
                       scr)
            lanes4(res[0], res[min(1, m - 1)], res[min(2, m - 1)], res[min(3, m - 1)], n, st,
                   False, mean)
        for q in range(m):
            s, c, cnt, nz = st[0, q], st[1, q], st[2, q], st[3, q]
            for off in range(common, lens[g + q], BLOCK):
                n = min(BLOCK, lens[g + q] - off)
                _block(starts[g + q] + off, n, prog, nin, mats, kinds, ncols, regs, nreg, res[0],
                       scr)
                s, c, cnt, nz = careful(res[0], 0, n, False, False, mean, s, c, cnt, nz)
            S[g + q], C[g + q], N[g + q] = s, c, cnt
            NZ[g + q] = nz if (np.isfinite(s) and np.isfinite(c)) else -1.0


MIN_PARALLEL = 1 << 16   # cells before a call is split over the threads
MAX_INPUTS = 8           # matrices a program reads (the tuple is padded: one compiled kernel)
_PAD = np.empty(0)
_PAD32 = np.empty(0, np.float32)


def _prepare(mats, kinds):
    pad = _PAD32 if mats[0].dtype == np.float32 else _PAD    # single precision: float32
    mats = tuple(mats) + (pad,) * (MAX_INPUTS - len(mats))
    return pad, mats, np.asarray(tuple(kinds) + (0,) * (MAX_INPUTS - len(kinds)), dtype=np.int64)


def run_parts(prog, mats, kinds, shape, scalars, parts, mean):
    """Kahan sums (mean False) or running means (mean True) of the program's cells over row
    parts [(lo, hi)], as kahan_parts adds the cells of a dense matrix: (S, C, N) per part and the
    number of non-zero cells (-1 when a sum met an infinity or NaN)."""
    ncols = shape[1]
    nin = len(mats)
    _, mats, kinds = _prepare(mats, kinds)
    starts = np.array([lo * ncols for lo, _ in parts], dtype=np.int64)
    lens = np.array([(hi - lo) * ncols for lo, hi in parts], dtype=np.int64)
    P = len(parts)
    S, C, N, NZ = np.zeros(P), np.zeros(P), np.zeros(P), np.zeros(P)
    groups = (P + 3) // 4
    parallel(_part_aggs, groups, shape[0] * ncols // max(groups, 1), P, prog, nin, mats, kinds,
             ncols, scalars, starts, lens, mean, S, C, N, NZ, min_work=MIN_PARALLEL)
    return S, C, N, (-1 if (NZ < 0).any() else int(NZ.sum()))


def run(prog, mats, kinds, shape, scalars, out, agg):
    """Run a fused program over a matrix of `shape`: fill `out` (AGG_NONE) or return the smallest
    (AGG_MIN) or largest (AGG_MAX) cell, NaN when there is one (sums and means: run_parts)."""
    rows, ncols = shape
    total = rows * ncols
    nin = len(mats)
    pad, mats, kinds = _prepare(mats, kinds)
    nblocks = (total + BLOCK - 1) // BLOCK
    partial = np.empty(nblocks if agg != AGG_NONE else 0)
    if out is None:
        out = pad
    parallel(_cells, nblocks, BLOCK, prog, nin, mats, kinds, ncols, total, scalars, out, agg,
             partial, min_work=MIN_PARALLEL)
    if agg == AGG_NONE:
        return None
    if nblocks == 0:
        return float("inf") if agg == AGG_MIN else float("-inf")
    if np.isnan(partial).any():
        return float("nan")
    return float(partial.min() if agg == AGG_MIN else partial.max())
