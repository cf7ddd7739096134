"""Sparse-dense matrix products of a -gpu run on the device: cuSPARSE through CuPy (issue 15).

A sparse matrix value (a scipy.sparse csr_array on the host, dmlpy.sparse) that meets a dense
matrix in `%*%` (either side, either operand transposed: X %*% w, t(X) %*% v, v %*% X, ...) is
uploaded as it is held: its CSR arrays become a cupyx.scipy.sparse.csr_matrix (kept, like a dense
upload, while the host value lives, so a loop uploads it once), and the product is CuPy's, which
calls cuSPARSE's SpMM. The result is dense and stays on the device (a DeviceMatrix).

Where CuPy is missing (numba's simulator, a device without CuPy) or the product is sparse-sparse,
the product runs on the host with dmlpy.sparse's kernels, never through a dense copy of the sparse
operand; --stats lists it with the reason.

`route` is the decision alone (tests check it without a GPU); `matmul` is devops.matmul's form for
operands where one is sparse.
"""
from __future__ import annotations

import numpy as np

from .place import CPU, DeviceMatrix

CUSPARSE = "cusparse"       # the product on the device
HOST = "host"               # the product on the host (sparse kernels), the reason recorded
NONE = "none"               # not a product with a sparse operand: the dense device form decides

_I32_MAX = np.iinfo(np.int32).max


def is_csr(v) -> bool:
    return type(v).__name__ == "csr_array"


def _dense(v) -> bool:
    t = type(v)
    return t is np.ndarray or t is DeviceMatrix


def _cusparse_module():
    """cupyx.scipy.sparse (CuPy's sparse matrices, cuSPARSE underneath), or None."""
    try:
        import cupyx.scipy.sparse as cusp
        return cusp
    except Exception:       # noqa: BLE001 - not installed, or broken
        return None


def route(P, a, b) -> tuple[str, str]:
    """(where the product of a and b runs, why): NONE when neither operand is sparse; CUSPARSE
    when one is sparse, the other dense, and CuPy is there; else HOST with the reason."""
    sa, sb = is_csr(a), is_csr(b)
    if not (sa or sb):
        return NONE, ""
    if sa and sb:
        return HOST, "sparse %*% sparse runs on the host (its result may be sparse)"
    other = b if sa else a
    if not _dense(other):
        return HOST, "no GPU kernel for these operands"
    if P.b.xp is None:
        return HOST, "sparse operand: cuSPARSE needs CuPy (pip install dmlpy[cuda])"
    s = a if sa else b
    if s.nnz > _I32_MAX or max(s.shape) > _I32_MAX:
        return HOST, "sparse operand too large for cuSPARSE's 32-bit indices"
    if _cusparse_module() is None:
        return HOST, "sparse operand: cupyx.scipy.sparse cannot be imported"
    return CUSPARSE, ""


class SparseUpload:
    """The device copy of a host csr_array (`_host` as a DeviceMatrix's: what the placement's
    upload cache looks at when it forgets entries)."""
    __slots__ = ("d", "shape", "_host")

    def __init__(self, d, x):
        self.d, self.shape, self._host = d, x.shape, x


def upload(P, x) -> SparseUpload:
    """x (a csr_array) on the device in the run's dtype, counted as one transfer; kept in the
    placement's upload cache under its own key while x lives."""
    key = ("csr", id(x))
    hit = P._uploads.get(key)
    if hit is not None and hit[0] is x:
        return hit[1]
    xp, cusp = P.b.xp, _cusparse_module()
    dt = P.b.run_dtype
    data = xp.asarray(np.ascontiguousarray(x.data, dtype=dt))
    indices = xp.asarray(np.ascontiguousarray(x.indices, dtype=np.int32))
    indptr = xp.asarray(np.ascontiguousarray(x.indptr, dtype=np.int32))
    d = cusp.csr_matrix((data, indices, indptr), shape=x.shape)
    P.h2d[0] += 1
    P.h2d[1] += _sparse_bytes(x, dt)
    up = SparseUpload(d, x)
    from . import place
    if len(P._uploads) >= place.UPLOADS:
        P._sweep()
    P._uploads[key] = (x, up)
    return up


def _sparse_bytes(x, dt) -> int:
    return int(x.nnz) * (np.dtype(dt).itemsize + 4) + (x.shape[0] + 1) * 4


def product(xp, S, D, sparse_left: bool, t_sparse: bool, t_dense: bool):
    """The dense, C-contiguous result of L %*% R where L and R are S (a device CSR matrix) and D
    (a dense device array), S on the left when sparse_left, each transposed as asked. With S on
    the right, L %*% R = t(t(R) %*% t(L)): the sparse operand always multiplies from the left,
    the form cuSPARSE's SpMM takes."""
    Sx = S.T if t_sparse else S
    Dx = D.T if t_dense else D
    if sparse_left:
        r = Sx @ Dx
    else:
        r = (Sx.T @ Dx.T).T
    return xp.ascontiguousarray(r)


def matmul(P, a, b, kind="matmul"):
    """devops.matmul's form where a or b is sparse (kind: matmul, matmul_tn: t(a) %*% b,
    matmul_nt: a %*% t(b); shapes checked by the caller): a DeviceMatrix from cuSPARSE, or CPU
    (the product runs on the host, the reason recorded), or NotImplemented (no sparse operand)."""
    where, why = route(P, a, b)
    if where == NONE:
        return NotImplemented
    ka = a.shape[0] if kind == "matmul_tn" else a.shape[1]
    kb = b.shape[1] if kind == "matmul_nt" else b.shape[0]
    if ka != kb:
        return NotImplemented           # the host's code gives SystemDS's message
    if where == HOST:
        P.on_cpu("%*%", why)
        return CPU
    from .devops import attempt
    sparse_left = is_csr(a)
    S, D = (a, b) if sparse_left else (b, a)
    m = a.shape[1] if kind == "matmul_tn" else a.shape[0]
    n = b.shape[0] if kind == "matmul_nt" else b.shape[1]
    dt = P.b.run_dtype
    need = _sparse_bytes(S, dt) + D.size * dt.itemsize + 2 * m * n * dt.itemsize
    t_a, t_b = kind == "matmul_tn", kind == "matmul_nt"

    def run():
        Sd = upload(P, S).d
        Dd = P.upload(D).d
        r = product(P.b.xp, Sd, Dd, sparse_left, t_a if sparse_left else t_b,
                    t_b if sparse_left else t_a)
        if np.dtype(r.dtype) != dt:
            r = r.astype(dt)
        return r
    return attempt(P, "%*% (cuSPARSE)", need, run)
