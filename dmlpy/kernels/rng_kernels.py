"""Numba kernels for dmlpy.runtime.rng: SystemDS-compatible rand() and sample().

The algorithms, and the pure-Python versions they must agree with bit for bit, are described in
dmlpy/runtime/rng.py; this file only makes them fast.  The tables are imported from there
(they are frozen into the compiled code; they never change).  Java's Math.log/sin/cos live in
kernels/javamath.py, the cb_* (Philox) generators in kernels/rng_philox.py; their entry points stay
importable from here.
"""
import math

import numpy as np
from numba import njit

from ..runtime import rng as _R
from ..runtime import rng_layout as _L
from .javamath import _I64MAX, _M32, _java_long, java_cos, java_log, java_sin
from .pool import parallel
from .rng_philox import fill_cb  # noqa: F401 - re-exported (runtime.rng)

_QI = np.array(_R._EXP_SA_QI, dtype=np.float64)

_LCG_MULT = np.uint64(0x5DEECE66D)
_LCG_ADD = np.uint64(0xB)
_MASK48 = np.uint64((1 << 48) - 1)
_U16 = np.uint64(16)
_U17 = np.uint64(17)
_U21 = np.uint64(21)
_U22 = np.uint64(22)
_TWO63 = 9.223372036854775807e18
_INT_MAX = 2147483647


# ---------------------------------------------------------------------------- java.util.Random
@njit(cache=True, inline="always")
def _lcg_seed(seed):
    return np.uint64((seed ^ 0x5DEECE66D) & 0xFFFFFFFFFFFF)


@njit(cache=True, inline="always")
def _lcg(s):
    return (s * _LCG_MULT + _LCG_ADD) & _MASK48


@njit(cache=True, inline="always")
def _jr_double(s):
    s1 = _lcg(s)
    s2 = _lcg(s1)
    v = (np.int64(s1 >> _U22) << 27) + np.int64(s2 >> _U21)
    return s2, float(v) * 1.1102230246251565e-16


@njit(cache=True, inline="always")
def _jr_int_bound(s, bound):
    s = _lcg(s)
    r = np.int64(s >> _U17)
    m = bound - 1
    if bound & m == 0:
        return s, (bound * r) >> 31
    u = r
    r = u % bound
    while u - r + m >= 0x80000000:
        s = _lcg(s)
        u = np.int64(s >> _U17)
        r = u % bound
    return s, r


@njit(cache=True, inline="always")
def _jr_long63(s):
    """nextLong() with its sign bit cleared ((r.nextLong() << 1) >>> 1)."""
    s1 = _lcg(s)
    s2 = _lcg(s1)
    hi = np.int64(s1 >> _U16) & 0x7FFFFFFF   # bit 63 of the long is dropped anyway
    lo = np.int64(s2 >> _U16)
    if lo >= 0x80000000:
        lo -= 0x100000000                    # next(32) is a signed int
    return s2, ((hi << 32) + lo) & 0x7FFFFFFFFFFFFFFF


# ---------------------------------------------------------------------------- Well1024a
@njit(cache=True)
def _well_seed_long(st, seed):
    st[0] = (seed >> 32) & _M32
    st[1] = seed & _M32
    for i in range(2, 32):
        prev = st[i - 2]
        if prev >= 0x80000000:
            prev -= 0x100000000
        st[i] = (1812433253 * (prev ^ (prev >> 30)) + i) & _M32
    st[32] = 0


@njit(cache=True, inline="always")
def _well_next(st, bits):
    i = st[32]
    irm1 = (i + 31) & 31
    vm1 = st[(i + 3) & 31]
    vm2 = st[(i + 24) & 31]
    vm3 = st[(i + 10) & 31]
    z0 = st[irm1]
    z1 = st[i] ^ vm1 ^ (vm1 >> 8)
    z2 = vm2 ^ ((vm2 << 19) & _M32) ^ vm3 ^ ((vm3 << 14) & _M32)
    z3 = z1 ^ z2
    z4 = z0 ^ ((z0 << 11) & _M32) ^ z1 ^ ((z1 << 7) & _M32) ^ z2 ^ ((z2 << 13) & _M32)
    st[i] = z3
    st[irm1] = z4
    st[32] = irm1
    return z4 >> (32 - bits)


@njit(cache=True, inline="always")
def _well_double(st):
    hi = _well_next(st, 26)
    lo = _well_next(st, 26)
    return float((hi << 26) | lo) * 2.220446049250313e-16


@njit(cache=True)
def _well_gaussian(st, fst):
    g = fst[1]
    if g == g:
        fst[1] = np.nan
        return g
    x = _well_double(st)
    y = _well_double(st)
    alpha = 2 * math.pi * x
    r = math.sqrt(-2 * math.log(y))
    fst[1] = r * math.sin(alpha)
    return r * math.cos(alpha)


@njit(cache=True)
def _exponential(st):
    a = 0.0
    u = _well_double(st)
    while u < 0.5:
        a += _QI[0]
        u *= 2
    u += u - 1
    if u <= _QI[0]:
        return a + u
    i = 0
    u2 = _well_double(st)
    umin = u2
    while True:
        i += 1
        u2 = _well_double(st)
        if u2 < umin:
            umin = u2
        if not u > _QI[i]:
            break
    return a + umin * _QI[0]


@njit(cache=True)
def _factorial_log(n):
    if n < 21:
        f = 1.0
        for i in range(2, n + 1):
            f *= i                           # exact below 21!
        return math.log(f)
    s = 0.0
    for i in range(2, n + 1):
        s += math.log(i)
    return s


@njit(cache=True)
def _poisson_small(st, mean, p):
    n = 0
    r = 1.0
    limit = 1000 * mean
    while n < limit:
        r *= _well_double(st)
        if r >= p:
            n += 1
        else:
            return n
    return n


@njit(cache=True)
def _poisson(st, fst, mean, p):
    if mean < 40.0:
        return _poisson_small(st, mean, p)
    lam = math.floor(mean)
    lam_frac = mean - lam
    log_lam = math.log(lam)
    log_lam_fact = _factorial_log(np.int64(lam))
    y2 = 0
    if not lam_frac < 5e-324:
        y2 = _poisson_small(st, lam_frac, math.exp(-lam_frac))
    delta = math.sqrt(lam * math.log(32 * lam / math.pi + 1))
    half_delta = delta / 2
    twolpd = 2 * lam + delta
    a1 = math.sqrt(math.pi * twolpd) * math.exp(1 / (8 * lam))
    a2 = (twolpd / delta) * math.exp(-delta * (1 + delta) / twolpd)
    a_sum = a1 + a2 + 1
    p1 = a1 / a_sum
    p2 = a2 / a_sum
    c1 = 1 / (8 * lam)
    y = 0.0
    while True:
        u = _well_double(st)
        if u <= p1:
            n = _well_gaussian(st, fst)
            x = n * math.sqrt(lam + half_delta) - 0.5
            if x > delta or x < -lam:
                continue
            y = math.floor(x) if x < 0 else math.ceil(x)
            e = _exponential(st)
            v = -e - (n * n / 2) + c1
        else:
            if u > p1 + p2:
                y = lam
                break
            x = delta + (twolpd / delta) * _exponential(st)
            y = math.ceil(x)
            v = -_exponential(st) - delta * (x + 1) / twolpd
        a = 1 if x < 0 else 0
        t = y * (y + 1) / (2 * lam)
        if v < -t and a == 0:
            y = lam + y
            break
        qr = t * ((2 * y + 1) / (6 * lam) - 1)
        qa = qr - (t * t) / (3 * (lam + a * (y + 1)))
        if v < qa:
            y = lam + y
            break
        if v > qr:
            continue
        if v < y * log_lam - _factorial_log(np.int64(y + lam)) + log_lam_fact:
            y = lam + y
            break
    return y2 + np.int64(y)


@njit(cache=True)
def block_seeds(seed48, n):
    """runtime.rng.block_seeds as an int64 array: the first n block seeds of a rand() call with
    this seed (its low 48 bits, all that java.util.Random keeps): a Well1024a seeded with 32
    nextInt() of java.util.Random(seed), then one nextLong() per block."""
    st = np.zeros(34, dtype=np.int64)
    s = _lcg_seed(seed48)
    for i in range(32):
        s = _lcg(s)
        st[i] = np.int64(s >> _U16) & _M32
    out = np.empty(n, dtype=np.int64)
    for k in range(n):
        hi = _well_next(st, 32)
        lo = _well_next(st, 32)
        out[k] = (hi << 32) | lo
    return out


# ---------------------------------------------------------------------------- value generators
# pdf codes: 0 uniform, 1 normal, 2 poisson.  State: us[0] java.util.Random LCG (uniform,
# normal); ist[0..32] Well1024a (poisson); fst[0] cached N2 and ist[33] its flag (normal);
# fst[1] cached Gaussian of the Well1024a (poisson, large lambda).
@njit(cache=True, inline="always")
def _gen_seed(pdf, seed, us, ist, fst):
    if pdf == 2:
        _well_seed_long(ist, seed)
        fst[1] = np.nan
    else:
        us[0] = _lcg_seed(seed)
        ist[33] = 0


@njit(cache=True, inline="always")
def _gen_next(pdf, us, ist, fst, mean, p):
    if pdf == 0:
        s, d = _jr_double(us[0])
        us[0] = s
        return d
    if pdf == 1:
        if ist[33] == 1:
            ist[33] = 0
            return fst[0]
        s, u1 = _jr_double(us[0])
        s, u2 = _jr_double(s)
        us[0] = s
        v1 = math.sqrt(-2 * java_log(u1))
        v2 = 2 * math.pi * u2
        fst[0] = v1 * java_sin(v2)
        ist[33] = 1
        return v1 * java_cos(v2)
    k = _poisson(ist, fst, mean, p)
    return float(min(k, _INT_MAX))


@njit(cache=True, inline="always")
def _block_start(pdf, seed, us, ist, fst, mean, p):
    """Seed the value generator with a block's seed; returns the state of the block's cell
    generator, seeded from the first value drawn."""
    _gen_seed(pdf, seed, us, ist, fst)
    return _lcg_seed(_java_long(_gen_next(pdf, us, ist, fst, mean, p) * _TWO63))


@njit(cache=True, inline="always")
def _geom_skip(ns, idx, total, log1mp):
    """One step of the geometric skip through a sparse block (SystemDS's sparse rand): the next
    1-based cell index after idx, or 0 when the block has no further cell; returns (ns, index)."""
    ns, u = _jr_double(ns)
    if u == 0.0:
        return ns, 0
    step = math.ceil(java_log(u) / log1mp)
    if step > total:
        return ns, 0
    idx += np.int64(step)
    if idx > total:
        return ns, 0
    return ns, idx


@njit(cache=True, inline="always")
def gen_setup(rows, cols, blen, sparsity, mean):
    """What a generator loop over blocks starts from: the block grid (rows and columns of
    blocks), log(1 - sparsity) for the geometric skips, exp(-mean) for poisson, and the value
    stream's state arrays (us, ist, fst)."""
    nrb = (rows + blen - 1) // blen
    ncb = (cols + blen - 1) // blen
    log1mp = java_log(1.0 - sparsity) if 0.0 < sparsity < 1.0 else 0.0
    p = math.exp(-mean)
    return (nrb, ncb, log1mp, p, np.zeros(1, dtype=np.uint64), np.zeros(34, dtype=np.int64),
            np.zeros(2, dtype=np.float64))


@njit(cache=True, nogil=True)
def _fill(out, seeds, k_lo, k_hi, blen, pdf, mn, rg, sparsity, mean, sparse_flags):
    """Generate blocks k_lo..k_hi-1 (row-major block order) into out."""
    rows, cols = out.shape
    nrb, ncb, log1mp, p, us, ist, fst = gen_setup(rows, cols, blen, sparsity, mean)
    for k in range(k_lo, k_hi):
        bi = k // ncb
        bj = k - bi * ncb
        r0 = bi * blen
        br = min(blen, rows - r0)
        c0 = bj * blen
        bc = min(blen, cols - c0)
        seed = seeds[k]
        if pdf == 0 and sparsity == 1.0:
            # fast path: uniform, dense; the first draw only seeds the (unused) nnz generator
            s, d = _jr_double(_lcg_seed(seed))
            for i in range(r0, r0 + br):
                for j in range(c0, c0 + bc):
                    s, d = _jr_double(s)
                    out[i, j] = mn + rg * d
            continue
        ns = _block_start(pdf, seed, us, ist, fst, mean, p)
        if sparsity == 1.0:
            for i in range(r0, r0 + br):
                for j in range(c0, c0 + bc):
                    out[i, j] = mn + rg * _gen_next(pdf, us, ist, fst, mean, p)
        elif sparse_flags[1 if bi == nrb - 1 else 0, 1 if bj == ncb - 1 else 0]:
            if log1mp == 0.0:
                continue                     # 1 - sparsity == 1: SystemDS never terminates
            total = br * bc
            idx = 0
            while idx < total:
                ns, idx = _geom_skip(ns, idx, total, log1mp)
                if idx == 0:
                    break
                out[r0 + (idx - 1) // bc, c0 + (idx - 1) % bc] = (
                    mn + rg * _gen_next(pdf, us, ist, fst, mean, p))
        else:
            for i in range(r0, r0 + br):
                for j in range(c0, c0 + bc):
                    ns, u = _jr_double(ns)
                    if u <= sparsity:
                        out[i, j] = mn + rg * _gen_next(pdf, us, ist, fst, mean, p)


# Blocks are independent, so large matrices are generated by the kernels' thread pool
# (kernels/pool.py) running the nogil kernel on ranges of blocks.
_MIN_WORK_PER_THREAD = 1 << 18              # cells


def fill(out, seeds, blen, pdf, mn, rg, sparsity, mean):
    """Fill `out` (zeros, C-contiguous) block by block from the block seeds."""
    rows, cols = out.shape
    plan, first = _L.block_plan(rows, cols, sparsity, blen)
    flags = np.array(plan, dtype=np.uint8)
    args = (int(blen), int(pdf), float(mn), float(rg), float(sparsity), float(mean), flags)
    nblocks = len(seeds)
    n = nblocks - first
    cells_per_block = min(rows, blen) * min(cols, blen)
    parallel(lambda lo, hi: _fill(out, seeds, lo, hi, *args), n, cells_per_block,
             min_work=_MIN_WORK_PER_THREAD, first=first)


# ---------------------------------------------------------------------------- sample
@njit(cache=True)
def sample_noreplace(range_, size, seed):
    a = np.empty(size, dtype=np.float64)
    for i in range(size):
        a[i] = i + 1
    s = _lcg_seed(seed)
    for i in range(size + 1, range_ + 1):
        s, v = _jr_int_bound(s, i)
        if v < size:
            s, j = _jr_int_bound(s, size)
            a[j] = i
    for i in range(size - 1):
        s, j = _jr_int_bound(s, size - i)
        j += i
        t = a[i]
        a[i] = a[j]
        a[j] = t
    return a


@njit(cache=True)
def sample_replace(range_, size, seed):
    a = np.empty(size, dtype=np.float64)
    s = _lcg_seed(seed)
    limit = _I64MAX - (range_ - 1)
    for i in range(size):
        while True:
            s, bits = _jr_long63(s)
            val = bits % range_
            if bits - val <= limit:
                break
        a[i] = val + 1
    return a
