"""Java-compatible number/string formatting for dmlpy.

SystemDS runs on Java 17, so everything DML prints goes through
``Double.toString`` or ``java.util.Formatter``.  This module reproduces
those byte for byte:

* :func:`double_to_string` -- Java 17 ``Double.toString(double)``.
* :func:`format_fixed`     -- ``String.format("%.<n>f", double)``.
* :func:`java_format`      -- ``String.format(fmt, args...)`` for the
  conversions DML scripts use.

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

__all__ = ["double_to_string", "format_fixed", "java_format"]

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


# ---------------------------------------------------------------------------
# java.util.Formatter
# ---------------------------------------------------------------------------

def _err(kind, detail):
    return ValueError("%s: %s" % (kind, detail))


MAX_SPEC_NUMBER = 100_000  # a wider field or longer precision is refused, not built


def _spec_number(text, what):
    """A width or precision of a format specifier: beyond Java's int range Java refuses it; past
    MAX_SPEC_NUMBER dmlpy refuses it too (Java would try to build a string of that size)."""
    if len(text) > 10 or int(text) > 2147483647:
        raise _err(f"IllegalFormat{what}Exception", "-2147483648")
    if int(text) > MAX_SPEC_NUMBER:
        raise ValueError(f"format {what.lower()} {int(text)} is too large (dmlpy allows at most "
                         f"{MAX_SPEC_NUMBER})")
    return int(text)


_FLAG_CHARS = "-#+ 0,(<"
_VALID_CONV = set("bBhHsScCdoxXeEfgGaAtTn%")


def _java_type(v):
    if isinstance(v, bool):
        return "Boolean"
    if isinstance(v, int):
        return "Long"
    if isinstance(v, float):
        return "Double"
    if isinstance(v, str):
        return "String"
    if v is None:
        return "null"
    kind = getattr(getattr(v, "dtype", None), "kind", None)  # numpy scalars
    if kind == "b":
        return "Boolean"
    if kind in ("i", "u"):
        return "Long"
    if kind == "f":
        return "Double"
    return "String"


def _java_str(v, t):
    if t == "Boolean":
        return "true" if v else "false"
    if t == "Long":
        return str(int(v))
    if t == "Double":
        return double_to_string(float(v))
    if t == "null":
        return "null"
    return str(v)


def _double_bits(f):
    """IEEE-754 bits of a double as an unsigned int (NaN -> canonical)."""
    if f != f:
        return 0x7FF8000000000000
    sign = 1 << 63 if (f < 0.0 or (f == 0.0 and _copysign(1.0, f) < 0.0)) else 0
    a = abs(f)
    if a == 0.0:
        return sign
    if a == _INF:
        return sign | 0x7FF0000000000000
    m, e = _frexp(a)
    if e >= -1021:
        return sign | ((e + 1022) << 52) | (int(m * 9007199254740992.0) - (1 << 52))
    # subnormal: raw significand field is the 53-bit value shifted down
    return sign | (int(m * 9007199254740992.0) >> (-1021 - e))


def _java_hash(v, t):
    if t == "Boolean":
        h = 1231 if v else 1237
    elif t in ("Long", "Double"):
        u = int(v) & _M64 if t == "Long" else _double_bits(float(v))
        h = (u ^ (u >> 32)) & _M32
    else:
        b = str(v).encode("utf-16-le", "surrogatepass")
        h = 0
        for i in range(0, len(b), 2):
            h = (31 * h + (b[i] | (b[i + 1] << 8))) & _M32
    return "%x" % h


def _group(intpart):
    """Insert ',' every 3 digits (Locale.US grouping)."""
    n = len(intpart)
    if n <= 3:
        return intpart
    head = n % 3 or 3
    parts = [intpart[:head]]
    for i in range(head, n, 3):
        parts.append(intpart[i:i + 3])
    return ",".join(parts)


def _u16len(s):
    """Length in UTF-16 code units (what Java's String.length() counts)."""
    if s.isascii():
        return len(s)
    return len(s) + sum(1 for ch in s if ord(ch) > 0xFFFF)


def _u16prefix(s, n):
    """First n UTF-16 code units of s (a split surrogate pair becomes '?',
    which is how Java prints the lone surrogate)."""
    if s.isascii():
        return s[:n]
    out = []
    for ch in s:
        w = 2 if ord(ch) > 0xFFFF else 1
        if n <= 0:
            break
        if w > n:
            out.append("?")
            break
        out.append(ch)
        n -= w
    return "".join(out)


def _justify(s, width, left):
    if width > len(s):
        k = width - _u16len(s)
        if k > 0:
            pad = " " * k
            return s + pad if left else pad + s
    return s


def _check_bad_flags(flags, bad, conv):
    for ch in bad:
        if ch in flags:
            raise _err("FormatFlagsConversionMismatchException",
                       "Conversion = %s, Flags = %s" % (conv, ch))


def _check_numeric(flags, width, spec):
    if width == -1 and ("-" in flags or "0" in flags):
        raise _err("MissingFormatWidthException", spec)
    if ("+" in flags and " " in flags) or ("-" in flags and "0" in flags):
        raise _err("IllegalFormatFlagsException", "Flags = '%s'" % flags)


def _localized_magnitude(sign_prefix, mag, flags, width, group):
    """sign_prefix + mag with optional grouping of the integer part and
    zero padding to `width` (width counts the sign prefix)."""
    if group:
        dot = mag.find(".")
        if dot < 0:
            mag = _group(mag)
        else:
            mag = _group(mag[:dot]) + mag[dot:]
    if width != -1 and "0" in flags:
        fill = width - len(sign_prefix) - len(mag)
        if fill > 0:
            mag = "0" * fill + mag
    return sign_prefix + mag


def _leading_sign(flags, neg):
    if not neg:
        if "+" in flags:
            return "+"
        if " " in flags:
            return " "
        return ""
    return "(" if "(" in flags else "-"


def _adjust_width(width, flags, neg):
    if width != -1 and neg and "(" in flags:
        return width - 1
    return width


def _fmt_integer(conv, v, flags, width, spec):
    upper = conv == "X"
    c = conv.lower()
    if c == "d":
        neg = v < 0
        sb = _leading_sign(flags, neg)
        mag = str(-v if neg else v)
        sb = _localized_magnitude(sb, mag, flags,
                                  _adjust_width(width, flags, neg), "," in flags)
        if neg and "(" in flags:
            sb += ")"
        return _justify(sb, width, "-" in flags)
    _check_bad_flags(flags, "(+ ", conv)
    u = v & _M64
    if c == "o":
        s = "%o" % u
        pre = "0" if "#" in flags else ""
    else:
        s = "%x" % u
        pre = ("0X" if upper else "0x") if "#" in flags else ""
        if upper:
            s = s.upper()
    if "0" in flags:
        fill = width - len(pre) - len(s)
        if fill > 0:
            s = "0" * fill + s
    return _justify(pre + s, width, "-" in flags)


def _fmt_float(conv, v, flags, width, prec, spec):
    upper = conv in "EG"
    c = conv.lower()
    neg = v < 0.0 or (v == 0.0 and _copysign(1.0, v) < 0.0)
    left = "-" in flags
    if v != v:
        return _justify("NAN" if upper else "NaN", width, left)
    a = -v if neg else v
    sb = _leading_sign(flags, neg)
    if a == _INF:
        sb += "INFINITY" if upper else "Infinity"
        if neg and "(" in flags:
            sb += ")"
        return _justify(sb, width, left)
    alt = "#" in flags
    if c == "f":
        p = 6 if prec == -1 else prec
        mag = _fixed_magnitude(a, p)
        if alt and p == 0:
            mag += "."
        sb = _localized_magnitude(sb, mag, flags,
                                  _adjust_width(width, flags, neg), "," in flags)
    elif c == "e":
        p = 6 if prec == -1 else prec
        mant, es = _sci_parts(a, p)
        if alt and p == 0:
            mant += "."
        w = width
        if width != -1:
            w = _adjust_width(width - len(es) - 1, flags, neg)
        sb = _localized_magnitude(sb, mant, flags, w, False)
        sb += ("E" if upper else "e") + es
    else:  # g
        p = 6 if prec == -1 else prec
        mant, es = _general_parts(a, p)
        if es is None:
            w = _adjust_width(width, flags, neg) if width != -1 else -1
            sb = _localized_magnitude(sb, mant, flags, w, "," in flags)
        else:
            w = width
            if width != -1:
                w = _adjust_width(width - len(es) - 1, flags, neg)
            sb = _localized_magnitude(sb, mant, flags, w, "," in flags)
            sb += ("E" if upper else "e") + es
    if neg and "(" in flags:
        sb += ")"
    return _justify(sb, width, left)


def java_format(fmt, args):
    """Java's ``String.format(fmt, args...)`` with DML-typed Python args.

    Arguments are typed like SystemDS passes them to Java: bool -> Boolean,
    int -> Long, float -> Double, str -> String (numpy scalars by dtype kind).
    Supported: %s %S %b %B %h %H %c %C %d %o %x %X %e %E %f %g %G %n %% with
    flags ``-#+ 0,(<``, width, precision, ``%<n>$`` indices (Locale.US).

    Raises ValueError whose message starts with the name of the exception
    Java throws (IllegalFormatConversionException for %d of a Double or %f
    of a Long, MissingFormatArgumentException, UnknownFormatConversion...,
    ...).  Note %c always fails for DML values: Java's %c rejects Long and
    String.  %a and %t/%T (which Java supports) raise ValueError starting
    with "UnsupportedFormatConversion".
    """
    out = []
    n = len(fmt)
    i = 0
    ordinary = 0
    last = -1
    args = list(args)
    while i < n:
        j = fmt.find("%", i)
        if j < 0:
            out.append(fmt[i:])
            break
        if j > i:
            out.append(fmt[i:j])
        # parse: %[index$][flags][width][.precision]conversion
        k = j + 1
        # index or width digits
        st = k
        while k < n and fmt[k] in "0123456789":
            k += 1
        index = -1
        flags = ""
        width_s = ""
        if k < n and fmt[k] == "$" and k > st:
            index = int(fmt[st:k])
            k += 1
        else:
            k = st
        fs = k
        while k < n and fmt[k] in _FLAG_CHARS:
            k += 1
        flags = fmt[fs:k]
        ws = k
        while k < n and fmt[k] in "0123456789":
            k += 1
        width_s = fmt[ws:k]
        prec_s = ""
        if k < n and fmt[k] == ".":
            ps = k + 1
            k2 = ps
            while k2 < n and fmt[k2] in "0123456789":
                k2 += 1
            if k2 > ps:
                prec_s = fmt[ps:k2]
                k = k2
        if k < n and fmt[k] in "tT":
            raise _err("UnsupportedFormatConversion",
                       "dmlpy does not support date/time conversions (%t)")
        if k >= n or not (fmt[k].isascii() and fmt[k].isalpha() or fmt[k] == "%"):
            ch = fmt[j + 1] if j + 1 < n else "%"
            raise _err("UnknownFormatConversionException",
                       "Conversion = '%s'" % ch)
        conv = fmt[k]
        spec = fmt[j:k + 1]
        i = k + 1
        if conv not in _VALID_CONV:
            raise _err("UnknownFormatConversionException",
                       "Conversion = '%s'" % conv)
        if conv in "aA":
            raise _err("UnsupportedFormatConversion",
                       "dmlpy does not support hexadecimal float conversions (%a)")
        # flags: duplicates
        for ch in flags:
            if flags.count(ch) > 1:
                raise _err("DuplicateFormatFlagsException",
                           "Flags = '%s'" % ch)
        width = _spec_number(width_s, "Width") if width_s else -1
        prec = _spec_number(prec_s, "Precision") if prec_s else -1
        if conv in "n%":
            if prec != -1:
                raise _err("IllegalFormatPrecisionException", str(prec))
            if conv == "%":
                if flags not in ("", "-"):
                    raise _err("IllegalFormatFlagsException",
                               "Flags = '%s'" % flags)
                if width == -1 and "-" in flags:
                    raise _err("MissingFormatWidthException", spec)
                out.append(_justify("%", width, "-" in flags))
            else:
                if width != -1:
                    raise _err("IllegalFormatWidthException", str(width))
                if flags:
                    raise _err("IllegalFormatFlagsException",
                               "Flags = '%s'" % flags)
                out.append("\n")
            continue
        # static checks (done at parse time in Java)
        lc = conv.lower()
        if lc in "bhs":
            if lc in "bh" and "#" in flags:
                raise _err("FormatFlagsConversionMismatchException",
                           "Conversion = %s, Flags = #" % conv)
            if width == -1 and "-" in flags:
                raise _err("MissingFormatWidthException", spec)
            _check_bad_flags(flags, "+ 0,(", conv)
        elif lc == "c":
            if prec != -1:
                raise _err("IllegalFormatPrecisionException", str(prec))
            _check_bad_flags(flags, "#+ 0,(", conv)
            if width == -1 and "-" in flags:
                raise _err("MissingFormatWidthException", spec)
        elif lc in "dox":
            _check_numeric(flags, width, spec)
            if prec != -1:
                raise _err("IllegalFormatPrecisionException", str(prec))
            if lc == "d":
                _check_bad_flags(flags, "#", conv)
            else:
                _check_bad_flags(flags, ",", conv)
        else:  # e f g
            _check_numeric(flags, width, spec)
            if lc == "e":
                _check_bad_flags(flags, ",", conv)
            elif lc == "g":
                _check_bad_flags(flags, "#", conv)
        # argument selection
        if "<" in flags:
            if last < 0:
                raise _err("MissingFormatArgumentException",
                           "Format specifier '%s'" % spec)
            ai = last
        elif index != -1:
            if index == 0:
                raise _err("IllegalFormatArgumentIndexException",
                           "Illegal format argument index = 0")
            ai = index - 1
        else:
            ai = ordinary
            ordinary += 1
        if ai >= len(args):
            raise _err("MissingFormatArgumentException",
                       "Format specifier '%s'" % spec)
        last = ai
        v = args[ai]
        t = _java_type(v)
        left = "-" in flags
        if lc == "s" or lc == "b" or lc == "h":
            if lc == "s":
                if "#" in flags:
                    raise _err("FormatFlagsConversionMismatchException",
                               "Conversion = s, Flags = #")
                s = _java_str(v, t)
            elif lc == "b":
                s = ("true" if v else "false") if t == "Boolean" else (
                    "false" if t == "null" else "true")
            else:
                s = "null" if t == "null" else _java_hash(v, t)
            if prec != -1:
                s = _u16prefix(s, prec)
            if conv.isupper():
                s = s.upper()
            out.append(_justify(s, width, left))
        elif lc == "c":
            if t == "null":
                s = "null"
            else:
                raise _err("IllegalFormatConversionException",
                           "%s != java.lang.%s" % (conv, t))
            out.append(_justify(s.upper() if conv == "C" else s, width, left))
        elif lc in "dox":
            if t != "Long":
                if t == "null":
                    out.append(_justify("null", width, left))
                    continue
                raise _err("IllegalFormatConversionException",
                           "%s != java.lang.%s" % (conv, t))
            out.append(_fmt_integer(conv, int(v), flags, width, spec))
        else:
            if t != "Double":
                if t == "null":
                    out.append(_justify("null", width, left))
                    continue
                raise _err("IllegalFormatConversionException",
                           "%s != java.lang.%s" % (conv, t))
            out.append(_fmt_float(conv, float(v), flags, width, prec, spec))
    return "".join(out)
