"""SystemDS's compensated sums and running means over row parts, fast and bit for bit.

SystemDS adds the cells of each part of a matrix (a range of rows, row-major) with its Kahan step,
one part after the other, then joins the parts in order (dmlpy.runtime.kahan decides the parts).
Each part is a chain of dependent additions: run one at a time, the CPU waits on every step. Here
four parts advance together, one cell of each per round, so their chains overlap in the pipeline;
groups of four are split over the thread pool. Every part still adds its own cells in its own
order, so the results are those of the part-by-part loops, to the bit.

Kahan step (KahanPlus): an infinite sum or term replaces the sum and drops the correction;
otherwise cor = v + c, t = s + cor, c = cor - (t - s), s = t. A matrix SystemDS holds sparse skips
its zero cells (and, for means, counts them first).
"""
import numpy as np
from numba import njit

from .pool import parallel


@njit(nogil=True, cache=True, inline="always")
def _step(s, c, v):
    cor = v + c
    t = s + cor
    nc = cor - (t - s)
    inf_v = np.isinf(v)
    if np.isinf(s) or inf_v:
        return (v if inf_v else s), 0.0
    return t, nc


@njit(nogil=True, cache=True, inline="always")
def _fast(s, c, v):
    """The Kahan step without its infinity test: the same result whenever s, c and v stay
    finite; once anything is infinite or NaN the sum stays NaN (then the part is redone)."""
    cor = v + c
    t = s + cor
    return t, cor - (t - s)


@njit(nogil=True, cache=True, inline="always")
def lanes4(a0, a1, a2, a3, n, st, square, mean):
    """Advance four parts at once over n cells each (a0[:n] .. a3[:n]) with the fast step:
    st[0..3, lane] hold sum (or mean), correction, count and non-zero count. The four chains
    are independent, so their additions overlap in the pipeline (2.7x one part at a time)."""
    s0, s1, s2, s3 = st[0, 0], st[0, 1], st[0, 2], st[0, 3]
    c0, c1, c2, c3 = st[1, 0], st[1, 1], st[1, 2], st[1, 3]
    n0, n1, n2, n3 = st[2, 0], st[2, 1], st[2, 2], st[2, 3]
    z0, z1, z2, z3 = st[3, 0], st[3, 1], st[3, 2], st[3, 3]
    for i in range(n):
        v0 = np.float64(a0[i])
        v1 = np.float64(a1[i])
        v2 = np.float64(a2[i])
        v3 = np.float64(a3[i])
        z0 += v0 != 0.0
        z1 += v1 != 0.0
        z2 += v2 != 0.0
        z3 += v3 != 0.0
        if square:
            v0 *= v0
            v1 *= v1
            v2 *= v2
            v3 *= v3
        if mean:
            n0 += 1.0
            n1 += 1.0
            n2 += 1.0
            n3 += 1.0
            v0 = (v0 - s0) / n0
            v1 = (v1 - s1) / n1
            v2 = (v2 - s2) / n2
            v3 = (v3 - s3) / n3
        s0, c0 = _fast(s0, c0, v0)
        s1, c1 = _fast(s1, c1, v1)
        s2, c2 = _fast(s2, c2, v2)
        s3, c3 = _fast(s3, c3, v3)
    st[0, 0], st[0, 1], st[0, 2], st[0, 3] = s0, s1, s2, s3
    st[1, 0], st[1, 1], st[1, 2], st[1, 3] = c0, c1, c2, c3
    st[2, 0], st[2, 1], st[2, 2], st[2, 3] = n0, n1, n2, n3
    st[3, 0], st[3, 1], st[3, 2], st[3, 3] = z0, z1, z2, z3


@njit(nogil=True, cache=True, inline="always")
def careful(a, lo, hi, sparse, square, mean, s, c, cnt, nz):
    """Cells a[lo:hi] of one part with the full Kahan step (infinities), zeros skipped when
    sparse; returns the new (s, c, cnt, nz)."""
    for i in range(lo, hi):
        v = np.float64(a[i])
        if v == 0.0:
            if sparse:
                continue
        else:
            nz += 1.0
        if square:
            v = v * v
        if mean:
            cnt += 1.0
            v = (v - s) / cnt
        s, c = _step(s, c, v)
    return s, c, cnt, nz


@njit(nogil=True, cache=True)
def _parts_kernel(p0, p1, flat, starts, lens, sparse, square, mean, S, C, N, NZ):
    """Parts p0..p1-1 (cells starts[p] .. starts[p]+lens[p]-1 of flat) into S, C, N (counts,
    for means) and NZ (non-zero cells). Dense parts go four at a time through lanes4 over
    their common length, then the careful step over the tails (parts differ by a row at most);
    a part whose fast sum ended infinite or NaN is redone with the careful step from its start.
    A sparse matrix's mean counts its zeros first."""
    st = np.zeros((4, 4))
    for g in range(p0, p1, 4):
        m = min(4, p1 - g)
        if not sparse:
            common = lens[g]
            for q in range(m):
                common = min(common, lens[g + q])
            st[:] = 0.0
            lanes4(flat[starts[g]:], flat[starts[g + min(1, m - 1)]:],
                   flat[starts[g + min(2, m - 1)]:], flat[starts[g + min(3, m - 1)]:],
                   common, st, square, mean)
        for q in range(m):
            p = g + q
            a = flat[starts[p]:starts[p] + lens[p]]
            if sparse:
                cnt = 0.0
                if mean:
                    for i in range(lens[p]):
                        if a[i] == 0.0:
                            cnt += 1.0
                s, c, cnt, nz = careful(a, 0, lens[p], True, square, mean, 0.0, 0.0, cnt, 0.0)
            elif np.isfinite(st[0, q]) and np.isfinite(st[1, q]):
                s, c, cnt, nz = careful(a, common, lens[p], False, square, mean,
                                        st[0, q], st[1, q], st[2, q], st[3, q])
            else:
                s, c, cnt, nz = careful(a, 0, lens[p], False, square, mean, 0.0, 0.0, 0.0, 0.0)
            S[p], C[p], N[p], NZ[p] = s, c, cnt, nz


MIN_PARALLEL = 1 << 16


def _run(x, parts, sparse, square, mean):
    flat = np.ascontiguousarray(x).ravel()
    if flat.dtype != np.float32:
        flat = flat.astype(np.float64, copy=False)
    m = x.shape[1]
    starts = np.array([lo * m for lo, _ in parts], dtype=np.int64)
    lens = np.array([(hi - lo) * m for lo, hi in parts], dtype=np.int64)
    P = len(parts)
    S, C, N, NZ = np.zeros(P), np.zeros(P), np.zeros(P), np.zeros(P)
    # whole groups of four parts per thread
    groups = (P + 3) // 4
    parallel(_group_range, groups, x.size // max(groups, 1), P, flat, starts, lens, sparse,
             square, mean, S, C, N, NZ, min_work=MIN_PARALLEL)
    return S, C, N, NZ


@njit(nogil=True, cache=True)
def _group_range(g0, g1, P, flat, starts, lens, sparse, square, mean, S, C, N, NZ):
    _parts_kernel(4 * g0, min(P, 4 * g1), flat, starts, lens, sparse, square, mean, S, C, N, NZ)


def part_sums(x, parts, sparse, square=False):
    """([(sum, correction)] of each part (row ranges) of x in order, non-zero cells of x)."""
    S, C, _, NZ = _run(x, parts, sparse, square, False)
    return list(zip(S.tolist(), C.tolist())), int(NZ.sum())


def part_means(x, parts, sparse):
    """([(mean, correction, count)] of each part of x in order, non-zero cells of x; with sparse,
    the count of non-zeros is not taken (0))."""
    S, C, N, NZ = _run(x, parts, sparse, False, True)
    return list(zip(S.tolist(), C.tolist(), N.tolist())), int(NZ.sum())
