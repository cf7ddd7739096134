"""Linear algebra builtins: solve, inv, cholesky, det, eigen, svd, qr, lu.

SystemDS computes these with Householder QR (solve, inv, qr), Crout LU with partial pivoting
(lu, det) and an outer-product Cholesky; the factorizations here follow the same schemes,
with the same sequential summation order, so that results agree to the last bit where
possible. eigen and svd use LAPACK through numpy (eigenvalues ascending, vectors as columns).
"""
from __future__ import annotations

import math

from .. import types as T
from ..errors import OpError
from ..runtime.values import type_name
from .registry import builtin, r_matrix


def _np():
    import numpy
    return numpy


def _arr(v):
    return type(v).__name__ == "ndarray"


def _mat(v, fn, what="argument"):
    if _arr(v):
        return v
    raise OpError(f"{fn}() expects a matrix as {what}, got a {type_name(v)}")


def _square(x, fn):
    x = _mat(x, fn)
    if x.shape[0] != x.shape[1]:
        raise OpError(f"{fn}() requires a square matrix, got a {x.shape[0]}x{x.shape[1]} matrix")
    return x


def _out(a):
    np = _np()
    return np.ascontiguousarray(a, dtype=np.float64)


def _r_matrix_only(n=1):
    def rule(types, args):
        from ..compile.analyze import RuleError
        if types and types[0].dt == T.SCALAR:
            raise RuleError(f"expects a matrix argument, got a scalar ({types[0]})")
        return T.MATRIX_T if n == 1 else tuple([T.MATRIX_T] * n)
    return rule


def _sub_dot(x, a, b):
    """x - a[0]*b[0] - a[1]*b[1] - ..., evaluated left to right (as a sequential loop would)."""
    np = _np()
    if a.size == 0:
        return x
    terms = np.empty(a.size + 1)
    terms[0] = x
    np.negative(a * b, out=terms[1:])
    return np.cumsum(terms)[-1]


# ------------------------------------------------------------------ Householder QR
class _QR:
    """Householder QR of an m x n matrix, stored as the transposed reflector matrix `qrt`
    (n x m) and the diagonal of R."""

    def __init__(self, a):
        np = _np()
        m, n = a.shape
        qrt = np.array(a.T, dtype=np.float64)
        rdiag = np.zeros(min(m, n))
        for k in range(min(m, n)):
            v = qrt[k]
            norm = math.sqrt(float(np.cumsum(v[k:] * v[k:])[-1])) if m > k else 0.0
            alpha = -norm if v[k] > 0 else norm
            rdiag[k] = alpha
            if alpha != 0.0:
                v[k] -= alpha
                denom = alpha * v[k]
                for c in range(k + 1, n):
                    col = qrt[c]
                    s = _sub_dot(0.0, col[k:], v[k:]) / denom
                    col[k:] -= s * v[k:]
        self.qrt, self.rdiag, self.m, self.n = qrt, rdiag, m, n

    def r(self):
        np = _np()
        m, n = self.m, self.n
        r = np.zeros((m, n))
        for i in range(min(m, n)):
            r[i, i] = self.rdiag[i]
            r[i, i + 1:] = self.qrt[i + 1:, i]
        return r

    def h(self):
        np = _np()
        m, n = self.m, self.n
        h = np.zeros((m, n))
        for j in range(min(m, n)):
            if self.rdiag[j] != 0:
                h[j:, j] = self.qrt[j, j:] / -self.rdiag[j]
        return h

    def solve(self, b, fn):
        np = _np()
        if b.shape[0] != self.m:
            raise OpError(f"{fn}(): dimension mismatch, {b.shape[0]} rows but the matrix has {self.m}")
        if np.any(self.rdiag == 0):
            raise OpError(f"{fn}(): the matrix is singular")
        y = np.array(b, dtype=np.float64)
        for k in range(min(self.m, self.n)):
            v = self.qrt[k]
            factor = 1.0 / (self.rdiag[k] * v[k])
            for c in range(y.shape[1]):
                d = -_sub_dot(0.0, y[k:, c], v[k:]) * factor
                y[k:, c] += d * v[k:]
        x = np.zeros((self.n, y.shape[1]))
        for j in range(len(self.rdiag) - 1, -1, -1):
            y[j] *= 1.0 / self.rdiag[j]
            x[j] = y[j]
            if j:
                y[:j] -= np.outer(self.qrt[j, :j], y[j])
        return x


@builtin("solve", "A, b", rule=_r_matrix_only())
def solve(a, b):
    """x such that A %*% x = b, for a square A and a column vector b."""
    a = _mat(a, "solve", "A")
    b = _mat(b, "solve", "b")
    if a.shape[0] != a.shape[1]:
        raise OpError("solve(): the matrix A in solve(A, b) must be square, got a "
                      f"{a.shape[0]}x{a.shape[1]} matrix")
    if b.shape[1] != 1:
        raise OpError(f"solve(): the second input must be a column vector, got a "
                      f"{b.shape[0]}x{b.shape[1]} matrix")
    return _out(_QR(a).solve(b, "solve"))


@builtin("inv", "target", rule=_r_matrix_only(), aliases=("inverse",))
def inv(x):
    """Inverse of a square matrix."""
    np = _np()
    x = _mat(x, "inv")
    if x.shape[0] != x.shape[1]:
        raise OpError(f"inv() requires a square matrix, got a {x.shape[0]}x{x.shape[1]} matrix")
    return _out(_QR(x).solve(np.eye(x.shape[0]), "inv"))


@builtin("qr", "target", rule=_r_matrix_only(2), nret=2)
def qr(x):
    """Householder QR: H (m x n, the Householder vectors in its lower trapezoid) and R (m x n)."""
    f = _QR(_mat(x, "qr"))
    return _out(f.h()), _out(f.r())


# ------------------------------------------------------------------ LU
def _lu(a):
    """Crout LU with partial pivoting; returns (lu, pivot, even, singular)."""
    np = _np()
    n = a.shape[0]
    lu = np.array(a, dtype=np.float64)
    piv = list(range(n))
    even = True
    for c in range(n):
        for r in range(c):
            lu[r, c] = _sub_dot(lu[r, c], lu[r, :r], lu[:r, c])
        best, largest = c, -math.inf
        for r in range(c, n):
            s = _sub_dot(lu[r, c], lu[r, :c], lu[:c, c])
            lu[r, c] = s
            if abs(s) > largest:
                largest, best = abs(s), r
        if abs(lu[best, c]) < 1e-11:
            return lu, piv, even, True
        if best != c:
            lu[[best, c]] = lu[[c, best]]
            piv[best], piv[c] = piv[c], piv[best]
            even = not even
        lu[c + 1:, c] /= lu[c, c]
    return lu, piv, even, False


@builtin("lu", "target", rule=_r_matrix_only(3), nret=3)
def lu(x):
    """LU decomposition with partial pivoting: P, L, U with P %*% A = L %*% U."""
    np = _np()
    x = _mat(x, "lu")
    if x.shape[0] != x.shape[1]:
        raise OpError("lu(): LU decomposition requires a square matrix, got a "
                      f"{x.shape[0]}x{x.shape[1]} matrix")
    f, piv, _, singular = _lu(x)
    if singular:
        raise OpError("lu(): LU decomposition can only be done on a non-singular matrix")
    n = x.shape[0]
    p = np.zeros((n, n))
    p[np.arange(n), piv] = 1.0
    low = np.tril(f, -1) + np.eye(n)
    up = np.triu(f)
    return _out(p), _out(low), _out(up)


def _r_det(types, args):
    _r_matrix_only()(types, args)
    return T.DOUBLE


@builtin("det", "target", rule=_r_det)
def det(x):
    """Determinant of a square matrix (from its LU decomposition)."""
    x = _mat(x, "det")
    if x.shape[0] != x.shape[1]:
        raise OpError(f"det() requires a square matrix, got a {x.shape[0]}x{x.shape[1]} matrix")
    f, _, even, singular = _lu(x)
    if singular:
        return 0.0
    d = 1.0 if even else -1.0
    for i in range(x.shape[0]):
        d *= f[i, i]
    return float(d)


# ------------------------------------------------------------------ Cholesky
@builtin("cholesky", "target", rule=_r_matrix_only())
def cholesky(x):
    """Lower-triangular L with L %*% t(L) = A, for a symmetric positive definite A."""
    np = _np()
    x = _mat(x, "cholesky")
    n = x.shape[0]
    if n != x.shape[1]:
        raise OpError(f"cholesky() requires a square matrix, got a {n}x{x.shape[1]} matrix")
    lt = np.array(x, dtype=np.float64)
    up = np.triu_indices(n, 1)
    a, b = lt[up], lt.T[up]
    if np.any(np.abs(a - b) > 1e-6 * np.maximum(np.abs(a), np.abs(b))):
        raise OpError("cholesky(): the matrix is not symmetric")
    lt[np.tril_indices(n, -1)] = 0.0
    for i in range(n):
        if not lt[i, i] > 1e-10:
            raise OpError("cholesky(): the matrix is not positive definite")
        lt[i, i] = math.sqrt(lt[i, i])
        lt[i, i + 1:] *= 1.0 / lt[i, i]
        row = lt[i, i + 1:]
        lt[i + 1:, i + 1:] -= np.triu(np.outer(row, row))
    return _out(lt.T)


# ------------------------------------------------------------------ eigen / svd
@builtin("eigen", "target", rule=_r_matrix_only(2), nret=2)
def eigen(x):
    """Eigenvalues (a column, ascending) and eigenvectors (columns) of a square matrix."""
    np = _np()
    x = _mat(x, "eigen")
    n = x.shape[0]
    if n != x.shape[1]:
        raise OpError("eigen(): eigen decomposition can only be done on a square matrix, got a "
                      f"{n}x{x.shape[1]} matrix")
    if not np.all(np.isfinite(x)):
        raise OpError("eigen(): the matrix contains NaN or infinite values")
    eps = 10 * n * n * np.finfo(float).eps
    scale = np.maximum(np.abs(x), np.abs(x.T))
    if np.all(np.abs(x - x.T) <= eps * scale):
        vals, vecs = np.linalg.eigh((x + x.T) / 2)
    else:
        vals, vecs = np.linalg.eig(x)
        if np.any(vals.imag != 0):
            vecs = vecs.real
        vals = vals.real
        vecs = vecs.real
        order = np.argsort(vals, kind="stable")
        vals, vecs = vals[order], vecs[:, order]
    return _out(vals.reshape(n, 1)), _out(vecs)


@builtin("svd", "target", rule=_r_matrix_only(3), nret=3)
def svd(x):
    """Thin SVD: U (m x k), the singular values as a k x k diagonal matrix (descending), V (n x k)."""
    np = _np()
    x = _mat(x, "svd")
    u, s, vt = np.linalg.svd(x, full_matrices=False)
    v = vt.T
    # sign convention observed in SystemDS: the right factor of the tall orientation has a
    # non-negative first row (the left factor for wide input)
    ref = v if x.shape[0] >= x.shape[1] else u
    if ref.shape[0]:
        flip = ref[0] < 0
        u[:, flip] *= -1
        v[:, flip] *= -1
    return _out(u), _out(np.diag(s)), _out(v)
