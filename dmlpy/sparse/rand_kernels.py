"""Numba kernels of sparse rand(): SystemDS's random stream (runtime/rng.py describes it) generated
straight into the final CSR arrays, in two passes over bands of 1000-row blocks.

The draws are exactly those of kernels/rng_kernels._fill (the dense kernel), so the values agree
bit for bit. The first pass (`count_bands`) runs only the blocks' cell streams, which say which
cells are drawn, and counts the drawn cells of every row: their cumulative sums are the rows'
places in the final arrays, known before anything is written. The second pass (`fill_bands`) runs
the cell and value streams again and writes each entry at its row's cursor. A band's blocks are
generated left to right and each block's cells in row-major order, so every row's column indices
come out sorted. A drawn value of exactly zero is not stored: its row ends early, the band's rows
are moved up to close the holes, and the band ends early too; `close_holes` then moves the bands
together (poisson draws zeros often; uniform and normal draws almost never).

Both passes draw a block's cells a chunk at a time in one tight loop and count or store them in
another (the writing pass ran at half the speed with one loop doing both). They take their range
of bands first (b_lo, b_hi), as kernels/pool.parallel calls them.
"""

import numpy as np
from numba import njit

from ..kernels.rng_kernels import _block_start, _gen_next, _geom_skip, _jr_double, gen_setup


_CHUNK = 128     # cells of a block drawn (a tight loop) before they are stored (another)


@njit(cache=True)
def _draw_cells(ns, idx, total, log1mp, cells):
    """Up to len(cells) more cells of a block generated in sparse format (geometric skips on from
    cell idx, 1-based, of total), without their values: (ns, idx, m), m cells drawn into cells
    (0-based); fewer than len(cells) once the block is done."""
    cap = cells.shape[0]
    m = 0
    while m < cap and idx < total:
        ns, idx = _geom_skip(ns, idx, total, log1mp)
        if idx == 0:
            break
        cells[m] = idx - 1
        m += 1
    return ns, idx, m


@njit(cache=True, nogil=True)
def count_bands(b_lo, b_hi, seeds, rows, cols, blen, pdf, sparsity, mean, flags, first, ptr):
    """Pass 1 over bands b_lo..b_hi-1: ptr[r + 1] = the number of cells drawn in row r."""
    nrb, ncb, log1mp, p, us, ist, fst = gen_setup(rows, cols, blen, sparsity, mean)
    cells = np.empty(_CHUNK, dtype=np.int64)
    for bi in range(b_lo, b_hi):
        r0 = bi * blen
        br = min(blen, rows - r0)
        for r in range(r0 + 1, r0 + br + 1):
            ptr[r] = 0
        for bj in range(ncb):
            k = bi * ncb + bj
            if k < first:
                continue
            bc = min(blen, cols - bj * blen)
            ns = _block_start(pdf, seeds[k], us, ist, fst, mean, p)
            if flags[1 if bi == nrb - 1 else 0, 1 if bj == ncb - 1 else 0]:
                if log1mp == 0.0:
                    continue                 # 1 - sparsity == 1: SystemDS never terminates
                total = br * bc
                idx = 0
                m = _CHUNK
                while m == _CHUNK:
                    ns, idx, m = _draw_cells(ns, idx, total, log1mp, cells)
                    for t in range(m):
                        ptr[r0 + 1 + cells[t] // bc] += 1
            else:
                for i in range(br):
                    n = 0
                    for j in range(bc):
                        ns, u = _jr_double(ns)
                        if u <= sparsity:
                            n += 1
                    ptr[r0 + 1 + i] += n


@njit(cache=True)
def _draw(pdf, ns, idx, total, log1mp, mn, rg, us, ist, fst, mean, p, cells, vals):
    """Up to len(cells) more cells of a block generated in sparse format (geometric skips on from
    cell idx, 1-based, of total) with their values: (ns, idx, m), m cells drawn into cells
    (0-based) and vals; fewer than len(cells) once the block is done."""
    cap = cells.shape[0]
    m = 0
    if pdf == 0:                             # uniform: the value stream kept in a register
        vs = us[0]
        while m < cap and idx < total:
            ns, idx = _geom_skip(ns, idx, total, log1mp)
            if idx == 0:
                break
            vs, u = _jr_double(vs)
            cells[m] = idx - 1
            vals[m] = mn + rg * u
            m += 1
        us[0] = vs
        return ns, idx, m
    while m < cap and idx < total:
        ns, idx = _geom_skip(ns, idx, total, log1mp)
        if idx == 0:
            break
        cells[m] = idx - 1
        vals[m] = mn + rg * _gen_next(pdf, us, ist, fst, mean, p)
        m += 1
    return ns, idx, m


@njit(cache=True)
def _scatter(m, cells, vals, bc, c0, cur, indices, data):
    """Stores m drawn cells of a block (row-major, bc columns from column c0) and their values at
    their rows' cursors in cur; returns the number of zero values (not stored)."""
    nz = 0
    for t in range(m):
        v = vals[t]
        if v != 0.0:
            c = cells[t]
            i = c // bc
            q = cur[i]
            indices[q] = c0 + c - i * bc
            data[q] = v
            cur[i] = q + 1
        else:
            nz += 1
    return nz


@njit(cache=True, nogil=True)
def fill_bands(b_lo, b_hi, seeds, rows, cols, blen, pdf, mn, rg, sparsity, mean, flags, first,
               ptr, zeros, indices, data):
    """Pass 2 over bands b_lo..b_hi-1: row r's entries written at indices/data[ptr[r]:ptr[r + 1]].
    zeros[bi] = the number of zeros drawn (not stored) in band bi; where it is not 0, the band's
    rows follow each other from ptr[r0] on (their ptr moved; r0 its first row, r1 the next band's)
    and the band ends zeros[bi] entries before ptr[r1]."""
    nrb, ncb, log1mp, p, us, ist, fst = gen_setup(rows, cols, blen, sparsity, mean)
    cur = np.empty(blen, dtype=np.int64)     # each row's next place
    cells = np.empty(_CHUNK, dtype=np.int64)
    vals = np.empty(_CHUNK, dtype=np.float64)
    for bi in range(b_lo, b_hi):
        r0 = bi * blen
        br = min(blen, rows - r0)
        for i in range(br):
            cur[i] = ptr[r0 + i]
        nz = 0
        for bj in range(ncb):
            k = bi * ncb + bj
            if k < first:
                continue
            c0 = bj * blen
            bc = min(blen, cols - c0)
            ns = _block_start(pdf, seeds[k], us, ist, fst, mean, p)
            if flags[1 if bi == nrb - 1 else 0, 1 if bj == ncb - 1 else 0]:
                if log1mp == 0.0:
                    continue
                total = br * bc
                idx = 0
                m = _CHUNK
                while m == _CHUNK:
                    ns, idx, m = _draw(pdf, ns, idx, total, log1mp, mn, rg, us, ist, fst, mean, p,
                                       cells, vals)
                    nz += _scatter(m, cells, vals, bc, c0, cur, indices, data)
            else:
                for i in range(br):
                    q = cur[i]
                    for j in range(bc):
                        ns, u = _jr_double(ns)
                        if u <= sparsity:
                            v = mn + rg * _gen_next(pdf, us, ist, fst, mean, p)
                            if v != 0.0:
                                indices[q] = c0 + j
                                data[q] = v
                                q += 1
                            else:
                                nz += 1
                    cur[i] = q
        if nz:                               # rows end early: each moved up to the previous
            o = cur[0]
            for i in range(1, br):
                s = ptr[r0 + i]
                ptr[r0 + i] = o
                for q in range(s, cur[i]):
                    indices[o] = indices[q]
                    data[o] = data[q]
                    o += 1
        zeros[bi] = nz


@njit(cache=True)
def close_holes(ptr, zeros, blen, indices, data):
    """After fill_bands drew zeros: moves every band's entries down to follow the previous band's
    (a forward copy within the arrays) and shifts its rows' ptr; ptr[-1] becomes the number of
    entries."""
    rows = ptr.shape[0] - 1
    o = 0
    for bi in range(zeros.shape[0]):
        r0 = bi * blen
        r1 = min(rows, r0 + blen)
        s = ptr[r0]
        e = ptr[r1] - zeros[bi]
        d = o - s
        if d != 0:
            for q in range(s, e):
                indices[q + d] = indices[q]
                data[q + d] = data[q]
            for r in range(r0, r1):
                ptr[r] += d
        o += e - s
    ptr[rows] = o
