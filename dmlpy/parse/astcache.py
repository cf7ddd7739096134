"""The AST cache: an unchanged script is loaded without Lark. Entries are JSON (data only: a fixed
table of AST classes is the only thing a name in an entry can select) and signed with the cache key
(dmlpy/cache.py), so a file planted in the cache is ignored, never executed.

Encoding: a node is [class name, field...]; a span is ["@", line, col, end_line, end_col] (its file
is the file of the entry) or ["@@", file, ...]; a list is ["L", item...]; a tuple ["T", item...];
None, booleans, numbers and strings are themselves.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path

from .. import cache
from ..errors import Span
from . import ast

_FORMAT = "dmlpy-ast-1"
_CLASSES = {c.__name__: c for c in vars(ast).values()
            if isinstance(c, type) and dataclasses.is_dataclass(c) and c.__module__ == ast.__name__}
_FIELDS = {name: tuple(f.name for f in dataclasses.fields(c)) for name, c in _CLASSES.items()}


def entry_path(text: str, file: str, grammar_stamp: str, version: str) -> Path | None:
    base = cache.root()
    if base is None:
        return None
    h = hashlib.sha256()
    for part in (_FORMAT, version, grammar_stamp, file, text):
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\0")
    return base / "ast" / (h.hexdigest() + ".json")


def _enc(v, file):
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    if isinstance(v, Span):
        if v.file == file:
            return ["@", v.line, v.col, v.end_line, v.end_col]
        return ["@@", v.file, v.line, v.col, v.end_line, v.end_col]
    if isinstance(v, list):
        return ["L", *(_enc(x, file) for x in v)]
    if isinstance(v, tuple):
        return ["T", *(_enc(x, file) for x in v)]
    name = type(v).__name__
    if _CLASSES.get(name) is not type(v):
        raise TypeError(f"cannot cache a {name}")
    return [name, *(_enc(getattr(v, f), file) for f in _FIELDS[name])]


def _dec(v, file):
    if not isinstance(v, list):
        if v is None or isinstance(v, (bool, int, float, str)):
            return v
        raise ValueError("bad AST cache entry")
    tag = v[0]
    if tag == "@":
        return Span(file, *v[1:])
    if tag == "@@":
        return Span(*v[1:])
    if tag == "L":
        return [_dec(x, file) for x in v[1:]]
    if tag == "T":
        return tuple(_dec(x, file) for x in v[1:])
    cls = _CLASSES[tag]
    if len(v) - 1 != len(_FIELDS[tag]):
        raise ValueError("bad AST cache entry")
    return cls(*(_dec(x, file) for x in v[1:]))


def save(path: Path, prog: ast.Program, file: str) -> None:
    try:
        payload = json.dumps(_enc(prog, file), separators=(",", ":"), ensure_ascii=False)
        cache.store(path, payload.encode("utf-8", "surrogatepass"))
    except (RecursionError, ValueError, TypeError, OverflowError):
        pass  # too deep or a literal Python cannot print: this script is simply not cached


def load(path: Path, file: str) -> ast.Program | None:
    payload = cache.load(path)
    if payload is None:
        return None
    try:
        prog = _dec(json.loads(payload.decode("utf-8", "surrogatepass")), file)
    except (RecursionError, ValueError, TypeError, KeyError, IndexError):
        return None
    return prog if isinstance(prog, ast.Program) else None
