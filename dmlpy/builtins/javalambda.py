"""A safe evaluator for the Java lambda texts of DML's frame map(): "x -> x.toUpperCase()".

SystemDS compiles the lambda text as Java.  dmlpy instead tokenizes and parses the small
expression language its scripts use (literals, the lambda's variables, string methods,
array indexing and .length, a few static helpers of Integer/Double/String/Math/UtilFunctions,
`new String[]{...}`, casts, arithmetic, comparisons, !, &&, ||, & and |, ?:) into a tree and
interprets it over a whitelist.  Nothing is handed to Python's eval; anything outside the
whitelist is a clear error.
"""
from __future__ import annotations

import math
import re

from ..errors import OpError


class LambdaError(OpError):
    pass


class JChar(str):
    """A Java char: prints as the character, computes as its code."""


# ------------------------------------------------------------------ tokens
_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<num>(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?[dDfFlL]?)
  | (?P<str>"(?:[^"\\]|\\.)*")
  | (?P<chr>'(?:[^'\\]|\\.)+')
  | (?P<id>[A-Za-z_$][A-Za-z0-9_$]*)
  | (?P<op>->|==|!=|<=|>=|&&|\|\||[-+*/%<>!&|?:.,()\[\]{}^])
""", re.X)
_ESC = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "0": "\0", "\\": "\\", "'": "'", '"': '"'}


def _unescape(body: str) -> str:
    out, i = [], 0
    while i < len(body):
        c = body[i]
        if c == "\\" and i + 1 < len(body):
            n = body[i + 1]
            if n == "u" and i + 6 <= len(body):
                out.append(chr(int(body[i + 2:i + 6], 16)))
                i += 6
                continue
            out.append(_ESC.get(n, n))
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


def tokenize(text: str):
    toks, i = [], 0
    while i < len(text):
        m = _TOKEN.match(text, i)
        if not m:
            raise LambdaError(f"map(): unexpected character {text[i]!r} in the lambda at offset {i}")
        kind = m.lastgroup
        if kind != "ws":
            toks.append((kind, m.group(), i))
        i = m.end()
    toks.append(("end", "", len(text)))
    return toks


# ------------------------------------------------------------------ parser (to tuples)
CASTS = {"int", "long", "double", "float", "String", "short", "byte", "char"}
CLASSES = {"UtilFunctions", "Integer", "Double", "Long", "String", "Math", "Boolean", "Character", "Float",
           "PorterStemmer"}


class _Parser:
    def __init__(self, text):
        self.t = tokenize(text)
        self.k = 0

    def peek(self, off=0):
        return self.t[min(self.k + off, len(self.t) - 1)]

    def take(self, val=None):
        tok = self.t[self.k]
        if val is not None and tok[1] != val:
            where = f"'{tok[1]}'" if tok[1] else "the end"
            raise LambdaError(f"map(): expected '{val}' in the lambda, found {where}")
        self.k += 1
        return tok

    def at(self, *vals):
        return self.peek()[0] in ("op", "id") and self.peek()[1] in vals

    def expr(self):
        c = self.binary(0)
        if self.at("?"):
            self.take()
            a = self.expr()
            self.take(":")
            return ("?", c, a, self.expr())
        return c

    LEVELS = [("||",), ("&&",), ("|",), ("^",), ("&",), ("==", "!="), ("<", ">", "<=", ">="),
              ("+", "-"), ("*", "/", "%")]

    def binary(self, lvl):
        if lvl == len(self.LEVELS):
            return self.unary()
        left = self.binary(lvl + 1)
        while self.peek()[0] == "op" and self.peek()[1] in self.LEVELS[lvl]:
            op = self.take()[1]
            left = ("bin", op, left, self.binary(lvl + 1))
        return left

    def unary(self):
        if self.peek()[0] == "op" and self.peek()[1] in ("!", "-", "+"):
            op = self.take()[1]
            return ("un", op, self.unary())
        if self.at("(") and self.peek(1)[0] == "id" and self.peek(1)[1] in CASTS and self.peek(2)[1] == ")":
            self.take()
            typ = self.take()[1]
            self.take(")")
            return ("cast", typ, self.unary())
        return self.postfix(self.primary())

    def args(self, close=")"):
        out = []
        if not self.at(close):
            out.append(self.expr())
            while self.at(","):
                self.take()
                out.append(self.expr())
        self.take(close)
        return out

    def postfix(self, node):
        while True:
            if self.at("."):
                self.take()
                kind, name, _ = self.take()
                if kind != "id":
                    raise LambdaError(f"map(): expected a method name after '.', found '{name}'")
                if self.at("("):
                    self.take()
                    node = ("call", node, name, self.args())
                else:
                    node = ("field", node, name)
            elif self.at("["):
                self.take()
                idx = self.expr()
                self.take("]")
                node = ("index", node, idx)
            else:
                return node

    def primary(self):
        kind, val, pos = self.take()
        if kind == "num":
            v = val.rstrip("lL")
            if v[-1:] in "dDfF" or "." in v or "e" in v or "E" in v:
                return ("lit", float(v.rstrip("dDfF")))
            return ("lit", int(v))
        if kind == "str":
            return ("lit", _unescape(val[1:-1]))
        if kind == "chr":
            s = _unescape(val[1:-1])
            if len(s) != 1:
                raise LambdaError(f"map(): bad char literal {val}")
            return ("lit", JChar(s))
        if kind == "id":
            if val in ("true", "false"):
                return ("lit", val == "true")
            if val == "null":
                return ("lit", None)
            if val == "new":
                self.take("String")
                self.take("[")
                self.take("]")
                self.take("{")
                return ("array", self.args("}"))
            if val in CLASSES and self.at("."):
                self.take()
                name = self.take()[1]
                self.take("(")
                return ("static", val, name, self.args())
            if self.at("("):
                raise LambdaError(f"map(): the function {val}() is not supported in map() lambdas")
            return ("var", val)
        if val == "(":
            e = self.expr()
            self.take(")")
            return e
        raise LambdaError(f"map(): unexpected '{val}' in the lambda" if val else
                          "map(): unexpected end of the lambda")


def parse_lambda(text: str):
    """(parameter names, expression tree) of 'x -> expr' or '(x, y) -> expr'."""
    if text.count("->") < 1:
        raise LambdaError(f"map(): not a lambda expression (expected 'x -> ...'): {text!r}")
    head, body = text.split("->", 1)
    names = [n.strip() for n in head.strip().strip("()").split(",")]
    if not names or not all(re.fullmatch(r"[A-Za-z_$][A-Za-z0-9_$]*", n) for n in names):
        raise LambdaError(f"map(): bad lambda parameters {head.strip()!r}")
    p = _Parser(body)
    tree = p.expr()
    if p.peek()[0] != "end":
        raise LambdaError(f"map(): unexpected '{p.peek()[1]}' in the lambda")
    return names, tree


# ------------------------------------------------------------------ Java semantics
def jstr(v) -> str:
    """String.valueOf(v)."""
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        from ..runtime.frame import double_str
        return double_str(v)
    if isinstance(v, list):
        return "[Ljava.lang.String;"
    return str(v)


def _num(v, what):
    if isinstance(v, JChar):
        return ord(v)
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise LambdaError(f"map(): {what} needs a number, got {jstr(v)!r}")
    return v


def _int_div(a, b):
    if b == 0:
        raise LambdaError("map(): integer division by zero")
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


def _binop(op, a, b):
    if op == "+" and (isinstance(a, str) and not isinstance(a, JChar) or isinstance(b, str) and not isinstance(b, JChar)):
        return jstr(a) + jstr(b)
    if op in ("==", "!="):
        # numbers and chars compare by value; Strings too (Java compares references: dmlpy
        # takes the intended value comparison)
        numeric = all(isinstance(v, (int, float, JChar)) and not isinstance(v, bool) for v in (a, b))
        eq = (_num(a, op) == _num(b, op)) if numeric else (a == b)
        return eq if op == "==" else not eq
    if op in ("&&", "||", "&", "|", "^") and isinstance(a, bool) and isinstance(b, bool):
        return {"&&": a and b, "&": a and b, "||": a or b, "|": a or b, "^": a != b}[op]
    x, y = _num(a, op), _num(b, op)
    if op in ("<", ">", "<=", ">="):
        return {"<": x < y, ">": x > y, "<=": x <= y, ">=": x >= y}[op]
    ints = isinstance(x, int) and isinstance(y, int)
    if op == "+":
        return x + y
    if op == "-":
        return x - y
    if op == "*":
        return x * y
    if op == "/":
        if ints:
            return _int_div(x, y)
        return x / y if y != 0 else (math.copysign(math.inf, x) * math.copysign(1, y) if x else math.nan)
    if op == "%":
        if ints:
            return x - _int_div(x, y) * y
        return math.fmod(x, y) if y != 0 else math.nan
    if ints and op in ("&", "|", "^"):
        return {"&": x & y, "|": x | y, "^": x ^ y}[op]
    raise LambdaError(f"map(): operator '{op}' does not apply to {jstr(a)!r} and {jstr(b)!r}")


_PCLASS = {"Alnum": "A-Za-z0-9", "Alpha": "A-Za-z", "Digit": "0-9", "Lower": "a-z", "Upper": "A-Z",
           "Punct": r"!-/:-@\[-`{-~", "Space": r" \t\n\x0b\f\r", "XDigit": "0-9a-fA-F",
           "L": "A-Za-z", "IsAlphabetic": "A-Za-z", "Blank": r" \t"}


def java_regex(rx: str) -> re.Pattern:
    """Compile a Java regex, translating the POSIX classes (\\p{Alnum}, ...) Python lacks."""
    def sub(m):
        neg, name = m.group(1) == "P", m.group(2)
        if name not in _PCLASS:
            raise LambdaError(f"map(): the regex class \\p{{{name}}} is not supported")
        return ("[^%s]" if neg else "[%s]") % _PCLASS[name]

    def inside(m):   # a class used inside [...] contributes its ranges only
        return _PCLASS.get(m.group(2), m.group(0))
    # within character classes [..\p{Alnum}..] insert the ranges; elsewhere a full class
    out, depth, i = [], 0, 0
    while i < len(rx):
        c = rx[i]
        if c == "\\" and i + 1 < len(rx):
            m = re.match(r"\\([pP])\{(\w+)\}", rx[i:])
            if m:
                out.append(inside(m) if depth and m.group(1) == "p" else sub(m))
                i += m.end()
                continue
            out.append(rx[i:i + 2])
            i += 2
            continue
        if c == "[":
            depth += 1
        elif c == "]" and depth:
            depth -= 1
        out.append(c)
        i += 1
    try:
        return re.compile("".join(out))
    except re.error as e:
        raise LambdaError(f"map(): bad regular expression {rx!r}: {e}") from None


def java_replacement(rep: str) -> str:
    """A Java replaceAll replacement ($1, \\$) as a Python one."""
    out, i = [], 0
    while i < len(rep):
        c = rep[i]
        if c == "\\" and i + 1 < len(rep):
            out.append(rep[i + 1].replace("\\", "\\\\"))
            i += 2
        elif c == "$":
            m = re.match(r"\$(\d+)", rep[i:])
            if not m:
                raise LambdaError("map(): bad group reference in a replacement")
            out.append(f"\\g<{m.group(1)}>")
            i += m.end()
        else:
            out.append("\\\\" if c == "\\" else c)
            i += 1
    return "".join(out)


def java_split(s: str, rx: str, limit: int = 0):
    if len(rx) == 1 and rx not in ".$|()[{^?*+\\":
        parts = s.split(rx)
    elif len(rx) == 2 and rx[0] == "\\" and not rx[1].isalnum():
        parts = s.split(rx[1])
    else:
        parts = java_regex(rx).split(s) if s else [""]
        if parts and parts[0] == "" and s and java_regex(rx).match(s) and java_regex(rx).match(s).end() == 0:
            parts = parts[1:]
    if limit > 0:
        if len(parts) > limit:
            # re-split with a bound (literal splits only differ here)
            parts = (s.split(rx, limit - 1) if len(rx) == 1 else java_regex(rx).split(s, limit - 1))
        return parts
    while parts and parts[-1] == "" and len(parts) > 1:
        parts.pop()
    if parts == [""] and s != "":
        return []
    return parts
