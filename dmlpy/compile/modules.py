"""Stage 1 of compilation: the main script and every file it source()s, with their functions."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .. import source as src
from .. import types as T
from ..errors import DMLValidationError, Diagnostic
from ..parse import ast, parse, parse_file
from .names import pyfunc


@dataclass(eq=False)
class Function:
    module: "Module"
    fdef: ast.FuncDef
    pyname: str
    ptypes: list
    rtypes: list

    @property
    def name(self):
        return self.fdef.name

    @property
    def display(self):
        ns = self.module.display_ns
        return f"{ns}::{self.fdef.name}" if ns else self.fdef.name


@dataclass(eq=False)
class Module:
    program: ast.Program
    folder: Path | None
    index: int
    display_ns: str = ""
    functions: dict = field(default_factory=dict)   # name -> Function
    namespaces: dict = field(default_factory=dict)  # alias -> Module


class Loader:
    """Parses the main program and, transitively, the files it sources (each file once)."""

    def __init__(self):
        self.modules: list[Module] = []
        self.by_path: dict[str, Module] = {}
        self.diags: list[Diagnostic] = []

    def main(self, program: ast.Program, folder: Path | None) -> Module:
        m = self._add(program, folder, "")
        self._sources(m)
        return m

    def _add(self, program, folder, ns) -> Module:
        m = Module(program, folder, len(self.modules), ns)
        self.modules.append(m)
        for fd in program.functions:
            if fd.name in m.functions:
                self.diags.append(Diagnostic(fd.span, f"function '{fd.name}' is defined twice"))
                continue
            if fd.external:
                self.diags.append(Diagnostic(fd.span, f"externalFunction '{fd.name}' is not supported "
                                             "by dmlpy (Java UDFs cannot run here); write it in DML"))
                continue
            ptypes = [T.from_spec(p.type.data, p.type.value) for p in fd.params]
            rtypes = [T.from_spec(p.type.data, p.type.value) for p in fd.returns]
            m.functions[fd.name] = Function(m, fd, pyfunc(m.index, fd.name), ptypes, rtypes)
        return m

    def _sources(self, m: Module):
        folder = m.folder
        for st in m.program.statements:
            if isinstance(st, ast.SetWd):
                folder = Path(st.path) if Path(st.path).is_absolute() else (m.folder or Path.cwd()) / st.path
            elif isinstance(st, ast.Source):
                path = src.resolve(st.path, folder)
                if path is None:
                    self.diags.append(Diagnostic(st.span, f"cannot find the sourced file '{st.path}' "
                                                 "(looked next to this script, in the working "
                                                 "directory and in dmlpy's scripts/)"))
                    continue
                if st.namespace in m.namespaces:
                    self.diags.append(Diagnostic(st.span, f"namespace '{st.namespace}' is already in use"))
                    continue
                m.namespaces[st.namespace] = self.load_file(path, st.namespace)

    def load_file(self, path: Path, ns: str) -> Module:
        key = str(path.resolve())
        if key in self.by_path:
            return self.by_path[key]
        program = parse_file(path, str(path))
        mod = self._add(program, path.parent, ns)
        self.by_path[key] = mod
        self._sources(mod)
        return mod

    def load_builtin(self, name: str) -> Function | None:
        """A DML-bodied builtin: scripts/builtin/<name>.dml (or on DMLPY_BUILTIN_PATH)."""
        for folder in src.builtin_path():
            path = folder / f"{name}.dml"
            if path.is_file():
                mod = self.load_file(path, "")
                return mod.functions.get(name) or next(
                    (f for n, f in mod.functions.items() if n.lower() == name.lower()), None)
        return None

    def check(self):
        if self.diags:
            raise DMLValidationError("", diagnostics=self.diags)


def parse_main(text: str | None, path: str | None) -> ast.Program:
    if text is None:
        return parse_file(path, path)
    return parse(text, path or "<string>")
