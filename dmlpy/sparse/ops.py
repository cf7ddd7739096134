"""Operators with a sparse operand: element-wise operations that keep zeros, matrix products in
the four sparse/dense combinations, transpose. Anything that would fill the zeros in goes
through densify (with its memory check) and the dense operators of dmlpy.runtime.matrix.

SystemDS's semantics kept here: a sparse operand's zeros are skipped, never multiplied. So in
X * Y with X sparse, a cell where X is 0 is 0 even where Y holds NaN or Inf (SystemDS treats
`*` as sparse-safe), and a product X %*% Y never meets Y's NaN in a row of X that is zero there.
An operation with a scalar keeps the zeros only when `0 op s` is exactly 0 (X * Inf, X / 0,
X ^ 0 and X > -1 densify).
"""
from __future__ import annotations

import numpy as np

from ..errors import OpError
from . import choose, densify, is_sparse, sorted_csr


def _sp():
    import scipy.sparse as sp
    return sp


def as_csr(x):
    """x as a csr_array (a dense array is converted)."""
    return x if is_sparse(x) else _sp().csr_array(x)


def entry_rows(x) -> np.ndarray:
    """The row of each stored entry of a csr_array, in storage order."""
    return np.repeat(np.arange(x.shape[0], dtype=np.int64), np.diff(x.indptr))


def with_data(x, data):
    """x's structure with new values (stored zeros dropped), in the format choose picks."""
    r = _sp().csr_array((data, x.indices.copy(), x.indptr.copy()), shape=x.shape)
    if data.size and not data.all():
        r.eliminate_zeros()
    return choose(r)


def _run_dtype():
    """The dtype of the run's matrices (float32 under --precision single)."""
    from ..backends import run_dtype
    return run_dtype()


def _result(r):
    """A scipy result as a matrix value: a csr_array in float64 or float32 (a boolean result in
    the run's precision), chosen; a dense result C-contiguous."""
    if is_sparse(r) or hasattr(r, "tocsr"):
        r = r.tocsr() if not is_sparse(r) else r
        if r.dtype.char not in "df":
            r = r.astype(_run_dtype())
        if not r.has_canonical_format:
            r.sum_duplicates()
        return choose(r)
    r = np.asarray(r)
    if r.dtype.char not in "df":
        r = r.astype(_run_dtype())
    return np.ascontiguousarray(r)


def _dense_op(op, a, b):
    from ..runtime import matrix as M
    what = f"operator '{op}'"
    return M.binary(op, densify(a, what) if is_sparse(a) else a, densify(b, what) if is_sparse(b) else b)


def _zero_kept(op, a, b) -> bool:
    """Whether `op` maps a zero cell to exactly 0 (a and b: the operands, with 0.0 for the
    matrix), as the dense operator computes it."""
    from ..runtime import matrix as M
    with np.errstate(all="ignore"):
        z = M._OPS[op](np.float64(a), np.float64(b))
    return bool(z == 0)


def _gather(d, x, rows):
    """The cells of dense d (x's shape, or a row or column vector or 1x1 broadcast to it) at the
    stored entries of csr x."""
    r, c = d.shape
    if (r, c) == x.shape:
        return d[rows, x.indices]
    if r == 1 and c == 1:
        return np.full(x.nnz, d[0, 0])
    if r == 1:
        return d[0, x.indices]
    return d[rows, 0]


def binary(op, a, b):
    """a op b where a or b (or both) is sparse."""
    from ..runtime import matrix as M
    sa, sb = is_sparse(a), is_sparse(b)
    am = sa or type(a).__name__ == "ndarray"
    bm = sb or type(b).__name__ == "ndarray"
    if am and bm:
        M._check_shapes(op, a, b)
        if op == "*" or op == "&":
            if sa and sb and a.shape == b.shape:
                r = a.multiply(b) if op == "*" else (a != 0).multiply(b != 0)
                return _result(r)
            if sa and not sb or (sb and not sa and a.shape == b.shape):
                x, d = (a, b) if sa else (b, a)
                xv = x.data
                dv = _gather(d, x, entry_rows(x))
                with np.errstate(all="ignore"):
                    v = xv * dv if op == "*" else ((xv != 0) & (dv != 0)).astype(_run_dtype())
                return with_data(x, v)
        elif op == "/" and sa and not sb and _nonzero_divisor(b):
            # X / D (D dense: X's shape, a row or column vector): 0 / d is 0 for every d that is
            # neither 0 nor NaN (SystemDS keeps such a quotient sparse: a graph's column scaling)
            with np.errstate(all="ignore"):
                return with_data(a, a.data / _gather(b, a, entry_rows(a)))
        elif sa and sb and a.shape == b.shape and op in ("+", "-", "!="):
            return _result(a + b if op == "+" else (a - b if op == "-" else a != b))
        return _dense_op(op, a, b)
    if sa:
        s = M._scalar(b, op)
        if _zero_kept(op, 0.0, s):
            with np.errstate(all="ignore"):
                return with_data(a, np.asarray(M._OPS[op](a.data, s), dtype=_dtype(a, op)))
        return _dense_op(op, a, s)
    s = M._scalar(a, op)
    if _zero_kept(op, s, 0.0):
        with np.errstate(all="ignore"):
            return with_data(b, np.asarray(M._OPS[op](s, b.data), dtype=_dtype(b, op)))
    return _dense_op(op, s, b)


def _nonzero_divisor(d) -> bool:
    """Whether dense d holds no 0 and no NaN (so 0 / d is 0 everywhere)."""
    with np.errstate(all="ignore"):
        return bool(d.size) and not bool(np.any((d == 0) | np.isnan(d)))


def _dtype(x, op):
    """The result dtype of an element-wise op on x: comparisons give the run's precision, as
    dense (doubles, or float32 under --precision single)."""
    return _run_dtype() if op in ("<", "<=", ">", ">=", "==", "!=", "&", "|", "xor") else x.dtype


def unary(op, a):
    if op == "-":
        return with_data(a, -a.data)
    from ..runtime import matrix as M
    return M.unary(op, densify(a, f"operator '{op}'"))


def map_values(raw, x):
    """An element-wise builtin (raw: its dense implementation) that maps 0 to 0, on the stored
    values of x only."""
    if x.nnz == 0:
        return choose(x.copy())
    v = np.asarray(raw(x.data.reshape(1, -1))).reshape(-1)
    return with_data(x, v.astype(x.dtype, copy=False))


# ------------------------------------------------------------------ products
def _check_mm(a, b):
    if a.shape[1] != b.shape[0]:
        from ..runtime.matrix import shape_str
        raise OpError(f"invalid dimensions for matrix multiplication: {shape_str(a)} %*% "
                      f"{shape_str(b)} (k1={a.shape[1]}, k2={b.shape[0]})")


def matmul(a, b):
    """a %*% b with a or b sparse: sparse %*% sparse gives the format choose picks, a product
    with a dense operand is dense (scipy skips the sparse operand's zeros, as SystemDS)."""
    _check_mm(a, b)
    if is_sparse(a) and is_sparse(b):
        return _result(a @ b)
    if not is_sparse(a) and not is_sparse(b):
        from ..runtime import matrix as M
        return M.matmul(a, b)
    r = _followed(a, b)
    if r is None:
        r = _vector_product(a, b)
    if r is not None:
        return r
    if a.dtype != b.dtype:      # float32 with float64: as the dense product, in float64
        a, b = a.astype(np.float64), b.astype(np.float64)
    return _result(a @ b)


def _f64(*xs) -> bool:
    return all(x.dtype == np.float64 for x in xs)


def _seq_vm(x, y) -> bool:
    """Whether SystemDS computes t(y) %*% X (X sparse) in one sequential pass: an ultra-sparse X
    (under 0.004% and fewer than 40 non-zeros) or an output it holds sparse."""
    from ..kernels import sysds_matmul_csr as K
    nnz = int(x.indptr[-1])
    ultra = nnz < 40 and nnz < 0.00004 * x.shape[0] * x.shape[1]
    return ultra or K.vm_sparse_out(x, y)


def _vector_product(a, b):
    """A large product of a sparse matrix and a dense vector in SystemDS's order
    (dmlpy.kernels.sysds_matmul_csr): X %*% v, or t(y) %*% X; None for any other."""
    from ..kernels import sysds_matmul_csr as K
    if not _f64(a, b):
        return None
    if is_sparse(a) and b.shape[1] == 1:
        return K.mv(sorted_csr(a), b)
    if is_sparse(b) and a.shape[0] == 1 and not _seq_vm(b, a.T):
        return K.vm(sorted_csr(b), np.ascontiguousarray(a.T)).reshape(1, -1)
    return None


def _followed(a, b):
    """A small product (within the work bound of dmlpy.runtime.kahan) in SystemDS's order for
    the format it holds the operands in (dmlpy.runtime.matrix.sysds_product on the dense form,
    which recognises a sparse operand by its count), or None."""
    from ..runtime import kahan
    m, cd = a.shape
    n = b.shape[1]
    if not 0 < m * cd * n <= kahan.SYSDS_MM_MAX_WORK:
        return None
    from ..runtime.matrix import sysds_product
    return sysds_product(a.toarray() if is_sparse(a) else a, b.toarray() if is_sparse(b) else b)


def transpose(x):
    """t(X): a csr_array stays sparse (choose: a single column becomes dense)."""
    if not is_sparse(x):
        return np.ascontiguousarray(x.T)
    return choose(x.T.tocsr())


def _product(a, b):
    """a @ b for operands whose shapes fit, one of them sparse (a transposed csr is a csc view:
    scipy multiplies it without building the transpose)."""
    r = _followed(a, b)
    if r is not None:
        return r
    if a.dtype != b.dtype:
        a, b = a.astype(np.float64), b.astype(np.float64)
    return _result(a @ b)


def _check_t(a, b, ta, tb):
    ra, ca = (a.shape[1], a.shape[0]) if ta else a.shape
    rb, cb = (b.shape[1], b.shape[0]) if tb else b.shape
    if ca != rb:
        raise OpError(f"invalid dimensions for matrix multiplication: {ra}x{ca} %*% {rb}x{cb} "
                      f"(k1={ca}, k2={rb})")


def matmul_tn(a, b):
    """t(A) %*% B, A or B sparse. t(X) %*% y and t(y) %*% X of a large sparse X and a dense
    column y in SystemDS's order (the first as its rewrite t(t(y) %*% X))."""
    _check_t(a, b, True, False)
    x, y = (a, b) if is_sparse(a) else (b, a)      # t(X) %*% y, or t(y) %*% X
    if (is_sparse(x) and not is_sparse(y) and y.shape[1] == 1 and _f64(x, y)
            and x.shape[0] * x.shape[1] > _emulated_work() and not _seq_vm(x, y)):
        from ..kernels import sysds_matmul_csr as K
        r = K.vm(sorted_csr(x), y)
        return r.reshape(-1, 1) if x is a else r.reshape(1, -1)
    return _product(a.T, b)


def _emulated_work() -> int:
    from ..runtime import kahan
    return kahan.SYSDS_MM_MAX_WORK


def matmul_nt(a, b):
    """A %*% t(B), A or B sparse."""
    _check_t(a, b, False, True)
    return _product(a, b.T)


def tsmm_left(x):
    """t(X) %*% X of a sparse X."""
    return _product(x.T, x)


def tsmm_right(x):
    """X %*% t(X) of a sparse X."""
    return _product(x, x.T)


def xtxv(x, v, w=None):
    """t(X) %*% (X %*% v) or t(X) %*% (w * (X %*% v)) of a sparse X and dense column vectors:
    two sparse products, no transpose built (dense p x 1); in float64, SystemDS's mmchain order
    (dmlpy.kernels.sysds_matmul_csr.chain)."""
    if _f64(x, v) and (w is None or _f64(w)):
        from ..kernels import sysds_matmul_csr as K
        return K.chain(sorted_csr(x), v, w)
    if x.dtype != v.dtype or (w is not None and w.dtype != v.dtype):
        x, v = x.astype(np.float64), v.astype(np.float64)
        w = None if w is None else w.astype(np.float64)
    q = x @ v
    if w is not None:
        q = w * q
    return np.ascontiguousarray(x.T @ q)
