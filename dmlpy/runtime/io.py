"""Reading and writing matrices, frames and scalars in SystemDS's file formats.

Formats: csv (header, sep, fill, default, naStrings), text (i j v, 1-based, non-zeros only), mm
(Matrix Market coordinate/array), libsvm (label, then index:value), and binary (dmlpy's own: a
NumPy .npy file for matrices, an .npz archive for frames; SystemDS's Hadoop-sequence binary files
cannot be read). Every write but mm leaves a SystemDS-style `.mtd` JSON file beside the data, and
reads honour an existing `.mtd` for whatever the call leaves out. Writes stream the text in blocks
of rows (`textout`) to temporary files that replace the data and its .mtd together at the end
(`safewrite`): a failed write leaves the old pair or the new one, never a mix, and never deletes a
directory holding anything but part files. SystemDS may write a directory of part files; reads
accept that form too.
"""
from __future__ import annotations

import json
import math
import os
import re
import time

import numpy as np

from ..errors import OpError
from . import safewrite, textout
from .mtdjson import parse_mtd_text
from .frame import Frame, norm_type, parse_double

FORMATS = ("csv", "text", "mm", "libsvm", "binary")
_FORMAT_ALIASES = {"textcell": "text", "ijv": "text", "matrixmarket": "mm", "bin": "binary"}


def _fmt_name(fmt, where):
    f = str(fmt).strip().lower()
    f = _FORMAT_ALIASES.get(f, f)
    if f not in FORMATS:
        raise OpError(f"{where}: unknown format '{fmt}' (expected one of {', '.join(FORMATS)})")
    return f


# ================================================================== metadata
def mtd_path(path):
    return path + ".mtd"


def read_mtd(path):
    p = mtd_path(path)
    if not os.path.isfile(p):
        p = safewrite.recovered_mtd(path)        # a write killed between its two renames
        if p is None:
            return {}
    try:
        with open(p, encoding="utf-8") as fh:
            md = parse_mtd_text(fh.read())
    except ValueError as e:
        raise OpError(f"read(): the metadata file '{p}' is not valid JSON: {e}") from None
    if not isinstance(md, dict):
        raise OpError(f"read(): the metadata file '{p}' does not hold a JSON object")
    return md


def _mtd_text(obj):
    return json.dumps(obj, indent=4, ensure_ascii=False)


def _author():
    try:
        import getpass
        return getpass.getuser()
    except Exception:
        return "dmlpy"


def _created():
    return time.strftime("%Y-%m-%d %H:%M:%S %Z", time.localtime())


def make_mtd(value, fmt, header, sep, description=None):
    """The .mtd object SystemDS writes for value in format fmt (same keys, same order)."""
    md = {}
    if isinstance(value, Frame):
        md["data_type"] = "frame"
        md["schema"] = "".join(s + "," for s in value.schema)
        md["rows"] = value.nrow
        md["cols"] = value.ncol
        md["format"] = fmt
        if fmt == "text":
            md["description"] = "-1" if description is None else description
        elif description is not None:
            md["description"] = description
        md["author"] = _author()
        if fmt == "csv":
            md["header"] = bool(header)
            md["sep"] = sep
    elif type(value).__name__ == "ndarray":
        md["data_type"] = "matrix"
        md["value_type"] = "double"
        md["rows"] = int(value.shape[0])
        md["cols"] = int(value.shape[1])
        if fmt == "binary":
            md["rows_in_block"] = 1000
            md["cols_in_block"] = 1000
        md["nnz"] = int(np.count_nonzero(value))
        md["format"] = fmt
        if description is not None:
            md["description"] = description
        md["author"] = _author()
        if fmt == "csv":
            md["header"] = bool(header)
            md["sep"] = sep
    else:
        md["data_type"] = "scalar"
        md["value_type"] = {bool: "boolean", int: "int", float: "double", str: "string"}[type(value)]
        md["format"] = fmt
        if description is not None:
            md["description"] = description
        md["author"] = _author()
    md["created"] = _created()
    return md


# ================================================================== writing
def _target(path):
    """The file a write goes to: 'dir/' names the file 'dir' (as in SystemDS)."""
    if not isinstance(path, str) or path == "":
        raise OpError("write(): the file name must be a non-empty string")
    seps = "/" + (os.sep if os.sep != "/" else "") + (os.altsep or "")
    stripped = path.rstrip(seps)
    if stripped == "":
        raise OpError(f"write(): '{path}' is a directory, not a file name")
    return stripped


def write(value, path, fmt="text", header=False, sep=",", description=None):
    """write(x, file, format=...): the data file plus its .mtd, both replaced together (see safewrite)."""
    from ..cache import check_write_path
    path = _target(path)
    check_write_path(path)
    fmt = _fmt_name(fmt, "write()")
    is_scalar = isinstance(value, (bool, int, float, str))
    if type(value).__name__ == "DMLList":
        raise OpError("write(): lists cannot be written")
    if is_scalar and fmt != "text":
        fmt = "text"
    if not (is_scalar or isinstance(value, Frame) or type(value).__name__ == "ndarray"):
        raise OpError(f"write(): cannot write a {type(value).__name__} as {fmt}")
    d = os.path.dirname(path)
    if d and not os.path.isdir(d):
        try:
            os.makedirs(d, exist_ok=True)
        except OSError as e:
            raise OpError(f"write(): cannot create the directory '{d}': {e.strerror}") from None
    side_files = safewrite.clean_stale(path)
    safewrite.check_target(path)
    tmps = []
    try:
        fh, tmp_data = safewrite.open_tmp(path)
        tmps.append(tmp_data)
        with fh:
            if fmt == "binary":
                if isinstance(value, Frame):
                    _write_frame_npz(fh, value)
                else:
                    np.save(fh, np.ascontiguousarray(value, dtype=np.float64), allow_pickle=False)
            else:
                def emit(text, _w=fh.write):
                    _w(text.encode("utf-8"))
                if is_scalar:
                    emit(textout.scalar_text(value))
                elif isinstance(value, Frame):
                    textout.write_frame(value, fmt, header, sep, emit)
                else:
                    textout.write_matrix(value, fmt, header, sep, emit)
        tmp_mtd = None
        if fmt != "mm":
            fh, tmp_mtd = safewrite.open_tmp(path + ".mtd")
            tmps.append(tmp_mtd)
            with fh:
                fh.write(_mtd_text(make_mtd(value, fmt, header, sep, description)).encode("utf-8"))
        safewrite.commit(path, tmp_data, tmp_mtd)
        safewrite.remember(path, side_files)
    except OSError as e:
        _remove_all(tmps)
        raise OpError(f"write(): cannot write '{path}': {e.strerror or e}") from None
    except BaseException:
        _remove_all(tmps)
        raise


def _remove_all(paths):
    for p in paths:
        try:
            os.remove(p)
        except OSError:
            pass


def _write_frame_npz(fh, F):
    arrays = {"schema": np.array(F.schema), "names": np.array(F.names),
              "nrow": np.array([F.nrow])}
    for j in range(F.ncol):
        if F.schema[j] == "STRING":
            col = F.columns[j]
            arrays[f"null{j}"] = np.array([v is None for v in col], dtype=bool)
            arrays[f"c{j}"] = np.array(["" if v is None else v for v in col], dtype=str) \
                if F.nrow else np.array([], dtype=str)
        else:
            arrays[f"c{j}"] = F.columns[j]
    np.savez(fh, **arrays)


# ================================================================== reading
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


def read(path, fmt=None, header=None, sep=None, data_type=None, value_type=None, rows=None,
         cols=None, na_strings=None, fill=None, fill_value=None, schema=None):
    if not isinstance(path, str) or path == "":
        raise OpError("read(): the file name must be a non-empty string")
    from ..cache import check_read_path
    check_read_path(path)
    md = read_mtd(path)
    if not os.path.exists(path):
        raise OpError(f"read(): the file '{path}' does not exist")
    dt = str(data_type if data_type is not None else md.get("data_type", "matrix")).lower()
    if dt not in ("matrix", "frame", "scalar"):
        raise OpError(f"read(): unknown data_type '{dt}' for '{path}' (matrix, frame or scalar)")
    fmt = fmt if fmt is not None else md.get("format")
    if fmt is None:
        fmt = _sniff_format(path)
    fmt = _fmt_name(fmt, f"read('{path}')")
    header = bool(header if header is not None else md.get("header", False))
    sep = sep if sep is not None else md.get("sep", ",")
    rows = rows if rows is not None else md.get("rows")
    cols = cols if cols is not None else md.get("cols")
    rows = None if rows is None or int(rows) < 0 else int(rows)
    cols = None if cols is None or int(cols) < 0 else int(cols)
    if fill is None:
        fill = bool(md.get("fill", True))
    fill = bool(fill)
    fill_value = float(fill_value if fill_value is not None else md.get("default", 0.0))
    nas = na_strings if na_strings is not None else md.get("naStrings")
    if nas is None:
        nas = set()
    elif isinstance(nas, str):
        nas = set(nas.split("\u00b7"))
    else:
        nas = set(nas)
    if dt == "scalar":
        vt = str(value_type if value_type is not None else md.get("value_type", "double")).lower()
        return _read_scalar(path, vt)
    if dt == "frame":
        sch = schema if schema is not None else md.get("schema")
        F = _read_frame(path, fmt, header, sep, sch, nas, cols, rows)
        _check_dims(path, rows, cols, F.nrow, F.ncol)
        return F
    X = _read_matrix(path, fmt, header, sep, rows, cols, fill, fill_value, nas)
    _check_dims(path, rows, None if fmt == "libsvm" else cols, X.shape[0], X.shape[1])
    return X


def _sniff_format(path):
    if os.path.isfile(path):
        with open(path, "rb") as fh:
            head = fh.read(64)
        if head.startswith(b"\x93NUMPY") or head.startswith(b"PK"):
            return "binary"
        if head.startswith(b"%%MatrixMarket"):
            return "mm"
    return "text"


def _check_dims(path, rows, cols, n, m):
    if rows is not None and rows != n or cols is not None and cols != m:
        raise OpError(f"read(): '{path}' holds a {n}x{m} matrix but its metadata or arguments say "
                      f"{rows if rows is not None else '?'}x{cols if cols is not None else '?'}")


def _read_scalar(path, vt):
    text = _read_text_file(path)
    if text.endswith("\n"):
        text = text[:-1]
    try:
        if vt in ("double", "fp64", "float", "fp32"):
            return parse_double(text)
        if vt in ("int", "integer", "int64", "int32", "long"):
            d = parse_double(text)
            return int(d)
        if vt in ("boolean", "bool"):
            low = text.strip().lower()
            if low not in ("true", "false", "1", "0"):
                raise ValueError(text)
            return low in ("true", "1")
        if vt in ("string", "str"):
            return text
    except ValueError:
        raise OpError(f"read(): '{path}' holds '{text.strip()[:40]}', which is not a {vt}") from None
    raise OpError(f"read(): unknown value_type '{vt}' for '{path}'")


# ------------------------------------------------------------------ matrices
def _read_matrix(path, fmt, header, sep, rows, cols, fill, fill_value, nas):
    if fmt == "binary":
        if os.path.isdir(path):
            raise OpError(f"read(): '{path}' is a SystemDS binary (part-file directory); dmlpy reads "
                          f"only its own binary files: write the data as csv or text instead")
        with open(path, "rb") as fh:
            head = fh.read(6)
        if head != b"\x93NUMPY":
            raise OpError(f"read(): '{path}' is not a dmlpy binary file (SystemDS's own binary format "
                          f"cannot be read: write the data as csv or text instead)")
        try:
            X = np.load(path, allow_pickle=False)
        except Exception as e:  # noqa: BLE001 - a damaged header fails in NumPy's own parser
            if isinstance(e, (OSError, MemoryError)):
                raise
            raise OpError(f"read(): '{path}' is a damaged dmlpy binary file (its header cannot be "
                          f"read)") from None
        if X.ndim != 2:
            raise OpError(f"read(): '{path}' does not hold a 2-D matrix")
        return np.ascontiguousarray(X, dtype=np.float64)
    text = _read_text_file(path)
    if fmt == "csv":
        return _parse_csv_matrix(text, path, header, sep, fill, fill_value, nas)
    if fmt == "text":
        if rows is None or cols is None:
            raise OpError(f"read(): missing or incomplete dimension information for '{path}': a "
                          f"text (i j v) file needs rows= and cols= or a {path}.mtd file")
        return _parse_ijv(_lines(text), path, rows, cols, 0)
    if fmt == "mm":
        return _parse_mm(text, path)
    if fmt == "libsvm":
        return _parse_libsvm(text, path, sep, rows, cols)
    raise OpError(f"read(): unknown format '{fmt}'")


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


def _parse_ijv(lines, path, rows, cols, first_line):
    ii, jj, vv = [], [], []
    for k, line in enumerate(lines):
        t = line.split()
        if not t:
            continue
        lineno = first_line + k + 1
        if len(t) != 3:
            raise OpError(f"read(): '{path}' line {lineno}: expected 'row col value' but found "
                          f"{len(t)} fields")
        try:
            i, j = int(t[0]), int(t[1])
            v = parse_double(t[2])
        except ValueError:
            raise OpError(f"read(): '{path}' line {lineno}: cannot read '{line.strip()}' as "
                          f"'row col value'") from None
        if i == 0 and j == 0:
            continue          # SystemDS's marker line of an empty matrix
        if i < 1 or j < 1 or (rows is not None and i > rows) or (cols is not None and j > cols):
            raise OpError(f"read(): '{path}' line {lineno}: cell ({i}, {j}) is outside the "
                          f"{rows if rows is not None else '?'}x{cols if cols is not None else '?'} matrix")
        ii.append(i)
        jj.append(j)
        vv.append(v)
    n = rows if rows is not None else (max(ii) if ii else 0)
    m = cols if cols is not None else (max(jj) if jj else 0)
    X = np.zeros((n, m))
    if ii:
        X[np.array(ii) - 1, np.array(jj) - 1] = vv
    return X


def _parse_mm(text, path):
    lines = _lines(text)
    if not lines or not lines[0].startswith("%%MatrixMarket"):
        raise OpError(f"read(): '{path}' line 1: not a Matrix Market file (no %%MatrixMarket header)")
    head = lines[0].lower().split()
    layout = head[2] if len(head) > 2 else "coordinate"
    field = head[3] if len(head) > 3 else "real"
    symm = head[4] if len(head) > 4 else "general"
    k = 1
    while k < len(lines) and (lines[k].startswith("%") or not lines[k].strip()):
        k += 1
    if k >= len(lines):
        raise OpError(f"read(): '{path}': the Matrix Market size line is missing")
    try:
        size = [int(x) for x in lines[k].split()]
    except ValueError:
        raise OpError(f"read(): '{path}' line {k + 1}: bad Matrix Market size line") from None
    n, m = size[0], size[1]
    if layout == "array":
        vals = " ".join(lines[k + 1:]).split()
        if len(vals) != n * m:
            raise OpError(f"read(): '{path}': expected {n * m} values but found {len(vals)}")
        return np.ascontiguousarray(np.array(vals, dtype=np.float64).reshape(m, n).T)
    body = lines[k + 1:]
    if field == "pattern":
        body = [l + " 1" if len(l.split()) == 2 else l for l in body]
    X = _parse_ijv(body, path, n, m, k + 1)
    if symm in ("symmetric", "skew-symmetric"):
        sgn = -1.0 if symm == "skew-symmetric" else 1.0
        low = np.tril(X, -1)
        X = X + sgn * low.T
    return X


def _parse_libsvm(text, path, sep, rows, cols):
    lines = [l for l in _lines(text) if l.strip()]
    splitter = re.compile(r"[\s" + re.escape(sep) + r"]+")
    labels, feats = [], []
    maxj = 0
    for k, line in enumerate(lines):
        t = [x for x in splitter.split(line.strip()) if x]
        try:
            labels.append(parse_double(t[0]))
            f = []
            for tok in t[1:]:
                a, b = tok.split(":")
                j = int(a)
                if j < 1:
                    raise ValueError(tok)
                f.append((j, parse_double(b)))
                maxj = max(maxj, j)
        except ValueError:
            raise OpError(f"read(): '{path}' line {k + 1}: cannot read '{line.strip()[:60]}' as "
                          f"libsvm (label, index:value ...)") from None
        feats.append(f)
    # SystemDS reads cols feature columns plus the label (a written n x m matrix reads back n x m+1)
    m = cols + 1 if cols is not None else maxj + 1
    if maxj + 1 > m:
        raise OpError(f"read(): '{path}': feature index {maxj} does not fit {m} columns")
    X = np.zeros((len(lines), m))
    for i, f in enumerate(feats):
        for j, v in f:
            X[i, j - 1] = v
        X[i, m - 1] = labels[i]
    return X


# ------------------------------------------------------------------ frames
def _split_csv_line(line, sep):
    if '"' not in line:
        return line.split(sep)
    out, cur, q, i = [], [], False, 0
    while i < len(line):
        ch = line[i]
        if q:
            if ch == '"':
                if i + 1 < len(line) and line[i + 1] == '"':
                    cur.append('"')
                    i += 1
                else:
                    q = False
            else:
                cur.append(ch)
        elif ch == '"':
            q = True
        elif line.startswith(sep, i):
            out.append("".join(cur))
            cur = []
            i += len(sep)
            continue
        else:
            cur.append(ch)
        i += 1
    out.append("".join(cur))
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
        rows = [[None if c == "" or c in nas else c for c in _split_csv_line(l, sep)] for l in lines]
        m = len(names) if names is not None else (len(rows[0]) if rows else (cols or 0))
        for k, r in enumerate(rows):
            if len(r) != m:
                raise OpError(f"read(): '{path}' line {k + 1 + (1 if header else 0)}: expected {m} "
                              f"values but found {len(r)}")
        schema = _parse_schema(sch, m)
        if len(schema) != m:
            raise OpError(f"read(): '{path}': the schema has {len(schema)} types but the data "
                          f"{m} columns")
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
