"""Stage 3: lowering to Python source. Every DML function becomes a Python function and the main
program becomes `__dml_main__`; DML variables become Python locals (fast, and `del`-free value
semantics: a matrix is updated in place only when its reference count shows no other holder).

Where inference proved both operands to be numeric scalars, operators are emitted as inline Python
arithmetic; everything else calls the generic operators of runtime/ops.py. Every generated line and
call is mapped back to its DML span for error messages.
"""
from __future__ import annotations

import re

from .. import types as T
from ..parse import ast
from . import flat, rewrites
from .analyze import Analysis
from .calls import Bound, Const
from .dead import dead_assignments
from .flat import EXPR_HEIGHT, MAX_DEPTH, MAX_LOOPS
from .modules import LATE
from .names import pyvar
from ..parallel.lower import emit_next_body as parfor_body, lower_parfor, pending as parfor_pending

# helper name -> (module, attribute); resolved when the program is loaded
HELPERS = {
    "_add": ("ops", "add"), "_sub": ("ops", "sub"), "_mul": ("ops", "mul"), "_div": ("ops", "div"),
    "_pow": ("ops", "pow_"), "_mod": ("ops", "mod"), "_idiv": ("ops", "intdiv"),
    "_lt": ("ops", "lt"), "_le": ("ops", "le"), "_gt": ("ops", "gt"), "_ge": ("ops", "ge"),
    "_eq": ("ops", "eq"), "_ne": ("ops", "ne"), "_and": ("ops", "and_"), "_or": ("ops", "or_"),
    "_not": ("ops", "not_"), "_neg": ("ops", "neg"), "_pos": ("ops", "pos"),
    "_matmul": ("ops", "matmul"), "_truth": ("ops", "truth"),
    "_w": ("values", "wrap_int"), "_imod": ("ops", "int_mod"), "_iidiv": ("ops", "int_intdiv"),
    "_dmod": ("ops", "dbl_mod"), "_imul": ("ops", "int_mul"), "_ddiv": ("ops", "java_div"), "_dpow": ("ops", "java_pow"),
    "_range": ("ops", "loop_range"), "_idx": ("ops", "index_get"), "_setidx": ("ops", "index_set"),
    "_cell": ("matrix", "cell"), "_get": ("matrix", "get"), "_setcell": ("matrix", "set_cell"),
    "_setreg": ("matrix", "set_region"), "_tostr": ("format", "tostr"),
    "_p_double": ("ops", "param_double"), "_p_int": ("ops", "param_int"),
    "_p_bool": ("ops", "param_bool"), "_p_check": ("ops", "param_check"),
    "_r_int": ("ops", "return_int"), "_tsmm": ("ops", "self_product"),
    "_eval": ("executor", "dynamic_eval"), "_List": ("values", "DMLList"),
    "_U": ("executor", "UNBOUND"), "_union": ("reorg", "union_rows"),
    "_sumsq": ("plan", "sumsq"), "_tsmm_l": ("plan", "self_product_left"),
    "_mm_tn": ("plan", "matmul_tn"), "_mm_nt": ("plan", "matmul_nt"), "_sump": ("plan", "sum_of_product"),
    "_pfrun": ("parallel", "run"),
    "_mmc": ("plan", "chain_run"), "_xtxv": ("plan", "vector_chain"), "_xtxvok": ("plan", "vector_chain_ok"), "_mmok": ("plan", "chain_ok"), "_pc": ("plan", "to_precision"), "_fz": ("plan", "fused_run"), "_fok": ("plan", "fused_ok"),
    "_wm": ("plan", "masked_run"), "_wmok": ("plan", "masked_ok"),
    "_nary": ("plan", "nary_run"), "_naryok": ("plan", "nary_ok"),
}

_BIN = {"+": "_add", "-": "_sub", "*": "_mul", "/": "_div", "^": "_pow", "%%": "_mod",
        "%/%": "_idiv", "<": "_lt", "<=": "_le", ">": "_gt", ">=": "_ge", "==": "_eq",
        "!=": "_ne", "&": "_and", "|": "_or", "%*%": "_matmul"}
_PYCMP = {"<": "<", "<=": "<=", ">": ">", ">=": ">=", "==": "==", "!=": "!="}
_SIMPLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$|^-?[0-9.]+(e[-+]?[0-9]+)?$")


class CodeGen:
    def __init__(self, analysis: Analysis, specialize: bool = True, plan=None):
        self.a = analysis
        self.specialize = specialize
        # the IR stage (dmlpy/plan), given PlanOptions (also under --stats, which counts the
        # fused kernels and rewritten products as operations of their own)
        self.plan = None
        if plan is not None:
            from ..plan import Planner
            self.plan = Planner(self, plan)
        self.planning = True                    # off while lowering loop and branch conditions
        self.target = None                      # (expression, variable) of a plain assignment
        self.precision = getattr(plan, "precision", "double")
        self.backend = getattr(plan, "backend", "cpu")
        self.lines: list[str] = []
        self.spans: dict[int, object] = {}      # generated line -> DML span of the statement
        self.marks: dict[int, list] = {}        # generated line -> [(col, end_col, span)] of calls
        self.helpers: set[str] = set()
        self.builtins: dict[str, object] = {}   # namespace name -> Builtin
        self.consts: dict[str, object] = {}     # namespace name -> constant value
        self.funcnames: dict[str, str] = {}     # python name -> DML display name
        self.depth = 0
        self._pending: list = []
        self.loops = 0                          # loops around the current line, in this Python function
        self.where = ""                         # DML display name of the function being generated
        self.stmt_span = None                   # span of the statement being generated
        self.temps = 0
        self.heights: dict[int, int] = {}
        self.blocks: list = []                  # deeply nested statements moved into functions
        self.dead: set[int] = set()             # id() of assignments never computed (dead.py)

    # ------------------------------------------------------------------ output
    def emit(self, text: str, span=None, keep: bool = False):
        """One generated line; `keep` leaves the call marks not on this line for the next one."""
        self.lines.append("    " * self.depth + text)
        n = len(self.lines)
        if span is not None:
            self.spans[n] = span
        if self._pending:
            line = self.lines[-1]
            marks, rest = [], []
            for code, sp in self._pending:
                pos = line.find(code)
                if pos >= 0:
                    marks.append((pos, pos + len(code), sp))
                else:
                    rest.append((code, sp))
            self.marks[n] = marks
            self._pending = rest if keep else []

    def temp(self) -> str:
        """A fresh temporary's name (deleted after the statement, like hoisted ones)."""
        self.temps += 1
        return f"_t{self.temps - 1}"

    def hoist(self, code: str) -> str:
        """Compute `code` into a temporary on a line of its own (keeps generated lines shallow)."""
        name = f"_t{self.temps}"
        self.temps += 1
        self.emit(f"{name} = {code}", self.stmt_span, keep=True)
        return name

    def height(self, e) -> int:
        return flat.height(e, self.a.bound, self.heights)

    def mark(self, code: str, span) -> str:
        self._pending.append((code, span))
        return code

    def h(self, name: str) -> str:
        self.helpers.add(name)
        return name

    def const(self, value) -> str:
        """A value in generated code: a short literal of an exact builtin type is written as Python
        source (repr); everything else is passed by reference through the constants table."""
        kind = type(value)
        if value is LATE:
            return self.h("_U")
        if value is None or kind is bool or kind is int and -(1 << 63) <= value < (1 << 63) \
                or kind is str and len(value) <= 256:
            return repr(value)
        if kind is float and value == value and value not in (float("inf"), float("-inf")):
            return repr(value)
        name = f"_c{len(self.consts)}"
        self.consts[name] = value
        return name

    def ty(self, e) -> T.Type:
        return self.a.types.get(id(e), T.UNKNOWN)

    # ------------------------------------------------------------------ program
    def program(self, inputs: list[str], outputs: list[str] | None) -> str:
        main = self.a.main
        if self.plan is None or "dead-code" not in self.plan.opts.disabled:
            self.dead = dead_assignments(self.a, outputs)
        self.emit(f"def __dml_main__({', '.join(pyvar(n) for n in inputs)}):")
        self.depth = 1
        self.block(main.program.statements)
        if outputs:
            items = ", ".join(f"{o!r}: {pyvar(o)}" for o in outputs)
            self.emit(f"return {{{items}}}")
        self.depth = 0
        self.funcnames["__dml_main__"] = ""
        for f in self.a.functions:
            self.function(f)
        i = 0
        while i < len(self.blocks) or parfor_pending(self):   # parfor bodies: dmlpy/parallel/lower.py
            if i < len(self.blocks):
                self.block_function(i, *self.blocks[i])
                i += 1
            else:
                parfor_body(self)
        return "\n".join(self.lines) + "\n"

    def function(self, f):
        fd = f.fdef
        self.funcnames[f.pyname] = f.display
        self.where = f.display
        self.loops = 0
        self.emit("")
        self.emit(f"def {f.pyname}({', '.join(pyvar(p.name) for p in fd.params)}):", fd.span)
        self.depth = 1
        for i in f.late_defaults:   # defaults that read other parameters, when left out
            p = fd.params[i]
            value = self.convert(self.ex(p.default), self.ty(p.default), f.ptypes[i])
            self.emit(f"if {pyvar(p.name)} is {self.h('_U')}: {pyvar(p.name)} = {value}", p.span)
        self.block(fd.body)
        rets = []
        for r, t in zip(fd.returns, f.rtypes):
            have = self._final_type(f, r.name)
            if t.dt == T.SCALAR and t.vt == T.INT_VT and have != t:
                rets.append(f"{self.h('_r_int')}({pyvar(r.name)})")
            else:
                rets.append(self.convert(pyvar(r.name), have, t))
        if not rets:
            self.emit("return None", fd.span)
        elif len(rets) == 1:
            self.emit(f"return {rets[0]}", fd.returns[0].span)
        else:
            self.emit(f"return ({', '.join(rets)})", fd.returns[0].span)
        self.depth = 0

    def _final_type(self, f, name):
        return self.a.function_env.get(id(f), {}).get(name, T.UNKNOWN)

    def convert(self, code: str, have: T.Type, want: T.Type) -> str:
        """Code converting a value to a declared parameter/return type (no-op when provable)."""
        if want.dt != T.SCALAR:
            if want.known and have != want and want.dt != have.dt:
                return f"{self.h('_p_check')}({code}, {want.dt!r})"
            return code
        if have == want:
            return code
        if want.vt == T.DOUBLE_VT:
            if have.vt in (T.INT_VT, T.BOOL_VT) and have.dt == T.SCALAR:
                return f"float({code})"
            return f"{self.h('_p_double')}({code})"
        if want.vt == T.INT_VT:
            return f"{self.h('_p_int')}({code})"
        if want.vt == T.BOOL_VT:
            return f"{self.h('_p_bool')}({code})"
        return code

    # ------------------------------------------------------------------ statements
    def block(self, stmts):
        n = len(self.lines)
        for s in stmts:
            self.stmt(s)
        if len(self.lines) == n:
            self.emit("pass")

    def stmt(self, s):
        if id(s) in self.dead:
            return
        self.stmt_span = s.span
        first_temp = self.temps
        self._stmt(s)
        if self.temps > first_temp and isinstance(s, (ast.Assign, ast.MultiAssign, ast.ExprStmt)):
            # drop the temporaries: a matrix held by one would be copied on its next in-place update
            # (set to None, not deleted: a temporary of a fallback branch may never have been set)
            self.emit(" = ".join([f"_t{i}" for i in range(first_temp, self.temps)] + ["None"]))

    def _stmt(self, s):
        if isinstance(s, (ast.If, ast.For, ast.While)) and (
                self.depth >= MAX_DEPTH or self.loops >= MAX_LOOPS and not isinstance(s, ast.If)):
            self.extract(s)
        elif isinstance(s, ast.Assign):
            self.assign(s)
        elif isinstance(s, ast.MultiAssign):
            targets = ", ".join(pyvar(n) for n, _ in s.targets)
            value = self.call(s.call)
            b = self.a.bound.get(id(s.call))
            nres = (len(b.target.rtypes) if b.kind == "function" else getattr(b.target, "nret", 1)) \
                if b is not None and b.kind in ("function", "builtin") else None
            if len(s.targets) == 1 and (nres == 1 or b is not None and b.kind == "special"):
                # `[R] = f(...)`: a single result, not a tuple (eval gives its first result)
                self.emit(f"{targets} = {value}", s.span)
                return
            if b is not None and b.kind == "function" and len(s.targets) < len(b.target.rtypes):
                value = f"{value}[:{len(s.targets)}]"   # a DML-bodied builtin's first results
            self.emit(f"{targets}, = {value}" if len(s.targets) == 1
                      else f"{targets} = {value}", s.span)
        elif isinstance(s, ast.ExprStmt):
            self.emit(self.call(s.call), s.span)
        elif isinstance(s, ast.If):
            self.if_(s)
        elif isinstance(s, ast.For):
            self.for_(s)
        elif isinstance(s, ast.While):
            self.loops += 1
            if self.height(s.cond) >= EXPR_HEIGHT:  # the condition's temporaries go inside the loop
                self.emit("while True:", s.cond.span)
                self.depth += 1
                self.stmt_span = s.cond.span
                self.emit(f"if not {self.cond(s.cond)}: break", s.cond.span)
                self.block(s.body)
                self.depth -= 1
            else:
                self.emit(f"while {self.cond(s.cond)}:", s.cond.span)
                self.body(s.body)
            self.loops -= 1
        elif isinstance(s, (ast.Source, ast.SetWd)):
            pass

    def body(self, stmts):
        self.depth += 1
        self.block(stmts)
        self.depth -= 1

    def if_(self, s: ast.If):
        self.stmt_span = s.cond.span
        self.emit(f"if {self.cond(s.cond)}:", s.cond.span)
        self.body(s.then)
        while s.orelse:
            nxt = s.orelse[0]
            if len(s.orelse) == 1 and isinstance(nxt, ast.If) and self.height(nxt.cond) < EXPR_HEIGHT:
                # else-if chains stay flat in the generated code
                self.stmt_span = nxt.cond.span
                self.emit(f"elif {self.cond(nxt.cond)}:", nxt.cond.span)
                self.body(nxt.then)
                s = nxt
                continue
            self.emit("else:")
            self.body(s.orelse)
            break

    def extract(self, s):
        """A statement nested too deeply for one Python function becomes a function of its own:
        the variables it uses go in (unassigned ones as UNBOUND) and those it assigns come back."""
        used, assigned = flat.variables(s)
        name = f"_blk{len(self.blocks)}"
        self.blocks.append((s, used, assigned, self.where))
        self.helpers.add("_U")
        for i, v in enumerate(used):
            self.emit("try:")
            self.emit(f"    _a{i} = {pyvar(v)}")
            self.emit("except NameError:")
            self.emit(f"    _a{i} = _U")
        self.emit(f"_r = {name}({', '.join(f'_a{i}' for i in range(len(used)))})", s.span)
        for i, v in enumerate(assigned):
            self.emit(f"if _r[{i}] is not _U: {pyvar(v)} = _r[{i}]")
        self.emit(f"del {', '.join(['_r'] + [f'_a{i}' for i in range(len(used))])}")

    def block_function(self, index, s, used, assigned, where):
        name = f"_blk{index}"
        self.funcnames[name] = where
        self.where = where
        self.loops = 0
        self.emit("")
        self.emit(f"def {name}({', '.join(pyvar(v) for v in used)}):", s.span)
        self.depth = 1
        for v in used:
            self.emit(f"if {pyvar(v)} is _U: del {pyvar(v)}")
        self.stmt(s)
        for i, v in enumerate(assigned):
            self.emit("try:")
            self.emit(f"    _o{i} = {pyvar(v)}")
            self.emit("except NameError:")
            self.emit(f"    _o{i} = _U")
        self.emit(f"return ({''.join(f'_o{i}, ' for i in range(len(assigned)))})")
        self.depth = 0

    def cond(self, e) -> str:
        # a condition is evaluated where it stands (a while loop's each time): no IR temporaries
        self.planning, was = False, self.planning
        try:
            code = self.ex(e)
        finally:
            self.planning = was
        if self.ty(e) == T.BOOL and self.specialize:
            return code
        return f"{self.h('_truth')}({code})"

    def for_(self, s: ast.For):
        if s.parallel and lower_parfor(self, s):
            return
        a, b, *step = self.exs([s.start, s.stop] + ([s.step] if s.step is not None else []))
        tb = self.ty(s.stop)
        var = pyvar(s.var)
        if s.step is None and isinstance(s.start, ast.IntLit) and tb == T.INT and self.specialize \
                and _SIMPLE.match(b):
            # the common `for (i in 1:n)`: ascending when n >= start
            rng = f"(range({a}, {b} + 1) if {b} >= {a} else range({a}, {b} - 1, -1))"
        else:
            rng = f"{self.h('_range')}({a}, {b}, {step[0] if step else 'None'})"
        self.emit(f"for {var} in {rng}:", s.span)
        self.loops += 1
        self.body(s.body)
        self.loops -= 1

    def assign(self, s: ast.Assign):
        var = pyvar(s.name)
        if s.index is None:
            if s.op == "+=":
                value = self.binop("+", self.a.plus_eq[id(s)], s.value, s.span)
            else:
                self.target = (s.value, s.name)
                value = self.ex(s.value)
                self.target = None
            self.emit(f"{var} = {value}", s.span)
            return
        ix = s.index
        tt = self.ty(ix)
        rows, cols, (value,) = self._bounds(ix, [s.value])
        name = repr(f"'{s.name}'")
        if tt.dt == T.MATRIX:  # X[i] = v (one index) assigns rows, as X[i, ] = v
            if self._single(ix.rows) and self._single(ix.cols):
                code = f"{self.h('_setcell')}({var}, {rows[0]}, {cols[0]}, {value}, {name})"
            else:
                code = f"{self.h('_setreg')}({var}, {', '.join(rows)}, {', '.join(cols)}, {value}, {name})"
        else:
            code = (f"{self.h('_setidx')}({var}, {', '.join(rows)}, {', '.join(cols)}, "
                    f"{ix.two_d}, {value}, {name})")
        self.emit(f"{var} = {self.mark(code, s.span)}", s.span)

    @staticmethod
    def _single(sl):
        return sl is not None and sl.hi is None

    def _bounds(self, ix, more=()) -> tuple[list, list, list]:
        """Codes of the row bounds, the column bounds (each [lo, hi], "None" where absent), then of
        the expressions in `more`, generated in the order the generated call evaluates them."""
        exprs = []
        for sl in (ix.rows, ix.cols):
            if sl is not None:
                exprs += [sl.lo] + ([sl.hi] if sl.hi is not None else [])
        codes = iter(self.exs(exprs + list(more)))

        def pair(sl):
            if sl is None:
                return ["None", "None"]
            return [next(codes), next(codes) if sl.hi is not None else "None"]
        rows = pair(ix.rows)
        cols = pair(ix.cols)
        return rows, cols, list(codes)

    # ------------------------------------------------------------------ expressions
    def ex(self, e) -> str:
        code = None
        if self.plan is not None and self.planning and self.height(e) < EXPR_HEIGHT:
            code = self.plan.expr(e)
        if code is None:
            code = self._ex(e)
        if self.height(e) >= EXPR_HEIGHT and not _SIMPLE.match(code):
            return self.hoist(code)
        return code

    def exs(self, exprs) -> list[str]:
        """Codes of several expressions evaluated left to right: before one that needs temporaries,
        the ones before it are computed into temporaries too, so the order of calls stays."""
        codes: list[str] = []
        for e in exprs:
            if codes and self.height(e) >= EXPR_HEIGHT:
                codes = [c if _SIMPLE.match(c) else self.hoist(c) for c in codes]
            codes.append(self.ex(e))
        return codes

    def _ex(self, e) -> str:
        if isinstance(e, ast.IntLit):
            return repr(e.value)
        if isinstance(e, ast.FloatLit):
            return self.const(e.value)
        if isinstance(e, ast.StrLit):
            return repr(e.value)
        if isinstance(e, ast.BoolLit):
            return repr(e.value)
        if isinstance(e, Const):
            return self.const(e.value)
        if isinstance(e, ast.Name):
            if id(e) in self.a.constants:
                return self.const(self.a.constants[id(e)])
            return pyvar(e.name)
        if isinstance(e, ast.CmdArg):
            return self.const(self.a.cmdargs[e.name])
        if isinstance(e, ast.VectorLit):
            self.helpers.add("_List")
            return f"_List([{', '.join(self.exs(e.items))}])"
        if isinstance(e, ast.Unary):
            return self.unary(e)
        if isinstance(e, ast.Binary):
            return self.binop(e.op, e.left, e.right, e.span)
        if isinstance(e, ast.Call):
            return self.call(e)
        if isinstance(e, ast.Index):
            return self.index(e)
        raise AssertionError(f"cannot lower {type(e).__name__}")

    def unary(self, e: ast.Unary) -> str:
        return self.unary_code(e.op, self.ex(e.operand), self.ty(e.operand),
                               isinstance(e.operand, ast.IntLit), e.span)

    def unary_code(self, op, x, t, int_literal, span) -> str:
        if self.specialize:
            if op == "-" and (t == T.DOUBLE or (t == T.INT and int_literal)):
                return f"(-{x})"
            if op == "!" and t == T.BOOL:
                return f"(not {x})"
            if op == "+" and t.is_numeric_scalar:
                return x
        helper = {"-": "_neg", "+": "_pos", "!": "_not"}[op]
        return self.mark(f"{self.h(helper)}({x})", span)

    def binop(self, op, left, right, span) -> str:
        a, b = self.exs([left, right])
        ta = self.ty(left)
        if op == "%*%" and self._transposed(right) == getattr(left, "name", 0) and \
                isinstance(left, ast.Name) and ta.dt == T.MATRIX:
            return self.mark(f"{self.h('_tsmm')}({a})", span)   # X %*% t(X): SystemDS's tsmm
        rlit = right.value if isinstance(right, (ast.IntLit, ast.FloatLit)) else None
        return self.binop_code(op, a, b, ta, self.ty(right), rlit, span)

    def binop_code(self, op, a, b, ta, tb, rlit, span) -> str:
        """Code of `a op b` from the operands' codes and types (rlit: the right operand's value
        when it is a number literal)."""
        if self.specialize and ta.is_numeric_scalar and tb.is_numeric_scalar:
            both_int = ta == T.INT and tb == T.INT
            if op in ("+", "-", "*"):
                if both_int:
                    if op == "*":
                        return self.mark(f"{self.h('_imul')}({a}, {b})", span)
                    return f"{self.h('_w')}({a} {op} {b})"
                return f"({a} {op} {b})"
            if op in _PYCMP:
                return f"({a} {_PYCMP[op]} {b})"
            if op == "/":
                if rlit is not None and rlit != 0:
                    return f"({a} / {b})" if not both_int else f"({a} / {float(rlit)!r})"
                return f"{self.h('_ddiv')}({a}, {b})"
            if op == "%%":
                if both_int:
                    if _SIMPLE.match(a) and _SIMPLE.match(b):
                        return f"({a} % {b} if {a} >= 0 < {b} else {self.h('_imod')}({a}, {b}))"
                    return f"{self.h('_imod')}({a}, {b})"
                return f"{self.h('_dmod')}({a}, {b})"
            if op == "%/%":
                if both_int:
                    return self.mark(f"{self.h('_iidiv')}({a}, {b})", span)
            if op == "^":
                return f"{self.h('_dpow')}({a}, {b})"
        if self.specialize and op in ("&", "|") and ta == T.BOOL and tb == T.BOOL:
            return f"({a} {op} {b})"  # both operands are evaluated, as in SystemDS
        if self.specialize and op in _PYCMP and ta == T.STRING and tb == T.STRING:
            return f"({a} {_PYCMP[op]} {b})"
        return self.mark(f"{self.h(_BIN[op])}({a}, {b})", span)

    def _transposed(self, e):
        """The variable name N when e is the builtin call t(N), else None."""
        if not isinstance(e, ast.Call) or e.name != "t" or e.namespace:
            return None
        b = self.a.bound.get(id(e))
        if b is None or b.kind != "builtin" or len(b.args) != 1 or not isinstance(b.args[0], ast.Name):
            return None
        return b.args[0].name

    def index(self, e: ast.Index) -> str:
        t = self.ty(e.target)
        x = self.ex(e.target)
        if self.height(e) >= EXPR_HEIGHT and not _SIMPLE.match(x):
            x = self.hoist(x)
        rows, cols, _ = self._bounds(e)
        rows, cols = ", ".join(rows), ", ".join(cols)
        name = repr(f"'{e.target.name}'") if isinstance(e.target, ast.Name) else repr("the matrix")
        if t.dt == T.MATRIX:  # X[i] (one index) selects rows, as X[i, ]
            code = f"{self.h('_get')}({x}, {rows}, {cols}, {name})"
        else:
            code = f"{self.h('_idx')}({x}, {rows}, {cols}, {e.two_d}, {name})"
        return self.mark(code, e.span)

    def call(self, c: ast.Call) -> str:
        b: Bound = self.a.bound[id(c)]
        if b.kind == "special":
            if b.target in ("ifdef", "exists"):
                return self.ex(b.args[0])
            if b.target == "eval":
                code = self.call(b.args[0])
                inner = self.a.bound.get(id(b.args[0]))
                if inner is not None and (len(inner.target.rtypes) if inner.kind == "function"
                                          else getattr(inner.target, "nret", 1)) > 1:
                    code = f"{code}[0]"  # several results: eval gives the first, as SystemDS
                return code
            if b.target == "eval_dynamic":
                self.helpers.add("_eval")
                return self.mark(f"_eval({', '.join(self.exs(b.args))})", c.span)
        if b.kind == "function":
            f = b.target
            args = [self.convert(code, self.ty(arg), pt)
                    for code, arg, pt in zip(self.exs(b.args), b.args, f.ptypes)]
            code = self.mark(f"{f.pyname}({', '.join(args)})", c.span)
            return f"{code}[0]" if id(c) in self.a.first_only else code
        bi = b.target
        if bi.name in ("as.scalar", "unique"):   # SystemDS rewrites that change results
            union = rewrites.union_of_rbind(self.a, c)
            if union is not None:
                return self.mark(f"{self.h('_union')}({', '.join(self.exs(list(union)))})", c.span)
            if rewrites.boolean_as_scalar(self.a, c):
                fname = self._builtin_name(bi)
                return f"{self.h('_truth')}({self.mark(f'{fname}({self.ex(b.args[0])})', c.span)})"
        # as.scalar(X[i, j]) reads one cell without building a 1x1 matrix
        if bi.name == "as.scalar" and len(b.args) == 1 and isinstance(b.args[0], ast.Index):
            ix = b.args[0]
            if self.ty(ix.target).dt == T.MATRIX and ix.two_d and self._single(ix.rows) \
                    and self._single(ix.cols):
                name = repr(f"'{ix.target.name}'") if isinstance(ix.target, ast.Name) else "'the matrix'"
                x, r, col = self.exs([ix.target, ix.rows.lo, ix.cols.lo])
                return self.mark(f"{self.h('_cell')}({x}, {r}, {col}, {name})", c.span)
        # every argument a scalar: the implementation without the sparse-matrix guard
        fname = self._builtin_name(bi, raw=all(self.ty(a).dt == T.SCALAR for a in b.args))
        args = self.exs(b.args)
        if bi.named_variadic:
            return self.cast(self.mark(f"{fname}([{', '.join(args)}], {b.names!r})", c.span))
        return self.cast(self.mark(f"{fname}({', '.join(args)})", c.span))

    def cast(self, code: str) -> str:
        """A builtin's result in the run's precision (single: its matrices become float32)."""
        return f"{self.h('_pc')}({code})" if self.precision == "single" else code

    def _builtin_name(self, bi, raw: bool = False) -> str:
        """The namespace name of a builtin: _b_<name> its guarded implementation, _u_<name>
        (raw) the one without the sparse guard (dmlpy.builtins.registry)."""
        fname = ("_u_" if raw else "_b_") + re.sub(r"[^A-Za-z0-9_]", "_", bi.name)
        self.builtins[fname] = bi
        return fname
