"""``java.util.Formatter`` (``String.format``) as SystemDS's ``sprintf`` and ``printf`` use it, for
the conversions DML scripts use (%s %d %x %o %c %b %h %f %e %g %%, flags, width, precision), byte
for byte as Java 17 prints them. Float conversions round the decimal digits of ``Double.toString``
half-up (runtime/javafmt.py), not the exact binary value."""

import math

from .javafmt import _M32, _M64, _fixed_magnitude, _general_parts, _sci_parts, double_to_string

__all__ = ["java_format", "MAX_SPEC_NUMBER"]

_frexp = math.frexp
_copysign = math.copysign
_INF = float("inf")


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
