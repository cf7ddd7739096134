"""Sparse values made from scratch: rand() with sparsity < 1 generated straight into CSR (the same
numbers as the dense generator, bit for bit), empty matrices, and CSR assembly helpers."""
from __future__ import annotations

import math

import numpy as np

from . import choose, prefer_sparse

_BAND_ENTRIES = 1 << 16     # below this many expected entries, one thread does the whole job


def index_dtype(nnz: int, dims: int):
    """int32 where the indices and the counts fit, as scipy picks them; int64 otherwise."""
    return np.int32 if max(nnz, dims) < 2 ** 31 - 1 else np.int64


def value_dtype():
    """The dtype of a new sparse value's data: the run's precision (float32 under --precision
    single, so that no float64 copy is made first and converted after)."""
    from ..backends import run_dtype
    return np.float32 if run_dtype() == np.float32 else np.float64


def csr(data, indices, indptr, shape):
    """A csr_array over these arrays (not copied when their dtypes fit), its values in the run's
    precision."""
    from scipy.sparse import csr_array
    idt = index_dtype(int(indptr[-1]) if len(indptr) else 0, max(shape))
    return csr_array((np.asarray(data, dtype=value_dtype()), np.asarray(indices, dtype=idt),
                      np.asarray(indptr, dtype=idt)), shape=shape, copy=False)


def empty(rows: int, cols: int):
    """An all-zero rows x cols csr_array (no entries)."""
    return csr(np.zeros(0), np.zeros(0, np.int32), np.zeros(rows + 1, np.int32), (rows, cols))


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
    seeds = np.array(rng.block_seeds(seed, rows, cols), dtype=np.int64)
    flags, first = block_plan(rows, cols, sparsity, BLOCKSIZE)
    return choose(_generate(seeds, rows, cols, BLOCKSIZE, rng.PDFS.index(pdf), mn, mx - mn,
                            sparsity, mean, np.array(flags, dtype=np.uint8), first, expected))


def _generate(seeds, rows, cols, blen, pdf, mn, rg, sparsity, mean, flags, first, expected):
    from ..kernels.pool import NTHREADS, executor, first_call
    from .rand_kernels import gen_bands
    nrb = -(-rows // blen)
    k = max(1, min(NTHREADS, nrb, expected // _BAND_ENTRIES))
    bounds = [nrb * i // k for i in range(k + 1)]
    slack = int(expected * 1.02) + 64

    def job(i):
        lo, hi = bounds[i], bounds[i + 1]
        cap = slack * (hi - lo) // nrb + 64
        return gen_bands(seeds, lo, hi, rows, cols, blen, pdf, mn, rg, sparsity, mean, flags,
                         first, cap)

    if k == 1:
        pieces = [job(0)]
    else:
        args = (seeds, 0, 1, rows, cols, blen, pdf, mn, rg, sparsity, mean, flags, first, 0)
        p0 = job(0) if first_call(gen_bands, args) else None   # compiled once, on this thread
        futs = [executor().submit(job, i) for i in range(1, k)]
        pieces = [job(0) if p0 is None else p0] + [f.result() for f in futs]
    return _assemble(pieces, rows, cols)


def _assemble(pieces, rows, cols):
    """One csr_array from consecutive row ranges given as (row_counts, indices, values)."""
    nnz = sum(int(p[1].shape[0]) for p in pieces)
    idt = index_dtype(nnz, max(rows, cols))
    indptr = np.empty(rows + 1, dtype=idt)
    indptr[0] = 0
    indices = np.empty(nnz, dtype=idt)
    data = np.empty(nnz, dtype=value_dtype())
    r = o = 0
    for n in range(len(pieces)):
        counts, j, v = pieces[n]
        pieces[n] = None                 # each piece is freed once copied
        m = counts.shape[0]
        np.cumsum(counts, out=indptr[r + 1:r + 1 + m])
        indptr[r + 1:r + 1 + m] += o
        indices[o:o + j.shape[0]] = j
        data[o:o + v.shape[0]] = v
        r += m
        o += j.shape[0]
        del counts, j, v
    return csr(data, indices, indptr, (rows, cols))

