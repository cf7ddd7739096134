"""Matrix operations on NumPy arrays, with SystemDS's shape rules and messages."""
from __future__ import annotations

import sys

import numpy as np

from ..backends import DEVICE as _G
from ..backends import empty as _alloc_empty
from ..backends import matrix as _matrix
from ..errors import OpError
from . import kahan
from .values import java_long, sole_owner, type_name

np.seterr(all="ignore")

F64 = np.float64
_DT = [F64]     # the dtype of results: float32 while a single-precision run is in progress


def _precision(p):
    _DT[0] = np.float32 if p == "single" else F64


def _follow_precision():
    from ..backends import follow_precision
    follow_precision(_precision)


_follow_precision()


def shape_str(a) -> str:
    return f"{a.shape[0]}x{a.shape[1]}"


def _check_shapes(op, a, b):
    if a.shape == b.shape:
        return
    ra, ca = a.shape
    rb, cb = b.shape
    if (rb == 1 and cb == ca) or (cb == 1 and rb == ra) or (rb == 1 and cb == 1):
        return  # right operand is a row or column vector, or 1x1: broadcast
    raise OpError(f"mismatch in dimensions for operation '{op}': the left operand is "
                  f"{shape_str(a)} and the right operand is {shape_str(b)} (a vector broadcasts "
                  "only as the right operand)")


def _mod(a, b):
    return a - np.trunc(a / b) * b


def _intdiv(a, b):
    return np.trunc(a / b)


def _b(f):
    return lambda a, b: f(a, b).astype(F64)


_OPS = {
    "+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide, "^": np.power,
    "%%": _mod, "%/%": _intdiv,
    "<": _b(np.less), "<=": _b(np.less_equal), ">": _b(np.greater), ">=": _b(np.greater_equal),
    "==": _b(np.equal), "!=": _b(np.not_equal),
    "&": lambda a, b: np.logical_and(a != 0, b != 0).astype(F64),
    "|": lambda a, b: np.logical_or(a != 0, b != 0).astype(F64),
    "xor": lambda a, b: np.logical_xor(a != 0, b != 0).astype(F64),
    "min": np.minimum, "max": np.maximum,
}


def _scalar(v, op):
    if isinstance(v, (bool, int, float)):
        return float(v)
    raise OpError(f"operator '{op}' cannot be applied to a {type_name(v)}")


_UFUNCS = {op: f for op, f in _OPS.items() if isinstance(f, np.ufunc)}   # they take out=
_POOLED = 1 << 17       # cells from which a result comes from the backend's recycled buffers


def binary(op, a, b):
    f = _OPS[op]
    if _G[0] is not None:           # a -gpu run: on the device where it can be
        if _dev_mat(a) and _dev_mat(b):
            _check_shapes(op, a, b)
        from ..backends.cuda import devops
        r, (_, a, b) = _G[0].run(devops.binary, op, op, a, b)
        if r is not NotImplemented:
            return r
    am, bm = type(a) is np.ndarray, type(b) is np.ndarray
    if not (am and bm) and (type(a).__name__ == "csr_array" or type(b).__name__ == "csr_array"):
        from ..sparse.ops import binary as sparse_binary
        return sparse_binary(op, a, b)
    if am and bm:
        _check_shapes(op, a, b)
        if a.size >= _POOLED and op in _UFUNCS and a.dtype == F64 and b.dtype == F64:
            return _UFUNCS[op](a, b, out=_empty(a.shape))
        r = f(a, b)
    elif am:
        b = _scalar(b, op)
        if a.size >= _POOLED and op in _UFUNCS and a.dtype == F64:
            return _UFUNCS[op](a, b, out=_empty(a.shape))
        r = f(a, b)
    else:
        a = _scalar(a, op)
        if b.size >= _POOLED and op in _UFUNCS and b.dtype == F64:
            return _UFUNCS[op](a, b, out=_empty(b.shape))
        r = f(a, b)
    return _matrix(r)


def _empty(shape):
    return _alloc_empty(shape, F64)


def _dev_mat(v) -> bool:
    """A dense matrix on the host or on the device (a -gpu run's DeviceMatrix)."""
    return type(v) is np.ndarray or type(v).__name__ == "DeviceMatrix"


def _on_device(form, name, *args):
    """(result, args): form on the device in a -gpu run, else NotImplemented and host args."""
    from ..backends.cuda import devops
    return _G[0].run(getattr(devops, form), name, *args)


def _csr(v) -> bool:
    """A sparse matrix value (dmlpy.sparse): its operations are in dmlpy.sparse.ops."""
    return type(v).__name__ == "csr_array"


def unary(op, a):
    if _G[0] is not None:
        r, (_, a) = _on_device("unary", "-(unary)" if op == "-" else op, op, a)
        if r is not NotImplemented:
            return r
    if _csr(a):
        from ..sparse.ops import unary as sparse_unary
        return sparse_unary(op, a)
    if op == "-":
        return -a
    if op == "!":
        return (a == 0).astype(_DT[0])
    raise OpError(f"unknown unary operator {op}")


def matmul(a, b):
    if _G[0] is not None:
        if _dev_mat(a) and _dev_mat(b) and a.shape[1] != b.shape[0]:
            raise OpError(f"invalid dimensions for matrix multiplication: {shape_str(a)} %*% "
                          f"{shape_str(b)} (k1={a.shape[1]}, k2={b.shape[0]})")
        r, (a, b) = _on_device("matmul", "%*%", a, b)
        if r is not NotImplemented:
            return r
    if (type(a) is not np.ndarray or type(b) is not np.ndarray) and (_csr(a) or _csr(b)):
        from ..sparse.ops import matmul as sparse_matmul
        return sparse_matmul(a, b)
    if a.shape[1] != b.shape[0]:
        raise OpError(f"invalid dimensions for matrix multiplication: {shape_str(a)} %*% "
                      f"{shape_str(b)} (k1={a.shape[1]}, k2={b.shape[0]})")
    if type(a) is np.ndarray and type(b) is np.ndarray and a.dtype == F64 and b.dtype == F64:
        r = _sysds_matmul(a, b)
        if r is not None:
            return r
    from ..backends import kernel
    r = kernel("matmul")(a, b)
    return with_nonfinite(a, b, r, kernel("matmul"))


def with_nonfinite(a, b, r, product):
    """r (a BLAS product) with SystemDS's NaN/Inf cells where r holds any (see matmul_nonfinite)."""
    if type(a) is np.ndarray and type(b) is np.ndarray:
        from . import matmul_nonfinite as nf
        if nf.result_suspect(r):
            return nf.correct(a, b, r, product)
    return r


def sysds_product(a, b):
    """a %*% b in SystemDS's order for checked host operands (two double matrices whose shapes
    fit), or None where that is not followed (then BLAS): for dmlpy.runtime.planops."""
    if type(a) is np.ndarray and type(b) is np.ndarray and a.dtype == F64 and b.dtype == F64:
        return _sysds_matmul(a, b)
    return None


def _sysds_matmul(a, b):
    """a %*% b in SystemDS's order (dmlpy.kernels.sysds_matmul) where it applies, else None."""
    m, cd = a.shape
    n = b.shape[1]
    if not (cd > 1 and 0 < m * cd * n <= kahan.SYSDS_MM_MAX_WORK):
        return None
    na, nb = np.count_nonzero(a), np.count_nonzero(b)
    if na and nb and kahan.sparse_by_count(cd, n, nb):
        return None                      # right operand held sparse: other kernels, not followed
    if na and nb and kahan.sparse_by_count(m, cd, na):
        from ..kernels import sysds_matmul_sparse as S   # left held sparse: its kernels
        return S.matmul(a, b) if S.applies(a, na) else None
    from ..kernels import sysds_matmul   # (an empty operand gives zeros there, as SystemDS)
    return sysds_matmul.matmul(a, b)


def self_product(a):
    """X %*% t(X) in SystemDS's tsmm order where that is cheap to follow, else BLAS."""
    if _G[0] is not None:
        r, (a,) = _on_device("self_product", "%*%", a)
        if r is not NotImplemented:
            return r
    if _csr(a):
        from ..sparse.ops import tsmm_right
        return tsmm_right(a)
    n, m = a.shape
    if 1 < n and n * n * m <= kahan.TSMM_MAX_WORK:
        return _matrix(kahan.self_product(a), a.dtype)     # float32 in, float32 out
    return _matrix(a @ a.T, a.dtype)


# ------------------------------------------------------------------ indexing
def _bounds(lo, hi, n, what, name):
    """1-based inclusive [lo, hi] (None = whole dimension) -> 0-based slice, with checks."""
    if lo is None:
        return 0, n
    lo = _index_int(lo, what)
    hi = lo if hi is None else _index_int(hi, what)
    if lo < 1 or lo > n:
        raise OpError(f"{what} index {lo} is out of bounds: {name} has {n} {what}s")
    if hi < lo or hi > n:
        if hi < lo:
            raise OpError(f"{what} index range {lo}:{hi} is empty (upper bound below lower bound)")
        raise OpError(f"{what} index {hi} is out of bounds: {name} has {n} {what}s")
    return lo - 1, hi


def _index_int(v, what):
    if type(v) is int:
        return v
    if isinstance(v, float):
        return java_long(v)  # as SystemDS: NaN counts as index 0
    if type(v) is bool:
        return int(v)
    if type(v) is np.ndarray and v.size == 1:
        return java_long(float(v.flat[0]))
    raise OpError(f"a {what} index must be a number, not a {type_name(v)}")


def get(X, rlo, rhi, clo, chi, name="the matrix"):
    if type(X).__name__ == "DeviceMatrix":
        r0, r1 = _bounds(rlo, rhi, X.shape[0], "row", name)
        c0, c1 = _bounds(clo, chi, X.shape[1], "column", name)
        r, (X, *_) = _on_device("get", "index", X, r0, r1, c0, c1)
        if r is not NotImplemented:
            return r
    if type(X) is not np.ndarray:
        if _csr(X):
            from ..sparse import index
            return index.get(X, rlo, rhi, clo, chi, name)
        raise OpError(f"cannot index a {type_name(X)} with [rows, cols]")
    r0, r1 = _bounds(rlo, rhi, X.shape[0], "row", name)
    c0, c1 = _bounds(clo, chi, X.shape[1], "column", name)
    return X[r0:r1, c0:c1].copy()


def cell(X, i, j, name="the matrix"):
    """X[i, j] as a double (the as.scalar(X[i, j]) pattern)."""
    if type(X).__name__ == "DeviceMatrix":
        r, c = _index_int(i, "row"), _index_int(j, "column")
        if 1 <= r <= X.shape[0] and 1 <= c <= X.shape[1]:
            from ..backends.cuda import devops
            return devops.cell(_G[0], X, r - 1, c - 1)
        from ..backends.cuda.place import host
        X = host(X, "index")         # out of bounds: the CPU code says so
    if type(X) is not np.ndarray:
        if _csr(X):
            from ..sparse import index
            return index.cell(X, i, j, name)
        raise OpError(f"cannot index a {type_name(X)} with [rows, cols]")
    r = _index_int(i, "row")
    c = _index_int(j, "column")
    n, m = X.shape
    if not 1 <= r <= n:
        raise OpError(f"row index {r} is out of bounds: {name} has {n} rows")
    if not 1 <= c <= m:
        raise OpError(f"column index {c} is out of bounds: {name} has {m} columns")
    return float(X[r - 1, c - 1])


def set_region(X, rlo, rhi, clo, chi, v, name="the matrix"):
    """X[rows, cols] = v: in place when X has no other holder, else on a copy. Returns X."""
    if _G[0] is not None and (type(X).__name__ == "DeviceMatrix"
                              or type(v).__name__ == "DeviceMatrix"):
        X, v = _set_on_device(X, rlo, rhi, clo, chi, v, name)
        if v is _DONE:
            return X
    if type(X) is not np.ndarray or type(v).__name__ == "csr_array":
        if _csr(X) or _csr(v):
            from ..sparse import index
            refs = sys.getrefcount(X)        # no other holder: written in place (sparse.inplace)
            return index.set_region(X, rlo, rhi, clo, chi, v, name, refs)
        raise OpError(f"cannot assign into a {type_name(X)} with [rows, cols]")
    if not sole_owner(X):
        X = X.copy()
    r0, r1 = _bounds(rlo, rhi, X.shape[0], "row", name)
    c0, c1 = _bounds(clo, chi, X.shape[1], "column", name)
    if type(v) is np.ndarray:
        if v.shape != (r1 - r0, c1 - c0):
            raise OpError(f"dimension mismatch in left indexing: the target region is "
                          f"{r1 - r0}x{c1 - c0} but the value is {shape_str(v)}")
        X[r0:r1, c0:c1] = v
    elif isinstance(v, (int, float, bool)):
        X[r0:r1, c0:c1] = float(v)
    else:
        raise OpError(f"cannot assign a {type_name(v)} into a matrix")
    return X


_DONE = object()


def _set_on_device(X, rlo, rhi, clo, chi, v, name):
    """(result, _DONE) of X[rows, cols] = v on the device, or host X and v for the CPU code."""
    was_dev = type(X).__name__ == "DeviceMatrix"
    if _dev_mat(X):
        r0, r1 = _bounds(rlo, rhi, X.shape[0], "row", name)
        c0, c1 = _bounds(clo, chi, X.shape[1], "column", name)
        if _dev_mat(v) and v.shape != (r1 - r0, c1 - c0):
            raise OpError(f"dimension mismatch in left indexing: the target region is "
                          f"{r1 - r0}x{c1 - c0} but the value is {shape_str(v)}")
        r, (X, *_, v) = _on_device("set_region", "left-index", X, r0, r1, c0, c1, v)
        if r is not NotImplemented:
            return r, _DONE
        return (_own(X) if was_dev else X), v
    from ..backends.cuda.place import host
    return _own(host(X, "left-index")), host(v, "left-index")


def _own(X):
    """A host copy of a device matrix's cells that the CPU code may write into (the one the
    DeviceMatrix keeps must stay equal to its device cells)."""
    return X.copy() if type(X) is np.ndarray else X


def set_cell(X, i, j, v, name="the matrix"):
    """X[i, j] = scalar, the hot path of loops that fill a matrix."""
    if type(X).__name__ == "DeviceMatrix" or type(v).__name__ == "DeviceMatrix":
        from ..backends.cuda.place import host
        if _G[0] is not None:
            _G[0].on_cpu("left-index (cell)", "cell writes run on the host")
        X, v = _own(host(X, "left-index (cell)")), host(v, "left-index (cell)")
    if type(X) is not np.ndarray:
        if _csr(X):
            from ..sparse import index
            refs = sys.getrefcount(X)        # no other holder: written in place (sparse.inplace)
            return index.set_cell(X, i, j, v, name, refs)
        raise OpError(f"cannot assign into a {type_name(X)} with [rows, cols]")
    if not sole_owner(X):
        X = X.copy()
    r = i if type(i) is int else _index_int(i, "row")
    c = j if type(j) is int else _index_int(j, "column")
    n, m = X.shape
    if not 0 < r <= n:
        raise OpError(f"row index {r} is out of bounds: {name} has {n} rows")
    if not 0 < c <= m:
        raise OpError(f"column index {c} is out of bounds: {name} has {m} columns")
    if type(v) is float or type(v) is int:
        X[r - 1, c - 1] = v
    elif type(v) is np.ndarray:
        if v.shape != (1, 1):
            raise OpError(f"dimension mismatch in left indexing: the target is 1x1 but the "
                          f"value is {shape_str(v)}")
        X[r - 1, c - 1] = v[0, 0]
    elif type(v) is bool:
        X[r - 1, c - 1] = float(v)
    else:
        raise OpError(f"cannot assign a {type_name(v)} into a matrix")
    return X
