"""SystemDS-compatible random numbers for ``rand()`` and ``sample()``.

The goal is bit-for-bit agreement with SystemDS 3.4 for the same seed.  What SystemDS does
(LibMatrixDatagen, RandomMatrixGenerator and the *PRNGenerator classes), restated:

``rand(rows, cols, min, max, sparsity, seed, pdf, lambda)``

1. seed == -1 means "pick one" (SystemDS uses System.nanoTime()).
2. A ``java.util.Random(seed)`` yields 32 ``nextInt()`` values that seed a ``Well1024a``
   (Apache Commons Math).
3. The matrix is cut into 1000x1000 blocks; the Well1024a yields one ``nextLong()`` per block,
   blocks taken row-major (all column blocks of the first row of blocks, then the next row).
4. Per block, the value generator is reseeded with that long:
     uniform: java.util.Random; value = min + (max - min) * nextDouble()
     normal:  java.util.Random feeding a Box-Muller pair (N1 = sqrt(-2 log U1) cos(2 pi U2),
              N2 = ... sin(...)), handed out N1, N2, N1', N2', ...; min/max are ignored
     poisson: commons-math PoissonDistribution(lambda) on a Well1024a seeded with the long;
              min/max are ignored
     cb_uniform / cb_normal: counter-based Philox4x64-10 keyed by the long (twice); uniforms
              are long * 2^-64 + 0.5, normals Box-Muller on consecutive pairs; min/max are
              ignored (values in [0, 1]) and sparsity < 1 gives an all-zero matrix.  The 256-bit
              counter starts at 0 and runs on over the blocks one SystemDS thread generates, so
              for 512K cells or more the values depend on SystemDS's thread count
              (CB_PARALLELISM; by default the number of usable CPUs, as Java counts them).
   Its FIRST value is always consumed to seed a second java.util.Random ("nnz generator") with
   ``(long)(first * Long.MAX_VALUE)``, even when sparsity == 1 (for cb_* this first value does
   not advance the counter).
5. Cells are then filled row-major within the block:
     sparsity == 1: every cell gets the next value;
     the block is "sparse" (sparsity < 0.4 and the MCSR size estimate smaller than the dense
       one, see block_is_sparse): skip ahead by ceil(log(u)/log(1-sparsity)) cells, u from the
       nnz generator, and put the next value there;
     otherwise: per cell, nnz.nextDouble() <= sparsity decides whether the cell gets a value.
   A SystemDS quirk is kept (block_plan): when the whole output was allocated dense
   (output_is_sparse) and a later block is generated in sparse format (typically a last row
   block so small that sparsity * its cells < 1), the output switches to sparse and every value
   generated before that block is lost (zero).  For 512K cells or more SystemDS does this from
   several threads at once, so there its outcome is not even deterministic; we apply the
   sequential rule.
6. Shortcuts: sparsity == 0, or uniform with min == max == 0, gives zeros; uniform with
   sparsity == 1 and min == max (or both NaN) gives a constant matrix; no draws happen.

``sample(range, size, replace, seed)`` uses one java.util.Random(seed) (seed -1: pick one):
   without replacement: reservoir sampling over 1..range (for i in size+1..range:
   if nextInt(i) < size then a[nextInt(size)] = i), then a Knuth shuffle
   (for i in 0..size-2: j = i + nextInt(size - i); swap);
   with replacement: 1 + (nonnegative nextLong()) mod range, redrawn on the modulo bias bound.

Java's Math.log/sin/cos are HotSpot intrinsics (Intel LIBM algorithms) that differ from the C
library in the last bit for ~0.1% of arguments, so they are re-implemented here operation by
operation (java_log, java_sin, java_cos).  java_log depends on the x86 ``rcpps`` approximate
reciprocal, which is not fully specified; _RCP_BREAKS holds its rounded result as measured on
the machine the reference ran on (AMD EPYC).

Small jobs run in plain Python (no Numba import); large ones in dmlpy.kernels.rng_kernels.
"""
from __future__ import annotations

import math
import os
import time

import numpy as np

from .javamath import _s32, _s64, java_cos, java_log, java_long, java_sin, strict_log
from .rng_layout import BLOCKSIZE, _fill_cb_py, block_plan, cb_tasks, philox4x64, philox_doubles

__all__ = ["rand_matrix", "sample", "JavaRandom", "Well1024a", "java_log", "java_sin", "java_cos",
           "strict_log", "random_seed", "block_seeds", "philox4x64", "philox_doubles"]

_MASK32 = 0xFFFFFFFF
_MASK48 = (1 << 48) - 1
_MASK64 = (1 << 64) - 1
_LCG_MULT = 0x5DEECE66D
_LCG_ADD = 0xB
_TWO63 = 9.223372036854775807e18   # Long.MAX_VALUE as a double (exactly 2^63)
_INT_MAX = 2147483647

# Work (about one unit per generator draw) up to which plain Python is used instead of Numba.
PY_WORK_LIMIT = 60_000

PDFS = ("uniform", "normal", "poisson", "cb_uniform", "cb_normal")



# ---------------------------------------------------------------------------- java.util.Random
class JavaRandom:
    """java.util.Random: the 48-bit LCG and its derived draws, bit-exact."""

    __slots__ = ("_s", "_next_gaussian")

    def __init__(self, seed: int = 0):
        self.setSeed(seed)

    def setSeed(self, seed: int) -> None:
        self._s = (seed ^ _LCG_MULT) & _MASK48
        self._next_gaussian = None

    def next(self, bits: int) -> int:
        self._s = (self._s * _LCG_MULT + _LCG_ADD) & _MASK48
        r = self._s >> (48 - bits)
        return _s32(r) if bits == 32 else r

    def nextInt(self, bound: int | None = None) -> int:
        if bound is None:
            return self.next(32)
        if bound <= 0:
            raise ValueError("bound must be positive")
        r = self.next(31)
        m = bound - 1
        if bound & m == 0:                      # power of two
            return (bound * r) >> 31
        u = r
        r = u % bound
        while u - r + m >= 0x80000000:          # int overflow in Java: redraw
            u = self.next(31)
            r = u % bound
        return r

    def nextLong(self) -> int:
        return _s64((self.next(32) << 32) + self.next(32))

    def nextDouble(self) -> float:
        return ((self.next(26) << 27) + self.next(27)) * 1.1102230246251565e-16   # 2^-53

    def nextGaussian(self) -> float:
        """Marsaglia's polar method with StrictMath.log, caching the second value (as Java)."""
        if self._next_gaussian is not None:
            g = self._next_gaussian
            self._next_gaussian = None
            return g
        while True:
            v1 = 2 * self.nextDouble() - 1
            v2 = 2 * self.nextDouble() - 1
            s = v1 * v1 + v2 * v2
            if 0 < s < 1:
                break
        mult = math.sqrt(-2 * strict_log(s) / s)
        self._next_gaussian = v2 * mult
        return v1 * mult


# ---------------------------------------------------------------------------- Well1024a
class Well1024a:
    """Apache Commons Math 3 Well1024a (with BitsStreamGenerator's derived draws)."""

    __slots__ = ("v", "index", "_next_gaussian")

    def __init__(self, seed=None):
        self.v = [0] * 32
        self.index = 0
        self._next_gaussian = math.nan
        if seed is None:
            seed = time.time_ns()
        self.setSeed(seed)

    def setSeed(self, seed) -> None:
        """An int sequence (up to 32 ints), or a Java long (split into two ints)."""
        if isinstance(seed, int):
            seed = [_s32(seed >> 32), _s32(seed)]
        seed = [_s32(s) for s in seed][:32]
        v = [0] * 32
        v[:len(seed)] = seed
        for i in range(len(seed), 32):
            prev = v[i - len(seed)]
            v[i] = _s32(1812433253 * (prev ^ (prev >> 30)) + i)
        self.v = [x & _MASK32 for x in v]
        self.index = 0
        self._next_gaussian = math.nan

    def next(self, bits: int) -> int:
        v = self.v
        i = self.index
        irm1 = (i + 31) & 31
        vm1 = v[(i + 3) & 31]
        vm2 = v[(i + 24) & 31]
        vm3 = v[(i + 10) & 31]
        z0 = v[irm1]
        z1 = v[i] ^ vm1 ^ (vm1 >> 8)
        z2 = vm2 ^ ((vm2 << 19) & _MASK32) ^ vm3 ^ ((vm3 << 14) & _MASK32)
        z3 = z1 ^ z2
        z4 = (z0 ^ ((z0 << 11) & _MASK32) ^ z1 ^ ((z1 << 7) & _MASK32)
              ^ z2 ^ ((z2 << 13) & _MASK32))
        v[i] = z3
        v[irm1] = z4
        self.index = irm1
        r = z4 >> (32 - bits)
        return _s32(r) if bits == 32 else r

    def nextInt(self) -> int:
        return self.next(32)

    def nextLong(self) -> int:
        hi = self.next(32) & _MASK32
        lo = self.next(32) & _MASK32
        return _s64((hi << 32) | lo)

    def nextDouble(self) -> float:
        # 52 random bits (not 53 as in java.util.Random)
        return ((self.next(26) << 26) | self.next(26)) * 2.220446049250313e-16   # 2^-52

    def nextGaussian(self) -> float:
        """Box-Muller with a cached second value.  Commons Math uses FastMath here; the C
        library's log/cos/sin can differ from it in the last bit (rarely)."""
        if self._next_gaussian == self._next_gaussian:
            g = self._next_gaussian
            self._next_gaussian = math.nan
            return g
        x = self.nextDouble()
        y = self.nextDouble()
        alpha = 2 * math.pi * x
        r = math.sqrt(-2 * math.log(y))
        self._next_gaussian = r * math.sin(alpha)
        return r * math.cos(alpha)


def well_for_rand(seed: int) -> Well1024a:
    """The block-seed generator SystemDS sets up for a rand() call."""
    jr = JavaRandom(seed)
    return Well1024a([jr.nextInt() for _ in range(32)])


def block_seeds(seed: int, rows: int, cols: int, blen: int = BLOCKSIZE) -> list:
    nrb = -(-rows // blen)
    ncb = -(-cols // blen)
    w = well_for_rand(seed)
    return [w.nextLong() for _ in range(nrb * ncb)]


# ---------------------------------------------------------------------------- value generators
class _UniformGen:
    """UniformPRNGenerator: java.util.Random.nextDouble()."""
    __slots__ = ("r",)

    def __init__(self, seed: int):
        self.r = JavaRandom(seed)

    def next(self) -> float:
        return self.r.nextDouble()


class _NormalGen:
    """NormalPRNGenerator: Box-Muller pairs from java.util.Random, first N1 then N2."""
    __slots__ = ("r", "n2", "second")

    def __init__(self, seed: int):
        self.r = JavaRandom(seed)
        self.second = False
        self.n2 = 0.0

    def next(self) -> float:
        if self.second:
            self.second = False
            return self.n2
        u1 = self.r.nextDouble()
        u2 = self.r.nextDouble()
        v1 = math.sqrt(-2 * java_log(u1))
        v2 = 2 * math.pi * u2
        self.n2 = v1 * java_sin(v2)
        self.second = True
        return v1 * java_cos(v2)


# Ahrens-Dieter (SA) table of commons-math ExponentialDistribution: sum_{k<=i} ln2^k / k!
_EXP_SA_QI = (0.6931471805599453, 0.9333736875190459, 0.9888777961838675, 0.998495925291496,
              0.9998292811061389, 0.9999833164100727, 0.9999985691438767, 0.9999998906925558,
              0.9999999924734159, 0.9999999995283275, 0.9999999999728814, 0.9999999999985598,
              0.999999999999929, 0.9999999999999968, 0.9999999999999999, 1.0)


def _factorial_log(n: int) -> float:
    if n < 21:
        return math.log(math.factorial(n))
    s = 0.0
    for i in range(2, n + 1):
        s += math.log(i)
    return s


class _PoissonGen:
    """PoissonPRNGenerator: commons-math PoissonDistribution(mean).sample() on a Well1024a.

    Commons Math evaluates exp/log/sqrt/cos/sin with FastMath; math.* agrees except in the last
    bit for ~0.1% of arguments, which changes an integer outcome only in astronomically rare cases.
    """
    __slots__ = ("w", "mean")

    def __init__(self, seed: int, mean: float):
        self.w = Well1024a(seed)
        self.mean = mean

    def next(self) -> float:
        return float(min(self._poisson(self.mean), _INT_MAX))

    def _exponential(self) -> float:
        nd = self.w.nextDouble
        a = 0.0
        u = nd()
        while u < 0.5:
            a += _EXP_SA_QI[0]
            u *= 2
        u += u - 1
        if u <= _EXP_SA_QI[0]:
            return a + u
        i = 0
        u2 = nd()
        umin = u2
        while True:
            i += 1
            u2 = nd()
            if u2 < umin:
                umin = u2
            if not u > _EXP_SA_QI[i]:
                break
        return a + umin * _EXP_SA_QI[0]

    def _poisson(self, mean: float) -> int:
        nd = self.w.nextDouble
        if mean < 40.0:
            p = math.exp(-mean)
            n = 0
            r = 1.0
            limit = 1000 * mean
            while n < limit:
                r *= nd()
                if r >= p:
                    n += 1
                else:
                    return n
            return n
        lam = math.floor(mean)
        lam_frac = mean - lam
        log_lam = math.log(lam)
        log_lam_fact = _factorial_log(int(lam))
        y2 = 0 if lam_frac < 5e-324 else self._poisson(lam_frac)
        delta = math.sqrt(lam * math.log(32 * lam / math.pi + 1))
        half_delta = delta / 2
        twolpd = 2 * lam + delta
        a1 = math.sqrt(math.pi * twolpd) * math.exp(1 / (8 * lam))
        a2 = (twolpd / delta) * math.exp(-delta * (1 + delta) / twolpd)
        a_sum = a1 + a2 + 1
        p1 = a1 / a_sum
        p2 = a2 / a_sum
        c1 = 1 / (8 * lam)
        while True:
            u = nd()
            if u <= p1:
                n = self.w.nextGaussian()
                x = n * math.sqrt(lam + half_delta) - 0.5
                if x > delta or x < -lam:
                    continue
                y = math.floor(x) if x < 0 else math.ceil(x)
                e = self._exponential()
                v = -e - (n * n / 2) + c1
            else:
                if u > p1 + p2:
                    y = lam
                    break
                x = delta + (twolpd / delta) * self._exponential()
                y = math.ceil(x)
                v = -self._exponential() - delta * (x + 1) / twolpd
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
            if v < y * log_lam - _factorial_log(int(y + lam)) + log_lam_fact:
                y = lam + y
                break
        return y2 + int(y)


# ---------------------------------------------------------------------------- generation (Python)
def _make_gen(pdf: str, seed: int, mean: float):
    if pdf == "uniform":
        return _UniformGen(seed)
    if pdf == "normal":
        return _NormalGen(seed)
    return _PoissonGen(seed, mean)


def _fill_py(out, seeds, blen, pdf, mn, rg, sparsity, mean) -> None:
    rows, cols = out.shape
    nrb = -(-rows // blen)
    ncb = -(-cols // blen)
    log1mp = java_log(1.0 - sparsity) if 0 < sparsity < 1 else 0.0
    flags, first = block_plan(rows, cols, sparsity, blen)
    for k in range(first, nrb * ncb):
        bi, bj = divmod(k, ncb)
        r0 = bi * blen
        br = min(blen, rows - r0)
        c0 = bj * blen
        bc = min(blen, cols - c0)
        nxt = _make_gen(pdf, seeds[k], mean).next
        nnz = JavaRandom(java_long(nxt() * _TWO63))
        if sparsity == 1.0:
            vals = [mn + rg * nxt() for _ in range(br * bc)]
            out[r0:r0 + br, c0:c0 + bc] = np.array(vals).reshape(br, bc)
        elif flags[bi == nrb - 1][bj == ncb - 1]:
            if log1mp == 0.0:
                continue                     # 1 - sparsity == 1: SystemDS never terminates
            total = br * bc
            idx = 0
            while idx < total:
                u = nnz.nextDouble()
                step = math.ceil(java_log(u) / log1mp) if u > 0 else math.inf
                if step > total:
                    break
                idx += int(step)
                if idx > total:
                    break
                out[r0 + (idx - 1) // bc, c0 + (idx - 1) % bc] = mn + rg * nxt()
        else:
            for i in range(r0, r0 + br):
                for j in range(c0, c0 + bc):
                    if nnz.nextDouble() <= sparsity:
                        out[i, j] = mn + rg * nxt()


def _work_estimate(rows: int, cols: int, pdf: str, sparsity: float, mean: float) -> float:
    cells = rows * cols
    per = {"uniform": 1.0, "normal": 6.0, "cb_uniform": 3.0, "cb_normal": 8.0}.get(pdf)
    if per is None:
        per = 3.0 * (min(mean, 40.0) + 1.0) if mean < 40 else 40.0
    if sparsity < 1:
        per = per * sparsity + 1.0
    return cells * per


# ---------------------------------------------------------------------------- public API
def random_seed() -> int:
    """A fresh seed for seed == -1 (SystemDS uses System.nanoTime())."""
    while True:
        s = _s64(time.time_ns() ^ int.from_bytes(os.urandom(8), "little"))
        if s != -1:
            return s


def _check_int(name: str, v) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
        if isinstance(v, (float, np.floating)) and float(v).is_integer():
            return int(v)
        raise ValueError(f"{name} must be an integer, got {v!r}")
    return int(v)


def check_rand_args(rows, cols, min, max, sparsity, seed, pdf, lambda_):  # noqa: A002
    """rand()'s arguments checked and normalised: (rows, cols, min, max, sparsity, seed, pdf,
    lambda) as ints, floats and a lower-case pdf name; ValueError for bad ones."""
    rows = _check_int("rows", rows)
    cols = _check_int("cols", cols)
    seed = _check_int("seed", seed)
    if rows < 0 or cols < 0:
        raise ValueError(f"invalid dimensions {rows}x{cols}: rows and cols must be >= 0")
    if rows > _INT_MAX or cols > _INT_MAX:
        raise ValueError(f"dimensions {rows}x{cols} larger than the integer range")
    sparsity = float(sparsity)
    if not 0.0 <= sparsity <= 1.0:
        raise ValueError(f"invalid sparsity {sparsity}: it must be in [0, 1]")
    pdf_l = str(pdf).lower()
    if pdf_l not in PDFS:
        raise ValueError(f"unsupported distribution pdf={pdf!r}: it must be one of "
                         "'uniform', 'normal', 'poisson', 'cb_uniform' or 'cb_normal'")
    mn = float(min)
    mx = float(max)
    mean = float(lambda_)
    if pdf_l == "poisson" and not mean > 0:
        raise ValueError(f"invalid lambda {mean} for the Poisson distribution: it must be > 0")
    return rows, cols, mn, mx, sparsity, seed, pdf_l, mean


def rand_matrix(rows: int, cols: int, min: float = 0.0, max: float = 1.0,  # noqa: A002
                sparsity: float = 1.0, seed: int = -1, pdf: str = "uniform",
                lambda_: float = 1.0) -> np.ndarray:
    """A rows x cols matrix of SystemDS's random numbers for this seed (C-contiguous float64)."""
    rows, cols, mn, mx, sparsity, seed, pdf_l, mean = check_rand_args(
        rows, cols, min, max, sparsity, seed, pdf, lambda_)
    if sparsity == 0.0 or (pdf_l == "uniform" and mn == 0.0 and mx == 0.0):
        return np.zeros((rows, cols))
    if pdf_l == "uniform" and sparsity == 1.0 and (mn == mx or (mn != mn and mx != mx)):
        return np.full((rows, cols), mn)
    if pdf_l != "uniform":
        mn, mx = 0.0, 1.0
    rg = mx - mn
    out = np.zeros((rows, cols))
    if rows == 0 or cols == 0:
        return out
    if seed == -1:
        seed = random_seed()
    seeds = block_seeds(seed, rows, cols)
    if pdf_l.startswith("cb_"):
        if sparsity < 1.0:
            return out                   # SystemDS fills only dense (sparsity 1) cb_* matrices
        tasks = cb_tasks(rows, cols)
        if _work_estimate(rows, cols, pdf_l, sparsity, mean) <= PY_WORK_LIMIT:
            _fill_cb_py(out, seeds, BLOCKSIZE, pdf_l == "cb_normal", tasks)
        else:
            from ..kernels import rng_kernels as K
            K.fill_cb(out, np.array(seeds, dtype=np.int64), BLOCKSIZE, pdf_l == "cb_normal",
                      tasks)
        return out
    if _work_estimate(rows, cols, pdf_l, sparsity, mean) <= PY_WORK_LIMIT:
        _fill_py(out, seeds, BLOCKSIZE, pdf_l, mn, rg, sparsity, mean)
    else:
        from ..kernels import rng_kernels as K
        K.fill(out, np.array(seeds, dtype=np.int64), BLOCKSIZE, PDFS.index(pdf_l), mn, rg,
               sparsity, mean)
    return out


def _sample_py(range_: int, size: int, replace: bool, seed: int) -> list:
    r = JavaRandom(seed)
    if replace:
        out = []
        for _ in range(size):
            while True:
                bits = r.nextLong() & 0x7FFFFFFFFFFFFFFF
                val = bits % range_
                if bits - val + (range_ - 1) < (1 << 63):
                    break
            out.append(val + 1)
        return out
    a = list(range(1, size + 1))
    for i in range(size + 1, range_ + 1):
        if r.nextInt(i) < size:
            a[r.nextInt(size)] = i
    for i in range(size - 1):
        j = r.nextInt(size - i) + i
        a[i], a[j] = a[j], a[i]
    return a


def sample(range_: int, size: int, replace: bool = False, seed: int = -1) -> np.ndarray:
    """SystemDS's sample(range, size, replace, seed): a size x 1 column of values in 1..range."""
    range_ = _check_int("range", range_)
    size = _check_int("size", size)
    seed = _check_int("seed", seed)
    if size < 0:
        raise ValueError(f"invalid sample size {size}: it must be >= 0")
    if size > _INT_MAX:
        raise ValueError(f"sample size {size} larger than the integer range")
    if not replace and range_ < size:
        raise ValueError(f"Sample (size={size}) larger than population (size={range_}) can only "
                         "be generated with replacement.")
    if replace and size > 0 and range_ <= 0:
        raise ValueError(f"invalid sample range {range_}: it must be positive")
    if not replace and range_ > _INT_MAX:
        raise ValueError(f"sample range {range_} larger than the integer range (sampling "
                         "without replacement)")
    if size == 0:
        return np.zeros((0, 1))
    if seed == -1:
        seed = random_seed()
    work = size if replace else range_ + size
    if work <= PY_WORK_LIMIT:
        vals = _sample_py(range_, size, bool(replace), seed)
        return np.array(vals, dtype=np.float64).reshape(size, 1)
    from ..kernels import rng_kernels as K
    if replace:
        return K.sample_replace(range_, size, seed).reshape(size, 1)
    return K.sample_noreplace(range_, size, seed).reshape(size, 1)
