"""Runs a compiled program: loads the generated code once, calls it many times, and turns any
exception into a DMLError at the DML line (and column) that raised it, with the DML call stack."""
from __future__ import annotations

import contextlib
import hashlib
import importlib
import re
import sys
import threading
import time


from ..errors import DMLError, DMLRuntimeError, OpError
from . import context

GENERATED = "<dml>"
_MODULES = {"ops": "dmlpy.runtime.ops", "matrix": "dmlpy.runtime.matrix",
            "values": "dmlpy.runtime.values", "format": "dmlpy.runtime.format",
            "executor": "dmlpy.runtime.executor", "reorg": "dmlpy.builtins.reorg",
            "plan": "dmlpy.runtime.planops", "parallel": "dmlpy.parallel.local"}
UNBOUND = object()  # a variable not assigned yet, passed into a generated block function


def dynamic_eval(name, *args):
    """eval(name, args...) with a name known only at run time: a compiled DML function or a
    native builtin, called with positional arguments (a single list argument is unpacked)."""
    from ..builtins.registry import lookup
    from .context import functions
    from .values import DMLList
    table = functions()
    if name not in table and lookup(name) is None:
        from .dynload import builtin_entry   # a DML-bodied builtin, compiled on first use
        entry = builtin_entry(name)
        if entry is not None:
            table = {name: entry}
    names, spread = None, False
    if len(args) == 1 and isinstance(args[0], DMLList):
        # a single list is spread over the parameters (by name when it is named), unless the
        # function takes exactly one parameter, a list (SystemDS's rule)
        params = table[name][2].fdef.params if name in table else None
        if not (params is not None and len(params) == 1 and params[0].type.data == "list"):
            names = args[0].names if args[0].values else None
            args, spread = tuple(args[0].values), True   # defaults fill what the list leaves out
    if name in table:
        fn, ptypes, f = table[name]
        from . import ops
        params = f.fdef.params
        if names is not None:
            args = _by_name(dict(zip(names, args)), [p.name for p in params], name,
                            lambda i: _default_of(params[i], name))
        if len(args) > len(params):
            raise OpError(f"eval(): '{name}' takes {len(params)} argument(s) but {len(args)} were given")
        if len(args) < len(params) and not spread:  # SystemDS binds every parameter by position
            missing = ", ".join(f"'{p.name}'" for p in params[len(args):])
            raise OpError(f"eval(): missing argument {missing} in the call of '{name}' (eval passes "
                          f"all {len(params)} arguments by position)")
        args = list(args) + [_default_of(p, name) for p in params[len(args):]]
        conv = {"double": ops.param_double, "int": ops.param_int, "boolean": ops.param_bool}
        args = [conv[t.vt](a) if t.dt == "scalar" and t.vt in conv else a for a, t in zip(args, ptypes)]
        out = fn(*args)
        return out[0] if isinstance(out, tuple) else out  # several results: the first, as SystemDS
    b = lookup(name)
    if b is not None and names is not None and not b.variadic:
        args = _by_name(dict(zip(names, args)), b.params, name,
                        lambda i: b.defaults[b.params[i]] if b.params[i] in b.defaults else _no_default(
                            b.params[i], name))
    if b is not None and (b.variadic or b.min_args <= len(args) <= len(b.params)):
        if b.variadic:
            return b.impl(*args)
        full = list(args) + [b.defaults.get(p) for p in b.params[len(args):]]
        return b.impl(*full)
    raise OpError(f"eval(): unknown function '{name}'")


def _by_name(given: dict, pnames: list, fname: str, default) -> list:
    """Arguments of a named list in parameter order; `default(i)` for those left out."""
    for k in given:
        if k not in pnames:
            raise OpError(f"eval(): '{fname}' has no parameter named '{k}'; its parameters are: "
                          f"{', '.join(pnames) or 'none'}")
    return [given[p] if p in given else default(i) for i, p in enumerate(pnames)]


def _no_default(pname, fname):
    raise OpError(f"eval(): missing argument '{pname}' in the call of '{fname}' (it has no default value)")


def _default_of(param, fname):
    """The default value of a parameter that eval() leaves out (a literal, possibly negated)."""
    from ..parse import ast
    e, sign = param.default, 1
    if isinstance(e, ast.Unary) and e.op in ("-", "+"):
        e, sign = e.operand, (-1 if e.op == "-" else 1)
    if isinstance(e, (ast.IntLit, ast.FloatLit)):
        return sign * e.value
    if isinstance(e, (ast.StrLit, ast.BoolLit)) and sign == 1 and e is param.default:
        return e.value
    if param.default is None:
        raise OpError(f"eval(): missing argument '{param.name}' in the call of '{fname}' "
                      "(it has no default value)")
    raise OpError(f"eval(): argument '{param.name}' of '{fname}' must be given (its default "
                  "is not a constant)")


class Stats:
    """--stats: time and count per operation."""

    def __init__(self):
        self.count: dict[str, int] = {}
        self.time: dict[str, float] = {}
        self.start = time.perf_counter()
        self.sections: list = []     # callables giving more report lines (the GPU's placement)

    def wrap(self, label, fn):
        count, tm, clock = self.count, self.time, time.perf_counter

        def timed(*args):
            t0 = clock()
            try:
                return fn(*args)
            finally:
                tm[label] = tm.get(label, 0.0) + clock() - t0
                count[label] = count.get(label, 0) + 1
        timed.__name__ = getattr(fn, "__name__", label)
        return timed

    def report(self, top: int = 20) -> str:
        total = time.perf_counter() - self.start
        lines = ["dmlpy statistics:", f"Total execution time: {total:.3f} sec.",
                 "Heavy hitters (inclusive time, heaviest first):",
                 f"  {'#':>3}  {'operation':<28} {'time (s)':>10} {'count':>10}"]
        items = sorted(self.time.items(), key=lambda kv: -kv[1])[:top]
        for i, (k, v) in enumerate(items, 1):
            lines.append(f"  {i:>3}  {k:<28} {v:>10.4f} {self.count[k]:>10}")
        lines.extend(section() for section in self.sections)
        return "\n".join(lines)


_LABELS = {"_add": "+", "_sub": "-", "_mul": "*", "_div": "/", "_pow": "^", "_mod": "%%",
           "_idiv": "%/%", "_lt": "<", "_le": "<=", "_gt": ">", "_ge": ">=", "_eq": "==",
           "_ne": "!=", "_and": "&", "_or": "|", "_not": "!", "_neg": "-(unary)",
           "_matmul": "%*%", "_cell": "index (cell)", "_get": "index", "_idx": "index",
           "_setcell": "left-index (cell)", "_setreg": "left-index", "_setidx": "left-index",
           "_fz": "fused kernel", "_fok": "fused kernel (input check)", "_mmc": "%*% chain",
           "_mmok": "%*% chain (order)", "_tsmm": "tsmm", "_tsmm_l": "tsmm",
           "_mm_tn": "%*% (transposed operand)", "_mm_nt": "%*% (transposed operand)",
           "_sumsq": "sumsq", "_pc": "to single precision"}


RECURSION_LIMIT = 20000
_DEEP = [0, None]            # runs in progress (they may nest, or overlap in threads), the host's limit
_DEEP_LOCK = threading.Lock()


def _deep_enter():
    """Raise the recursion limit for a run; the last run to end puts the host's limit back."""
    _DEEP_LOCK.acquire()
    if _DEEP[0] == 0:
        old = sys.getrecursionlimit()
        _DEEP[1] = old if old < RECURSION_LIMIT else None
        if old < RECURSION_LIMIT:
            sys.setrecursionlimit(RECURSION_LIMIT)
    _DEEP[0] += 1
    _DEEP_LOCK.release()


def _deep_leave():
    _DEEP_LOCK.acquire()
    _DEEP[0] -= 1
    if _DEEP[0] == 0:       # the last run ended: its recycled result buffers go
        pool = sys.modules.get("dmlpy.backends.bufpool")
        if pool is not None:
            pool.clear()
    if _DEEP[0] == 0 and _DEEP[1] is not None:
        if sys.getrecursionlimit() == RECURSION_LIMIT:   # unless the host changed it meanwhile
            sys.setrecursionlimit(_DEEP[1])
        _DEEP[1] = None
    _DEEP_LOCK.release()


_NP_QUIET = []   # [(context variable, quiet value)] once NumPy is loaded (NumPy 2); [None] otherwise


def _numpy_quiet():
    """Quiet NumPy's floating-point warnings for a run (DML gives NaN/Inf). A run of a script that
    never touches a matrix must not import NumPy for this, so when NumPy is not loaded yet, the
    import hook below quiets it at the moment the run first loads it (undone in _numpy_restore)."""
    np = sys.modules.get("numpy")
    if np is None:
        _QuietNumpyOnLoad.install()
        return None
    if not _NP_QUIET:
        try:   # NumPy 2 keeps its error state in a context variable: switching it is cheap
            from numpy._core._ufunc_config import _extobj_contextvar as state
            with np.errstate(all="ignore"):
                _NP_QUIET.append((state, state.get()))
        except (ImportError, AttributeError):  # pragma: no cover - other NumPy versions
            _NP_QUIET.append(None)
    if _NP_QUIET[0] is not None:
        state, quiet = _NP_QUIET[0]
        return ("var", state.set(quiet))
    ctx = np.errstate(all="ignore")
    ctx.__enter__()
    return ("ctx", ctx)


class _QuietNumpyOnLoad:
    """A one-shot import hook: when NumPy is first imported during a run, quiet it right after it
    has loaded (the import itself is done by Python's own finders and loader)."""
    _hook = None

    @classmethod
    def install(cls):
        if cls._hook is None:
            cls._hook = cls()
            sys.meta_path.insert(0, cls._hook)

    @classmethod
    def remove(cls):
        if cls._hook is not None:
            try:
                sys.meta_path.remove(cls._hook)
            except ValueError:
                pass
            cls._hook = None

    def find_spec(self, name, path=None, target=None):
        if name != "numpy":
            return None
        import importlib.util
        type(self).remove()
        spec = importlib.util.find_spec("numpy")
        loader = getattr(spec, "loader", None)
        if loader is None or not hasattr(loader, "exec_module"):
            return spec
        real = loader.exec_module

        def exec_module(module):
            real(module)
            module.seterr(all="ignore")
        loader.exec_module = exec_module
        return spec


def _numpy_restore(token):
    if token is None:
        _QuietNumpyOnLoad.remove()
        np = sys.modules.get("numpy")
        if np is not None:   # loaded during the run: give the host NumPy's own defaults
            np.seterr(divide="warn", over="warn", under="ignore", invalid="warn")
        return
    kind, t = token
    if kind == "var":
        _NP_QUIET[0][0].reset(t)
    else:  # pragma: no cover
        t.__exit__(None, None, None)


class Program:
    def __init__(self, source: str, gen, stats: Stats | None = None):
        from ..compile.codegen import HELPERS
        self.source = source
        self.digest = hashlib.sha256(source.encode("utf-8")).hexdigest()
        self.recipe = None        # set by compile_program (compile.Recipe)
        self.spans = gen.spans
        self.marks = gen.marks
        self.funcnames = gen.funcnames
        self.stats = stats
        self.precision = getattr(gen, "precision", "double")
        self.backend = getattr(gen, "backend", "cpu")
        ns: dict = {"__name__": "dmlpy_program"}
        for name in gen.helpers:
            mod, attr = HELPERS[name]
            ns[name] = getattr(importlib.import_module(_MODULES[mod]), attr)
        for name, bi in gen.builtins.items():
            ns[name] = (bi.raw or bi.impl) if name.startswith("_u_") else bi.impl
            if self.backend == "cuda" and not name.startswith("_u_"):
                from ..backends.cuda.place import guard
                ns[name] = guard(bi)
        ns.update(gen.consts)
        self.code = compile(source, GENERATED, "exec")
        exec(self.code, ns)
        # a user's function shadows a DML-bodied builtin of the same name
        ns["__dml_functions__"] = {f.display: (ns[f.pyname], f.ptypes, f) for f in
                                   sorted(gen.a.functions, key=lambda f: not f.module.builtin)}
        if stats is not None:
            for name in list(ns):
                fn = ns[name]
                if not callable(fn) or name.startswith("__") and name != "__dml_main__":
                    continue
                if name in gen.builtins:
                    ns[name] = stats.wrap(gen.builtins[name].name, fn)
                elif name in gen.helpers:
                    ns[name] = stats.wrap(_LABELS.get(name, name.lstrip("_")), fn)
                elif name in gen.funcnames and name != "__dml_main__" and not name.startswith("_blk"):
                    ns[name] = stats.wrap(f"{gen.funcnames[name]} (function)", fn)
        self.main = ns["__dml_main__"]
        self.ns = ns

    def __call__(self, *inputs):
        with self.session():
            if self.precision == "single":
                from .planops import to_precision
                inputs = [to_precision(v) for v in inputs]
            return self.main(*inputs)

    @contextlib.contextmanager
    def session(self):
        """The settings a run of this program's code needs (deep recursion, quiet NumPy
        floating-point errors: DML gives NaN/Inf, the precision, the function table), the host's
        again when it ends, however it ends; any failure inside becomes a DMLError at its DML
        position. A cluster worker runs a parfor body of the program in one (parallel/remote.py)."""
        _deep_enter()
        quiet = _numpy_quiet()
        single = self.precision == "single"
        if single:
            from ..backends import set_precision
            old = set_precision("single")
        gpu = None
        if self.backend == "cuda":
            from ..backends.cuda.place import activate
            gpu = activate(self.stats)
        running = context.enter(self.ns["__dml_functions__"], self)
        try:
            yield self
        except DMLError as e:
            raise self._locate(e, e) from None
        except (KeyboardInterrupt, BrokenPipeError):
            raise
        except BaseException as e:  # noqa: BLE001 - every failure becomes a DML error
            raise self._locate(DMLRuntimeError(_message(e, _failing_builtin(e))), e) from None
        finally:
            context.leave(running)
            if gpu is not None:
                from ..backends.cuda.place import deactivate
                deactivate(gpu)
            if single:
                set_precision(old)
            _numpy_restore(quiet)
            _deep_leave()

    # ------------------------------------------------------------------ error locations
    def _locate(self, err: DMLError, exc: BaseException) -> DMLError:
        frames = []
        tb = exc.__traceback__
        while tb is not None:
            if tb.tb_frame.f_code.co_filename == GENERATED:
                frames.append(tb)
            tb = tb.tb_next
        if not frames:
            return err
        inner = frames[-1]
        if err.span is None:
            err.diagnostics[0].span = self._span_of(inner)
        stack = []
        for caller, callee in reversed(list(zip(frames, frames[1:]))):
            if callee.tb_frame.f_code.co_name.startswith("_blk"):
                continue  # a deeply nested block moved into a function of its own: not a DML call
            span = self._span_of(caller)
            if span is not None:
                name = self.funcnames.get(callee.tb_frame.f_code.co_name, "?")
                where = self.funcnames.get(caller.tb_frame.f_code.co_name, "")
                stack.append((f"'{name}' called from " + (f"'{where}'" if where else "the main program"), span))
        if not err.stack:
            err.stack = stack
        return err

    def _span_of(self, tb):
        line = tb.tb_lineno
        try:
            positions = list(tb.tb_frame.f_code.co_positions())
            _, _, col, end = positions[tb.tb_lasti // 2]
        except (AttributeError, IndexError, ValueError):
            col = end = None
        best = None
        if col is not None:
            for start, stop, span in self.marks.get(line, ()):
                if start <= col and end is not None and end <= stop:
                    if best is None or stop - start < best[1] - best[0]:
                        best = (start, stop, span)
        if best is not None:
            return best[2]
        return self.spans.get(line) or self._nearest(line)

    def _nearest(self, line):
        while line > 0:
            if line in self.spans:
                return self.spans[line]
            line -= 1
        return None


def _failing_builtin(e: BaseException):
    """(DML name, argument values) of the builtin whose implementation raised `e`, if any."""
    from ..builtins.registry import IMPL_NAMES
    tb, found = e.__traceback__, None
    while tb is not None:
        name = IMPL_NAMES.get(tb.tb_frame.f_code)
        if name is not None:
            code = tb.tb_frame.f_code
            args = [tb.tb_frame.f_locals.get(v) for v in code.co_varnames[:code.co_argcount]]
            found = (name, args)
        tb = tb.tb_next
    return found


def _message(e: BaseException, builtin=None) -> str:
    from .messages import humanize, without_objects
    if isinstance(e, OpError):
        return without_objects(str(e))
    if builtin is not None and isinstance(e, (TypeError, ValueError, AttributeError, IndexError,
                                              KeyError, ZeroDivisionError, OverflowError,
                                              ArithmeticError, LookupError)):
        from .values import type_name
        name, args = builtin
        kinds = ", ".join(type_name(a) for a in args if a is not None)
        return f"{name}(): invalid arguments ({kinds}): {humanize(str(e)) or 'not accepted'}"
    if isinstance(e, (UnboundLocalError, NameError)):
        m = re.search(r"'(v_[A-Za-z0-9_]+)'", str(e))
        if m:
            from ..compile.names import dml_var
            name = dml_var(m.group(1))
            return f"variable '{name}' is used before it is assigned on this path"
    if isinstance(e, RecursionError):
        return "recursion too deep (does a function call itself without end?)"
    if isinstance(e, MemoryError):
        return "out of memory"
    said = humanize(str(e))
    return said if said and said != str(e) else f"the operation failed ({humanize(str(e)) or 'no detail'})"
