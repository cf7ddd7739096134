"""SystemDS's compensated sums and running means over row parts, fast and bit for bit.

SystemDS adds the cells of each part of a matrix (a range of rows, row-major) with its Kahan step,
one part after the other, then joins the parts in order (dmlpy.runtime.kahan decides the parts).
Each part is a chain of dependent additions: run one at a time, the CPU waits on every step. Here
the parts advance together, one cell of each per round, so their chains overlap in the pipeline;
the parts are split over the thread pool. Every part still adds its own cells in its own order,
so the results are those of the part-by-part loops, to the bit.

Kahan step (KahanPlus): an infinite sum or term replaces the sum and drops the correction;
otherwise cor = v + c, t = s + cor, c = cor - (t - s), s = t. A matrix SystemDS holds sparse skips
its zero cells (and, for means, counts them first).
"""
import numpy as np
from numba import njit

from .pool import NTHREADS, executor, first_call


@njit(nogil=True, cache=True, inline="always")
def _step(s, c, v):
    cor = v + c
    t = s + cor
    nc = cor - (t - s)
    inf_v = np.isinf(v)
    if np.isinf(s) or inf_v:
        return (v if inf_v else s), 0.0
    return t, nc


@njit(nogil=True, cache=True)
def _sums(flat, starts, lens, sparse, square, S, C, NZ, p0, p1):
    """Kahan sums of parts p0..p1-1 (cells starts[p] .. starts[p]+lens[p]-1 of flat), into S, C,
    and the parts' non-zero cells into NZ; square: add each cell's square (SystemDS's sum of
    squares)."""
    k = p1 - p0
    nz = np.zeros(k)
    longest = 0
    for p in range(p0, p1):
        longest = max(longest, lens[p])
    s = S[p0:p1].copy()
    c = C[p0:p1].copy()
    for i in range(longest):
        for q in range(k):
            if i >= lens[p0 + q]:       # parts differ by a row at most
                continue
            v = flat[starts[p0 + q] + i]
            if v == 0.0:
                if sparse:
                    continue
            else:
                nz[q] += 1.0
            if square:
                v = v * v
            s[q], c[q] = _step(s[q], c[q], v)
    S[p0:p1] = s
    C[p0:p1] = c
    NZ[p0:p1] = nz


@njit(nogil=True, cache=True)
def _means(flat, starts, lens, sparse, S, C, N, NZ, p0, p1):
    """Running means of parts p0..p1-1: each counted cell adds (v - mean) / count with the
    Kahan step; a sparse matrix counts its zeros first and visits the rest. NZ: the parts'
    non-zero cells."""
    k = p1 - p0
    nz = np.zeros(k)
    s = S[p0:p1].copy()
    c = C[p0:p1].copy()
    cnt = N[p0:p1].copy()
    if sparse:
        for q in range(k):
            for i in range(lens[p0 + q]):
                if flat[starts[p0 + q] + i] == 0.0:
                    cnt[q] += 1.0
    longest = 0
    for p in range(p0, p1):
        longest = max(longest, lens[p])
    for i in range(longest):
        for q in range(k):
            if i >= lens[p0 + q]:
                continue
            v = flat[starts[p0 + q] + i]
            if v == 0.0:
                if sparse:
                    continue
            else:
                nz[q] += 1.0
            cnt[q] += 1.0
            s[q], c[q] = _step(s[q], c[q], (v - s[q]) / cnt[q])
    S[p0:p1] = s
    C[p0:p1] = c
    N[p0:p1] = cnt
    NZ[p0:p1] = nz


MIN_PARALLEL = 1 << 16


def _run(kernel, x, parts, *extra_out, **kw):
    flat = np.ascontiguousarray(x, dtype=np.float64).ravel()
    m = x.shape[1]
    starts = np.array([lo * m for lo, _ in parts], dtype=np.int64)
    lens = np.array([(hi - lo) * m for lo, hi in parts], dtype=np.int64)
    P = len(parts)
    S, C = np.zeros(P), np.zeros(P)
    outs = (S, C) + tuple(np.zeros(P) for _ in extra_out)
    args = kw.get("args", ())
    k = min(NTHREADS, P, max(1, x.size // MIN_PARALLEL))
    bounds = [P * i // k for i in range(k + 1)]
    if k > 1 and first_call(kernel, (flat,)):
        kernel(flat, starts, lens, *args, *outs, 0, P)
    elif k > 1:
        ex = executor()
        futs = [ex.submit(kernel, flat, starts, lens, *args, *outs, bounds[i], bounds[i + 1])
                for i in range(1, k)]
        kernel(flat, starts, lens, *args, *outs, bounds[0], bounds[1])
        for f in futs:
            f.result()
    else:
        kernel(flat, starts, lens, *args, *outs, 0, P)
    return outs


def part_sums(x, parts, sparse, square=False):
    """([(sum, correction)] of each part (row ranges) of x in order, non-zero cells of x)."""
    S, C, NZ = _run(_sums, x, parts, None, args=(sparse, square))
    return list(zip(S.tolist(), C.tolist())), int(NZ.sum())


def part_means(x, parts, sparse):
    """([(mean, correction, count)] of each part of x in order, non-zero cells of x; with sparse,
    the count of non-zeros is not taken (0))."""
    S, C, N, NZ = _run(_means, x, parts, None, None, args=(sparse,))
    return list(zip(S.tolist(), C.tolist(), N.tolist())), int(NZ.sum())
