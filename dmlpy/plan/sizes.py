"""Compile-time sizes of IR values: for each matrix-valued node (rows, cols, nnz), -1 where unknown,
and the format the runtime's rule (dmlpy.sparse.prefer_sparse) gives such a matrix; for each
scalar node its value where it is a compile-time constant (so that `rand(rows=n, ...)` after
`n = 100` has a size).

The non-zero counts are estimates, as SystemDS's HOP size propagation makes them:
- from the source: `rand` (sparsity * rows * cols, truncated, SystemDS's count), `matrix(0, ...)`,
  `read` of a `.mtd` with `nnz`; kept or summed by `t`, `cbind`/`rbind`;
- zero-preserving operations (`abs`, `sqrt`, `-X`, `X * s`, `X > 0.5`, ... any `X op s` where
  `0 op s` is 0) keep the operand's count; others (`exp`, `X + 1`) make it dense (rows * cols);
- element-wise matrix-matrix operations: SystemDS's worst case (`X * Y`: min of the sparsities,
  `X + Y`: their sum, at most 1, `X / Y`: sp(X) + 1 - sp(Y));
- `%*%`: SystemDS's average-case estimate 1 - (1 - sa * sb)^k of the result's sparsity (the one its
  runtime uses to choose a sparse output for a sparse-sparse product; its `-explain hops` prints -1
  for a product's nnz);
- right indexing: the operand's count scaled to the cells taken (average case; SystemDS prints -1);
- row and column aggregates: at most one non-zero per row (column) that holds one.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from .ir import ELEMENTWISE_BINARY, Node, Op, walk

UNKNOWN = -1


@dataclass(frozen=True)
class Size:
    rows: int = UNKNOWN
    cols: int = UNKNOWN
    nnz: int = UNKNOWN

    @property
    def cells(self) -> int:
        return self.rows * self.cols if self.rows >= 0 and self.cols >= 0 else UNKNOWN

    @property
    def dims_known(self) -> bool:
        return self.rows >= 0 and self.cols >= 0

    @property
    def sparsity(self) -> float | None:
        c = self.cells
        if c < 0 or self.nnz < 0:
            return None
        return self.nnz / c if c > 0 else 0.0

    def format(self) -> str:
        """'sparse' or 'dense' by the runtime's rule, '?' when the size does not decide it."""
        from ..sparse import prefer_sparse
        if not self.dims_known:
            return "?"
        if not prefer_sparse(self.rows, self.cols, 0):
            return "dense"              # small, a column, or not on the host: dense at any nnz
        if self.nnz < 0:
            return "?"
        return "sparse" if prefer_sparse(self.rows, self.cols, self.nnz) else "dense"

    def __str__(self) -> str:
        return f"[{self.rows} x {self.cols}, nnz={self.nnz}, {self.format()}]"


NONE = Size()


def join(a, b):
    """Sizes (or scalar constants) that may reach one point from two paths: what both agree on."""
    if a is b:
        return a
    if isinstance(a, Size) and isinstance(b, Size):
        return Size(a.rows if a.rows == b.rows else UNKNOWN, a.cols if a.cols == b.cols else UNKNOWN,
                    a.nnz if a.nnz == b.nnz else UNKNOWN)
    if isinstance(a, Size) or isinstance(b, Size):
        return None
    if type(a) is type(b) and a == b:
        return a
    return None


def _nnz(rows: int, cols: int, sp: float | None) -> int:
    if sp is None or rows < 0 or cols < 0:
        return UNKNOWN
    return int(round(min(1.0, max(0.0, sp)) * rows * cols))


def _cap(size: Size) -> Size:
    """nnz within [0, cells]."""
    if size.nnz >= 0 and size.cells >= 0 and size.nnz > size.cells:
        return Size(size.rows, size.cols, size.cells)
    return size


def _dim(n) -> int:
    """A constant used as a dimension: a non-negative integer, else unknown."""
    if type(n) is bool or not isinstance(n, (int, float)) or n != n or n < 0 or n >= 2 ** 62:
        return UNKNOWN
    if isinstance(n, float) and n != math.floor(n):
        return UNKNOWN
    return int(n)


def matmul_nnz(a: Size, b: Size) -> int:
    """SystemDS's average-case estimate of nnz(A %*% B): 1 - (1 - sa * sb)^k of the m x n cells."""
    m, k, n = a.rows, a.cols, b.cols
    if a.nnz == 0 or b.nnz == 0:
        return 0
    sa, sb = a.sparsity, b.sparsity
    if sa is None or sb is None or m < 0 or n < 0 or k < 0:
        return UNKNOWN
    return _nnz(m, n, 1.0 - (1.0 - sa * sb) ** k)


def matmul(a: Size, b: Size) -> Size:
    return Size(a.rows, b.cols, matmul_nnz(a, b))


def transpose(a: Size) -> Size:
    return Size(a.cols, a.rows, a.nnz)


# element-wise matrix-matrix: SystemDS's worst-case sparsity of the result from sa, sb
_SUM_LIKE = {Op.ADD, Op.SUB, Op.LT, Op.GT, Op.NE, Op.PMIN, Op.PMAX, Op.OR}
_MIN_LIKE = {Op.MUL, Op.AND}
# unary operations with f(0) == 0 (the count stays); the others give a dense result
_ZERO_KEEPING = {Op.NEG, Op.POS, Op.ABS, Op.SQRT, Op.ROUND, Op.FLOOR, Op.CEIL, Op.SIGN}


def _bdim(x: int, y: int) -> int:
    """One dimension of a broadcasting element-wise result (SystemDS: the left operand's when known,
    else the right one's when it is not 1)."""
    if x >= 0:
        return x if not (x == 1 and y > 1) else y
    return y if y > 1 else UNKNOWN


def elementwise_mm(op: Op, a: Size, b: Size) -> Size:
    rows, cols = _bdim(a.rows, b.rows), _bdim(a.cols, b.cols)
    sa, sb = a.sparsity, b.sparsity
    if op in _MIN_LIKE:
        if sa is None and sb is None:
            sp = None
        else:
            sp = min(s for s in (sa, sb) if s is not None)
    elif sa is None or sb is None:
        sp = None
    elif op in _SUM_LIKE:
        sp = min(1.0, sa + sb)
    elif op is Op.DIV:
        sp = min(1.0, sa + (1.0 - sb))
    else:
        sp = 1.0
    return Size(rows, cols, _nnz(rows, cols, sp))


def elementwise_ms(op: Op, m: Size, s, matrix_left: bool) -> Size:
    """A matrix and a scalar: the matrix's count where `0 op s` (or `s op 0`) is 0, else dense;
    unknown when the scalar is not a constant (but `X * s` keeps the count, as SystemDS's
    sparse-safe multiply)."""
    if s is None:
        nnz = m.nnz if op is Op.MUL else UNKNOWN
        return Size(m.rows, m.cols, nnz)
    from ..runtime import ops
    try:
        f = ops.BINARY[op.value] if op.value in ops.BINARY else None
        if op is Op.PMIN:
            z = min(0.0, s)
        elif op is Op.PMAX:
            z = max(0.0, s)
        else:
            z = f(0.0, s) if matrix_left else f(s, 0.0)
        keeps = z == 0          # False for NaN
    except Exception:           # noqa: BLE001 - an operation the run reports: nothing known
        return Size(m.rows, m.cols, UNKNOWN)
    return Size(m.rows, m.cols, m.nnz if keeps else m.cells)


def unary(op: Op, a: Size) -> Size:
    return Size(a.rows, a.cols, a.nnz if op in _ZERO_KEEPING else a.cells)


def row_agg(a: Size) -> Size:
    return Size(a.rows, 1, min(a.rows, a.nnz) if a.nnz >= 0 and a.rows >= 0 else UNKNOWN)


def col_agg(a: Size) -> Size:
    return Size(1, a.cols, min(a.cols, a.nnz) if a.nnz >= 0 and a.cols >= 0 else UNKNOWN)


def index(a: Size, rows: int, cols: int) -> Size:
    """A rows x cols block of a (either -1: unknown): the count scaled to the cells taken."""
    if rows == a.rows and cols == a.cols:
        return a
    sp = a.sparsity
    return _cap(Size(rows, cols, _nnz(rows, cols, sp) if sp is not None else UNKNOWN))


def bind(parts: list, by_cols: bool) -> Size:
    """cbind (by_cols) or rbind of the parts."""
    if not parts:
        return NONE
    along = [p.cols if by_cols else p.rows for p in parts]
    across = [p.rows if by_cols else p.cols for p in parts]
    total = sum(along) if all(x >= 0 for x in along) else UNKNOWN
    other = next((x for x in across if x >= 0), UNKNOWN)
    nnz = sum(p.nnz for p in parts) if all(p.nnz >= 0 for p in parts) else UNKNOWN
    return Size(other, total, nnz) if by_cols else Size(total, other, nnz)


# builtins (CALL nodes) whose result has the operand's shape: zero-keeping ones keep its count
_SAME_ZERO = {"sin", "tan", "asin", "atan", "sinh", "tanh"}
_SAME_SHAPE = {"cos", "cosh", "acos", "cumsum", "cumprod", "cummin", "cummax", "replace",
               "isNaN", "isNA", "isInf", "log", "exp"}
_ROW_AGGS = {"rowMaxs", "rowMins", "rowProds", "rowVars", "rowSds", "rowIndexMax", "rowIndexMin"}
_COL_AGGS = {"colMaxs", "colMins", "colProds", "colVars", "colSds"}


class Sizer:
    """Sizes of the nodes of one expression's IR (a DAG), given the sizes and scalar constants of
    the variables it reads (`env`: name -> Size, or a scalar value, or None for unknown) and a
    function that sizes a LEAF (indexing, a user function call)."""

    def __init__(self, env: dict, leaf=None):
        self.env = env
        self.leaf = leaf
        self.out: dict[int, object] = {}    # id(node) -> Size (matrix) or a scalar value or None

    def of(self, root: Node):
        for n in walk(root):
            if id(n) in self.out:
                continue
            unfused = n.meta.get("unfused") if n.meta else None
            if unfused is not None:         # a kernel computes what its unfused tree does
                self.of(unfused)
                self.out[id(n)] = self.out.get(id(unfused))
                continue
            try:
                self.out[id(n)] = self._node(n)
            except Exception:     # noqa: BLE001 - what the run would report: nothing known here
                self.out[id(n)] = NONE if n.is_matrix else None
        return self.out.get(id(root))

    def size(self, n: Node) -> Size:
        v = self.out.get(id(n))
        return v if isinstance(v, Size) else NONE

    def val(self, n: Node):
        v = self.out.get(id(n))
        return None if isinstance(v, Size) else v

    def _node(self, n: Node):
        op, a = n.op, n.args
        if op is Op.CONST:
            return n.value
        if op is Op.VAR:
            v = self.env.get(n.value)
            if n.is_matrix:
                return v if isinstance(v, Size) else NONE
            return None if isinstance(v, Size) else v
        if op is Op.LEAF:
            r = self.leaf(n) if self.leaf is not None else None
            return r if r is not None or not n.is_matrix else NONE
        if not n.is_matrix:
            return self._scalar(n)
        if op in ELEMENTWISE_BINARY or op in (Op.POW, Op.MOD, Op.IDIV):
            x, y = a
            if not all(v.is_matrix or v.type.is_scalar for v in a):
                return NONE             # an operand of unknown data type: any shape
            if x is y and x.is_matrix:     # X op X: X's count where 0 op 0 is 0 (X + X, X * X)
                return elementwise_ms(op, self.size(x), 0.0, True)
            if x.is_matrix and y.is_matrix:
                return elementwise_mm(op, self.size(x), self.size(y))
            if x.is_matrix:
                return elementwise_ms(op, self.size(x), self.val(y), True)
            if y.is_matrix:
                return elementwise_ms(op, self.size(y), self.val(x), False)
            return NONE
        if op in _ZERO_KEEPING or op in (Op.EXP, Op.LOG, Op.SIGMOID, Op.NOT):
            return unary(op, self.size(a[0]))
        if op is Op.MATMUL:
            return matmul(self.size(a[0]), self.size(a[1]))
        if op is Op.T:
            return transpose(self.size(a[0]))
        if op is Op.TSMM_L:
            x = self.size(a[0])
            return matmul(transpose(x), x)
        if op is Op.TSMM_R:
            x = self.size(a[0])
            return matmul(x, transpose(x))
        if op is Op.MATMUL_TN:
            return matmul(transpose(self.size(a[0])), self.size(a[1]))
        if op is Op.MATMUL_NT:
            return matmul(self.size(a[0]), transpose(self.size(a[1])))
        if op in (Op.ROWSUMS, Op.ROWMEANS):
            return row_agg(self.size(a[0]))
        if op in (Op.COLSUMS, Op.COLMEANS):
            return col_agg(self.size(a[0]))
        if op is Op.CALL:
            return self._call(n)
        return NONE

    def _scalar(self, n: Node):
        op, a = n.op, n.args
        if op is Op.NROW or op is Op.NCOL:
            s = self.size(a[0]) if a and a[0].is_matrix else NONE
            d = s.rows if op is Op.NROW else s.cols
            return d if d >= 0 else None
        if op is Op.CALL and n.value.name == "length" and a and a[0].is_matrix:
            c = self.size(a[0]).cells
            return c if c >= 0 else None
        if not n.type.is_numeric_scalar and n.type.vt != "boolean":
            return None
        vals = [self.val(x) for x in a]
        if not a or any(type(v) not in (int, float, bool) for v in vals):
            return None
        from ..runtime import ops
        if len(a) == 2 and op.value in ops.BINARY and op is not Op.MATMUL:
            return ops.BINARY[op.value](vals[0], vals[1])
        if len(a) == 1 and op in (Op.NEG, Op.NOT):
            return ops.UNARY["-" if op is Op.NEG else "!"](vals[0])
        return None

    # ------------------------------------------------------------------ builtins
    def _call(self, n: Node) -> Size:
        bi = n.value
        name = bi.name
        params = list(bi.params)

        def arg(p):
            i = params.index(p) if p in params else -1
            return self.val(n.args[i]) if 0 <= i < len(n.args) else None
        mats = [self.size(x) for x in n.args if x.is_matrix]
        if name == "rand":
            rows, cols = _dim(arg("rows")), _dim(arg("cols"))
            sp, lo, hi = arg("sparsity"), arg("min"), arg("max")
            if lo == 0 and hi == 0:
                sp = 0.0
            ok = type(sp) in (int, float) and 0 <= sp <= 1 and rows >= 0 and cols >= 0
            # SystemDS's compile-time count: the sparsity times the cells, truncated
            return Size(rows, cols, int(float(sp) * (rows * cols)) if ok else UNKNOWN)
        if name == "matrix":
            rows, cols = _dim(arg("rows")), _dim(arg("cols"))
            data = n.args[0] if n.args else None
            if data is not None and data.is_matrix:
                return Size(rows, cols, self.size(data).nnz)
            v = arg("data")
            if type(v) in (int, float, bool):
                return Size(rows, cols, 0 if v == 0 else _nnz(rows, cols, 1.0))
            return Size(rows, cols, UNKNOWN)
        if name == "seq":
            return self._seq(arg("from"), arg("to"), arg("incr"))
        if name == "diag" and mats:
            x = mats[0]
            if x.cols == 1:
                return Size(x.rows, x.rows, x.nnz)
            if x.rows >= 0 and x.rows == x.cols:
                return Size(x.rows, 1, min(x.rows, x.nnz) if x.nnz >= 0 else UNKNOWN)
            return NONE
        if name in ("cbind", "rbind") and len(mats) == len(n.args):
            return bind(mats, name == "cbind")
        if name == "table":
            return self._table(n)
        if name == "read":
            return self._read(arg)
        if name == "as.matrix" and n.args and n.args[0].type.is_scalar:
            v = self.val(n.args[0])
            return Size(1, 1, UNKNOWN if v is None else int(v != 0))
        if not mats:
            return NONE
        x = mats[0]
        if name in _SAME_ZERO and len(n.args) == 1:
            return x
        if name in _SAME_SHAPE:
            return Size(x.rows, x.cols, UNKNOWN)
        if name in _ROW_AGGS:
            # an index (1 or more) in every row; the other aggregates may be 0 anywhere
            return Size(x.rows, 1, x.rows if name.startswith("rowIndex") else UNKNOWN)
        if name in _COL_AGGS:
            return Size(1, x.cols, UNKNOWN)
        return NONE

    def _seq(self, lo, hi, incr) -> Size:
        if type(lo) not in (int, float) or type(hi) not in (int, float):
            return NONE
        if incr is None:
            incr = 1 if hi >= lo else -1
        if type(incr) not in (int, float) or incr == 0 or (hi - lo) * incr < 0:
            return NONE
        rows = int(math.floor((hi - lo) / incr + 1e-12)) + 1   # the runtime's own rounding aside
        return Size(rows, 1, rows)

    def _table(self, n: Node) -> Size:
        # table(A, B[, W][, rows, cols]): the dimensions when given as constants; one entry per row
        # of A at most
        args = n.args
        rows = cols = UNKNOWN
        if len(args) in (4, 5) and all(not x.is_matrix for x in args[-2:]):
            rows, cols = _dim(self.val(args[-2])), _dim(self.val(args[-1]))
        first = self.size(args[0]) if args and args[0].is_matrix else NONE
        bound = first.rows if first.rows >= 0 else UNKNOWN
        if bound >= 0 and rows >= 0 and cols >= 0:
            bound = min(bound, rows * cols)
        return Size(rows, cols, bound)

    def _read(self, arg) -> Size:
        """A matrix read from a file: rows, cols and nnz from the arguments, else its .mtd."""
        path = arg("file")
        md = {}
        if isinstance(path, str):
            from ..runtime.io_mtd import read_mtd
            try:
                md = read_mtd(path)
            except Exception:     # noqa: BLE001 - the read itself reports a bad .mtd
                md = {}
        dt = arg("data_type") or md.get("data_type", "matrix")
        if str(dt).lower() != "matrix":
            return NONE

        def pick(key):
            v = arg(key)
            if v is None:
                v = md.get(key)
            return _dim(v) if v is not None else UNKNOWN
        return _cap(Size(pick("rows"), pick("cols"), pick("nnz")))
