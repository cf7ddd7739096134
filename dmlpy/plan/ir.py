"""The op IR: the operations of an expression as a DAG of nodes, between analysis and code generation.

Every DML operator and every builtin call is a node: `Op` names the operators, the builtins the
rewrites and the fusion know by meaning, and the operations only rewrites create (the symmetric
products, the transposed product, sum of squares, fused kernels); any other builtin is a `CALL`
node naming its registry entry. An expression the IR does not model (indexing, a user function call,
a list literal) is a `LEAF` holding its AST, lowered by the code generator as it is. Nodes carry the
static type inferred by analysis (`dmlpy.types`) and the DML span for error messages. Equal
sub-expressions of one expression are one node (see build.py), so the IR of an expression is a DAG.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field

from .. import types as T


class Op(enum.Enum):
    # leaves
    CONST = "const"          # value: the constant
    VAR = "var"              # value: the DML variable name
    LEAF = "leaf"            # value: an AST expression lowered as it is
    # DML operators
    ADD = "+"
    SUB = "-"
    MUL = "*"
    DIV = "/"
    POW = "^"
    MOD = "%%"
    IDIV = "%/%"
    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="
    EQ = "=="
    NE = "!="
    AND = "&"
    OR = "|"
    MATMUL = "%*%"
    NEG = "u-"
    POS = "u+"
    NOT = "!"
    # builtins known by meaning (value: the registry entry)
    T = "t"
    SUM = "sum"
    MEAN = "mean"
    MIN = "min"              # min(X): the smallest cell
    MAX = "max"
    PMIN = "pmin"            # min(X, Y): cell by cell
    PMAX = "pmax"
    ROWSUMS = "rowSums"
    COLSUMS = "colSums"
    ROWMEANS = "rowMeans"
    COLMEANS = "colMeans"
    NROW = "nrow"
    NCOL = "ncol"
    EXP = "exp"
    LOG = "log"
    SQRT = "sqrt"
    ABS = "abs"
    SIGMOID = "sigmoid"
    ROUND = "round"
    FLOOR = "floor"
    CEIL = "ceil"
    SIGN = "sign"
    CALL = "call"            # any other builtin (value: the registry entry)
    # created by rewrites
    SUMSQ = "sumsq"          # sum(X^2)
    TSMM_L = "tsmm_left"     # t(X) %*% X
    TSMM_R = "tsmm_right"    # X %*% t(X)
    MATMUL_TN = "matmul_tn"  # t(A) %*% B without the transpose
    MATMUL_NT = "matmul_nt"  # A %*% t(B) without the transpose
    MMCHAIN = "mmchain"      # A %*% B %*% C ..., multiplied in the cheapest order
    XTXV = "xtxv"            # t(X) %*% (X %*% v) or t(X) %*% (w * (X %*% v)): args X, v[, w]
    SUMPROD = "sum_product"  # sum(A %*% B) from colSums(A) and rowSums(B)
    WMASK = "masked_product" # W * f(A %*% t(B), X), at W's non-zeros when W is sparse: W, A, B[, X]
    FUSED = "fused"          # value: a fuse.Fused (program, inputs, aggregate)
    NARY = "nary"            # value "+" or "*": a flattened chain of matrix + or * (SystemDS's n+)


BINARY = {op.value: op for op in (Op.ADD, Op.SUB, Op.MUL, Op.DIV, Op.POW, Op.MOD, Op.IDIV, Op.LT,
                                  Op.LE, Op.GT, Op.GE, Op.EQ, Op.NE, Op.AND, Op.OR, Op.MATMUL)}
UNARY = {"-": Op.NEG, "+": Op.POS, "!": Op.NOT}
# builtins by registry name -> Op, for the calls with exactly these positional arguments
BUILTIN_OPS = {"t": Op.T, "sum": Op.SUM, "mean": Op.MEAN, "rowSums": Op.ROWSUMS,
               "colSums": Op.COLSUMS, "rowMeans": Op.ROWMEANS, "colMeans": Op.COLMEANS,
               "nrow": Op.NROW, "ncol": Op.NCOL, "exp": Op.EXP, "sqrt": Op.SQRT, "abs": Op.ABS,
               "sigmoid": Op.SIGMOID, "round": Op.ROUND, "floor": Op.FLOOR, "ceil": Op.CEIL,
               "sign": Op.SIGN, "log": Op.LOG, "min": Op.MIN, "max": Op.MAX}
ELEMENTWISE_UNARY = {Op.NEG, Op.NOT, Op.EXP, Op.LOG, Op.SQRT, Op.ABS, Op.SIGMOID, Op.ROUND,
                     Op.FLOOR, Op.CEIL, Op.SIGN}
ELEMENTWISE_BINARY = {Op.ADD, Op.SUB, Op.MUL, Op.DIV, Op.POW, Op.LT, Op.LE, Op.GT, Op.GE, Op.EQ,
                      Op.NE, Op.AND, Op.OR, Op.PMIN, Op.PMAX}


@dataclass(eq=False)
class Node:
    op: Op
    args: tuple = ()
    type: T.Type = T.UNKNOWN
    span: object = None
    value: object = None
    literal: bool = False        # a literal of the source (codegen writes some inline)
    meta: dict = field(default_factory=dict)

    @property
    def is_matrix(self) -> bool:
        return self.type.dt == T.MATRIX

    @property
    def is_num_scalar(self) -> bool:
        return self.type.is_numeric_scalar

    def key(self):
        """Structural identity, for common sub-expressions (LEAFs are never merged)."""
        if self.op is Op.LEAF:
            return ("leaf", id(self))
        if self.op is Op.CONST:
            return ("const", type(self.value).__name__, repr(self.value))
        if self.op is Op.VAR:
            return ("var", self.value)
        v = getattr(self.value, "name", None) if self.op in (Op.CALL,) else None
        return (self.op, v, tuple(id(a) for a in self.args))

    def label(self) -> str:
        if self.op is Op.CONST:
            return repr(self.value)
        if self.op is Op.VAR:
            return self.value
        if self.op is Op.LEAF:
            return f"leaf<{type(self.value).__name__}>"
        if self.op is Op.CALL:
            return self.value.name
        if self.op is Op.FUSED:
            return f"fused[{self.value.describe()}]"
        return self.op.value


def walk(root: Node):
    """Every node of the DAG below root, each once, children before parents (iterative)."""
    seen, order, stack = set(), [], [(root, False)]
    while stack:
        n, done = stack.pop()
        if id(n) in seen:
            continue
        if done:
            seen.add(id(n))
            order.append(n)
            continue
        stack.append((n, True))
        stack.extend((a, False) for a in reversed(n.args) if id(a) not in seen)
    return order


def render(root: Node) -> str:
    """The DAG as numbered lines, shared nodes printed once (for --explain ir)."""
    names, lines = {}, []
    for n in walk(root):
        if n.op in (Op.CONST, Op.VAR):
            names[id(n)] = n.label()
            continue
        name = f"%{len(lines)}"
        names[id(n)] = name
        args = ", ".join(names[id(a)] for a in n.args)
        ty = "" if n.type == T.UNKNOWN else f" : {n.type}"
        lines.append(f"{name} = {n.label()}({args}){ty}")
    if not lines:
        return names[id(root)]
    return "; ".join(lines)
