"""Device forms of the runtime's operations in a -gpu run (place.py says when they are asked).

Each takes the run's Placement and the operands as the CPU operation gets them (host or device
matrices, numbers), after the CPU code's own checks where it makes them (shapes, bounds: the
same messages), and returns the result (a DeviceMatrix, or a number for full aggregates) or
NotImplemented (no device form for these operands) or CPU (it did not fit: recorded), after which
the CPU operation runs on host copies.
Element-wise operations are one-instruction programs of the fused kernel (fused.py): the device
runs the same instruction set as the CPU's fused kernel.
"""
from __future__ import annotations

import numpy as np

from . import arrays
from .place import CPU, DeviceMatrix

_BIN = {"+": "ADD", "-": "SUB", "*": "MUL", "/": "DIV", "^": "POW", "<": "LT", "<=": "LE",
        ">": "GT", ">=": "GE", "==": "EQ", "!=": "NE", "&": "AND", "|": "OR", "min": "MIN2",
        "max": "MAX2", "%%": "MOD", "%/%": "INTDIV"}
_UN = {"-": "NEG", "!": "NOT", "exp": "EXP", "log": "LOG", "sqrt": "SQRT", "abs": "ABS",
       "round": "ROUND", "floor": "FLOOR", "ceil": "CEIL", "sign": "SIGN", "sigmoid": "SIGMOID"}


def _mat(v) -> bool:
    t = type(v)
    return t is DeviceMatrix or t is np.ndarray


def _num(v) -> bool:
    t = type(v)
    return t is float or t is int or t is bool


def _oom(e: BaseException) -> bool:
    """Whether e is the device running out of memory (CuPy's or the CUDA driver's error)."""
    name = type(e).__name__
    return "OutOfMemory" in name or ("CudaAPIError" in name and "OUT_OF_MEMORY" in str(e))


def attempt(P, name: str, nbytes: int, fn):
    """fn() on the device, timed, when nbytes fit: its device array result wrapped (numbers as
    they are); CPU (with the reason recorded) when the operation does not fit."""
    if not P.fits(nbytes):
        P.on_cpu(name, "does not fit in device memory")
        return CPU
    try:
        with P.on_device(name):
            r = fn()
    except Exception as e:          # noqa: BLE001 - out of memory: the CPU takes it
        if not _oom(e):
            raise
        P.on_cpu(name, "out of device memory")
        return CPU
    if r is None or type(r) is float or type(r) is DeviceMatrix or type(r) is tuple:
        return r
    return DeviceMatrix(r)


def _bytes(*vals, out=0) -> int:
    return out + sum(v.nbytes for v in vals if _mat(v))


# ------------------------------------------------------------------ element-wise programs
class _Prog:
    """A one-instruction program for CUDA.fused (the attributes it reads of a plan's Fused)."""
    __slots__ = ("insts", "mats", "scalars", "agg", "cuda_prog")

    def __init__(self, code, layout):
        nm = layout.count("M")
        ops = [layout[:i + 1].count("M") - 1 if c == "M" else nm + layout[:i + 1].count("S") - 1
               for i, c in enumerate(layout)]
        self.insts = [(code, -1, ops[0], ops[1] if len(ops) > 1 else None)]
        self.mats = [None] * nm
        self.scalars = [None] * (len(layout) - nm)
        self.agg = None
        self.cuda_prog = False


_PROGS: dict = {}


def _prog(code, layout):
    p = _PROGS.get((code, layout))
    if p is None:
        p = _PROGS[(code, layout)] = _Prog(code, layout)
    return p


def _kind(v, shape) -> int | None:
    """How a right operand spreads over a result of shape: 0 full, 1 row vector, 2 column."""
    if v.shape == shape:
        return 0
    if v.shape == (1, shape[1]) and shape[0] > 1:
        return 1
    if v.shape == (shape[0], 1) and shape[1] > 1:
        return 2
    return None


def _elementwise(P, name, code, a, b=None, unary=False):
    """The program `code` over a (a matrix, or a number when b is a matrix) and b."""
    if unary:
        layout, mats, nums, shape = "M", [a], [], a.shape
    elif _mat(a) and _mat(b):
        shape = a.shape
        if b.shape == (1, 1) and shape != (1, 1):
            b = cell(P, b, 0, 0)
            layout, mats, nums = "MS", [a], [b]
        else:
            layout, mats, nums = "MM", [a, b], []
    elif _mat(a):
        layout, mats, nums, shape = "MS", [a], [float(b)], a.shape
    else:
        layout, mats, nums, shape = "SM", [b], [float(a)], b.shape
    if shape[0] * shape[1] == 0:
        return NotImplemented
    kinds = [0] + ([_kind(mats[1], shape)] if len(mats) > 1 else [])
    if None in kinds:
        return NotImplemented
    f = _prog(code, layout)
    dt = P.b.run_dtype

    def run():
        dev = [P.upload(m).d for m in mats]
        return P.b.fused(f, (shape, kinds), *dev, *nums)
    return attempt(P, name, _bytes(*mats, out=shape[0] * shape[1] * dt.itemsize), run)


def binary(P, op, a, b):
    """a op b with at least one matrix operand (shapes checked by the caller)."""
    code = _BIN.get(op)
    if code is None or not ((_mat(a) or _num(a)) and (_mat(b) or _num(b))):
        return NotImplemented
    return _elementwise(P, op, code, a, b)


def unary(P, op, a):
    code = _UN.get(op)
    if code is None or not _mat(a):
        return NotImplemented
    return _elementwise(P, "-(unary)" if op == "-" else op, code, a, unary=True)


# ------------------------------------------------------------------ products
def matmul(P, a, b, kind="matmul"):
    """a %*% b (kind matmul), t(a) %*% b (matmul_tn) or a %*% t(b) (matmul_nt), shapes checked."""
    if type(a).__name__ == "csr_array" or type(b).__name__ == "csr_array":
        from . import sparse            # cuSPARSE through CuPy, else the host's sparse kernels
        return sparse.matmul(P, a, b, kind)
    if not (_mat(a) and _mat(b)):
        return NotImplemented
    m = a.shape[1] if kind == "matmul_tn" else a.shape[0]
    n = b.shape[0] if kind == "matmul_nt" else b.shape[1]
    fn = getattr(P.b, kind)
    return attempt(P, "%*%", _bytes(a, b, out=m * n * P.b.run_dtype.itemsize),
                   lambda: fn(P.upload(a).d, P.upload(b).d))


def tsmm_left(P, x):
    return matmul(P, x, x, "matmul_tn")


def self_product(P, x):
    return matmul(P, x, x, "matmul_nt")


def sumsq(P, x):
    from . import reduce
    return _total(P, x, lambda d: reduce.total(d, "sumsq"), "sumsq")


def _total(P, x, fn, name):
    if not _mat(x):
        return NotImplemented
    return attempt(P, name, _bytes(x), lambda: fn(P.upload(x).d))


# ------------------------------------------------------------------ fused chains of the plan
def fused_ok(P, f, vals):
    """(shape, kinds) when the device takes these inputs of the fused program f (matrices of one
    shape, right-only operands may be row or column vectors; numbers), else None."""
    n = len(f.mats)
    rows = cols = 0
    for v in vals[:n]:
        if not _mat(v):
            return None
        r, c = v.shape
        rows, cols = max(rows, r), max(cols, c)
    if rows * cols == 0:
        return None
    kinds = []
    for v, right in zip(vals[:n], f.right):
        k = _kind(v, (rows, cols))
        if k is None or (k and not right):
            return None
        kinds.append(k)
    if not all(_num(v) for v in vals[n:]):
        return None
    return (rows, cols), kinds


def fused_run(P, f, ok, *vals):
    n = len(f.mats)
    shape = ok[0]
    out = shape[0] * shape[1] * P.b.run_dtype.itemsize if f.agg is None else 0

    def run():
        dev = [P.upload(v).d for v in vals[:n]]
        return P.b.fused(f, ok, *dev, *[float(v) for v in vals[n:]])
    r = attempt(P, "fused kernel", _bytes(*vals[:n], out=out), run)
    return r


# ------------------------------------------------------------------ indexing
def get(P, X, r0, r1, c0, c1):
    """X[r0:r1, c0:c1] (0-based, checked) as a new device matrix."""
    if type(X) is not DeviceMatrix:
        return NotImplemented
    return attempt(P, "index", (r1 - r0) * (c1 - c0) * X.dtype.itemsize * 2,
                   lambda: arrays.copy_block(X.d, r0, c0, r1 - r0, c1 - c0))


def cell(P, X, i, j) -> float:
    """One cell (0-based) of a matrix; of a device matrix, copied over alone."""
    if type(X) is not DeviceMatrix:
        return float(X[i, j])
    if X._host is not None:
        return float(X._host[i, j])
    h = arrays.to_host(arrays.copy_block(X.d, i, j, 1, 1))
    P.d2h[0] += 1
    P.d2h[1] += X.dtype.itemsize
    return float(h[0, 0])


def set_region(P, X, r0, r1, c0, c1, v):
    """A copy of X with X[r0:r1, c0:c1] = v (a matrix of that shape, checked, or a number)."""
    if not (type(X) is DeviceMatrix or (type(v) is DeviceMatrix and _mat(X))):
        return NotImplemented
    if not (_mat(v) or _num(v)):
        return NotImplemented

    def run():
        out = P.b.array(P.upload(X).d)           # a copy (CuPy's or a copy kernel)
        if _mat(v):
            arrays.put_block(out, P.upload(v).d, r0, c0)
        else:
            arrays.fill_block(out, float(v), r0, c0, r1 - r0, c1 - c0)
        return out
    return attempt(P, "left-index", _bytes(X, v, out=X.size * X.dtype.itemsize), run)


# ------------------------------------------------------------------ builtins
def _unary_builtin(name):
    code = _UN[name]

    def form(P, x, *rest):
        if rest and any(r is not None for r in rest) or not _mat(x):
            return NotImplemented
        return _elementwise(P, name, code, x, unary=True)
    return form


def _minmax(name):
    def form(P, *args):
        if len(args) == 1 and _mat(args[0]):
            from . import reduce
            return _total(P, args[0], lambda d: reduce.total(d, name), name)
        if len(args) == 2 and (_mat(args[0]) or _mat(args[1])):
            a, b = args
            if _mat(a) and _mat(b):
                from ...runtime.matrix import _check_shapes
                _check_shapes(name, a, b)
            return binary(P, name, a, b)
        return NotImplemented
    return form


def _agg(name, op, axis):
    from . import reduce

    def form(P, x, *rest):
        if rest or not _mat(x):
            return NotImplemented
        if axis == "row":
            return _total(P, x, lambda d: reduce.by_row(d, op), name)
        return _total(P, x, lambda d: reduce.by_col(d, op), name)
    return form


def _row_index(name):
    from . import reduce

    def form(P, x, *rest):
        if rest or not _mat(x) or not x.shape[1]:
            return NotImplemented
        return _total(P, x, lambda d: reduce.row_index(d, name == "rowIndexMax"), name)
    return form


def _means(name, axis):
    sums = _agg(name, "sum", axis)

    def form(P, x, *rest):
        s = sums(P, x, *rest)
        if s is NotImplemented or s is CPU:
            return s
        n = x.shape[1] if axis == "row" else x.shape[0]
        return binary(P, "/", s, float(n)) if n else NotImplemented
    return form


def _full(name):
    from . import reduce

    def form(P, x, *rest):
        if rest or not _mat(x) or not x.size:
            return NotImplemented
        return _total(P, x, (lambda d: reduce.total(d, "sum")) if name == "sum" else reduce.mean,
                      name)
    return form


def _transpose(P, x, *rest):
    if rest or not _mat(x):
        return NotImplemented
    return _total(P, x, P.b.transpose, "t")


def _bind(rows: bool):
    name = "rbind" if rows else "cbind"

    def form(P, *args):
        if len(args) < 2 or not all(_mat(a) for a in args):
            return NotImplemented
        k = 0 if rows else 1
        other = args[0].shape[1 - k]
        if any(a.shape[1 - k] != other for a in args):
            return NotImplemented                   # the CPU form raises SystemDS's message
        total = sum(a.shape[k] for a in args)
        shape = (total, other) if rows else (other, total)

        def run():
            out = arrays.empty(shape, P.b.run_dtype)
            at = 0
            for a in args:
                d = P.upload(a).d
                arrays.put_block(out, d, at if rows else 0, 0 if rows else at)
                at += a.shape[k]
            return out
        return attempt(P, name, _bytes(*args, out=shape[0] * shape[1] * P.b.run_dtype.itemsize),
                       run)
    return form


def _as_matrix(P, x, *rest):
    """as.matrix of a matrix, or of a list holding one: that matrix, where it is."""
    if type(x).__name__ == "DMLList" and len(x.values) == 1:
        x = x.values[0]
    return x if _mat(x) and not rest else NotImplemented


def _reshape(P, data, rows=None, cols=None, byrow=True, *rest):
    """matrix(X, rows, cols) of a device matrix, row by row: the same cells, another shape (a
    view: device matrices are never written in place)."""
    if type(data) is not DeviceMatrix or rest or not byrow or not data.size:
        return NotImplemented
    from ...builtins.core import reshape_dims
    from ...errors import OpError
    try:
        r, c = reshape_dims(data.shape, None if rows is None else int(rows),
                            None if cols is None else int(cols))
    except (OpError, TypeError, ValueError):
        return NotImplemented           # the CPU form says what is wrong
    return DeviceMatrix(data.d.reshape(r, c))


def _shape_of(what):
    def form(P, x, *rest):
        if rest:
            return NotImplemented
        if type(x).__name__ == "DMLList" and what in ("length", "typeof"):
            return len(x.values) if what == "length" else "List"   # (elements stay where they are)
        if type(x) is not DeviceMatrix:
            return NotImplemented
        return {"nrow": x.shape[0], "ncol": x.shape[1], "length": x.size,
                "typeof": "Matrix"}[what]
    return form


BUILTINS = {name: _unary_builtin(name) for name in
            ("exp", "log", "sqrt", "abs", "round", "floor", "ceil", "sign", "sigmoid")}
BUILTINS.update({
    "min": _minmax("min"), "max": _minmax("max"), "sum": _full("sum"), "mean": _full("mean"),
    "rowSums": _agg("rowSums", "sum", "row"), "colSums": _agg("colSums", "sum", "col"),
    "rowMins": _agg("rowMins", "min", "row"), "colMins": _agg("colMins", "min", "col"),
    "rowMaxs": _agg("rowMaxs", "max", "row"), "colMaxs": _agg("colMaxs", "max", "col"),
    "rowMeans": _means("rowMeans", "row"), "colMeans": _means("colMeans", "col"),
    "rowIndexMax": _row_index("rowIndexMax"), "rowIndexMin": _row_index("rowIndexMin"),
    "t": _transpose, "cbind": _bind(False), "rbind": _bind(True), "as.matrix": _as_matrix,
    "matrix": _reshape, "nrow": _shape_of("nrow"), "ncol": _shape_of("ncol"),
    "length": _shape_of("length"), "typeof": _shape_of("typeof"),
})


# ------------------------------------------------------------------ deep-learning kernels
def dnn(P, fn, *args):
    """The DNN kernel fn (the arguments of dmlpy.kernels.dnn's function of that name) on the
    device: conv2d and its backward passes, pooling and backward, bias_add/bias_multiply,
    batch_norm2d and backward, lstm and backward. Results: device matrices (a tuple for the
    kernels with several)."""
    mats = [a for a in args if _mat(a)]
    if not mats:
        return NotImplemented
    if fn in ("bias_add", "bias_multiply"):
        kern, args = P.b.kernels[fn], args[:2]
    else:
        kern = getattr(P.b, fn)

    def run():
        dev = [P.upload(a).d if _mat(a) else a for a in args]
        r = kern(*dev)
        if type(r) is tuple:
            return tuple(DeviceMatrix(x) if x is not None else None for x in r)
        return r
    r = attempt(P, fn, 3 * _bytes(*mats), run)
    return r
