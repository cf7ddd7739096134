"""read() and write(): matrices, frames and scalars in csv, text (ijv), mm, libsvm and binary files."""
from __future__ import annotations

import os

from .. import backends as B
from .. import types as T
from ..errors import OpError
from ..runtime import io as rio
from ..runtime.values import type_name
from .registry import builtin, r_none


def _lit(a):
    v = getattr(a, "value", None)
    return v if isinstance(v, (str, bool, int, float)) else None


_SCALAR_TYPES = {"double": T.DOUBLE, "fp64": T.DOUBLE, "float": T.DOUBLE, "fp32": T.DOUBLE,
                 "int": T.INT, "integer": T.INT, "int64": T.INT, "int32": T.INT,
                 "boolean": T.BOOL, "bool": T.BOOL, "string": T.STRING, "str": T.STRING}


def _r_read(types, args):
    """The data type comes from data_type=, else from the file's .mtd when the name is a constant."""
    dt = _lit(args[4]) if len(args) > 4 else None
    vt = _lit(args[5]) if len(args) > 5 else None
    if dt is None:
        name = _lit(args[0]) if args else None
        if isinstance(name, str) and os.path.isfile(name + ".mtd"):
            try:
                with open(name + ".mtd", encoding="utf-8") as fh:
                    md = rio.parse_mtd_text(fh.read())
                dt = md.get("data_type", "matrix")
                vt = vt or md.get("value_type")
            except (OSError, ValueError, AttributeError):
                dt = None
        elif isinstance(name, str):
            dt = "matrix"
    if dt is None:
        return T.UNKNOWN
    dt = str(dt).lower()
    if dt == "frame":
        return T.FRAME_T
    if dt == "scalar":
        return _SCALAR_TYPES.get(str(vt or "double").lower(), T.SCALAR_ANY)
    return T.MATRIX_T


@builtin("read", "file, format=?, header=?, sep=?, data_type=?, value_type=?, rows=?, cols=?, "
                 "naStrings=?, fill=?, default=?, schema=?, nnz=?, rows_in_block=?, cols_in_block=?, "
                 "indSep=?", rule=_r_read, pure=False)
def read(file, format, header, sep, data_type, value_type, rows, cols, naStrings, fill, default,
         schema, nnz, rows_in_block, cols_in_block, indSep):
    """read(file, ...): a matrix, frame or scalar; arguments left out come from the file's .mtd."""
    if not isinstance(file, str):
        raise OpError(f"read() expects a file name (a string), got a {type_name(file)}")
    if naStrings is not None and hasattr(naStrings, "values") and not isinstance(naStrings, str):
        naStrings = [str(v) for v in naStrings.values]      # a DML list literal ["NA", "?", ...]
    r = rio.read(file, fmt=format, header=header, sep=sep, data_type=data_type,
                 value_type=value_type, rows=rows, cols=cols, na_strings=naStrings, fill=fill,
                 fill_value=default, schema=schema)
    # files are parsed on the host; a matrix then goes where the backend keeps matrices
    return B.matrix(r, r.dtype) if type(r).__name__ == "ndarray" else r


@builtin("write", "target, file, format='text', header=FALSE, sep=',', sparse=FALSE, "
                  "description=?, rows_in_block=?, cols_in_block=?, indSep=':', data_type=?",
         rule=r_none, nret=0, pure=False, sparse=True)
def write(target, file, format, header, sep, sparse, description, rows_in_block, cols_in_block,
          indSep, data_type):
    """write(x, file, format="text"|"csv"|"mm"|"libsvm"|"binary", header, sep): data plus .mtd.
    data_type= is accepted and, as in SystemDS, ignored: the value's own type is written."""
    if not isinstance(file, str):
        raise OpError(f"write() expects a file name (a string), got a {type_name(file)}")
    if type(target).__name__ == "ndarray":
        target = B.to_host(target)      # files are written from the host
    rio.write(target, file, format, bool(header), sep, description)
