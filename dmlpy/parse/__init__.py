"""Source text -> AST. The Lark parser is built once per process from the cached grammar analysis."""
from __future__ import annotations

import os
from pathlib import Path

from ..errors import DMLSyntaxError, Span, register_source
from . import ast

_PARSER = None
_BUILDER = None

_TOKEN_TEXT = {
    "RPAR": "')'", "LPAR": "'('", "RSQB": "']'", "LSQB": "'['", "LBRACE": "'{'", "RBRACE": "'}'",
    "COMMA": "','", "COLON": "':'", "SEMICOLON": "';'", "EQ": "'='", "LARROW": "'<-'",
    "PLUSEQ": "'+='", "NAME": "a name", "INT": "a number", "FLOAT": "a number", "STRING": "a string",
    "CMDARG": "a $argument", "ADD_OP": "'+' or '-'", "MUL_OP": "'*' or '/'", "REL_OP": "a comparison",
    "MOD_OP": "'%%' or '%/%'", "MATMUL": "'%*%'", "POW": "'^'", "NOT": "'!'", "AND_OP": "'&'",
    "OR_OP": "'|'", "TRUE": "TRUE", "FALSE": "FALSE", "$END": "end of file", "MLSQB": "'['",
}


def grammar_path() -> Path:
    here = Path(__file__).resolve().parent.parent
    for cand in (here.parent / "grammar" / "dml.lark", here / "_grammar" / "dml.lark"):
        if cand.is_file():
            return cand
    raise FileNotFoundError("dml.lark not found next to the dmlpy package")


def parser():
    """The LALR parser, with the AST builder run inline (no parse tree is built)."""
    global _PARSER, _BUILDER
    if _PARSER is None:
        from lark import Lark

        from .build import Builder
        _BUILDER = Builder()
        _PARSER = Lark(grammar_path().read_text(encoding="utf-8"), parser="lalr", lexer="contextual",
                       maybe_placeholders=True, transformer=_BUILDER, cache=True)
    return _PARSER


def _describe(tok) -> str:
    if tok.type == "$END":
        return "end of file"
    return f"'{tok.value}'"


def _expected(names) -> str:
    words = sorted({_TOKEN_TEXT.get(n, f"'{n.lower()}'" if n.isalpha() else n) for n in names})
    if len(words) > 6:
        return ""
    return "; expected " + ", ".join(words)


def _cache_file(text: str, file: str) -> Path | None:
    """Where the AST of this exact text is cached (keyed by text, file name, grammar and version)."""
    import hashlib
    import os

    from .. import __version__
    root = os.environ.get("DMLPY_CACHE_DIR") or os.path.join(os.path.expanduser("~"), ".cache", "dmlpy")
    if root == "off":
        return None
    h = hashlib.sha1()
    for part in (__version__, str(grammar_path().stat().st_mtime_ns), file, text):
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\0")
    return Path(root) / "ast" / (h.hexdigest() + ".pickle")


def parse(text: str, file: str = "<string>") -> ast.Program:
    """Parse DML text into an AST; an unchanged text is loaded from the AST cache without Lark."""
    import pickle
    register_source(file, text)
    cache = _cache_file(text, file)
    if cache is not None and cache.is_file():
        try:
            with open(cache, "rb") as fh:
                return pickle.load(fh)
        except Exception:  # noqa: BLE001 - a stale or broken cache entry is simply rebuilt
            pass
    prog = _parse(text, file)
    if cache is not None:
        try:
            cache.parent.mkdir(parents=True, exist_ok=True)
            tmp = cache.with_suffix(f".{os.getpid()}.tmp")
            with open(tmp, "wb") as fh:
                pickle.dump(prog, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, cache)
        except OSError:
            pass
    return prog


def _parse(text: str, file: str) -> ast.Program:
    from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedToken, VisitError

    p = parser()
    _BUILDER.file = file
    try:
        return p.parse(text)
    except UnexpectedToken as e:
        tok = e.token
        if tok.type == "$END":
            lines = text.splitlines() or [""]
            span = Span(file, len(lines), max(1, len(lines[-1])))
        else:
            span = Span(file, tok.line, tok.column, tok.end_line or tok.line,
                        (tok.end_column or tok.column + 1) - 1)
        exp = e.expected if hasattr(e, "expected") else set()
        hint = ""
        if "RPAR" in exp and tok.type != "RPAR":
            hint = " (missing ')'?)"
        elif "RBRACE" in exp and tok.type == "$END":
            hint = " (missing '}'?)"
        raise DMLSyntaxError(f"syntax error: unexpected {_describe(tok)}{hint}{_expected(exp)}", span) from None
    except UnexpectedCharacters as e:
        raise DMLSyntaxError(f"syntax error: unexpected character {text[e.pos_in_stream]!r}",
                             Span(file, e.line, e.column)) from None
    except UnexpectedEOF:
        lines = text.splitlines() or [""]
        raise DMLSyntaxError("syntax error: unexpected end of file",
                             Span(file, len(lines), max(1, len(lines[-1])))) from None
    except VisitError as e:
        if isinstance(e.orig_exc, DMLSyntaxError):
            raise e.orig_exc from None
        raise


def parse_file(path: str | Path, display: str | None = None) -> ast.Program:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DMLSyntaxError(f"cannot read '{path}': no such file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise DMLSyntaxError(f"cannot read '{path}': {e}") from None
    return parse(text, display or str(path))
