"""A fast path for the values paramserv's worker processes exchange (models, gradients), in
wire.py's format: the bytes `dumps` writes are read by wire.loads, and `loads` reads what
wire.dumps writes.

A model crosses a pipe every round, so the per-array cost matters: np.save / np.load build and
parse each array's .npy header as a Python literal (about 0.1 ms an array, 16 arrays for a LeNet
model with its velocities). Here the headers are built and parsed once per (dtype, shape) and the
array bytes are copied as they are. Only lists, DML lists, numbers, None and NumPy arrays of
numbers take the fast path; any other value is written by wire.dumps, and a message holding a tag
this reader does not know is read again, whole, by wire.loads. Nothing here runs code either.
"""
from __future__ import annotations

import struct

import numpy as np

from . import wire

_LEN = struct.Struct("<q")
_F64 = struct.Struct("<d")
_MAGIC = b"\x93NUMPY\x01\x00"
_NUMERIC = set("biuf")
_HEADERS: dict = {}     # (dtype str, shape, fortran) -> .npy header bytes
_PARSED: dict = {}      # .npy header bytes -> (dtype, shape as stored, fortran, count)


def dumps(v) -> bytes:
    parts: list = []
    _put(parts, v)
    return b"".join(parts)


def _put(parts, v):
    from ..runtime.values import DMLList
    t = type(v)
    if t is DMLList:
        parts.append(b"X")
        _put(parts, v.values)
        _put(parts, v.names)
    elif t is list or t is tuple:
        parts.append((b"L" if t is list else b"U") + _LEN.pack(len(v)))
        for x in v:
            _put(parts, x)
    elif t is np.ndarray and v.dtype.kind in _NUMERIC and v.dtype.byteorder in "=<|":
        fortran = not v.flags.c_contiguous and v.flags.f_contiguous
        if not (v.flags.c_contiguous or fortran):
            v = np.ascontiguousarray(v)
        head = _header(v.dtype, v.shape, fortran)
        body = v.T.data if fortran else v.data
        parts.append(b"A" + _LEN.pack(len(head) + v.nbytes))
        parts.append(head)
        parts.append(body.cast("B") if v.nbytes else b"")
    elif t is float:
        parts.append(b"D" + _F64.pack(v))
    else:
        parts.append(wire.dumps(v))


def _header(dtype, shape, fortran) -> bytes:
    key = (dtype.str, shape, fortran)
    head = _HEADERS.get(key)
    if head is None:
        text = "{'descr': %r, 'fortran_order': %r, 'shape': %r, }" % (
            np.lib.format.dtype_to_descr(dtype), fortran, tuple(shape))
        pad = -(len(_MAGIC) + 2 + len(text) + 1) % 64
        text = text + " " * pad + "\n"
        head = _MAGIC + struct.pack("<H", len(text)) + text.encode("latin1")
        _HEADERS[key] = head
    return head


class _Unknown(Exception):
    pass


def loads(b):
    """The value of bytes or a bytes-like object (a memoryview of a shared buffer included: the
    value keeps nothing that points into it)."""
    try:
        value, _ = _get(memoryview(b), 0)
        return value
    except _Unknown:
        return wire.loads(bytes(b))


def _get(m, i):
    tag = m[i:i + 1].tobytes()
    i += 1
    if tag == b"X":
        from ..runtime.values import DMLList
        values, i = _get(m, i)
        names, i = _get(m, i)
        return DMLList(values, names), i
    if tag in (b"L", b"U"):
        (n,) = _LEN.unpack_from(m, i)
        i += _LEN.size
        items = []
        for _ in range(n):
            x, i = _get(m, i)
            items.append(x)
        return (items if tag == b"L" else tuple(items)), i
    if tag == b"A":
        (n,) = _LEN.unpack_from(m, i)
        i += _LEN.size
        return _array(m[i:i + n]), i + n
    if tag == b"D":
        return _F64.unpack_from(m, i)[0], i + _F64.size
    if tag == b"N":
        return None, i
    if tag in (b"T", b"F"):
        return tag == b"T", i
    if tag in (b"I", b"S"):
        (n,) = _LEN.unpack_from(m, i)
        raw = m[i + _LEN.size:i + _LEN.size + n].tobytes()
        i += _LEN.size + n
        return (int(raw.decode()) if tag == b"I" else raw.decode("utf-8", "surrogatepass")), i
    raise _Unknown(tag)


def _array(m):
    if m[:len(_MAGIC)] != _MAGIC:
        raise _Unknown("npy")
    (hlen,) = struct.unpack_from("<H", m, len(_MAGIC))
    start = len(_MAGIC) + 2 + hlen
    head = m[:start].tobytes()
    parsed = _PARSED.get(head)
    if parsed is None:
        import io
        inp = io.BytesIO(head)
        np.lib.format.read_magic(inp)
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(inp)
        if dtype.hasobject:
            raise _Unknown("object array")
        count = 1
        for d in shape:
            count *= int(d)
        parsed = (dtype, shape[::-1] if fortran else shape, fortran, count)
        _PARSED[head] = parsed
    dtype, shape, fortran, count = parsed
    # a copy: nothing of the value points into the message (a shared buffer is written over)
    flat = np.frombuffer(m, dtype=dtype, count=count, offset=start).copy()
    if fortran:
        return flat.reshape(shape).T
    return flat.reshape(shape)
