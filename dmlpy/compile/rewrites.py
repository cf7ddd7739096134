"""SystemDS rewrites whose effect a script can observe.

SystemDS 3.4 simplifies its operator DAGs before running them; most rewrites change nothing but
speed, a few change results, and dmlpy reproduces those (only those, and only in the pattern
SystemDS matches):

- `(A op B) == 0` with op one of < <= > >= == != and a numeric literal 0 becomes the complement
  comparison (`(X < c) == 0` is `X >= c`). Under IEEE rules that differs for NaN: (NaN < c) == 0
  is 1, NaN >= c is 0. Applied to the AST as it is loaded (any operands, scalar or matrix).
  SystemDS also matches the pattern across statements of one basic block (`Y = X < c; Z = Y == 0`);
  dmlpy matches it within one expression only.
- `as.scalar(X op Y)` with a matrix operand becomes `as.scalar(X) op as.scalar(Y)`: for the
  comparison and logical operators the result is then a boolean, not a double (it prints TRUE).
- `unique(rbind(A, B))` becomes a union of A's and B's distinct rows in order of first occurrence
  (plain unique() returns the distinct cell values in hash order, as a column).
"""
from __future__ import annotations

from .flat import _walk
from ..parse import ast

COMPLEMENT = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "==": "!=", "!=": "=="}
SCALAR_BINARY_BOOL = {"<", "<=", ">", ">=", "==", "!=", "&", "|"}


def apply(program: ast.Program):
    """Rewrite the comparison chains of a freshly parsed program in place (idempotent)."""
    roots = list(program.statements)
    for fd in program.functions:
        roots.extend(fd.body)
        roots.extend(p.default for p in fd.params if p.default is not None)
    for root in roots:
        for n in _walk(root):
            if isinstance(n, ast.Binary):
                _comparison_chain(n)


def _comparison_chain(e: ast.Binary):
    left, right = e.left, e.right
    if e.op == "==" and isinstance(left, ast.Binary) and left.op in COMPLEMENT \
            and isinstance(right, (ast.IntLit, ast.FloatLit)) and right.value == 0:
        e.op = COMPLEMENT[left.op]
        e.left, e.right = left.left, left.right


def boolean_as_scalar(analysis, call: ast.Call) -> bool:
    """Whether `call` is as.scalar(X op Y) with a matrix operand and a comparison or logical op:
    SystemDS computes it on the two cells, so the result is a boolean."""
    b = analysis.bound.get(id(call))
    if b is None or b.kind != "builtin" or b.target.name != "as.scalar" or len(b.args) != 1:
        return False
    x = b.args[0]
    if not isinstance(x, ast.Binary) or x.op not in SCALAR_BINARY_BOOL:
        return False
    from .. import types as T
    return any(analysis.types.get(id(o)) is not None and analysis.types[id(o)].dt == T.MATRIX
               for o in (x.left, x.right))


def union_of_rbind(analysis, call: ast.Call):
    """(A, B) when `call` is unique(rbind(A, B)) on matrices (SystemDS's union rewrite), else None."""
    b = analysis.bound.get(id(call))
    if b is None or b.kind != "builtin" or b.target.name != "unique" or len(b.args) != 1:
        return None
    inner = b.args[0]
    ib = analysis.bound.get(id(inner)) if isinstance(inner, ast.Call) else None
    if ib is None or ib.kind != "builtin" or ib.target.name != "rbind" or len(ib.args) != 2:
        return None
    from .. import types as T
    if any(analysis.types.get(id(a)) is None or analysis.types[id(a)].dt != T.MATRIX for a in ib.args):
        return None
    return ib.args[0], ib.args[1]
