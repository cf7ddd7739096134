"""Backends: where matrices live and which kernels run an operation.

A backend is an object with
- `name`, `dtype` (the NumPy dtype of its matrices) and `xp` (its array module: NumPy, CuPy);
- `is_matrix(v)`, `to_host(v)` (a NumPy array, for printing and writing), `run_dtype` (the
  dtype of the run's matrices: follows PRECISION);
- allocation and conversion, dtype None meaning `run_dtype`: `empty(shape, dtype)` (uninitialised,
  recycled where the backend can), `zeros`, `full(shape, value, dtype)`, `eye(n, dtype)`,
  `arange(n, dtype)`, `matrix(x, dtype)` (C-contiguous, converted only when needed),
  `array(x, dtype)` (a fresh C-contiguous copy); builtins and operators call them through the
  module-level functions of the same names below, which go to the active backend;
- `kernels`: operation name -> callable, for the operations the plan layer chooses
  (`fused`, `matmul`, `matmul_tn`, `tsmm_left`, `sumsq`).
Backends are looked up lazily by name (`get("cpu")`); importing this package loads nothing.
`cpu` holds NumPy/BLAS and the Numba kernels; `cuda` (dmlpy/backends/cuda/, issue 9) holds device
arrays and numba.cuda kernels (CuPy/cuBLAS when installed); loading it raises a DMLError saying
why when no GPU is usable (numba's CUDA simulator counts as usable: the tests run on it). A -gpu
run keeps the cpu backend active for allocation and places each matrix operation through DEVICE
(dmlpy/backends/cuda/place.py, docs/gpu.md).
"""
from __future__ import annotations

_MODULES = {"cpu": "dmlpy.backends.cpu", "cuda": "dmlpy.backends.cuda"}
_loaded: dict = {}
_active = ["cpu"]
PRECISION = ["double"]      # of the run in progress: "single" makes its matrices float32
# the placement of the -gpu run in progress (dmlpy.backends.cuda.place.Placement), else None:
# the runtime's dispatch points ask it first
DEVICE = [None]


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


# ------------------------------------------------------------------ allocation and conversion
# Builtins and operators allocate and convert matrices through these functions, never through
# np.empty/zeros/full/eye/arange/array/asarray/ascontiguousarray, so that their results live
# where the active backend keeps its matrices (host memory for cpu, the device for cuda).
# NumPy's compute functions (ufuncs, np.sum, @) dispatch to the array's own library and need no
# wrapper. dtype=None is the run's dtype (float64, or float32 in single precision); work arrays
# whose precision a computation depends on pass DOUBLE (or another explicit dtype).
# Each call costs one attribute lookup on the active backend object (no lookup by name); the
# backend is loaded on first use, so importing this package still loads nothing.
DOUBLE = "d"


class _Unloaded:
    """Stands for the active backend until its first use, then steps aside."""

    def __getattr__(self, name):
        return getattr(_bind(active()), name)


_CUR = _Unloaded()      # the active backend object (an _Unloaded until it is loaded)


def _bind(b):
    global _CUR
    _CUR = b
    return b


def use(name: str) -> str:
    """Make the backend called name the active one (loading it); returns the one before."""
    old = _active[0]
    b = get(name)
    _active[0] = name
    _bind(b)
    return old


def empty(shape, dtype=None):
    """An uninitialised array (large 2-D ones recycled where the backend can)."""
    return _CUR.empty(shape, dtype)


def zeros(shape, dtype=None):
    return _CUR.zeros(shape, dtype)


def full(shape, value, dtype=None):
    """An array with every cell value (full(shape, 1.0) for ones)."""
    return _CUR.full(shape, value, dtype)


def eye(n, dtype=None):
    """The n x n identity matrix."""
    return _CUR.eye(n, dtype)


def arange(n, dtype=None):
    """0, 1, ..., n-1 (a 1-D array)."""
    return _CUR.arange(n, dtype)


def matrix(x, dtype=None):
    """x (a backend array, a NumPy array, a number or nested lists) as a C-contiguous array of
    dtype on the backend: x itself when it is one already, else a converted copy. The
    replacement for np.ascontiguousarray(x, dtype=np.float64)."""
    return _CUR.matrix(x, dtype)


def array(x, dtype=None):
    """A new C-contiguous array of dtype on the backend holding x's values (always a copy: safe
    to write into): the replacement for np.array(x, dtype=...)."""
    return _CUR.array(x, dtype)


def to_host(x):
    """x as a NumPy array in host memory (for printing, writing files, Python scalars)."""
    return _CUR.to_host(x)


def run_dtype():
    """The dtype of the run's matrices on the active backend."""
    return _CUR.run_dtype
