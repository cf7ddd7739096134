"""Run-time operations that only the rewrites of dmlpy/plan create: sum of squares, the symmetric
product t(X) %*% X, the product with a transposed operand, and the fused element-wise kernels.
Each checks its operands and gives the result, or the error, of the operators it replaces; the
work goes to the active backend's kernels (dmlpy.backends). NumPy and Numba load on first use."""
from __future__ import annotations

from ..backends import DEVICE as _G
from ..backends import kernel
from ..errors import OpError
from .values import type_name

FUSED_MIN_CELLS = 2048      # below this the operators one by one are as fast as the kernel


def _arr(v) -> bool:
    return type(v).__name__ == "ndarray"


def _csr(v) -> bool:
    """A sparse matrix value (dmlpy.sparse): plan operations on it run dmlpy.sparse's forms, and
    fused chains with a sparse input take the unfused path (fused_ok refuses it)."""
    return type(v).__name__ == "csr_array"


def _mat(v) -> bool:
    return _arr(v) or _csr(v)


def _dm(v) -> bool:
    """A dense matrix on the host or the device (a -gpu run)."""
    return _arr(v) or type(v).__name__ == "DeviceMatrix"


def _device(form, name, *args):
    """(result, args) in a -gpu run: the device form's result, or NotImplemented and the
    arguments as host values for the code below (dmlpy.backends.cuda.place)."""
    from ..backends.cuda import devops
    return _G[0].run(getattr(devops, form), name, *args)


def to_precision(x):
    """A builtin's result in single precision: a double matrix becomes float32 (others pass);
    each of the results of a builtin with several (eigen, transformencode, ...)."""
    if type(x).__name__ in ("ndarray", "csr_array") and x.dtype.char == "d":
        return x.astype("f")
    if type(x) is tuple:
        return tuple(to_precision(v) for v in x)
    return x


def sumsq(x):
    """sum(X^2) in one pass; of a double column vector, SystemDS's t(v) %*% v (a dot product)."""
    if _G[0] is not None:
        r, (x,) = _device("sumsq", "sumsq", x)
        if r is not NotImplemented:
            return r
    if _csr(x):
        from ..sparse.aggs import total
        return total(x, square=True)
    if not _arr(x):
        from ..builtins.core import sum_
        from .ops import pow_
        return sum_(pow_(x, 2))
    if _dot_vectors(x, x):
        from ..kernels import sysds_matmul
        return sysds_matmul.vector_dot(x, x, False)
    return kernel("sumsq")(x)


def _dot_vectors(a, b) -> bool:
    """Whether sum(a * b) is SystemDS's dot product here: host double column vectors of one
    length (SystemDS rewrites sum(v1 * v2) and sum(v^2) of column vectors to t(v1) %*% v2)."""
    from . import kahan
    return (type(a).__name__ == "ndarray" and type(a).__module__ == "numpy" and a.ndim == 2
            and a.shape[1] == 1 and a.dtype.char == "d" and b.shape == a.shape
            and b.dtype.char == "d" and type(b) is type(a)
            and a.shape[0] <= kahan.SYSDS_MM_MAX_WORK)


_DOT = ("dot",)     # fused_ok's answer for sum(v1 * v2) of column vectors: fused_run takes a dot


def _fused_dot(f, vals) -> bool:
    """Whether the fused program is sum(v1 * v2) of two column vectors (SystemDS: t(v1) %*% v2)."""
    return (f.agg == "sum" and len(f.insts) == 1 and len(vals) == 2 and f.insts[0][0] == "MUL"
            and f.insts[0][1] < 0 and _dot_vectors(vals[0], vals[1]))


def sum_of_product(a, b):
    """sum(A %*% B) as sum(t(colSums(A)) * rowSums(B)), without the product; the product's
    error when the operands are not two matrices that fit."""
    from ..builtins.registry import lookup
    if not (_arr(a) and _arr(b)) or a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[0]:
        from .ops import matmul
        return lookup("sum").impl(matmul(a, b))
    cs = lookup("colSums").impl(a)
    rs = lookup("rowSums").impl(b)
    if a.dtype.char == "f":     # single precision: the builtins' results as float32 too
        cs, rs = to_precision(cs), to_precision(rs)
    return lookup("sum").impl(cs.reshape(-1, 1) * rs)


def self_product_left(x):
    """t(X) %*% X."""
    if _G[0] is not None:
        r, (x,) = _device("tsmm_left", "%*%", x)
        if r is not NotImplemented:
            return r
    if _csr(x):
        from ..sparse.ops import tsmm_left
        return tsmm_left(x)
    if not _arr(x):
        raise OpError(f"%*% needs two matrices, got a {type_name(x)} and a {type_name(x)}")
    return kernel("tsmm_left")(x)


def _check_transposed(a, b, kind):
    """The %*% error of t(A) %*% B (kind matmul_tn) or A %*% t(B) whose shapes do not fit."""
    ta = kind == "matmul_tn"
    k1, k2 = (a.shape[0], b.shape[0]) if ta else (a.shape[1], b.shape[1])
    if k1 != k2:
        ra, ca = (a.shape[1], a.shape[0]) if ta else a.shape
        rb, cb = b.shape if ta else (b.shape[1], b.shape[0])
        raise OpError(f"invalid dimensions for matrix multiplication: {ra}x{ca} %*% {rb}x{cb} "
                      f"(k1={k1}, k2={k2})")


def _transposed_on_device(a, b, kind):
    """(result or NotImplemented, a, b) of the transposed product in a -gpu run."""
    if not ((_dm(a) or _csr(a)) and (_dm(b) or _csr(b))):
        return NotImplemented, a, b
    _check_transposed(a, b, kind)
    r, (a, b, _) = _device("matmul", "%*%", a, b, kind)
    return r, a, b


def matmul_tn(a, b):
    """t(A) %*% B."""
    if _G[0] is not None:
        r, a, b = _transposed_on_device(a, b, "matmul_tn")
        if r is not NotImplemented:
            return r
    if (_csr(a) or _csr(b)) and _mat(a) and _mat(b):
        from ..sparse.ops import matmul_tn as sparse_tn
        return sparse_tn(a, b)
    if not (_arr(a) and _arr(b)):
        from ..builtins.registry import lookup
        from .ops import matmul
        return matmul(lookup("t").impl(a), b)
    _check_transposed(a, b, "matmul_tn")
    from .matrix import sysds_product
    cd, m = a.shape
    n = b.shape[1]
    if m * cd > cd * n + m * n:
        # SystemDS's rewrite for a narrow right operand: t(t(B) %*% A)
        r = sysds_product(b.T, a)
        if r is not None:
            return r.T.copy()
    else:
        r = sysds_product(a.T, b)
        if r is not None:
            return r
    from .matrix import with_nonfinite
    return with_nonfinite(a.T, b, kernel("matmul_tn")(a, b), kernel("matmul"))


def matmul_nt(a, b):
    """A %*% t(B)."""
    if _G[0] is not None:
        r, a, b = _transposed_on_device(a, b, "matmul_nt")
        if r is not NotImplemented:
            return r
    if (_csr(a) or _csr(b)) and _mat(a) and _mat(b):
        from ..sparse.ops import matmul_nt as sparse_nt
        return sparse_nt(a, b)
    if not (_arr(a) and _arr(b)):
        from ..builtins.registry import lookup
        from .ops import matmul
        return matmul(a, lookup("t").impl(b))
    _check_transposed(a, b, "matmul_nt")
    from .matrix import sysds_product
    r = sysds_product(a, b.T)
    if r is not None:
        return r
    from .matrix import with_nonfinite
    return with_nonfinite(a, b.T, kernel("matmul_nt")(a, b), kernel("matmul"))


def vector_chain_ok(x, v, w=None):
    """True when the mmchain kernel takes t(X) %*% (X %*% v) (or with w * (X %*% v)): double
    matrices held dense, v and w column vectors that fit, within the emulated work bound; else
    False and the tree as written runs (and reports any error). A sparse X takes two sparse
    products (dmlpy.sparse.ops.xtxv)."""
    if _csr(x):
        n, p = x.shape
        return (_arr(v) and v.shape == (p, 1) and n * p > 0
                and (w is None or (_arr(w) and w.shape == (n, 1))))
    if not (_arr(x) and _arr(v) and (w is None or _arr(w))):
        return False
    if x.ndim != 2 or v.ndim != 2 or x.dtype.char != "d" or v.dtype.char != "d":
        return False
    n, p = x.shape
    if v.shape != (p, 1) or (w is not None and (w.shape != (n, 1) or w.dtype.char != "d")):
        return False
    from . import kahan
    return 0 < n * p <= kahan.SYSDS_MM_MAX_WORK and not kahan.held_sparse(x)


def vector_chain(ok, x, v, w=None):
    """t(X) %*% (X %*% v) or t(X) %*% (w * (X %*% v)) in SystemDS's order."""
    if _csr(x):
        from ..sparse.ops import xtxv
        return xtxv(x, v, w)
    from ..kernels import sysds_matmul
    return sysds_matmul.chain(x, v, w)


def chain_ok(*mats):
    """The cheapest multiplication order of a chain of matrices (a nested tuple of operand
    indexes), or None when an operand is not a matrix or two shapes do not fit (the chain is then
    multiplied as written, which reports the error)."""
    dims = []
    for i, m in enumerate(mats):
        if not _arr(m) or m.ndim != 2 or (i and m.shape[0] != dims[-1]):
            return None
        if not i:
            dims.append(m.shape[0])
        dims.append(m.shape[1])
    n = len(mats)
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            best = None
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
                if best is None or c < best:
                    best, split[i][j] = c, k
            cost[i][j] = best

    def order(i, j):
        return i if i == j else (order(i, split[i][j]), order(split[i][j] + 1, j))
    return order(0, n - 1)


def chain_run(order, *mats):
    """The chain multiplied in the order chain_ok chose."""
    from .matrix import sysds_product
    blas = kernel("matmul")

    def mm(a, b):
        r = sysds_product(a, b)
        return r if r is not None else blas(a, b)

    def go(o):
        return mats[o] if type(o) is int else mm(go(o[0]), go(o[1]))
    return go(order)


def fused_ok(f, *vals):
    """(shape, kinds) when the fused kernel takes these inputs, else None: C-ordered matrices of
    one dtype (double, or float32 in single precision) and one shape of FUSED_MIN_CELLS or more
    cells (a right-operand-only input may be a row or column vector of it; kinds: 0 full, 1 row,
    2 column), and numbers.  _DOT for sum(v1 * v2) of two column vectors, of any length.
    In a -gpu run: the device's check (dmlpy.backends.cuda.devops.fused_ok)."""
    if _G[0] is not None:
        from ..backends.cuda import devops
        return devops.fused_ok(_G[0], f, vals)
    if f.agg is not None and _fused_dot(f, vals):
        return _DOT
    n = len(f.mats)
    rows = cols = 0
    dt = vals[0].dtype.char if n and _arr(vals[0]) else "d"
    for v in vals[:n]:
        if not _arr(v) or v.dtype.char != dt or v.ndim != 2 or not v.flags.c_contiguous:
            return None
        r, c = v.shape
        rows = r if r > rows else rows
        cols = c if c > cols else cols
    if rows * cols < FUSED_MIN_CELLS or dt not in "df":
        return None
    kinds = []
    for v, right in zip(vals[:n], f.right):
        shape = v.shape
        if shape == (rows, cols):
            kinds.append(0)
        elif right and shape == (1, cols) and rows > 1:
            kinds.append(1)
        elif right and shape == (rows, 1) and cols > 1:
            kinds.append(2)
        else:
            return None
    for v in vals[n:]:
        t = type(v)
        if t is not float and t is not int and t is not bool:
            return None
    return (rows, cols), kinds


def fused_run(f, ok, *vals):
    """The fused kernel on inputs that fused_ok accepted; ok is what it returned. (The backend
    measures ownership by reference counts: keep this a plain forwarding call.)"""
    if _G[0] is not None:
        r, args = _device("fused_run", "fused kernel", f, ok, *vals)
        if r is not NotImplemented:
            return r
        vals = args[2:]
    if ok is _DOT:          # a scalar result: no ownership to measure
        from ..kernels import sysds_matmul
        return sysds_matmul.vector_dot(vals[0], vals[1], True)
    return kernel("fused")(f, ok, *vals)


def nary_ok(op, *vals):
    """Whether the n-ary + or * (dmlpy.plan.rewrites.nary_chains) computes these operands the
    way SystemDS's n+ / n* does: dense host matrices of one shape (at least one) and numbers;
    else the chain is computed as written."""
    shape = None
    for v in vals:
        t = type(v)
        if t is float or t is int or t is bool:
            continue
        if not _arr(v) or v.ndim != 2 or (shape is not None and v.shape != shape):
            return False
        shape = v.shape
    return shape is not None


def nary_run(op, ok, *vals):
    """SystemDS's n-ary + (*): init = 0 (1) combined with each number in order, then with each
    matrix in order (the first into a new matrix, the others in place)."""
    plus = op == "+"
    init = 0.0 if plus else 1.0
    for v in vals:
        t = type(v)
        if t is float or t is int or t is bool:
            init = init + float(v) if plus else init * float(v)
    out = None
    for v in vals:
        if _arr(v):
            if out is None:
                out = (init + v) if plus else (init * v)
            elif plus:
                out += v
            else:
                out *= v
    return out


def masked_ok(kind, w, a, b, x=None):
    """Check of the masked product W * f(A %*% t(B), X) (dmlpy.sparse.masked)."""
    from ..sparse.masked import masked_ok as ok
    return ok(kind, w, a, b, x)


def masked_run(kind, ok, w, a, b, x=None):
    from ..sparse.masked import masked_run as run
    return run(kind, ok, w, a, b, x)
