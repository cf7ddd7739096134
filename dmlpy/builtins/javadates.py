"""The date helpers SystemDS's map() lambdas call (UtilFunctions.getDominantDateFormat,
addTimeToDate, getTimestamp, toMillis, dateFormat, isDateColumn), with java.text.SimpleDateFormat's
lenient parsing and US-locale formatting of the few pattern letters they use (y M d H m s S).
Times are UTC (SystemDS formats in the JVM's zone; the reference runs in UTC)."""
from __future__ import annotations

import datetime as _dt
import re
import sys

from .javalambda import LambdaError

# The date shapes SystemDS recognises (checked on the lower-cased text) and the format each implies.
_SHAPES = [
    (r"\d{4}-\d{1,2}-\d{1,2}\s\d{1,2}:\d{2}:\d{2}", "yyyy-MM-dd HH:mm:ss"),
    (r"\d{1,2}-\d{1,2}-\d{4}\s\d{1,2}:\d{2}:\d{2}", "dd-MM-yyyy HH:mm:ss"),
    (r"\d{1,2}/\d{1,2}/\d{4}\s\d{1,2}:\d{2}:\d{2}", "MM/dd/yyyy HH:mm:ss"),
    (r"\d{4}/\d{1,2}/\d{1,2}\s\d{1,2}:\d{2}:\d{2}", "yyyy/MM/dd HH:mm:ss"),
    (r"\d{1,2}\s[a-z]{3}\s\d{4}\s\d{1,2}:\d{2}:\d{2}", "dd MMM yyyy HH:mm:ss"),
    (r"\d{1,2}\s[a-z]{4,}\s\d{4}\s\d{1,2}:\d{2}:\d{2}", "dd MMMM yyyy HH:mm:ss"),
    (r"\d{8}", "yyyyMMdd"),
    (r"\d{1,2}-\d{1,2}-\d{4}", "dd-MM-yyyy"),
    (r"\d{4}-\d{1,2}-\d{1,2}", "yyyy-MM-dd"),
    (r"\d{1,2}/\d{1,2}/\d{4}", "MM/dd/yyyy"),
    (r"\d{4}/\d{1,2}/\d{1,2}", "yyyy/MM/dd"),
    (r"\d{1,2}\s[a-z]{3}\s\d{4}", "dd MMM yyyy"),
    (r"\d{1,2}\s[a-z]{4,}\s\d{4}", "dd MMMM yyyy"),
    (r"\d{12}", "yyyyMMddHHmm"),
    (r"\d{8}\s\d{4}", "yyyyMMdd HHmm"),
    (r"\d{1,2}-\d{1,2}-\d{4}\s\d{1,2}:\d{2}", "dd-MM-yyyy HH:mm"),
    (r"\d{4}-\d{1,2}-\d{1,2}\s\d{1,2}:\d{2}", "yyyy-MM-dd HH:mm"),
    (r"\d{1,2}/\d{1,2}/\d{4}\s\d{1,2}:\d{2}", "MM/dd/yyyy HH:mm"),
    (r"\d{4}/\d{1,2}/\d{1,2}\s\d{1,2}:\d{2}", "yyyy/MM/dd HH:mm"),
    (r"\d{1,2}\s[a-z]{3}\s\d{4}\s\d{1,2}:\d{2}", "dd MMM yyyy HH:mm"),
    (r"\d{1,2}\s[a-z]{4,}\s\d{4}\s\d{1,2}:\d{2}", "dd MMMM yyyy HH:mm"),
    (r"\d{14}", "yyyyMMddHHmmss"),
    (r"\d{8}\s\d{6}", "yyyyMMdd HHmmss"),
]
_COMPILED = [(re.compile(rx + r"\Z"), fmt) for rx, fmt in _SHAPES]
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December"]
_EPOCH = _dt.datetime(1970, 1, 1)


def _fail(msg):
    raise LambdaError("map(): " + msg)


def date_format_of(s: str) -> str:
    low = s.lower()
    for rx, fmt in _COMPILED:
        if rx.match(low):
            return fmt
    _fail(f"unknown date format: '{s}'")


def _fields(pattern: str):
    """[(letter, count) or (None, literal)] of a SimpleDateFormat pattern."""
    out, i = [], 0
    while i < len(pattern):
        c = pattern[i]
        if c.isalpha():
            j = i
            while j < len(pattern) and pattern[j] == c:
                j += 1
            if c not in "yMdHmsS":
                _fail(f"the date pattern letter '{c}' is not supported")
            out.append((c, j - i))
            i = j
        elif c == "'":
            j = pattern.index("'", i + 1) if "'" in pattern[i + 1:] else len(pattern)
            out.append((None, pattern[i + 1:j] or "'"))
            i = j + 1
        else:
            out.append((None, c))
            i += 1
    return out


def _numeric(f):
    return f[0] is not None and not (f[0] == "M" and f[1] >= 3)


def parse_date(s: str, pattern: str) -> _dt.datetime:
    """Lenient SimpleDateFormat.parse: out-of-range fields roll over."""
    fl = _fields(pattern)
    v = {"y": 1970, "M": 1, "d": 1, "H": 0, "m": 0, "s": 0, "S": 0}
    i = 0
    for k, f in enumerate(fl):
        if f[0] is None:
            if not s.startswith(f[1], i):
                _fail(f"Unparseable date: \"{s}\"")
            i += len(f[1])
            continue
        if not _numeric(f):
            for idx, name in enumerate(_MONTHS):
                for cand in (name, name[:3]):
                    if s[i:i + len(cand)].lower() == cand.lower():
                        v["M"] = idx + 1
                        i += len(cand)
                        break
                else:
                    continue
                break
            else:
                _fail(f"Unparseable date: \"{s}\"")
            continue
        abut = k + 1 < len(fl) and _numeric(fl[k + 1])
        j = i + (1 if i < len(s) and s[i] in "+-" else 0)
        if abut:
            j = i + f[1]
        else:
            while j < len(s) and s[j].isdigit():
                j += 1
        txt = s[i:j]
        if not txt or not txt.lstrip("+-").isdigit():
            _fail(f"Unparseable date: \"{s}\"")
        n = int(txt)
        if f[0] == "y" and f[1] <= 2 and len(txt) == 2:
            n += 2000 if n < 50 else 1900     # near the current century, as Java does for "yy"
        v[f[0]] = n
        i = j
    y, mo = v["y"] + (v["M"] - 1) // 12, (v["M"] - 1) % 12 + 1
    try:
        base = _dt.datetime(y, mo, 1)
    except ValueError:
        _fail(f"Unparseable date: \"{s}\"")
    return base + _dt.timedelta(days=v["d"] - 1, hours=v["H"], minutes=v["m"], seconds=v["s"],
                                milliseconds=v["S"])


def format_date(d: _dt.datetime, pattern: str) -> str:
    out = []
    for f in _fields(pattern):
        c, n = f
        if c is None:
            out.append(n)
        elif c == "y":
            out.append(f"{d.year % 100:02d}" if n == 2 else str(d.year).zfill(n))
        elif c == "M":
            out.append(_MONTHS[d.month - 1] if n >= 4 else _MONTHS[d.month - 1][:3] if n == 3
                       else str(d.month).zfill(n))
        else:
            val = {"d": d.day, "H": d.hour, "m": d.minute, "s": d.second, "S": d.microsecond // 1000}[c]
            out.append(str(val).zfill(n))
    return "".join(out)


def _millis(d: _dt.datetime) -> int:
    delta = d - _EPOCH
    return (delta.days * 86400 + delta.seconds) * 1000 + delta.microseconds // 1000


def _skip(v) -> bool:
    return v is None or v.strip() == "" or v.upper() == "NULL" or v == "0"


def _str(v, what):
    if not isinstance(v, str):
        _fail(f"{what}() needs a String, got {v!r}")
    return str(v)


def _strs(vals, what):
    if not isinstance(vals, list):
        _fail(f"{what}() needs a String[] (use margin=2 or margin=1)")
    return vals


def to_millis(s, pattern=None):
    s = _str(s, "toMillis")
    return _millis(parse_date(s, pattern if pattern is not None else date_format_of(s)))


def date_format(s, a, b=None):
    s = _str(s, "dateFormat")
    src, dst = (date_format_of(s), a) if b is None else (a, b)
    return format_date(parse_date(s, src), dst)


def is_date_column(s):
    low = _str(s, "isDateColumn").lower()
    return "1" if any(rx.match(low) for rx, _ in _COMPILED) else "0"


def get_timestamp(vals):
    return [None if _skip(v) else str(_millis(parse_date(v, date_format_of(v))))
            for v in _strs(vals, "getTimestamp")]


def _format_order():
    """The iteration order of SystemDS's format-count map (a java.util.HashMap of the formats)."""
    from .frames import hashmap_order
    regex_order = hashmap_order(["^" + rx + "$" for rx, _ in _SHAPES])
    by_key = {"^" + rx + "$": fmt for rx, fmt in _SHAPES}
    return hashmap_order([by_key[k] for k in regex_order])


def dominant_date_format(vals):
    vals = _strs(vals, "getDominantDateFormat")
    counts = {fmt: 0 for fmt in _format_order()}
    for v in vals:
        if not _skip(v):
            # SystemDS 3.4's getDominantDateFormat prints every value it counts ("tmp " + value)
            # on standard output; scripts' printed output includes these lines, so dmlpy does too
            sys.stdout.write(f"tmp {v}\n")
            counts[date_format_of(v)] += 1
    best, dom = -1, None
    for fmt, c in counts.items():          # the last of the most frequent, as Java's max() keeps
        if c >= best:
            best, dom = c, fmt
    return [None if _skip(v) else format_date(parse_date(v, date_format_of(v)), dom) for v in vals]


def _add_months(d: _dt.datetime, n: int) -> _dt.datetime:
    y, m = divmod(d.month - 1 + n, 12)
    y += d.year
    m += 1
    last = (_dt.date(y + (m == 12), m % 12 + 1, 1) - _dt.timedelta(days=1)).day
    return d.replace(year=y, month=m, day=min(d.day, last))


def add_time_to_date(s, amount, unit):
    s = _str(s, "addTimeToDate")
    if isinstance(amount, bool) or not isinstance(amount, int):
        _fail("addTimeToDate() needs an int amount")
    fmt = date_format_of(s)
    d = parse_date(s, fmt)
    unit = _str(unit, "addTimeToDate")
    step = {"ms": _dt.timedelta(milliseconds=amount), "m": _dt.timedelta(minutes=amount),
            "H": _dt.timedelta(hours=amount), "d": _dt.timedelta(days=amount),
            "w": _dt.timedelta(weeks=amount)}
    if unit in step:
        d = d + step[unit]
    elif unit == "M":
        d = _add_months(d, amount)
    elif unit == "y":
        d = _add_months(d, 12 * amount)
    else:
        d = d + _dt.timedelta(seconds=amount)
    return format_date(d, fmt)
