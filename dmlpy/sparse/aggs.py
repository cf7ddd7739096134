"""Aggregates of a sparse matrix, in SystemDS's order for a matrix it holds sparse: sums and means
visit the non-zeros row by row with the Kahan step (dmlpy.kernels.sparse_kahan), split into the
same row parts as dmlpy.runtime.kahan; so the results equal, to the bit, those of the dense
emulation of a matrix SystemDS holds sparse. Extremes and the row indexes of extremes count a cell
that is not stored as 0, with the NaN rules of the dense builtins."""
from __future__ import annotations

import numpy as np

from ..errors import OpError
from . import sorted_csr

def _parallel(kernel, ntasks, work, *args, **kw):
    """pool.parallel_split_first (every kernel here does nothing on an empty range)."""
    from ..kernels.pool import parallel_split_first
    parallel_split_first(kernel, ntasks, work, *args, **kw)


def _parts(x, all_cells):
    from ..runtime import kahan
    p = kahan.row_parts(x.shape[0], all_cells, x.nnz)
    return (np.array([lo for lo, _ in p], dtype=np.int64), np.array([hi for _, hi in p], dtype=np.int64))


def _data(x):
    d = x.data
    return d if d.dtype == np.float64 or d.dtype == np.float32 else d.astype(np.float64)


def _no_stored_zeros(x):
    if x.nnz and not x.data.all():
        x = x.copy()
        x.eliminate_zeros()
    return x


def total(x, square=False) -> float:
    """sum(X) (square: sum(X^2)). A row part's non-zeros are one contiguous run of the CSR data:
    eight parts advance together (dmlpy.kernels.sparse_sums), groups of parts over the threads.
    Stored zeros (which SystemDS does not visit, and which are not a no-op in a Kahan step) show
    in the kernel's count of zeros: then the sum is redone on a copy without them (rare: dmlpy's
    own sparse values hold none)."""
    from ..kernels import sparse_sums
    from ..runtime.kahan import join_sums
    if x.shape[0] * x.shape[1] == 0:
        return 0.0
    lo, hi = _parts(x, True)
    P = len(lo)
    S, C = np.zeros(P), np.zeros(P)
    groups = (P + 7) // 8
    Z = np.zeros(groups, np.int64)
    for attempt in (0, 1):
        ip = x.indptr
        starts = ip[lo].astype(np.int64)
        lens = ip[hi].astype(np.int64) - starts
        mode = sparse_sums.SUMSQ if square else sparse_sums.SUM
        _parallel(sparse_sums.sums, groups, x.nnz // groups, mode, _data(x), x.indices, x.indptr,
                  starts, lens, S, C, _NO_SC, Z, min_work=_MIN_PARALLEL_SUM)
        if attempt or not Z.any():
            break
        x = _no_stored_zeros(x)
    return join_sums(list(zip(S.tolist(), C.tolist())))


_MIN_PARALLEL_SUM = 1 << 16     # values a thread must get before a sum is split
_NO_SC = np.zeros((1, 2))       # sums' arguments a mode does not use
_NO_I = np.zeros(1, np.int64)


def mean(x) -> float:
    from ..kernels import sparse_kahan as K
    from ..runtime.kahan import join_means
    if x.shape[0] * x.shape[1] == 0:
        return float("nan")
    lo, hi = _parts(x, True)
    P = len(lo)
    S, C, N = np.zeros(P), np.zeros(P), np.zeros(P)
    _parallel(K.part_means, P, x.nnz // P, _data(x), x.indptr, lo, hi, x.shape[1], S, C, N)
    return join_means(list(zip(S.tolist(), C.tolist(), N.tolist())))


def row_sums(x):
    """Each row's compensated sum (dmlpy.kernels.sparse_sums: eight lanes over blocks of rows);
    rows over the threads."""
    from ..kernels import sparse_sums
    n = x.shape[0]
    out = np.zeros(n)
    cb = np.empty(n)
    _parallel(sparse_sums.sums, n, max(1, x.nnz // max(n, 1)), sparse_sums.ROWSUMS, _data(x),
              x.indices, x.indptr, _NO_I, _NO_I, out, cb, _NO_SC, _NO_I)
    return out.reshape(-1, 1)


def row_means(x):
    n, m = x.shape
    if m == 0:
        return np.zeros((n, 1))
    if n == 1:                  # SystemDS rewrites rowMeans of a row vector to mean
        return np.array([[mean(x)]])
    from ..kernels import sparse_kahan as K
    out = np.zeros(n)
    K.row_means(_data(x), x.indptr, float(m), out)
    return out.reshape(-1, 1)


def col_sums(x):
    """Each column's compensated sum over SystemDS's row parts, one flat pass over each part's
    non-zeros (dmlpy.kernels.sparse_sums), the parts over the threads and joined in order; a
    part that stores a zero is redone by the row loop that skips it."""
    from ..kernels import sparse_sums
    n, m = x.shape
    if n == 0:
        return np.zeros((1, m))
    lo, hi = _parts(x, False)
    P = len(lo)
    SC = np.empty((P, 2 * m))       # per part: column j's sum at 2j, its correction at 2j + 1
    Z = np.zeros(P, np.int64)
    data = _data(x)
    S = np.zeros(1)
    _parallel(sparse_sums.sums, P, x.nnz // P, sparse_sums.COLSUMS, data, x.indices, x.indptr,
              lo, hi, S, S, SC, Z)
    if Z.any():
        from ..kernels import sparse_kahan as K
        for p in np.flatnonzero(Z):
            SC[p] = 0.0
            K.col_sums_sc(data, x.indices, x.indptr, lo[p], hi[p], SC[p].reshape(m, 2))
    out = np.empty(m)           # the parts joined in order, column by column (no temporaries)
    sparse_sums.sums(0, m, sparse_sums.COLJOIN, data, x.indices, x.indptr, lo, hi, out, S, SC, Z)
    return out.reshape(1, m)


def col_means(x):
    from ..kernels import sparse_kahan as K
    from ..runtime.kahan import _kadd_cols
    n, m = x.shape
    if n == 0:
        return np.zeros((1, m))
    lo, hi = _parts(x, False)
    P = len(lo)
    S, C, N = np.zeros((P, m)), np.zeros((P, m)), np.zeros((P, m))
    _parallel(K.col_means_parts, P, x.nnz // P, _data(x), x.indices, x.indptr, lo, hi, S, C, N)
    s, c, cnt = S[0], C[0], N[0]
    for p in range(1, P):
        cnt = cnt + N[p]
        s, c = _kadd_cols(s, c, (S[p] - s) * N[p] / cnt, 0.0)
    return s.reshape(1, m)


def extreme(x, name, pick_max: bool) -> float:
    """min(X) or max(X): the stored values, and 0 when a cell is not stored (NaN wins, as dense)."""
    n, m = x.shape
    if n * m == 0:
        raise OpError(f"{name}() of an empty matrix")
    vals = x.data
    if x.nnz < n * m:
        vals = np.append(vals, 0.0)
    return float(np.max(vals) if pick_max else np.min(vals))


def row_extremes(x, pick_max):
    """rowMaxs (pick_max) or rowMins, n x 1; rows over the threads."""
    from ..kernels import sparse_kahan as K
    n = x.shape[0]
    out = np.zeros(n)
    _parallel(K.row_extremes, n, max(1, x.nnz // max(n, 1)), x.data, x.indptr, x.shape[1],
              pick_max, out)
    return out.reshape(-1, 1)


def col_extremes(x, pick_max):
    """colMaxs (pick_max) or colMins, 1 x m."""
    from ..kernels import sparse_kahan as K
    n, m = x.shape
    out = np.full(m, -np.inf if pick_max else np.inf)
    K.col_extremes(x.data, x.indices, n, pick_max, out, np.zeros(m, np.int64))
    return out.reshape(1, m)


def row_index_extremes(x, pick_max):
    """rowIndexMax (pick_max) or rowIndexMin, n x 1."""
    from ..kernels import sparse_kahan as K
    x = sorted_csr(x)
    out = np.zeros(x.shape[0])
    K.row_index_extremes(x.data, x.indices, x.indptr, x.shape[1], pick_max, out)
    return out.reshape(-1, 1)
