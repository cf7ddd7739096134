"""Stage 1 of compilation: the main script and every file it source()s, with their functions."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .. import source as src
from .. import types as T
from ..errors import DMLSyntaxError, DMLValidationError, Diagnostic
from ..parse import ast, parse, parse_file
from . import rewrites
from .names import pyfunc


class _Late:
    """The argument of a left-out parameter whose default the function computes itself."""

    def __repr__(self):
        return "_U"


LATE = _Late()


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
    def late_defaults(self) -> list:
        """Indexes of the parameters whose default reads other parameters (`numB=ncol(X)` in
        SystemDS's gridSearch.dml): evaluated inside the function, when the call leaves them out."""
        late = self.__dict__.get("_late")
        if late is None:
            names = {p.name for p in self.fdef.params}
            late = [i for i, p in enumerate(self.fdef.params)
                    if p.default is not None and _reads(p.default, names)]
            self.__dict__["_late"] = late
        return late

    @property
    def display(self):
        ns = self.module.display_ns
        name = self.fdef.name
        if self.module.builtin and name[:2] in ("m_", "f_", "s_") and self.module.path is not None \
                and name[2:] == self.module.path.stem:   # SystemDS's m_f in f.dml is builtin f
            name = name[2:]
        return f"{ns}::{name}" if ns else name


@dataclass(eq=False)
class Module:
    program: ast.Program
    folder: Path | None
    index: int
    display_ns: str = ""
    functions: dict = field(default_factory=dict)   # name -> Function
    namespaces: dict = field(default_factory=dict)  # alias -> Module
    path: Path | None = None                        # the file (None for the main program)
    builtin: bool = False                           # a DML-bodied builtin's file


class Loader:
    """Parses the main program and, transitively, the files it sources (each file once)."""

    def __init__(self):
        self.modules: list[Module] = []
        self.by_path: dict[str, Module] = {}
        self.diags: list[Diagnostic] = []
        self.builtins: dict[str, Function | None] = {}   # DML-bodied builtins looked up by name

    def main(self, program: ast.Program, folder: Path | None) -> Module:
        m = self._add(program, folder, "")
        self._sources(m)
        return m

    def _add(self, program, folder, ns) -> Module:
        rewrites.apply(program)
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
                path, tried = src.resolve_recorded(st.path, folder)
                if path is None:
                    places = ", ".join(_shown(t) for t in tried)
                    self.diags.append(Diagnostic(st.span, f"cannot find the sourced file '{st.path}' "
                                                 f"(looked for {places})"))
                    continue
                from ..cache import protected_read_reason
                why = protected_read_reason(str(path))
                if why is not None:
                    self.diags.append(Diagnostic(st.span, f"refusing to source '{st.path}': {why}"))
                    continue
                try:
                    mod = self.load_file(path, st.namespace)
                except DMLSyntaxError as e:
                    if e.span is None:  # an unreadable file: point at the source() statement
                        e.diagnostics[0].span = st.span
                    raise
                old = m.namespaces.get(st.namespace)
                if old is not None and old is not mod:
                    # the same file sourced again under the same name is fine (SystemDS too)
                    self.diags.append(Diagnostic(st.span, f"namespace '{st.namespace}' is already "
                                                 f"bound to '{_shown(old.path)}'"))
                    continue
                m.namespaces[st.namespace] = mod

    def load_file(self, path: Path, ns: str, builtin: bool = False) -> Module:
        key = str(path.resolve())
        if key in self.by_path:
            return self.by_path[key]
        program = parse_file(path, str(path))
        mod = self._add(program, path.parent, ns)
        mod.path = path
        mod.builtin = builtin
        self.by_path[key] = mod
        self._sources(mod)
        return mod

    def load_builtin(self, name: str) -> Function | None:
        """A DML-bodied builtin: <name>.dml in a folder of DMLPY_BUILTIN_PATH or the shipped
        scripts/builtin, defining `name` or, as SystemDS's own builtin files do, `m_name`."""
        if name in self.builtins:
            return self.builtins[name]
        found = None
        path = src.find_builtin(name)
        if path is not None:
            mod = self.load_file(path, "", builtin=True)
            # SystemDS names f's function after its first argument: m_f (matrix), f_f (frame)
            # or s_f (otherwise); a file defining several is resolved to the matrix one
            spellings = [name, "m_" + name, "f_" + name, "s_" + name]
            found = next((mod.functions[n] for n in spellings if n in mod.functions), None) or next(
                (f for n, f in mod.functions.items() if n.lower() in [w.lower() for w in spellings]),
                None)
        self.builtins[name] = found
        return found

    def check(self):
        if self.diags:
            raise DMLValidationError("", diagnostics=self.diags)


def _reads(e, names: set) -> bool:
    """Whether the expression reads a variable named in `names`."""
    stack = [e]
    while stack:
        e = stack.pop()
        if isinstance(e, ast.Name):
            if e.name in names:
                return True
        elif isinstance(e, ast.Arg):
            stack.append(e.value)
        elif isinstance(e, ast.Node):
            for k in getattr(e, "__dataclass_fields__", ()):
                v = getattr(e, k, None)
                if isinstance(v, (ast.Node, ast.Arg)):
                    stack.append(v)
                elif isinstance(v, list):
                    stack.extend(x for x in v if isinstance(x, (ast.Node, ast.Arg)))
    return False


def _shown(path) -> str:
    """A path for messages: relative to the working directory when it lies below it."""
    try:
        return str(Path(path).relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def parse_main(text: str | None, path: str | None) -> ast.Program:
    if text is None:
        return parse_file(path, path)
    return parse(text, path or "<string>")
