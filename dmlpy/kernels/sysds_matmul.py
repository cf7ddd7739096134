"""A %*% B for dense operands with the additions of SystemDS 3.4's Java kernels, bit for bit.

BLAS (OpenBLAS through NumPy) blocks the common dimension its own way and fuses multiply-adds in
its own order; SystemDS's ``LibMatrixMult`` (Java, no native BLAS; its inner loops use the Java
Vector API, whose ``fma`` lanes round once) rounds differently, and a script that cancels (an
iterative solver such as lmCG) then drifts.  For products up to
dmlpy.runtime.kahan.SYSDS_MM_MAX_WORK multiply-adds dmlpy follows SystemDS's order (checked
against the reference bit for bit: tests/test_sysds_matmul.py); beyond, BLAS stays.

What SystemDS 3.4 does for A (m x cd) times B (cd x n), both held dense (under 40% non-zeros a
matrix is held sparse and other kernels run: those products stay with BLAS here), on its
reference host (AVX-512: the Java vector species holds W = 8 doubles; K = 2 threads):

Two primitives.
- ``dot(x, y)`` over a range of length L: the first L mod 8 products one at a time, each
  rounded and added to the running value; then per group of eight, the eight products
  (rounded) summed left to right, and that group sum added to the running value.  No fused
  multiply-add.
- ``madd(c, a1..ag, rows r1..rg of B)`` for g = 1..4 over a column segment of length L of one
  row of C: for the first L mod 8 columns of the segment, c + ((a1*b1 + a2*b2) + ...) with
  every product rounded (Java never contracts); for the other columns a chain of fused
  multiply-adds c = fma(a1, b1, c), then fma(a2, b2, c), ... (vector lanes).
  So a cell's rounding depends on where its column falls inside the segment.

Which kernel runs (SystemDS decides from the shapes; an all-zero operand gives zeros):
- m = n = 1: ``dot`` over cd.
- cd = 1: one product per cell (exact, any order; left to BLAS).
- n = 1, cd <= 2048: each row a ``dot`` over cd.  n = 1, cd > 2048: each row summed over
  blocks of 2048 columns, c = 0 + dot(block 1) + dot(block 2) + ...
- m = 1 (vector-matrix): over the rows k of B, first cd mod 2 rows singly (madd g=1 over all n
  columns, skipped where a_k = 0), then pairs: madd g=2 when both a_k and a_k+1 are non-zero,
  else g=1 with the non-zero one, nothing when both are zero.
- B skinny (m > n, cd > n, 1 < n < 64, 8*cd*n < 256 KiB): B is transposed first and each cell
  is a ``dot`` of a row of A and a column of B over cd.
- otherwise (matrix-matrix): the common dimension in blocks of 24 and the columns in blocks of
  1024; per row i and k-block the non-zeros of A's row in that block are gathered (zeros
  skipped), the first (count mod 4) of them go in one madd (g = count mod 4), the rest in groups
  of four, each over the column block.
Parallel execution (K = 2 threads) when 2*m*cd*n > 128 Ki flops changes the order in two cases:
- m = 1, or m <= 16 with cd > m: the common dimension is split into K balanced ranges (the
  larger first); each thread computes its range into a zeroed buffer with the kernel above
  (for 1 < m <= 16, n > 1: first (range mod 4) rows of B singly with madd g=1 over all n columns
  where a is non-zero, then blocks of 48 rows of B and 1024 columns, four rows at a time without
  skipping zeros), and the buffers are added to the result in order: C = (0 + P1) + P2.
- n > 2048, m < 64, 8*m*cd < 256 KiB: the columns are split into K balanced ranges, so the
  column blocks (and the mod-8 heads of madd) start at each range's first column.
Splits over the rows of A (all other parallel cases) leave every cell's order unchanged.

What SystemDS does before (its compiler's rewrites; dmlpy's plan and planops do the same):
- t(X) %*% Y becomes t(t(Y) %*% X) when rows(X)*cols(X) > rows(X)*cols(Y) + cols(X)*cols(Y)
  (a narrow Y: then a vector-matrix product), else t(X) is materialised; A %*% t(B) materialises
  t(B).  (-A) %*% B becomes -(A %*% B) (same value; the patterns then see A %*% B).
- t(X) %*% (X %*% v) and t(X) %*% (w * (X %*% v)) with v a column vector run as one kernel
  (mmchain, ``chain`` below); sum(v^2) and sum(v1 * v2) of column vectors become t(v) %*% v
  (the self product: one ``dot``, never split) and t(v1) %*% v2 (a ``dot``, split in two when
  2*len > 128 Ki), ``vector_dot`` below.
"""
from __future__ import annotations

import numpy as np
from numba import njit, types
from numba.extending import intrinsic

THREADS = 2                # the reference's parallelism (as dmlpy.runtime.kahan.SYSDS_THREADS)
PAR_MIN_FLOPS = 128 * 1024
MV_BLOCK = 2048


@intrinsic
def _fma(typingctx, a, b, c):
    """a*b + c rounded once (LLVM's llvm.fma: the hardware instruction or libm's fma)."""
    sig = types.float64(types.float64, types.float64, types.float64)

    def codegen(context, builder, signature, args):
        return builder.fma(*args)
    return sig, codegen


# ------------------------------------------------------------------ primitives
@njit(cache=True)
def _dot(x, xo, y, yo, ln):
    val = 0.0
    bn = ln % 8
    for t in range(bn):
        val += x[xo + t] * y[yo + t]
    for t in range(bn, ln, 8):
        g = x[xo + t] * y[yo + t]
        for q in range(t + 1, t + 8):
            g += x[xo + q] * y[yo + q]
        val += g
    return val


@njit(cache=True)
def _dot4(x, y0, y1, y2, y3, ln, out, i, j):
    """out[i, j:j+4] = dot(x, y_t) over [0, ln) for four vectors at once (independent chains)."""
    bn = ln % 8
    v0 = v1 = v2 = v3 = 0.0
    for t in range(bn):
        xt = x[t]
        v0 += xt * y0[t]
        v1 += xt * y1[t]
        v2 += xt * y2[t]
        v3 += xt * y3[t]
    for t in range(bn, ln, 8):
        xt = x[t]
        g0 = xt * y0[t]
        g1 = xt * y1[t]
        g2 = xt * y2[t]
        g3 = xt * y3[t]
        for q in range(t + 1, t + 8):
            xq = x[q]
            g0 += xq * y0[q]
            g1 += xq * y1[q]
            g2 += xq * y2[q]
            g3 += xq * y3[q]
        v0 += g0
        v1 += g1
        v2 += g2
        v3 += g3
    out[i, j] = v0
    out[i, j + 1] = v1
    out[i, j + 2] = v2
    out[i, j + 3] = v3


@njit(cache=True)
def _madd(c, ci, b, ks, av, g, c0, ln):
    """c[ci, c0:c0+ln] += sum_t av[t] * b[ks[t], c0:c0+ln] for t < g, in SystemDS's order."""
    bn = ln % 8
    for j in range(c0, c0 + bn):
        s = av[0] * b[ks[0], j]
        for t in range(1, g):
            s += av[t] * b[ks[t], j]
        c[ci, j] += s
    cr = c[ci]
    if g == 4:                  # the common case in one pass (independent cells: vectorised)
        x0, x1, x2, x3 = av[0], av[1], av[2], av[3]
        b0, b1, b2, b3 = b[ks[0]], b[ks[1]], b[ks[2]], b[ks[3]]
        for j in range(c0 + bn, c0 + ln):
            cr[j] = _fma(x3, b3[j], _fma(x2, b2[j], _fma(x1, b1[j], _fma(x0, b0[j], cr[j]))))
        return
    for t in range(g):          # per cell the same chain; rows of b outside: contiguous loops
        x = av[t]
        br = b[ks[t]]
        for j in range(c0 + bn, c0 + ln):
            cr[j] = _fma(x, br[j], cr[j])


# ------------------------------------------------------------------ kernels
@njit(cache=True)
def _mv(a, v, lo, hi):
    """Rows of a times v over the common range [lo, hi): per row, blocks of MV_BLOCK summed."""
    m = a.shape[0]
    out = np.zeros((m, 1))
    for i in range(m):
        s = 0.0
        for bk in range(lo, hi, MV_BLOCK):
            s += _dot(a[i], bk, v, bk, min(bk + MV_BLOCK, hi) - bk)
        out[i, 0] = s
    return out


@njit(cache=True)
def _mv_short(a, v):
    m, cd = a.shape
    out = np.empty((m, 1))
    tmp = np.empty((1, 4))
    m4 = m - m % 4
    for i in range(0, m4, 4):      # four rows at once: the same dot per row, chains interleaved
        _dot4(v, a[i], a[i + 1], a[i + 2], a[i + 3], cd, tmp, 0, 0)
        for t in range(4):
            out[i + t, 0] = tmp[0, t]
    for i in range(m4, m):
        out[i, 0] = _dot(a[i], 0, v, 0, cd)
    return out


@njit(cache=True)
def _skinny(a, bt):
    m, cd = a.shape
    n = bt.shape[0]
    out = np.empty((m, n))
    n4 = n - n % 4
    for i in range(m):
        x = a[i]
        for j in range(0, n4, 4):
            _dot4(x, bt[j], bt[j + 1], bt[j + 2], bt[j + 3], cd, out, i, j)
        for j in range(n4, n):
            out[i, j] = _dot(x, 0, bt[j], 0, cd)
    return out


@njit(cache=True)
def _vm(a, b, lo, hi):
    """Row vector a times b over the rows [lo, hi) of b."""
    n = b.shape[1]
    out = np.zeros((1, n))
    ks = np.zeros(4, np.int64)
    av = np.zeros(4)
    kn = lo + (hi - lo) % 2
    for k in range(lo, kn):
        if a[0, k] != 0:
            ks[0] = k
            av[0] = a[0, k]
            _madd(out, 0, b, ks, av, 1, 0, n)
    for k in range(kn, hi, 2):
        x0 = a[0, k]
        x1 = a[0, k + 1]
        if x0 != 0 and x1 != 0:
            ks[0] = k
            ks[1] = k + 1
            av[0] = x0
            av[1] = x1
            _madd(out, 0, b, ks, av, 2, 0, n)
        elif x0 != 0:
            ks[0] = k
            av[0] = x0
            _madd(out, 0, b, ks, av, 1, 0, n)
        elif x1 != 0:
            ks[0] = k + 1
            av[0] = x1
            _madd(out, 0, b, ks, av, 1, 0, n)
    return out


@njit(cache=True)
def _short_lhs(a, b, lo, hi):
    """A with few rows times B over the rows [lo, hi) of B (one thread's share)."""
    m = a.shape[0]
    n = b.shape[1]
    out = np.zeros((m, n))
    ks = np.zeros(4, np.int64)
    av = np.zeros(4)
    kn = (hi - lo) % 4
    for i in range(m):
        for k in range(lo, lo + kn):
            if a[i, k] != 0:
                ks[0] = k
                av[0] = a[i, k]
                _madd(out, i, b, ks, av, 1, 0, n)
    for bk in range(lo + kn, hi, 48):
        bkmin = min(hi, bk + 48)
        for bj in range(0, n, 1024):
            bjlen = min(n, bj + 1024) - bj
            for i in range(m):
                for k in range(bk, bkmin, 4):
                    for t in range(4):
                        ks[t] = k + t
                        av[t] = a[i, k + t]
                    _madd(out, i, b, ks, av, 4, bj, bjlen)
    return out


@njit(cache=True)
def _mm(a, b, out, cl, cu):
    """The general kernel into out for the columns [cl, cu)."""
    m, cd = a.shape
    ks = np.zeros(24, np.int64)
    av = np.zeros(24)
    kq = np.zeros(4, np.int64)
    aq = np.zeros(4)
    for i in range(m):
        for bk in range(0, cd, 24):
            bkmin = min(cd, bk + 24)
            knnz = 0
            for k in range(bk, bkmin):
                if a[i, k] != 0:
                    ks[knnz] = k
                    av[knnz] = a[i, k]
                    knnz += 1
            if knnz == 0:
                continue
            bn = knnz % 4
            for bj in range(cl, cu, 1024):
                bjlen = min(cu, bj + 1024) - bj
                if bn > 0:
                    for t in range(bn):
                        kq[t] = ks[t]
                        aq[t] = av[t]
                    _madd(out, i, b, kq, aq, bn, bj, bjlen)
                for q in range(bn, knnz, 4):
                    for t in range(4):
                        kq[t] = ks[q + t]
                        aq[t] = av[q + t]
                    _madd(out, i, b, kq, aq, 4, bj, bjlen)


@njit(cache=True)
def _chain(x, v, w, weighted, lo, hi):
    """t(X) %*% (X %*% v) (or with w * (X %*% v)) over the rows [lo, hi) of X, as a row."""
    cd = x.shape[1]
    out = np.zeros((1, cd))
    ks = np.zeros(4, np.int64)
    av = np.zeros(4)
    tmp = np.zeros(24)
    bn = (hi - lo) % 24
    for i in range(lo, lo + bn):
        val = _dot(x[i], 0, v, 0, cd)
        if weighted:
            val *= w[i]
        ks[0] = i
        av[0] = val
        _madd(out, 0, x, ks, av, 1, 0, cd)
    for bi in range(lo + bn, hi, 24):
        tmp[:] = 0.0
        for bj in range(0, cd, 1024):
            ln = min(cd - bj, 1024)
            for i in range(24):
                tmp[i] += _dot(x[bi + i], bj, v, bj, ln)
        if weighted:
            for i in range(24):
                tmp[i] *= w[bi + i]
        for bj in range(0, cd, 1024):
            ln = min(cd - bj, 1024)
            for i in range(0, 24, 4):
                for t in range(4):
                    ks[t] = bi + i + t
                    av[t] = tmp[i + t]
                _madd(out, 0, x, ks, av, 4, bj, ln)
    return out


# ------------------------------------------------------------------ dispatch
def _split(n: int) -> list:
    """SystemDS's balanced ranges of [0, n) over THREADS parts (the larger first, none empty)."""
    base, rest = divmod(n, THREADS)
    out, lo = [], 0
    for i in range(THREADS):
        ln = base + (i < rest)
        if ln > 0:
            out.append((lo, lo + ln))
            lo += ln
    return out


def _by_parts(f, a, b, cd):
    out = np.zeros((a.shape[0], b.shape[1] if b.ndim == 2 else 1))
    for lo, hi in _split(cd):
        out += f(a, b, lo, hi)
    return out


def matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a @ b (float64, both held dense by SystemDS, dimensions checked) in SystemDS's order."""
    m, cd = a.shape
    n = b.shape[1]
    a = np.ascontiguousarray(a)
    b = np.ascontiguousarray(b)
    if not a.any() or not b.any():
        return np.zeros((m, n))
    par = 2 * m * cd * n > PAR_MIN_FLOPS
    pm2r = par and (m == 1 or (m <= 16 and cd > m))
    if n == 1:
        v = b[:, 0]
        if m == 1:
            if not par:
                return np.array([[_dot(a[0], 0, v, 0, cd)]])
            s = 0.0
            for lo, hi in _split(cd):
                s += _dot(a[0], lo, v, lo, hi - lo)
            return np.array([[s]])
        if cd <= MV_BLOCK:
            return _mv_short(a, v)
        if pm2r:
            return _by_parts(_mv, a, v, cd)
        return _mv(a, v, 0, cd)
    if m == 1:
        return _by_parts(_vm, a, b, cd) if par else _vm(a, b, 0, cd)
    if m > n and cd > n and n < 64 and 8 * cd * n < 256 * 1024:
        return _skinny(a, np.ascontiguousarray(b.T))
    if pm2r:
        return _by_parts(_short_lhs, a, b, cd)
    out = np.zeros((m, n))
    if par and n > THREADS * 1024 and m < THREADS * 32 and 8 * m * cd < 256 * 1024:
        for cl, cu in _split(n):
            _mm(a, b, out, cl, cu)
    else:
        _mm(a, b, out, 0, n)
    return out


def chain(x: np.ndarray, v: np.ndarray, w) -> np.ndarray:
    """t(X) %*% (X %*% v), or t(X) %*% (w * (X %*% v)) with w given, as SystemDS's fused kernel
    (mmchain) computes it: float64, X held dense, v (and w) column vectors that fit.
    Per block of rows of X (the first (rows mod 24) one at a time, then blocks of 24): each
    row's dot product with v (in column blocks of 1024 for the blocks), times w, then added to
    the result row as madd over the row of X (g = 1 for the single rows, four rows at a time over
    column blocks of 1024 for the blocks).  In parallel (4*rows*cols > 128 Ki, K = 2) the rows
    are split in two balanced ranges and the partial rows added: (0 + P1) + P2."""
    n, cd = x.shape
    x = np.ascontiguousarray(x)
    vv = np.ascontiguousarray(v[:, 0])
    weighted = w is not None
    ww = np.ascontiguousarray(w[:, 0]) if weighted else vv
    if not x.any() or not vv.any() or (weighted and not ww.any()):
        return np.zeros((cd, 1))
    if 4 * n * cd > PAR_MIN_FLOPS:
        out = np.zeros((1, cd))
        for lo, hi in _split(n):
            out += _chain(x, vv, ww, weighted, lo, hi)
    else:
        out = _chain(x, vv, ww, weighted, 0, n)
    return out.reshape(cd, 1)


def vector_dot(x: np.ndarray, y: np.ndarray, split: bool) -> float:
    """sum(x * y) of two double column vectors as SystemDS computes it after rewriting it to
    t(x) %*% y (and sum(x^2) to the self product t(x) %*% x): one ``dot``, or with split (a
    product, not the self product) and 2*len > 128 Ki, two halves added as (0 + P1) + P2.
    An all-zero operand gives 0 (SystemDS's empty product)."""
    xv = np.ascontiguousarray(x[:, 0])
    yv = xv if y is x else np.ascontiguousarray(y[:, 0])
    if not xv.any() or not yv.any():
        return 0.0
    n = xv.shape[0]
    if split and 2 * n > PAR_MIN_FLOPS:
        s = 0.0
        for lo, hi in _split(n):
            s += _dot(xv, lo, yv, lo, hi - lo)
        return float(s)
    return float(_dot(xv, 0, yv, 0, n))
