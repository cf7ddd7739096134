"""Linear algebra builtins: solve, inv, cholesky, det, eigen, svd, qr, lu.

SystemDS computes these with Householder QR (solve, inv, qr), Crout LU with partial pivoting
(lu, det) and an outer-product Cholesky; the factorizations here follow the same schemes,
with the same sequential summation order, so that results agree to the last bit where
possible. eigen of a symmetric matrix ports the tridiagonal + implicit-QL scheme SystemDS uses
(eigenvalues ascending, vectors as columns, same signs); svd follows SystemDS's (Commons Math's)
Golub-Kahan-Reinsch scheme (linalg_svd.py) for the same singular-vector signs, LAPACK beyond
SVD_PORT_MAX_WORK; non-symmetric eigen uses LAPACK.

The factorizations run on the host whatever the backend (their loops follow SystemDS's
operation order cell by cell): arguments come to the host through _mat (backends.to_host), the
work arrays are NumPy's, and results go back to the backend through _out (backends.matrix).
"""
from __future__ import annotations

import math

from .. import backends as B
from .. import types as T
from ..errors import OpError
from .args import matrix_arg as _matrix_arg
from .args import np as _np
from .registry import builtin


def _mat(x, fn, what="argument"):
    """A matrix argument, on the host."""
    return B.to_host(_matrix_arg(x, fn, what))


def _square(x, fn):
    x = _mat(x, fn)
    if x.shape[0] != x.shape[1]:
        raise OpError(f"{fn}() requires a square matrix, got a {x.shape[0]}x{x.shape[1]} matrix")
    return x


def _out(a):
    """A result: a backend matrix in the run's precision."""
    return B.matrix(a)


def _r_matrix_only(n=1):
    def rule(types, args):
        from ..errors import RuleError
        if types and types[0].dt == T.SCALAR:
            raise RuleError(f"expects a matrix argument, got a scalar ({types[0]})")
        return T.MATRIX_T if n == 1 else tuple([T.MATRIX_T] * n)
    return rule


# ------------------------------------------------------------------ Householder QR
class _QR:
    """Householder QR of an m x n matrix, stored as the transposed reflector matrix `qrt`
    (n x m) and the diagonal of R; factor and solve are compiled (dmlpy.kernels.factorize),
    in SystemDS's order of operations."""

    def __init__(self, a):
        np = _np()
        from ..kernels import factorize
        m, n = a.shape
        qrt = np.array(a.T, dtype=np.float64, order="C")
        rdiag = np.zeros(min(m, n))
        factorize.qr_factor(qrt, rdiag)
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
        from ..kernels import factorize
        return factorize.qr_solve(self.qrt, self.rdiag, np.array(b, dtype=np.float64, order="C"))


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
    from ..kernels import factorize
    lu = np.array(a, dtype=np.float64, order="C")
    piv = np.arange(a.shape[0], dtype=np.int64)
    even, singular = factorize.crout(lu, piv)
    return lu, piv, even, singular


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
    allowed = 1e-6 * np.maximum(np.abs(a), np.abs(b))
    if x.dtype == np.float32:
        # single precision: the two triangles of a float32 product (t(X) %*% X) round apart by
        # float32 ulps of the diagonal's scale (|a_ij| <= sqrt(a_ii a_jj)), not of a_ij itself
        d = np.sqrt(np.abs(np.diagonal(lt)))
        allowed = np.maximum(allowed, 1e-4 * d[up[0]] * d[up[1]])
    if np.any(np.abs(a - b) > allowed):
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
# Symmetric eigen decomposition as SystemDS computes it (Commons Math 3 EigenDecomposition):
# Householder reduction to tridiagonal form, implicit QL iterations with Wilkinson shifts,
# a descending selection sort, then SystemDS's ascending selection sort.  Every reduction is
# summed left to right (np.cumsum) so that the floating point results follow the same order.

_CM_EPS = 2.0 ** -53  # the "EPSILON" constant Commons Math uses in its tolerances


class _EigenNoConvergence(Exception):
    pass


def _seqsum(np, v, axis=-1):
    """Left-to-right sums (the order of a plain Java loop) along an axis."""
    if v.shape[axis] == 0:
        return np.zeros(v.shape[:axis % v.ndim] + v.shape[axis % v.ndim + 1:])
    return np.take(np.cumsum(v, axis=axis), -1, axis=axis)


def _eig_tridiagonalize(np, a):
    """Householder reduction of the symmetric matrix (its upper triangle is used).

    Returns the main and secondary diagonals and the accumulated transform Q."""
    n = a.shape[0]
    h = np.triu(a) + np.triu(a, 1).T  # exact mirror of the upper triangle
    main = np.zeros(n)
    sec = np.zeros(max(n - 1, 0))
    for k in range(n - 1):
        main[k] = h[k, k]
        v = h[k, k + 1:]
        nsq = float(_seqsum(np, v * v))
        alpha = -math.sqrt(nsq) if h[k, k + 1] > 0 else math.sqrt(nsq)
        sec[k] = alpha
        if alpha == 0.0:
            continue
        h[k, k + 1] -= alpha
        beta = -1.0 / (alpha * h[k, k + 1])
        v = h[k, k + 1:].copy()
        s = h[k + 1:, k + 1:]
        # z = beta * A v, accumulated as the row-oriented Java loop does: the part from
        # the rows above (column of the upper triangle) plus the row's own part
        above = _seqsum(np, np.triu(s, 1) * v[:, None], axis=0)
        own = _seqsum(np, np.triu(s) * v[None, :], axis=1)
        z = beta * (above + own)
        gamma = float(_seqsum(np, z * v)) * (beta / 2)
        z = z - gamma * v
        s -= np.outer(v, z) + np.outer(z, v)
        h[k, k + 1:] = v
    if n:
        main[n - 1] = h[n - 1, n - 1]
    # accumulate Q^T from the Householder vectors (rows of the upper triangle of h)
    qt = np.zeros((n, n))
    for k in range(n - 1, 0, -1):
        hk = h[k - 1]
        qt[k, k] = 1.0
        if hk[k] != 0.0:
            inv = 1.0 / (sec[k - 1] * hk[k])
            beta = 1.0 / sec[k - 1]
            qt[k, k] = 1 + beta * hk[k]
            tail = hk[k + 1:]
            qt[k, k + 1:] = beta * tail
            if k + 1 < n:
                b = _seqsum(np, qt[k + 1:, k + 1:] * tail[None, :], axis=1) * inv
                qt[k + 1:, k] = b * hk[k]
                qt[k + 1:, k + 1:] += np.outer(b, tail)
    if n:
        qt[0, 0] = 1.0
    return main, sec, qt.T.copy()


def _eig_tridiagonal_ql(np, main, sec, q):
    """Implicit QL with Wilkinson shifts on the tridiagonal matrix; rotations accumulated in q.

    Returns the eigenvalues sorted descending and the matching eigenvectors as rows."""
    n = len(main)
    d = [float(x) for x in main]
    e = [float(x) for x in sec] + [0.0]
    zt = np.array(q.T, dtype=np.float64)  # row i holds column i of Q
    sgn = np.zeros((2, 1))
    t1 = np.empty((2, n))
    t2 = np.empty((2, n))
    big = 0.0
    for i in range(n):
        big = max(big, abs(d[i]), abs(e[i]))
    if big != 0.0:
        for i in range(n):
            if abs(d[i]) <= _CM_EPS * big:
                d[i] = 0.0
            if abs(e[i]) <= _CM_EPS * big:
                e[i] = 0.0
    for j in range(n):
        its = 0
        while True:
            m = j
            while m < n - 1:
                delta = abs(d[m]) + abs(d[m + 1])
                if abs(e[m]) + delta == delta:
                    break
                m += 1
            if m == j:
                break
            if its == 30:
                raise _EigenNoConvergence()
            its += 1
            g = (d[j + 1] - d[j]) / (2 * e[j])
            r = math.sqrt(1 + g * g)
            if g < 0.0:
                g = d[m] - d[j] + e[j] / (g - r)
            else:
                g = d[m] - d[j] + e[j] / (g + r)
            u, s, c = 0.0, 1.0, 1.0
            t = r
            i = m - 1
            while i >= j:
                p = s * e[i]
                hh = c * e[i]
                if abs(p) >= abs(g):
                    c = g / p
                    t = math.sqrt(c * c + 1.0)
                    e[i + 1] = p * t
                    s = 1.0 / t
                    c *= s
                else:
                    s = p / g
                    t = math.sqrt(s * s + 1.0)
                    e[i + 1] = g * t
                    c = 1.0 / t
                    s *= c
                if e[i + 1] == 0.0:
                    d[i + 1] -= u
                    e[m] = 0.0
                    break
                g = d[i + 1] - u
                t = (d[i] - g) * s + 2.0 * c * hh
                u = s * t
                d[i + 1] = g + u
                g = c * t - hh
                # rows i, i+1 become (c*z_i - s*z_i+1, s*z_i + c*z_i+1), each product
                # rounded on its own as in the scalar loop
                blk = zt[i:i + 2]
                sgn[0, 0] = -s
                sgn[1, 0] = s
                np.multiply(blk, c, out=t1)
                np.multiply(blk[::-1], sgn, out=t2)
                np.add(t1, t2, out=blk)
                i -= 1
            if t == 0.0 and i >= j:
                continue
            d[j] -= u
            e[j] = g
            e[m] = 0.0
    # descending selection sort (swaps, as in Commons Math)
    for i in range(n):
        k, p = i, d[i]
        for jj in range(i + 1, n):
            if d[jj] > p:
                k, p = jj, d[jj]
        if k != i:
            d[k] = d[i]
            d[i] = p
            zt[[i, k]] = zt[[k, i]]
    big = max((abs(x) for x in d), default=0.0)
    if big != 0.0:
        d = [0.0 if abs(x) < _CM_EPS * big else x for x in d]
    return d, zt


def _eig_symmetric(np, a):
    main, sec, q = _eig_tridiagonalize(np, a)
    return _eig_tridiagonal_ql(np, main, sec, q)


def _eig_is_symmetric(np, x):
    n = x.shape[0]
    tol = 10 * n * n * _CM_EPS
    iu = np.triu_indices(n, 1)
    a, b = x[iu], x.T[iu]
    return not np.any(np.abs(a - b) > np.maximum(np.abs(a), np.abs(b)) * tol)


@builtin("eigen", "target", rule=_r_matrix_only(2), nret=2)
def eigen(x):
    """Eigenvalues (a column, ascending) and eigenvectors (columns) of a square matrix.

    Symmetric input follows SystemDS (Commons Math's tridiagonal QL) operation for operation, so
    the eigenvector signs and the bases of repeated eigenvalues agree; other input uses LAPACK."""
    np = _np()
    x = _mat(x, "eigen")
    n = x.shape[0]
    if n != x.shape[1]:
        raise OpError("eigen(): eigen decomposition can only be done on a square matrix, got a "
                      f"{n}x{x.shape[1]} matrix")
    if not np.all(np.isfinite(x)):
        raise OpError("eigen(): the matrix contains NaN or infinite values")
    x = np.array(x, dtype=np.float64)
    if _eig_is_symmetric(np, x):
        try:
            vals, rows = _eig_symmetric(np, x)
        except _EigenNoConvergence:
            # SystemDS retries with every entry nudged away from zero by 1e-8
            try:
                vals, rows = _eig_symmetric(np, x + np.sign(x) * 1e-8)
            except _EigenNoConvergence:
                raise OpError("eigen(): the eigen decomposition did not converge") from None
        # SystemDS's ascending selection sort (swaps) over Commons Math's descending order
        for i in range(n):
            k, p = i, vals[i]
            for j in range(i + 1, n):
                if vals[j] < p:
                    k, p = j, vals[j]
            if k != i:
                vals[k] = vals[i]
                vals[i] = p
                rows[[i, k]] = rows[[k, i]]
        return _out(np.array(vals, dtype=np.float64).reshape(n, 1)), _out(rows.T)
    vals, vecs = np.linalg.eig(x)
    vals = vals.real
    vecs = vecs.real
    order = np.argsort(vals, kind="stable")
    vals, vecs = vals[order], vecs[:, order]
    return _out(vals.reshape(n, 1)), _out(vecs)


SVD_PORT_MAX_WORK = 1e8     # m*n*min(m,n) beyond which LAPACK runs (faster; signs by the rule below)


@builtin("svd", "target", rule=_r_matrix_only(3), nret=3)
def svd(x):
    """Thin SVD: U (m x k), the singular values as a k x k diagonal matrix (descending), V (n x k)."""
    np = _np()
    x = _mat(x, "svd")
    if not np.all(np.isfinite(x)):
        raise OpError("svd(): the matrix contains NaN or infinite values")
    if x.shape[0] * x.shape[1] * min(x.shape) <= SVD_PORT_MAX_WORK:
        # SystemDS's scheme (Commons Math), for its signs of the singular vectors
        from .linalg_svd import svd as sysds_svd
        u, s, v = sysds_svd(x)
        return _out(u), _out(np.diag(s)), _out(v)
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


# ------------------------------------------------------------------ matrix square root
@builtin("sqrtMatrixJava", "target", rule=_r_matrix_only())
def sqrt_matrix_java(x):
    """The principal square root B (B %*% B = A) of a symmetric positive semi-definite A, as
    V sqrt(D) t(V) from its eigendecomposition (the native kernel of sqrtMatrix(S="COMMON")).
    Like SystemDS, a non-symmetric matrix (relative tolerance 1e-12) or a negative eigenvalue is
    an error.  SystemDS also fails when its decomposition yields an eigenvalue of exactly zero
    (e.g. for a zero matrix) yet not for one rounded to a tiny positive value; dmlpy accepts
    eigenvalues that are zero up to rounding and takes their root as 0."""
    np = _np()
    x = _mat(x, "sqrtMatrixJava")
    n = x.shape[0]
    if n != x.shape[1]:
        raise OpError(f"sqrtMatrixJava() requires a square matrix, got a {n}x{x.shape[1]} matrix")
    up = np.triu_indices(n, 1)
    a, b = x[up], x.T[up]
    if np.any(np.abs(a - b) > 1e-12 * np.maximum(np.abs(a), np.abs(b))):
        raise OpError("sqrtMatrixJava(): the matrix square root needs a symmetric matrix")
    vals, vecs = np.linalg.eigh(x)
    tol = n * np.finfo(np.float64).eps * (np.abs(vals).max() if n else 0.0)
    if np.any(vals < -tol):
        raise OpError("sqrtMatrixJava(): the matrix has a negative eigenvalue (its square root "
                      "is not real)")
    return _out((vecs * np.sqrt(np.clip(vals, 0.0, None))) @ vecs.T)
