"""paramserv's server and workers (one machine, worker threads), after SystemDS 3.4's local
parameter server.

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
  push); the pushing worker goes on with the model as it is right after its own update.
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

Every worker works on its own copy of the model list; a matrix is never written in place while
another worker or the server holds it (dmlpy copies a matrix before writing into a shared one).
"""
from __future__ import annotations

import threading

from ..errors import OpError
from ..runtime.values import DMLList


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


class Stop(Exception):
    """Another worker failed: this one ends quietly."""


class Server:
    def __init__(self, model, agg, utype, freq, workers, hyperparams, model_avg, backup,
                 val=None, batches_per_epoch=-1):
        self.model = model
        self.agg, self.utype, self.freq = agg, utype, freq
        self.hyperparams, self.model_avg, self.backup = hyperparams, model_avg, backup
        self.val, self.batches_per_epoch = val, batches_per_epoch
        self.n = workers
        self.cond = threading.Condition()
        self.active = set(range(workers))
        self.pending: dict = {}          # worker -> what it pushed in the current round
        self.round = 0
        self.straggling = [0] * workers
        self.syncs = 0
        self.failed = False

    # ------------------------------------------------------------------ called by workers
    def push(self, w: int, value):
        """Take a worker's push; the model that worker goes on with."""
        with self.cond:
            self._check()
            if self.utype == "ASP":
                self.model = self.agg(model=self.model, gradients=value, hyperparams=self.hyperparams)
                self.syncs += 1
                per = self.n if self.freq == "EPOCH" else self.n * self.batches_per_epoch
                if self.freq == "NBATCHES" or (self.batches_per_epoch != -1 and self.syncs % per == 0):
                    self._validate()
                return self.model
            if self.utype == "SBP" and self.straggling[w] > 0:
                self.straggling[w] -= 1      # computed on an old model: dropped
                return self.model
            r = self.round
            self.pending[w] = value
            self._maybe_close()
            while self.round == r:
                self.cond.wait()
                self._check()
            return self.model

    def retire(self, w: int):
        """A worker has no more batches: rounds no longer wait for it."""
        with self.cond:
            self.active.discard(w)
            if not self.failed:
                self._maybe_close()

    def fail(self):
        with self.cond:
            self.failed = True
            self.cond.notify_all()

    # ------------------------------------------------------------------ rounds
    def _check(self):
        if self.failed:
            raise Stop()

    def _maybe_close(self):
        if not self.pending:
            return
        missing = [w for w in self.active if w not in self.pending]
        if len(missing) > (self.backup if self.utype == "SBP" else 0):
            return
        if self.utype == "SBP":
            for w in missing:
                self.straggling[w] += 1
        pushed = [self.pending[w] for w in sorted(self.pending)]
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
            self._validate()
        self.round += 1
        self.cond.notify_all()

    def _validate(self):
        if self.val is not None:
            fn, vf, vl = self.val
            fn(model=self.model, val_features=vf, val_labels=vl, hyperparams=self.hyperparams)


def _average(models: list):
    """SystemDS's model averaging: each model scaled by 1/count, then summed in order."""
    f = 1.0 / len(models)
    acc = None
    for m in models:
        _numeric(m, "models")
        scaled = DMLList([v * f for v in m.values] if f != 1 else m.values, m.names)
        acc = add_lists(acc, scaled, "models")
    return acc


class Worker:
    def __init__(self, wid, server, upd, agg, features, labels, hyperparams, freq, epochs,
                 batchsize, nbatches, model_avg):
        self.w, self.ps, self.upd, self.agg = wid, server, upd, agg
        self.x, self.y, self.hp = features, labels, hyperparams
        self.freq, self.epochs, self.bs = freq, epochs, batchsize
        self.nbatches, self.model_avg = max(1, nbatches), model_avg

    def _grad(self, model, j):
        lo = j * self.bs
        hi = min(lo + self.bs, self.x.shape[0])
        return self.upd(model=model, features=self.x[lo:hi], labels=self.y[lo:hi], hyperparams=self.hp)

    def _local(self, model, g):
        return self.agg(model=model, gradients=g, hyperparams=self.hp)

    def run(self, model):
        """Train for all epochs, starting from `model` (the worker's first pull)."""
        try:
            nb = -(-self.x.shape[0] // self.bs)
            for _ in range(self.epochs):
                if self.freq == "BATCH":
                    for j in range(nb):
                        g = self._grad(model, j)
                        model = self.ps.push(self.w, self._local(model, g) if self.model_avg else g)
                elif self.freq == "EPOCH":
                    acc = None
                    for j in range(nb):
                        g = self._grad(model, j)
                        if not self.model_avg:
                            acc = add_lists(acc, g)
                        if j < nb - 1 or self.model_avg:
                            model = self._local(model, g)
                    model = self.ps.push(self.w, model if self.model_avg else acc)
                else:   # NBATCHES
                    acc, local = None, model
                    for j in range(nb):
                        g = self._grad(local, j)
                        acc = add_lists(acc, g)
                        local = self._local(local, g)
                        if j % self.nbatches == self.nbatches - 1 or j == nb - 1:
                            model = self.ps.push(self.w, local if self.model_avg else acc)
                            acc, local = None, model
        except Stop:
            raise
        except BaseException:
            self.ps.fail()      # the other workers stop at their next push
            raise
        finally:
            self.ps.retire(self.w)
