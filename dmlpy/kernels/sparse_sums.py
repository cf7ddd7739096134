"""Fast kernels for sum(X), sum(X^2), colSums(X) and rowSums(X) of a CSR matrix (dmlpy.sparse.aggs),
behind one compiled entry, `sums`: a process pays once, at its first sparse sum of any kind, for
loading it from Numba's on-disk cache (some 4 to 6 ms per entry, whatever its size), and the
module is small to import (the functions it calls are compiled into it, not cached on their own).

Both follow SystemDS's order bit for bit, as dmlpy.kernels.sparse_kahan does:

- sum and sum of squares: a row part's non-zeros are one contiguous run of the CSR data. Eight
  parts advance together (one value of each per round), so eight chains of dependent Kahan
  additions overlap in the pipeline (a chain is about twelve cycles per value; four chains left
  the CPU waiting half the time). Each part adds its own values in its own order, with the step
  without its infinity test; a part that ends infinite or NaN is redone with the full step. Values
  equal to zero are counted (the caller redoes a sum on a matrix that stores any without them:
  SystemDS does not visit stored zeros, and adding 0 is not a no-op in a Kahan step).
- colSums: a row part's values scattered into its columns' (sum, correction) pairs in one flat
  loop over the part's non-zeros (row order is storage order, so each column still adds its
  values row by row), without a test per value; zeros are counted, and a part that holds any is
  redone by sparse_kahan's row loop (which skips them) by the caller. Columns that end infinite
  or NaN are redone with the full step.
- rowSums: eight lanes walk eight blocks of rows (`_row_sums8`).
"""
import numpy as np
from numba import njit

from .kahan_parts import _fast, _step, careful


@njit(nogil=True, inline="always")
def _tail(a, lo, hi, square, s, c, z):
    """One part's values a[lo:hi] with the fast step; returns (s, c, zeros seen)."""
    for i in range(lo, hi):
        v = np.float64(a[i])
        z += v == 0.0
        if square:
            v = v * v
        s, c = _fast(s, c, v)
    return s, c, z


@njit(nogil=True, inline="always")
def _groups8(g0, g1, P, data, starts, lens, square, S, C, Z):
    """Groups g0..g1-1 of eight parts (parts 8*g .. 8*g+7 below P; part p is
    data[starts[p]:starts[p]+lens[p]]) into S, C (sum, correction); Z[g]: 0 when group g holds
    no value equal to 0, else a positive count (a repeated lane's zeros count again). Inlined
    with square a constant, so that the loop has no test of it."""
    for g in range(8 * g0, min(P, 8 * g1), 8):
        m = min(8, P - g)
        q1, q2, q3 = g + min(1, m - 1), g + min(2, m - 1), g + min(3, m - 1)
        q4, q5, q6, q7 = g + min(4, m - 1), g + min(5, m - 1), g + min(6, m - 1), g + min(7, m - 1)
        common = lens[g]
        for q in range(g + 1, g + m):
            common = min(common, lens[q])
        a0, a1, a2, a3 = data[starts[g]:], data[starts[q1]:], data[starts[q2]:], data[starts[q3]:]
        a4, a5, a6, a7 = data[starts[q4]:], data[starts[q5]:], data[starts[q6]:], data[starts[q7]:]
        s0 = s1 = s2 = s3 = s4 = s5 = s6 = s7 = 0.0
        c0 = c1 = c2 = c3 = c4 = c5 = c6 = c7 = 0.0
        z = 0
        for i in range(common):
            v0, v1 = np.float64(a0[i]), np.float64(a1[i])
            v2, v3 = np.float64(a2[i]), np.float64(a3[i])
            v4, v5 = np.float64(a4[i]), np.float64(a5[i])
            v6, v7 = np.float64(a6[i]), np.float64(a7[i])
            z += ((v0 == 0.0) + (v1 == 0.0) + (v2 == 0.0) + (v3 == 0.0)
                  + (v4 == 0.0) + (v5 == 0.0) + (v6 == 0.0) + (v7 == 0.0))
            if square:
                v0, v1, v2, v3 = v0 * v0, v1 * v1, v2 * v2, v3 * v3
                v4, v5, v6, v7 = v4 * v4, v5 * v5, v6 * v6, v7 * v7
            s0, c0 = _fast(s0, c0, v0)
            s1, c1 = _fast(s1, c1, v1)
            s2, c2 = _fast(s2, c2, v2)
            s3, c3 = _fast(s3, c3, v3)
            s4, c4 = _fast(s4, c4, v4)
            s5, c5 = _fast(s5, c5, v5)
            s6, c6 = _fast(s6, c6, v6)
            s7, c7 = _fast(s7, c7, v7)
        ss = (s0, s1, s2, s3, s4, s5, s6, s7)
        cc = (c0, c1, c2, c3, c4, c5, c6, c7)
        for q in range(m):              # lanes past m repeat the last part: not stored
            p = g + q
            a = data[starts[p]:starts[p] + lens[p]]
            s, c, z = _tail(a, common, lens[p], square, ss[q], cc[q], z)
            if not (np.isfinite(s) and np.isfinite(c)):
                s, c, _, _ = careful(a, 0, lens[p], False, square, False, 0.0, 0.0, 0.0, 0.0)
            S[p], C[p] = s, c
        Z[g // 8] = z


@njit(nogil=True)
def _col_sums(p0, p1, data, indices, indptr, lo, hi, SC, Z):
    """Column sums of row parts p0..p1-1 (rows lo[p]..hi[p]-1) into SC[p] (sum of column j at
    2j, correction at 2j+1); Z[p]: values equal to 0 seen (the caller redoes such a part).
    SC comes from np.empty and each part is zeroed here first, in order: a fresh page first
    touched by the scattered read-then-write below faults twice, and the two threads' faults
    contend (8 to 10 ms of a 15 ms colSums of 10M values, against 1 ms for this fill). Indexes
    are unsigned: Numba tests a signed index for wrap-around at every access (1.5x slower).
    (Cutting the columns into blocks that stay in the core's cache, each task searching its
    rows' first column, measured slower: rows hold ~50 values here.)"""
    one = np.uintp(1)
    for p in range(p0, p1):
        sc = SC[p]
        sc[:] = 0.0
        z = 0
        k = np.uintp(indptr[lo[p]])
        end = np.uintp(indptr[hi[p]])
        while k < end:
            v = np.float64(data[k])
            z += v == 0.0
            j = np.uintp(2) * np.uintp(indices[k])
            s = sc[j]
            cor = v + sc[j + one]
            t = s + cor
            sc[j + one] = cor - (t - s)
            sc[j] = t
            k += one
        Z[p] = z
        if z == 0:
            _redo_nonfinite(data, indices, indptr, lo[p], hi[p], sc)


@njit(nogil=True)
def _redo_nonfinite(data, indices, indptr, lo, hi, sc):
    """Columns whose fast sum ended infinite or NaN, summed again with the full step."""
    m = len(sc) // 2
    nbad = 0
    for j in range(m):
        if not (np.isfinite(sc[2 * j]) and np.isfinite(sc[2 * j + 1])):
            nbad += 1
    if nbad == 0:
        return
    bad = np.zeros(m, np.bool_)
    for j in range(m):
        if not (np.isfinite(sc[2 * j]) and np.isfinite(sc[2 * j + 1])):
            bad[j] = True
            sc[2 * j] = 0.0
            sc[2 * j + 1] = 0.0
    for k in range(indptr[lo], indptr[hi]):
        j = np.intp(indices[k])
        v = np.float64(data[k])
        if bad[j]:
            sc[2 * j], sc[2 * j + 1] = _step(sc[2 * j], sc[2 * j + 1], v)


@njit(nogil=True)
def _join_cols(j0, j1, SC, out):
    """Columns j0..j1-1: the row parts' (sum, correction) pairs SC[p, 2j], SC[p, 2j + 1] joined
    in part order with SystemDS's Kahan step (runtime.kahan._kadd: an infinite sum or term
    replaces the sum and drops the correction) into out[j]."""
    for j in range(j0, j1):
        s = SC[0, 2 * j]
        c = SC[0, 2 * j + 1]
        for p in range(1, SC.shape[0]):
            v = SC[p, 2 * j]
            if np.isinf(s) or np.isinf(v):
                s = v if np.isinf(v) else s
                c = 0.0
            else:
                cor = v + (c + SC[p, 2 * j + 1])
                t = s + cor
                c = cor - (t - s)
                s = t
        out[j] = s


# ------------------------------------------------------------------ rowSums
@njit(nogil=True)
def _row_full(data, lo, hi):
    """One row's sum with the full Kahan step, zeros skipped (sparse_kahan.row_sums_range)."""
    s = c = 0.0
    for k in range(lo, hi):
        v = np.float64(data[k])
        if v != 0.0:
            s, c = _step(s, c, v)
    return s


@njit(nogil=True, inline="always")
def _lane(data, indptr, out, cb, k, q, s, c):
    """One value of a lane that walks its rows' values in storage order: rows that end at k
    (empty ones too) are stored first (sum in out, correction in cb)."""
    while k == indptr[np.uintp(q + 1)]:      # (unsigned indexes: no wrap-around tests)
        out[np.uintp(q)] = s
        cb[np.uintp(q)] = c
        q += 1
        s = 0.0
        c = 0.0
    v = np.float64(data[np.uintp(k)])
    s, c = _fast(s, c, v)
    return k + 1, q, s, c, v == 0.0


@njit(nogil=True)
def _lane_end(data, indptr, out, cb, k, q, s, c, rb):
    """A lane's remaining values and rows up to row rb; returns the zeros seen."""
    z = 0
    while k < indptr[rb]:
        k, q, s, c, y = _lane(data, indptr, out, cb, k, q, s, c)
        z += y
    while q < rb:
        out[q] = s
        cb[q] = c
        q += 1
        s = 0.0
        c = 0.0
    return z


@njit(nogil=True)
def _row_sums8(r0, r1, data, indptr, out, cb):
    """Compensated sums of rows r0..r1-1 into out (cb: scratch of the same length). The rows
    are cut into eight blocks, and eight lanes walk one block each, value after value, moving
    to the next row where one ends: eight chains of additions always in flight, whatever the
    rows' lengths (four rows advancing over their common length left the rows' ends to one
    chain alone). Each row adds its own values in order with the step without its infinity
    test; a row whose sum or correction ends infinite or NaN is redone with the full step, and
    all rows are when a value equal to 0 was seen (SystemDS skips stored zeros)."""
    n = r1 - r0
    if n < 64:
        for i in range(r0, r1):
            out[i] = _row_full(data, indptr[i], indptr[i + 1])
        return
    b0, b1, b2, b3 = r0, r0 + n // 8, r0 + 2 * n // 8, r0 + 3 * n // 8
    b4, b5, b6, b7 = r0 + 4 * n // 8, r0 + 5 * n // 8, r0 + 6 * n // 8, r0 + 7 * n // 8
    k0, k1, k2, k3 = indptr[b0], indptr[b1], indptr[b2], indptr[b3]
    k4, k5, k6, k7 = indptr[b4], indptr[b5], indptr[b6], indptr[b7]
    q0, q1, q2, q3, q4, q5, q6, q7 = b0, b1, b2, b3, b4, b5, b6, b7
    common = min(min(min(indptr[b1] - k0, indptr[b2] - k1), min(indptr[b3] - k2, indptr[b4] - k3)),
                 min(min(indptr[b5] - k4, indptr[b6] - k5), min(indptr[b7] - k6, indptr[r1] - k7)))
    s0 = s1 = s2 = s3 = s4 = s5 = s6 = s7 = 0.0
    c0 = c1 = c2 = c3 = c4 = c5 = c6 = c7 = 0.0
    z = 0
    for _ in range(common):
        k0, q0, s0, c0, y0 = _lane(data, indptr, out, cb, k0, q0, s0, c0)
        k1, q1, s1, c1, y1 = _lane(data, indptr, out, cb, k1, q1, s1, c1)
        k2, q2, s2, c2, y2 = _lane(data, indptr, out, cb, k2, q2, s2, c2)
        k3, q3, s3, c3, y3 = _lane(data, indptr, out, cb, k3, q3, s3, c3)
        k4, q4, s4, c4, y4 = _lane(data, indptr, out, cb, k4, q4, s4, c4)
        k5, q5, s5, c5, y5 = _lane(data, indptr, out, cb, k5, q5, s5, c5)
        k6, q6, s6, c6, y6 = _lane(data, indptr, out, cb, k6, q6, s6, c6)
        k7, q7, s7, c7, y7 = _lane(data, indptr, out, cb, k7, q7, s7, c7)
        z += y0 + y1 + y2 + y3 + y4 + y5 + y6 + y7
    z += _lane_end(data, indptr, out, cb, k0, q0, s0, c0, b1)
    z += _lane_end(data, indptr, out, cb, k1, q1, s1, c1, b2)
    z += _lane_end(data, indptr, out, cb, k2, q2, s2, c2, b3)
    z += _lane_end(data, indptr, out, cb, k3, q3, s3, c3, b4)
    z += _lane_end(data, indptr, out, cb, k4, q4, s4, c4, b5)
    z += _lane_end(data, indptr, out, cb, k5, q5, s5, c5, b6)
    z += _lane_end(data, indptr, out, cb, k6, q6, s6, c6, b7)
    z += _lane_end(data, indptr, out, cb, k7, q7, s7, c7, r1)
    for i in range(r0, r1):
        if z or not (np.isfinite(out[i]) and np.isfinite(cb[i])):
            out[i] = _row_full(data, indptr[i], indptr[i + 1])


SUM, SUMSQ, COLSUMS, ROWSUMS, COLJOIN = 0, 1, 2, 3, 4


@njit(nogil=True, cache=True)
def sums(t0, t1, mode, data, indices, indptr, a, b, S, C, SC, Z):
    """Tasks t0..t1-1 of one sparse sum (the caller splits the tasks over the threads):
    SUM or SUMSQ: groups of eight row parts, part p being data[a[p]:a[p]+b[p]] (S, C, Z as in
    _groups8, P = len(S)); COLSUMS: row parts p, rows a[p]..b[p]-1 (SC, Z as in _col_sums);
    ROWSUMS: rows t0..t1-1 into S (C: scratch), as _row_sums8; COLJOIN: columns t0..t1-1 of
    the row parts' column sums SC joined into S, as _join_cols."""
    if mode == SUM:
        _sum8(t0, t1, data, a, b, S, C, Z)
    elif mode == SUMSQ:
        _sumsq8(t0, t1, data, a, b, S, C, Z)
    elif mode == COLSUMS:
        _col_sums(t0, t1, data, indices, indptr, a, b, SC, Z)
    elif mode == COLJOIN:
        _join_cols(t0, t1, SC, S)
    else:
        _row_sums8(t0, t1, data, indptr, S, C)


# each loop a function of its own (called, not inlined into `sums`: so compiled, they run as
# fast as they do alone)
@njit(nogil=True)
def _sum8(g0, g1, data, starts, lens, S, C, Z):
    _groups8(g0, g1, len(S), data, starts, lens, False, S, C, Z)


@njit(nogil=True)
def _sumsq8(g0, g1, data, starts, lens, S, C, Z):
    _groups8(g0, g1, len(S), data, starts, lens, True, S, C, Z)
