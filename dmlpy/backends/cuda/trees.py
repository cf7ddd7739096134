"""Block-wide reductions in shared memory, for every CUDA kernel that reduces (reduce.py, fused.py,
rows.py): each thread brings its partial result, the block combines them pairwise in a tree and
every thread gets the block's result.

Sums are compensated (Neumaier's variant of Kahan's summation): a thread keeps its running sum
and the rounding error of each addition, the tree adds pairs of (sum, error) exactly the same
way, and the host adds the blocks' sums and errors with math.fsum. A sum on the device is then
as accurate as the CPU backend's Kahan sums (SystemDS's): within an ulp or two of the exact sum,
whatever the order, which finite-difference gradient checks need (their losses differ in the
last digits only).
"""
from __future__ import annotations

import math

import numpy as np
from numba import cuda

from . import config

SUM, SUMSQ, MIN, MAX = range(4)     # (MIN and MAX: NaN wins, as on the CPU)
_T: dict = {}


def make():
    """The device functions, made once (their shared arrays have the block's size)."""
    if _T:
        return _T
    tpb = config.TPB

    @cuda.jit(device=True)
    def add(s, c, x):
        """(s, c) + x: the new sum and the accumulated error (Neumaier)."""
        t = s + x
        if abs(s) >= abs(x):
            c += (s - t) + x
        else:
            c += (x - t) + s
        return t, c

    @cuda.jit(device=True)
    def extreme(op, m, x):
        """min (op MIN) or max of m and x, NaN winning."""
        if m != m:
            return m
        if x != x:
            return x
        if op == MIN:
            return x if x < m else m
        return x if x > m else m

    @cuda.jit(device=True)
    def block_sum(s, c):
        """The block's compensated sum of every thread's (s, c), in every thread."""
        ss = cuda.shared.array(tpb, np.float64)
        sc = cuda.shared.array(tpb, np.float64)
        t = cuda.threadIdx.x
        ss[t] = s
        sc[t] = c
        cuda.syncthreads()
        h = tpb // 2
        while h > 0:
            if t < h:
                a, b = add(ss[t], sc[t] + sc[t + h], ss[t + h])
                ss[t] = a
                sc[t] = b
            cuda.syncthreads()
            h //= 2
        rs = ss[0]
        rc = sc[0]
        cuda.syncthreads()
        return rs, rc

    @cuda.jit(device=True)
    def block_extreme(op, m):
        """The block's min (op MIN) or max of every thread's m, in every thread."""
        sh = cuda.shared.array(tpb, np.float64)
        t = cuda.threadIdx.x
        sh[t] = m
        cuda.syncthreads()
        h = tpb // 2
        while h > 0:
            if t < h:
                sh[t] = extreme(op, sh[t], sh[t + h])
            cuda.syncthreads()
            h //= 2
        r = sh[0]
        cuda.syncthreads()
        return r

    _T.update(add=add, extreme=extreme, block_sum=block_sum, block_extreme=block_extreme)
    return _T


def host_total(partial, blocks: int, op: int, n: int) -> float:
    """The result of a full reduction from the blocks' partials (host array: sums then their
    errors for SUM/SUMSQ, one value per block for MIN/MAX) over n cells."""
    if op <= SUMSQ:
        return math.fsum(partial[:2 * blocks].tolist())
    if n == 0:
        return math.inf if op == MIN else -math.inf
    p = partial[:blocks]
    if np.isnan(p).any():
        return math.nan
    return float(p.min() if op == MIN else p.max())
