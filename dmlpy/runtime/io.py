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

This module holds the entry points read() and write(); the .mtd handling lives in `io_mtd`, the
parsers of each text format in `io_formats` (their names stay importable from here).
"""
from __future__ import annotations

import os

import numpy as np

from ..errors import OpError
from ..sparse import is_sparse
from ..sparse import textio, textwrite
from . import safewrite, textout
from .mtdjson import parse_mtd_text  # noqa: F401 - re-exported (builtins.io)
from .frame import Frame, parse_double
from .io_mtd import (FORMATS, _fmt_name, mtd_path, read_mtd, _mtd_text,  # noqa: F401 - re-exported
                     make_mtd)
from .io_formats import _read_text_file, _parse_csv_matrix, _parse_mm, _read_frame


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
    sparse = is_sparse(value)
    if not (is_scalar or isinstance(value, Frame) or type(value).__name__ == "ndarray" or sparse):
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
                elif sparse:
                    textwrite.save_binary(value, fh)
                else:
                    np.save(fh, np.ascontiguousarray(value, dtype=np.float64), allow_pickle=False)
            else:
                def emit(text, _w=fh.write):
                    _w(text.encode("utf-8"))
                if is_scalar:
                    emit(textout.scalar_text(value))
                elif isinstance(value, Frame):
                    textout.write_frame(value, fmt, header, sep, emit)
                elif sparse:
                    textwrite.write_sparse(value, fmt, header, sep, emit)
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
        X = textwrite.load_binary(path) if head.startswith(b"PK") else None
        if X is not None:
            return X
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
    if fmt == "csv":
        return _parse_csv_matrix(_read_text_file(path), path, header, sep, fill, fill_value, nas)
    # the cell formats are read in chunks, straight into CSR where the result is sparse
    if fmt == "text":
        if rows is None or cols is None:
            raise OpError(f"read(): missing or incomplete dimension information for '{path}': a "
                          f"text (i j v) file needs rows= and cols= or a {path}.mtd file")
        return textio.read_ijv(path, rows, cols)
    if fmt == "mm":
        X = textio.read_mm(path)
        return X if X is not None else _parse_mm(_read_text_file(path), path)
    if fmt == "libsvm":
        return textio.read_libsvm(path, sep, rows, cols)
    raise OpError(f"read(): unknown format '{fmt}'")
