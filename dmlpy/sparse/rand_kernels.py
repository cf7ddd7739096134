"""Numba kernels of sparse rand(): SystemDS's random stream (runtime/rng.py describes it) generated
straight into CSR pieces, one band of 1000-row blocks at a time.

Each block's entries come out in row-major order within the block, and the blocks of a band are
generated left to right, so a stable counting sort of a band's entries by row gives CSR rows whose
column indices are already sorted. The draws are exactly those of kernels/rng_kernels._fill (the
dense kernel), so the values agree bit for bit; a drawn value of exactly zero is not stored.
"""
import math

import numpy as np
from numba import njit

from ..kernels.javamath import java_log
from ..kernels.rng_kernels import _block_start, _gen_next, _geom_skip, _jr_double


@njit(cache=True, inline="always")
def _grow(a, n):
    """a, or a copy of a twice as large when it holds n elements already."""
    if n < a.shape[0]:
        return a
    b = np.empty(max(16, 2 * a.shape[0]), dtype=a.dtype)
    b[:n] = a[:n]
    return b


@njit(cache=True, nogil=True)
def gen_bands(seeds, b_lo, b_hi, rows, cols, blen, pdf, mn, rg, sparsity, mean, flags, first,
              cap):
    """Bands (row blocks) b_lo..b_hi-1 of a sparse rand() matrix: (row_counts, col_indices,
    values) of its rows r0 = b_lo * blen .. in CSR order. cap: a first guess of the entries."""
    nrb = (rows + blen - 1) // blen
    ncb = (cols + blen - 1) // blen
    log1mp = java_log(1.0 - sparsity) if 0.0 < sparsity < 1.0 else 0.0
    p = math.exp(-mean)
    us = np.zeros(1, dtype=np.uint64)
    ist = np.zeros(34, dtype=np.int64)
    fst = np.zeros(2, dtype=np.float64)
    r_first = b_lo * blen
    r_end = min(rows, b_hi * blen)
    counts = np.zeros(r_end - r_first, dtype=np.int64)
    out_j = np.empty(max(16, cap), dtype=np.int32)
    out_v = np.empty(max(16, cap), dtype=np.float64)
    n_out = 0
    # one band's entries in generation order (band-local row, column, value)
    band_cap = max(16, cap // max(1, b_hi - b_lo) + 16)
    ti = np.empty(band_cap, dtype=np.int32)
    tj = np.empty(band_cap, dtype=np.int32)
    tv = np.empty(band_cap, dtype=np.float64)
    for bi in range(b_lo, b_hi):
        r0 = bi * blen
        br = min(blen, rows - r0)
        nt = 0
        for bj in range(ncb):
            k = bi * ncb + bj
            if k < first:
                continue
            c0 = bj * blen
            bc = min(blen, cols - c0)
            ns = _block_start(pdf, seeds[k], us, ist, fst, mean, p)
            if flags[1 if bi == nrb - 1 else 0, 1 if bj == ncb - 1 else 0]:
                if log1mp == 0.0:
                    continue                 # 1 - sparsity == 1: SystemDS never terminates
                total = br * bc
                idx = 0
                while idx < total:
                    ns, idx = _geom_skip(ns, idx, total, log1mp)
                    if idx == 0:
                        break
                    v = mn + rg * _gen_next(pdf, us, ist, fst, mean, p)
                    if v != 0.0:
                        ti = _grow(ti, nt)
                        tj = _grow(tj, nt)
                        tv = _grow(tv, nt)
                        ti[nt] = (idx - 1) // bc
                        tj[nt] = c0 + (idx - 1) % bc
                        tv[nt] = v
                        nt += 1
            else:
                for i in range(br):
                    for j in range(bc):
                        ns, u = _jr_double(ns)
                        if u <= sparsity:
                            v = mn + rg * _gen_next(pdf, us, ist, fst, mean, p)
                            if v != 0.0:
                                ti = _grow(ti, nt)
                                tj = _grow(tj, nt)
                                tv = _grow(tv, nt)
                                ti[nt] = i
                                tj[nt] = c0 + j
                                tv[nt] = v
                                nt += 1
        # stable counting sort of the band's entries by row, appended to the output
        base = r0 - r_first
        for t in range(nt):
            counts[base + ti[t]] += 1
        need = n_out + nt
        if need > out_j.shape[0]:
            size = max(need, 2 * out_j.shape[0])
            nj = np.empty(size, dtype=np.int32)
            nv = np.empty(size, dtype=np.float64)
            nj[:n_out] = out_j[:n_out]
            nv[:n_out] = out_v[:n_out]
            out_j = nj
            out_v = nv
        pos = np.empty(br, dtype=np.int64)
        acc = n_out
        for i in range(br):
            pos[i] = acc
            acc += counts[base + i]
        for t in range(nt):
            q = pos[ti[t]]
            out_j[q] = tj[t]
            out_v[q] = tv[t]
            pos[ti[t]] = q + 1
        n_out = need
    return counts, out_j[:n_out], out_v[:n_out]
