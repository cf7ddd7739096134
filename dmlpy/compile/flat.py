"""Keeping generated Python flat. Python limits nesting in a function (about 200 levels of
parentheses, 100 of indentation, 20 nested loops), while DML does not: codegen splits deep
expressions into temporaries and moves deeply nested blocks into functions of their own. The walks
here are iterative, so they work at any depth.
"""
from __future__ import annotations

from dataclasses import fields, is_dataclass

from ..parse import ast

EXPR_HEIGHT = 24    # an expression this tall or taller is computed into a temporary first
MAX_LOOPS = 12      # loops nested in one generated function
MAX_DEPTH = 40      # indentation levels in one generated function


def children(e, bound) -> list:
    """The sub-expressions codegen lowers for `e` (a call's bound arguments, defaults included)."""
    if isinstance(e, ast.Binary):
        return [e.left, e.right]
    if isinstance(e, ast.Unary):
        return [e.operand]
    if isinstance(e, ast.Index):
        out = [e.target]
        for sl in (e.rows, e.cols):
            if sl is not None:
                out.append(sl.lo)
                if sl.hi is not None:
                    out.append(sl.hi)
        return out
    if isinstance(e, ast.VectorLit):
        return list(e.items)
    if isinstance(e, ast.Call):
        b = bound.get(id(e))
        return list(b.args) if b is not None else []
    return []


def height(e, bound, memo: dict) -> int:
    """Levels of nesting below `e` (0 for a leaf), computed without recursion."""
    h = memo.get(id(e))
    if h is not None:
        return h
    stack = [(e, False)]
    while stack:
        node, done = stack.pop()
        if id(node) in memo:
            continue
        kids = children(node, bound)
        if done or not kids:
            memo[id(node)] = 1 + max((memo[id(k)] for k in kids), default=-1)
            continue
        stack.append((node, True))
        stack.extend((k, False) for k in kids if id(k) not in memo)
    return memo[id(e)]


def _walk(node):
    """Every AST node below `node` (itself included), iteratively."""
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, (list, tuple)):
            stack.extend(n)
            continue
        if not is_dataclass(n) or isinstance(n, type):
            continue
        yield n
        for f in fields(n):
            if f.name != "span" and f.name != "name_span":
                stack.append(getattr(n, f.name))


def variables(stmt) -> tuple[list[str], list[str]]:
    """(DML variables a statement uses, those it assigns), sorted."""
    used, assigned = set(), set()
    for n in _walk(stmt):
        if isinstance(n, ast.Name):
            used.add(n.name)
        elif isinstance(n, ast.Assign):
            used.add(n.name)
            assigned.add(n.name)
        elif isinstance(n, ast.MultiAssign):
            for name, _ in n.targets:
                assigned.add(name)
        elif isinstance(n, ast.For):
            assigned.add(n.var)
    return sorted(used | assigned), sorted(assigned)
