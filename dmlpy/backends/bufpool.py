"""Recycled result buffers. Fresh memory is slow on these machines (every new page is faulted in
and zeroed by the kernel: 0.25-6 GB/s, against 24 GB/s for a copy), and a large NumPy array is
given back to the system when it dies, so a loop that computes a new matrix of the same shape in
each iteration pays for fresh pages every time.

The pool keeps the large results it handed out. When one is asked for again with the same shape and
the pool's own reference is the only one left (the variable that held it was reassigned, the list
element replaced), the buffer is reused instead of allocated. A buffer someone still holds (a
variable, a list, a view, the Python caller) is never touched: value semantics are unchanged.
The pool tracks at most LIMIT bytes of buffers (an eighth of the memory; DMLPY_BUFFER_POOL_BYTES);
beyond that it forgets the oldest (freeing them when nobody else holds them), and it forgets all of
them when a run ends.
"""
from __future__ import annotations

import os
import sys
import threading

import numpy as np

MIN_BYTES = 1 << 20          # smaller arrays come from the allocator's own free lists
def _default_limit() -> int:
    try:    # an eighth of the machine's memory
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 8
    except (ValueError, OSError, AttributeError):
        return 1 << 30


LIMIT = int(os.environ.get("DMLPY_BUFFER_POOL_BYTES", 0)) or _default_limit()
_lock = threading.Lock()
_pool: list = []             # [ndarray], oldest first
_held = 0


def _free_refs() -> int:
    """getrefcount() of a pooled array referenced only by the pool, as the loop below sees it."""
    pool = [np.empty(1)]
    for i, a in enumerate(pool):
        return sys.getrefcount(a)
    return 0


_FREE = _free_refs()


def empty(shape, dtype=np.float64) -> np.ndarray:
    """An uninitialised matrix of this shape (doubles unless dtype says otherwise), recycled when a
    dead one is pooled."""
    global _held
    dtype = np.dtype(dtype)
    n = shape[0] * shape[1] * dtype.itemsize
    if n < MIN_BYTES or LIMIT <= 0:
        return np.empty(shape, dtype)
    with _lock:
        for i, a in enumerate(_pool):
            if a.shape == shape and a.dtype == dtype and sys.getrefcount(a) <= _FREE:
                del _pool[i]
                _pool.append(a)         # most recently used last
                return a
        while _held + n > LIMIT and _pool:     # forget the oldest (freed if nobody holds it)
            _held -= _pool.pop(0).nbytes
        out = np.empty(shape, dtype)
        if _held + n <= LIMIT:
            _pool.append(out)
            _held += n
        return out


def clear():
    """Forget every pooled buffer (those nobody holds are freed): when a run ends."""
    global _held
    with _lock:
        _pool.clear()
        _held = 0
