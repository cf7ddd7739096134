"""Interface parity of dmlpy's DML nn library with SystemDS's.

    python -m dmlpy.tools.nn_parity SYSTEMDS_NN_DIR [--dmlpy DIR] [--folder NAME ...] [--quiet]

SYSTEMDS_NN_DIR is SystemDS's `scripts/nn` folder (its parent `scripts` is accepted too). Every
function of every .dml file there is looked up in the same file of dmlpy's library (default: the
`scripts/nn` shipped with dmlpy) and compared: parameter names, order, types and defaults, result
names and types. The report lists, per folder (`layers`, `optim`, `networks`, `examples`, and `.`
for the files at the top such as util.dml), the missing files, missing functions and differing
functions; functions only dmlpy has are listed as extras and are not counted against parity.

Files are read with dmlpy's own parser; a file it rejects is read with a bracket-aware pattern
scan of its `name = function(...) return (...)` headers instead (and the report says so).

Exit status: 0 when nothing is missing or different in the folders selected with --folder (all
folders when none is given), 1 otherwise, 2 on bad usage.
"""
from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

FOLDER_ORDER = ("layers", "optim", "networks", "examples", ".")


@dataclass(frozen=True)
class Param:
    name: str
    type: str               # "matrix[double]", "int", "list[unknown]", ...
    default: str | None     # as written, whitespace collapsed
    key: object = None      # comparison key of the default (numbers compare by value)

    def show(self) -> str:
        s = f"{self.type} {self.name}"
        return s + (f" = {self.default}" if self.default is not None else "")


@dataclass
class Signature:
    name: str
    params: list[Param]
    results: list[Param]
    line: int = 0


@dataclass
class FileInfo:
    functions: dict[str, Signature]
    how: str = "parser"     # "parser" or "scan" (the fallback), or "error: ..."


@dataclass
class Entry:
    folder: str
    file: str                   # relative to the nn folder, e.g. "layers/gelu.dml"
    function: str | None        # None for a whole missing file
    kind: str                   # "missing file", "missing", "differs", "extra", "unreadable"
    details: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- reading signatures

def _type_text(data: str, value: str) -> str:
    return value if data == "scalar" else f"{data}[{value}]"


def _number_key(text: str):
    try:
        return float(text)
    except ValueError:
        return None


def _default_key(text: str):
    """Defaults compare by value for numbers and booleans, else by their text without spaces."""
    t = text.strip()
    num = _number_key(t)
    if num is not None:
        return ("num", num)
    if t.upper() in ("TRUE", "FALSE"):
        return ("bool", t.upper())
    return ("text", re.sub(r"\s+", "", t))


def _span_text(lines: list[str], span) -> str:
    """Source text covered by an AST span (1-based, inclusive end column)."""
    if not span.end_line:
        return lines[span.line - 1][span.col - 1:].split(",")[0].split(")")[0]
    if span.line == span.end_line:
        return lines[span.line - 1][span.col - 1:span.end_col]
    parts = [lines[span.line - 1][span.col - 1:]]
    parts += lines[span.line:span.end_line - 1]
    parts.append(lines[span.end_line - 1][:span.end_col])
    return " ".join(parts)


def _render_default(expr, lines: list[str]) -> str:
    from ..parse import ast
    if isinstance(expr, ast.BoolLit):
        return "TRUE" if expr.value else "FALSE"
    if isinstance(expr, ast.StrLit):
        return '"' + expr.value + '"'
    if isinstance(expr, (ast.IntLit, ast.FloatLit)):
        return _span_text(lines, expr.span).strip() or repr(expr.value)
    if isinstance(expr, ast.Unary):
        return expr.op + _render_default(expr.operand, lines)
    if isinstance(expr, ast.Name):
        return expr.name
    if isinstance(expr, ast.Binary):
        return f"{_render_default(expr.left, lines)} {expr.op} {_render_default(expr.right, lines)}"
    if isinstance(expr, ast.Call):
        args = [(f"{a.name}=" if a.name else "") + _render_default(a.value, lines) for a in expr.args]
        return f"{expr.qualname}({', '.join(args)})"
    return " ".join(_span_text(lines, expr.span).split())


def _param(name: str, typ: str, default: str | None) -> Param:
    return Param(name, typ, default, None if default is None else _default_key(default))


def read_with_parser(path: Path) -> dict[str, Signature]:
    from ..parse import parse_file
    prog = parse_file(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    out = {}
    for f in prog.functions:
        params = [_param(p.name, _type_text(p.type.data, p.type.value),
                         None if p.default is None else _render_default(p.default, lines)) for p in f.params]
        results = [_param(r.name, _type_text(r.type.data, r.type.value), None) for r in f.returns]
        out[f.name] = Signature(f.name, params, results, f.span.line)
    return out


_VALUE = {"double": "double", "int": "int", "integer": "int", "boolean": "boolean", "bool": "boolean",
          "string": "string", "unknown": "unknown"}
_DATA = {"matrix", "frame", "list", "tensor"}


def _strip_comments(text: str) -> str:
    """Blanks out `#` and `/* */` comments outside string literals (keeping line breaks)."""
    out, i, quote = [], 0, None
    while i < len(text):
        c = text[i]
        if quote:
            out.append(c)
            if c == "\\" and i + 1 < len(text):
                out.append(text[i + 1])
                i += 1
            elif c == quote:
                quote = None
        elif c in "\"'":
            quote = c
            out.append(c)
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = len(text) if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j - 1
        elif c == "#":
            j = text.find("\n", i)
            j = len(text) if j < 0 else j
            out.append(" " * (j - i))
            i = j - 1
        else:
            out.append(c)
        i += 1
    return "".join(out)


def _balanced(text: str, start: int) -> int:
    """Index just past the bracket group opening at text[start]."""
    depth, i, quote = 0, start, None
    while i < len(text):
        c = text[i]
        if quote:
            if c == "\\":
                i += 1
            elif c == quote:
                quote = None
        elif c in "\"'":
            quote = c
        elif c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    raise ValueError("unbalanced brackets")


def _split_top(text: str) -> list[str]:
    parts, depth, cur, quote = [], 0, [], None
    for c in text:
        if quote:
            quote = None if c == quote else quote
        elif c in "\"'":
            quote = c
        elif c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif c == "," and depth == 0:
            parts.append("".join(cur))
            cur = []
            continue
        cur.append(c)
    if "".join(cur).strip():
        parts.append("".join(cur))
    return parts


_DECL = re.compile(r"^\s*(\w+)\s*(?:\[\s*(\w+)\s*\])?\s+(\w+)\s*(?:=\s*(.*?))?\s*$", re.S)


def _scan_params(text: str) -> list[Param]:
    out = []
    for part in _split_top(text):
        m = _DECL.match(part)
        if not m:
            raise ValueError(f"cannot read parameter {part.strip()!r}")
        base, inner, name, default = m.group(1).lower(), m.group(2), m.group(3), m.group(4)
        if base in _DATA:
            typ = f"{base}[{_VALUE.get((inner or ('double' if base == 'matrix' else 'unknown')).lower(), inner)}]"
        else:
            typ = _VALUE.get(base, base)
        out.append(_param(name, typ, None if default is None else " ".join(default.split())))
    return out


_HEADER = re.compile(r"(?m)^[ \t]*(\w+)\s*=\s*(?:externalFunction|function)\s*\(")
_RETURN = re.compile(r"\s*return\s*\(")


def read_with_scan(path: Path) -> dict[str, Signature]:
    text = _strip_comments(path.read_text(encoding="utf-8"))
    out = {}
    for m in _HEADER.finditer(text):
        open_at = m.end() - 1
        close = _balanced(text, open_at)
        params = _scan_params(text[open_at + 1:close - 1])
        results = []
        r = _RETURN.match(text, close)
        if r:
            rclose = _balanced(text, r.end() - 1)
            results = _scan_params(text[r.end():rclose - 1])
        out[m.group(1)] = Signature(m.group(1), params, results, text.count("\n", 0, m.start()) + 1)
    return out


def read_file(path: Path) -> FileInfo:
    try:
        return FileInfo(read_with_parser(path))
    except Exception as e:   # noqa: BLE001 - any parser failure falls back to the scan
        first = str(e).splitlines()[0] if str(e) else type(e).__name__
        try:
            return FileInfo(read_with_scan(path), f"scan (parser: {first})")
        except (ValueError, UnicodeDecodeError, OSError) as e2:
            return FileInfo({}, f"error: {e2}")


# ---------------------------------------------------------------- comparing

def compare_signatures(ref: Signature, mine: Signature) -> list[str]:
    """Human-readable differences of dmlpy's signature `mine` from SystemDS's `ref`."""
    diffs = []
    for what, a, b, with_default in (("parameter", ref.params, mine.params, True),
                                     ("result", ref.results, mine.results, False)):
        n = max(len(a), len(b))
        for i in range(n):
            x = a[i] if i < len(a) else None
            y = b[i] if i < len(b) else None
            if x is None:
                if what == "parameter" and y.default is not None:
                    continue   # an extra trailing parameter with a default is a compatible addition
                diffs.append(f"extra {what} {i + 1}: {y.show()}")
            elif y is None:
                diffs.append(f"missing {what} {i + 1}: {x.show()}")
            elif x.name != y.name or x.type != y.type:
                diffs.append(f"{what} {i + 1}: SystemDS {x.show()}, dmlpy {y.show()}")
            elif with_default and x.key != y.key:
                diffs.append(f"{what} {i + 1} ({x.name}) default: SystemDS "
                             f"{x.default if x.default is not None else '(none)'}, dmlpy "
                             f"{y.default if y.default is not None else '(none)'}")
    return diffs


def folder_of(rel: Path) -> str:
    return rel.parts[0] if len(rel.parts) > 1 else "."


def compare_trees(ref_root: Path, mine_root: Path) -> tuple[list[Entry], dict[str, str]]:
    """(entries, notes): every difference between the two nn trees, and how files were read
    (only files not read by the parser are noted)."""
    entries, notes = [], {}
    for ref_path in sorted(ref_root.rglob("*.dml")):
        rel = ref_path.relative_to(ref_root)
        folder, name = folder_of(rel), rel.as_posix()
        ref = read_file(ref_path)
        if ref.how != "parser":
            notes["SystemDS " + name] = ref.how
        mine_path = mine_root / rel
        if not mine_path.is_file():
            entries.append(Entry(folder, name, None, "missing file",
                                 [f"{len(ref.functions)} function(s): " + ", ".join(ref.functions)]))
            continue
        mine = read_file(mine_path)
        if mine.how != "parser":
            notes["dmlpy " + name] = mine.how
            if mine.how.startswith("error"):
                entries.append(Entry(folder, name, None, "unreadable", [mine.how]))
                continue
        for fname, sig in ref.functions.items():
            other = mine.functions.get(fname)
            if other is None:
                entries.append(Entry(folder, name, fname, "missing"))
                continue
            diffs = compare_signatures(sig, other)
            if diffs:
                entries.append(Entry(folder, name, fname, "differs", diffs))
        for fname in mine.functions:
            if fname not in ref.functions:
                entries.append(Entry(folder, name, fname, "extra"))
    return entries, notes


def counts(entries: list[Entry]) -> dict[str, dict[str, int]]:
    """Per folder: missing files, missing functions (a missing file counts all its functions),
    differing functions, extra functions."""
    res: dict[str, dict[str, int]] = {}
    for e in entries:
        c = res.setdefault(e.folder, {"missing files": 0, "missing": 0, "differs": 0, "extra": 0})
        if e.kind == "missing file":
            c["missing files"] += 1
            c["missing"] += int(e.details[0].split()[0])
        elif e.kind == "unreadable":
            c["missing files"] += 1
        else:
            c[e.kind] += 1
    return res


def failing(entries: list[Entry], folders=None) -> list[Entry]:
    """The entries that break parity (all but extras), limited to `folders` when given."""
    return [e for e in entries if e.kind != "extra" and (not folders or e.folder in folders)]


# ---------------------------------------------------------------- command line

def _resolve_nn(path: Path) -> Path:
    if (path / "nn").is_dir() and not (path / "layers").is_dir():
        return path / "nn"
    return path


def report(entries: list[Entry], notes: dict[str, str], quiet: bool = False) -> str:
    out = []
    folders = sorted({e.folder for e in entries},
                     key=lambda f: (FOLDER_ORDER.index(f) if f in FOLDER_ORDER else 99, f))
    if not quiet:
        for folder in folders:
            for e in entries:
                if e.folder != folder:
                    continue
                head = e.file + (f" :: {e.function}" if e.function else "")
                out.append(f"{e.kind:<13} {head}")
                out += [f"{'':<13}   {d}" for d in e.details]
        for what, how in notes.items():
            out.append(f"note: {what} read by {how}")
        out.append("")
    c = counts(entries)
    out.append(f"{'folder':<10} {'missing files':>13} {'missing fns':>11} {'differing':>9} {'extra':>6}")
    for folder in folders:
        k = c[folder]
        out.append(f"{folder:<10} {k['missing files']:>13} {k['missing']:>11} {k['differs']:>9} {k['extra']:>6}")
    tot = {k: sum(v[k] for v in c.values()) for k in ("missing files", "missing", "differs", "extra")}
    out.append(f"{'total':<10} {tot['missing files']:>13} {tot['missing']:>11} {tot['differs']:>9} {tot['extra']:>6}")
    return "\n".join(out)


def main(argv=None) -> int:
    from ..source import scripts_dir
    ap = argparse.ArgumentParser(prog="python -m dmlpy.tools.nn_parity",
                                 description="Compare dmlpy's DML nn library with SystemDS's, function by function.")
    ap.add_argument("systemds_nn", help="SystemDS's scripts/nn folder (or its scripts folder)")
    ap.add_argument("--dmlpy", help="dmlpy's nn folder (default: the shipped scripts/nn)")
    ap.add_argument("--folder", action="append", default=[],
                    help="only count these folders for the exit status (layers, optim, networks, examples, .)")
    ap.add_argument("--quiet", action="store_true", help="print the count table only")
    args = ap.parse_args(argv)
    ref_root = _resolve_nn(Path(args.systemds_nn))
    mine_root = _resolve_nn(Path(args.dmlpy)) if args.dmlpy else scripts_dir() / "nn"
    for p in (ref_root, mine_root):
        if not p.is_dir():
            print(f"nn_parity: error: '{p}' is not a folder", file=sys.stderr)
            return 2
    entries, notes = compare_trees(ref_root, mine_root)
    try:
        print(report(entries, notes, args.quiet))
    except BrokenPipeError:
        return 0
    return 1 if failing(entries, args.folder) else 0


if __name__ == "__main__":
    sys.exit(main())
