"""Transform specs: a tolerant JSON reader accepting what SystemDS 3.4's spec parser accepts, and
the parsed spec (recode / dummycode / bin columns) the transform builtins use.

SystemDS reads transform specs with a lenient JSON parser; its scripts rely on that, e.g.
"{ids:true, recode:[1,2,], bin:[{id:3, method:equi-width, numbins:10}]}".  Checked on the
reference: keys and string values may be unquoted ("bare words"), strings may use single
quotes, objects and arrays may end with a trailing comma, /* ... */ and // comments are
skipped, and text after the closing brace is ignored.  A missing comma or an empty element
("[1,,2]") is an error.  Bare words that read as numbers are numbers; true/false/null are
literals.
"""
from __future__ import annotations

from ..errors import OpError

_STOP = set(" \t\r\n,:[]{}\"'")
_ESC = {'"': '"', "'": "'", "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


class SpecSyntaxError(OpError):
    pass


class _Reader:
    def __init__(self, text: str):
        self.s = text
        self.i = 0

    def fail(self, msg):
        line = self.s.count("\n", 0, self.i) + 1
        col = self.i - (self.s.rfind("\n", 0, self.i) + 1) + 1
        raise SpecSyntaxError(f"{msg} at line {line}, column {col}")

    def skip(self):
        s, n = self.s, len(self.s)
        while self.i < n:
            c = s[self.i]
            if c in " \t\r\n":
                self.i += 1
            elif s.startswith("/*", self.i):
                end = s.find("*/", self.i + 2)
                if end < 0:
                    self.fail("unterminated comment")
                self.i = end + 2
            elif s.startswith("//", self.i):
                end = s.find("\n", self.i)
                self.i = n if end < 0 else end + 1
            else:
                break

    def peek(self):
        self.skip()
        return self.s[self.i] if self.i < len(self.s) else ""

    def value(self):
        c = self.peek()
        if c == "{":
            return self.obj()
        if c == "[":
            return self.arr()
        if c in "\"'":
            return self.string()
        if c == "" or c in ",:]}":
            self.fail("expecting a value" if c else "unexpected end of the spec")
        return self.bare()

    def obj(self):
        self.i += 1
        out = {}
        while True:
            c = self.peek()
            if c == "}":
                self.i += 1
                return out
            key = self.string() if c in "\"'" else self.word()
            if key == "":
                self.fail("expecting a key")
            if self.peek() != ":":
                self.fail("expecting ':'")
            self.i += 1
            out[str(key)] = self.value()
            c = self.peek()
            if c == ",":
                self.i += 1
            elif c != "}":
                self.fail("expecting either ',' or '}'")

    def arr(self):
        self.i += 1
        out = []
        while True:
            c = self.peek()
            if c == "]":
                self.i += 1
                return out
            out.append(self.value())
            c = self.peek()
            if c == ",":
                self.i += 1
                if self.peek() == ",":
                    self.fail("invalid token ','")
            elif c != "]":
                self.fail("expecting either ',' or ']'")

    def string(self):
        q = self.s[self.i]
        self.i += 1
        buf = []
        s, n = self.s, len(self.s)
        while self.i < n:
            c = s[self.i]
            if c == q:
                self.i += 1
                return "".join(buf)
            if c == "\\":
                nxt = s[self.i + 1: self.i + 2]
                if nxt == "u" and self.i + 6 <= n:
                    try:
                        buf.append(chr(int(s[self.i + 2: self.i + 6], 16)))
                    except ValueError:
                        self.fail("bad \\u escape")
                    self.i += 6
                    continue
                if nxt not in _ESC:
                    self.fail("bad escape in a string")
                buf.append(_ESC[nxt])
                self.i += 2
                continue
            buf.append(c)
            self.i += 1
        self.fail("unterminated string")

    def word(self):
        self.skip()
        j = self.i
        while self.i < len(self.s) and self.s[self.i] not in _STOP:
            self.i += 1
        return self.s[j:self.i]

    def bare(self):
        w = self.word()
        if w == "":
            self.fail("invalid token")
        if w == "true":
            return True
        if w == "false":
            return False
        if w == "null":
            return None
        try:
            return int(w)
        except ValueError:
            pass
        try:
            return float(w)
        except ValueError:
            return w


def parse_spec(text: str):
    """The value of a relaxed-JSON spec; trailing text after it is ignored, as SystemDS does."""
    r = _Reader(text)
    if r.peek() == "":
        r.fail("the spec is empty")
    return r.value()


def spec_bool(js: dict, key: str, default=False) -> bool:
    """A boolean entry: true/false, or the strings 'true'/'false' (anything else is an error)."""
    v = js.get(key, default)
    if isinstance(v, bool):
        return v
    if isinstance(v, str) and v in ("true", "false"):
        return v == "true"
    raise OpError(f"the spec's '{key}' must be true or false, not {v!r}")


class Spec:
    def __init__(self, spec, F_names, fn):
        try:
            js = parse_spec(spec) if isinstance(spec, str) else None
        except SpecSyntaxError as e:
            raise OpError(f"{fn}(): the spec is not valid JSON: {e}") from None
        if not isinstance(js, dict):
            raise OpError(f"{fn}(): the spec must be a JSON object")
        try:
            self.ids = spec_bool(js, "ids")
        except OpError as e:
            raise OpError(f"{fn}(): {e}") from None
        names = list(F_names)

        def col(ref):
            if isinstance(ref, dict):
                ref = ref.get("id") if self.ids else ref.get("name", ref.get("id"))
            if self.ids or isinstance(ref, int):
                if not isinstance(ref, int) or not 1 <= ref <= len(names):
                    raise OpError(f"{fn}(): column id {ref} is out of range 1..{len(names)}")
                return ref - 1
            if ref not in names:
                raise OpError(f"{fn}(): the spec names a column '{ref}' that the frame does not have")
            return names.index(ref)

        for k in js:
            if k not in ("ids", "recode", "dummycode", "bin"):
                raise OpError(f"{fn}(): the transform '{k}' is not supported (recode, dummycode, "
                              f"bin and pass-through are)")
        # SystemDS skips recode ids past the last column (bin and dummycode ids there fail)
        self.recode = {col(c) for c in js.get("recode", [])
                       if not (self.ids and isinstance(c, int) and not isinstance(c, bool)
                               and c > len(names))}
        self.dummy = {col(c) for c in js.get("dummycode", [])}
        self.bins = {}
        for b in js.get("bin", []):
            method = str(b.get("method", "equi-width")).lower()
            if method not in ("equi-width", "equi-height"):
                raise OpError(f"{fn}(): unknown bin method '{method}'")
            self.bins[col(b)] = (method, int(b.get("numbins", 10)))
        # dummycoding a column that is neither recoded nor binned recodes it first
        for c in self.dummy:
            if c not in self.bins:
                self.recode.add(c)
