"""Loading the sparse sums' and products' kernels ahead of their first use.

A process's first sparse aggregate loads dmlpy.kernels.sparse_sums from Numba's on-disk cache (about
9 ms of CPU: the import and the load of one compiled entry), which would otherwise be paid inside
the first `sum(X)` or `colSums(X)` of a script; the first sum of a dense vector (the result of
colSums, say) loads kahan_parts' kernel likewise, and the first product with a vector the kernels
of dmlpy.kernels.sysds_matmul_csr. When a large sparse value is being made (rand's generation,
once its own kernels are loaded) or first appears (`choose` keeps one sparse), a background
thread loads them for the value's dtypes while the script goes on
(most of the load runs in LLVM, outside the interpreter lock). Numba serialises compilation with
its own lock, so a kernel call that arrives during the load waits for it and then uses it.

Only a cache that already holds the kernel is loaded this way (a first run compiles it, in seconds,
at its first use as before), and only in a process that has Numba loaded already (a value made by
rand or read from a file has: a scipy matrix handed to the Python API may not);
`DMLPY_SPARSE_WARM=0` turns the thread off.
"""
from __future__ import annotations

import os
import sys
import threading

import numpy as np

WARM_MIN_NNZ = 1 << 16      # smaller values: the sums are cheap, a thread is not worth it
_started: set = set()
_threads: list = []


def warm(x) -> None:
    """Start loading the sums kernel for csr x's dtypes, once per process and dtype pair."""
    warm_types(x.nnz, x.data.dtype, x.indices.dtype, x.indptr.dtype)


def warm_types(nnz, dt, it, pt) -> None:
    """warm for a value of nnz non-zeros with these dtypes of data, indexes and row pointers, to
    be made: a creator that runs long (rand's generation) starts the load as it begins, so that
    the load runs beside it rather than beside the value's first aggregates (on two cores a load
    beside a parallel colSums made it 1.5 to 2x slower)."""
    if nnz < WARM_MIN_NNZ:
        return
    key = (np.dtype(dt).char, np.dtype(it).char, np.dtype(pt).char)
    if key in _started:
        return
    _started.add(key)
    if os.environ.get("DMLPY_SPARSE_WARM", "1").strip() == "0" or "numba" not in sys.modules:
        return
    # imported here, on the script's thread (no import runs concurrently with the script's own);
    # the thread only loads the compiled code
    from ..kernels import kahan_parts, sparse_sums, sysds_matmul_csr
    t = threading.Thread(target=_load, args=(sparse_sums, kahan_parts, sysds_matmul_csr,
                                             np.dtype(dt), np.dtype(it), np.dtype(pt)),
                         name="dmlpy-sparse-warm", daemon=True)
    _threads.append(t)
    t.start()


def _cached(kernel) -> bool:
    """Whether Numba's cache holds compiled code of kernel (its index file exists)."""
    try:
        return os.path.exists(kernel._cache._cache_file._index_path)
    except AttributeError:
        return False


def _load(K, D, P, dt, it, pt):
    """Load K.sums (K: dmlpy.kernels.sparse_sums) for these dtypes of data, indexes and row
    pointers, then the dense sum's kernel (D: kahan_parts) for the data dtype, and (float64) the
    kernels of the products with a vector (P: sysds_matmul_csr)."""
    try:
        if not _cached(K.sums):
            return
        e = np.zeros(1, np.int64)
        s = np.zeros(1)
        K.sums(0, 0, K.SUM, np.zeros(1, dt), np.zeros(1, it), np.zeros(2, pt), e, e, s, s,
               np.zeros((1, 2)), e)     # an empty range: loads, computes nothing
        # and the dense sum, which the vectors those aggregates return meet next (sum(colSums(X)))
        if _cached(D._group_range):
            D._group_range(0, 0, 1, np.zeros(1, dt), e, e, False, False, False, s, s, s, s)
        if dt == np.float64:        # the products with a vector in SystemDS's order
            d, ix, ip = np.zeros(1, dt), np.zeros(1, it), np.zeros(2, pt)
            if _cached(P.mv_rows):
                P.mv_rows(0, 0, d, ix, ip, s, s, True)
            if _cached(P.vm_parts):
                P.vm_parts(0, 0, d, ix, ip, s, e, e, np.zeros((1, 1)))
    except Exception:       # noqa: BLE001 - the first real call loads (or reports) it instead
        pass


def join(timeout: float = 5.0) -> None:
    """Wait for the loads in flight: at exit (none cut off inside LLVM) and before a fork (a
    parfor worker process must not inherit Numba's compiler lock held by a thread it lacks)."""
    for t in _threads:
        if t.is_alive():
            t.join(timeout)


import atexit  # noqa: E402

atexit.register(join)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(before=join)
