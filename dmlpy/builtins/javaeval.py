"""Interpreter of parsed map() lambdas (see javalambda.py): a whitelist of Java string methods
and static helpers, evaluated over Python values (str, int, float, bool, JChar, lists)."""
from __future__ import annotations

import math

from . import javadates, porter
from .javalambda import (JChar, LambdaError, _binop, _num, java_regex, java_replacement, java_split,
                         jstr, parse_lambda)


def _s(v, what):
    if not isinstance(v, str):
        raise LambdaError(f"map(): {what}() needs a String, got {jstr(v)!r}")
    return str(v)


def _i(v, what):
    v = _num(v, what)
    if not isinstance(v, int):
        raise LambdaError(f"map(): {what}() needs an int, got {jstr(v)}")
    return v


def _index_check(i, n, what):
    if not 0 <= i < n:
        raise LambdaError(f"map(): {what}: index {i} out of bounds for length {n}")


def _substring(s, a, b=None):
    b = len(s) if b is None else b
    if a < 0 or b > len(s) or a > b:
        raise LambdaError(f"map(): substring({a}, {b}) out of range for length {len(s)}")
    return s[a:b]


def _char_at(s, i):
    _index_check(i, len(s), "charAt")
    return JChar(s[i])


def _index_of(s, t, start=0):
    return s.find(t if not isinstance(t, int) else chr(t), max(0, start))


def _compare(a, b):
    for x, y in zip(a, b):
        if x != y:
            return ord(x) - ord(y)
    return len(a) - len(b)


def _java_hash(s):
    b = s.encode("utf-16-be")
    h = 0
    for k in range(0, len(b), 2):
        h = (31 * h + int.from_bytes(b[k:k + 2], "big")) & 0xFFFFFFFF
    return h - (1 << 32) if h >= 1 << 31 else h


STRING_METHODS = {
    "length": (0, 0, lambda s: len(s)),
    "isEmpty": (0, 0, lambda s: len(s) == 0),
    "isBlank": (0, 0, lambda s: s.strip() == ""),
    "toUpperCase": (0, 0, lambda s: s.upper()),
    "toLowerCase": (0, 0, lambda s: s.lower()),
    "trim": (0, 0, lambda s: s.strip("".join(chr(c) for c in range(33)))),
    "strip": (0, 0, lambda s: s.strip()),
    "charAt": (1, 1, lambda s, i: _char_at(s, _i(i, "charAt"))),
    "substring": (1, 2, lambda s, a, b=None: _substring(s, _i(a, "substring"),
                                                        None if b is None else _i(b, "substring"))),
    "equals": (1, 1, lambda s, o: isinstance(o, str) and not isinstance(o, JChar) and s == o),
    "equalsIgnoreCase": (1, 1, lambda s, o: isinstance(o, str) and s.lower() == o.lower()),
    "contains": (1, 1, lambda s, t: _s(t, "contains") in s),
    "startsWith": (1, 1, lambda s, t: s.startswith(_s(t, "startsWith"))),
    "endsWith": (1, 1, lambda s, t: s.endswith(_s(t, "endsWith"))),
    "indexOf": (1, 2, lambda s, t, k=0: _index_of(s, t, _i(k, "indexOf"))),
    "lastIndexOf": (1, 1, lambda s, t: s.rfind(_s(t, "lastIndexOf"))),
    "concat": (1, 1, lambda s, t: s + _s(t, "concat")),
    "replace": (2, 2, lambda s, a, b: s.replace(jstr(a), jstr(b))),
    "replaceAll": (2, 2, lambda s, a, b: java_regex(_s(a, "replaceAll")).sub(java_replacement(_s(b, "replaceAll")), s)),
    "replaceFirst": (2, 2, lambda s, a, b: java_regex(_s(a, "replaceFirst")).sub(
        java_replacement(_s(b, "replaceFirst")), s, count=1)),
    "matches": (1, 1, lambda s, a: java_regex(_s(a, "matches")).fullmatch(s) is not None),
    "split": (1, 2, lambda s, a, n=0: java_split(s, _s(a, "split"), _i(n, "split"))),
    "compareTo": (1, 1, lambda s, t: _compare(s, _s(t, "compareTo"))),
    "repeat": (1, 1, lambda s, n: s * max(0, _i(n, "repeat"))),
    "hashCode": (0, 0, lambda s: _java_hash(s)),
    "toString": (0, 0, lambda s: s),
}


def _parse_int(s):
    s = _s(s, "Integer.parseInt")
    try:
        if s.strip() != s or not s:
            raise ValueError
        return int(s)
    except ValueError:
        raise LambdaError(f"map(): NumberFormatException: For input string: \"{s}\"") from None


def _parse_double(s):
    s = _s(s, "Double.parseDouble")
    try:
        t = s.strip().rstrip("dDfF")
        if t in ("NaN", "+NaN", "-NaN"):
            return math.nan
        if t.lstrip("+-") == "Infinity":
            return -math.inf if t.startswith("-") else math.inf
        if "inf" in t.lower() or "nan" in t.lower():
            raise ValueError
        return float(t)
    except ValueError:
        raise LambdaError(f"map(): NumberFormatException: For input string: \"{s}\"") from None


def _round(x):
    return int(math.floor(_num(x, "Math.round") + 0.5))


def _split_recode(s):
    s = _s(s, "UtilFunctions.splitRecodeEntry")
    k = s.rfind("\u00b7")
    if k < 0:
        raise LambdaError(f"map(): '{s}' is not a recode map entry (token\u00b7code)")
    return [s[:k], s[k + 1:]]


def _ascii_at(s, i):
    s, i = _s(s, "getAsciiAtIdx"), _i(i, "getAsciiAtIdx") - 1
    return ord(s[i]) if 0 <= i < len(s) else 0


def _jaccard(x, y):
    a, b = set(_s(x, "jaccardSim")), set(_s(y, "jaccardSim"))
    inter = len(a & b)
    return 1.0 / (len(a) + len(b) - inter) * inter if (len(a) + len(b) - inter) else math.nan


def _wer(r, h):
    s, t = java_split(_s(r, "getWordErrorRate"), " "), java_split(_s(h, "getWordErrorRate"), " ")
    n, m = len(s), len(t)
    if n == 0 or m == 0:
        return float(max(n, m))
    prev = list(range(m + 1))
    for i in range(1, n + 1):
        cur = [i] + [0] * m
        for j in range(1, m + 1):
            cur[j] = min(cur[j - 1] + 1, prev[j] + 1, prev[j - 1] + (s[i - 1] != t[j - 1]))
        prev = cur
    return prev[m] / max(n, m)


STATICS = {
    ("Integer", "parseInt"): (1, _parse_int), ("Integer", "valueOf"): (1, lambda v: v if isinstance(v, int) and not isinstance(v, bool) else _parse_int(v)),
    ("Long", "parseLong"): (1, _parse_int), ("Long", "valueOf"): (1, lambda v: v if isinstance(v, int) and not isinstance(v, bool) else _parse_int(v)),
    ("Double", "parseDouble"): (1, _parse_double),
    ("Double", "valueOf"): (1, lambda v: float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else _parse_double(v)),
    ("Float", "parseFloat"): (1, _parse_double),
    ("Boolean", "parseBoolean"): (1, lambda s: isinstance(s, str) and s.lower() == "true"),
    ("String", "valueOf"): (1, jstr),
    ("Character", "isDigit"): (1, lambda c: str(c).isdigit()),
    ("Character", "isLetter"): (1, lambda c: str(c).isalpha()),
    ("Character", "toUpperCase"): (1, lambda c: JChar(str(c).upper())),
    ("Character", "toLowerCase"): (1, lambda c: JChar(str(c).lower())),
    ("Math", "abs"): (1, lambda x: abs(_num(x, "Math.abs"))),
    ("Math", "max"): (2, lambda a, b: max(_num(a, "Math.max"), _num(b, "Math.max"))),
    ("Math", "min"): (2, lambda a, b: min(_num(a, "Math.min"), _num(b, "Math.min"))),
    ("Math", "pow"): (2, lambda a, b: float(_num(a, "Math.pow")) ** float(_num(b, "Math.pow"))),
    ("Math", "sqrt"): (1, lambda x: math.sqrt(x) if _num(x, "Math.sqrt") >= 0 else math.nan),
    ("Math", "floor"): (1, lambda x: float(math.floor(_num(x, "Math.floor")))),
    ("Math", "ceil"): (1, lambda x: float(math.ceil(_num(x, "Math.ceil")))),
    ("Math", "round"): (1, _round),
    ("Math", "exp"): (1, lambda x: math.exp(_num(x, "Math.exp"))),
    ("Math", "log"): (1, lambda x: math.log(x) if _num(x, "Math.log") > 0 else (-math.inf if x == 0 else math.nan)),
    ("UtilFunctions", "splitRecodeEntry"): (1, _split_recode),
    ("UtilFunctions", "getAsciiAtIdx"): (2, _ascii_at),
    ("UtilFunctions", "jaccardSim"): (2, _jaccard),
    ("UtilFunctions", "getWordErrorRate"): (2, _wer),
    ("UtilFunctions", "toMillis"): ((1, 2), javadates.to_millis),
    ("UtilFunctions", "getTimestamp"): (1, javadates.get_timestamp),
    ("UtilFunctions", "getDominantDateFormat"): (1, javadates.dominant_date_format),
    ("UtilFunctions", "addTimeToDate"): (3, javadates.add_time_to_date),
    ("UtilFunctions", "isDateColumn"): (1, javadates.is_date_column),
    ("UtilFunctions", "dateFormat"): ((2, 3), javadates.date_format),
    ("PorterStemmer", "stem"): (1, porter.stem),
    ("UtilFunctions", "toStringArray"): (1, lambda a: [jstr(v) for v in a] if isinstance(a, list) else
                                         _fail(f"toStringArray() needs an array, got {jstr(a)!r}")),
}


def _fail(msg):
    raise LambdaError("map(): " + msg)


def _cast(typ, v):
    if typ in ("int", "long", "short", "byte"):
        x = _num(v, f"({typ})")
        if isinstance(x, float):
            if math.isnan(x):
                return 0
            x = int(max(min(x, 2**63 - 1), -2**63)) if not math.isinf(x) else (2**31 - 1 if x > 0 else -2**31)
        return x
    if typ in ("double", "float"):
        return float(_num(v, f"({typ})"))
    if typ == "char":
        return JChar(chr(_num(v, "(char)")))
    if typ == "String":
        if v is not None and not isinstance(v, str):
            _fail(f"cannot cast {jstr(v)!r} to String")
        return v
    _fail(f"unsupported cast ({typ})")


class Lambda:
    """A compiled map() lambda: call with the parameter values (str, or a list of str)."""

    def __init__(self, text: str):
        self.text = text
        self.params, self.tree = parse_lambda(text)

    def __call__(self, *values):
        if len(values) != len(self.params):
            _fail(f"the lambda takes {len(self.params)} argument(s), map gives {len(values)}")
        return self.ev(self.tree, dict(zip(self.params, values)))

    def ev(self, n, env):
        k = n[0]
        if k == "lit":
            return n[1]
        if k == "var":
            if n[1] not in env:
                _fail(f"unknown name '{n[1]}' in the lambda (its parameters are {', '.join(self.params)})")
            return env[n[1]]
        if k == "bin":
            op = n[1]
            a = self.ev(n[2], env)
            if op in ("&&", "||") and isinstance(a, bool):
                if (op == "&&" and not a) or (op == "||" and a):
                    return a
            return _binop(op, a, self.ev(n[3], env))
        if k == "un":
            v = self.ev(n[2], env)
            if n[1] == "!":
                if not isinstance(v, bool):
                    _fail(f"'!' needs a boolean, got {jstr(v)!r}")
                return not v
            x = _num(v, n[1])
            return -x if n[1] == "-" else x
        if k == "?":
            c = self.ev(n[1], env)
            if not isinstance(c, bool):
                _fail(f"the condition of '?:' must be a boolean, got {jstr(c)!r}")
            return self.ev(n[2] if c else n[3], env)
        if k == "cast":
            return _cast(n[1], self.ev(n[2], env))
        if k == "array":
            return [self.ev(a, env) for a in n[1]]
        if k == "index":
            a, i = self.ev(n[1], env), self.ev(n[2], env)
            if not isinstance(a, list):
                _fail(f"indexing needs an array, got {jstr(a)!r}")
            i = _i(i, "[]")
            _index_check(i, len(a), "array index")
            return a[i]
        if k == "field":
            obj = self.ev(n[1], env)
            if n[2] == "length" and isinstance(obj, list):
                return len(obj)
            _fail(f"unknown field '{n[2]}'")
        if k == "call":
            obj = self.ev(n[1], env)
            args = [self.ev(a, env) for a in n[3]]
            if obj is None:
                _fail(f"NullPointerException: {n[2]}() called on null")
            if not isinstance(obj, str) or isinstance(obj, JChar):
                _fail(f"the method {n[2]}() is only supported on Strings")
            spec = STRING_METHODS.get(n[2])
            if spec is None:
                _fail(f"the String method {n[2]}() is not supported")
            lo, hi, fn = spec
            if not lo <= len(args) <= hi:
                _fail(f"{n[2]}() takes {lo if lo == hi else f'{lo} to {hi}'} argument(s)")
            return fn(str(obj), *args)
        if k == "static":
            spec = STATICS.get((n[1], n[2]))
            if spec is None:
                _fail(f"{n[1]}.{n[2]}() is not supported in map() lambdas")
            arity, fn = spec
            args = [self.ev(a, env) for a in n[3]]
            ok = len(args) in arity if isinstance(arity, tuple) else len(args) == arity
            if not ok:
                _fail(f"{n[1]}.{n[2]}() takes {arity} argument(s)")
            return fn(*args)
        _fail(f"unsupported expression {k}")
