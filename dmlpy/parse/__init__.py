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
        text = grammar_path().read_text(encoding="utf-8")
        lark_cache = _lark_cache_file(text)
        _PARSER = Lark(text, parser="lalr", lexer="contextual", maybe_placeholders=True,
                       transformer=_BUILDER, cache=lark_cache or False)
        if lark_cache:
            _sign_lark_cache(Path(lark_cache))
    return _PARSER


def _lark_cache_file(grammar: str) -> str | None:
    """Lark's grammar-analysis cache (a pickle Lark writes and reads) lives in dmlpy's cache root,
    where scripts cannot write, and is used only while its keyed digest matches; never in a shared
    temporary folder."""
    import hashlib

    import lark

    from .. import cache
    base = cache.root()
    if base is None or cache.key(base) is None:
        return None
    stamp = hashlib.sha256(grammar.encode("utf-8")).hexdigest()[:24]
    f = base / "lark" / f"dml-{lark.__version__}-{stamp}.lark"
    mac_file = f.with_suffix(".mac")
    try:
        f.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if f.exists() or f.is_symlink():
            ok = False
            if f.is_file() and not f.is_symlink() and mac_file.is_file():
                ok = mac_file.read_text(encoding="ascii").strip() == (cache.file_mac(f) or "")
            if not ok:
                f.unlink()
    except (OSError, ValueError):
        return None
    return str(f)


def _sign_lark_cache(f: Path) -> None:
    from .. import cache
    mac_file = f.with_suffix(".mac")
    mac = cache.file_mac(f)
    if mac is None:
        return
    try:
        if not mac_file.is_file() or mac_file.read_text(encoding="ascii").strip() != mac:
            tmp = mac_file.with_name(f".{mac_file.name}.{os.getpid()}.tmp")
            tmp.write_text(mac, encoding="ascii")
            os.replace(tmp, mac_file)
    except (OSError, ValueError):
        pass


def _describe(tok) -> str:
    if tok.type == "$END":
        return "end of file"
    return f"'{tok.value}'"


def _expected(names) -> str:
    words = sorted({_TOKEN_TEXT.get(n, f"'{n.lower()}'" if n.isalpha() else n) for n in names})
    if len(words) > 6:
        return ""
    return "; expected " + ", ".join(words)


def cache_stamp() -> str:
    """The grammar's and the AST builder's modification stamps: an edit to the grammar or to the
    modules that build the AST from it changes the cache key."""
    stamps = []
    for p in (grammar_path(), Path(__file__).with_name("build.py"), Path(__file__).with_name("ast.py")):
        try:
            st = p.stat()
            stamps.append(f"{st.st_mtime_ns}:{st.st_size}")
        except OSError:
            stamps.append("-")
    return "|".join(stamps)


def _cache_file(text: str, file: str) -> Path | None:
    """Where the AST of this exact text is cached (keyed by text, file name, grammar, AST builder
    and version)."""
    from .. import __version__
    from . import astcache
    return astcache.entry_path(text, file, cache_stamp(), __version__)


def parse(text: str, file: str = "<string>") -> ast.Program:
    """Parse DML text into an AST; an unchanged text is loaded from the signed AST cache without Lark."""
    from . import astcache
    register_source(file, text)
    cache = _cache_file(text, file)
    if cache is not None and cache.is_file():
        prog = astcache.load(cache, file)
        if prog is not None:
            return prog
    prog = _parse(text, file)
    if cache is not None:
        astcache.save(cache, prog, file)
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
        ch = text[e.pos_in_stream]
        msg = (f"syntax error: unterminated string (no closing {ch})" if ch in "\"'"
               else f"syntax error: unexpected character {ch!r}")
        raise DMLSyntaxError(msg, Span(file, e.line, e.column)) from None
    except UnexpectedEOF:
        lines = text.splitlines() or [""]
        raise DMLSyntaxError("syntax error: unexpected end of file",
                             Span(file, len(lines), max(1, len(lines[-1])))) from None
    except VisitError as e:
        if isinstance(e.orig_exc, DMLSyntaxError):
            raise e.orig_exc from None
        raise


def parse_file(path: str | Path, display: str | None = None) -> ast.Program:
    from ..source import record_text, recorded_text
    p = Path(path)
    text = recorded_text(p)
    try:
        if text is None:
            text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DMLSyntaxError(f"cannot read '{path}': no such file") from None
    except UnicodeDecodeError as e:
        raise DMLSyntaxError(f"cannot read '{path}': it is not UTF-8 text (byte 0x{e.object[e.start]:02x} "
                             f"at offset {e.start})") from None
    except OSError as e:
        raise DMLSyntaxError(f"cannot read '{path}': {e.strerror or 'not readable'}") from None
    record_text(p, text)
    return parse(text, display or str(path))
