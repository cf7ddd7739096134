"""The `.mtd` metadata files beside data files: format names, reading an existing .mtd, and the
metadata object a write leaves (the keys SystemDS writes, in its order)."""
from __future__ import annotations

import json
import os
import time

import numpy as np

from ..errors import OpError
from ..sparse import is_sparse
from . import safewrite
from .mtdjson import parse_mtd_text
from .frame import Frame

FORMATS = ("csv", "text", "mm", "libsvm", "binary")
_FORMAT_ALIASES = {"textcell": "text", "ijv": "text", "matrixmarket": "mm", "bin": "binary"}


def _fmt_name(fmt, where):
    f = str(fmt).strip().lower()
    f = _FORMAT_ALIASES.get(f, f)
    if f not in FORMATS:
        raise OpError(f"{where}: unknown format '{fmt}' (expected one of {', '.join(FORMATS)})")
    return f


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
    elif type(value).__name__ == "ndarray" or is_sparse(value):
        md["data_type"] = "matrix"
        md["value_type"] = "double"
        md["rows"] = int(value.shape[0])
        md["cols"] = int(value.shape[1])
        if fmt == "binary":
            md["rows_in_block"] = 1000
            md["cols_in_block"] = 1000
        md["nnz"] = int(np.count_nonzero(value.data if is_sparse(value) else value))
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
