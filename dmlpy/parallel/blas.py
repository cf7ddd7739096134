"""The BLAS's own thread count while parfor workers run: each worker gets cores // workers BLAS
threads (SystemDS likewise runs the operations of a parfor worker single-threaded when the workers
fill the machine), so workers and BLAS threads do not overrun the cores. Works with the OpenBLAS
that NumPy's wheels bundle (scipy-openblas); elsewhere it changes nothing."""
from __future__ import annotations

import ctypes
import glob
import os
from contextlib import contextmanager

_LIB: list = []


def _lib():
    if not _LIB:
        found = None
        try:
            import numpy
            base = os.path.join(os.path.dirname(numpy.__file__), os.pardir, "numpy.libs")
            for path in sorted(glob.glob(os.path.join(base, "libscipy_openblas*.so*"))):
                lib = ctypes.CDLL(path)
                for suffix in ("64_", ""):
                    get = getattr(lib, f"scipy_openblas_get_num_threads{suffix}", None)
                    put = getattr(lib, f"scipy_openblas_set_num_threads{suffix}", None)
                    if get is not None and put is not None:
                        get.restype = ctypes.c_int
                        put.argtypes = [ctypes.c_int]
                        found = (get, put)
                        break
                if found:
                    break
        except OSError:
            found = None
        _LIB.append(found)
    return _LIB[0]


def set_threads(n: int):
    """Set the BLAS thread count; the one before (None where it cannot be set)."""
    lib = _lib()
    if lib is None:
        return None
    old = lib[0]()
    lib[1](max(1, int(n)))
    return old


@contextmanager
def limited(n: int):
    old = set_threads(n)
    try:
        yield
    finally:
        if old is not None:
            set_threads(old)
