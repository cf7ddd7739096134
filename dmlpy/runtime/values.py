"""Runtime values. Scalars are plain Python values (int = INT64, float = FP64, bool, str);
matrices are 2-D C-contiguous float64 NumPy arrays; lists are DMLList; frames are Frame."""
from __future__ import annotations

import sys

from ..errors import OpError

INT64_MIN = -(1 << 63)
INT64_MAX = (1 << 63) - 1


def wrap_int(x: int) -> int:
    """INT64 arithmetic wraps around, as in Java."""
    if INT64_MIN <= x <= INT64_MAX:
        return x
    return ((x - INT64_MIN) & 0xFFFFFFFFFFFFFFFF) + INT64_MIN


def java_long(x) -> int:
    """A double cast to INT64 as Java's (long) does: toward zero, saturating, NaN gives 0."""
    if x != x:
        return 0
    if x >= 9.223372036854775807e18:
        return INT64_MAX
    if x <= -9.223372036854775808e18:
        return INT64_MIN
    return int(x)


class DMLList:
    """An immutable DML list: values with optional names (all named or none)."""

    __slots__ = ("values", "names")

    def __init__(self, values, names=None):
        self.values = list(values)
        self.names = list(names) if names is not None else None

    def __len__(self):
        return len(self.values)

    def position(self, key) -> int:
        """0-based position of a 1-based index or a name."""
        if isinstance(key, str):
            if self.names is None or key not in self.names:
                raise OpError(f"list has no element named '{key}'")
            return self.names.index(key)
        i = int(key)
        if not 1 <= i <= len(self.values):
            raise OpError(f"list index {i} is out of bounds for a list of length {len(self.values)}")
        return i - 1

    def get(self, key):
        return self.values[self.position(key)]

    def slice(self, lo, hi):
        lo, hi = self.position(lo), self.position(hi)
        if hi < lo:
            raise OpError(f"list range {lo + 1}:{hi + 1} is empty")
        names = self.names[lo:hi + 1] if self.names is not None else None
        return DMLList(self.values[lo:hi + 1], names)

    def with_item(self, key, value) -> "DMLList":
        vals = list(self.values)
        names = list(self.names) if self.names is not None else None
        if isinstance(key, str) and (names is None or key not in names):
            if names is None and vals:
                raise OpError(f"cannot add the named element '{key}' to a list without names")
            vals.append(value)
            names = (names or []) + [key]
            return DMLList(vals, names)
        if not isinstance(key, str) and int(key) == len(vals) + 1:
            vals.append(value)
            if names is not None:
                names.append(str(len(vals)))
            return DMLList(vals, names)
        vals[self.position(key)] = value
        return DMLList(vals, names)


def is_matrix(v) -> bool:
    """A matrix value: a dense array, a sparse one (a scipy csr_array, dmlpy.sparse) or, in a
    -gpu run, one in device memory (dmlpy.backends.cuda.place.DeviceMatrix)."""
    n = type(v).__name__
    return n == "ndarray" or n == "csr_array" or n == "DeviceMatrix"


def type_name(v) -> str:
    """DML's name of a value's type, for messages."""
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, int):
        return "int"
    if isinstance(v, float):
        return "double"
    if isinstance(v, str):
        return "string"
    if is_matrix(v):
        return f"matrix ({v.shape[0]}x{v.shape[1]})" if getattr(v, "ndim", 0) == 2 else "matrix"
    if isinstance(v, DMLList):
        return "list"
    return {"nonetype": "nothing", "tuple": "several values"}.get(type(v).__name__.lower(),
                                                                   type(v).__name__.lower())


# --------------------------------------------------------------- copy-on-write support
# A matrix may be updated in place by X[i, j] = v only when no other variable, list or view holds
# it. The reference count of an array held by exactly one local variable, as seen from inside
# `owned(X)` called as `owned(v_X)` from generated code, is measured once here.
def _probe_refcount():
    import numpy as np

    def probe(a):
        return sys.getrefcount(a)

    def gen():
        v_x = np.zeros((1, 1))
        return probe(v_x)
    return gen()


_SOLE = None


def sole_owner(a) -> bool:
    """True when `a` (passed straight from a local variable) is referenced by nothing else."""
    global _SOLE
    if _SOLE is None:
        _SOLE = _probe_refcount()
    # +1: the caller of sole_owner passes `a` on from its own parameter
    return a.base is None and sys.getrefcount(a) <= _SOLE + 1 and a.flags.writeable
