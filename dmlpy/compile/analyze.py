"""Stage 2: validation and type inference, before anything runs.

Walks the main program and every reachable function once (loops to a fixpoint), resolves every
call (user function, native builtin, DML-bodied builtin), binds arguments to parameters, infers a
static type for every expression, and collects all problems at once.
"""
from __future__ import annotations

import difflib

from .. import types as T
from ..errors import Diagnostic, DMLValidationError, Span
from ..parse import ast
from . import rewrites
from .calls import Bound, CallBinder, Const, an, const_type
from .modules import Function, Loader, Module

REL_OPS = {"<", "<=", ">", ">=", "==", "!="}
LOGIC_OPS = {"&", "|"}
CONSTANTS = {"pi": 3.141592653589793}


class Analysis(CallBinder):
    def __init__(self, loader: Loader, main: Module, cmdargs: dict, inputs: dict):
        self.loader = loader
        self.main = main
        self.cmdargs = cmdargs
        self.inputs = inputs            # name -> Type of values passed in by the API
        self.types: dict[int, T.Type] = {}
        self.bound: dict[int, Bound] = {}
        self.diags: dict[tuple, Diagnostic] = {}
        self.functions: list[Function] = []   # reachable functions, in discovery order
        self._seen: set[int] = set()
        self.final_env: dict = {}
        self.function_env: dict[int, dict] = {}   # id(Function) -> variable types at its end
        self.plus_eq: dict[int, ast.Name] = {}     # id(Assign with +=) -> its left operand
        self.constants: dict[int, float] = {}      # id(Name) -> value of a builtin constant (pi)
        self.first_only: set[int] = set()          # id(Call) of functions whose first result is used

    # ------------------------------------------------------------------ driver
    def run(self):
        env = dict(self.inputs)
        self.stmts(self.main.program.statements, env, self.main)
        self.final_env = env
        for f in self.main.functions.values():
            self._want(f)
        i = 0
        while i < len(self.functions):
            self.function(self.functions[i])
            i += 1
        if self.diags:
            diags = sorted(self.diags.values(), key=lambda d: (d.span.file, d.span.line, d.span.col)
                           if d.span else ("", 0, 0))
            raise DMLValidationError("", diagnostics=diags)

    def error(self, span: Span, msg: str):
        self.diags.setdefault((span, msg), Diagnostic(span, msg))

    def _want(self, f: Function):
        if id(f) not in self._seen:
            self._seen.add(id(f))
            self.functions.append(f)

    def function(self, f: Function):
        fd = f.fdef
        env = {}
        for group, what in ((fd.params, "parameter"), (fd.returns, "result")):
            seen = set()
            for p in group:
                if p.name in seen:
                    self.error(p.span, f"function '{f.display}': {what} '{p.name}' is declared twice")
                seen.add(p.name)
        late = f.late_defaults
        for i, (p, t) in enumerate(zip(fd.params, f.ptypes)):
            if p.default is not None:   # a default reading parameters is evaluated in the function
                self.expr(p.default, dict(zip((q.name for q in fd.params), f.ptypes)) if i in late
                          else {}, f.module)
            env[p.name] = t
        self.stmts(fd.body, env, f.module)
        self.function_env[id(f)] = env
        for r, t in zip(fd.returns, f.rtypes):
            if r.name not in env:
                self.error(r.span, f"function '{f.display}': return variable '{r.name}' is never assigned")
                continue
            have = env[r.name]
            if t.dt == T.SCALAR and have.dt == T.SCALAR and t.vt == T.INT_VT and have.vt == T.DOUBLE_VT:
                self.error(r.span, f"function '{f.display}': return variable '{r.name}' is a double "
                           "but the signature says int (cannot safely cast double to int)")
            elif t.known and have.known and t.dt != have.dt:
                self.error(r.span, f"function '{f.display}': return variable '{r.name}' is a "
                           f"{have} but the signature says {t}")

    # ------------------------------------------------------------------ statements
    def stmts(self, stmts, env, mod):
        for s in stmts:
            self.stmt(s, env, mod)

    def stmt(self, s, env, mod):
        if isinstance(s, ast.Assign):
            if s.index is None:
                t = self.expr(s.value, env, mod)
                if s.op == "+=":
                    if s.name not in env:
                        self.error(s.name_span, f"'+=' needs '{s.name}' to be defined first")
                        t = T.UNKNOWN
                    else:
                        # x += e is lowered as x = x + e: the left operand gets its own typed node
                        left = self.plus_eq.setdefault(id(s), ast.Name(s.name_span, s.name))
                        self.types[id(left)] = env[s.name]
                        t = self.binary_type("+", env[s.name], t, s.span)
                env[s.name] = t
            else:
                if s.name not in env:
                    self._undefined(s.name, s.name_span, env)
                    env[s.name] = T.UNKNOWN
                self.index_parts(s.index, env, mod)
                vt = self.expr(s.value, env, mod)
                tt = env[s.name]
                if s.op == "+=":
                    self.error(s.span, "'+=' cannot update an indexed target; write X[i, j] = X[i, j] + v")
                if tt.dt == T.SCALAR:
                    self.error(s.name_span, f"cannot index into '{s.name}', {an(tt)} scalar")
                elif tt.dt == T.MATRIX and vt.dt in (T.LIST, T.FRAME):
                    self.error(s.value.span, f"cannot assign a {vt} into matrix '{s.name}'")
                self.types[id(s.index)] = tt
        elif isinstance(s, ast.MultiAssign):
            b = self.call(s.call, env, mod)
            rtypes = self._result_types(b, s.call)
            # a DML function (user, source()d or DML-bodied builtin) may have fewer targets than
            # results: the first are bound, as SystemDS does for every call it does not inline (it
            # rejects this for small functions it inlines); native builtins need all (svd, eigen)
            if rtypes is not None and len(s.targets) < len(rtypes) and b.kind == "function":
                rtypes = rtypes[:len(s.targets)]
            if rtypes is not None and len(rtypes) != len(s.targets):
                self.error(s.span, f"'{s.call.qualname}' returns {len(rtypes)} value(s) but "
                           f"{len(s.targets)} variables are assigned")
            for i, (name, _) in enumerate(s.targets):
                env[name] = rtypes[i] if rtypes and i < len(rtypes) else T.UNKNOWN
        elif isinstance(s, ast.ExprStmt):
            self.call(s.call, env, mod)
        elif isinstance(s, ast.If):
            self.condition(s.cond, env, mod)
            e1, e2 = dict(env), dict(env)
            self.stmts(s.then, e1, mod)
            self.stmts(s.orelse, e2, mod)
            env.clear()
            env.update(join_env(e1, e2))
        elif isinstance(s, ast.For):
            for e in (s.start, s.stop, s.step):
                if e is not None:
                    t = self.expr(e, env, mod)
                    if t.known and not t.is_numeric_scalar and t not in (T.BOOL, T.SCALAR_ANY) \
                            and t.dt != T.MATRIX:
                        self.error(e.span, f"a loop bound must be a number, not {an(t)}")
            if s.parallel:   # options and dependency analysis (a plain for's options are ignored)
                from ..parallel.deps import check_parfor
                check_parfor(self, s, env)
            self.loop(s.body, env, mod, s.var)
        elif isinstance(s, ast.While):
            self.condition(s.cond, env, mod)
            self.loop(s.body, env, mod, None, s.cond)
        elif isinstance(s, (ast.Source, ast.SetWd)):
            pass
        else:
            self.error(s.span, f"unsupported statement {type(s).__name__}")

    def loop(self, body, env, mod, var, cond=None):
        for _ in range(6):
            e = dict(env)
            if var is not None:
                e[var] = T.INT
            self.stmts(body, e, mod)
            if cond is not None:
                self.condition(cond, e, mod)
            new = join_env(env, e)
            if var is not None:
                new[var] = T.join(env.get(var), T.INT)
            if new == env:
                break
            env.clear()
            env.update(new)
        if var is not None:
            env[var] = T.join(env.get(var), T.INT)

    def condition(self, e, env, mod):
        t = self.expr(e, env, mod)
        if t.dt in (T.LIST, T.FRAME) or t == T.STRING:
            self.error(e.span, f"a condition must be a boolean, not {an(t)}")

    # ------------------------------------------------------------------ expressions
    def expr(self, e, env, mod) -> T.Type:
        t = self._expr(e, env, mod)
        self.types[id(e)] = t
        return t

    def _expr(self, e, env, mod) -> T.Type:
        if isinstance(e, ast.IntLit):
            return T.INT
        if isinstance(e, ast.FloatLit):
            return T.DOUBLE
        if isinstance(e, ast.StrLit):
            return T.STRING
        if isinstance(e, ast.BoolLit):
            return T.BOOL
        if isinstance(e, Const):
            return const_type(e.value)
        if isinstance(e, ast.Name):
            if e.name not in env:
                if e.name in CONSTANTS:  # builtin constants, unless a variable of that name exists
                    self.constants[id(e)] = CONSTANTS[e.name]
                    return T.DOUBLE
                self._undefined(e.name, e.span, env)
                return T.UNKNOWN
            self.constants.pop(id(e), None)
            return env[e.name]
        if isinstance(e, ast.VectorLit):
            for item in e.items:
                t = self.expr(item, env, mod)
                if t.known and not t.is_scalar:
                    self.error(item.span, f"a [..] list holds scalars, not {an(t)}")
            return T.LIST_T
        if isinstance(e, ast.CmdArg):
            if e.name not in self.cmdargs:
                self.error(e.span, f"the command-line argument ${e.name} is not given "
                           f"(pass it with -nvargs {e.name}=... or use ifdef(${e.name}, default))")
                return T.UNKNOWN
            return const_type(self.cmdargs[e.name])
        if isinstance(e, ast.Unary):
            t = self.expr(e.operand, env, mod)
            if t.dt in (T.LIST, T.FRAME) or t == T.STRING:
                self.error(e.span, f"unary '{e.op}' cannot be applied to {an(t)}")
                return T.UNKNOWN
            if e.op == "!":
                return T.MATRIX_T if t.dt == T.MATRIX else (T.BOOL if t.known else T.UNKNOWN)
            if t == T.BOOL:
                return T.DOUBLE if e.op == "-" else T.INT
            return t
        if isinstance(e, ast.Binary):
            a = self.expr(e.left, env, mod)
            b = self.expr(e.right, env, mod)
            return self.binary_type(e.op, a, b, e.span)
        if isinstance(e, ast.Call):
            b = self.call(e, env, mod)
            rt = self._result_types(b, e)
            if rt is None:
                return T.UNKNOWN
            if len(rt) > 1 and b.kind == "function":
                self.first_only.add(id(e))    # a DML function used as a value: its first result
                return rt[0] if rt[0] is not None else T.UNKNOWN
            if len(rt) != 1:
                if len(rt) == 0:
                    self.error(e.span, f"'{e.qualname}' returns no value")
                else:
                    self.error(e.span, f"'{e.qualname}' returns {len(rt)} values; assign them with "
                               f"[{', '.join('r%d' % (i + 1) for i in range(len(rt)))}] = {e.qualname}(...)")
                return T.UNKNOWN
            if rewrites.boolean_as_scalar(self, e):
                return T.BOOL
            return rt[0] if rt[0] is not None else T.UNKNOWN
        if isinstance(e, ast.Index):
            t = self.expr(e.target, env, mod)
            self.index_parts(e, env, mod)
            if t.dt == T.SCALAR:
                self.error(e.span, f"cannot index {an(t)} scalar")
                return T.UNKNOWN
            return t if t.dt != T.MATRIX else T.MATRIX_T
        self.error(e.span, f"unsupported expression {type(e).__name__}")
        return T.UNKNOWN

    def index_parts(self, ix: ast.Index, env, mod):
        for sl in (ix.rows, ix.cols):
            if sl is None:
                continue
            for part in (sl.lo, sl.hi):
                if part is not None:
                    t = self.expr(part, env, mod)
                    if t.dt in (T.LIST, T.FRAME):
                        self.error(part.span, f"an index must be a number, not {an(t)}")

    def binary_type(self, op, a: T.Type, b: T.Type, span) -> T.Type:
        if op == "%*%":
            for t in (a, b):
                if t.dt in (T.SCALAR, T.LIST, T.FRAME):
                    self.error(span, f"%*% needs two matrices, not {an(t)}")
                    return T.UNKNOWN
            return T.MATRIX_T
        if T.LIST in (a.dt, b.dt):
            self.error(span, f"operator '{op}' cannot be applied to a list (use as.scalar or as.matrix "
                       "on the element)")
            return T.UNKNOWN
        if T.MATRIX in (a.dt, b.dt):
            if T.STRING in (a, b):
                self.error(span, f"operator '{op}' cannot be applied to a matrix and a string")
                return T.UNKNOWN
            return T.MATRIX_T
        if not (a.known and b.known) or T.FRAME in (a.dt, b.dt):
            if op in ("/", "^") and a.dt != T.UNKNOWN_DT and b.dt != T.UNKNOWN_DT:
                return T.DOUBLE
            if op == "+" and T.STRING in (a, b):
                return T.STRING
            return T.UNKNOWN
        # two scalars
        if op in REL_OPS:
            return T.BOOL
        if op in LOGIC_OPS:
            return T.BOOL
        if T.STRING in (a, b):
            if op == "+":
                return T.STRING
            self.error(span, f"operator '{op}' cannot be applied to a string")
            return T.UNKNOWN
        if op in ("/", "^"):
            return T.DOUBLE
        if T.UNKNOWN_VT in (a.vt, b.vt):
            return T.SCALAR_ANY
        if a == T.INT and b == T.INT:
            return T.INT
        return T.DOUBLE

    def _undefined(self, name, span, env):
        close = difflib.get_close_matches(name, list(env), n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        self.error(span, f"undefined variable '{name}'{hint}")

    # ------------------------------------------------------------------ calls


def join_env(a: dict, b: dict) -> dict:
    out = dict(a)
    for k, t in b.items():
        out[k] = T.join(out.get(k), t)
    return out
