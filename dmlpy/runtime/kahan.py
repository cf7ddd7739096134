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
SPARSE_TURN = 0.4                # SystemDS's sparsity turn point


def held_sparse(x: np.ndarray) -> bool:
    """Whether SystemDS would hold x in its sparse format."""
    n, m = x.shape
    return m > 1 and n * m > 0 and np.count_nonzero(x) < SPARSE_TURN * n * m


def kahan_row_sums(x: np.ndarray) -> np.ndarray:
    """Row sums (n x 1) with Kahan compensation, each row summed left to right."""
    n, m = x.shape
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
            if sparse:
                nz = v != 0
                c = np.where(nz, (t - s) - y, c)
                s = np.where(nz, t, s)
            else:
                c = (t - s) - y
                s = t
            if not np.isfinite(c).all():
                # an infinite term or sum: SystemDS adds plainly and drops the correction
                bad = ~np.isfinite(c)
                c[bad] = 0.0
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
