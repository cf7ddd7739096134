"""paramserv's workers on a Dask cluster: the transport (see ps_run) for mode="REMOTE_SPARK" when a
cluster is given (dask_run.py says how). The server stays in the driver.

What is shipped: the program's recipe once (each Dask worker process compiles it once, as for
parfor: remote.py), each paramserv worker's rows and hyperparameters once, and with every segment
of batches the model that worker goes on with (ps_codec's bytes; a BSP round encodes the model
once for all workers). A segment runs as one Dask task (`remote.run_ps_segment`: ps_worker.compute
with the functions resolved by name in the worker's compiled program) and answers with the value
the worker pushes and what it printed. Segments go out as the server releases them, so ASP workers
run as they come back, and the server applies them in arrival order.

Failures: a task whose Dask worker dies is retried once (retries=1); a second failure stops the
training with paramserv's DML position and the error. An error in the DML functions is not
retried: the driver computes that segment itself, so the error is raised at its DML position.
"""
from __future__ import annotations

import hashlib
import uuid

from ..errors import DMLRuntimeError
from . import ps_codec, wire


class DaskWorkers:
    def __init__(self, tasks, upd: str, agg: str, client):
        from ..runtime import context
        prog = context.program()
        recipe = getattr(prog, "recipe", None)
        if recipe is None:
            raise DMLRuntimeError("paramserv: this program cannot run on a Dask cluster (it was not "
                                  "compiled from a script); give mode=\"LOCAL\"")
        import distributed
        self.c = client
        self.tasks = tasks
        self.run_id = uuid.uuid4().hex[:12]
        self.count = 0
        self.pending: dict = {}                 # task key -> (future, worker, model, segment)
        self.done = distributed.as_completed(loop=client.loop)
        self.threads = max(1, min(client.nthreads().values(), default=1))
        try:
            blobs = [wire.dumps((t.features, t.labels, t.hyperparams)) for t in tasks]
        except TypeError as e:
            raise DMLRuntimeError(f"paramserv: the data cannot be sent to a Dask worker ({e})") from None
        self.keys = [hashlib.sha256(b).hexdigest()[:24] + self.run_id for b in blobs]
        try:
            futures = client.scatter([recipe] + blobs, hash=False)
        except Exception as e:  # noqa: BLE001 - the cluster went away
            raise DMLRuntimeError(f"paramserv: the Dask cluster did not take the data: {e}") from None
        self.recipe_f, self.data_f = futures[0], futures[1:]
        self.specs = [(upd, agg, t.batchsize, t.freq, t.model_avg, t.nbatches) for t in tasks]
        self.last = (None, None)

    def start(self, w, model, seg):
        from . import remote
        if self.last[0] is not model:       # BSP sends one model to every worker: encode it once
            try:
                self.last = (model, ps_codec.dumps(model))
            except TypeError as e:
                raise DMLRuntimeError(f"paramserv: the model cannot be sent to a Dask worker ({e})") from None
        key = f"dmlpy-paramserv-{self.run_id}-{self.count}"
        self.count += 1
        f = self.c.submit(remote.run_ps_segment, self.recipe_f, self.keys[w], self.data_f[w], self.specs[w],
                          self.last[1], list(seg), self.threads, retries=1, pure=False, key=key)
        self.pending[key] = (f, w, model, seg)
        self.done.add(f)

    def wait(self):
        from .ps_worker import answer
        f = next(self.done)
        _, w, model, seg = self.pending.pop(f.key)
        try:
            status, value, printed = ps_codec.loads(f.result())
        except Exception as e:  # noqa: BLE001 - died twice, or the cluster went away
            self.close(abort=True)
            raise DMLRuntimeError(f"paramserv: worker {w + 1}'s batches failed twice on the Dask cluster "
                                  f"({type(e).__name__}: {e})") from None
        return w, answer(self, self.tasks[w], model, seg, (status, value, printed), "on the Dask cluster")

    def close(self, abort=False):
        futures = [p[0] for p in self.pending.values()]
        self.pending.clear()
        self.done.clear()
        if futures:
            self.c.cancel(futures)
        self.c.cancel([self.recipe_f] + list(self.data_f))
