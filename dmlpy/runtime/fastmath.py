"""exp() of a scalar as SystemDS 3.4 computes it: Apache Commons Math 3's FastMath.exp, bit for bit
(plain Python, no NumPy: scalar scripts stay light).  dmlpy.kernels.fastexp does the same for
matrices with the same tables, built there with NumPy; the method is described there.

Table entries are made on first use (a few microseconds each) with FastMath's own two-double
arithmetic: split (high part of at most 23 significant bits), resplit, products and the
reciprocal, each a fixed sequence of double operations.
"""
from __future__ import annotations

import functools
import math

_S30 = 1073741824.0
_S30_INV = 9.31322574615478515625e-10
_BIG = 8e298
E_HI, E_LO = 2.718281828459045, 1.4456468917292502e-16     # e as a two-double
FRAC_TERMS = 20                                              # the series of exp(j/1024): 1/k!, k < 20
POLY = (0.04168701738764507, 0.1666666505023083, 0.5000000000042687, 1.0, -3.940510424527919e-20)
LOW_SHIFT, LOW_DIV = 40.19140625, 285040095144011776.0        # below -709: exp(x + s) / exp(s)
EDGE_SHIFT, EDGE_DIV = 1.494140625, 4.455505956692756620       # (-710, -709]


def split(d: float) -> tuple:
    if -_BIG < d < _BIG:
        a = d * _S30
        hi = (d + a) - a
    else:
        hi = (d + d * _S30_INV - d) * _S30
    return hi, d - hi


def resplit(a0: float, a1: float) -> tuple:
    c = a0 + a1
    hi, lo = split(c)
    return hi, lo - (c - a0 - a1)


def split_mult(a: tuple, b: tuple) -> tuple:
    return resplit(a[0] * b[0], a[0] * b[1] + a[1] * b[0] + a[1] * b[1])


def _acc(r0, r1, z):
    t = r0 + z
    return t, r1 - (t - r0 - z)


def quad_mult(a: tuple, b: tuple) -> tuple:
    xs = split(a[0])
    r0, r1 = split_mult(xs, split(b[0]))
    z = split_mult(xs, split(b[1]))
    r0, r1 = _acc(r0, r1, z[0])
    r0, r1 = _acc(r0, r1, z[1])
    xs = split(a[1])
    for ys in (split(b[0]), split(b[1])):
        z = split_mult(xs, ys)
        r0, r1 = _acc(r0, r1, z[0])
        r0, r1 = _acc(r0, r1, z[1])
    return r0, r1


def _div(a: float, b: float) -> float:
    """a / b with IEEE results for a zero divisor (Python raises there)."""
    if b == 0.0:
        if a == 0.0 or a != a:
            return math.nan
        return math.copysign(math.inf, a) * math.copysign(1.0, b)
    return a / b


def reciprocal(i0: float, i1: float) -> tuple:
    b = 1.0 / 4194304.0
    a = 1.0 - b
    r0 = a / i0
    r1 = _div(b * i0 - a * i1, i0 * i0 + i0 * i1)
    if r1 != r1:
        r1 = 0.0
    r0, r1 = resplit(r0, r1)
    for _ in range(2):
        err = 1.0 - r0 * i0 - r0 * i1 - r1 * i0 - r1 * i1
        err *= r0 + r1
        r1 += err
    return r0, r1


@functools.lru_cache(maxsize=None)
def _e_square(k: int) -> tuple:
    """e^(2^k) as FastMath's binary powering holds it."""
    if k == 0:
        return E_HI, E_LO
    s = _e_square(k - 1)
    return quad_mult(s, s)


@functools.lru_cache(maxsize=None)
def int_entry(i: int) -> tuple:
    """exp(i) as a two-double (FastMath's table entry), -750 < i < 750."""
    if i < 0:
        return reciprocal(*int_entry(-i))
    ys = split(1.0)
    k = 0
    while i > 0:
        if i & 1:
            ys = quad_mult(ys, _e_square(k))
        i >>= 1
        k += 1
    return resplit(*ys)


@functools.lru_cache(maxsize=None)
def _inv_fact(k: int) -> tuple:
    return reciprocal(*split(float(math.factorial(k))))


@functools.lru_cache(maxsize=None)
def frac_entry(j: int) -> tuple:
    """exp(j/1024) as a two-double (FastMath's table entry), 0 <= j <= 1024."""
    xs = split(j / 1024.0)
    ys = (0.0, 0.0)
    for k in range(FRAC_TERMS - 1, -1, -1):
        ys = split_mult(xs, ys)
        f = _inv_fact(k)
        ys = resplit(ys[0] + f[0], ys[1] + f[1])
    return ys


def _core(x: float) -> float:
    iv = int(x)
    if x < 0.0:
        iv -= 1
    ia, ib = int_entry(iv)
    fr = int((x - iv) * 1024.0)
    fa, fb = frac_entry(fr)
    e = x - (iv + fr / 1024.0)
    z = POLY[0]
    for c in POLY[1:]:
        z = z * e + c
    ta = ia * fa
    tb = ia * fb + ib * fa + ib * fb
    tc = tb + ta
    if tc == math.inf:
        return math.inf
    return tc * z + tb + ta


def fast_exp(x: float) -> float:
    """exp(x) as Commons Math 3's FastMath.exp (SystemDS's exp)."""
    x = float(x)
    if x != x:
        return x
    if x >= 710.0:
        return math.inf
    if x <= -710.0:
        return 0.0 if x < -746.0 else _core(x + LOW_SHIFT) / LOW_DIV
    if x <= -709.0:
        return _core(x + EDGE_SHIFT) / EDGE_DIV
    return _core(x)
