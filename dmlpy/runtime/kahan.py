"""Summation and product orders of SystemDS's CPU kernels, where a result depends on them.

SystemDS sums row aggregates with Kahan compensation (``uark+``: each row left to right) and
computes the self product ``X %*% t(X)`` (tsmm) with plain double dot products: the first
``len % 8`` terms one by one, then groups of eight products summed left to right and added to
the running value, without fused multiply-adds (eight: the JVM's preferred double vector on
the AVX-512 host the reference runs on; SystemDS's general matrix products use fused
multiply-adds in vectors of that width and are not followed here).  Pairwise sums and BLAS (which fuses) round
differently; the difference is tiny but shows where a result cancels, e.g. the zero diagonal
of a distance matrix ``sqrt(s + t(s) - 2 X t(X))``.

A matrix with under 40% non-zeros (and more than one column) is held sparse by SystemDS: its
kernels then visit the non-zeros only, so the Kahan sums skip zero terms (which would otherwise
fold the pending correction in) and the self product accumulates term by term.

Small cases are vectorised across the independent sums (the Python loop runs over the summed
dimension only), larger ones run in dmlpy.kernels.kahan_kernels; the emulated self product
gives way to BLAS beyond TSMM_MAX_WORK.
"""
from __future__ import annotations

import numpy as np

NUMPY_MAX_STEPS = 32             # vectorised NumPy loops up to this many steps, then Numba
NUMBA_MIN_CELLS = 20_000         # ... unless the matrix is too small to repay the Numba import
TSMM_MAX_WORK = 4_000_000        # emulated X %*% t(X) up to n*n*m multiply-adds, then BLAS
SYSDS_MM_MAX_WORK = 262_144      # A %*% B in SystemDS's order up to m*cd*n multiply-adds (then BLAS:
                                 # the emulated order runs 5-8x slower than BLAS)
SPARSE_TURN = 0.4                # SystemDS's sparsity turn point


def held_sparse(x: np.ndarray, nnz: int | None = None) -> bool:
    """Whether SystemDS would hold x (with nnz non-zero cells, counted when not given) sparse."""
    n, m = x.shape
    if not (m > 1 and n * m > 0):
        return False
    return sparse_by_count(n, m, np.count_nonzero(x) if nnz is None else nnz)


def sparse_by_count(n: int, m: int, nnz: int) -> bool:
    """Whether SystemDS would hold an n x m matrix with nnz non-zero cells sparse."""
    return m > 1 and n * m > 0 and nnz < SPARSE_TURN * n * m


def kahan_row_sums(x: np.ndarray) -> np.ndarray:
    """Row sums (n x 1) with Kahan compensation, each row summed left to right."""
    n, m = x.shape
    if n == 1 and m > 0:        # SystemDS rewrites rowSums of a row vector to sum
        return np.array([[kahan_sum(x)]])
    if m > NUMPY_MAX_STEPS and n * m >= NUMBA_MIN_CELLS:
        from ..kernels import kahan_kernels as K
        return K.row_sums(np.ascontiguousarray(x), held_sparse(x))
    s = np.zeros(n)
    if m == 0:
        return s.reshape(n, 1)
    c = np.zeros(n)
    sparse = held_sparse(x)
    with np.errstate(invalid="ignore", over="ignore"):
        for j in range(m):
            v = x[:, j]
            y = v - c
            t = s + y
            nc = (t - s) - y
            inf = np.isinf(s) | np.isinf(v)
            if inf.any():
                # an infinite term replaces the sum, an infinite sum stays (NaN terms included);
                # the correction is dropped
                t = np.where(inf, np.where(np.isinf(v), v, s), t)
                nc = np.where(inf, 0.0, nc)
            if sparse:
                nz = v != 0
                c = np.where(nz, nc, c)
                s = np.where(nz, t, s)
            else:
                c = nc
                s = t
    return s.reshape(n, 1)


def self_product(x: np.ndarray) -> np.ndarray:
    """x %*% t(x) with SystemDS's dense dot-product order (no fused multiply-add)."""
    n, m = x.shape
    if m > NUMPY_MAX_STEPS and n * m >= NUMBA_MIN_CELLS:
        from ..kernels import kahan_kernels as K
        return K.self_product(np.ascontiguousarray(x), held_sparse(x))
    out = np.zeros((n, n))
    if m == 0 or n == 0:
        return out
    xt = x.T
    with np.errstate(invalid="ignore", over="ignore"):
        if held_sparse(x):
            for k in range(m):
                col = xt[k]
                out += col[:, None] * col[None, :]
            return out
        bn = m % 8
        for k in range(bn):
            col = xt[k]
            out += col[:, None] * col[None, :]
        for k0 in range(bn, m, 8):
            col = xt[k0]
            grp = col[:, None] * col[None, :]
            for k in range(k0 + 1, k0 + 8):
                col = xt[k]
                grp += col[:, None] * col[None, :]
            out += grp
    return out


# ------------------------------------------------------------------ sum() and colSums()
# SystemDS sums all cells (uak+) and columns (uack+) with the same Kahan step, rows top to
# bottom (row-major for sum), zero terms skipped in a matrix held sparse.  Above PAR_MIN_NNZ
# non-zeros it splits the rows among threads and adds the partial (sum, correction) pairs in
# order: colSums into SYSDS_THREADS equal parts, sum() into SYSDS_THREADS * ceil(min(8 *
# SYSDS_THREADS, rows / 32) / SYSDS_THREADS) parts (the sizes differ by at most one row, the
# larger first).  SYSDS_THREADS is the reference's parallelism on the machine its results were
# recorded on (2 cores); the split changes the last bits only.
SYSDS_THREADS = 2
PAR_MIN_NNZ = 4096


def _kadd(s, c, v, vc=0.0):
    """SystemDS's KahanPlus step on Python floats: add v (with its own correction vc)."""
    if s in (_INF, -_INF) or v in (_INF, -_INF):
        return (v if v in (_INF, -_INF) else s), 0.0
    cor = v + (c + vc)
    t = s + cor
    return t, cor - (t - s)


_INF = float("inf")


def _balanced(n, k):
    base, rest = divmod(n, k)
    return [base + (i < rest) for i in range(k) if base + (i < rest) > 0]


def _parts(x, all_cells, nnz: int | None = None):
    return row_parts(x.shape[0], all_cells, np.count_nonzero(x) if nnz is None else nnz)


def row_parts(n: int, all_cells: bool, nnz: int) -> list:
    """SystemDS's row ranges for a matrix of n rows with nnz non-zeros: all_cells for sum() and
    mean(), otherwise for colSums() and colMeans()."""
    k = SYSDS_THREADS
    if k <= 1 or n <= k // 8 or nnz <= PAR_MIN_NNZ:
        return [(0, n)]
    if all_cells:
        nk = min(8 * k, n // 32)
        nk = -(-nk // k) * k if nk % k else nk
        sizes = _balanced(n, max(nk, 1))
    else:
        sizes = _balanced(n, k)
    out, lo = [], 0
    for sz in sizes:
        out.append((lo, lo + sz))
        lo += sz
    return out


KAHAN_NUMBA_MIN_CELLS = 4096    # sum/mean/colSums/colMeans/rowMeans: compiled from here on


def _use_numba(x):
    import sys
    cells = x.size
    return cells >= KAHAN_NUMBA_MIN_CELLS or (cells > 256 and "numba" in sys.modules)



def _all_sum_py(x, sparse, lo, hi):
    s = c = 0.0
    for v in x[lo:hi].ravel().tolist():
        if sparse and v == 0.0:
            continue
        s, c = _kadd(s, c, v)
    return s, c


def kahan_sum(x: np.ndarray, square: bool = False) -> float:
    """sum(x) as SystemDS computes it (see above); square: sum(x^2) (its uasqk+: the squares of
    the cells, zeros skipped where x is held sparse)."""
    if x.size == 0:
        return 0.0
    if _use_numba(x):
        # the parts advance together, over the threads (the same additions). A large matrix is
        # first summed as a dense one split into parts, counting its non-zeros on the way; only
        # when the count says SystemDS would have held it sparse or not split it, once more.
        from ..kernels.kahan_parts import part_sums
        parts = _parts(x, True, nnz=PAR_MIN_NNZ + 1)
        pairs, nnz = part_sums(x, parts, False, square)
        if nnz <= PAR_MIN_NNZ or held_sparse(x, nnz):
            pairs, _ = part_sums(x, _parts(x, True, nnz), held_sparse(x, nnz), square)
    else:
        sparse = held_sparse(x)
        parts = _parts(x, True)
        xs = x * x if square else x
        pairs = [_all_sum_py(xs, sparse, lo, hi) for lo, hi in parts]
    return join_sums(pairs)


def join_sums(pairs) -> float:
    """The sum of parts' (sum, correction) pairs, joined in order with the Kahan step."""
    s = c = 0.0
    for k, (ps, pc) in enumerate(pairs):
        s, c = (ps, pc) if k == 0 else _kadd(s, c, ps, pc)
    return float(s)


def _col_sums_np(x, sparse, lo, hi):
    m = x.shape[1]
    s = np.zeros(m)
    c = np.zeros(m)
    with np.errstate(invalid="ignore", over="ignore"):
        for i in range(lo, hi):
            v = x[i]
            inf = np.isinf(s) | np.isinf(v)
            cor = v + c
            t = s + cor
            nc = cor - (t - s)
            t = np.where(inf, np.where(np.isinf(v), v, s), t)
            nc = np.where(inf, 0.0, nc)
            if sparse:
                nz = v != 0
                t = np.where(nz, t, s)
                nc = np.where(nz, nc, c)
            s, c = t, nc
    return s, c


def _column_path(x, kernel: str, numpy_fn, widen: bool):
    """(matrix, function) for the column sums or means of x: the compiled kernel of
    dmlpy.kernels.kahan_kernels for a tall matrix (float32 cells widened first when widen, else
    one by one in the kernel), the vectorised NumPy loop otherwise."""
    if x.shape[0] > NUMPY_MAX_STEPS and _use_numba(x):
        from ..kernels import kahan_kernels as K
        xc = np.ascontiguousarray(x)
        if widen or xc.dtype != np.float32:
            xc = xc.astype(np.float64, copy=False)
        return xc, getattr(K, kernel)
    return x, numpy_fn


def kahan_col_sums(x: np.ndarray) -> np.ndarray:
    """colSums(x) (1 x m) as SystemDS computes it (see above)."""
    n, m = x.shape
    if n == 0 or m == 0:
        return np.zeros((1, m))
    if m == 1:                  # SystemDS rewrites colSums of a column vector to sum
        return np.array([[kahan_sum(x)]])
    sparse = held_sparse(x)
    xc, fn = _column_path(x, "col_sums", _col_sums_np, widen=False)
    s = c = None
    for lo, hi in _parts(x, False):
        ps, pc = fn(xc, sparse, lo, hi)
        if s is None:
            s, c = ps.copy(), pc.copy()
        else:
            s, c = _kadd_cols(s, c, ps, pc)
    return s.reshape(1, m)


def _kadd_cols(s, c, v, vc):
    """_kadd on each column: the same operations on arrays."""
    with np.errstate(invalid="ignore", over="ignore"):
        cor = v + (c + vc)
        t = s + cor
        nc = cor - (t - s)
        inf_v = np.isinf(v)
        inf = np.isinf(s) | inf_v
        return np.where(inf, np.where(inf_v, v, s), t), np.where(inf, 0.0, nc)


# ------------------------------------------------------------------ mean(), colMeans(), rowMeans()
# SystemDS's means are running means: each value v adds (v - mean) / count to the mean with the
# Kahan step; a matrix held sparse counts its zeros first and then visits the non-zeros.  The
# row split above applies to mean() and colMeans() (not rowMeans()); the partial means (mean,
# count) are joined in order by adding (mean_k - mean) * count_k / (count + count_k).
def _mean_steps(vals, s, c, cnt):
    for v in vals:
        cnt += 1.0
        s, c = _kadd(s, c, (v - s) / cnt)
    return s, c, cnt


def _all_mean_py(x, sparse, lo, hi):
    v = x[lo:hi].ravel()
    if sparse:
        nz = v[v != 0]
        return _mean_steps(nz.tolist(), 0.0, 0.0, float(v.size - nz.size))
    return _mean_steps(v.tolist(), 0.0, 0.0, 0.0)


def _join_mean(s, c, n, mu2, n2):
    n = n + n2
    s, c = _kadd(s, c, (mu2 - s) * n2 / n)
    return s, c, n


def kahan_mean(x: np.ndarray) -> float:
    """mean(x) as SystemDS computes it (NaN for no cells)."""
    if x.size == 0:
        return float("nan")
    if _use_numba(x):       # as kahan_sum: first as a dense matrix split into parts
        from ..kernels.kahan_parts import part_means
        triples, nnz = part_means(x, _parts(x, True, nnz=PAR_MIN_NNZ + 1), False)
        if nnz <= PAR_MIN_NNZ or held_sparse(x, nnz):
            triples, _ = part_means(x, _parts(x, True, nnz), held_sparse(x, nnz))
    else:
        sparse = held_sparse(x)
        triples = [_all_mean_py(x, sparse, lo, hi) for lo, hi in _parts(x, True)]
    return join_means(triples)


def join_means(triples) -> float:
    """The mean of parts' (mean, correction, count) triples, joined in order."""
    s = c = n = 0.0
    for k, (ps, pc, pn) in enumerate(triples):
        s, c, n = (ps, pc, pn) if k == 0 else _join_mean(s, c, n, ps, pn)
    return float(s)


def _col_means_np(x, sparse, lo, hi):
    m = x.shape[1]
    s = np.zeros(m)
    c = np.zeros(m)
    blk = x[lo:hi]
    cnt = (blk == 0).sum(axis=0).astype(np.float64) if sparse else np.zeros(m)
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        for i in range(hi - lo):
            v = blk[i]
            live = (v != 0) if sparse else np.ones(m, dtype=bool)
            ncnt = cnt + live
            d = (v - s) / np.where(live, ncnt, 1.0)
            inf = np.isinf(s) | np.isinf(d)
            cor = d + c
            t = s + cor
            nc = cor - (t - s)
            t = np.where(inf, np.where(np.isinf(d), d, s), t)
            nc = np.where(inf, 0.0, nc)
            s = np.where(live, t, s)
            c = np.where(live, nc, c)
            cnt = ncnt
    return s, c, cnt


def kahan_col_means(x: np.ndarray) -> np.ndarray:
    """colMeans(x) (1 x m) as SystemDS computes it (0 for no rows)."""
    n, m = x.shape
    if n == 0 or m == 0:
        return np.zeros((1, m))
    if m == 1:                  # SystemDS rewrites colMeans of a column vector to mean
        return np.array([[kahan_mean(x)]])
    sparse = held_sparse(x)
    xc, fn = _column_path(x, "col_means", _col_means_np, widen=True)
    s = c = cnt = None
    for lo, hi in _parts(x, False):
        ps, pc, pn = fn(xc, sparse, lo, hi)
        if s is None:
            s, c, cnt = ps.copy(), pc.copy(), pn.copy()
        else:
            cnt = cnt + pn          # _join_mean on each column
            s, c = _kadd_cols(s, c, (ps - s) * pn / cnt, 0.0)
    return s.reshape(1, m)


def kahan_row_means(x: np.ndarray) -> np.ndarray:
    """rowMeans(x) (n x 1) as SystemDS computes it (0 for no columns)."""
    n, m = x.shape
    if n == 0 or m == 0:
        return np.zeros((n, 1))
    if n == 1:                  # SystemDS rewrites rowMeans of a row vector to mean
        return np.array([[kahan_mean(x)]])
    sparse = held_sparse(x)
    if m > NUMPY_MAX_STEPS and _use_numba(x):
        from ..kernels import kahan_kernels as K
        return K.row_means(np.ascontiguousarray(x, dtype=np.float64), sparse)
    s, _, _ = _col_means_np(np.ascontiguousarray(x.T), sparse, 0, m)
    return s.reshape(n, 1)
