"""Argument helpers shared by the builtin groups: NumPy on demand, and checks that turn a wrong
argument into an OpError naming the builtin."""
from __future__ import annotations

from ..errors import OpError
from ..runtime.values import type_name


def np():
    """NumPy, imported on first use (scalar-only scripts never load it)."""
    import numpy
    return numpy


def is_matrix(v) -> bool:
    return type(v).__name__ == "ndarray"


def matrix_arg(v, fn, what="argument"):
    """A matrix argument; anything else is an error."""
    if is_matrix(v):
        return v
    raise OpError(f"{fn}() expects a matrix as {what}, got a {type_name(v)}")


def number_arg(v, fn, what="argument"):
    """A numeric scalar argument (booleans count as 0/1, a 1x1 matrix as its cell)."""
    t = type(v)
    if t is int or t is float:
        return v
    if t is bool:
        return int(v)
    if is_matrix(v) and v.size == 1:
        return float(v.flat[0])
    raise OpError(f"{fn}() expects a number as {what}, got a {type_name(v)}")


def float_arg(v, fn, what="argument"):
    return float(number_arg(v, fn, what))
