"""paramserv's server, after SystemDS 3.4's local parameter server (what a worker computes:
ps_worker; the loop that connects them: ps_run; the workers' transports: ps_procs, ps_threads).

Every worker trains on its own part of the rows, in batches of `batchsize` rows, and talks to the
server by `push` (what it computed) and `pull` (the model it goes on with). What a worker pushes:

- freq=BATCH: after every batch, the gradients of that batch (computed at the model it pulled).
- freq=EPOCH: once per epoch, the sum of the gradients of all its batches; in between, the worker
  applies the aggregation function to its own copy of the model after each batch but the last.
- freq=NBATCHES: every `nbatches` batches (and at the end of each epoch) the sum of their
  gradients, updating its own copy after every batch; it pulls before the first of each group.
- modelAvg=TRUE: instead of gradients, the model the worker obtained by applying the aggregation
  function to its own copy (after every batch, also the last).

What the server does with a push:

- utype=BSP: waits for the push of every worker, sums the gradients element-wise (in worker
  order; SystemDS sums in order of arrival, which only differs by rounding with 3+ workers) and
  calls the aggregation function once with that sum; then every worker pulls the new model.
  With modelAvg, the models are averaged instead (each scaled by 1/count, then summed) and the
  aggregation function is not called by the server.
- utype=ASP (the default): applies each worker's gradients as they come (one aggregation call per
  push); the pushing worker goes on with the model as it is right after its own update. Forked
  workers apply their pushes themselves, one at a time, to a model in shared memory (ps_shared);
  their push then reaches the server as `Applied`.
- utype=SBP: BSP that does not wait for the `num_backup_workers` slowest workers (default 1):
  a round ends when all but that many have pushed; the next push of each worker left out is
  discarded (it was computed on an old model) and that worker goes on with the current model.

Workers with fewer batches than others (uneven parts) leave the rounds when they are done: the
remaining rounds end with the pushes of the workers still training. (SystemDS waits for them
forever: a BSP run whose parts differ in number of batches hangs after the first epoch.)

Validation (`val=` with val_features and val_labels): after every epoch of updates (BSP: every
round with freq=EPOCH or NBATCHES, every ceil(ceil(n/k)/batchsize) rounds with freq=BATCH; ASP:
after as many pushes), the server calls val(model, val_features, val_labels, hyperparams). SystemDS
only logs its loss and accuracy (at log level INFO); dmlpy runs it and drops the two results.

The server lives in the driver (the process and thread that called paramserv): the aggregation
and validation functions always run there. Every worker works on its own copy of the model list
(a forked worker on the copy it was sent); a matrix is never written in place while another worker
or the server holds it (dmlpy copies a matrix before writing into a shared one).
"""
from __future__ import annotations

from ..errors import OpError
from ..runtime.values import DMLList
from .ps_shared import Applied


def add_lists(acc, g, what="gradients"):
    """The element-wise sum of two lists of matrices (or numbers); acc None: g itself."""
    _numeric(g, what)
    if acc is None:
        return g
    if len(acc) != len(g):
        raise OpError(f"paramserv(): the {what} lists differ in length ({len(acc)} and {len(g)})")
    out = []
    for a, b in zip(acc.values, g.values):
        if getattr(a, "shape", None) != getattr(b, "shape", None):
            raise OpError(f"paramserv(): cannot add {what} of different shapes "
                          f"({_shape(a)} and {_shape(b)})")
        out.append(a + b)
    return DMLList(out, acc.names)


def _shape(v) -> str:
    return f"{v.shape[0]}x{v.shape[1]}" if hasattr(v, "shape") else "a scalar"


def _numeric(lst, what):
    if not isinstance(lst, DMLList):
        raise OpError(f"paramserv(): the {what} must be a list, got a {type(lst).__name__}")
    for v in lst.values:
        if type(v).__name__ != "ndarray" and (isinstance(v, bool) or not isinstance(v, (int, float))):
            raise OpError(f"paramserv(): the {what} must be a list of matrices (or numbers)")


class Server:
    """The server's side, driven by events: `push` and `retire` take what a worker did and
    return the workers released by it, [(worker, model it goes on with)]. The server never
    blocks; the driver loop (ps_run) waits for the workers."""

    def __init__(self, model, agg, utype, freq, workers, hyperparams, model_avg, backup,
                 val=None, batches_per_epoch=-1):
        self.model = model
        self.agg, self.utype, self.freq = agg, utype, freq
        self.hyperparams, self.model_avg, self.backup = hyperparams, model_avg, backup
        self.val, self.batches_per_epoch = val, batches_per_epoch
        self.n = workers
        self.active = set(range(workers))
        self.pending: dict = {}          # worker -> what it pushed in the current round
        self.straggling = [0] * workers
        self.syncs = 0

    def push(self, w: int, value) -> list:
        """Take a worker's push; the workers released, with the model each goes on with."""
        if self.utype == "ASP":
            if isinstance(value, Applied):   # applied by the worker (ps_shared)
                return [(w, None)]
            self.model = self.asp_apply(self.model, self.syncs + 1, value)
            self.syncs += 1
            return [(w, self.model)]
        if self.utype == "SBP" and self.straggling[w] > 0:
            self.straggling[w] -= 1      # computed on an old model: dropped
            return [(w, self.model)]
        self.pending[w] = value
        return self._maybe_close()

    def retire(self, w: int) -> list:
        """A worker has no more batches: rounds no longer wait for it."""
        self.active.discard(w)
        return self._maybe_close()

    def _maybe_close(self) -> list:
        if not self.pending:
            return []
        missing = [w for w in self.active if w not in self.pending]
        if len(missing) > (self.backup if self.utype == "SBP" else 0):
            return []
        if self.utype == "SBP":
            for w in missing:
                self.straggling[w] += 1
        order = sorted(self.pending)
        pushed = [self.pending[w] for w in order]
        self.pending = {}
        if self.model_avg:
            self.model = _average(pushed)
        else:
            acc = None
            for g in pushed:
                acc = add_lists(acc, g)
            self.model = self.agg(model=self.model, gradients=acc, hyperparams=self.hyperparams)
        self.syncs += 1
        if self.freq == "EPOCH" or (self.freq == "NBATCHES" and not self.model_avg) or (
                self.freq == "BATCH" and self.batches_per_epoch > 0
                and self.syncs % self.batches_per_epoch == 0):
            self.validate(self.model)
        return [(w, self.model) for w in order]

    def asp_apply(self, model, syncs: int, gradients):
        """ASP's update number `syncs`: the aggregation of `gradients` into `model` (the new
        model), validated when the update ends an epoch of updates. Where the model is kept is
        the caller's: here (push) or in the workers' shared memory (ps_shared)."""
        model = self.agg(model=model, gradients=gradients, hyperparams=self.hyperparams)
        per = self.n if self.freq == "EPOCH" else self.n * self.batches_per_epoch
        if self.freq == "NBATCHES" or (self.batches_per_epoch != -1 and syncs % per == 0):
            self.validate(model)
        return model

    def validate(self, model):
        if self.val is not None:
            fn, vf, vl = self.val
            fn(model=model, val_features=vf, val_labels=vl, hyperparams=self.hyperparams)


def _average(models: list):
    """SystemDS's model averaging: each model scaled by 1/count, then summed in order."""
    f = 1.0 / len(models)
    acc = None
    for m in models:
        _numeric(m, "models")
        scaled = DMLList([v * f for v in m.values] if f != 1 else m.values, m.names)
        acc = add_lists(acc, scaled, "models")
    return acc
