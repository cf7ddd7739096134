"""Fusion: a chain of element-wise operations on matrices, with or without a final aggregate, becomes
one FUSED node run by the register-program kernel of dmlpy/kernels/fused.py (one pass over memory,
no temporaries). A region is the largest tree of element-wise matrix operations under its root;
its inputs are the matrices and numeric scalars it reads (any expression: computed before the
kernel runs, in the order the unfused code would compute them).

When the inputs at run time are not what the kernel takes (a broadcast vector, a 1x1 matrix where
a scalar was expected, an empty matrix), the unfused code runs instead, so results and error
messages stay exactly those of the operators one by one.
"""
from __future__ import annotations

from .ir import ELEMENTWISE_BINARY, ELEMENTWISE_UNARY, Node, Op

# IR op -> kernel opcode name (dmlpy.kernels.fused)
_CODES = {Op.ADD: "ADD", Op.SUB: "SUB", Op.MUL: "MUL", Op.DIV: "DIV", Op.POW: "POW",
          Op.LT: "LT", Op.LE: "LE", Op.GT: "GT", Op.GE: "GE", Op.EQ: "EQ", Op.NE: "NE",
          Op.AND: "AND", Op.OR: "OR", Op.NEG: "NEG", Op.NOT: "NOT", Op.EXP: "EXP",
          Op.LOG: "LOG", Op.SQRT: "SQRT", Op.ABS: "ABS", Op.SIGMOID: "SIGMOID",
          Op.ROUND: "ROUND", Op.FLOOR: "FLOOR", Op.CEIL: "CEIL", Op.SIGN: "SIGN",
          Op.PMIN: "MIN2", Op.PMAX: "MAX2"}
# the final aggregate: MIN and MAX inside the kernel, sums by their builtin on the fused cells
_AGGS = {Op.SUM: "sum", Op.MEAN: "mean", Op.MIN: "MIN", Op.MAX: "MAX", Op.SUMSQ: "sum",
         Op.ROWSUMS: "rowSums", Op.COLSUMS: "colSums"}
MIN_OPS = 2             # a region without an aggregate must save at least one temporary
MAX_INPUTS = 8          # matrices one kernel reads (dmlpy.kernels.fused.MAX_INPUTS)


class Fused:
    """What the kernel runs: instructions over numbered operands, and which IR nodes feed them."""

    def __init__(self, insts, mats, scalars, agg, order):
        self.insts = insts          # [(opcode name, dst, a, b)]; dst -1 = the result
        self.mats = mats            # IR nodes of the matrix inputs, in operand order
        self.scalars = scalars      # IR nodes of the scalar inputs
        self.agg = agg              # None, "MIN", "MAX" or the sum builtin's name (_AGGS)
        self.order = order          # indexes into inputs, in the order the unfused code reads them
        self.prog = None            # the int64 program, made on first use
        self.inplace = None         # index of the input matrix the result may overwrite
        self.right = []             # per matrix input: only ever a right operand (may broadcast)

    @property
    def inputs(self):
        return self.mats + self.scalars

    def describe(self) -> str:
        n = len(self.mats)

        def opnd(k):
            return f"M{k}" if k < n else f"s{k - n}" if k < n + len(self.scalars) else \
                f"r{k - n - len(self.scalars)}"
        body = ", ".join(f"{'out' if d < 0 else opnd(d)}={c.lower()}({opnd(a)}"
                         + (f", {opnd(b)})" if b is not None else ")") for c, d, a, b in self.insts)
        agg = f" -> {self.agg.lower()}" if self.agg else ""
        into = f" (into M{self.inplace} when unshared)" if self.inplace is not None else ""
        return f"{body}{agg}{into}"


def _elementwise(n: Node) -> bool:
    """An operation the kernel computes, on a matrix result (its operands matrices or numbers)."""
    if not n.is_matrix or not all(a.is_matrix or a.is_num_scalar for a in n.args):
        return False
    if n.op is Op.POW:
        return True
    return n.op in ELEMENTWISE_BINARY or n.op in ELEMENTWISE_UNARY


def fuse(root: Node, target: str | None = None) -> Node:
    """Fused regions from the top down (each region as large as it can be), then their inputs.
    `target`: the variable the expression is assigned to; when the root region reads it, the
    kernel may write its result into that variable's buffer (if nothing else holds it)."""
    memo: dict[int, Node] = {}

    def go(n: Node) -> Node:
        out = memo.get(id(n))
        if out is None:
            out = memo[id(n)] = _region(n, go, target if n is root else None)
        return out
    return go(root)


def _region(n: Node, go, target=None) -> Node:
    if n.op is Op.WMASK:            # the masked product's fallback (a dense W) is fused as well
        meta = dict(n.meta)
        meta["unfused"] = go(n.meta["unfused"])
        return Node(n.op, tuple(go(a) for a in n.args), n.type, n.span, n.value, n.literal, meta)
    agg = _AGGS.get(n.op)
    f = None
    if agg is not None:
        vector = agg in ("rowSums", "colSums")
        if len(n.args) == 1 and n.args[0].is_matrix and \
                (n.is_matrix if vector else n.type.is_numeric_scalar) and \
                _elementwise(n.args[0]):     # sum(X^2) of a plain X: the sumsq kernel
            f = _compile(n.args[0], agg, square=n.op is Op.SUMSQ)
    elif _elementwise(n):
        f = _compile(n, None, square=False)
        f.inplace = next((i for i, m in enumerate(f.mats) if m.op is Op.VAR and m.value == target),
                         None)
        if len(f.insts) < (1 if f.inplace is not None else MIN_OPS):
            f = None
    if f is not None and len(f.mats) > MAX_INPUTS:
        f = None
    if f is None:
        args = tuple(go(a) for a in n.args)
        if all(x is y for x, y in zip(args, n.args)):
            return n
        return Node(n.op, args, n.type, n.span, n.value, n.literal, dict(n.meta))
    f.orig_inputs = f.inputs
    f.mats = [go(m) for m in f.mats]
    f.scalars = [go(s) for s in f.scalars]
    return Node(Op.FUSED, tuple(f.inputs), n.type, n.span, f, meta={"unfused": n})


def _compile(root: Node, agg, square) -> Fused:
    """Register program of the element-wise tree under root (inputs numbered first)."""
    mats, scalars, order, seen = [], [], [], []

    def visit(x, top):                 # inputs in evaluation order (left to right, depth first)
        if (x is root and not square) or _elementwise(x):
            if any(o is x for o in order):
                return
            for a in x.args:
                visit(a, False)
            order.append(x)
        elif all(m is not x for m in seen):
            seen.append(x)
            (mats if x.is_matrix else scalars).append(x)
    visit(root, True)
    nin = len(mats) + len(scalars)
    slot = {id(m): i for i, m in enumerate(mats)}
    slot.update({id(s): len(mats) + i for i, s in enumerate(scalars)})
    insts, nxt = [], nin
    for x in order:
        ops = [slot[id(a)] for a in x.args]
        code = _CODES[x.op]
        if x.op is Op.POW and x.args[1].op is Op.CONST and x.args[1].value == 2:
            code, ops = "SQ", ops[:1]             # NumPy squares for ^2 (and SystemDS, X*X)
        elif x.op is Op.POW and x.args[1].op is Op.CONST and x.args[1].value == 0.5:
            code, ops = "SQRT", ops[:1]           # ... and takes the square root for ^0.5
        slot[id(x)] = nxt
        insts.append((code, nxt, ops[0], ops[1] if len(ops) > 1 else None))
        nxt += 1
    if square:
        insts.append(("SQ", nxt, slot[id(root)], None))
    if not insts:
        insts.append(("COPY", nxt, 0, None))
    c, _, a, b = insts[-1]
    insts[-1] = (c, -1, a, b)
    inputs = mats + scalars
    f = Fused(insts, mats, scalars, agg,
              [next(i for i, x in enumerate(inputs) if x is y) for y in seen])
    # a matrix input that is only ever the right operand of a binary operation may be a row or
    # column vector at run time (it broadcasts, as the operators allow)
    f.right = [True] * len(mats)
    for x in order:
        for pos, a in enumerate(x.args):
            if a.is_matrix and (pos == 0 or len(x.args) == 1):
                for i, m in enumerate(mats):
                    if m is a:
                        f.right[i] = False
    if square and slot[id(root)] < len(mats):
        f.right[slot[id(root)]] = False
    return f
