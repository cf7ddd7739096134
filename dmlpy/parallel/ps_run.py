"""The driver's loop of paramserv: it hands each worker its next segment of batches with the model
that worker goes on with, and hands every finished segment to the server (ps_server).

The loop talks to the workers through a *transport*, an object with three methods:

- `start(w, model, seg)`: worker w computes `ps_worker.compute(tasks[w], model, *seg)`; returns
  at once (or after computing it, for the inline transport).
- `wait() -> (w, value)`: the next finished segment, as it arrives; a worker's error is raised
  here (with its DML position: ps_procs re-runs a failed segment in the driver to get it).
- `close(abort)`: ends the workers (abort: after an error, without waiting for their work).
- optionally `finish(server)`: training is over; sets what the workers kept (ps_procs: the
  shared model of ASP's workers, which apply their own pushes).

Transports: `ps_threads.Inline` (one worker, or paramserv inside a parfor worker),
`ps_threads.Threads`, `ps_procs.Forked` (the default for LOCAL on Linux); the lead's Dask
transport plugs in the same way.

Workers kind for LOCAL: the setting DMLPY_PARAMSERV_WORKERS ("threads", "processes" or "auto"),
else DMLPY_PARFOR_WORKERS (parfor's), else "auto": forked processes where the platform can fork,
unless the run looks too small to gain from them (ps_procs.worth_forking: the driver times the first
segment, which it computes itself), then threads. "processes" always forks; "threads" never does.
"""
from __future__ import annotations

import os
from collections import deque

from ..runtime.values import DMLList
from .ps_worker import plan


def kind() -> str:
    """"threads", "processes" or "auto" (see the module docstring)."""
    from . import procs
    want = os.environ.get("DMLPY_PARAMSERV_WORKERS", "").strip().lower() or \
        os.environ.get("DMLPY_PARFOR_WORKERS", "").strip().lower()
    if want == "threads" or not procs.available():
        return "threads"
    return "processes" if want == "processes" else "auto"


def transport_for(tasks: list, epochs: int = 1, workers: str | None = None, utype: str = "ASP",
                  server=None):
    """The transport for these workers' tasks on this machine. Forked BSP workers: worker 0
    computes in the driver (a round waits for every worker, so the driver would only wait).
    Forked ASP workers apply their own pushes to a shared model (ps_shared) when `server` is
    given."""
    from ..backends import DEVICE
    from . import ps_threads
    from .local import in_worker
    if len(tasks) <= 1 or in_worker() or DEVICE[0] is not None:
        return ps_threads.Inline(tasks)   # (a -gpu run: the workers take turns on the device)
    how = workers or kind()
    if how != "threads":
        from . import procs
        if procs.available():
            from .ps_procs import Forked
            return Forked(tasks, epochs, auto=how == "auto", in_driver=utype == "BSP",
                          server=server if utype == "ASP" else None)
    return ps_threads.Threads(tasks)


def drive(server, tasks: list, model, epochs: int, transport) -> None:
    """Train: every worker starts from `model`; returns when every worker has done all its
    segments (the result is server.model). The transport is closed at the end."""
    plans = [plan(t, epochs) for t in tasks]
    pos = [0] * len(tasks)
    busy = 0
    ok = False
    try:
        # each worker starts from its own list (as the server's later models, never written)
        ready = deque((w, DMLList(model.values, model.names)) for w in range(len(tasks)))
        while True:
            while ready:
                w, m = ready.popleft()
                if pos[w] < len(plans[w]):
                    transport.start(w, m, plans[w][pos[w]])
                    pos[w] += 1
                    busy += 1
                else:
                    ready.extend(server.retire(w))
            if not busy:
                break
            w, value = transport.wait()
            busy -= 1
            ready.extend(server.push(w, value))
        finish = getattr(transport, "finish", None)
        if finish is not None:
            finish(server)
        ok = True
    finally:
        transport.close(abort=not ok)
