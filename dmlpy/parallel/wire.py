"""The values a parfor worker process sends back to the driver, as bytes in a small tagged format.

No pickle: reading these bytes can only ever build numbers, strings, NumPy arrays of plain dtypes
(through np.load with allow_pickle=False), sparse matrices (scipy csr_array from three such
arrays), lists, dicts, DML lists and frames, never run code.
A value of any other type is refused when it is written.
"""
from __future__ import annotations

import io
import struct

import numpy as np

_LEN = struct.Struct("<q")
_F64 = struct.Struct("<d")


def dumps(v) -> bytes:
    out = io.BytesIO()
    _put(out, v)
    return out.getvalue()


def loads(b: bytes):
    return _get(io.BytesIO(b))


def _put_bytes(out, b: bytes):
    out.write(_LEN.pack(len(b)))
    out.write(b)


def _put(out, v):
    from ..runtime.frame import Frame
    from ..runtime.values import DMLList
    t = type(v)
    if v is None:
        out.write(b"N")
    elif t is bool or t is np.bool_:
        out.write(b"T" if v else b"F")
    elif t is int or isinstance(v, np.integer):
        out.write(b"I")
        _put_bytes(out, str(int(v)).encode())
    elif t is float or isinstance(v, np.floating):
        out.write(b"D" + _F64.pack(float(v)))
    elif t is str:
        out.write(b"S")
        _put_bytes(out, v.encode("utf-8", "surrogatepass"))
    elif t is np.ndarray and v.dtype != object:
        buf = io.BytesIO()
        np.save(buf, v, allow_pickle=False)
        out.write(b"A")
        _put_bytes(out, buf.getvalue())
    elif t.__name__ == "DeviceMatrix":         # a -gpu run's matrix: its cells, from the device
        from ..backends.cuda.place import host
        _put(out, host(v, "transfer to a worker"))
    elif t.__name__ == "csr_array" and t.__module__.startswith("scipy.sparse"):   # dmlpy.sparse
        out.write(b"C")
        _put(out, [list(v.shape), v.data, v.indices, v.indptr])
    elif t is np.ndarray:              # a frame column of strings (and None)
        out.write(b"O")
        _put(out, list(v.shape))
        _put(out, v.ravel().tolist())
    elif t is list or t is tuple:
        out.write(b"L" if t is list else b"U")
        out.write(_LEN.pack(len(v)))
        for x in v:
            _put(out, x)
    elif t is dict:
        out.write(b"M")
        out.write(_LEN.pack(len(v)))
        for k, x in v.items():
            _put(out, k)
            _put(out, x)
    elif t is DMLList:
        out.write(b"X")
        _put(out, v.values)
        _put(out, v.names)
    elif t is Frame:
        out.write(b"R")
        _put(out, [list(v.columns), list(v.schema), v._names, v.nrow])
    else:
        raise TypeError(f"a parfor worker cannot send a value of type {t.__name__}")


def _get_bytes(inp) -> bytes:
    (n,) = _LEN.unpack(inp.read(_LEN.size))
    b = inp.read(n)
    if len(b) != n:
        raise ValueError("truncated message")
    return b


def _get(inp):
    tag = inp.read(1)
    if tag == b"N":
        return None
    if tag in (b"T", b"F"):
        return tag == b"T"
    if tag == b"I":
        return int(_get_bytes(inp).decode())
    if tag == b"D":
        return _F64.unpack(inp.read(_F64.size))[0]
    if tag == b"S":
        return _get_bytes(inp).decode("utf-8", "surrogatepass")
    if tag == b"A":
        return np.load(io.BytesIO(_get_bytes(inp)), allow_pickle=False)
    if tag == b"C":
        from scipy.sparse import csr_array
        shape, data, indices, indptr = _get(inp)
        return csr_array((data, indices, indptr), shape=tuple(shape))
    if tag == b"O":
        shape, vals = _get(inp), _get(inp)
        a = np.empty(len(vals), dtype=object)
        a[:] = vals
        return a.reshape(shape)
    if tag in (b"L", b"U"):
        (n,) = _LEN.unpack(inp.read(_LEN.size))
        items = [_get(inp) for _ in range(n)]
        return items if tag == b"L" else tuple(items)
    if tag == b"M":
        (n,) = _LEN.unpack(inp.read(_LEN.size))
        return {_get(inp): _get(inp) for _ in range(n)}
    if tag == b"X":
        from ..runtime.values import DMLList
        values, names = _get(inp), _get(inp)
        return DMLList(values, names)
    if tag == b"R":
        from ..runtime.frame import Frame
        columns, schema, names, nrow = _get(inp)
        return Frame(columns, schema, names, nrow)
    raise ValueError(f"unknown tag {tag!r}")
