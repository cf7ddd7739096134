"""Op IR -> Python code, through the code generator's emitters (so an IR node lowers to the very code
the AST would have given, unless a rewrite replaced it). A node used twice is computed once into
a temporary (`(_tN := ...)` at its first use). A fused node runs its kernel when the inputs are
what the kernel takes and its unfused operators otherwise:

    (_fz(F, _t0, _t1, _t2) if (_t0 := _fok(F, (_t1 := <input 1>), (_t2 := <input 2>)))
     else <unfused code>)

Python evaluates the condition first, so the inputs are computed once, in their order.
"""
from __future__ import annotations

import re

from .. import types as T
from ..compile.names import pyvar
from .ir import BINARY, Node, Op, walk

_SIMPLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$|^-?[0-9.]+(e[-+]?[0-9]+)?$")
_UNARY = {Op.NEG: "-", Op.POS: "+", Op.NOT: "!"}
_NEW = {Op.SUMSQ: "_sumsq", Op.TSMM_L: "_tsmm_l", Op.TSMM_R: "_tsmm", Op.MATMUL_TN: "_mm_tn",
        Op.MATMUL_NT: "_mm_nt", Op.SUMPROD: "_sump"}


class Lowerer:
    def __init__(self, cg, share: bool = True, bound: dict | None = None):
        self.cg = cg
        self.share = share
        self.codes: dict[int, str] = dict(bound or {})
        self.uses: dict[int, int] = {}

    def lower(self, root: Node) -> str:
        if self.share:
            for n in walk(root):
                for a in n.args:
                    self.uses[id(a)] = self.uses.get(id(a), 0) + 1
        return self.code(root)

    def code(self, n: Node) -> str:
        c = self.codes.get(id(n))
        if c is not None:
            return c
        c = self._code(n)
        if self.uses.get(id(n), 0) > 1 and not _SIMPLE.match(c):
            name = self.cg.temp()
            self.codes[id(n)] = name
            return f"({name} := {c})"
        self.codes[id(n)] = c
        return c

    def _code(self, n: Node) -> str:
        cg, op = self.cg, n.op
        if op is Op.CONST:
            return cg.const(n.value)
        if op is Op.VAR:
            return pyvar(n.value)
        if op is Op.LEAF:
            return cg._ex(n.value)
        if op is Op.FUSED:
            return self.guarded(n, n.value.inputs, n.value.order, "_fz", "_fok", n.value)
        if op is Op.MMCHAIN:
            return self.guarded(n, n.args, range(len(n.args)), "_mmc", "_mmok", None)
        if op is Op.XTXV:     # the written tree computes X, then w, then v
            return self.guarded(n, n.args, (0, 2, 1) if len(n.args) == 3 else (0, 1),
                                "_xtxv", "_xtxvok", None)
        if op is Op.WMASK:
            return self.guarded(n, n.args, n.meta["order"], "_wm", "_wmok", None,
                                pre=[repr(n.value)])
        if op is Op.NARY:
            return self.guarded(n, n.args, range(len(n.args)), "_nary", "_naryok", None,
                                pre=[repr(n.value)], orig=n.meta["orig"])
        if op.value in BINARY:
            a, b = n.args
            ca, cb = self.code(a), self.code(b)
            rlit = b.value if b.literal and type(b.value) in (int, float) else None
            return cg.binop_code(op.value, ca, cb, a.type, b.type, rlit, n.span)
        if op in _UNARY:
            x = n.args[0]
            return cg.unary_code(_UNARY[op], self.code(x), x.type,
                                 x.literal and type(x.value) is int, n.span)
        if op in _NEW:
            args = ", ".join(self.code(a) for a in n.args)
            return cg.mark(f"{cg.h(_NEW[op])}({args})", n.span)
        # a builtin call (known by meaning or not)
        # every argument a scalar: the builtin without its sparse-matrix guard
        fname = cg._builtin_name(n.value, raw=all(a.type.dt == T.SCALAR for a in n.args))
        args = [self.code(a) for a in n.args] + ["None"] * n.meta.get("absent", 0)
        return cg.cast(cg.mark(f"{fname}({', '.join(args)})", n.span))

    def guarded(self, n: Node, inputs, order, run, ok_fn, spec, pre=None, orig=None) -> str:
        """An operation that runs when its check accepts the inputs (the check's result goes to
        the run) and is computed as the unfused tree otherwise."""
        cg = self.cg
        names = [None] * len(inputs)
        guard_args = [None] * len(inputs)
        for i in order:                   # inputs in the order the unfused code computes them
            c = self.code(inputs[i])
            if _SIMPLE.match(c):
                names[i] = guard_args[i] = c
            else:
                names[i] = cg.temp()
                guard_args[i] = f"({names[i]} := {c})"
        if orig is None:        # the nodes the unfused tree reads the inputs as
            orig = spec.orig_inputs if spec is not None else inputs
        bound = {id(o): names[i] for i, o in enumerate(orig)}
        unfused = Lowerer(cg, share=False, bound=bound).code(n.meta["unfused"])
        pre = [cg.const(spec)] if spec is not None else list(pre or ())
        ok = cg.temp()
        return (f"({cg.h(run)}({', '.join(pre + [ok] + names)}) if "
                f"({ok} := {cg.h(ok_fn)}({', '.join(pre + guard_args)})) else {unfused})")
