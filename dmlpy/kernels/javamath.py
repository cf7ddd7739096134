"""Numba twins of dmlpy.runtime.javamath: Java's bit casts, (long) conversion and Math.log, sin and
cos, agreeing bit for bit with the pure-Python versions there (whose tables they freeze into the
compiled code).  Used by the rand() kernels (rng_kernels, rng_philox)."""
import math

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

from ..runtime import javamath as _M

_CT = np.array(_M._SINCOS_TABLE, dtype=np.float64)
_LT = np.array(_M._LOG_TABLE, dtype=np.float64)
# rounded-rcpps key per top 13 fraction bits of m (the break points are multiples of 2^10)
_RCP_KEY = (16256 - np.searchsorted(np.array(_M._RCP_BREAKS, dtype=np.int64),
                                     np.arange(8192, dtype=np.int64) << 10, side="right")
            ).astype(np.int64)

_M32 = 0xFFFFFFFF
_I64MAX = np.int64(0x7FFFFFFFFFFFFFFF)
_I64MIN = np.int64(-0x8000000000000000)

_LOG2_HI = _M._LOG2_HI
_LOG2_LO = _M._LOG2_LO
_LC0, _LC1, _LC2, _LC3, _LC4, _LC5 = _M._LC0, _M._LC1, _M._LC2, _M._LC3, _M._LC4, _M._LC5
_PI32INV = _M._PI32INV
_P1, _P2, _P3 = _M._P1, _M._P2, _M._P3
_SC4A, _SC4B, _SC3A, _SC3B = _M._SC4A, _M._SC4B, _M._SC3A, _M._SC3B
_SC2A, _SC2B, _SC1A, _SC1B = _M._SC2A, _M._SC2B, _M._SC1A, _M._SC1B


# ---------------------------------------------------------------------------- bit casts
@intrinsic
def _d2l(typingctx, x):
    sig = types.int64(types.float64)

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.IntType(64))
    return sig, codegen


@intrinsic
def _l2d(typingctx, i):
    sig = types.float64(types.int64)

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.DoubleType())
    return sig, codegen


@njit(cache=True, inline="always")
def _java_long(d):
    if d != d:
        return np.int64(0)
    if d >= 9.223372036854775807e18:
        return _I64MAX
    if d <= -9.223372036854775808e18:
        return _I64MIN
    return np.int64(d)


# ---------------------------------------------------------------------------- Java math
@njit(cache=True)
def java_log(x):
    xb = _d2l(x)
    top = (xb >> 48) & 0xFFFF
    if top < 16 or top >= 0x7FF0:
        if x > 0:
            return math.log(x)
        return -np.inf if x == 0 else np.nan
    frac = xb & 0xFFFFFFFFFFFFF
    key = _RCP_KEY[frac >> 39]
    b = _l2d(key << 45)
    t = 2 * (key & 0xFF)
    mb = frac | 0x77F0000000000000
    m = _l2d(mb)
    mh = _l2d(mb & -0x200000000000)          # 0xFFFFE00000000000
    k16 = float(((top - 16) & 0x7FF0) - 0x3FE0)
    r = (m - mh) * b + (mh * b - 1.0)
    a = _LT[t] + _LOG2_HI * k16
    s0 = a + r
    p_lo = (_LC2 * r + _LC4) * r
    p_hi = _LC3 * r + _LC5
    r2 = r * r
    q_lo = _LC0 * r * r2
    q_hi = _LC1 * r2
    lo = r + (a - s0)
    lo = lo + (k16 * _LOG2_LO + _LT[t + 1])
    lo = lo + (p_lo + q_lo) * (r2 * r2)
    lo = lo + (p_hi + q_hi) * r2
    return s0 + lo


@njit(cache=True)
def _java_sincos(x, quarter):
    hi = (_d2l(x) >> 32) & 0x7FFF0000
    if ((hi - 0x30300000) & _M32) > 0x10C50000:
        return math.sin(x) if quarter == 0 else math.cos(x)
    n = np.int64(_PI32INV * x + (0.5 if x >= 0 else -0.5))
    nf = float(n)
    p1n = _P1 * nf
    p2n = _P2 * nf
    r1 = x - p1n
    r = r1 - p2n
    j = 4 * ((n + quarter) & 63)
    t0 = _CT[j]
    t1 = _CT[j + 1]
    t2 = _CT[j + 2]
    t3 = _CT[j + 3]
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


@njit(cache=True)
def java_sin(x):
    return _java_sincos(x, 0)


@njit(cache=True)
def java_cos(x):
    return _java_sincos(x, 16)
