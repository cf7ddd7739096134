"""AST of a DML program: small dataclasses, every node with its source span."""
from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import Span


@dataclass(slots=True)
class Node:
    span: Span


# ------------------------------------------------------------------ expressions
@dataclass(slots=True)
class Expr(Node):
    pass


@dataclass(slots=True)
class IntLit(Expr):
    value: int


@dataclass(slots=True)
class FloatLit(Expr):
    value: float


@dataclass(slots=True)
class StrLit(Expr):
    value: str


@dataclass(slots=True)
class BoolLit(Expr):
    value: bool


@dataclass(slots=True)
class VectorLit(Expr):
    """`[a, b, c]`, as in conv2d(..., input_shape=[N, C, H, W])."""
    items: list


@dataclass(slots=True)
class Name(Expr):
    name: str


@dataclass(slots=True)
class CmdArg(Expr):
    """`$name` or `$1`."""
    name: str


@dataclass(slots=True)
class Unary(Expr):
    op: str  # "-", "+", "!"
    operand: Expr


@dataclass(slots=True)
class Binary(Expr):
    op: str
    left: Expr
    right: Expr


@dataclass(slots=True)
class Arg(Node):
    name: str | None
    value: Expr


@dataclass(slots=True)
class Call(Expr):
    name: str          # without namespace
    namespace: str | None
    args: list[Arg]

    @property
    def qualname(self) -> str:
        return f"{self.namespace}::{self.name}" if self.namespace else self.name


@dataclass(slots=True)
class Slice(Node):
    """One dimension of an index: `lo` alone is a single index, `lo:hi` a range."""
    lo: Expr
    hi: Expr | None


@dataclass(slots=True)
class Index(Expr):
    """`X[rows, cols]` (two_d) or `L[i]` / `L[a:b]` (one dimension: `rows` only). None = all."""
    target: Expr
    rows: Slice | None
    cols: Slice | None
    two_d: bool


# ------------------------------------------------------------------ statements
@dataclass(slots=True)
class Stmt(Node):
    pass


@dataclass(slots=True)
class Assign(Stmt):
    """`name = value`, `name += value`, `name[i, j] = value` (index set)."""
    name: str
    name_span: Span
    index: Index | None
    op: str  # "=" or "+="
    value: Expr


@dataclass(slots=True)
class MultiAssign(Stmt):
    targets: list[tuple[str, Span]]
    call: Call


@dataclass(slots=True)
class ExprStmt(Stmt):
    call: Call


@dataclass(slots=True)
class If(Stmt):
    cond: Expr
    then: list[Stmt]
    orelse: list[Stmt]


@dataclass(slots=True)
class For(Stmt):
    var: str
    start: Expr
    stop: Expr
    step: Expr | None
    body: list[Stmt]
    parallel: bool = False
    options: list[Arg] = field(default_factory=list)
    from_seq: bool = False  # written as seq(a, b[, by]) rather than a:b


@dataclass(slots=True)
class While(Stmt):
    cond: Expr
    body: list[Stmt]


@dataclass(slots=True)
class Source(Stmt):
    path: str
    namespace: str


@dataclass(slots=True)
class SetWd(Stmt):
    path: str


@dataclass(slots=True)
class TypeSpec(Node):
    data: str   # "scalar", "matrix", "frame", "list", "tensor"
    value: str  # "double", "int", "boolean", "string", "unknown"


@dataclass(slots=True)
class Param(Node):
    name: str
    type: TypeSpec
    default: Expr | None


@dataclass(slots=True)
class FuncDef(Stmt):
    name: str
    params: list[Param]
    returns: list[Param]
    body: list[Stmt]
    external: bool = False


@dataclass(slots=True)
class Program:
    file: str
    statements: list[Stmt]
    functions: list[FuncDef]
