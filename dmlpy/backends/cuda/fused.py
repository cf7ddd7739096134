"""The fused element-wise program on the GPU: one numba.cuda kernel that interprets the same
instruction array as the CPU kernel (dmlpy.kernels.fused: rows of opcode, destination, operand a,
operand b; the same opcodes and broadcast kinds 0 full / 1 row vector / 2 column vector), so
the plan's Fused spec drives both backends.

One thread per cell in a grid-stride loop: each thread runs every instruction on its cell, its
working registers a small local array (the program's registers renumbered on the host so that a
register is reused once its value is dead: `compact`), scalars read from a small device array,
inputs read at the cell (full), at its column (row vector) or at its row (column vector).

Aggregates: MIN and MAX (NaN wins, as on the CPU) and SUM, each thread over its cells, then a
tree reduction in shared memory per block (trees.py) and the blocks' partials combined on the
host. Sums are compensated: as accurate as the CPU backend's Kahan sums, in another order (they
may differ in the last unit).

Arithmetic is that of the CPU kernel: IEEE + - * / and comparisons in the inputs' precision
(float32 registers for float32 inputs), x ** y for POW, exp in double precision (rounded to the
registers' precision), and round as the round builtin (Java's Math.round). The special cases of exp, log
and sqrt (overflow, zero, negative, NaN) are decided before the math library is called, which
keeps the results IEEE's also on the simulator, where the library is Python's `math`.
"""
from __future__ import annotations

import math

import numpy as np
from numba import cuda

from . import arrays, config, trees
from ...kernels.fused import (ADD, SUB, MUL, DIV, POW, LT, LE, GT, GE, EQ, NE, AND, OR, MIN2,
                              MOD, INTDIV, NEG, NOT, EXP, LOG, SQRT, ABS, SQ, COPY, SIGMOID,
                              ROUND, FLOOR, SIGN, UNARY_BASE, AGG_NONE,
                              AGG_MIN)   # (MAX2, CEIL, AGG_MAX: the rest)

AGG_SUM = 3
EXP_MAX = 709.782712893384          # the largest double whose exp is finite
BIG = 4503599627370496.0            # 2^52: doubles this large are integers
INF = math.inf
NAN = math.nan


def compact(prog, nin, nsc):
    """The program with its working registers renumbered (a register is reused after the last
    instruction that reads it), and the number of registers it needs. Operands below nin + nsc
    (inputs, scalars) keep their numbers; the destination -1 (the result) stays."""
    base = nin + nsc
    last = {}
    for p in range(len(prog)):
        for o in (prog[p][2], prog[p][3]):
            if o >= base:
                last[o] = p
    slot, free, out, nslots = {}, [], [], 0
    for p in range(len(prog)):
        code, d, a, b = (int(v) for v in prog[p])
        ra = base + slot[a] if a >= base else a
        rb = base + slot[b] if b >= base else b
        for o in {a, b}:
            if o >= base and last.get(o) == p:
                free.append(slot.pop(o))
        rd = d
        if d >= 0:
            if free:
                s = free.pop()
            else:
                s, nslots = nslots, nslots + 1
            if d in last:
                slot[d] = s
            else:                         # never read: its slot is free again at once
                free.append(s)
            rd = base + s
        out.append((code, rd, ra, rb))
    return np.array(out, dtype=np.int64).reshape(-1, 4), nslots


def _make(dt):
    """The kernel for registers of NumPy dtype dt (float64 or float32)."""
    nregs = config.MAX_REGS
    cast = dt.type
    T = trees.make()
    add, extreme, block_sum, block_extreme = T["add"], T["extreme"], T["block_sum"], \
        T["block_extreme"]

    @cuda.jit(device=True)
    def unary(code, x):
        if code == NEG:
            return -x
        if code == NOT:
            return 1.0 if x == 0.0 else 0.0
        if code == EXP or code == SIGMOID:
            y = float(x)
            if code == SIGMOID:
                y = -y
            if y != y:
                e = y
            elif y > EXP_MAX:
                e = INF
            else:
                e = math.exp(y)
            if code == SIGMOID:
                return 1.0 / (1.0 + cast(e))
            return e
        if code == LOG:
            if x != x or x == INF:
                return x
            if x < 0.0:
                return NAN
            if x == 0.0:
                return -INF
            return math.log(x)
        if code == SQRT:
            if x != x or x == INF:
                return x
            if x < 0.0:
                return NAN
            return math.sqrt(x)
        if code == ABS:
            return abs(x)
        if code == SQ:
            return x * x
        if code == COPY:
            return x
        if code == SIGN:
            return 1.0 if x > 0 else (-1.0 if x < 0 else x)
        if code == ROUND:                 # Java's Math.round, as the round builtin
            if x != x:
                return 0.0
            if not (abs(x) < BIG):        # infinities, integers already: the INT64 range's ends
                if x > 9.223372036854775807e18:
                    return 9.223372036854775807e18
                return -9.223372036854775808e18 if x < -9.223372036854775808e18 else x
            f = float(math.floor(x))
            return f + 1.0 if x - f >= 0.5 else f
        if not (abs(x) < BIG):            # NaN, infinities, integers already
            return x
        f = float(math.floor(x))
        if code == FLOOR:
            r = f
        else:                             # CEIL
            r = f if f == x else f + 1.0
        return math.copysign(0.0, x) if r == 0.0 else r

    @cuda.jit(device=True)
    def trunc(q):
        if not (abs(q) < BIG):            # NaN, infinities, integers already
            return q
        return float(math.floor(q)) if q >= 0 else float(math.ceil(q))

    @cuda.jit(device=True)
    def binary(code, x, y):
        if code == ADD:
            return x + y
        if code == SUB:
            return x - y
        if code == MUL:
            return x * y
        if code == DIV:
            return x / y
        if code == POW:
            return x ** y
        if code == LT:
            return 1.0 if x < y else 0.0
        if code == LE:
            return 1.0 if x <= y else 0.0
        if code == GT:
            return 1.0 if x > y else 0.0
        if code == GE:
            return 1.0 if x >= y else 0.0
        if code == EQ:
            return 1.0 if x == y else 0.0
        if code == NE:
            return 1.0 if x != y else 0.0
        if code == AND:
            return 1.0 if (x != 0.0 and y != 0.0) else 0.0
        if code == OR:
            return 1.0 if (x != 0.0 or y != 0.0) else 0.0
        if code == MIN2:
            return x if (x <= y or x != x) else y
        if code == MOD:                   # x - trunc(x / y) * y, as the CPU's matrix %%
            return x - trunc(x / y) * y
        if code == INTDIV:
            return trunc(x / y)
        return x if (x >= y or x != x) else y      # MAX2

    @cuda.jit(device=True)
    def load(k, idx, r, c, nin, nsc, kinds, scal, regs, m0, m1, m2, m3, m4, m5, m6, m7):
        if k >= nin + nsc:
            return regs[k - nin - nsc]
        if k >= nin:
            return scal[k - nin]
        kind = kinds[k]
        j = idx if kind == 0 else (c if kind == 1 else r)
        if k == 0:
            return m0[j]
        if k == 1:
            return m1[j]
        if k == 2:
            return m2[j]
        if k == 3:
            return m3[j]
        if k == 4:
            return m4[j]
        if k == 5:
            return m5[j]
        if k == 6:
            return m6[j]
        return m7[j]

    @cuda.jit
    def kernel(prog, nin, nsc, kinds, scal, ncols, total, agg, out, partial,
               m0, m1, m2, m3, m4, m5, m6, m7):
        regs = cuda.local.array(nregs, cast)
        res = cuda.local.array(1, cast)
        acc = 0.0 if agg == AGG_SUM else (INF if agg == AGG_MIN else -INF)
        comp = 0.0
        eop = trees.MIN if agg == AGG_MIN else trees.MAX
        nprog = prog.shape[0]
        for idx in range(cuda.grid(1), total, cuda.gridsize(1)):
            r = idx // ncols
            c = idx - r * ncols
            for p in range(nprog):
                code = prog[p, 0]
                a = load(prog[p, 2], idx, r, c, nin, nsc, kinds, scal, regs,
                         m0, m1, m2, m3, m4, m5, m6, m7)
                if code >= UNARY_BASE:
                    v = unary(code, a)
                else:
                    v = binary(code, a, load(prog[p, 3], idx, r, c, nin, nsc, kinds, scal, regs,
                                             m0, m1, m2, m3, m4, m5, m6, m7))
                d = prog[p, 1]
                if d >= 0:
                    regs[d - nin - nsc] = v
                else:
                    res[0] = v
            if agg == AGG_NONE:
                out[idx] = res[0]
            elif agg == AGG_SUM:
                acc, comp = add(acc, comp, float(res[0]))
            else:
                acc = extreme(eop, acc, float(res[0]))
        if agg == AGG_NONE:
            return
        if agg == AGG_SUM:
            acc, comp = block_sum(acc, comp)
            if cuda.threadIdx.x == 0:
                partial[cuda.blockIdx.x] = acc
                partial[cuda.gridDim.x + cuda.blockIdx.x] = comp
        else:
            acc = block_extreme(eop, acc)
            if cuda.threadIdx.x == 0:
                partial[cuda.blockIdx.x] = acc

    return kernel


_KERNELS: dict = {}


def _kernel(dt):
    k = _KERNELS.get(dt.char)
    if k is None:
        k = _KERNELS[dt.char] = _make(dt)
    return k


def run(prog, mats, kinds, shape, scalars, out, agg, nsc):
    """Run a compacted program (compact) over device matrices (1-D views, up to MAX_INPUTS) of a
    result of `shape`: fill out (AGG_NONE), or return the smallest, largest cell (NaN when there
    is one) or the sum of the cells as a Python float. prog, kinds, scalars: device arrays."""
    rows, ncols = shape
    total = rows * ncols
    dt = np.dtype(mats[0].dtype)
    nin = len(mats)
    pad = mats[0]
    m = list(mats) + [pad] * (config.MAX_INPUTS - nin)
    blocks = config.blocks_for(total)
    partial = arrays.empty(2 * blocks if agg != AGG_NONE else 1, np.float64)
    if out is None:
        out = pad
    _kernel(dt)[blocks, config.TPB](prog, nin, nsc, kinds, scalars, ncols, total, agg, out,
                                     partial, *m)
    if agg == AGG_NONE:
        return None
    op = trees.SUM if agg == AGG_SUM else (trees.MIN if agg == AGG_MIN else trees.MAX)
    return trees.host_total(arrays.to_host(partial), blocks, op, total)
