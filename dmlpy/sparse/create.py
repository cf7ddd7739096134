"""Sparse values made from scratch: rand() with sparsity < 1 generated straight into CSR (the same
numbers as the dense generator, bit for bit), empty matrices, and CSR assembly helpers."""
from __future__ import annotations

import math

import numpy as np

from . import choose, prefer_sparse
from .warm import warm_types

_BAND_ENTRIES = 1 << 16     # expected entries per thread before the bands are split over threads


def index_dtype(nnz: int, dims: int):
    """int32 where the indices and the counts fit, as scipy picks them; int64 otherwise."""
    return np.int32 if max(nnz, dims) < 2 ** 31 - 1 else np.int64


def value_dtype():
    """The dtype of a new sparse value's data: the run's precision (float32 under --precision
    single, so that no float64 copy is made first and converted after)."""
    from ..backends import run_dtype
    return np.float32 if run_dtype() == np.float32 else np.float64


def csr(data, indices, indptr, shape, canonical=False):
    """A csr_array over these arrays (not copied when their dtypes fit), its values in the run's
    precision. canonical: the caller knows each row's column indexes are sorted and distinct, and
    says so (scipy would otherwise check it with a pass over all of them at its first use)."""
    from scipy.sparse import csr_array
    idt = index_dtype(int(indptr[-1]) if len(indptr) else 0, max(shape))
    x = csr_array((np.asarray(data, dtype=value_dtype()), np.asarray(indices, dtype=idt),
                   np.asarray(indptr, dtype=idt)), shape=shape, copy=False)
    if canonical:
        x.has_sorted_indices = True
        x.has_canonical_format = True
    return x


def empty(rows: int, cols: int):
    """An all-zero rows x cols csr_array (no entries)."""
    return csr(np.zeros(0), np.zeros(0, np.int32), np.zeros(rows + 1, np.int32), (rows, cols), True)


def rand(rows, cols, min=0.0, max=1.0, sparsity=1.0, seed=-1, pdf="uniform",  # noqa: A002
         lambda_=1.0):
    """rand() as a csr_array when the expected result is sparse (prefer_sparse on
    sparsity * rows * cols non-zeros), else None (the caller generates it dense). ValueError for
    bad arguments, with runtime.rng's messages."""
    from ..runtime import rng
    rows, cols, mn, mx, sparsity, seed, pdf, mean = rng.check_rand_args(
        rows, cols, min, max, sparsity, seed, pdf, lambda_)
    if sparsity >= 1.0 or rows == 0 or cols == 0:
        return None
    zero = sparsity == 0.0 or (pdf == "uniform" and mn == 0.0 and mx == 0.0) or pdf.startswith("cb_")
    expected = 0 if zero else math.ceil(sparsity * rows * cols)
    if not prefer_sparse(rows, cols, expected):
        return None
    if zero:
        return empty(rows, cols)         # SystemDS fills cb_* matrices only for sparsity 1
    if pdf != "uniform":
        mn, mx = 0.0, 1.0
    if seed == -1:
        seed = rng.random_seed()
    from ..runtime.rng_layout import BLOCKSIZE, block_plan
    from ..kernels.rng_kernels import block_seeds      # rng.block_seeds, compiled
    seeds = block_seeds(seed & 0xFFFFFFFFFFFF, -(-rows // BLOCKSIZE) * -(-cols // BLOCKSIZE))
    flags, first = block_plan(rows, cols, sparsity, BLOCKSIZE)
    return choose(_generate(seeds, rows, cols, BLOCKSIZE, rng.PDFS.index(pdf), mn, mx - mn,
                            sparsity, mean, np.array(flags, dtype=np.uint8), first, expected))


def _generate(seeds, rows, cols, blen, pdf, mn, rg, sparsity, mean, flags, first, expected):
    """The CSR arrays of a sparse rand(), in two passes of rand_kernels over the row bands (split
    over the kernels' threads): count the drawn cells of every row, then write the entries in
    place into arrays of exactly that size."""
    from .rand_kernels import close_holes, count_bands, fill_bands
    nrb = -(-rows // blen)
    per_band = max(1, expected // nrb)
    ptr = np.empty(rows + 1, dtype=np.int64)
    ptr[0] = 0
    _bands(count_bands, nrb, per_band, seeds, rows, cols, blen, pdf, sparsity, mean, flags, first,
           ptr)
    np.cumsum(ptr, out=ptr)
    n = int(ptr[-1])
    idt = index_dtype(n, max(rows, cols))
    indices = np.empty(n, dtype=idt)
    data = np.empty(n, dtype=value_dtype())
    zeros = np.zeros(nrb, dtype=np.int64)
    _bands(fill_bands, nrb, per_band, seeds, rows, cols, blen, pdf, mn, rg, sparsity, mean, flags,
           first, ptr, zeros, indices, data, loaded=lambda: warm_types(n, data.dtype, idt, idt))
    if zeros.any():                      # drawn zeros left holes at their bands' ends
        close_holes(ptr, zeros, blen, indices, data)
        m = int(ptr[-1])
        if m < n - n // 4:               # over a quarter unused: copied to the exact size
            indices, data = indices[:m].copy(), data[:m].copy()
        n = m
    return csr(data[:n], indices[:n], ptr.astype(idt, copy=False), (rows, cols), canonical=True)


def _bands(kernel, nrb, per_band, *args, loaded=None):
    """kernel(b_lo, b_hi, *args) over all nrb bands, split over the kernels' threads when there
    are enough entries (the first call too: pool.parallel_split_first); loaded() is called once
    the kernel is loaded, before the bands run."""
    from ..kernels.pool import parallel_split_first
    parallel_split_first(kernel, nrb, per_band, *args, min_work=_BAND_ENTRIES, loaded=loaded)
