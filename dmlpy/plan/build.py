"""AST expression -> op IR, with the types analysis inferred. Equal operator sub-expressions become
one node (common sub-expressions within an expression); calls of builtins the IR does not know by
meaning are never merged (rand() twice is two matrices)."""
from __future__ import annotations

from .. import types as T
from ..compile.calls import Const
from ..parse import ast
from .ir import BINARY, BUILTIN_OPS, UNARY, Node, Op

# builtins known by meaning: how many arguments each takes in the form the IR models
_ARITY = {Op.MIN: 1, Op.MAX: 1}


class Builder:
    def __init__(self, analysis, skip, cse=True):
        self.a = analysis
        self.skip = skip            # AST nodes the code generator lowers itself (special forms)
        self.cse = cse              # equal sub-expressions become one node (common-subexpressions)
        self.memo: dict = {}
        self.shared = False         # a matrix operation occurs twice (computed once when lowered)

    def ty(self, e) -> T.Type:
        return self.a.types.get(id(e), T.UNKNOWN)

    def node(self, op, args, e, value=None, literal=False, ty=None) -> Node:
        n = Node(op, tuple(args), self.ty(e) if ty is None else ty, e.span, value, literal)
        if op is Op.LEAF or op is Op.CALL or (args and not self.cse):   # leaves are always shared
            return n
        k = n.key()
        have = self.memo.get(k)
        if have is not None and have.type == n.type:
            if have.args and have.is_matrix:
                self.shared = True
            return have
        self.memo[k] = n
        return n

    def build(self, e) -> Node:
        if isinstance(e, (ast.IntLit, ast.FloatLit, ast.StrLit, ast.BoolLit)):
            return self.node(Op.CONST, (), e, e.value, literal=True)
        if isinstance(e, Const):
            return self.node(Op.CONST, (), e, e.value)
        if isinstance(e, ast.Name):
            if id(e) in self.a.constants:
                return self.node(Op.CONST, (), e, self.a.constants[id(e)])
            return self.node(Op.VAR, (), e, e.name)
        if isinstance(e, ast.CmdArg):
            return self.node(Op.CONST, (), e, self.a.cmdargs[e.name])
        if isinstance(e, ast.Binary) and e.op in BINARY:
            return self.node(BINARY[e.op], (self.build(e.left), self.build(e.right)), e)
        if isinstance(e, ast.Unary) and e.op in UNARY:
            return self.node(UNARY[e.op], (self.build(e.operand),), e)
        if isinstance(e, ast.Call) and not self.skip(e):
            b = self.a.bound.get(id(e))
            if b is not None and b.kind == "builtin" and not b.target.named_variadic:
                bi = b.target
                args = list(b.args)
                op = BUILTIN_OPS.get(bi.name)
                if op is Op.LOG and len(args) == 2 and isinstance(args[1], Const) \
                        and args[1].value is None:
                    n = self.node(op, [self.build(args[0])], e, bi)
                    n.meta["absent"] = 1        # log(X): the base left out
                    return n
                if op in (Op.MIN, Op.MAX) and len(args) == 2:
                    op = Op.PMIN if op is Op.MIN else Op.PMAX
                    return self.node(op, [self.build(x) for x in args], e, bi)
                if op is not None and len(args) == _ARITY.get(op, 1):
                    return self.node(op, [self.build(x) for x in args], e, bi)
                return self.node(Op.CALL, [self.build(x) for x in args], e, bi)
        return self.node(Op.LEAF, (), e, e)
