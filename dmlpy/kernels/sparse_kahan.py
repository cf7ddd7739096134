"""Numba kernels for SystemDS's compensated aggregates over a CSR matrix (dmlpy.sparse.aggs).

SystemDS holds such a matrix sparse and visits its non-zeros row by row; the Kahan step and the
running mean are those of dmlpy.kernels.kahan_parts (`careful`: zeros skipped, infinities handled).
Each kernel takes the CSR arrays (data, indices, indptr) and the row parts to aggregate. The fast
paths of sum, sum of squares, colSums and rowSums are in dmlpy.kernels.sparse_sums; the plain
row loops here are what they are checked against (tests/test_sparse_sums.py).
"""
import numpy as np
from numba import njit

from .kahan_parts import _step, careful


@njit(nogil=True, cache=True)
def part_means(p0, p1, data, indptr, lo, hi, ncols, S, C, N):
    """Running mean of row parts p0..p1-1: a part's zero cells counted first, then its non-zeros."""
    for p in range(p0, p1):
        a = data[indptr[lo[p]]:indptr[hi[p]]]
        nz = 0
        for i in range(len(a)):
            if a[i] != 0.0:
                nz += 1
        cnt = float((hi[p] - lo[p]) * ncols - nz)
        s, c, cnt, _ = careful(a, 0, len(a), True, False, True, 0.0, 0.0, cnt, 0.0)
        S[p], C[p], N[p] = s, c, cnt


@njit(nogil=True, cache=True)
def row_sums_range(r0, r1, data, indptr, out):
    """Compensated sums of rows r0..r1-1 into out."""
    for i in range(r0, r1):
        s = c = 0.0
        for k in range(indptr[i], indptr[i + 1]):
            v = np.float64(data[k])
            if v != 0.0:
                s, c = _step(s, c, v)
        out[i] = s


@njit(nogil=True, cache=True)
def row_means(data, indptr, ncols, out):
    for i in range(len(indptr) - 1):
        s = c = 0.0
        cnt = 0.0
        for k in range(indptr[i], indptr[i + 1]):
            if data[k] == 0.0:
                cnt += 1.0
        cnt += ncols - (indptr[i + 1] - indptr[i])
        for k in range(indptr[i], indptr[i + 1]):
            v = np.float64(data[k])
            if v != 0.0:
                cnt += 1.0
                s, c = _step(s, c, (v - s) / cnt)
        out[i] = s


@njit(nogil=True, cache=True)
def col_means(data, indices, indptr, lo, hi, s, c, cnt):
    """Column running means of rows [lo, hi): cnt starts at the zero cells of each column."""
    nzc = np.zeros(len(s))
    for k in range(indptr[lo], indptr[hi]):
        if data[k] != 0.0:
            nzc[indices[k]] += 1.0
    for j in range(len(s)):
        cnt[j] = (hi - lo) - nzc[j]
    for i in range(lo, hi):
        for k in range(indptr[i], indptr[i + 1]):
            v = np.float64(data[k])
            if v != 0.0:
                j = indices[k]
                cnt[j] += 1.0
                s[j], c[j] = _step(s[j], c[j], (v - s[j]) / cnt[j])


@njit(nogil=True, cache=True)
def col_means_parts(p0, p1, data, indices, indptr, lo, hi, S, C, N):
    """col_means of row parts p0..p1-1 into the rows of S, C, N."""
    for p in range(p0, p1):
        col_means(data, indices, indptr, lo[p], hi[p], S[p], C[p], N[p])


# ------------------------------------------------------------------ extremes (no order involved)
@njit(nogil=True, cache=True)
def row_extremes(r0, r1, data, indptr, m, pick_max, out):
    """rowMaxs / rowMins of rows r0..r1-1: NaN when a row holds one (as NumPy's max), 0 counted
    when a cell is not stored. (Unsigned indexes: Numba tests a signed one for wrap-around at
    every access.)"""
    for i in range(r0, r1):
        lo, hi = np.uintp(indptr[i]), np.uintp(indptr[i + 1])
        best = -np.inf if pick_max else np.inf
        if hi - lo < m:
            best = 0.0
        k = lo
        while k < hi:
            v = data[k]
            if np.isnan(v):
                best = v
                break
            if (v > best) if pick_max else (v < best):
                best = v
            k += np.uintp(1)
        out[i] = best


@njit(nogil=True, cache=True)
def col_extremes(data, indices, n, pick_max, out, cnt):
    """colMaxs / colMins into out (filled with -inf / inf by the caller)."""
    for k in range(len(data)):
        j = np.uintp(indices[k])
        cnt[j] += 1
        v = data[k]
        if np.isnan(out[j]):
            continue
        if np.isnan(v) or ((v > out[j]) if pick_max else (v < out[j])):
            out[j] = v
    for j in range(len(out)):
        if cnt[j] < n and not np.isnan(out[j]):
            if (0.0 > out[j]) if pick_max else (0.0 < out[j]):
                out[j] = 0.0


@njit(nogil=True, cache=True)
def row_index_extremes(data, indices, indptr, m, pick_max, out):
    """rowIndexMax / rowIndexMin (1-based): the last column holding the row's extreme, NaN
    counting as the opposite extreme (as the dense kernel); a cell not stored is a 0."""
    for i in range(len(indptr) - 1):
        lo, hi = indptr[i], indptr[i + 1]
        best = -np.inf if pick_max else np.inf
        bestj = -1
        for k in range(lo, hi):
            v = data[k]
            if np.isnan(v):
                v = -np.inf if pick_max else np.inf
            if v == best or ((v > best) if pick_max else (v < best)):
                best = v
                bestj = indices[k]
        if hi - lo < m:
            z = m - 1               # the last column not stored
            k = hi - 1
            while k >= lo and indices[k] == z:
                z -= 1
                k -= 1
            if ((0.0 > best) if pick_max else (0.0 < best)) or (0.0 == best and z > bestj):
                best = 0.0
                bestj = z
        out[i] = bestj + 1


# ------------------------------------------------------------------ column sums, zeros skipped
@njit(nogil=True, cache=True)
def col_sums_sc(data, indices, indptr, lo, hi, sc):
    """Column sums of rows [lo, hi) into sc (zeroed by the caller; column j's sum and correction
    side by side, sc[j, 0] and sc[j, 1]): stored zeros skipped, the Kahan step without its
    infinity test first; a column that ends infinite or NaN is redone with the full step (the
    same result: see kahan_parts.lanes4). dmlpy.kernels.sparse_sums' flat loop is the fast path;
    this one serves row parts that store zeros."""
    for i in range(lo, hi):
        for k in range(indptr[i], indptr[i + 1]):
            v = np.float64(data[k])
            if v != 0.0:
                j = indices[k]
                s = sc[j, 0]
                cor = v + sc[j, 1]
                t = s + cor
                sc[j, 1] = cor - (t - s)
                sc[j, 0] = t
    nbad = 0
    for j in range(sc.shape[0]):
        if not (np.isfinite(sc[j, 0]) and np.isfinite(sc[j, 1])):
            nbad += 1
    if nbad == 0:
        return
    bad = np.zeros(sc.shape[0], np.bool_)
    for j in range(sc.shape[0]):
        if not (np.isfinite(sc[j, 0]) and np.isfinite(sc[j, 1])):
            bad[j] = True
            sc[j, 0] = 0.0
            sc[j, 1] = 0.0
    for i in range(lo, hi):
        for k in range(indptr[i], indptr[i + 1]):
            j = indices[k]
            v = np.float64(data[k])
            if bad[j] and v != 0.0:
                sc[j, 0], sc[j, 1] = _step(sc[j, 0], sc[j, 1], v)


@njit(nogil=True, cache=True)
def col_sums_parts_sc(p0, p1, data, indices, indptr, lo, hi, SC):
    for p in range(p0, p1):
        col_sums_sc(data, indices, indptr, lo[p], hi[p], SC[p])
