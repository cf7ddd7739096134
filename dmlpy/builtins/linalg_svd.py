"""The singular value decomposition as SystemDS computes it (Apache Commons Math's
SingularValueDecomposition): Householder bidiagonalization, then implicit-shift QR sweeps with
Givens rotations (Golub-Kahan-Reinsch), for the orientation with at least as many rows as
columns (a wide matrix is decomposed transposed and the factors swapped).

The point of following the scheme rather than calling LAPACK is the signs (and, for repeated
singular values, the bases) of the singular vectors: both decompositions are valid, but scripts
such as quantizeByCluster depend on the ones SystemDS returns.  The inner loops are vectorized
with NumPy; dot products are summed left to right (cumsum), as the reference's loops do.
It runs on the host: dmlpy.builtins.linalg hands it host arrays and converts its results.
"""
from __future__ import annotations

import math

import numpy as np

NUMBA_MIN_N = 24


def _hypot_col(v):
    """The running hypot over v (sequential, as the reference accumulates the column norm)."""
    r = 0.0
    for x in v.tolist():
        r = math.hypot(r, x)
    return r


def _reflect(u, B, pivot):
    """Every column b of B (a view) <- b + t u with t = -(u . b) / pivot, the dot products
    summed top to bottom with the products rounded one by one (no fused multiply-add)."""
    if B.shape[1] == 0 or u.size == 0:
        return
    t = -np.cumsum(u[:, None] * B, axis=0)[-1] / pivot
    B += u[:, None] * t[None, :]


def _bidiagonalize(A):
    m, n = A.shape
    s = np.zeros(n)
    e = np.zeros(n)
    U = np.zeros((m, n))
    V = np.zeros((n, n))
    nct = min(m - 1, n)
    nrt = max(0, n - 2)
    for k in range(max(nct, nrt)):
        if k < nct:
            # the k-th column's Householder vector, leaving -norm on the diagonal
            sk = _hypot_col(A[k:, k])
            if sk != 0.0:
                if A[k, k] < 0.0:
                    sk = -sk
                A[k:, k] /= sk
                A[k, k] += 1.0
            s[k] = -sk
        if k < nct and s[k] != 0.0 and k + 1 < n:
            _reflect(A[k:, k], A[k:, k + 1:], A[k, k])
        e[k + 1:] = A[k, k + 1:]
        if k < nct:
            U[k:, k] = A[k:, k]
        if k < nrt:
            # the k-th row's Householder vector
            ek = _hypot_col(e[k + 1:])
            if ek != 0.0:
                if e[k + 1] < 0.0:
                    ek = -ek
                e[k + 1:] /= ek
                e[k + 1] += 1.0
            e[k] = -ek
            if k + 1 < m and e[k] != 0.0:
                work = np.cumsum(A[k + 1:, k + 1:] * e[k + 1:], axis=1)[:, -1]
                A[k + 1:, k + 1:] += np.outer(work, -e[k + 1:] / e[k + 1])
            V[k + 1:, k] = e[k + 1:]
    p = n
    if nct < n:
        s[nct] = A[nct, nct]
    if m < p:
        s[p - 1] = 0.0
    if nrt + 1 < p:
        e[nrt] = A[nrt, p - 1]
    e[p - 1] = 0.0
    # accumulate the left transformations
    for j in range(nct, n):
        U[:, j] = 0.0
        U[j, j] = 1.0
    for k in range(nct - 1, -1, -1):
        if s[k] != 0.0:
            if k + 1 < n:
                _reflect(U[k:, k], U[k:, k + 1:], U[k, k])
            U[k:, k] = -U[k:, k]
            U[k, k] += 1.0
            U[:max(k - 1, 0), k] = 0.0
        else:
            U[:, k] = 0.0
            U[k, k] = 1.0
    # accumulate the right transformations
    for k in range(n - 1, -1, -1):
        if k < nrt and e[k] != 0.0:
            _reflect(V[k + 1:, k], V[k + 1:, k + 1:], V[k + 1, k])
        V[:, k] = 0.0
        V[k, k] = 1.0
    return s, e, U, V


def svd(x: np.ndarray):
    """(U, singular values descending, V) with x = U diag(s) t(V); U is m x k, V is n x k with
    k = min(m, n)."""
    transposed = x.shape[0] < x.shape[1]
    A = np.array(x.T if transposed else x, dtype=np.float64)
    m, n = A.shape
    if n == 0:
        return np.zeros((x.shape[0], 0)), np.zeros(0), np.zeros((x.shape[1], 0))
    s, e, U, V = _bidiagonalize(A)
    from ..kernels import svd_kernels as K
    # the QR phase compiled for all but small matrices (the same steps run as Python there)
    run = K.diagonalize if n >= NUMBA_MIN_N else K.diagonalize.py_func
    run(s, e, U, V, m, n)
    return (V, s, U) if transposed else (U, s, V)
