"""Numba parsing of decimal numbers in bytes, correctly rounded, for the text readers (textio).

A number token (sign, digits, optional fraction, optional exponent) with at most 19 significant
digits is converted with the Eisel-Lemire algorithm (a 64 x 128-bit product with a truncated
power of ten), which gives the correctly rounded double or says that it cannot decide; the rare
undecided cases, longer tokens and the special words (NaN, Infinity) are left to the caller
(`parse_number` returns ok = False), which converts them with Python's float.
"""
import numpy as np
from numba import njit

from ..kernels.rng_philox import _mulhilo as _mul64     # the exact 128-bit product of two uint64

_Q_MIN = -342
_Q_MAX = 308


def _pow10_table():
    """128-bit mantissas of 10^q (the same as those of 5^q), q in [_Q_MIN, _Q_MAX]: truncated for
    q >= 0, the integer above the truncated quotient for q < 0 (as the algorithm's tables are)."""
    hi = np.empty(_Q_MAX - _Q_MIN + 1, dtype=np.uint64)
    lo = np.empty_like(hi)
    for q in range(_Q_MIN, _Q_MAX + 1):
        if q >= 0:
            p = 5 ** q
            n = p.bit_length()
            c = p >> (n - 128) if n > 128 else p << (128 - n)
        else:
            p = 5 ** -q
            z = p.bit_length()
            c = (1 << (2 * z + 128)) // p + 1
            while c >= 1 << 128:
                c >>= 1
        hi[q - _Q_MIN] = c >> 64
        lo[q - _Q_MIN] = c & ((1 << 64) - 1)
    return hi, lo


_P_HI, _P_LO = _pow10_table()


@njit(cache=True, inline="always")
def _clz64(x):
    """Leading zero bits of a non-zero uint64."""
    n = 0
    if x <= np.uint64(0x00000000FFFFFFFF):
        n += 32
        x = x << np.uint64(32)
    if x <= np.uint64(0x0000FFFFFFFFFFFF):
        n += 16
        x = x << np.uint64(16)
    if x <= np.uint64(0x00FFFFFFFFFFFFFF):
        n += 8
        x = x << np.uint64(8)
    if x <= np.uint64(0x0FFFFFFFFFFFFFFF):
        n += 4
        x = x << np.uint64(4)
    if x <= np.uint64(0x3FFFFFFFFFFFFFFF):
        n += 2
        x = x << np.uint64(2)
    if x <= np.uint64(0x7FFFFFFFFFFFFFFF):
        n += 1
    return n


@njit(cache=True)
def eisel_lemire(man, q, neg):
    """(value, ok): man * 10^q correctly rounded, or ok False where undecided or out of range."""
    if man == 0:
        return (-0.0 if neg else 0.0), True
    if q < _Q_MIN or q > _Q_MAX:
        return 0.0, False
    clz = _clz64(man)
    man = man << np.uint64(clz)
    ret_exp2 = np.int64(((217706 * q) >> 16) + 64 + 1023) - clz
    x_hi, x_lo = _mul64(man, _P_HI[q - _Q_MIN])
    if (x_hi & np.uint64(0x1FF)) == np.uint64(0x1FF) and x_lo + man < man:
        y_hi, y_lo = _mul64(man, _P_LO[q - _Q_MIN])
        m_hi = x_hi
        m_lo = x_lo + y_hi
        if m_lo < x_lo:
            m_hi += np.uint64(1)
        if (m_hi & np.uint64(0x1FF)) == np.uint64(0x1FF) and m_lo + np.uint64(1) == 0 \
                and y_lo + man < man:
            return 0.0, False
        x_hi = m_hi
        x_lo = m_lo
    msb = x_hi >> np.uint64(63)
    mant = x_hi >> (msb + np.uint64(9))
    ret_exp2 -= 1 - np.int64(msb)
    if x_lo == 0 and (x_hi & np.uint64(0x1FF)) == 0 and (mant & np.uint64(3)) == np.uint64(1):
        return 0.0, False
    mant += mant & np.uint64(1)
    mant = mant >> np.uint64(1)
    if (mant >> np.uint64(53)) > 0:
        mant = mant >> np.uint64(1)
        ret_exp2 += 1
    if ret_exp2 - 1 < 0 or ret_exp2 - 1 >= 0x7FF - 1:
        return 0.0, False
    bits = (np.uint64(ret_exp2) << np.uint64(52)) | (mant & np.uint64(0x000FFFFFFFFFFFFF))
    if neg:
        bits |= np.uint64(0x8000000000000000)
    out = np.empty(1, dtype=np.uint64)
    out[0] = bits
    return out.view(np.float64)[0], True


@njit(cache=True, inline="always")
def _is_digit(c):
    return 48 <= c <= 57


@njit(cache=True)
def parse_number(buf, s, e):
    """(value, ok) of the token buf[s:e]; ok False when it is not a plain decimal number this
    parser converts exactly (the caller then uses Python's float, or reports an error)."""
    i = s
    neg = False
    if i < e and (buf[i] == 45 or buf[i] == 43):       # - +
        neg = buf[i] == 45
        i += 1
    man = np.uint64(0)
    nd = 0                 # significant digits taken into man
    q = 0
    any_digit = False
    while i < e and buf[i] == 48:                       # leading zeros
        i += 1
        any_digit = True
    while i < e and _is_digit(buf[i]):
        if nd >= 19:
            return 0.0, False
        man = man * np.uint64(10) + np.uint64(buf[i] - 48)
        nd += 1
        i += 1
        any_digit = True
    if i < e and buf[i] == 46:                          # .
        i += 1
        if nd == 0:
            while i < e and buf[i] == 48:
                q -= 1
                i += 1
                any_digit = True
        while i < e and _is_digit(buf[i]):
            if nd >= 19:
                return 0.0, False
            man = man * np.uint64(10) + np.uint64(buf[i] - 48)
            nd += 1
            q -= 1
            i += 1
            any_digit = True
    if not any_digit:
        return 0.0, False
    if i < e and (buf[i] == 101 or buf[i] == 69):       # e E
        i += 1
        eneg = False
        if i < e and (buf[i] == 45 or buf[i] == 43):
            eneg = buf[i] == 45
            i += 1
        if i >= e:
            return 0.0, False
        ex = 0
        while i < e and _is_digit(buf[i]):
            if ex < 100000:
                ex = ex * 10 + (buf[i] - 48)
            i += 1
        q += -ex if eneg else ex
    if i != e:
        return 0.0, False
    if man == 0:
        return (-0.0 if neg else 0.0), True
    if nd <= 15 and -22 <= q <= 22:
        # exact: man and 10^|q| are doubles, one rounding
        v = float(man)
        if q >= 0:
            v = v * _POW10[q]
        else:
            v = v / _POW10[-q]
        return (-v if neg else v), True
    return eisel_lemire(man, q, neg)


_POW10 = np.array([10.0 ** k for k in range(23)])


@njit(cache=True)
def parse_int(buf, s, e):
    """(value, ok) of an integer token (optional sign, 1 to 18 digits)."""
    i = s
    neg = False
    if i < e and (buf[i] == 45 or buf[i] == 43):
        neg = buf[i] == 45
        i += 1
    if i >= e or e - i > 18:
        return 0, False
    v = 0
    while i < e:
        c = buf[i]
        if not _is_digit(c):
            return 0, False
        v = v * 10 + (c - 48)
        i += 1
    return (-v if neg else v), True
