"""Numba kernels for SystemDS's compensated aggregates over a CSR matrix (dmlpy.sparse.aggs).

SystemDS holds such a matrix sparse and visits its non-zeros row by row; the Kahan step and the
running mean are those of dmlpy.kernels.kahan_parts (`careful`: zeros skipped, infinities handled).
Each kernel takes the CSR arrays (data, indices, indptr) and the row parts to aggregate.
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
def col_sums(data, indices, indptr, lo, hi, s, c):
    """Column sums of rows [lo, hi) into s, c (zeroed by the caller): the Kahan step without its
    infinity test first; a column that ends infinite or NaN is redone with the full step (the
    same result: see kahan_parts.lanes4)."""
    for i in range(lo, hi):
        for k in range(indptr[i], indptr[i + 1]):
            v = np.float64(data[k])
            if v != 0.0:
                j = indices[k]
                cor = v + c[j]
                t = s[j] + cor
                c[j] = cor - (t - s[j])
                s[j] = t
    bad = np.zeros(len(s), np.bool_)
    nbad = 0
    for j in range(len(s)):
        if not (np.isfinite(s[j]) and np.isfinite(c[j])):
            bad[j] = True
            s[j] = 0.0
            c[j] = 0.0
            nbad += 1
    if nbad == 0:
        return
    for i in range(lo, hi):
        for k in range(indptr[i], indptr[i + 1]):
            j = indices[k]
            v = np.float64(data[k])
            if bad[j] and v != 0.0:
                s[j], c[j] = _step(s[j], c[j], v)


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
def col_sums_parts(p0, p1, data, indices, indptr, lo, hi, S, C):
    """col_sums of row parts p0..p1-1 into the rows of S, C."""
    for p in range(p0, p1):
        col_sums(data, indices, indptr, lo[p], hi[p], S[p], C[p])


@njit(nogil=True, cache=True)
def col_means_parts(p0, p1, data, indices, indptr, lo, hi, S, C, N):
    """col_means of row parts p0..p1-1 into the rows of S, C, N."""
    for p in range(p0, p1):
        col_means(data, indices, indptr, lo[p], hi[p], S[p], C[p], N[p])


# ------------------------------------------------------------------ extremes (no order involved)
@njit(nogil=True, cache=True)
def row_extremes(data, indptr, m, pick_max, out):
    """rowMaxs / rowMins: NaN when a row holds one (as NumPy's max), 0 counted when a cell is
    not stored."""
    for i in range(len(indptr) - 1):
        lo, hi = indptr[i], indptr[i + 1]
        best = -np.inf if pick_max else np.inf
        if hi - lo < m:
            best = 0.0
        for k in range(lo, hi):
            v = data[k]
            if np.isnan(v):
                best = v
                break
            if (v > best) if pick_max else (v < best):
                best = v
        out[i] = best


@njit(nogil=True, cache=True)
def col_extremes(data, indices, n, pick_max, out, cnt):
    """colMaxs / colMins into out (filled with -inf / inf by the caller)."""
    for k in range(len(data)):
        j = indices[k]
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


# ------------------------------------------------------------------ faster sums (issue 15, round 2)
@njit(nogil=True, cache=True)
def col_sums_sc(data, indices, indptr, lo, hi, sc):
    """col_sums with each column's sum and correction side by side (sc[j, 0], sc[j, 1]: one
    cache line per scattered update)."""
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


@njit(nogil=True, cache=True)
def _row_redo(data, lo, hi):
    s = c = 0.0
    for k in range(lo, hi):
        v = np.float64(data[k])
        if v != 0.0:
            s, c = _step(s, c, v)
    return s


@njit(nogil=True, cache=True, inline="always")
def _fst(s, c, v):
    cor = v + c
    t = s + cor
    return t, cor - (t - s)


@njit(nogil=True, cache=True)
def row_sums_range4(r0, r1, data, indptr, out):
    """row_sums_range with four rows advancing together over their common length (their chains
    of additions overlap), each row then finishing alone, with the Kahan step without its
    infinity test; a row whose fast sum is not finite, or that stores a zero (SystemDS skips
    those; adding 0 is not a no-op in a Kahan step), is redone with the full step. Each row adds
    its own non-zeros in order: the same bits as row_sums_range."""
    i = r0
    while i + 4 <= r1:
        p0, p1, p2, p3, p4 = indptr[i], indptr[i + 1], indptr[i + 2], indptr[i + 3], indptr[i + 4]
        common = min(min(p1 - p0, p2 - p1), min(p3 - p2, p4 - p3))
        s0 = s1 = s2 = s3 = 0.0
        c0 = c1 = c2 = c3 = 0.0
        z0 = z1 = z2 = z3 = 0
        for t in range(common):
            v0 = np.float64(data[p0 + t])
            v1 = np.float64(data[p1 + t])
            v2 = np.float64(data[p2 + t])
            v3 = np.float64(data[p3 + t])
            z0 += v0 == 0.0
            z1 += v1 == 0.0
            z2 += v2 == 0.0
            z3 += v3 == 0.0
            s0, c0 = _fst(s0, c0, v0)
            s1, c1 = _fst(s1, c1, v1)
            s2, c2 = _fst(s2, c2, v2)
            s3, c3 = _fst(s3, c3, v3)
        for k in range(p0 + common, p1):
            v = np.float64(data[k])
            z0 += v == 0.0
            s0, c0 = _fst(s0, c0, v)
        for k in range(p1 + common, p2):
            v = np.float64(data[k])
            z1 += v == 0.0
            s1, c1 = _fst(s1, c1, v)
        for k in range(p2 + common, p3):
            v = np.float64(data[k])
            z2 += v == 0.0
            s2, c2 = _fst(s2, c2, v)
        for k in range(p3 + common, p4):
            v = np.float64(data[k])
            z3 += v == 0.0
            s3, c3 = _fst(s3, c3, v)
        out[i] = s0 if z0 == 0 and np.isfinite(s0) and np.isfinite(c0) else _row_redo(data, p0, p1)
        out[i + 1] = s1 if z1 == 0 and np.isfinite(s1) and np.isfinite(c1) else _row_redo(data, p1, p2)
        out[i + 2] = s2 if z2 == 0 and np.isfinite(s2) and np.isfinite(c2) else _row_redo(data, p2, p3)
        out[i + 3] = s3 if z3 == 0 and np.isfinite(s3) and np.isfinite(c3) else _row_redo(data, p3, p4)
        i += 4
    row_sums_range(i, r1, data, indptr, out)
