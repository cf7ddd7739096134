"""Backends: where matrices live and which kernels run an operation.

A backend is an object with
- `name`, `dtype` (the NumPy dtype of its matrices) and `xp` (its array module: NumPy, CuPy);
- `is_matrix(v)`, `empty(shape)` (an uninitialised result, recycled where the backend can),
  `to_host(v)` (a NumPy array, for printing and writing);
- `kernels`: operation name -> callable, for the operations the plan layer chooses
  (`fused`, `matmul`, `matmul_tn`, `tsmm_left`, `sumsq`).
Backends are looked up lazily by name (`get("cpu")`); importing this package loads nothing.
`cpu` holds NumPy/BLAS and the Numba kernels; `cuda` is the slot for the GPU backend (issue 9).
"""
from __future__ import annotations

_MODULES = {"cpu": "dmlpy.backends.cpu", "cuda": "dmlpy.backends.cuda"}
_loaded: dict = {}
_active = ["cpu"]
PRECISION = ["double"]      # of the run in progress: "single" makes its matrices float32


def set_precision(p: str) -> str:
    """Set the precision of new matrices; returns the one before."""
    old = PRECISION[0]
    PRECISION[0] = p
    for hook in PRECISION_HOOKS:
        hook(p)
    return old


def follow_precision(hook):
    """hook(precision) is called now and whenever the precision changes (modules that keep the
    result dtype at hand: the matrix operators, the DNN kernels)."""
    PRECISION_HOOKS.append(hook)
    hook(PRECISION[0])


PRECISION_HOOKS: list = []


def get(name: str):
    b = _loaded.get(name)
    if b is not None:
        return b
    from ..errors import DMLError
    if name not in _MODULES:
        raise DMLError(f"unknown backend '{name}' (backends: {', '.join(_MODULES)})")
    import importlib
    try:
        mod = importlib.import_module(_MODULES[name])
    except ModuleNotFoundError as e:
        if e.name != _MODULES[name]:
            raise
        raise DMLError(f"the {name} backend is not available in this dmlpy") from None
    b = _loaded[name] = mod.backend()
    return b


def active():
    """The backend programs run on now."""
    b = _loaded.get(_active[0])
    return b if b is not None else get(_active[0])


def kernel(op: str):
    return active().kernels[op]
