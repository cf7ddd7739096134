"""Numba kernels for dmlpy.runtime.kahan (SystemDS's compensated row sums and tsmm order).

The orders are described there; these loops compute the same values bit for bit (no fastmath,
so no reassociation and no fused multiply-adds) and serve the sizes where NumPy's vectorised
versions would loop too often in Python.
"""
import numpy as np
from numba import njit


@njit(cache=True)
def row_sums(x, sparse):
    # eight rows at a time, column by column: independent chains that the CPU overlaps
    n, m = x.shape
    out = np.empty((n, 1))
    s = np.zeros(8)
    c = np.zeros(8)
    for i0 in range(0, n, 8):
        h = min(8, n - i0)
        s[:] = 0.0
        c[:] = 0.0
        for j in range(m):
            for r in range(h):
                v = x[i0 + r, j]
                if sparse and v == 0.0:
                    continue
                if np.isinf(s[r]) or np.isinf(v):   # SystemDS: an infinite term or sum wins
                    if np.isinf(v):
                        s[r] = v
                    c[r] = 0.0
                    continue
                y = v - c[r]
                t = s[r] + y
                c[r] = (t - s[r]) - y
                s[r] = t
        for r in range(h):
            out[i0 + r, 0] = s[r]
    return out


@njit(cache=True)
def self_product(x, sparse):
    n, m = x.shape
    out = np.zeros((n, n))
    bn = m % 8
    for i in range(n):
        for j in range(i, n):
            val = 0.0
            if sparse:
                for k in range(m):
                    val += x[i, k] * x[j, k]
            else:
                for k in range(bn):
                    val += x[i, k] * x[j, k]
                for k in range(bn, m, 8):
                    g = x[i, k] * x[j, k]
                    for q in range(k + 1, k + 8):
                        g += x[i, q] * x[j, q]
                    val += g
            out[i, j] = val
            out[j, i] = val
    return out


@njit(cache=True)
def _kadd(s, c, v):
    # one step of SystemDS's KahanPlus (an infinite sum or term replaces the sum, no correction)
    if np.isinf(s) or np.isinf(v):
        return (v if np.isinf(v) else s), 0.0
    cor = v + c
    t = s + cor
    return t, cor - (t - s)


@njit(cache=True)
def col_sums(x, sparse, lo, hi):
    """Kahan column sums of rows lo..hi-1, top to bottom; (sums, corrections). A dense matrix
    goes row by row through all columns at once without the infinity test (the columns are
    independent chains, and the loop vectorises); a column whose sum ended infinite or NaN is
    redone with the full step (see kahan_parts.lanes4 for why that gives the same result)."""
    m = x.shape[1]
    s = np.zeros(m)
    c = np.zeros(m)
    if not sparse:
        for i in range(lo, hi):
            row = x[i]
            for j in range(m):
                cor = np.float64(row[j]) + c[j]
                t = s[j] + cor
                c[j] = cor - (t - s[j])
                s[j] = t
    for j in range(m):
        if sparse or not (np.isfinite(s[j]) and np.isfinite(c[j])):
            sj = cj = 0.0
            for i in range(lo, hi):
                v = np.float64(x[i, j])
                if sparse and v == 0.0:
                    continue
                sj, cj = _kadd(sj, cj, v)
            s[j] = sj
            c[j] = cj
    return s, c


@njit(cache=True)
def col_means(x, sparse, lo, hi):
    """Running column means of rows lo..hi-1 (SystemDS's running mean: see kahan_parts); (means, corrections, counts)."""
    m = x.shape[1]
    s = np.zeros(m)
    c = np.zeros(m)
    cnt = np.zeros(m)
    if sparse:
        for i in range(lo, hi):
            for j in range(m):
                if x[i, j] == 0.0:
                    cnt[j] += 1.0
    for i in range(lo, hi):
        for j in range(m):
            v = x[i, j]
            if sparse and v == 0.0:
                continue
            cnt[j] += 1.0
            s[j], c[j] = _kadd(s[j], c[j], (v - s[j]) / cnt[j])
    return s, c, cnt


@njit(cache=True)
def row_means(x, sparse):
    """Running row means (SystemDS's running mean: see kahan_parts), each row on its own; a column."""
    n, m = x.shape
    out = np.empty((n, 1))
    for i in range(n):
        s = 0.0
        c = 0.0
        cnt = 0.0
        if sparse:
            for j in range(m):
                if x[i, j] == 0.0:
                    cnt += 1.0
        for j in range(m):
            v = x[i, j]
            if sparse and v == 0.0:
                continue
            cnt += 1.0
            s, c = _kadd(s, c, (v - s) / cnt)
        out[i, 0] = s
    return out
