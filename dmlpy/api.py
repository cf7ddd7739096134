"""Embedding API: run DML from Python with NumPy arrays in and out.

    dmlpy.run("Y = X %*% t(X); s = sum(Y)", inputs={"X": x}, outputs=["Y", "s"])
    p = dmlpy.prepare(script, inputs=["X"], outputs=["Y"]);  p(X=x1);  p(X=x2)
"""
from __future__ import annotations

from pathlib import Path

from . import types as T
from .compile import compile_program
from .errors import DMLValidationError

_KIND = {"c": ("complex numbers", "the imaginary part would be lost"),
         "U": ("strings", "a DML matrix holds numbers: convert the array with astype(float) first"),
         "S": ("byte strings", "a DML matrix holds numbers"),
         "O": ("Python objects", "give a float array, or a list for a DML list"),
         "M": ("dates", "a DML matrix holds numbers"), "m": ("time spans", "a DML matrix holds numbers"),
         "V": ("records", "give a float array, not a structured one")}


def _bad(where, what):
    return DMLValidationError(f"{where}: {what}")


def to_dml(v, where="input"):
    """A Python value as a DML runtime value, or a DMLError saying why it has none.

    bool, int (64 bits), float and str are DML scalars (NumPy scalars too); list and tuple are DML
    lists, dict a named list (string keys); a NumPy array (or anything with __array__) of booleans,
    integers or floats is a matrix of doubles (1-D: one column); dmlpy's own Frame and list values
    pass as they are; a scipy.sparse matrix or array (any format) is a matrix held sparse when
    large and sparse enough (dmlpy.sparse; else dense), and such a result comes back as a
    scipy.sparse.csr_array. Refused: None, integers beyond 64 bits, complex numbers, arrays of strings,
    objects, dates or records, masked arrays, more than two dimensions, and any other object."""
    if isinstance(v, bool):
        return bool(v)
    if isinstance(v, int):
        if not -(1 << 63) <= v < (1 << 63):
            raise _bad(where, f"the integer {v} does not fit in a DML integer (64 bits); give a float "
                              f"if an approximate value will do")
        return int(v)
    if isinstance(v, float):
        return float(v)
    if isinstance(v, str):
        return str(v)
    if v is None:
        raise _bad(where, "None has no DML value (give float('nan') for a missing number)")
    kind = type(v).__name__
    if kind in ("DMLList", "Frame") and type(v).__module__.startswith("dmlpy."):
        return v
    if isinstance(v, (list, tuple)):
        from .runtime.values import DMLList
        return DMLList([to_dml(x, f"{where}[{i + 1}]") for i, x in enumerate(v)])
    if isinstance(v, dict):
        from .runtime.values import DMLList
        for k in v:
            if not isinstance(k, str):
                raise _bad(where, f"the key {k!r} is not a string (a named DML list has string names)")
        return DMLList([to_dml(x, f"{where}[{k!r}]") for k, x in v.items()], list(v))
    if type(v).__module__.startswith("scipy.sparse"):
        from .sparse.convert import from_scipy
        return from_scipy(v, where)
    import numpy as np
    if isinstance(v, np.ma.MaskedArray):
        raise _bad(where, "a masked array has no DML value (fill the masked cells first, e.g. "
                          "a.filled(np.nan))")
    if isinstance(v, (np.ndarray, np.generic)):
        a = v
    elif hasattr(v, "__array__"):
        try:
            a = np.asarray(v)
        except Exception as e:  # noqa: BLE001 - any failure of a foreign __array__
            raise _bad(where, f"cannot convert a {kind} to an array: {e}") from None
    else:
        raise _bad(where, f"a {kind} has no DML value (give a number, a boolean, a string, a NumPy "
                          f"array, or a list or dict of those)")
    if a.ndim == 0:
        dk = a.dtype.kind
        if dk == "f":
            return float(a)
        if dk in "iu":
            return to_dml(int(a), where)
        if dk == "b":
            return bool(a)
        if dk == "c":
            raise _bad(where, f"a NumPy {a.dtype.name} value has no DML value (the imaginary part "
                              f"would be lost)")
        item = a.item()
        if isinstance(item, np.generic):
            raise _bad(where, f"a NumPy {a.dtype.name} value has no DML value")
        return to_dml(item, where)
    dk = a.dtype.kind
    if dk not in "biuf":
        desc, hint = _KIND.get(dk, (a.dtype.name, "give a float array"))
        raise _bad(where, f"an array of {desc} has no DML value ({hint})")
    if a.ndim == 1:
        a = a.reshape(-1, 1)
    if a.ndim != 2:
        raise _bad(where, f"a DML matrix has two dimensions; got an array of shape {a.shape}")
    from . import backends      # a copy the caller cannot change, where the backend keeps matrices
    return backends.array(a, backends.DOUBLE)


def from_dml(v):
    from .runtime.values import DMLList
    if isinstance(v, DMLList):
        vals = [from_dml(x) for x in v.values]
        return dict(zip(v.names, vals)) if v.names else vals
    if type(v).__name__ == "ndarray":
        from . import backends  # the caller gets NumPy arrays whatever the backend
        return backends.to_host(v)
    if type(v).__name__ == "DeviceMatrix":      # a result of a run on the GPU
        from .backends.cuda.place import host
        return host(v, "result").copy()
    return v        # a sparse matrix comes back as the scipy.sparse.csr_array it is


class Prepared:
    """A script compiled once, run many times (SystemDS's JMLC use)."""

    def __init__(self, script: str | None, inputs, outputs, args=None, path=None, types=None,
                 precision=None, dask=None, backend="cpu"):
        self.dask = dask
        if backend not in ("cpu", "cuda"):
            raise ValueError(f"backend must be 'cpu' or 'cuda', not {backend!r}")
        if backend == "cuda":
            from .backends.cuda import require
            require(False)      # a DMLError saying why when no GPU is usable
        self.inputs = list(inputs or [])
        self.outputs = list(outputs or [])
        types = types or {}
        import numpy as np
        with np.errstate(all="ignore"):   # compiling may import modules that set NumPy's state
            from .plan import options
            self.program = compile_program(script, path, cmdargs=args,
                                           inputs={n: types.get(n) for n in self.inputs},
                                           outputs=self.outputs,
                                           plan=options(precision=precision, backend=backend))

    def __call__(self, **values):
        missing = [n for n in self.inputs if n not in values]
        extra = [n for n in values if n not in self.inputs]
        if missing or extra:
            raise TypeError(f"inputs: missing {missing}, unexpected {extra}")
        return self._run([to_dml(values[n], f"input '{n}'") for n in self.inputs])

    def _run(self, inputs) -> dict:
        from .parallel.dask_run import using
        with using(self.dask):
            result = self.program(*inputs)
        return {k: from_dml(v) for k, v in (result or {}).items()}


def prepare(script: str, inputs=(), outputs=(), args=None, precision=None, dask=None,
            backend="cpu") -> Prepared:
    """Compile once; precision: "double" (default) or "single" (float32 matrices); dask: a Dask
    scheduler address or distributed.Client on which parfor loops run (docs/parfor.md);
    backend: "cpu" (default) or "cuda" (matrix operations on the GPU, as -gpu: docs/gpu.md)."""
    return Prepared(script, inputs, outputs, args, precision=precision, dask=dask,
                    backend=backend)


def run(script: str, inputs: dict | None = None, outputs=(), args=None, precision=None, dask=None,
        backend="cpu") -> dict:
    inputs = {k: to_dml(v, f"input '{k}'") for k, v in (inputs or {}).items()}
    p = Prepared(script, list(inputs), outputs, args, types={k: T.of_value(v) for k, v in inputs.items()},
                 precision=precision, dask=dask, backend=backend)
    return p._run(list(inputs.values()))


def run_file(path, args=None, inputs: dict | None = None, outputs=(), precision=None, dask=None,
             backend="cpu") -> dict:
    inputs = {k: to_dml(v, f"input '{k}'") for k, v in (inputs or {}).items()}
    p = Prepared(None, list(inputs), outputs, args, path=str(Path(path)),
                 types={k: T.of_value(v) for k, v in inputs.items()}, precision=precision, dask=dask,
                 backend=backend)
    return p._run(list(inputs.values()))
