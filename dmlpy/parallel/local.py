"""parfor on one machine: the iterations, cut into tasks, run on worker threads.

The body of a parfor is compiled once, as a function `body(i, env)` of the iteration value and of a
worker's variables (a dict it updates: what one iteration leaves, the next one of the same worker
sees, as in a SystemDS worker). Every worker starts from the driver's variables; a matrix a worker
writes is copied on its first write (dmlpy's copy-on-write), so workers never see each other's
writes. NumPy, BLAS and dmlpy's Numba kernels release the GIL, so threads run matrix work in
parallel. After the loop the result variables are merged (merge.py).

Tasks (SystemDS's task partitioners): FIXED (the default, `tasksize` iterations per task, 1 by
default) and NAIVE (1) hand out small tasks on demand; STATIC gives each worker one contiguous
share; FACTORING hands out shrinking waves (half of what is left, split over the workers), with
FACTORING_CMIN / _CMAX keeping task sizes at least / at most `tasksize`.

A parfor inside a worker (nested, or in a function a worker calls) runs serially in that worker.
An error in an iteration stops the loop: workers take no new iteration, and the first error is
raised in the driver with its DML position.
"""
from __future__ import annotations

import contextvars
import os
import threading
import time

from .merge import merge
from .options import cores

_WORKER = threading.local()


def in_worker() -> bool:
    return getattr(_WORKER, "active", False)


def kind() -> str:
    """"threads" or "processes" (forked workers, where the platform has them): the setting
    DMLPY_PARFOR_WORKERS, else processes where available."""
    want = os.environ.get("DMLPY_PARFOR_WORKERS", "").strip().lower()
    from . import procs
    if want == "threads" or not procs.available():
        return "threads"
    return "processes"


def procs_available() -> bool:
    from . import procs
    return procs.available()


def _set_worker(flag: bool):
    _WORKER.active = flag


SERIAL_WORK = 0.01   # seconds: a loop whose other iterations look shorter than this runs serially


def run(body, iters, env0: dict, results, par: int = 0, partitioner: str = "FIXED", tasksize: int = 1,
        workers: str | None = None, serial_work: float = SERIAL_WORK, mode: str = "UNSPECIFIED"):
    """Run `body(i, env)` for every i of `iters`; the merged result variables, by name. workers:
    "threads" or "processes" (None: kind()). With a Dask cluster given (dask_run.py) and a mode
    other than LOCAL, the iterations run there. The driver runs the first iteration itself; when the
    others would take less than `serial_work` seconds at that pace, it runs them too (starting
    workers would cost more than they save)."""
    iters = list(iters)
    from ..backends import DEVICE
    if DEVICE[0] is not None:   # a -gpu run: one device, already parallel inside each operation;
        par, mode = 1, "LOCAL"  # its iterations run in order here (one stream, no forks)
    if iters and mode != "LOCAL" and not in_worker():
        from . import dask_run
        if dask_run.active():    # a cluster is given: every iteration runs there
            envs = dask_run.run(body, iters, env0, results, par, partitioner, tasksize)
            return {name: merge(env0.get(name), [e.get(name) for e in envs], how)
                    for name, how in results if name in env0}
    k = min(par if par > 0 else cores(), len(iters))
    env = dict(env0)
    start = 0
    if k > 1 and not in_worker() and serial_work > 0:
        t0 = time.perf_counter()
        body(iters[0], env)
        start = 1
        if (time.perf_counter() - t0) * (len(iters) - 1) < serial_work:
            k = 1
    rest = iters[start:]
    k = min(k, len(rest))
    if k <= 1 or in_worker():
        for i in rest:
            body(i, env)
        envs = [env]
    else:
        from .blas import limited
        todo = tasks(len(rest), k, partitioner, tasksize)
        with limited(max(1, cores() // k)):
            if (workers or kind()) == "processes" and procs_available():
                from . import procs
                envs = procs.run(body, rest, env0, env, results, k, todo, _set_worker)
            else:
                envs = _parallel(body, rest, env0, env, k, todo)
    return {name: merge(env0.get(name), [e.get(name) for e in envs], how)
            for name, how in results if name in env0}


def tasks(n: int, k: int, partitioner: str, tasksize: int) -> list:
    """[(start, stop)] index ranges of the tasks over n iterations and k workers."""
    if partitioner == "STATIC":
        return [(n * w // k, n * (w + 1) // k) for w in range(k) if n * w // k < n * (w + 1) // k]
    if partitioner.startswith("FACTORING"):
        out, done = [], 0
        while done < n:
            size = max(1, -(-(n - done) // (2 * k)))
            if partitioner == "FACTORING_CMIN":
                size = max(size, tasksize)
            elif partitioner == "FACTORING_CMAX" and tasksize > 0:
                size = min(size, tasksize)
            for _ in range(k):
                if done >= n:
                    break
                out.append((done, min(n, done + size)))
                done += size
        return out
    size = tasksize if partitioner == "FIXED" and tasksize > 0 else 1
    return [(s, min(n, s + size)) for s in range(0, n, size)]


def _parallel(body, iters, env0, env, k, todo) -> list:
    """Threads: worker 0 is the driver's thread with its variables `env`, the others start from
    the driver's variables before the loop."""
    lock = threading.Lock()
    state = {"next": 0, "error": None}
    envs = [env] + [dict(env0) for _ in range(1, k)]

    def take():
        with lock:
            if state["error"] is not None or state["next"] >= len(todo):
                return None
            state["next"] += 1
            return todo[state["next"] - 1]

    def work(env):
        _WORKER.active = True
        try:
            while True:
                task = take()
                if task is None:
                    return
                for j in range(*task):
                    if state["error"] is not None:
                        return
                    body(iters[j], env)
        except BaseException as e:  # noqa: BLE001 - handed to the driver
            with lock:
                if state["error"] is None:
                    state["error"] = e
        finally:
            _WORKER.active = False

    # each worker runs in a copy of the driver's context (NumPy's quiet error state lives there)
    threads = [threading.Thread(target=contextvars.copy_context().run, args=(work, envs[w]),
                                name=f"dmlpy-parfor-{w}", daemon=True) for w in range(1, k)]
    for t in threads:
        t.start()
    work(envs[0])     # the driver's thread is worker 0
    for t in threads:
        t.join()
    if state["error"] is not None:
        raise state["error"]
    return envs
