"""parfor on a Dask cluster (dask.distributed): the driver's side (the worker's: remote.py).

A cluster is given by `--dask tcp://host:8786` on the command line, the DMLPY_DASK_SCHEDULER
environment variable, or `dask=` in the Python API (an address or a distributed.Client); then every
parfor whose mode is not LOCAL runs its iterations there, cut into tasks by its task partitioner
(`par` workers, default: the threads of the cluster). What is shipped: the program's recipe (the
script, its arguments and the text of every file its compile read; each worker compiles it once),
the driver's variables the body uses (once per parfor, in wire.py's format), and per task the
iteration values. Each task answers with the result variables it changed and what it printed; the
driver merges them as on one machine and writes the prints in task order.

Failures: a task whose worker dies is retried once on another (Dask's `retries=1`); a second failure
stops the run with the parfor's DML position and the worker's error. An error of the DML body (a
failing iteration) is not retried: the driver runs that iteration again itself, so the error is
raised with its DML position. Nothing is merged before every task has succeeded.
"""
from __future__ import annotations

import contextlib
import contextvars
import hashlib
import os
import sys
import uuid

from ..errors import DMLRuntimeError
from . import wire

_TARGET: contextvars.ContextVar = contextvars.ContextVar("dmlpy_dask", default=None)
_CLIENTS: dict = {}        # address -> the distributed.Client this module opened


def configure(target) -> None:
    """Use the cluster `target` (a scheduler address, or a distributed.Client) for the parfors of
    this context from now on; None: the DMLPY_DASK_SCHEDULER setting, if any."""
    _TARGET.set(target or None)


@contextlib.contextmanager
def using(target):
    """Within the block, use the cluster `target` (None: leave the setting as it is)."""
    if target is None:
        yield
        return
    token = _TARGET.set(target)
    try:
        yield
    finally:
        _TARGET.reset(token)


def close() -> None:
    """Close the clients this module opened (a client given by the caller is left open)."""
    while _CLIENTS:
        _, c = _CLIENTS.popitem()
        try:
            c.close()
        except Exception:  # noqa: BLE001 - closing a dead connection
            pass


def _target():
    return _TARGET.get() or os.environ.get("DMLPY_DASK_SCHEDULER", "").strip() or None


def active() -> bool:
    return _target() is not None


def client():
    """The distributed.Client of the configured cluster (an address is connected on first use)."""
    target = _target()
    if target is not None and not isinstance(target, str):
        return target                  # a Client given by the caller
    if target in _CLIENTS:
        return _CLIENTS[target]
    try:
        import distributed
    except ImportError:
        raise DMLRuntimeError("a Dask cluster was given but dask.distributed is not installed "
                              "(pip install 'dmlpy[dask]')") from None
    try:
        c = distributed.Client(target, timeout="20s", set_as_default=False)
    except Exception as e:  # noqa: BLE001 - unreachable scheduler, bad address
        raise DMLRuntimeError(f"cannot connect to the Dask scheduler at {target}: {e}") from None
    _CLIENTS[target] = c
    return c


def threads(c) -> int:
    """The number of task threads in the cluster."""
    return max(1, sum(c.nthreads().values()))


def run(body, iters: list, env0: dict, results, par: int, partitioner: str, tasksize: int) -> list:
    """Run parfor body `body` over `iters` on the cluster; the variables after each task (the
    driver's before the loop, updated with what the task changed), in task order."""
    from ..runtime import context
    from . import remote
    from .local import tasks
    prog = context.program()
    recipe = getattr(prog, "recipe", None)
    if recipe is None or body.__name__ not in prog.ns:
        raise DMLRuntimeError("parfor: this program cannot run on a Dask cluster (it was not compiled "
                              "from a script); give mode=LOCAL")
    c = client()
    k = par if par > 0 else threads(c)
    todo = tasks(len(iters), k, partitioner, tasksize)
    try:
        blob = wire.dumps(env0)
    except TypeError as e:
        raise DMLRuntimeError(f"parfor: a variable cannot be sent to a Dask worker ({e})") from None
    run_id = uuid.uuid4().hex[:12]
    env_key = hashlib.sha256(blob).hexdigest()[:24] + run_id
    names = [n for n, _ in results]
    per_task_threads = max(1, min(c.nthreads().values(), default=1))
    try:
        recipe_f, blob_f = c.scatter([recipe, blob], hash=False)
        futures = [c.submit(remote.run_parfor_task, recipe_f, body.__name__, iters[lo:hi], env_key, blob_f,
                            names, per_task_threads, retries=1, pure=False,
                            key=f"dmlpy-parfor-{run_id}-{t}")
                   for t, (lo, hi) in enumerate(todo)]
    except Exception as e:  # noqa: BLE001 - the cluster went away
        raise DMLRuntimeError(f"parfor: the Dask cluster did not take the tasks: {e}") from None
    answers = []
    try:
        for t, f in enumerate(futures):
            try:
                answers.append(wire.loads(f.result()))
            except Exception as e:  # noqa: BLE001 - the worker died twice, or the cluster went away
                lo, hi = todo[t]
                raise DMLRuntimeError(f"parfor: iterations {lo + 1}..{hi} failed twice on the Dask cluster "
                                      f"({type(e).__name__}: {e})") from None
    finally:
        c.cancel(futures)
    envs, failed = [], None
    for t, got in enumerate(answers):
        if got[0] == "ok":
            envs.append({**env0, **got[1]})
        elif failed is None:
            failed = (todo[t][0] + got[1] if got[1] is not None else None, got[2])
    if failed is not None:
        j, message = failed
        if j is not None:
            body(iters[j], dict(env0))   # raises with the DML position where it fails again
        raise DMLRuntimeError(f"parfor: an iteration failed on a Dask worker: {message}")
    for got in answers:
        sys.stdout.write(got[2])
    return envs
