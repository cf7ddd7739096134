"""DML names in generated Python code. DML identifiers may hold '.' and '::' (`a.b`, `ns::f`); the
mangling below is injective (`_` -> `__`, `.` -> `_d`, `:` -> `_c`), so `a.b`, `a_b`, `a_db` and
`a::b` can never meet in one Python name, and every name that reaches generated code is checked
to be a DML identifier first (nothing else is ever spliced into the generated source)."""
from __future__ import annotations

import re

IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*(::[A-Za-z_][A-Za-z0-9_.]*)?")
_ESC = {"_": "__", ".": "_d", ":": "_c"}
_UNESC = {"_": "_", "d": ".", "c": ":"}


def is_identifier(name) -> bool:
    return isinstance(name, str) and IDENT.fullmatch(name) is not None


def mangle(name: str) -> str:
    if not is_identifier(name):
        raise ValueError(f"not a DML identifier: {name!r}")
    return "".join(_ESC.get(c, c) for c in name)


def unmangle(text: str) -> str:
    out, i = [], 0
    while i < len(text):
        c = text[i]
        if c == "_" and i + 1 < len(text):
            out.append(_UNESC.get(text[i + 1], "_" + text[i + 1]))
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def pyvar(name: str) -> str:
    """The Python local that holds DML variable `name`."""
    return "v_" + mangle(name)


def dml_var(pyname: str) -> str:
    """The DML name of a generated local (inverse of pyvar), or the text unchanged."""
    return unmangle(pyname[2:]) if pyname.startswith("v_") else pyname


def pyfunc(index: int, name: str) -> str:
    """The Python function for DML function `name` of module number `index`."""
    return f"f{index}_" + mangle(name)
