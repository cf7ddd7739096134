"""A %*% B with A held sparse by SystemDS and B dense: the order of SystemDS 3.4's sparse-dense
kernels (``LibMatrixMult.matrixMultSparseDense*``), bit for bit, with the primitives of
dmlpy.kernels.sysds_matmul (``dot`` and ``madd``; see there).

A (m x cd) is held sparse when under 40% of its cells are non-zero (and cd > 1); its kernels
visit the non-zeros of each row in column order only (so 0 * NaN terms are absent).  Which
kernel runs, for B (cd x n) dense and a dense result:
- n = 1 (and m = n = 1), cd <= 2048: each row a ``dot`` of its non-zeros with the matching
  cells of B.
- m = 1 (vector-matrix): the non-zeros in pairs from the first (madd g=2), the last one alone
  (g=1) when their count is odd.
- otherwise: per row, the first (count mod 4) non-zeros one at a time (madd g=1), then groups of
  four (g=4), over column blocks of 1024.
In parallel (2*m*cd*n > 128 Ki, K = 2 threads), m = 1 or m <= 16 with cd > m splits the common
dimension in K balanced ranges (the larger first), each computed into a zeroed buffer and added
in order, C = (0 + P1) + P2; per range and row, a first madd with the (count mod 4) non-zeros of
the range together (m > 1; g = count mod 4), then groups of four over all n columns; for m = 1
the pairs as above within each range.  Row splits leave the order unchanged.

Not followed (the caller keeps BLAS): ultra-sparse operands (under 0.04% non-zeros: SystemDS's
sparse-output kernels), a left operand with at most one non-zero per row (a permutation-like
matrix: every cell is one product, exact in any order), n = 1 with cd > 2048.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from .sysds_matmul import PAR_MIN_FLOPS, _by_parts, _dot, _madd

ULTRA_SPARSE = 0.0004       # SystemDS's ULTRA_SPARSITY_TURN_POINT2


@njit(cache=True)
def _row_nz(a, i, lo, hi, ks, av):
    """The non-zeros of row i of a within columns [lo, hi) into ks/av; their count."""
    c = 0
    for k in range(lo, hi):
        if a[i, k] != 0:
            ks[c] = k
            av[c] = a[i, k]
            c += 1
    return c


@njit(cache=True)
def _mv(a, v):
    m, cd = a.shape
    out = np.zeros((m, 1))
    ks = np.zeros(cd, np.int64)
    av = np.zeros(cd)
    bv = np.zeros(cd)
    for i in range(m):
        c = _row_nz(a, i, 0, cd, ks, av)
        if c == 0:
            continue
        for t in range(c):
            bv[t] = v[ks[t]]
        out[i, 0] = _dot(av, 0, bv, 0, c)
    return out


@njit(cache=True)
def _vm(a, b, lo, hi):
    n = b.shape[1]
    out = np.zeros((1, n))
    ks = np.zeros(hi - lo + 1, np.int64)
    av = np.zeros(hi - lo + 1)
    kq = np.zeros(2, np.int64)
    aq = np.zeros(2)
    c = _row_nz(a, 0, lo, hi, ks, av)
    t = 0
    while t < c:
        if t + 1 < c:
            kq[0] = ks[t]
            kq[1] = ks[t + 1]
            aq[0] = av[t]
            aq[1] = av[t + 1]
            _madd(out, 0, b, kq, aq, 2, 0, n)
            t += 2
        else:
            kq[0] = ks[t]
            aq[0] = av[t]
            _madd(out, 0, b, kq, aq, 1, 0, n)
            t += 1
    return out


@njit(cache=True)
def _mm(a, b):
    """The skinny-right and general kernels (one order: singles, then fours; columns by 1024)."""
    m, cd = a.shape
    n = b.shape[1]
    out = np.zeros((m, n))
    ks = np.zeros(cd, np.int64)
    av = np.zeros(cd)
    kq = np.zeros(4, np.int64)
    aq = np.zeros(4)
    for i in range(m):
        c = _row_nz(a, i, 0, cd, ks, av)
        if c == 0:
            continue
        bn = c % 4
        for bj in range(0, n, 1024):
            ln = min(n, bj + 1024) - bj
            for t in range(bn):
                kq[0] = ks[t]
                aq[0] = av[t]
                _madd(out, i, b, kq, aq, 1, bj, ln)
            for t in range(bn, c, 4):
                for q in range(4):
                    kq[q] = ks[t + q]
                    aq[q] = av[t + q]
                _madd(out, i, b, kq, aq, 4, bj, ln)
    return out


@njit(cache=True)
def _short_lhs(a, b, lo, hi):
    """One thread's share [lo, hi) of the common dimension, few rows of a."""
    m = a.shape[0]
    n = b.shape[1]
    out = np.zeros((m, n))
    ks = np.zeros(hi - lo + 1, np.int64)
    av = np.zeros(hi - lo + 1)
    kq = np.zeros(4, np.int64)
    aq = np.zeros(4)
    for i in range(m):
        c = _row_nz(a, i, lo, hi, ks, av)
        if c == 0:
            continue
        bn = c % 4
        if bn > 0:
            for q in range(bn):
                kq[q] = ks[q]
                aq[q] = av[q]
            _madd(out, i, b, kq, aq, bn, 0, n)
        for t in range(bn, c, 4):
            for q in range(4):
                kq[q] = ks[t + q]
                aq[q] = av[t + q]
            _madd(out, i, b, kq, aq, 4, 0, n)
    return out


def applies(a: np.ndarray, nnz_a: int) -> bool:
    """Whether matmul below follows SystemDS for a (held sparse, nnz_a non-zeros) times dense B."""
    m, cd = a.shape
    if nnz_a < ULTRA_SPARSE * m * cd or nnz_a <= 0:
        return False
    return bool((np.count_nonzero(a, axis=1) > 1).any())


def matmul(a: np.ndarray, b: np.ndarray):
    """a @ b in SystemDS's sparse-dense order, or None where that is not followed (see above)."""
    m, cd = a.shape
    n = b.shape[1]
    a = np.ascontiguousarray(a)
    b = np.ascontiguousarray(b)
    par = 2 * m * cd * n > PAR_MIN_FLOPS
    if n == 1:
        if cd > 2048:
            return None
        return _mv(a, np.ascontiguousarray(b[:, 0]))
    if m == 1 or (par and m <= 16 and cd > m):
        f = _vm if m == 1 else _short_lhs
        return _by_parts(f, a, b, cd) if par else f(a, b, 0, cd)
    return _mm(a, b)
