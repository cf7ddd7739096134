"""What one paramserv worker computes between two talks with the server, free of any transport.

A worker trains on its part of the rows in batches of `batchsize` rows. Its work is cut into
*segments*: the batches between two pushes (see `segments`). Given the model it pulled, a segment
yields the value it pushes (`compute`):

- freq=BATCH: one batch; its gradients (with modelAvg: the model after applying the aggregation
  function to the pulled model with them).
- freq=EPOCH: all batches of the part; the sum of their gradients, the worker applying the
  aggregation function to its own copy of the model after each batch but the last (modelAvg:
  after every batch, and the push is that copy).
- freq=NBATCHES: `nbatches` batches (the last group of an epoch may be shorter); the sum of their
  gradients, updating its own copy after every batch (modelAvg: the push is that copy).

`compute` takes and returns plain values (DML lists of matrices and numbers), so the same worker
loop runs on threads, on forked processes (ps_procs) and on any other transport: the transport
carries the model to the worker, calls `compute(task, model, lo, hi)` there and carries the value
back. A `Task` holds the worker's part of the rows and the compiled DML functions; `make_task`
builds one from the functions' names in the running program's function table.
"""
from __future__ import annotations

from dataclasses import dataclass

from .ps_server import add_lists


@dataclass
class Task:
    """One worker's fixed inputs: its rows, the DML functions and the settings."""
    upd: object            # ps_funcs.DMLFunction: gradients of one batch
    agg: object            # ps_funcs.DMLFunction: the aggregation (update rule)
    features: object       # this worker's rows (a matrix)
    labels: object
    hyperparams: object    # DMLList or None
    batchsize: int
    freq: str              # "BATCH", "EPOCH" or "NBATCHES"
    model_avg: bool
    nbatches: int = 1

    @property
    def batches(self) -> int:
        return -(-self.features.shape[0] // self.batchsize)


def make_task(upd: str, agg: str, features, labels, hyperparams=None, batchsize: int = 64,
              freq: str = "EPOCH", model_avg: bool = False, nbatches: int = 1) -> Task:
    """A Task from the names of the gradients and aggregation functions (`ns::f` etc., as
    paramserv takes them), resolved in the function table of the program running in this
    context."""
    from . import ps_funcs as F
    return Task(F.resolve(upd, "gradients"), F.resolve(agg, "aggregation"), features, labels,
                hyperparams, batchsize, freq, model_avg, max(1, nbatches))


def segments(task: Task) -> list:
    """The (lo, hi) batch ranges of one epoch, one per push."""
    nb = task.batches
    if task.freq == "BATCH":
        return [(j, j + 1) for j in range(nb)]
    if task.freq == "EPOCH":
        return [(0, nb)] if nb else []
    step = max(1, task.nbatches)
    return [(j, min(j + step, nb)) for j in range(0, nb, step)]


def plan(task: Task, epochs: int) -> list:
    """Every segment of the whole run, in order."""
    return segments(task) * epochs


def _grad(task: Task, model, j: int):
    lo = j * task.batchsize
    hi = min(lo + task.batchsize, task.features.shape[0])
    return task.upd(model=model, features=task.features[lo:hi], labels=task.labels[lo:hi],
                    hyperparams=task.hyperparams)


def _local(task: Task, model, g):
    return task.agg(model=model, gradients=g, hyperparams=task.hyperparams)


def first_gradient(task: Task, model, seg):
    """The gradients of the first batch of segment `seg` from `model`: what `compute` starts
    with (given to it as `first`, it is not computed again)."""
    return _grad(task, model, seg[0])


def compute(task: Task, model, lo: int, hi: int, first=None):
    """The value the worker pushes after the batches lo..hi-1 of its part, starting from the
    pulled `model` (a DML list); `first`: the gradients of batch lo from it, already computed."""
    def grad(m, j):
        return first if j == lo and first is not None else _grad(task, m, j)
    if task.freq == "BATCH":
        acc = None
        for j in range(lo, hi):
            g = grad(model, j)
            if task.model_avg:
                model = _local(task, model, g)
            else:
                acc = g if acc is None else add_lists(acc, g)
        return model if task.model_avg else acc
    acc, local = None, model
    for j in range(lo, hi):
        g = grad(local, j)
        if not task.model_avg or task.freq == "NBATCHES":
            acc = add_lists(acc, g)
        # EPOCH without averaging skips the update after its last batch (it would be dropped)
        if task.model_avg or task.freq == "NBATCHES" or j < hi - 1:
            local = _local(task, local, g)
    return local if task.model_avg else acc


def answer(transport, task: Task, model, seg, got, where: str):
    """A worker's answer (status, value, printed) to segment `seg` from `model`, as a transport
    takes it: the printed text written out, the value returned when the status is "ok"; else the
    transport closed and the segment computed here, so that an error in the DML functions is
    raised at its DML position (`where` names the workers in the message otherwise)."""
    import sys
    from ..errors import DMLRuntimeError
    status, value, printed = got
    if printed:
        sys.stdout.write(printed)
    if status == "ok":
        return value
    transport.close(abort=True)
    compute(task, model, *seg)      # raises with the DML position where it fails again
    raise DMLRuntimeError(f"paramserv: a worker {where} failed: {value}")
