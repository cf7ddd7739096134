"""Dead-assignment elimination, as SystemDS does it before running: `x = e` is not computed when no
path after it reads x before x is assigned again, x is no result of its function (nor an output
requested through the Python API), and e has no side effect (no print, read, random draw, DML
function call, eval ...). A script can see the difference only through errors and time:
SystemDS's steplm.dml reads `beta_out_all[, 0]` into a variable it never uses, which SystemDS
never evaluates.

The analysis is a backward liveness pass over the structured program. At a loop's back edge every
variable read anywhere in the loop counts as live (an over-approximation: sound, one pass, linear
in the size of the program even for deeply nested loops); a second pass (at most PASSES) ignores
the reads of the assignments found dead, which frees what only they read. Only plain assignments are removed;
indexed updates, multi-assignments and call statements always run. Compile-time checks (undefined
variables, types) have already run over the whole program, as in SystemDS.
"""
from __future__ import annotations

from .. import types as T
from ..parse import ast
from .flat import _walk

PURE_SPECIAL = {"ifdef", "exists"}
PASSES = 3
SHAPE_CHECKED = {"cbind", "rbind", "append", "min", "max", "pmin", "pmax", "ifelse", "xor", "solve",
                 "bitwAnd", "bitwOr", "bitwXor", "outer"}


class Liveness:
    def __init__(self, analysis):
        self.a = analysis
        self.dead: set[int] = set()          # id(Assign) of the assignments never computed
        self._reads: dict[int, frozenset] = {}

    # ------------------------------------------------------------------ entry points
    def program(self, stmts, outputs):
        self.block(stmts, set(outputs or ()))

    def function(self, fdef: ast.FuncDef):
        self.block(fdef.body, {r.name for r in fdef.returns})

    # ------------------------------------------------------------------ statements
    def block(self, stmts, live: set) -> set:
        for s in reversed(stmts):
            live = self.stmt(s, live)
        return live

    def stmt(self, s, live: set) -> set:
        if isinstance(s, ast.Assign):
            if s.index is None:
                if s.name not in live and self.pure(s.value):
                    self.dead.add(id(s))
                    return live
                live = (live - {s.name}) | self.expr_reads(s.value)
                if s.op == "+=":
                    live.add(s.name)
                return live
            return live | {s.name} | self.reads(s)
        if isinstance(s, ast.MultiAssign):
            return (live - {n for n, _ in s.targets}) | self.expr_reads(s.call)
        if isinstance(s, ast.ExprStmt):
            return live | self.expr_reads(s.call)
        if isinstance(s, ast.If):
            return self.block(s.then, set(live)) | self.block(s.orelse, set(live)) | self.expr_reads(s.cond)
        if isinstance(s, ast.For):
            heads = [e for e in (s.start, s.stop, s.step) if e is not None] + [o.value for o in s.options]
            back = live | self._body_reads(s.body)
            inner = self.block(s.body, set(back))
            out = live | inner
            for e in heads:
                out |= self.expr_reads(e)
            return out
        if isinstance(s, ast.While):
            cond = self.expr_reads(s.cond)
            back = live | cond | self._body_reads(s.body)
            return live | cond | self.block(s.body, set(back))
        return set(live)

    # ------------------------------------------------------------------ reads
    def _body_reads(self, stmts) -> frozenset:
        out: set = set()
        for s in stmts:
            out |= self.reads(s)
        return frozenset(out)

    def reads(self, s) -> frozenset:
        """Every variable a statement (with the statements nested in it) reads, memoized."""
        got = self._reads.get(id(s))
        if got is not None:
            return got
        if isinstance(s, ast.If):
            got = self.expr_reads(s.cond) | self._body_reads(s.then) | self._body_reads(s.orelse)
        elif isinstance(s, ast.For):
            got = set(self._body_reads(s.body))
            for e in [s.start, s.stop, s.step] + [o.value for o in s.options]:
                if e is not None:
                    got |= self.expr_reads(e)
        elif isinstance(s, ast.While):
            got = self.expr_reads(s.cond) | self._body_reads(s.body)
        elif id(s) in self.dead:   # found dead by an earlier pass: it reads nothing
            got = set()
        else:   # a simple statement: every name in it (an update X[i] = v reads X, x += v reads x)
            got = self.expr_reads(s)
            if isinstance(s, ast.Assign) and (s.index is not None or s.op == "+="):
                got.add(s.name)
        got = frozenset(got)
        self._reads[id(s)] = got
        return got

    @staticmethod
    def expr_reads(e) -> set:
        return {n.name for n in _walk(e) if isinstance(n, ast.Name)}

    def _maybe_matrix(self, e) -> bool:
        t = self.a.types.get(id(e))
        return t is None or not t.known or t.dt == T.MATRIX

    def pure(self, e) -> bool:
        """Whether computing `e` has no effect but its value (and its errors), and no operation
        in it is one whose shapes SystemDS checks while compiling (operators and binds of two
        matrices: `Y = X %*% X` with X 2x3 fails there even when Y is never used; dmlpy has no
        static shapes, so it keeps such assignments and reports the error when they run)."""
        for n in _walk(e):
            if isinstance(n, ast.Binary) and self._maybe_matrix(n.left) and self._maybe_matrix(n.right):
                return False
            if isinstance(n, ast.Call):
                b = self.a.bound.get(id(n))
                if b is None:
                    return False
                if b.kind == "special":
                    if b.target not in PURE_SPECIAL:
                        return False
                elif b.kind != "builtin" or not getattr(b.target, "pure", False):
                    return False
                elif b.target.name in SHAPE_CHECKED and sum(map(self._maybe_matrix, b.args)) >= 2:
                    return False
        return True


def dead_assignments(analysis, outputs) -> set[int]:
    """id()s of the plain assignments of the main program and of every reachable function that
    need not run."""
    lv = Liveness(analysis)
    for _ in range(PASSES):   # a later pass ignores what dead statements read: finds more
        before = len(lv.dead)
        lv._reads.clear()
        lv.program(analysis.main.program.statements, outputs)
        for f in analysis.functions:
            lv.function(f.fdef)
        if len(lv.dead) == before:
            break
    return lv.dead
