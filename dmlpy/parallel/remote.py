"""The worker's side of parfor and paramserv on a Dask cluster (the driver's sides: dask_run.py,
ps_dask.py).

A task names the program by its recipe (compile.Recipe: the script, its arguments and the record
of every file its compile read), the parfor body by its function's name in the generated code, and
carries the iteration values of the task and the driver's variables in wire.py's format. A worker
process compiles each program once (kept by the digest of the Python it generates, which must be
the driver's: another dmlpy version on the worker is an error, not a different result) and decodes
the variables of each parfor once. It runs the iterations in the program's session (precision,
function table, NumPy's error state) as a parfor worker (a nested parfor runs serially), with the
prints of the task captured, and answers in wire.py's format: ("ok", changed result variables,
printed text) or ("error", iteration index, message).

Nothing here unpickles what a script wrote: Dask carries plain bytes, strings and the recipe (built
by the driver's compile from its own arguments); values a script computes cross as wire bytes.
"""
from __future__ import annotations

import contextlib
import io
import sys
import threading
from collections import OrderedDict

from . import wire

_LOCK = threading.Lock()
_PROGRAMS: OrderedDict = OrderedDict()     # digest -> Program, the last few
_ENVS: OrderedDict = OrderedDict()         # key -> decoded variables, the last few
_KEEP = 8


class _ThreadOut(io.TextIOBase):
    """sys.stdout of a worker process: a thread running a task writes into its task's buffer,
    any other thread to the stream that was there."""

    def __init__(self, base):
        self.base = base
        self.local = threading.local()

    def write(self, s):
        buf = getattr(self.local, "buf", None)
        return (buf if buf is not None else self.base).write(s)

    def flush(self):
        if getattr(self.local, "buf", None) is None:
            self.base.flush()


def _capture() -> _ThreadOut:
    with _LOCK:
        if not isinstance(sys.stdout, _ThreadOut):
            sys.stdout = _ThreadOut(sys.stdout)
        return sys.stdout


def program(recipe):
    """The compiled program of `recipe`, compiled once per worker process."""
    with _LOCK:
        got = _PROGRAMS.get(recipe.digest)
        if got is not None:
            _PROGRAMS.move_to_end(recipe.digest)
            return got
        prog = recipe.compile()
        if prog.digest != recipe.digest:
            raise RuntimeError("the worker's dmlpy compiles this script differently from the driver's "
                               "(install the same dmlpy version on the driver and the workers)")
        _PROGRAMS[recipe.digest] = prog
        while len(_PROGRAMS) > _KEEP:
            _PROGRAMS.popitem(last=False)
        return prog


def _variables(key: str, blob: bytes) -> dict:
    with _LOCK:
        got = _ENVS.get(key)
        if got is None:
            got = _ENVS[key] = wire.loads(blob)
            while len(_ENVS) > _KEEP:
                _ENVS.popitem(last=False)
        return got


@contextlib.contextmanager
def _running(prog, blas_threads: int):
    """A task's run of `prog`'s code on this worker thread: its prints go to the buffer yielded,
    it runs as a parfor worker (a nested parfor is serial) with `blas_threads` BLAS threads, in
    the program's session."""
    from .blas import limited
    from .local import _set_worker
    out = _capture()
    buf = io.StringIO()
    out.local.buf = buf
    _set_worker(True)
    try:
        with limited(blas_threads), prog.session():
            yield buf
    finally:
        out.local.buf = None
        _set_worker(False)


def run_parfor_task(recipe, body_name: str, iters: list, env_key: str, env_blob: bytes,
                    results: list, blas_threads: int) -> bytes:
    """Run the iterations `iters` of parfor body `body_name` starting from the driver's variables;
    the wire bytes of ("ok", {result variable: value it changed}, printed) or ("error", j, message)
    for the first iteration j that failed."""
    prog = program(recipe)          # a failure here is the worker's: raised, and the task retried
    env0 = _variables(env_key, env_blob)
    body = prog.ns[body_name]
    j = None
    try:
        env = dict(env0)
        with _running(prog, blas_threads) as buf:
            for j, i in enumerate(iters):
                body(i, env)
        changed = {n: env[n] for n in results if n in env and env[n] is not env0.get(n)}
        return wire.dumps(("ok", changed, buf.getvalue()))
    except Exception as e:  # noqa: BLE001 - sent to the driver, which reports it with the position
        return wire.dumps(("error", j, str(e) or type(e).__name__))


def run_ps_segment(recipe, data_key: str, data_blob: bytes, spec, model_blob: bytes, seg: list,
                   blas_threads: int) -> bytes:
    """paramserv on a cluster (ps_dask.py): one worker's segment of batches, from the model it
    pulled; ps_codec's bytes of ("ok", the value it pushes, printed) or ("error", message, printed)."""
    from . import ps_codec
    from .ps_worker import compute, make_task
    prog = program(recipe)
    features, labels, hyperparams = _variables(data_key, data_blob)
    model = ps_codec.loads(model_blob)
    upd, agg, batchsize, freq, model_avg, nbatches = spec
    buf = None
    try:
        with _running(prog, blas_threads) as buf:
            task = make_task(upd, agg, features, labels, hyperparams, batchsize, freq, model_avg, nbatches)
            value = compute(task, model, *seg)
        return ps_codec.dumps(("ok", value, buf.getvalue()))
    except Exception as e:  # noqa: BLE001 - sent to the driver, which reports it with the position
        return ps_codec.dumps(("error", str(e) or type(e).__name__, buf.getvalue() if buf else ""))
