"""The one builtin registry: name, parameters with defaults, number of results, type rule, implementation.

A builtin's parameters are declared as a string, e.g. "target, rows=100, cols=100, decimal=3":
positional order, DML names (dots allowed), and constant defaults written as DML literals
(numbers, TRUE/FALSE, quoted strings, or `?` for "absent": the implementation receives None).
`*args` makes a builtin variadic: every argument is passed positionally (names, if allowed,
are passed through `names=`). Calls are bound to positions at compile time, so the runtime
calls `impl(*values)` without any argument processing.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from .. import types as T

@dataclass
class Builtin:
    name: str
    params: list[str]
    defaults: dict
    impl: Callable
    rule: Callable            # (list[Type], list[ast.Expr]) -> Type or tuple of Types
    nret: int = 1             # results; 0 = statement-only
    variadic: bool = False    # impl(*args)
    named_variadic: bool = False  # impl(args, names): names[i] is None for positional
    min_args: int = 0
    doc: str = ""
    status: str = "native"
    pure: bool = True
    aliases: tuple = ()
    extra: dict = field(default_factory=dict)
    raw: Callable | None = None   # impl without the sparse guard (impl itself for sparse=True)


REGISTRY: dict[str, Builtin] = {}
IMPL_NAMES: dict = {}   # code object of an implementation -> DML name (for error messages)


def _literal(text: str):
    text = text.strip()
    if text == "?":
        return None
    if text in ("TRUE", "FALSE"):
        return text == "TRUE"
    if text[:1] in "\"'":
        return text[1:-1].encode().decode("unicode_escape")
    try:
        return int(text)
    except ValueError:
        return float(text)


def builtin(name: str, params: str = "", rule=None, nret: int = 1, doc: str = "",
            aliases: tuple = (), pure: bool = True, **extra):
    """Register `impl` under `name`; see the module docstring for `params`."""
    def deco(impl):
        plist, defaults, variadic, named_var, min_args = [], {}, False, False, 0
        for part in _split(params):
            if part == "*args":
                variadic = True
                continue
            if part == "**args":
                variadic = named_var = True
                continue
            if "=" in part:
                pname, dflt = part.split("=", 1)
                defaults[pname.strip()] = _literal(dflt)
                plist.append(pname.strip())
            else:
                plist.append(part)
                if not variadic:
                    min_args += 1
        b = Builtin(name, plist, defaults, impl, rule or _unknown, nret, variadic, named_var,
                    extra.pop("min_args", min_args), doc or (impl.__doc__ or "").strip().split("\n")[0],
                    pure=pure, aliases=aliases, extra=extra)
        b.raw = impl
        if not extra.pop("sparse", False):
            b.impl = _sparse_guard(b)
        REGISTRY[name] = b
        code = getattr(impl, "__code__", None)
        if code is not None:
            IMPL_NAMES.setdefault(code, name)
        for a in aliases:
            REGISTRY[a] = b
        return impl
    return deco


# argument types the guard hands to dmlpy.sparse.dispatch (a device matrix of a -gpu run that
# reaches a builtin outside the run's own guard, e.g. through eval, is brought to the host there)
_WATCH = ("csr_array", "DMLList", "DeviceMatrix")


def _sparse_guard(b: Builtin) -> Callable:
    """impl behind a check for sparse (scipy csr) matrix arguments: a builtin registered without
    sparse=True never sees one; dmlpy.sparse.dispatch runs its sparse form or densifies the
    arguments. The check is a type-name test per argument; generated code calls `raw` where the
    analysis proves every argument a scalar (dmlpy/compile/codegen.py)."""
    impl, name = b.raw, b.name
    if b.named_variadic:
        def guarded_named(args, names):
            for a in args:
                if type(a).__name__ in _WATCH:
                    from ..sparse.dispatch import call_named
                    return call_named(name, impl, args, names)
            return impl(args, names)
        return guarded_named

    if not b.variadic and len(b.params) == 1 and b.min_args == 1:
        def guarded_one(a):         # (one argument: no tuple to build, the common case)
            if type(a).__name__ in _WATCH:
                from ..sparse.dispatch import call
                return call(name, impl, (a,))
            return impl(a)
        return guarded_one

    def guarded(*args):
        for a in args:
            if type(a).__name__ in _WATCH:      # (a list may hold a sparse matrix)
                from ..sparse.dispatch import call
                return call(name, impl, args)
        return impl(*args)
    return guarded


def _split(params: str):
    out, cur, q = [], "", None
    for ch in params:
        if q:
            cur += ch
            if ch == q:
                q = None
        elif ch in "\"'":
            q = ch
            cur += ch
        elif ch == ",":
            if cur.strip():
                out.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        out.append(cur.strip())
    return out


def _unknown(types, args):
    return T.UNKNOWN


# ----------------------------------------------------------------- common type rules
def r_const(t):
    return lambda types, args: t


r_int = r_const(T.INT)
r_bool = r_const(T.BOOL)
r_string = r_const(T.STRING)
r_matrix = r_const(T.MATRIX_T)
r_list = r_const(T.LIST_T)
r_frame = r_const(T.FRAME_T)
r_none = r_const(None)


def r_agg(types, args):
    """A full aggregate of a matrix (sum, mean, ...): a double; a scalar argument is an error."""
    from ..errors import RuleError
    if types and types[0].dt == T.SCALAR:
        raise RuleError(f"expects a matrix argument, got a scalar ({types[0]})")
    return T.DOUBLE


def r_agg_matrix(types, args):
    """A row/column aggregate (colSums, ...): a matrix; a scalar argument is an error."""
    from ..errors import RuleError
    if types and types[0].dt == T.SCALAR:
        raise RuleError(f"expects a matrix argument, got a scalar ({types[0]})")
    return T.MATRIX_T


def r_elementwise(types, args):
    """Matrix if any argument is a matrix, else a double scalar (abs, sqrt, exp, ...)."""
    if any(t.dt == T.MATRIX for t in types):
        return T.MATRIX_T
    if all(t.dt == T.SCALAR for t in types):
        return T.DOUBLE
    return T.UNKNOWN




def lookup(name: str) -> Builtin | None:
    """The builtin called `name`. Groups are imported in order only until it is found, so that a
    script using only core builtins never loads the modules (and NumPy) behind the others."""
    b = REGISTRY.get(name)
    while b is None and _next_group():
        b = REGISTRY.get(name)
    return b


def all_names():
    while _next_group():
        pass
    return sorted(REGISTRY)


# modules that register builtins when imported (one per group of the DML builtin library; a
# dotted name is a module outside this package)
GROUPS = ("core", "elementwise", "reorg", "aggregates", "linalg", "distributions", "signal", "strings",
          "frames", "framemap", "tokenize", "io", "dnn", "dmlpy.parallel.paramserv")
_loaded = 0


def _next_group() -> bool:
    """Import the next group module; False when all are loaded."""
    global _loaded
    import importlib
    while _loaded < len(GROUPS):
        g = GROUPS[_loaded]
        _loaded += 1
        module = g if "." in g else f"{__package__}.{g}"
        try:
            importlib.import_module(module)
            return True
        except ModuleNotFoundError as e:
            if e.name != module:
                raise
    return False
