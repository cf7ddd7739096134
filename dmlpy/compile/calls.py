"""Stage 2, calls: how the analysis resolves a call (user function, native builtin, DML-bodied
builtin, the special forms ifdef/exists/eval) and binds its arguments to parameters, with the
static types of its results. A mixin of compile/analyze.py's Analysis."""
from __future__ import annotations

import difflib
from dataclasses import dataclass

from .. import types as T
from ..builtins import registry
from ..errors import RuleError
from ..parse import ast
from .modules import LATE, Function, Module
from .positional import positional


SPECIAL_CALLS = {"ifdef", "exists", "eval"}


class Const(ast.Expr):
    """A constant filled in by the compiler (a builtin's default value, a command-line argument)."""
    __slots__ = ("value",)

    def __init__(self, span, value):
        self.span = span
        self.value = value


@dataclass
class Bound:
    kind: str                 # "builtin" | "function" | "special"
    target: object            # registry.Builtin | Function | str
    args: list                # expressions in parameter order (Const for defaults)
    names: list | None = None  # for builtins that take named arguments as data (list(a=1))


def const_type(v) -> T.Type:
    return T.of_value(v) if v is not None else T.UNKNOWN


def an(t) -> str:
    """A type with its article, for messages: 'an int', 'a matrix'."""
    word = str(t)
    return ("an " if word[:1] in "aeiou" else "a ") + word


class CallBinder:
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

    def call(self, c: ast.Call, env, mod, target=None) -> Bound | None:
        if c.namespace is None and c.name in SPECIAL_CALLS:
            return self._special(c, env, mod)
        target = target or self.resolve(c, mod)
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
            if target.name == "paramserv":
                self._want_paramserv([b.args[target.params.index(p)] for p in ("upd", "agg", "val")],
                                     mod)
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

    def _want_paramserv(self, names, mod: Module):
        """paramserv's upd, agg and val functions are called by name: compile them with the
        program (every function, when a name is known only at run time)."""
        for a in names:
            if isinstance(a, Const) and a.value is None:
                continue
            if not isinstance(a, ast.StrLit):
                for m in [mod, *mod.namespaces.values()]:
                    for f in m.functions.values():
                        self._want(f)
                continue
            ns, _, name = a.value.rpartition("::")
            ns = "" if ns == ".defaultNS" else ns
            if ns and ns not in mod.namespaces:   # a source()d file named by its path
                for m in self.loader.modules:
                    if name in m.functions and m.path is not None and not m.builtin:
                        self._want(m.functions[name])
                continue
            self._want_named(ast.StrLit(a.span, f"{ns}::{name}" if ns else name), mod)

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
                # in a source()d file, an unqualified name means the main script's function when
                # it has one (SystemDS looks eval's name up in the default namespace; for a name
                # only the file defines, SystemDS fails, dmlpy takes the file's function)
                main = self.loader.modules[0]
                mine = main.functions.get(name) if not ns and mod is not main and not mod.builtin \
                    else None
                b = self.call(call, env, mod, target=mine)
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
