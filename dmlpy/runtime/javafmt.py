"""Java-compatible number/string formatting for dmlpy.

SystemDS runs on Java 17, so everything DML prints goes through
``Double.toString`` or ``java.util.Formatter``.  This module reproduces
those byte for byte:

* :func:`double_to_string` -- Java 17 ``Double.toString(double)``.
* :func:`format_fixed`     -- ``String.format("%.<n>f", double)``.
* :func:`dmlpy.runtime.javaformatter.java_format` -- ``String.format(fmt, args...)`` for
  the conversions DML scripts use (its own module; it builds on the digits made here).

Java 17's ``Double.toString`` is *not* always the shortest round-trip string
(that was only fixed in JDK 19).  Its digit generator (``FloatingDecimal``)
is a Steele & White / dragon4 style "free format" generator with a few
quirks which are reproduced here:

1. Integer valued doubles with ``2**53 <= |x| < 2**63`` are converted
   exactly with 64-bit integer arithmetic and only 0..2 trailing digits are
   rounded away (half-up), e.g. ``2.0**62 -> "4.6116860184273879E18"``.
2. For powers of two the rounding interval is taken as +-ulp/4 on *both*
   sides (the true interval above is +ulp/2), which sometimes yields a longer
   string, e.g. ``2.0**-44 -> "5.6843418860808015E-14"``.
3. The interval boundaries are exclusive on the low side always and on the
   high side when 32/64-bit arithmetic is used, but inclusive on the high side
   when big-integer arithmetic is used (Python's repr uses inclusive bounds
   for even mantissas), e.g. ``1e23 -> "9.999999999999999E22"``.
4. The 64-bit path can overflow; Java then silently takes a fallback
   decision (emulated here with wrap-around arithmetic), e.g.
   ``-3.4509620650088502E25``.
5. In E-notation at least two significant digits are generated, which
   changes the rounding of tiny subnormals: ``Double.MIN_VALUE ->
   "4.9E-324"``.

For the common case (normal doubles below 2**53 that are not powers of two,
and every double in [1e-3, 1e7)) the output provably equals Python's
shortest ``repr`` digits, which is used as a fast path.  Everything else is
computed with an exact re-implementation of the algorithm on Python ints.

``java.util.Formatter`` float conversions (%f %e %g) round the (above)
decimal digit string of ``Double.toString`` half-up, *not* the exact binary
value: ``%.2f`` of 2.675 is "2.68", ``%.3f`` of 1.0005 is "1.001" and
``%.2f`` of 0.125 is "0.13".
"""

import math

__all__ = ["double_to_string", "format_fixed"]

_frexp = math.frexp
_copysign = math.copysign
_repr = float.__repr__
_INF = float("inf")
_MIN_NORMAL = 2.2250738585072014e-308
_TWO53 = 9007199254740992.0

# number of bits of 5**i (index 0 -> 0), as used to pick 32/64-bit/big paths
_N5BITS = [0] + [(5 ** _i).bit_length() for _i in range(1, 27)]
# decimal digits that can be dropped for 2**p2 extra binary digits (small p2)
_INSIG = (0, 0, 0, 0, 1, 1, 1, 2, 2, 2)

_M32 = 0xFFFFFFFF
_M64 = 0xFFFFFFFFFFFFFFFF


def _wrap32(v):
    v &= _M32
    return v - 0x100000000 if v & 0x80000000 else v


def _wrap64(v):
    v &= _M64
    return v - 0x10000000000000000 if v & 0x8000000000000000 else v


def _roundup(digits, dec_exp):
    """Increment the last digit of a digit list in place (Java semantics:
    a full carry-out yields '1' followed by the *kept* zeros)."""
    i = len(digits) - 1
    q = digits[i]
    if q == "9":
        while q == "9" and i > 0:
            digits[i] = "0"
            i -= 1
            q = digits[i]
        if q == "9":
            digits[0] = "1"
            return dec_exp + 1
    digits[i] = chr(ord(q) + 1)
    return dec_exp


def _java_dtoa(a):
    """Java 17 FloatingDecimal digit generation for a finite a > 0.

    Returns (digits, dec_exponent) with value == 0.<digits> * 10**dec_exponent.
    (Double.toString and Formatter's digit strings agree in value for every
    double, so one routine serves both.)
    """
    m, e = _frexp(a)
    fract = int(m * 9007199254740992.0)  # 53-bit significand, top bit set
    bin_exp = e - 1                      # a == fract * 2**(bin_exp - 52)
    n_sig = 53 if e >= -1021 else e + 1074  # significant bits of subnormals
    tz = (fract & -fract).bit_length() - 1
    n_fract_bits = 53 - tz
    n_tiny = n_fract_bits - bin_exp - 1
    if n_tiny < 0:
        n_tiny = 0

    if n_tiny == 0 and bin_exp <= 62:
        # "easy" integer path, exact long arithmetic
        insig = 0
        if bin_exp > n_sig:
            p2 = bin_exp - n_sig - 1
            if 1 < p2 < len(_INSIG):
                insig = _INSIG[p2]
        lv = fract << (bin_exp - 52) if bin_exp >= 52 else fract >> (52 - bin_exp)
        if insig:
            p10 = 10 ** insig
            lv, res = divmod(lv, p10)
            if res >= (p10 >> 1):
                lv += 1
        s = str(lv)
        return s.rstrip("0"), insig + len(s)

    # estimate of floor(log10(a)), computed exactly as Java does
    d2 = m * 2.0
    dec_exp = math.floor((d2 - 1.5) * 0.289529654 + 0.176091259
                         + bin_exp * 0.301029995663981)
    b5 = -dec_exp if dec_exp < 0 else 0
    b2 = b5 + n_tiny + bin_exp
    s5 = dec_exp if dec_exp > 0 else 0
    s2 = s5 + n_tiny
    m5 = b5
    m2 = b2 - n_sig
    fract >>= tz
    b2 -= n_fract_bits - 1
    c = b2 if b2 < s2 else s2
    b2 -= c
    s2 -= c
    m2 -= c
    if n_fract_bits == 1:
        m2 -= 1
    if m2 < 0:
        b2 -= m2
        s2 -= m2
        m2 = 0
    b_bits = n_fract_bits + b2 + (_N5BITS[b5] if b5 < 27 else b5 * 3)
    ten_s_bits = s2 + 1 + (_N5BITS[s5 + 1] if s5 + 1 < 27 else (s5 + 1) * 3)
    digits = []
    force_more = dec_exp < -3 or dec_exp >= 8
    if b_bits < 64 and ten_s_bits < 64:
        # fixed-width (int / long) arithmetic with strict bounds.  The
        # initial values, b and tens provably fit; only m*10 and b+m can
        # overflow, and Java silently wraps them around.
        if b_bits < 32 and ten_s_bits < 32:
            lim, wrap = 0x80000000, _wrap32
        else:
            lim, wrap = 0x8000000000000000, _wrap64
        b = (fract * 5 ** b5) << b2
        s = 5 ** s5 << s2
        mm = (5 ** m5 << m2) * 10
        tens = s * 10
        q, b = divmod(b, s)
        b *= 10
        if mm >= lim:
            mm = wrap(mm)
        low = b < mm
        t = b + mm
        high = (wrap(t) if t >= lim else t) > tens
        if q == 0 and not high:
            dec_exp -= 1
        else:
            digits.append(chr(48 + q))
        if force_more:
            high = low = False
        while not low and not high:
            q, b = divmod(b, s)
            b *= 10
            mm *= 10
            if mm >= lim or mm < -lim:
                mm = wrap(mm)
            if mm > 0:
                low = b < mm
                t = b + mm
                high = (wrap(t) if t >= lim else t) > tens
            else:
                # Java's "m might overflow" escape hatch
                low = high = True
            digits.append(chr(48 + q))
        low_diff = (b << 1) - tens
    else:
        # big-integer arithmetic; the high bound is inclusive here
        s = 5 ** s5 << s2
        b = (fract * 5 ** b5) << b2
        mm = 10 * (5 ** m5 << m2)
        tens = 10 * s
        q, b = divmod(b, s)
        b *= 10
        low = b < mm
        high = b + mm >= tens
        if q == 0 and not high:
            dec_exp -= 1
        else:
            digits.append(chr(48 + q))
        if force_more:
            high = low = False
        while not low and not high:
            q, b = divmod(b, s)
            b *= 10
            mm *= 10
            low = b < mm
            high = b + mm >= tens
            digits.append(chr(48 + q))
        low_diff = (b << 1) - tens
    dec_exponent = dec_exp + 1
    if high:
        if low:
            if low_diff == 0:
                if ord(digits[-1]) & 1:
                    dec_exponent = _roundup(digits, dec_exponent)
            elif low_diff > 0:
                dec_exponent = _roundup(digits, dec_exponent)
        else:
            dec_exponent = _roundup(digits, dec_exponent)
    return "".join(digits), dec_exponent


def _layout(d, de):
    """Double.toString layout of digits d with value 0.d * 10**de."""
    nd = len(d)
    if 0 < de < 8:
        if nd <= de:
            return d + "0" * (de - nd) + ".0"
        return d[:de] + "." + d[de:]
    if -3 < de <= 0:
        return "0." + "0" * (-de) + d
    return d[0] + "." + (d[1:] if nd > 1 else "0") + "E" + str(de - 1)


def double_to_string(x):
    """Exactly Java 17's ``Double.toString(double)``."""
    if type(x) is not float:
        x = float(x)
    if x > 0.0:
        a = x
        sign = ""
    elif x < 0.0:
        a = -x
        sign = "-"
    elif x == 0.0:
        return "-0.0" if _copysign(1.0, x) < 0.0 else "0.0"
    else:
        return "NaN"
    if a < 1e7:
        if a >= 1e-3:
            # Java's plain notation; repr uses the same layout and digits
            return _repr(x)
        if a >= _MIN_NORMAL and _frexp(a)[0] != 0.5:
            r = _repr(a)
            if a >= 1e-4:  # r == '0.000ddd'
                d = r[5:]
                return sign + d[0] + "." + (d[1:] or "0") + "E-4"
            mant, _, ex = r.partition("e")
            if len(mant) == 1:
                mant += ".0"
            return sign + mant + "E" + str(int(ex))
    elif a < _TWO53:
        # integers and non-integers below 2**53: repr digits are Java's
        r = _repr(a)
        ip, _, fp = r.partition(".")
        d = ip.rstrip("0") if fp == "0" else ip + fp
        return sign + d[0] + "." + (d[1:] or "0") + "E" + str(len(ip) - 1)
    elif a == _INF:
        return sign + "Infinity"
    d, de = _java_dtoa(a)
    return sign + _layout(d, de)


def _decimal_digits(a):
    """(digits, dec_exponent) of Java's digit string for finite a > 0
    (value == 0.digits * 10**dec_exponent)."""
    if _MIN_NORMAL <= a < _TWO53 and (_frexp(a)[0] != 0.5 or 1e-3 <= a < 1e7):
        r = _repr(a)
        mant, _, ex = r.partition("e")
        if ex:
            return mant.replace(".", ""), int(ex) + 1
        ip, _, fp = mant.partition(".")
        if ip == "0":
            d = fp.lstrip("0")
            return d, len(d) - len(fp)
        if fp == "0":
            return ip.rstrip("0"), len(ip)
        return ip + fp, len(ip)
    return _java_dtoa(a)


def _fixed_magnitude(a, prec):
    """Formatter %.<prec>f of finite a >= 0 without sign, no grouping."""
    if a == 0.0:
        n = 0
    else:
        d, de = _decimal_digits(a)
        n = int(d)
        sh = de - len(d) + prec
        if sh >= 0:
            n *= 10 ** sh
        else:
            p = 10 ** (-sh)
            n, r = divmod(n, p)
            if 2 * r >= p:
                n += 1
    s = str(n)
    if prec <= 0:
        return s
    if len(s) <= prec:
        s = "0" * (prec + 1 - len(s)) + s
    return s[:-prec] + "." + s[-prec:]


def format_fixed(x, decimals=3):
    """Exactly Java's ``String.format("%.<decimals>f", (double) x)``."""
    x = float(x)
    if x != x:
        return "NaN"
    neg = x < 0.0 or (x == 0.0 and _copysign(1.0, x) < 0.0)
    a = -x if neg else x
    if a == _INF:
        return "-Infinity" if neg else "Infinity"
    s = _fixed_magnitude(a, decimals)
    return "-" + s if neg else s


def _sci_parts(a, prec):
    """%.<prec>e of finite a >= 0: (mantissa, exponent-string like '+04')."""
    if a == 0.0:
        return ("0." + "0" * prec) if prec else "0", "+00"
    d, de = _decimal_digits(a)
    nsig = prec + 1
    if len(d) > nsig:
        n = int(d[:nsig])
        if d[nsig] >= "5":
            n += 1
            if n == 10 ** nsig:
                n //= 10
                de += 1
        d = str(n)
    else:
        d = d + "0" * (nsig - len(d))
    mant = d[0] + "." + d[1:] if prec else d[0]
    e = de - 1
    es = ("-" if e < 0 else "+") + ("%02d" % abs(e))
    return mant, es


def _general_parts(a, prec):
    """%.<prec>g of finite a >= 0: (mantissa, exponent-string or None)."""
    if prec == 0:
        prec = 1
    if a == 0.0:
        return ("0." + "0" * (prec - 1)) if prec > 1 else "0", None
    d, de = _decimal_digits(a)
    # round to prec significant digits (half-up) to find the exponent
    if len(d) > prec:
        n = int(d[:prec])
        if d[prec] >= "5":
            n += 1
            if n == 10 ** prec:
                n //= 10
                de += 1
        d = str(n)
    x10 = de - 1
    if x10 < -4 or x10 >= prec:
        return _sci_parts(a, prec - 1)
    return _fixed_magnitude(a, prec - de), None
