"""Stage 2: validation and type inference, before anything runs.

Walks the main program and every reachable function once (loops to a fixpoint), resolves every
call (user function, native builtin, DML-bodied builtin), binds arguments to parameters, infers a
static type for every expression, and collects all problems at once.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass

from .. import types as T
from ..builtins import registry
from ..errors import Diagnostic, DMLValidationError, Span
from ..parse import ast
from . import rewrites
from .modules import LATE, Function, Loader, Module
from .positional import positional

REL_OPS = {"<", "<=", ">", ">=", "==", "!="}
LOGIC_OPS = {"&", "|"}
SPECIAL_CALLS = {"ifdef", "exists", "eval"}
CONSTANTS = {"pi": 3.141592653589793}


class Const(ast.Expr):
    """A constant filled in by the compiler (a builtin's default value, a command-line argument)."""
    __slots__ = ("value",)

    def __init__(self, span, value):
        self.span = span
        self.value = value


class RuleError(Exception):
    """Raised by a builtin's type rule for an argument type that can never work."""


@dataclass
class Bound:
    kind: str                 # "builtin" | "function" | "special"
    target: object            # registry.Builtin | Function | str
    args: list                # expressions in parameter order (Const for defaults)
    names: list | None = None  # for builtins that take named arguments as data (list(a=1))


def const_type(v) -> T.Type:
    return T.of_value(v) if v is not None else T.UNKNOWN


class Analysis:
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
            for opt in s.options:
                self.expr(opt.value, env, mod)
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
    def _result_types(self, b: Bound | None, call) -> list | None:
        if b is None:
            return None
        if b.kind == "function":
            return list(b.target.rtypes)
        if b.kind == "special":
            return [self.types.get(id(call), T.UNKNOWN)]
        bi = b.target
        if bi.nret == 0:
            return []
        try:
            t = bi.rule([self.types.get(id(a), T.UNKNOWN) for a in b.args], b.args)
        except RuleError as err:
            self.error(call.span, f"{bi.name}(): {err}")
            t = T.UNKNOWN
        if isinstance(t, tuple):
            return list(t)
        if bi.nret > 1:
            return [T.UNKNOWN] * bi.nret if t is None or t == T.UNKNOWN else [t] * bi.nret
        return [t]

    def call(self, c: ast.Call, env, mod) -> Bound | None:
        if c.namespace is None and c.name in SPECIAL_CALLS:
            return self._special(c, env, mod)
        target = self.resolve(c, mod)
        if target is None:
            for a in c.args:
                self.expr(a.value, env, mod)
            return None
        if isinstance(target, Function):
            self._want(target)
            args = self._bind_function(target, c, env, mod)
            b = Bound("function", target, args)
        else:
            b = self._bind_builtin(target, c, env, mod)
            if b is None:
                return None
            if target.name == "evalList" and b.args and isinstance(b.args[0], ast.StrLit):
                self._want_named(b.args[0], mod)
        self.bound[id(c)] = b
        return b

    def _takes_one_list(self, name, mod: Module) -> bool:
        """Whether eval's constant function name means a function of exactly one parameter, a list
        (a list argument is then passed as it is, not spread: SystemDS's rule)."""
        if not isinstance(name, ast.StrLit):
            return False
        ns, _, short = name.value.rpartition("::")
        f = (mod.namespaces[ns].functions.get(short) if ns in mod.namespaces else None) if ns else \
            mod.functions.get(short) or (None if registry.lookup(short) else self.loader.load_builtin(short))
        return f is not None and len(f.fdef.params) == 1 and f.fdef.params[0].type.data == "list"

    def _want_named(self, lit: ast.StrLit, mod: Module):
        """evalList("f", ...) with a constant name: compile f (a user function, a source()d one,
        or a DML-bodied builtin) with the program, so that the call finds it at run time."""
        ns, _, name = lit.value.rpartition("::")
        if ns and ns not in mod.namespaces:
            return   # reported when the call runs, as SystemDS does
        target = self.resolve(ast.Call(lit.span, name, ns or None, []), mod)
        if isinstance(target, Function):
            self._want(target)

    def resolve(self, c: ast.Call, mod: Module):
        if c.namespace is not None:
            ns = mod.namespaces.get(c.namespace)
            if ns is None:
                close = difflib.get_close_matches(c.namespace, list(mod.namespaces), n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                self.error(c.span, f"unknown namespace '{c.namespace}'{hint}; source a file with "
                           f"source(\"file.dml\") as {c.namespace}")
                return None
            f = ns.functions.get(c.name)
            if f is None:
                close = difflib.get_close_matches(c.name, list(ns.functions), n=1)
                hint = f" (did you mean '{c.namespace}::{close[0]}'?)" if close else ""
                self.error(c.span, f"function '{c.name}' is not defined in namespace "
                           f"'{c.namespace}'{hint}")
            return f
        f = mod.functions.get(c.name)
        if f is not None:
            return f
        b = registry.lookup("rand" if c.name.lower() == "rand" else c.name)  # SystemDS: Rand too
        if b is not None:
            return b
        f = self.loader.load_builtin(c.name)
        if f is not None:
            return f
        names = list(mod.functions) + registry.all_names()
        close = difflib.get_close_matches(c.name, names, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        self.error(c.span, f"unknown function '{c.name}'{hint}")
        return None

    def _slots(self, pnames: list, c: ast.Call, who: str) -> tuple[list, bool]:
        """Named arguments take their parameters; positional ones then fill the remaining
        parameters in order (so `init(D=5, M=3, seed)` passes seed as the third)."""
        slots: list = [None] * len(pnames)
        ok = True
        for a in c.args:
            if a.name is None:
                continue
            if a.name not in pnames:
                close = difflib.get_close_matches(a.name, pnames, n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                self.error(a.span, f"{who} has no parameter named '{a.name}'{hint}; its parameters "
                           f"are: {', '.join(pnames) or 'none'}")
                ok = False
                continue
            i = pnames.index(a.name)
            if slots[i] is not None:
                self.error(a.span, f"argument '{a.name}' of {who} is given twice")
            slots[i] = a.value
        free = [i for i in range(len(pnames)) if slots[i] is None]
        positional = [a for a in c.args if a.name is None]
        if len(positional) > len(free):
            self.error(c.span, f"wrong number of arguments: {who} takes {len(pnames)} argument(s) "
                       f"but {len(positional) + len(pnames) - len(free)} were given")
            ok = False
        for i, a in zip(free, positional):
            slots[i] = a.value
        return slots, ok

    def _bind_function(self, f: Function, c: ast.Call, env, mod):
        fd = f.fdef
        who = f"'{f.display}'"
        slots, _ = self._slots([p.name for p in fd.params], c, who)
        for a in c.args:
            self.expr(a.value, env, mod)
        for i, p in enumerate(fd.params):
            if slots[i] is None:
                if p.default is None:
                    self.error(c.span, f"missing argument '{p.name}' in the call of {who} "
                               "(it has no default value)")
                    slots[i] = Const(c.span, None)
                elif i in f.late_defaults:   # the function computes it (see Function.late_defaults)
                    slots[i] = Const(c.span, LATE)
                    self.types[id(slots[i])] = f.ptypes[i]
                else:
                    slots[i] = p.default
                    self.expr(p.default, {}, f.module)
                continue
            at = self.types.get(id(slots[i]), T.UNKNOWN)
            pt = f.ptypes[i]
            if (at.known and pt.known and at.dt != pt.dt) or (
                    at == T.STRING and pt.dt == T.SCALAR and pt.vt in (T.INT_VT, T.DOUBLE_VT, T.BOOL_VT)):
                self.error(slots[i].span, f"argument '{p.name}' of {who} must be {an(pt)}, but "
                           f"{an(at)} is given")
        return slots

    def _bind_builtin(self, bi, c: ast.Call, env, mod) -> Bound | None:
        for a in c.args:
            self.expr(a.value, env, mod)
        c = positional(bi, c)
        if bi.named_variadic:
            return Bound("builtin", bi, [a.value for a in c.args], [a.name for a in c.args])
        if bi.variadic:
            named = [a for a in c.args if a.name is not None]
            if named:
                self.error(named[0].span, f"{bi.name}() takes no named arguments")
            if len(c.args) < bi.min_args:
                self.error(c.span, f"{bi.name}() needs at least {bi.min_args} argument(s)")
            return Bound("builtin", bi, [a.value for a in c.args])
        slots, ok = self._slots(bi.params, c, f"{bi.name}()")
        for i, p in enumerate(bi.params):
            if slots[i] is None:
                if p in bi.defaults:
                    slots[i] = Const(c.span, bi.defaults[p])
                    self.types[id(slots[i])] = const_type(bi.defaults[p])
                else:
                    self.error(c.span, f"{bi.name}() is missing its argument '{p}'")
                    ok = False
        return Bound("builtin", bi, slots) if ok else None

    def _special(self, c: ast.Call, env, mod) -> Bound | None:
        if c.name == "ifdef":
            if len(c.args) != 2:
                self.error(c.span, "ifdef() takes two arguments: ifdef($name, default)")
                return None
            first, dflt = c.args[0].value, c.args[1].value
            dt = self.expr(dflt, env, mod)
            if isinstance(first, ast.CmdArg):
                if first.name in self.cmdargs:
                    v = self.cmdargs[first.name]
                    t = const_type(v)
                    if t.is_numeric_scalar and dt.is_numeric_scalar and t != dt and dt == T.DOUBLE:
                        v = float(v)
                        t = T.DOUBLE
                    const = Const(first.span, v)
                    self.types[id(const)] = t
                    b = Bound("special", "ifdef", [const])
                else:
                    t = dt
                    b = Bound("special", "ifdef", [dflt])
            else:
                t = self.expr(first, env, mod)
                b = Bound("special", "ifdef", [first])
            self.types[id(c)] = t
            self.bound[id(c)] = b
            return b
        if c.name == "eval":
            if not c.args:
                self.error(c.span, "eval() needs a function name")
                return None
            first = c.args[0].value
            rest = c.args[1:]
            if len(rest) == 1 and isinstance(rest[0].value, ast.Call) and rest[0].value.name == "list" \
                    and rest[0].value.namespace is None and not self._takes_one_list(first, mod):
                rest = rest[0].value.args  # eval("f", list(a, b)) passes the list's elements
            if isinstance(first, ast.StrLit) and len(c.args) == 2 and rest[0] is c.args[1] \
                    and self.expr(rest[0].value, env, mod).dt == T.LIST:
                self._want_named(first, mod)   # eval("f", L): L is spread over f's parameters
            elif isinstance(first, ast.StrLit):   # (by name when named) when the call runs
                ns, _, name = first.value.rpartition("::")
                call = ast.Call(c.span, name, ns or None, rest)
                b = self.call(call, env, mod)
                if b is not None:
                    self.types[id(c)] = (self._result_types(b, call) or [T.UNKNOWN])[0]
                    b = Bound("special", "eval", [call])
                    self.bound[id(c)] = b
                return b
            self.expr(first, env, mod)
            for a in rest:
                self.expr(a.value, env, mod)
            for f in mod.functions.values():
                self._want(f)
            b = Bound("special", "eval_dynamic", [first] + [a.value for a in rest])
            self.types[id(c)] = T.UNKNOWN
            self.bound[id(c)] = b
            return b
        if c.name == "exists":
            if len(c.args) != 1:
                self.error(c.span, "exists() takes one argument")
                return None
            a = c.args[0].value
            if isinstance(a, ast.StrLit):
                known = a.value in env
            elif isinstance(a, ast.Name):
                known = a.name in env
            elif isinstance(a, ast.CmdArg):
                known = a.name in self.cmdargs
            else:
                self.expr(a, env, mod)
                known = True
            b = Bound("special", "exists", [Const(c.span, known)])
            self.types[id(c)] = T.BOOL
            self.bound[id(c)] = b
            return b
        return None


def an(t) -> str:
    """A type with its article, for messages: 'an int', 'a matrix'."""
    word = str(t)
    return ("an " if word[:1] in "aeiou" else "a ") + word


def join_env(a: dict, b: dict) -> dict:
    out = dict(a)
    for k, t in b.items():
        out[k] = T.join(out.get(k), t)
    return out
