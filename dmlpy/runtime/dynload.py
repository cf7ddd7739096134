"""DML-bodied builtins named only at run time (`eval(name, ...)`, `evalList(name, ...)` with a
computed name): the builtin's file is compiled on first use, as a program of its own, and kept for
the rest of the process (one entry per name and builtin search path).

An entry has the shape of the compiled program's function table, `(fn, ptypes, Function)`; `fn`
reports a failure inside the builtin at the builtin's own DML line."""
from __future__ import annotations

import threading
from pathlib import Path

from ..errors import DMLError, DMLRuntimeError
from . import context

_CACHE: dict = {}
_LOCK = threading.Lock()


def builtin_entry(name: str):
    """(fn, ptypes, Function) of the DML-bodied builtin `name`, or None when there is none."""
    from ..source import builtin_path
    key = (name, tuple(str(p) for p in builtin_path()))
    with _LOCK:
        if key not in _CACHE:
            _CACHE[key] = _compile(name)
        return _CACHE[key]


def _compile(name: str):
    from ..compile.analyze import Analysis
    from ..compile.codegen import CodeGen
    from ..compile.modules import Loader
    from ..parse import ast
    from .executor import Program
    loader = Loader()
    main = loader.main(ast.Program("<eval>", [], []), Path.cwd())
    f = loader.load_builtin(name)
    loader.check()
    if f is None:
        return None
    analysis = Analysis(loader, main, {}, {})
    analysis._want(f)
    analysis.run()
    gen = CodeGen(analysis)
    program = Program(gen.program([], None), gen)
    fn, ptypes, info = program.ns["__dml_functions__"][f.display]
    return (_located(program, fn), ptypes, info)


def _located(program, fn):
    """`fn`, with its errors placed at the lines of the builtin's file (the caller's program
    knows only its own generated code)."""
    from .executor import _failing_builtin, _message

    table = program.ns["__dml_functions__"]

    def call(*args):
        running = context.enter_nested(table)   # the builtin's eval()s see its own functions
        try:
            return fn(*args)
        except DMLError as e:
            err = program._locate(e, e)
        except (KeyboardInterrupt, BrokenPipeError):
            raise
        except BaseException as e:  # noqa: BLE001 - every failure becomes a DML error
            err = program._locate(DMLRuntimeError(_message(e, _failing_builtin(e))), e)
        finally:
            context.leave(running)
        # the generated frames of this program must not be read against the caller's code
        raise err.with_traceback(None) from None
    call.__name__ = getattr(fn, "__name__", "builtin")
    return call
