"""The one thread pool of dmlpy's CPU kernels. Numba kernels here are serial `nogil` functions over a
range of independent tasks (image planes, random-number blocks); `parallel` splits the range over the
pool's threads, which compiles several times faster than Numba's `parallel=True` and runs as fast for
these loops. Thread count: Numba's setting (e.g. NUMBA_NUM_THREADS)."""
from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numba

NTHREADS = max(1, int(numba.config.NUMBA_NUM_THREADS))
MIN_WORK = 1 << 15  # elements a thread must get before a call is split; below it runs inline
_lock = threading.Lock()
_executor = None


def executor() -> ThreadPoolExecutor:
    global _executor
    with _lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=NTHREADS, thread_name_prefix="dmlpy-kernel")
        return _executor


_warm: set = set()


def _after_fork_in_child():
    """A forked child (parfor's process workers) has none of the pool's threads: start a fresh
    pool on demand, with a fresh lock."""
    global _lock, _executor
    _lock = threading.Lock()
    _executor = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def first_call(kernel, args) -> bool:
    """True the first time this process calls kernel with arguments of these types: that call
    runs on the calling thread alone, so Numba compiles (or loads from its cache) the kernel
    before other threads call it (never two threads compiling one kernel at once)."""
    key = (id(kernel),) + tuple(getattr(a, "dtype", type(a)) for a in args)
    if key in _warm:
        return False
    with _lock:
        _warm.add(key)
    return True


def parallel(kernel, ntasks, work_per_task, *args, min_work=None, first=0):
    """Run kernel(lo, hi, *args) over [first, first + ntasks) split into contiguous ranges, one per
    thread, when the total work (ntasks * work_per_task) is worth it; inline otherwise."""
    min_work = MIN_WORK if min_work is None else min_work
    k = min(NTHREADS, ntasks, max(1, (ntasks * work_per_task) // max(1, min_work)))
    if k <= 1 or first_call(kernel, args):
        kernel(first, first + ntasks, *args)
        return
    bounds = [first + ntasks * i // k for i in range(k + 1)]
    ex = executor()
    futs = [ex.submit(kernel, bounds[i], bounds[i + 1], *args) for i in range(1, k)]
    kernel(bounds[0], bounds[1], *args)
    for f in futs:
        f.result()


def parallel_split_first(kernel, ntasks, work_per_task, *args, loaded=None, **kw):
    """parallel, except that the process's first call of a kernel is split over the threads too:
    the kernel is compiled (or loaded from Numba's cache) first by a call on an empty range, on
    this thread. Only for kernels that do nothing on an empty range. loaded: called after that
    load, before the work (a caller starting background loads that must not hold Numba's lock
    ahead of this kernel's)."""
    if first_call(kernel, args):
        kernel(0, 0, *args)
    if loaded is not None:
        loaded()
    parallel(kernel, ntasks, work_per_task, *args, **kw)
