"""Products of a large CSR matrix with dense vectors in the order of SystemDS 3.4's sparse kernels
(LibMatrixMult), bit for bit, on the kernels' threads. Smaller products go through the dense
emulation (dmlpy.kernels.sysds_matmul, via dmlpy.sparse.ops._followed); these cover the sizes
where dmlpy used SciPy's order before.

- `X %*% v` (v a column): each row's non-zeros against v. SystemDS's short-rhs kernel (taken when
  cd <= max(2048, 2048 * xsp / 32), xsp = m * cd / nnz in integers) sums a row as its dotProduct
  does: the first (count mod 8) products one at a time, then groups of eight, each group summed
  left to right and added to the total. Otherwise (its tall-rhs kernel, blocked over the columns)
  the products are added one at a time in column order, which is what SciPy does too.
- `t(y) %*% X` (and `t(X) %*% y`, which SystemDS rewrites to t(t(y) %*% X)): in parallel (2 * cd *
  n > 128 Ki) SystemDS splits the rows of X into two balanced ranges (the larger first), each
  range scatters y_k * X[k, ] into its own zeroed vector, rows with y_k = 0 skipped, and the
  result is (0 + P1) + P2. An output SystemDS would hold sparse (estimated under 40% non-zeros)
  goes through its sparse-output kernel in one pass instead: SciPy's order, left to the caller.
- `t(X) %*% (X %*% v)` and `t(X) %*% (w * (X %*% v))` (SystemDS's mmchain on a sparse X): per row
  the dotProduct above (times w_i, rows with w_i = 0 skipped), and when it is not 0 the row scaled
  by it is scattered into the result; in parallel (2 * m * cd > 128 Ki) over two balanced row
  ranges into zeroed vectors, added as (0 + P1) + P2.

float64 only (the caller keeps SciPy for float32). The products of a sparse operand visit its
non-zeros only, so a NaN or infinity of v meets only the stored cells, as in SystemDS.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from .sysds_matmul import MV_BLOCK, PAR_MIN_FLOPS, _split


# Indexes are cast to unsigned (np.uintp) in the loops below: with signed ones Numba tests every
# access for a negative index (NumPy's wrap-around), which made these loops 1.6x slower than
# SciPy's compiled ones; unsigned, they run at its speed.
@njit(nogil=True, cache=True, inline="always")
def _dot_row(data, indices, lo, hi, v):
    """SystemDS's dotProduct of the non-zeros data[lo:hi] (columns indices[lo:hi]) with v."""
    val = 0.0
    t = np.uintp(lo)
    end = np.uintp(hi)
    first = t + np.uintp((hi - lo) % 8)
    while t < first:
        val += data[t] * v[np.uintp(indices[t])]
        t += np.uintp(1)
    while t < end:
        g = data[t] * v[np.uintp(indices[t])]
        g += data[t + np.uintp(1)] * v[np.uintp(indices[t + np.uintp(1)])]
        g += data[t + np.uintp(2)] * v[np.uintp(indices[t + np.uintp(2)])]
        g += data[t + np.uintp(3)] * v[np.uintp(indices[t + np.uintp(3)])]
        g += data[t + np.uintp(4)] * v[np.uintp(indices[t + np.uintp(4)])]
        g += data[t + np.uintp(5)] * v[np.uintp(indices[t + np.uintp(5)])]
        g += data[t + np.uintp(6)] * v[np.uintp(indices[t + np.uintp(6)])]
        g += data[t + np.uintp(7)] * v[np.uintp(indices[t + np.uintp(7)])]
        val += g
        t += np.uintp(8)
    return val


@njit(nogil=True, cache=True, inline="always")
def _scatter(c, a, data, indices, lo, hi):
    """c[indices[t]] += a * data[t] for t in lo..hi-1 (SystemDS's vectMultiplyAdd)."""
    t = np.uintp(lo)
    end = np.uintp(hi)
    while t < end:
        j = np.uintp(indices[t])
        c[j] += a * data[t]
        t += np.uintp(1)


@njit(nogil=True, cache=True)
def mv_rows(r0, r1, data, indices, indptr, v, out, unrolled):
    """out[i] = row i of X times v for rows r0..r1-1 (unrolled: dotProduct's order, else one
    product at a time)."""
    for i in range(r0, r1):
        lo, hi = indptr[i], indptr[i + 1]
        if unrolled:
            out[i] = _dot_row(data, indices, lo, hi, v)
        else:
            s = 0.0
            t = np.uintp(lo)
            while t < np.uintp(hi):
                s += data[t] * v[np.uintp(indices[t])]
                t += np.uintp(1)
            out[i] = s


@njit(nogil=True, cache=True)
def vm_parts(p0, p1, data, indices, indptr, y, lo, hi, parts):
    """parts[p] += y_k * X[k, ] for the rows k of range p (lo[p]..hi[p]-1), p in p0..p1-1; rows
    with y_k = 0 skipped (parts zeroed by the caller)."""
    for p in range(p0, p1):
        c = parts[p]
        for k in range(lo[p], hi[p]):
            a = y[k]
            if a != 0.0:
                _scatter(c, a, data, indices, indptr[k], indptr[k + 1])


def _ranges(n: int, par: bool):
    r = _split(n) if par else [(0, n)]
    return (np.array([a for a, _ in r], dtype=np.int64), np.array([b for _, b in r], dtype=np.int64))


def _joined(parts: np.ndarray) -> np.ndarray:
    """(0 + P1) + P2 + ...: the partial vectors added in order into a zeroed vector."""
    out = np.zeros(parts.shape[1])
    for p in range(parts.shape[0]):
        out += parts[p]
    return out


def _run(kernel, ntasks, work, *args):
    from .pool import parallel_split_first
    parallel_split_first(kernel, ntasks, work, *args)


def mv(x, v: np.ndarray) -> np.ndarray:
    """X %*% v: x a float64 csr_array (m x cd, sorted indices), v a float64 column (cd x 1)."""
    m, cd = x.shape
    nnz = int(x.indptr[-1])
    out = np.zeros(m)
    if nnz == 0:
        return out.reshape(m, 1)
    xsp = (m * cd) // nnz
    unrolled = max(MV_BLOCK, (2048 * xsp) // 32) >= cd
    vv = np.ascontiguousarray(v[:, 0])
    _run(mv_rows, m, max(1, nnz // m), x.data, x.indices, x.indptr, vv, out, unrolled)
    return out.reshape(m, 1)


def vm_sparse_out(x, y: np.ndarray) -> bool:
    """Whether SystemDS holds t(y) %*% X sparse (its estimate: 1 - (1 - sp_y * sp_X)^rows under
    40% non-zeros, more than one column): then its sparse-output kernel runs, in SciPy's order."""
    rows, n = x.shape
    if n <= 1 or rows == 0:
        return False
    sp_y = np.count_nonzero(y) / rows
    sp_x = int(x.indptr[-1]) / (rows * n)
    return 1.0 - (1.0 - sp_y * sp_x) ** rows < 0.4


def vm(x, y: np.ndarray) -> np.ndarray:
    """t(y) %*% X as a flat vector (n): x a float64 csr_array (rows x n), y float64 (rows x 1)."""
    rows, n = x.shape
    yv = np.ascontiguousarray(y[:, 0])
    lo, hi = _ranges(rows, 2 * rows * n > PAR_MIN_FLOPS)
    parts = np.zeros((len(lo), n))
    _run(vm_parts, len(lo), max(1, int(x.indptr[-1]) // len(lo)), x.data, x.indices, x.indptr,
         yv, lo, hi, parts)
    return _joined(parts)


def chain(x, v: np.ndarray, w) -> np.ndarray:
    """t(X) %*% (X %*% v), or t(X) %*% (w * (X %*% v)), of a float64 csr_array X: cd x 1.
    SystemDS's fused loop (per row: the dot product, then the scatter) is run as two passes,
    every row's dot product first, then the scatters in row order: the same additions in the same
    order, but each pass keeps only one vector in cache (1.4x faster here)."""
    m, cd = x.shape
    vv = np.ascontiguousarray(v[:, 0])
    if not vv.any() or (w is not None and not w.any()):
        return np.zeros((cd, 1))
    nnz = int(x.indptr[-1])
    vals = np.empty(m)
    _run(mv_rows, m, max(1, nnz // max(m, 1)), x.data, x.indices, x.indptr, vv, vals, True)
    if w is not None:
        ww = w[:, 0]
        vals = np.where(ww == 0.0, 0.0, vals * ww)      # rows with w_i = 0 are skipped
    lo, hi = _ranges(m, 2 * m * cd > PAR_MIN_FLOPS)
    parts = np.zeros((len(lo), cd))
    _run(vm_parts, len(lo), max(1, nnz // len(lo)), x.data, x.indices, x.indptr, vals, lo, hi,
         parts)
    return _joined(parts).reshape(cd, 1)
