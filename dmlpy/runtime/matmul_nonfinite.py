"""NaN and infinities in A %*% B as SystemDS 3.4 propagates them.

SystemDS's kernels never multiply by the zeros they skip: a matrix it holds sparse (under 40%
non-zeros, more than one column) contributes its non-zeros only, and its dense kernels for
matrix-matrix and vector-matrix products (and every product with a sparse right operand) skip
the zeros of the left operand.  So NaN * 0 and Inf * 0 terms, NaN in BLAS, are absent there:
``p %*% P`` with a NaN in p and P a sparse projection is NaN only in the columns P maps that cell
to.  Products that follow SystemDS's loops (dmlpy.kernels.sysds_matmul) skip as SystemDS does;
this module corrects the products left to BLAS, and only when their result holds a non-finite
value (a cheap check on the result; the correction costs a few products of 0/1 matrices).

Finite cells keep the value computed with the non-finite operand cells set to zero (those terms
are absent from such a cell or are exact zeros).  A cell with a counted non-finite term is NaN
when a term is NaN (NaN * x, or Inf * 0 where the zero is not skipped) or terms of both signed
infinities meet, else the infinity of its sign.
"""
from __future__ import annotations

import numpy as np

from . import kahan


def result_suspect(r) -> bool:
    """Whether the product r has a non-finite cell (then `correct` may change it)."""
    return type(r) is np.ndarray and r.size > 0 and not np.isfinite(r.sum())


def skips(a: np.ndarray, b: np.ndarray) -> tuple[bool, bool]:
    """(zeros of a skipped, zeros of b skipped) by SystemDS's kernel for a %*% b (dense arrays)."""
    m, cd = a.shape
    n = b.shape[1]
    sparse_a = kahan.held_sparse(a)
    sparse_b = kahan.held_sparse(b)
    # dense kernels: dot products (n = 1, and the skinny right operand's transposed dots) multiply
    # every pair; the vector-matrix and matrix-matrix kernels skip the zeros of the left operand
    skinny = m > n and cd > n and n < 64 and 8 * cd * n < 256 * 1024
    dense_skip_a = n > 1 and not skinny
    return sparse_a or sparse_b or dense_skip_a, sparse_b


def correct(a: np.ndarray, b: np.ndarray, r: np.ndarray, product) -> np.ndarray:
    """r = a %*% b (computed by BLAS) with SystemDS's non-finite cells; product(x, y) recomputes
    a product of finite operands the way r was computed."""
    if not (np.count_nonzero(a) and np.count_nonzero(b)):
        return np.zeros(r.shape, dtype=r.dtype)       # SystemDS: an empty operand, an empty result
    fa, fb = ~np.isfinite(a), ~np.isfinite(b)
    if not (fa.any() or fb.any()):
        return r                                      # an overflow of finite terms: as BLAS
    skip_a, skip_b = skips(a, b)
    dt = r.dtype
    a0 = np.where(fa, 0, a).astype(dt, copy=False)
    b0 = np.where(fb, 0, b).astype(dt, copy=False)
    out = np.array(product(a0, b0), dtype=dt, copy=True)

    def classes(x, skip):
        counted = (x != 0) if skip else np.ones(x.shape, bool)
        nan = np.isnan(x)
        pinf, ninf = x == np.inf, x == -np.inf
        zero = (x == 0) & counted
        pos = (x > 0) & counted
        neg = (x < 0) & counted
        return {"any": counted.astype(float), "nan": nan.astype(float),
                "notnan": (counted & ~nan).astype(float), "inf": (pinf | ninf).astype(float),
                "zero": zero.astype(float), "pinf": pinf.astype(float), "ninf": ninf.astype(float),
                "pos": pos.astype(float), "neg": neg.astype(float),
                "pfin": (pos & ~pinf).astype(float), "nfin": (neg & ~ninf).astype(float)}

    A, B = classes(a, skip_a), classes(b, skip_b)
    nan = A["nan"] @ B["any"] + A["notnan"] @ B["nan"] + A["inf"] @ B["zero"] + A["zero"] @ B["inf"]
    pinf = A["pinf"] @ B["pos"] + A["ninf"] @ B["neg"] + A["pfin"] @ B["pinf"] + A["nfin"] @ B["ninf"]
    ninf = A["pinf"] @ B["neg"] + A["ninf"] @ B["pos"] + A["pfin"] @ B["ninf"] + A["nfin"] @ B["pinf"]
    out[pinf > 0] = np.inf
    out[ninf > 0] = -np.inf
    out[(nan > 0) | ((pinf > 0) & (ninf > 0))] = np.nan
    return out
