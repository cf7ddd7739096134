"""How SystemDS lays out a random matrix (runtime/rng.py): which blocks are generated in sparse or
dense format (its MCSR/dense size estimates), and the counter-based Philox4x64-10 streams of the
cb_uniform/cb_normal pdfs with SystemDS's split of blocks into tasks."""
from __future__ import annotations

import math
import os

import numpy as np

from .javamath import _s64, java_cos, java_log, java_long, java_sin

BLOCKSIZE = 1000            # SystemDS's default block size (rows and columns per block)
_MASK64 = (1 << 64) - 1

# Threads SystemDS would use for a multi-threaded rand() (Runtime.availableProcessors()); only
# the counter-based generators (cb_uniform, cb_normal) depend on it.  None: this machine's.
CB_PARALLELISM = None

# ---------------------------------------------------------------------------- Philox (cb_*)
_PHILOX_M0 = 0xD2E7470EE14C6C93
_PHILOX_M1 = 0xCA5A826395121157
_PHILOX_W0 = 0x9E3779B97F4A7C15
_PHILOX_W1 = 0xBB67AE8584CAA73B


def philox4x64(ctr, key):
    """Philox4x64 with 10 rounds (PhiloxUniformCBPRNGenerator), on unsigned 64-bit ints."""
    c0, c1, c2, c3 = ctr
    k0, k1 = key
    for _ in range(10):
        p0 = _PHILOX_M0 * c0
        p1 = _PHILOX_M1 * c2
        c0, c1, c2, c3 = ((p1 >> 64) ^ c1 ^ k0) & _MASK64, p1 & _MASK64, \
            ((p0 >> 64) ^ c3 ^ k1) & _MASK64, p0 & _MASK64
        k0 = (k0 + _PHILOX_W0) & _MASK64
        k1 = (k1 + _PHILOX_W1) & _MASK64
    return c0, c1, c2, c3


def philox_doubles(ctr: list, seed: int, n: int) -> list:
    """PhiloxUniformCBPRNGenerator.getDoubles(ctr, n): uniform doubles; advances ctr by one
    per full group of four (a trailing partial group does not advance it)."""
    key = (seed & _MASK64, seed & _MASK64)
    bits = []
    for _ in range(n // 4):
        bits.extend(philox4x64(ctr, key))
        for i in range(4):
            ctr[i] = (ctr[i] + 1) & _MASK64
            if ctr[i]:
                break
    if n % 4:
        bits.extend(philox4x64(ctr, key)[:n % 4])
    # long * (0.5 / Long.MAX_VALUE) + 0.5, i.e. signed long * 2^-64 + 0.5
    return [float(_s64(b)) * 5.421010862427522e-20 + 0.5 for b in bits]


def philox_normals(ctr: list, seed: int, n: int) -> list:
    """PhiloxNormalCBPRNGenerator.getDoubles(ctr, n): Box-Muller on n (+1 if odd) uniforms."""
    u = philox_doubles(ctr, seed, n + n % 2)
    out = []
    for i in range(0, n, 2):
        v1 = math.sqrt(-2 * java_log(u[i]))
        v2 = 2 * math.pi * u[i + 1]
        out.append(v1 * java_cos(v2))
        if i + 1 < n:
            out.append(v1 * java_sin(v2))
    return out


def cb_parallelism() -> int:
    if CB_PARALLELISM is not None:
        return int(CB_PARALLELISM)
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def cb_tasks(rows: int, cols: int, blen: int = BLOCKSIZE, k: int | None = None) -> list:
    """Block ranges (rl, ru, cl, cu) that SystemDS generates with a fresh counter each: one for
    fewer than 512K cells, else its split over k threads (by row blocks, or by column blocks
    when there are fewer row blocks than threads and more column blocks than row blocks)."""
    nrb = -(-rows // blen)
    ncb = -(-cols // blen)
    k = cb_parallelism() if k is None else k
    if k <= 1 or rows * cols < 512 * 1024:
        return [(0, nrb, 0, ncb)]
    parcol = nrb < k and ncb > nrb
    parnb = ncb if parcol else nrb
    blk = -(-parnb // k)
    tasks = []
    for i in range(k):
        if i * blk >= parnb:
            break
        lo, hi = i * blk, min((i + 1) * blk, parnb)
        tasks.append((0, nrb, lo, hi) if parcol else (lo, hi, 0, ncb))
    return tasks


def _fill_cb_py(out, seeds, blen, normal, tasks) -> None:
    rows, cols = out.shape
    ncb = -(-cols // blen)
    for rl, ru, cl, cu in tasks:
        ctr = [0, 0, 0, 0]
        for bi in range(rl, ru):
            for bj in range(cl, cu):
                r0, c0 = bi * blen, bj * blen
                br, bc = min(blen, rows - r0), min(blen, cols - c0)
                seed = seeds[bi * ncb + bj]
                gen = philox_normals if normal else philox_doubles
                out[r0:r0 + br, c0:c0 + bc] = np.array(gen(ctr, seed, br * bc)).reshape(br, bc)


# ---------------------------------------------------------------------------- sparsity rules
def _sparse_size_estimate(nrows: int, ncols: int, sp: float) -> int:
    """MatrixBlock.estimateSizeSparseInMemory for the default MCSR format (bytes)."""
    size = 0.0
    if sp != 0:
        nnz = math.ceil(sp * nrows * ncols)
        rlen = min(nrows, nnz)
        cnnz = max(4.0, nnz / rlen)
        row = int(88 + 12 * max(1.0, cnnz))            # per-row object overheads + 12 B per nnz
        size = min(16 + (32 + 8.0 * nrows) + rlen * row, 9.223372036854775807e18)
        size = java_long(size)
    return java_long(min(56 + size, 9.223372036854775807e18))


def _dense_size_estimate(nrows: int, ncols: int) -> int:
    return java_long(min(56 + (64 + (32 + 8.0 * (nrows * ncols))), 9.223372036854775807e18))


def _eval_sparse(nrows: int, ncols: int, nnz: int) -> bool:
    """MatrixBlock.evalSparseFormatInMemory: sparse (MCSR) if that is estimated smaller."""
    sp = nnz / nrows / ncols
    if not (sp < 0.4 and ncols > 1):
        return False
    return _sparse_size_estimate(nrows, ncols, sp) < _dense_size_estimate(nrows, ncols)


def output_is_sparse(rows: int, cols: int, sparsity: float) -> bool:
    """The format SystemDS allocates the whole rand() output in (sequential generation for
    fewer than 512K cells uses ceil(nnz), the multi-threaded one a truncated nnz)."""
    cells = sparsity * rows * cols
    nnz = math.ceil(cells) if rows * cols < 512 * 1024 else java_long(cells)
    return _eval_sparse(rows, cols, nnz)


def block_is_sparse(brows: int, bcols: int, sparsity: float) -> bool:
    """Whether SystemDS generates a block with sparsity < 1 by geometric skips (sparse format)
    rather than by a coin flip per cell (MatrixBlock.evalSparseFormatInMemory)."""
    if not sparsity < 1:
        return False
    return _eval_sparse(brows, bcols, java_long(sparsity * brows * bcols))


def block_plan(rows: int, cols: int, sparsity: float, blen: int = BLOCKSIZE):
    """(sparse_flags, first_block): whether blocks are generated in sparse format, indexed
    [is last row block][is last column block], and the first block whose values survive.

    The latter is 0 except for a SystemDS quirk: when the output was allocated dense
    (output_is_sparse is false) and a block is generated in sparse format, SystemDS switches
    the output to sparse there and the values of all blocks generated before are lost."""
    nrb = -(-rows // blen)
    ncb = -(-cols // blen)
    flags = [[False, False], [False, False]]
    if sparsity < 1.0 and nrb and ncb:
        heights = (min(blen, rows), rows - (nrb - 1) * blen)
        widths = (min(blen, cols), cols - (ncb - 1) * blen)
        for a in (0, 1):
            for b in (0, 1):
                flags[a][b] = block_is_sparse(heights[a], widths[b], sparsity)
    first = 0
    if sparsity < 1.0 and not output_is_sparse(rows, cols, sparsity):
        for k in range(nrb * ncb):
            bi, bj = divmod(k, ncb)
            if flags[bi == nrb - 1][bj == ncb - 1]:
                first = k
                break
    return flags, first
