"""Java's arithmetic, bit for bit, for the SystemDS-compatible random streams (runtime/rng.py and
its Numba twins kernels/javamath.py, kernels/rng_kernels.py): the long/int wrap-around helpers, and
Math.log/sin/cos as the HotSpot x86_64 intrinsics compute them (Intel LIBM algorithms, which differ
from the C library in the last bit for ~0.1% of arguments), re-implemented operation by operation
with the JVM's own tables."""
from __future__ import annotations

import bisect
import math
import struct

_MASK32 = 0xFFFFFFFF
_MASK64 = (1 << 64) - 1

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
