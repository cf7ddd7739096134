"""Compilation pipeline: parse -> load sourced modules -> analyze (validate + infer) -> lower to Python."""
from __future__ import annotations

import re
from pathlib import Path

from .. import types as T
from .analyze import Analysis
from .modules import Loader, parse_main

_INT = re.compile(r"^[+-]?[0-9]+$")
_FLOAT = re.compile(r"^[+-]?([0-9]+\.[0-9]*|\.[0-9]+|[0-9]+)([eE][+-]?[0-9]+)?$")


def _arg_value(v):
    """A value given as an argument from Python: a DML scalar (NumPy scalars become Python ones)."""
    from ..errors import DMLValidationError
    if type(v).__module__ == "numpy" and getattr(v, "ndim", None) == 0 and hasattr(v, "item"):
        v = v.item()
    if isinstance(v, bool):
        return bool(v)
    if isinstance(v, int):
        if not -(1 << 63) <= v < (1 << 63):
            raise DMLValidationError(f"argument {v} does not fit in a DML integer (64 bits)")
        return int(v)
    if isinstance(v, float):
        return float(v)
    if isinstance(v, str):
        return str(v)
    raise DMLValidationError(f"an argument must be a number, a boolean or a string; got a {type(v).__name__}")


def cmd_value(text):
    """A command-line argument as DML reads it: int, double, boolean, or else a string."""
    if not isinstance(text, str):
        return _arg_value(text)
    if _INT.match(text) and len(text) <= 20:  # longer ones are read as a double, as SystemDS
        v = int(text)
        if -(1 << 63) <= v < (1 << 63):
            return v
    if _FLOAT.match(text):
        return float(text)
    if text in ("TRUE", "FALSE"):
        return text == "TRUE"
    return text


def _check_names(cmdargs, inputs, outputs):
    """Every name that reaches generated code is a DML identifier (args may also be $1, $2, ...)."""
    from ..errors import DMLValidationError
    from .names import is_identifier
    for what, names in (("input", inputs or {}), ("output", outputs or [])):
        for n in names:
            if not is_identifier(n) or "::" in n:
                raise DMLValidationError(f"{what} name {n!r} is not a DML variable name")
    for n in cmdargs or {}:
        if not (isinstance(n, str) and (is_identifier(n) and "::" not in n or n.isdigit())):
            raise DMLValidationError(f"argument name {n!r} is not a DML name ($name or $1, $2, ...)")


def compile_program(text: str | None = None, path: str | None = None, cmdargs: dict | None = None,
                    inputs: dict | None = None, outputs: list | None = None, stats=None,
                    specialize: bool = True, plan=None):
    """Compile a DML program once. `inputs` maps variable names to their static types (or None);
    `plan`: dmlpy.plan.PlanOptions (rewrites switched off, --explain recording)."""
    from ..errors import DMLValidationError, Span
    from .deep import TooDeep, run_deep
    from .. import source as src
    _check_names(cmdargs, inputs, outputs)
    files = src.recording()
    token = src.record_into(files if files is not None and files.replay else src.Files())
    try:
        program = run_deep(_compile, text, path, cmdargs, inputs, outputs, stats, specialize, plan)
        program.recipe = Recipe(text, path, dict(cmdargs or {}), dict(inputs or {}), list(outputs or []),
                                specialize and stats is None, program.plan_options, src.recording(),
                                program.digest)
        return program
    except TooDeep:
        raise DMLValidationError("the script is nested too deeply to compile (expressions or blocks "
                                 "nested tens of thousands of levels deep)",
                                 Span(path or "<string>", 1, 1)) from None
    finally:
        src.stop_recording(token)


class Recipe:
    """What compiles a program again elsewhere (a cluster worker): the arguments of
    compile_program, the record of the files it read (source.Files), and the digest of the Python
    it generated, which the worker's compile must reproduce."""

    def __init__(self, text, path, cmdargs, inputs, outputs, specialize, plan, files, digest):
        self.text, self.path, self.cmdargs = text, path, cmdargs
        self.inputs, self.outputs, self.specialize = inputs, outputs, specialize
        self.disabled = tuple(sorted(plan.disabled)) if plan is not None else ()
        self.precision = plan.precision if plan is not None else "double"
        self.files = files.as_dict() if files is not None else {}
        self.digest = digest

    def compile(self):
        """The program, compiled from the record (no file of this machine is read)."""
        from .. import source as src
        from ..plan import PlanOptions
        token = src.record_into(src.Files(**self.files, replay=True))
        try:
            return compile_program(self.text, self.path, cmdargs=self.cmdargs, inputs=self.inputs,
                                   outputs=self.outputs, specialize=self.specialize,
                                   plan=PlanOptions(disabled=frozenset(self.disabled),
                                                    precision=self.precision))
        finally:
            src.stop_recording(token)


def _compile(text, path, cmdargs, inputs, outputs, stats, specialize, plan):
    # codegen imports the parfor lowering (dmlpy.parallel.lower), which imports this package's
    # modules: importing codegen here, not at the top, keeps the package free of that cycle
    from ..runtime.executor import Program
    from .codegen import CodeGen
    program = parse_main(text, path)
    from .. import source as src
    files = src.recording()
    if files is not None and files.replay and files.folder is not None:
        folder = Path(files.folder)
    else:
        folder = Path(path).resolve().parent if path and text is None else Path.cwd()
        if files is not None:
            files.folder = str(folder)
    loader = Loader()
    main = loader.main(program, folder)
    loader.check()
    args = {k: cmd_value(v) for k, v in (cmdargs or {}).items()}
    in_types = {k: (t if t is not None else T.UNKNOWN) for k, t in (inputs or {}).items()}
    analysis = Analysis(loader, main, args, in_types)
    analysis.run()
    for o in outputs or []:
        if o not in analysis.final_env:
            from ..errors import DMLValidationError
            raise DMLValidationError(f"output variable '{o}' is never assigned by the script")
    if plan is None:
        from ..plan import options
        plan = options()
    gen = CodeGen(analysis, specialize=specialize and stats is None, plan=plan)
    source = gen.program(list(in_types), outputs)
    program = Program(source, gen, stats)
    program.plan_options = plan
    return program
