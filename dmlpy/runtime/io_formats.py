"""Parsers of the text file formats read() accepts: csv and Matrix Market array matrices, and
csv/text/binary frames (the cell formats text, mm coordinate and libsvm: dmlpy.sparse.textio).
Each takes the file's text (or path) and reports bad lines as OpErrors that name the file and
line."""
from __future__ import annotations

import math
import os

import numpy as np

from ..errors import OpError
from .frame import Frame, norm_type, parse_double


def _read_text_file(path, what="read()"):
    if os.path.isdir(path):
        parts = sorted(p for p in os.listdir(path)
                       if not p.startswith((".", "_")) and not p.endswith(".crc"))
        chunks = []
        for p in parts:
            with open(os.path.join(path, p), encoding="utf-8", errors="replace") as fh:
                t = fh.read()
            if t and not t.endswith("\n"):
                t += "\n"
            chunks.append(t)
        return "".join(chunks)
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return fh.read()
    except FileNotFoundError:
        raise OpError(f"{what}: the file '{path}' does not exist") from None
    except OSError as e:
        raise OpError(f"{what}: cannot read '{path}': {e.strerror or e}") from None


def _lines(text):
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [l[:-1] if l.endswith("\r") else l for l in lines]


def _parse_csv_matrix(text, path, header, sep, fill, fill_value, nas):
    lines = _lines(text)
    start = 1 if header else 0
    body = lines[start:]
    while body and body[-1].strip() == "":
        body.pop()
    n = len(body)
    if n == 0:
        return np.zeros((0, 0))
    m = body[0].count(sep) + 1
    # fast path: every line has the same number of separators and every cell is a number
    if not nas and all(l.count(sep) == m - 1 for l in body):
        joined = "\n".join(body)
        toks = joined.replace(sep, " ").split() if sep.strip() else joined.split()
        if len(toks) == n * m:
            try:
                return np.array(toks, dtype=np.float64).reshape(n, m)
            except ValueError:
                pass
    # careful path: line-by-line with errors that say where
    X = np.empty((n, m), dtype=np.float64)
    for i, line in enumerate(body):
        cells = line.split(sep)
        lineno = i + start + 1
        if len(cells) != m:
            raise OpError(f"read(): '{path}' line {lineno}: expected {m} values (as in the first "
                          f"data line) but found {len(cells)}")
        for j, c in enumerate(cells):
            t = c.strip()
            if t.startswith('"') and t.endswith('"') and len(t) >= 2:
                t = t[1:-1].strip()
            if t in nas:
                X[i, j] = math.nan
            elif t == "":
                if not fill:
                    raise OpError(f"read(): '{path}' line {lineno}, column {j + 1}: empty cell "
                                  f"(use fill=TRUE to fill empty cells)")
                X[i, j] = fill_value
            else:
                try:
                    X[i, j] = parse_double(t)
                except ValueError:
                    raise OpError(f"read(): '{path}' line {lineno}, column {j + 1}: '{c}' is not "
                                  f"a number") from None
    return X


def _parse_mm(text, path):
    """A Matrix Market file of the array layout (dense, column-major values)."""
    lines = _lines(text)
    if not lines or not lines[0].startswith("%%MatrixMarket"):
        raise OpError(f"read(): '{path}' line 1: not a Matrix Market file (no %%MatrixMarket header)")
    head = lines[0].lower().split()
    layout = head[2] if len(head) > 2 else "coordinate"
    k = 1
    while k < len(lines) and (lines[k].startswith("%") or not lines[k].strip()):
        k += 1
    if k >= len(lines):
        raise OpError(f"read(): '{path}': the Matrix Market size line is missing")
    try:
        size = [int(x) for x in lines[k].split()]
        n, m = size[0], size[1]
    except (ValueError, IndexError):
        raise OpError(f"read(): '{path}' line {k + 1}: bad Matrix Market size line") from None
    if layout != "array":
        raise OpError(f"read(): '{path}': the Matrix Market coordinate layout is read by "
                      "dmlpy.sparse.textio")
    vals = " ".join(lines[k + 1:]).split()
    if len(vals) != n * m:
        raise OpError(f"read(): '{path}': expected {n * m} values but found {len(vals)}")
    return np.ascontiguousarray(np.array(vals, dtype=np.float64).reshape(m, n).T)


# ------------------------------------------------------------------ frames
_JAVA_WS = "".join(chr(c) for c in range(33))   # what Java's String.trim() removes


def _csv_field_end(line, start, sep):
    """Where the field that starts at `start` ends, by SystemDS's rule: only a quote at the very
    start of a field opens a quoted run (the delimiter inside it does not split, a doubled quote
    "" stays in it); text after the closing quote belongs to the field up to the next delimiter.
    A quote anywhere else is an ordinary character, and so is a lone opening quote that is never
    closed. The quotes themselves stay in the field."""
    n = len(line)
    if line.startswith('"', start):
        close = line.find('"', start + 1)
        if close > 0:
            while close + 1 < n and line[close + 1] == '"':
                close = line.find('"', close + 2)
                if close < 0:      # ends inside a doubled quote (SystemDS never returns here)
                    return n
            end = close + 1
            if end >= n or line.startswith(sep, end):
                return end
            k = line.find(sep, end + 1)
            return n if k < 0 else k
    if line.startswith(sep, start):
        return start
    k = line.find(sep, start + 1)
    return n if k < 0 else k


def _split_csv_line(line, sep):
    """The raw fields of one csv line, quotes kept (as SystemDS's frame reader keeps them)."""
    if not sep:
        raise OpError("read(): the csv separator (sep=) must not be empty")
    if '"' not in line:
        return line.split(sep)
    out, i, n = [], 0, len(line)
    while i < n:
        e = _csv_field_end(line, i, sep)
        out.append(line[i:e])
        i = e + len(sep)
    if i == n:
        out.append("")
    return out


def _unquote(s):
    """'"a""b"' -> 'a"b': the value a quoted field stands for (for the typed columns only)."""
    if s is not None and len(s) >= 2 and s[0] == '"' and s[-1] == '"':
        return s[1:-1].replace('""', '"')
    return s


def _csv_frame_row(line, sep, nas):
    """A data line's cells as SystemDS reads them: the line and each field trimmed, an empty
    field or one of naStrings null, quotes kept."""
    out = []
    for c in _split_csv_line(line.strip(_JAVA_WS), sep):
        c = c.strip(_JAVA_WS)
        out.append(None if c == "" or c in nas else c)
    return out


def _parse_schema(sch, m):
    if sch is None:
        return ["STRING"] * m
    if isinstance(sch, Frame):
        parts = [sch.str_cell(0, j) for j in range(sch.ncol)]
    else:
        parts = [p for p in str(sch).split(",") if p.strip()]
    if len(parts) == 1 and m > 1:
        parts = parts * m
    return [norm_type(p) for p in parts]


def _read_frame(path, fmt, header, sep, sch, nas, cols, nrows=None):
    if fmt == "binary":
        with np.load(path, allow_pickle=False) as z:
            schema = [str(s) for s in z["schema"]]
            names = [str(s) for s in z["names"]]
            n = int(z["nrow"][0])
            columns = []
            for j, vt in enumerate(schema):
                c = z[f"c{j}"]
                if vt == "STRING":
                    nulls = z[f"null{j}"]
                    columns.append(Frame.column([None if nulls[i] else str(c[i]) for i in range(n)],
                                                "STRING"))
                else:
                    columns.append(c.copy())
        return Frame(columns, schema, names, nrow=n)
    text = _read_text_file(path)
    lines = _lines(text)
    if fmt == "csv":
        names = None
        if header:
            if not lines:
                raise OpError(f"read(): '{path}' is empty but header=TRUE")
            names = _split_csv_line(lines[0], sep)
            lines = lines[1:]
        while lines and lines[-1].strip() == "":
            lines.pop()
        rows = [_csv_frame_row(l, sep, nas) for l in lines]
        m = len(names) if names is not None else (len(rows[0]) if rows else (cols or 0))
        for k, r in enumerate(rows):   # a short line is padded with nulls, as in SystemDS
            if len(r) > m:
                raise OpError(f"read(): '{path}' line {k + 1 + (1 if header else 0)}: expected at "
                              f"most {m} values but found {len(r)}")
        schema = _parse_schema(sch, m)
        if len(schema) != m:
            raise OpError(f"read(): '{path}': the schema has {len(schema)} types but the data "
                          f"{m} columns")
        typed = [j for j, vt in enumerate(schema) if vt != "STRING"]
        if typed and '"' in text:   # SystemDS cannot parse "1" as a number; dmlpy unquotes it
            for r in rows:
                for j in typed:
                    if j < len(r):
                        r[j] = _unquote(r[j])
        return Frame.from_strings(rows, schema, names, where=f"read('{path}')")
    if fmt == "text":
        cells = {}
        n = m = 0
        for k, line in enumerate(lines):
            t = line.split(" ", 2)
            if not line.strip():
                continue
            try:
                i, j = int(t[0]), int(t[1])
            except (ValueError, IndexError):
                raise OpError(f"read(): '{path}' line {k + 1}: expected 'row col value'") from None
            if i == 0 and j == 0:
                continue
            cells[(i - 1, j - 1)] = t[2] if len(t) > 2 else ""
            n, m = max(n, i), max(m, j)
        schema = _parse_schema(sch, cols if cols is not None else m)
        m = len(schema)
        n = max(n, nrows or 0)
        rows_ = [[None] * m for _ in range(n)]
        for (i, j), v in cells.items():
            if j >= m:
                raise OpError(f"read(): '{path}': column {j + 1} is outside the {m} schema columns")
            rows_[i][j] = v
        return Frame.from_strings(rows_, schema, where=f"read('{path}')")
    raise OpError(f"read(): frames can be read from csv, text or binary files, not {fmt}")
