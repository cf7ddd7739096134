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

import bisect
import math
import os
import struct
import time

import numpy as np

__all__ = ["rand_matrix", "sample", "JavaRandom", "Well1024a", "java_log", "java_sin", "java_cos",
           "strict_log", "random_seed", "block_seeds", "philox4x64", "philox_doubles"]

BLOCKSIZE = 1000            # SystemDS's default block size (rows and columns per block)
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

# Threads SystemDS would use for a multi-threaded rand() (Runtime.availableProcessors()); only
# the counter-based generators (cb_uniform, cb_normal) depend on it.  None: this machine's.
CB_PARALLELISM = None


# ---------------------------------------------------------------------------- bit helpers
def _d2l(x: float) -> int:
    return struct.unpack("<q", struct.pack("<d", x))[0]


def _l2d(i: int) -> float:
    return struct.unpack("<d", struct.pack("<Q", i & _MASK64))[0]


def _s32(v: int) -> int:
    v &= _MASK32
    return v - (1 << 32) if v & 0x80000000 else v


def _s64(v: int) -> int:
    v &= _MASK64
    return v - (1 << 64) if v & (1 << 63) else v


def java_long(d: float) -> int:
    """Java's (long) cast of a double: truncation, NaN -> 0, saturation at the long range."""
    if d != d:
        return 0
    if d >= 9.223372036854775807e18:
        return (1 << 63) - 1
    if d <= -9.223372036854775808e18:
        return -(1 << 63)
    return int(d)


def _hex_doubles(text: str) -> tuple:
    return tuple(_l2d(int(w, 16)) for w in text.split())


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


# ---------------------------------------------------------------------------- Java math
# Tables of the HotSpot x86_64 LIBM stubs (the constants the JVM itself uses).
_SINCOS_TABLE = _hex_doubles("""
0000000000000000 0000000000000000 0000000000000000 3ff0000000000000
bf73b92e176d6d31 3fb917a6bc29b42c bc3e2718e0000000 3ff0000000000000
bf93ad06011469fb 3fc8f8b83c69a60b bc626d19c0000000 3ff0000000000000
bfa60bea939d225a 3fd294062ed59f06 bc75d28da0000000 3ff0000000000000
bfb37ca1866b95cf 3fd87de2a6aea963 bc672cede0000000 3ff0000000000000
bfbe3a6873fa1279 3fde2b5d3806f63b 3c5e0d8920000000 3ff0000000000000
bfc592675bc57974 3fe1c73b39ae68c8 3c8b25dd20000000 3ff0000000000000
bfcd0dfe53aba2fd 3fe44cf325091dd6 3c68076a20000000 3ff0000000000000
3fca827999fcef32 3fe6a09e667f3bcd bc8bdd3420000000 3fe0000000000000
3fc133cc94247758 3fe8bc806b151741 bc82c5e120000000 3fe0000000000000
3fac73b39ae68c87 3fea9b66290ea1a3 3c39f630e0000000 3fe0000000000000
bf9d4a2c7f909c4e 3fec38b2f180bdb1 bc76e0b180000000 3fe0000000000000
bfbe087565455a75 3fed906bcf328d46 3c7457e620000000 3fe0000000000000
3fa4a03176acf82d 3fee9f4156c62dda 3c8760b1e0000000 3fd0000000000000
bfac1d1f0e5967d5 3fef6297cff75cb0 3c75621720000000 3fd0000000000000
bf9ba1650f592f50 3fefd88da3d12526 bc887df640000000 3fc0000000000000
0000000000000000 3ff0000000000000 0000000000000000 0000000000000000
3f9ba1650f592f50 3fefd88da3d12526 bc887df640000000 bfc0000000000000
3fac1d1f0e5967d5 3fef6297cff75cb0 3c75621720000000 bfd0000000000000
bfa4a03176acf82d 3fee9f4156c62dda 3c8760b1e0000000 bfd0000000000000
3fbe087565455a75 3fed906bcf328d46 3c7457e620000000 bfe0000000000000
3f9d4a2c7f909c4e 3fec38b2f180bdb1 bc76e0b180000000 bfe0000000000000
bfac73b39ae68c87 3fea9b66290ea1a3 3c39f630e0000000 bfe0000000000000
bfc133cc94247758 3fe8bc806b151741 bc82c5e120000000 bfe0000000000000
bfca827999fcef32 3fe6a09e667f3bcd bc8bdd3420000000 bfe0000000000000
3fcd0dfe53aba2fd 3fe44cf325091dd6 3c68076a20000000 bff0000000000000
3fc592675bc57974 3fe1c73b39ae68c8 3c8b25dd20000000 bff0000000000000
3fbe3a6873fa1279 3fde2b5d3806f63b 3c5e0d8920000000 bff0000000000000
3fb37ca1866b95cf 3fd87de2a6aea963 bc672cede0000000 bff0000000000000
3fa60bea939d225a 3fd294062ed59f06 bc75d28da0000000 bff0000000000000
3f93ad06011469fb 3fc8f8b83c69a60b bc626d19c0000000 bff0000000000000
3f73b92e176d6d31 3fb917a6bc29b42c bc3e2718e0000000 bff0000000000000
0000000000000000 0000000000000000 0000000000000000 bff0000000000000
3f73b92e176d6d31 bfb917a6bc29b42c 3c3e2718e0000000 bff0000000000000
3f93ad06011469fb bfc8f8b83c69a60b 3c626d19c0000000 bff0000000000000
3fa60bea939d225a bfd294062ed59f06 3c75d28da0000000 bff0000000000000
3fb37ca1866b95cf bfd87de2a6aea963 3c672cede0000000 bff0000000000000
3fbe3a6873fa1279 bfde2b5d3806f63b bc5e0d8920000000 bff0000000000000
3fc592675bc57974 bfe1c73b39ae68c8 bc8b25dd20000000 bff0000000000000
3fcd0dfe53aba2fd bfe44cf325091dd6 bc68076a20000000 bff0000000000000
bfca827999fcef32 bfe6a09e667f3bcd 3c8bdd3420000000 bfe0000000000000
bfc133cc94247758 bfe8bc806b151741 3c82c5e120000000 bfe0000000000000
bfac73b39ae68c87 bfea9b66290ea1a3 bc39f630e0000000 bfe0000000000000
3f9d4a2c7f909c4e bfec38b2f180bdb1 3c76e0b180000000 bfe0000000000000
3fbe087565455a75 bfed906bcf328d46 bc7457e620000000 bfe0000000000000
bfa4a03176acf82d bfee9f4156c62dda bc8760b1e0000000 bfd0000000000000
3fac1d1f0e5967d5 bfef6297cff75cb0 bc75621720000000 bfd0000000000000
3f9ba1650f592f50 bfefd88da3d12526 3c887df640000000 bfc0000000000000
0000000000000000 bff0000000000000 0000000000000000 0000000000000000
bf9ba1650f592f50 bfefd88da3d12526 3c887df640000000 3fc0000000000000
bfac1d1f0e5967d5 bfef6297cff75cb0 bc75621720000000 3fd0000000000000
3fa4a03176acf82d bfee9f4156c62dda bc8760b1e0000000 3fd0000000000000
bfbe087565455a75 bfed906bcf328d46 bc7457e620000000 3fe0000000000000
bf9d4a2c7f909c4e bfec38b2f180bdb1 3c76e0b180000000 3fe0000000000000
3fac73b39ae68c87 bfea9b66290ea1a3 bc39f630e0000000 3fe0000000000000
3fc133cc94247758 bfe8bc806b151741 3c82c5e120000000 3fe0000000000000
3fca827999fcef32 bfe6a09e667f3bcd 3c8bdd3420000000 3fe0000000000000
bfcd0dfe53aba2fd bfe44cf325091dd6 bc68076a20000000 3ff0000000000000
bfc592675bc57974 bfe1c73b39ae68c8 bc8b25dd20000000 3ff0000000000000
bfbe3a6873fa1279 bfde2b5d3806f63b bc5e0d8920000000 3ff0000000000000
bfb37ca1866b95cf bfd87de2a6aea963 3c672cede0000000 3ff0000000000000
bfa60bea939d225a bfd294062ed59f06 3c75d28da0000000 3ff0000000000000
bf93ad06011469fb bfc8f8b83c69a60b 3c626d19c0000000 3ff0000000000000
bf73b92e176d6d31 bfb917a6bc29b42c 3c3e2718e0000000 3ff0000000000000
""")

_LOG_TABLE = _hex_doubles("""
3fe62e42fefa3800 3d2ef35793c76730 3fe5ee82aa241800 3d2202380cda46be
3fe5af405c364800 3d2dfa63ac10c9fb 3fe5707a26bb8c00 3d09980bff3303dd
3fe5322e26867800 3d05ccc45d257531 3fe4f45a835a5000 bd2e6c516d93b8fb
3fe4b6fd6f970c00 3cef7115ed4c541c 3fe47a1527e8a400 bd22cb6af94d60aa
3fe43d9ff2f92400 bcfd984f481051f7 3fe4019c2125cc00 bd26ce7930f0c74c
3fe3c6080c36c000 bd02b7367cfe13c2 3fe38ae217197800 bd218b7abb5569a4
3fe35028ad9d8c00 3d10b83f9527e6ac 3fe315da44340800 bd274e93c5a0ed9c
3fe2dbf557b0e000 bd17a6e507b9dc11 3fe2a2786d0ec000 3d206d2be797882d
3fe269621134dc00 bd0b61f105226250 3fe230b0d8bebc00 3d12fc066e48667b
3fe1f8635fc61800 bd2a7242c9fe81d3 3fe1c07849ae6000 3cccacdeed70e667
3fe188ee40f23c00 3d14cc4ef8ab4650 3fe151c3f6f29800 bd2edd97a293ae49
3fe11af823c75c00 bd258647bb9ddcb2 3fe0e4898611cc00 3d1c299807801742
3fe0ae76e2d05400 3d1f486b887e7e27 3fe078bf0533c400 3d26812241edf5fd
3fe04360be760400 bd04c45fe79539e0 3fe00e5ae5b20800 bd053ba3b1727b1c
3fdfb358af7a4800 3d0085fa3c164935 3fdf4aa7ee031800 3d12cde56f014a8b
3fdee2a156b41000 3d2f27f45a470251 3fde7b42c3ddb000 bd2465505372bd08
3fde148a1a272800 bd1326b207322938 3fddae75484c9800 bd1ea42d60dc616a
3fdd490246def800 3d235bafe9a767a8 3fdce42f18064800 bd0797c33ec7a6b0
3fdc7ff9c7455800 bd29b6ddc15249ae 3fdc1c60693fa000 3d2cec807fe8e180
3fdbb9611b80e000 3d27d85bf40a666d 3fdb56fa04462800 3d1095252d841995
3fdaf5295248d000 bd217cc552774458 3fda93ed3c8ad800 3d1e36f2bea77a5d
3fda33440224f800 3d23c6457f9d79f5 3fd9d32bea15f000 bd26279e10d0c0b0
3fd973a343135800 bd152313a502d9f0 3fd914a8635bf800 bd1766b52ee6307d
3fd8b639a88b3000 bd205ae1e5e70470 3fd85855776dc800 3d2fd56f3333778a
3fd7fafa3bd81800 bd272090c812566a 3fd79e26687cf800 3d29ec7d2efd1778
3fd741d876c67800 3d2d8b0949dc60b3 3fd6e60ee6af1800 3d1721657c222d87
3fd68ac83e9c6800 3d20a0d32756eba0 3fd630030b3ab000 bd2db623e731ae00
3fd5d5bddf596000 bd0a0b2a08a465dc 3fd57bf753c8d000 3d1fadedee5d40ef
3fd522ae0738a000 3d2ebe708164c759 3fd4c9e09e173000 bd2e20891b0ad8a4
3fd4718dc271c800 bd2f27ce0967d675 3fd419b423d5e800 3d08e436ec90e09d
3fd3c25277333000 3d183b54b606bd5c 3fd36b6776be1000 3d116ecdb0f177c8
3fd314f1e1d36000 bd28e27ad3213cb8 3fd2bef07cdc9000 3d2a9cfa4a5004f4
3fd269621134d800 3d2c93c1df5bb3b6 3fd214456d0eb800 3d0a87deba46baea
3fd1bf99635a6800 3d2ca6ed5147bdb7 3fd16b5ccbacf800 3d2b9acdf7a51681
3fd1178e8227e800 bd2c210e63a5f01c 3fd0c42d67616000 3d27188b163ceae9
3fd07138604d5800 3cf89cdb16ed4e91 3fd01eae5626c800 bd16f08c1485e94a
3fcf991c6cb3b000 3d1bcbecca0cdf30 3fcef5ade4dd0000 bcca211565bb8e11
3fce530effe71000 3cc212276041f430 3fcdb13db0d49000 bd2aff2af715b035
3fcd1037f2656000 bd084a7e75b6f6e4 3fcc6ffbc6f01000 bcf1ec72c5962bd2
3fcbd087383be000 bd2d4bc4595412b6 3fcb31d8575bd000 bd0c358d4eace1aa
3fca93ed3c8ae000 bd28724350562169 3fc9f6c407089000 3d29904d6865817a
3fc95a5adcf70000 3d07f22858a0ff6f 3fc8beafeb390000 bd073d54aae92cd1
3fc823c16551a000 3d1e0ddb9a631e83 3fc7898d85445000 bd1c661070914305
3fc6f0128b757000 bd25118de59c21e1 3fc6574ebe8c1000 3d19cf8b2c3c2e78
3fc5bf406b544000 bd127023eb68981c 3fc527e5e4a1b000 3d2633e8e5697dc7
3fc4913d8333b000 3d25837954fdb678 3fc3fb45a5993000 bd2cd1d87e6a354d
3fc365fcb0159000 3cc62fa8234b7289 3fc2d1610c868000 3d039d6ccb81b4a1
3fc23d712a49c000 3d100d238fd3df5c 3fc1aa2b7e23f000 3d2ca78e44389934
3fc1178e8227e000 3d21ef78ce2d07f2 3fc08598b59e4000 bd27e5dd7009902c
3fbfe89139dbe000 bd2534d64fa10afd 3fbec739830a2000 bd2dc068afe645e0
3fbda72763844000 3d1a89401fa71733 3fbc885801bc4000 3d2646d1c65aacd3
3fbb6ac88dad6000 bd1390802bf768e5 3fba4e7640b1c000 bd0e42b6b94407c8
3fb9335e5d594000 3d23115c3abd47da 3fb8197e2f40e000 3d0f80dcf96ffdf7
3fb700d30aeac000 3cec1e8da99ded32 3fb5e95a4d97a000 bd2c69063c5d1d1e
3fb4d3115d208000 bcf53a2582f4e1ef 3fb3bdf5a7d1e000 3d2cc85ea5db4ed7
3fb2aa04a4472000 bd20b6e8ae9c697d 3fb1973bd1466000 bd25325d560d9e9b
3fb08598b59e4000 bd17e5dd7009902c 3faeea31c006c000 bd0e113e4fc93b7b
3faccb73cdddc000 bd1a68f247d82807 3faaaef2d0fb0000 3d20fc1a353bb42e
3fa894aa149fc000 bd197995d05a267d 3fa67c94f2d4c000 bd029efbec19afa2
3fa466aed42e0000 bd2c167375bdfd28 3fa252f32f8d0000 3d283e9ae021b67b
3fa0415d89e74000 3d0111c05cf1d753 3f9c63d2ec148000 3d2578c63f9eb2f3
3f98492528c90000 bd2aa0ba325a0c34 3f9432a925980000 3d098139928637fe
3f90205658938000 bd23dc5b06e2f7d2 3f882448a3890000 bd275577da74f640
3f80101575890000 bd10c76b999d2be8 3f70080559580000 3d2166afcb31c67b
0000000000000000 8000000000000000
""")

# Where the rounded rcpps(m) steps down, m = 1.f in [1, 2) given by its 23 fraction bits
# (rcpps(m) rounded to 8 significant bits goes 1, 127/128, ..., 1/2 from one to the next),
# stored divided by 1024.
_RCP_BREAKS = tuple(1024 * b for b in (
    16, 48, 82, 114, 148, 182, 214, 248, 282, 316, 350, 386, 422, 458, 492, 528, 566, 602, 640,
    676, 714, 752, 790, 828, 868, 908, 946, 986, 1026, 1068, 1110, 1150, 1192, 1234, 1278,
    1320, 1364, 1406, 1452, 1496, 1540, 1586, 1632, 1678, 1726, 1772, 1820, 1868, 1916, 1964,
    2014, 2064, 2114, 2166, 2218, 2268, 2322, 2374, 2428, 2482, 2538, 2592, 2648, 2704, 2760,
    2818, 2876, 2936, 2994, 3054, 3114, 3176, 3238, 3300, 3364, 3428, 3494, 3558, 3624, 3690,
    3760, 3828, 3896, 3966, 4038, 4110, 4182, 4256, 4330, 4406, 4482, 4558, 4636, 4714, 4796,
    4876, 4958, 5042, 5124, 5210, 5296, 5384, 5472, 5560, 5652, 5746, 5838, 5932, 6028, 6124,
    6224, 6324, 6422, 6526, 6630, 6736, 6842, 6950, 7064, 7172, 7286, 7404, 7518, 7638, 7758,
    7880, 8004, 8132,
))

_LOG2_HI = _l2d(0x3fa62e42fefa3800)      # ln(2)/16, high and low parts
_LOG2_LO = _l2d(0x3ceef35793c76730)
_LC0, _LC1, _LC2, _LC3, _LC4, _LC5 = _hex_doubles(
    "3fc2492492492492 bfd0000000000000 bfc5555e3d6fb175 3fd5555555555555 "
    "3fc999999999999a bfe0000000000000")
_PI32INV = _l2d(0x40245f306dc9c883)      # 32/pi
_P1, _P2, _P3 = _hex_doubles("3fb921fb54400000 3d90b4611a600000 3b63198a2e037073")  # pi/32 parts
_SC4A, _SC4B, _SC3A, _SC3B, _SC2A, _SC2B, _SC1A, _SC1B = _hex_doubles(
    "3ec71de3a556c734 3efa01a01a01a01a bf2a01a01a01a01a bf56c16c16c16c17 "
    "3f81111111111111 3fa5555555555555 bfc5555555555555 bfe0000000000000")


def java_log(x: float) -> float:
    """Java's Math.log as the HotSpot x86_64 intrinsic computes it (bit-exact for x > 0)."""
    xb = _d2l(x)
    top = (xb >> 48) & 0xFFFF
    if not 16 <= top < 0x7FF0:           # zero, subnormal, negative, inf, nan: not needed
        return math.log(x) if x > 0 else (-math.inf if x == 0 else math.nan)
    frac = xb & 0xFFFFFFFFFFFFF
    # B ~ 1/m rounded to 8 bits (from rcpps), reduced argument r = B*m - 1 in two pieces
    key = 16256 - bisect.bisect_right(_RCP_BREAKS, frac >> 29)
    b = _l2d(key << 45)                  # B * 2^-896 (m is scaled by 2^896 below)
    t = 2 * (key & 0xFF)
    mb = frac | 0x77F0000000000000
    m = _l2d(mb)
    mh = _l2d(mb & 0xFFFFE00000000000)
    k16 = float(((top - 16) & 0x7FF0) - 0x3FE0)   # 16 * exponent
    r = (m - mh) * b + (mh * b - 1.0)
    a = _LOG_TABLE[t] + _LOG2_HI * k16
    s0 = a + r
    p_lo = (_LC2 * r + _LC4) * r
    p_hi = _LC3 * r + _LC5
    r2 = r * r
    q_lo = _LC0 * r * r2
    q_hi = _LC1 * r2
    lo = r + (a - s0)
    lo = lo + (k16 * _LOG2_LO + _LOG_TABLE[t + 1])
    lo = lo + (p_lo + q_lo) * (r2 * r2)
    lo = lo + (p_hi + q_hi) * r2
    return s0 + lo


def _java_sincos(x: float, quarter: int):
    hi = (_d2l(x) >> 32) & 0x7FFF0000
    if ((hi - 0x30300000) & _MASK32) > 0x10C50000:
        return None                      # |x| < 2^-252 or >= 90112: not needed here
    n = int(_PI32INV * x + math.copysign(0.5, x))
    nf = float(n)
    p1n = _P1 * nf
    p2n = _P2 * nf
    r1 = x - p1n
    r = r1 - p2n
    j = 4 * ((n + quarter) & 63)
    t0, t1, t2, t3 = _SINCOS_TABLE[j:j + 4]
    u_lo = _SC4A * r1 * r
    u_hi = _SC4B * r1 * r
    r2 = r * r
    corr = nf * _P3 - ((r1 - r) - p2n)
    ct = t0 + t3
    d = t1 * r - ct
    w_lo = ct * r * r2
    w_hi = t1 * r2
    r4 = r2 * r2
    v_lo = (_SC2A * r2 + _SC1A) + (u_lo + _SC3A) * r4
    v_hi = (_SC2B * r2 + _SC1B) + (u_hi + _SC3B) * r4
    tr = t3 * r
    s = tr + t1
    hi_part = r * t0 + s
    acc = corr * d + t2
    acc = acc + ((t1 - s) + tr)
    acc = acc + ((s - hi_part) + r * t0)
    acc = acc + v_lo * w_lo
    acc = acc + v_hi * w_hi
    return hi_part + acc


def java_sin(x: float) -> float:
    """Java's Math.sin (HotSpot x86_64 intrinsic) for |x| in [2^-252, 90112); math.sin otherwise."""
    v = _java_sincos(x, 0)
    return math.sin(x) if v is None else v


def java_cos(x: float) -> float:
    """Java's Math.cos (HotSpot x86_64 intrinsic) for |x| in [2^-252, 90112); math.cos otherwise."""
    v = _java_sincos(x, 16)
    return math.cos(x) if v is None else v


_LN2_HI = _l2d(0x3fe62e42fee00000)
_LN2_LO = _l2d(0x3dea39ef35793c76)
_LG = _hex_doubles("3fe5555555555593 3fd999999997fa04 3fd2492494229359 3fcc71c51d8e78af "
                   "3fc7466496cb03de 3fc39a09d078c69f 3fc2f112df3e5244")


def strict_log(x: float) -> float:
    """Java's StrictMath.log (the fdlibm algorithm), used by java.util.Random.nextGaussian."""
    if not x > 0:
        return -math.inf if x == 0 else math.nan
    if x == math.inf:
        return x
    xb = _d2l(x)
    hx = xb >> 32
    k = 0
    if hx < 0x00100000:                  # subnormal
        k = -54
        x *= 18014398509481984.0
        xb = _d2l(x)
        hx = xb >> 32
    k += (hx >> 20) - 1023
    hx &= 0x000FFFFF
    i = (hx + 0x95F64) & 0x100000
    x = _l2d(((hx | (i ^ 0x3FF00000)) << 32) | (xb & _MASK32))   # x or x/2 in [sqrt(2)/2, sqrt(2))
    k += i >> 20
    f = x - 1.0
    dk = float(k)
    if (0x000FFFFF & (2 + hx)) < 3:      # |f| < 2^-20
        if f == 0.0:
            return 0.0 if k == 0 else dk * _LN2_HI + dk * _LN2_LO
        rr = f * f * (0.5 - 0.33333333333333333 * f)
        return f - rr if k == 0 else dk * _LN2_HI - ((rr - dk * _LN2_LO) - f)
    s = f / (2.0 + f)
    z = s * s
    i = hx - 0x6147A
    w = z * z
    j = 0x6B851 - hx
    lg1, lg2, lg3, lg4, lg5, lg6, lg7 = _LG
    t1 = w * (lg2 + w * (lg4 + w * lg6))
    t2 = z * (lg1 + w * (lg3 + w * (lg5 + w * lg7)))
    i |= j
    rr = t2 + t1
    if i > 0:
        hfsq = 0.5 * f * f
        if k == 0:
            return f - (hfsq - s * (hfsq + rr))
        return dk * _LN2_HI - ((hfsq - (s * (hfsq + rr) + dk * _LN2_LO)) - f)
    if k == 0:
        return f - s * (f - rr)
    return dk * _LN2_HI - ((s * (f - rr) - dk * _LN2_LO) - f)


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


def rand_matrix(rows: int, cols: int, min: float = 0.0, max: float = 1.0,  # noqa: A002
                sparsity: float = 1.0, seed: int = -1, pdf: str = "uniform",
                lambda_: float = 1.0) -> np.ndarray:
    """A rows x cols matrix of SystemDS's random numbers for this seed (C-contiguous float64)."""
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
