"""Embedding API: run DML from Python with NumPy arrays in and out.

    dmlpy.run("Y = X %*% t(X); s = sum(Y)", inputs={"X": x}, outputs=["Y", "s"])
    p = dmlpy.prepare(script, inputs=["X"], outputs=["Y"]);  p(X=x1);  p(X=x2)
"""
from __future__ import annotations

from pathlib import Path

from . import types as T
from .compile import compile_program


def to_dml(v):
    """A Python value as a DML runtime value."""
    if isinstance(v, (bool, int, float, str)):
        return v
    if type(v).__module__ == "numpy" and hasattr(v, "item") and getattr(v, "ndim", 1) == 0:
        return v.item()
    if isinstance(v, (list, tuple, dict)):
        from .runtime.values import DMLList
        if isinstance(v, dict):
            return DMLList([to_dml(x) for x in v.values()], [str(k) for k in v])
        return DMLList([to_dml(x) for x in v])
    import numpy as np
    a = np.array(v, dtype=np.float64, order="C", copy=True)
    if a.ndim == 0:
        return float(a)
    if a.ndim == 1:
        a = a.reshape(-1, 1)
    if a.ndim != 2:
        raise ValueError(f"a DML matrix has two dimensions; got an array of shape {a.shape}")
    return a


def from_dml(v):
    from .runtime.values import DMLList
    if isinstance(v, DMLList):
        vals = [from_dml(x) for x in v.values]
        return dict(zip(v.names, vals)) if v.names else vals
    return v


class Prepared:
    """A script compiled once, run many times (SystemDS's JMLC use)."""

    def __init__(self, script: str | None, inputs, outputs, args=None, path=None, types=None):
        self.inputs = list(inputs or [])
        self.outputs = list(outputs or [])
        types = types or {}
        self.program = compile_program(script, path, cmdargs=args,
                                       inputs={n: types.get(n) for n in self.inputs},
                                       outputs=self.outputs)

    def __call__(self, **values):
        missing = [n for n in self.inputs if n not in values]
        extra = [n for n in values if n not in self.inputs]
        if missing or extra:
            raise TypeError(f"inputs: missing {missing}, unexpected {extra}")
        result = self.program(*(to_dml(values[n]) for n in self.inputs))
        return {k: from_dml(v) for k, v in (result or {}).items()}


def prepare(script: str, inputs=(), outputs=(), args=None) -> Prepared:
    return Prepared(script, inputs, outputs, args)


def run(script: str, inputs: dict | None = None, outputs=(), args=None) -> dict:
    inputs = {k: to_dml(v) for k, v in (inputs or {}).items()}
    p = Prepared(script, list(inputs), outputs, args, types={k: T.of_value(v) for k, v in inputs.items()})
    result = p.program(*inputs.values())
    return {k: from_dml(v) for k, v in (result or {}).items()}


def run_file(path, args=None, inputs: dict | None = None, outputs=()) -> dict:
    inputs = {k: to_dml(v) for k, v in (inputs or {}).items()}
    p = Prepared(None, list(inputs), outputs, args, path=str(Path(path)),
                 types={k: T.of_value(v) for k, v in inputs.items()})
    result = p.program(*inputs.values())
    return {k: from_dml(v) for k, v in (result or {}).items()}
