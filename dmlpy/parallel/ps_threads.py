"""paramserv transports inside the driver's process (see ps_run for the interface).

- `Inline`: the driver computes each segment itself, when it is started (one worker; paramserv
  called inside a parfor worker).
- `Threads`: one thread per worker, each in a copy of the calling thread's context (the function
  table, NumPy's error state), BLAS limited to cores/k threads while they run. DML functions are
  Python code that holds the GIL between matrix kernels, so threads overlap only in the kernels:
  the fallback where fork is missing, or under DMLPY_PARAMSERV_WORKERS=threads.

A worker's error is the exception itself, raised in the driver by `wait` with its DML position.
"""
from __future__ import annotations

import contextvars
import queue
import threading
from collections import deque

from .ps_worker import compute


class Inline:
    def __init__(self, tasks):
        self.tasks = tasks
        self.done: deque = deque()

    def start(self, w, model, seg):
        self.done.append((w, compute(self.tasks[w], model, *seg)))

    def wait(self):
        return self.done.popleft()

    def close(self, abort=False):
        self.done.clear()


class Threads:
    def __init__(self, tasks):
        from .blas import set_threads
        from .options import cores
        self.tasks = tasks
        self.results: queue.Queue = queue.Queue()
        self.inboxes = [queue.Queue() for _ in tasks]
        self.stop = False
        self.old_blas = set_threads(max(1, cores() // len(tasks)))
        self.threads = [threading.Thread(target=contextvars.copy_context().run,
                                         args=(self._work, w), name=f"dmlpy-paramserv-{w}",
                                         daemon=True) for w in range(len(tasks))]
        for t in self.threads:
            t.start()

    def _work(self, w):
        from .local import _set_worker
        _set_worker(True)        # a parfor inside a worker runs serially
        while True:
            item = self.inboxes[w].get()
            if item is None or self.stop:
                return
            model, seg = item
            try:
                self.results.put((w, True, compute(self.tasks[w], model, *seg)))
            except BaseException as e:  # noqa: BLE001 - raised in the driver by wait()
                self.results.put((w, False, e))

    def start(self, w, model, seg):
        self.inboxes[w].put((model, seg))

    def wait(self):
        w, ok, value = self.results.get()
        if not ok:
            raise value
        return w, value

    def close(self, abort=False):
        from .blas import set_threads
        self.stop = abort
        for box in self.inboxes:
            box.put(None)
        for t in self.threads:
            t.join()
        if self.old_blas is not None:
            set_threads(self.old_blas)
