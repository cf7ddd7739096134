"""Numba kernels of rand()'s counter-based generators cb_uniform and cb_normal (Philox4x64-10, as
dmlpy.runtime.rng_layout describes and implements in plain Python)."""
import math

import numpy as np
from numba import njit

from ..runtime import rng_layout as _L
from .javamath import java_cos, java_log, java_sin
from .pool import NTHREADS, executor

_U32 = np.uint64(32)
_UM32 = np.uint64(0xFFFFFFFF)
_PHILOX_M0 = np.uint64(_L._PHILOX_M0)
_PHILOX_M1 = np.uint64(_L._PHILOX_M1)
_PHILOX_W0 = np.uint64(_L._PHILOX_W0)
_PHILOX_W1 = np.uint64(_L._PHILOX_W1)
_U1 = np.uint64(1)
_U0 = np.uint64(0)


@njit(cache=True, inline="always")
def _mulhilo(a, b):
    """The 128-bit product of two uint64 as (high, low)."""
    a_lo = a & _UM32
    a_hi = a >> _U32
    b_lo = b & _UM32
    b_hi = b >> _U32
    ll = a_lo * b_lo
    hl = a_hi * b_lo
    lh = a_lo * b_hi
    cross = (ll >> _U32) + (hl & _UM32) + lh
    hi = a_hi * b_hi + (hl >> _U32) + (cross >> _U32)
    lo = (cross << _U32) | (ll & _UM32)
    return hi, lo


@njit(cache=True)
def _philox_block(ctr, key, n, u):
    """getDoubles(ctr, n) into u[:n] (ctr: uint64[4], advanced per full group of four)."""
    i = 0
    while i < n:
        c0 = ctr[0]
        c1 = ctr[1]
        c2 = ctr[2]
        c3 = ctr[3]
        k0 = key
        k1 = key
        for _ in range(10):
            h0, l0 = _mulhilo(_PHILOX_M0, c0)
            h1, l1 = _mulhilo(_PHILOX_M1, c2)
            c0 = h1 ^ c1 ^ k0
            c2 = h0 ^ c3 ^ k1
            c1 = l1
            c3 = l0
            k0 = k0 + _PHILOX_W0
            k1 = k1 + _PHILOX_W1
        m = min(4, n - i)
        for j in range(m):
            b = c0 if j == 0 else (c1 if j == 1 else (c2 if j == 2 else c3))
            u[i + j] = float(np.int64(b)) * 5.421010862427522e-20 + 0.5
        if m == 4:
            for q in range(4):
                ctr[q] = ctr[q] + _U1
                if ctr[q] != _U0:
                    break
        i += m


@njit(cache=True, nogil=True)
def _fill_cb(out, seeds, rl, ru, cl, cu, blen, normal):
    rows, cols = out.shape
    ncb = (cols + blen - 1) // blen
    ctr = np.zeros(4, dtype=np.uint64)
    u = np.empty(blen * blen + 1, dtype=np.float64)
    for bi in range(rl, ru):
        for bj in range(cl, cu):
            r0 = bi * blen
            c0 = bj * blen
            br = min(blen, rows - r0)
            bc = min(blen, cols - c0)
            n = br * bc
            key = np.uint64(seeds[bi * ncb + bj])
            if normal:
                _philox_block(ctr, key, n + n % 2, u)
                for q in range(0, n, 2):
                    v1 = math.sqrt(-2 * java_log(u[q]))
                    v2 = 2 * math.pi * u[q + 1]
                    a = v1 * java_cos(v2)
                    out[r0 + q // bc, c0 + q % bc] = a
                    if q + 1 < n:
                        out[r0 + (q + 1) // bc, c0 + (q + 1) % bc] = v1 * java_sin(v2)
            else:
                _philox_block(ctr, key, n, u)
                for i in range(br):
                    for j in range(bc):
                        out[r0 + i, c0 + j] = u[i * bc + j]


def fill_cb(out, seeds, blen, normal, tasks):
    """cb_uniform / cb_normal: each task (rl, ru, cl, cu) runs with its own counter."""
    ex = executor() if len(tasks) > 1 and NTHREADS > 1 else None
    if ex is None:
        for rl, ru, cl, cu in tasks:
            _fill_cb(out, seeds, rl, ru, cl, cu, int(blen), bool(normal))
        return
    futs = [ex.submit(_fill_cb, out, seeds, rl, ru, cl, cu, int(blen), bool(normal))
            for rl, ru, cl, cu in tasks]
    for f in futs:
        f.result()
