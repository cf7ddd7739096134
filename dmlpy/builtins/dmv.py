"""Disguised missing value detection behind map(F, "UtilFunctions.syntacticalPatternDiscovery(t,r)")
(SystemDS's dmv builtin).

Every cell (null read as "NULL") is encoded as a syntactic pattern: characters are classed as
digit d, lower l, upper u, space s, dot t, minus -, other y, and runs are written as class +
run length ("Ab12" -> "u1l1d2").  Per column, the histogram of patterns is generalised level by
level until one pattern covers more than a fraction t of the rows:
  1  the raw encoding
  2  run lengths become "+" (one per digit of the length)
  3  runs of u/l collapse to "a" (repeated "+" collapse; a "+" directly after an a-run, or after
     another "+", is dropped)
  4  digit runs swallow inner dots and "+" (floats read as digits)
  5  alphabetic runs swallow inner spaces and "+"
  6  "-" directly before d is dropped (negative numbers read as digits)
The cells of that column whose pattern (at that level) differs are replaced by r; columns
without a dominant pattern stay as they are.  When several patterns pass a threshold below
0.5, the first in the iteration order of Java's HashMap wins, as in SystemDS.
"""
from __future__ import annotations

import unicodedata

from ..errors import OpError
from .javahash import string_map_order

ARB = "+"


def _char_class(c: str) -> str:
    cat = unicodedata.category(c)
    if cat == "Nd":
        return "d"
    if cat == "Ll":
        return "l"
    if cat == "Lu":
        return "u"
    if cat in ("Zs", "Zl", "Zp"):
        return "s"
    if c == ".":
        return "t"
    if c == "-":
        return "-"
    return "y"


def encode(value: str) -> str:
    """Level 1: classes with run lengths."""
    out, i, cls = [], 0, [_char_class(c) for c in value]
    while i < len(cls):
        j = i
        while j + 1 < len(cls) and cls[j + 1] == cls[i]:
            j += 1
        out.append(f"{cls[i]}{j - i + 1}")
        i = j + 1
    return "".join(out)


def _lengths_to_arb(p: str) -> str:
    return "".join(ARB if c.isdigit() else c for c in p)


def _merge_case(p: str) -> str:
    out, alpha = [], False
    for c in p:
        if c in "ul":
            if not alpha:
                alpha = True
                out.append("a")
        elif c == ARB:
            if out and out[-1] != ARB:
                out.append(c)
        else:
            out.append(c)
            alpha = False
    return "".join(out)


def _swallow(p: str, outer: str, inner: str) -> str:
    out, inside = [], False
    for c in p:
        if c == outer and not inside:
            inside = True
            out.append(c)
        elif inside and c in (outer, inner):
            continue
        elif c != inner and c != ARB:
            inside = False
            out.append(c)
        elif out and out[-1] != ARB:
            out.append(c)
    return "".join(out)


def _negatives(p: str) -> str:
    out, minus = [], False
    for c in p:
        if c == "-" and not minus:
            minus = True
        elif c == "d" and minus:
            out.append(c)
            minus = False
        elif minus:
            out.append("-" + c)
            minus = False
        else:
            out.append(c)
    return "".join(out)


STEPS = [encode, _lengths_to_arb, _merge_case, lambda p: _swallow(p, "d", "t"),
         lambda p: _swallow(p, "a", "s"), _negatives]


def _hist(pairs):
    """[(key, count)] -> the same merged per key, in Java HashMap iteration order."""
    keys, counts = [], {}
    for k, c in pairs:
        if k not in counts:
            keys.append(k)
            counts[k] = 0
        counts[k] += c
    return [(keys[i], counts[keys[i]]) for i in string_map_order(keys)]


def _column(vals: list, threshold: float, replace: str) -> list:
    n = len(vals)
    texts = ["NULL" if v is None else v for v in vals]
    hist = _hist((t, 1) for t in texts)
    for level in range(len(STEPS)):
        hist = _hist((STEPS[level](k), c) for k, c in hist)
        dominant = next((k for k, c in hist if c / n > threshold), None)
        if dominant is not None:
            out = []
            for v, t in zip(vals, texts):
                p = t
                for step in STEPS[:level + 1]:
                    p = step(p)
                out.append(v if p == dominant else replace)
            return out
    return list(vals)


def parse_call(func: str):
    """(threshold, replacement) of "UtilFunctions.syntacticalPatternDiscovery(t,r)"."""
    args = func[func.find("(") + 1:func.find(")")].split(",")
    try:
        return float(args[0]), args[1]
    except (ValueError, IndexError):
        raise OpError(f"map(): cannot read the arguments of {func!r} (expected a threshold and a "
                      "replacement string)") from None


def pattern_discovery(cols: list, threshold: float, replace: str) -> list:
    """Columns of strings (None = null) with the disguised missing values replaced."""
    return [_column(col, threshold, replace) for col in cols]
