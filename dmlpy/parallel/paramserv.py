"""The paramserv builtin: data-parallel training with a parameter server, on one machine.

    model2 = paramserv(model=list(W, b, ...), features=X, labels=Y, upd="ns::gradients",
                       agg="ns::aggregation", epochs=10, [utype=, freq=, batchsize=, k=, scheme=,
                       hyperparams=, val=, val_features=, val_labels=, mode=, nbatches=, modelAvg=,
                       num_backup_workers=, seed=, checkpointing=])

Arguments and defaults are SystemDS 3.4's: utype ASP (BSP, ASP, SBP), freq EPOCH (BATCH, EPOCH,
NBATCHES), batchsize 64, k the number of cores, scheme DISJOINT_CONTIGUOUS (see ps_partition),
nbatches 1, modelAvg FALSE, num_backup_workers 1 (SBP only), mode LOCAL. `upd` computes the
gradients of one batch: a function with the inputs model (list), features and labels (matrices)
and optionally hyperparams (list), returning one list. `agg` applies gradients to a model: inputs
model, gradients and hyperparams (by name), returning one list, the new model. The result is the
model after `epochs` passes over the data (see ps_server for what each mode does).

mode="REMOTE_SPARK" runs the workers on the Dask cluster when one is given (ps_dask.py; the
server stays here), else on this machine like LOCAL, with a one-line notice on stderr;
"FEDERATED" (SystemDS's name for federated data, which dmlpy does not have) is an error, as in
SystemDS's local paramserv. `checkpointing`, `runtime_balancing`, `weighting` and `he` are
accepted and change nothing (SystemDS uses the last three with federated data only).

The server (the aggregation and validation functions) runs in the calling thread; the workers
run in forked processes on Linux, else in threads (ps_run: which, and the setting that chooses).
"""
from __future__ import annotations

import sys

from .. import types as T
from ..builtins.registry import builtin
from ..errors import OpError, RuleError
from ..runtime.values import DMLList, type_name
from . import ps_funcs as F
from .options import cores
from .ps_partition import SCHEMES, partition
from .ps_run import drive, transport_for
from .ps_server import Server
from .ps_worker import Task

PARAMS = ("model", "features", "labels", "val_features", "val_labels", "upd", "agg", "val", "mode",
          "utype", "freq", "epochs", "batchsize", "k", "scheme", "runtime_balancing", "weighting",
          "hyperparams", "checkpointing", "seed", "nbatches", "modelAvg", "he", "num_backup_workers")
REQUIRED = ("model", "features", "labels", "upd", "agg", "epochs")
KINDS = {"model": T.LIST, "features": T.MATRIX, "labels": T.MATRIX, "val_features": T.MATRIX,
         "val_labels": T.MATRIX, "hyperparams": T.LIST}
STRINGS = ("upd", "agg", "val", "mode", "utype", "freq", "scheme", "checkpointing",
           "runtime_balancing", "weighting")
INTS = ("epochs", "batchsize", "k", "seed", "nbatches", "num_backup_workers")
MODES = ("LOCAL", "REMOTE_SPARK", "FEDERATED")
UTYPES = ("BSP", "ASP", "SSP", "SBP")
FREQS = ("BATCH", "EPOCH", "NBATCHES")


def _absent(a) -> bool:
    return type(a).__name__ == "Const" and getattr(a, "value", 0) is None


def _rule(types, args):
    """Compile-time checks, as SystemDS's validation: the required arguments are there and
    every argument has the right kind."""
    for i, name in enumerate(PARAMS):
        if i >= len(args):
            break
        t, a = types[i], args[i]
        if _absent(a):
            if name in REQUIRED:
                raise RuleError(f"named parameter '{name}' is missing")
            continue
        if not t.known:
            continue
        want = KINDS.get(name)
        if want is not None and t.dt != want:
            raise RuleError(f"the argument '{name}' must be a {want}, but it is {t}")
        if name in STRINGS and t != T.STRING:
            raise RuleError(f"the argument '{name}' must be a string, but it is {t}")
        if name in INTS and not (t.dt == T.SCALAR and t.vt in (T.INT_VT, T.DOUBLE_VT)):
            raise RuleError(f"the argument '{name}' must be an integer, but it is {t}")
        if name == "modelAvg" and t.dt != T.SCALAR:
            raise RuleError(f"the argument 'modelAvg' must be a boolean, but it is {t}")
    return T.LIST_T


def _int(name, v, low=None):
    if isinstance(v, bool) or not isinstance(v, (int, float)) or v != int(v):
        raise OpError(f"paramserv(): the argument '{name}' must be an integer, got {v!r}")
    v = int(v)
    if low is not None and v < low:   # SystemDS's two wordings
        raise OpError(f"Paramserv function: The argument '{name}' could not be less than or equal "
                      f"to 0." if name == "epochs" else f"Paramserv function: the number of "
                      f"argument '{name}' could not be less than or equal to 0.")
    return v


def _enum(v, allowed, default, message):
    """A name of one of SystemDS's enumerations (matched with case, as Java's valueOf)."""
    if v is None:
        return default
    if v not in allowed:
        raise OpError(message.format(v))
    return v


def _bool(v) -> bool:
    if isinstance(v, str):
        return v.strip().lower() == "true"   # Java's Boolean.parseBoolean
    return bool(v)


@builtin("paramserv", ", ".join(p if p in ("model", "features", "labels") else f"{p}=?"
                               for p in PARAMS), rule=_rule, pure=False)
def paramserv(model, features, labels, val_features, val_labels, upd, agg, val, mode, utype, freq,
              epochs, batchsize, k, scheme, runtime_balancing, weighting, hyperparams,
              checkpointing, seed, nbatches, modelAvg, he, num_backup_workers):
    """paramserv(model=, features=, labels=, upd=, agg=, epochs=, ...): train a model with a
    parameter server (BSP/ASP/SBP workers on this machine)."""
    if not isinstance(model, DMLList):
        raise OpError(f"paramserv(): the argument 'model' must be a list, got a {type_name(model)}")
    for name, v in (("features", features), ("labels", labels)):
        if type(v).__name__ != "ndarray":
            raise OpError(f"paramserv(): the argument '{name}' must be a matrix, got a {type_name(v)}")
    if features.shape[0] != labels.shape[0]:
        raise OpError(f"paramserv(): features and labels differ in their number of rows "
                      f"({features.shape[0]} and {labels.shape[0]})")
    if hyperparams is not None and not isinstance(hyperparams, DMLList):
        raise OpError(f"paramserv(): the argument 'hyperparams' must be a list, got a "
                      f"{type_name(hyperparams)}")
    for v in model.values:
        if isinstance(v, DMLList) or type_name(v) == "frame":
            raise OpError("Copy list: does not support list or frame.")
    mode = _enum(mode, MODES, "LOCAL", "Paramserv function: not support ps execution mode '{}'")
    if mode == "FEDERATED":
        raise OpError("Paramserv func: not support mode FEDERATED")
    utype = _enum(utype, UTYPES, "ASP", "Paramserv function: not support update type '{}'.")
    if utype == "SSP":
        raise OpError("Paramserv function: Not support update type SSP.")
    freq = _enum(freq, FREQS, "EPOCH", "Paramserv function: not support '{}' update frequency.")
    scheme = _enum(scheme, SCHEMES, "DISJOINT_CONTIGUOUS",
                   "Paramserv function: not support data partition scheme '{}'")
    epochs = _int("epochs", epochs, 1)
    batchsize = 64 if batchsize is None else _int("batchsize", batchsize, 1)
    nbatches = 1 if nbatches is None else _int("nbatches", nbatches)
    if freq == "NBATCHES" and nbatches <= 0:
        raise OpError(f"paramserv(): the argument 'nbatches' must be positive, got {nbatches}")
    workers = cores() if k is None else _int("k", k)
    if workers <= 0:
        raise OpError(f"paramserv(): the argument 'k' (the number of workers) must be positive, "
                      f"got {workers}")
    seed = None if seed is None else _int("seed", seed)
    model_avg = False if modelAvg is None else _bool(modelAvg)
    backup = 1 if num_backup_workers is None else _int("num_backup_workers", num_backup_workers)
    if utype == "ASP" and model_avg:
        raise OpError("paramserv(): modelAvg=TRUE is not supported with utype=\"ASP\" (as in "
                      "SystemDS: use BSP or SBP)")
    if utype == "SBP" and not 0 <= backup < workers:
        raise OpError(f"Invalid number of backup workers (with #workers={workers}): "
                      f"#backup-workers={backup}")

    # checked in SystemDS's order: the server's functions (agg, val), then the workers' (upd)
    agg_f = F.resolve(str(agg), "aggregation")
    F.check_aggregation(agg_f)
    val_t = None
    if val is not None and val_features is not None and val_labels is not None:
        val_f = F.resolve(str(val), "validation")
        F.check_validation(val_f)
        val_t = (val_f, val_features, val_labels)
    upd_f = F.resolve(str(upd), "gradients")
    F.check_update(upd_f)
    from . import dask_run
    from .local import in_worker
    on_cluster = mode == "REMOTE_SPARK" and dask_run.active() and not in_worker()
    if mode == "REMOTE_SPARK" and not on_cluster:
        print("paramserv: mode=REMOTE_SPARK runs on this machine (no Dask cluster given: --dask, "
              "DMLPY_DASK_SCHEDULER)", file=sys.stderr, flush=True)

    parts = partition(scheme, features, labels, workers, seed)
    if not parts:
        return DMLList(model.values, model.names)
    if utype == "SBP" and len(parts) <= backup:
        raise OpError("Effective number of workers is smaller or equal to the number of backup "
                      "workers. Change partitioning scheme to OVERLAP_RESHUFFLE, decrease number of "
                      "backup workers or increase number of rows in dataset.")
    rows_per_worker = -(-features.shape[0] // workers)
    per_epoch = -(-rows_per_worker // batchsize)
    server = Server(model, agg_f, utype, freq, len(parts), hyperparams, model_avg, backup, val_t,
                    per_epoch)
    tasks = [Task(upd_f, agg_f, x, y, hyperparams, batchsize, freq, model_avg, nbatches)
             for x, y in parts]
    if on_cluster:
        from .ps_dask import DaskWorkers
        transport = DaskWorkers(tasks, str(upd), str(agg), dask_run.client())
    else:
        transport = transport_for(tasks, epochs, utype=utype, server=server)
    drive(server, tasks, DMLList(model.values, model.names), epochs, transport)
    return server.model
