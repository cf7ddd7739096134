"""The structure of the package's imports.

- No import cycles among dmlpy's modules at module level (imports inside functions are deliberate
  lazy imports and are left out): the graph is built from the source with `ast`, nothing imported.
- The tables and state-stepping code of rand()/sample() import without Numba: small jobs run in
  plain Python, and only large ones load the Numba kernels.
"""
import ast
import subprocess
import sys
from pathlib import Path

PKG = Path(__file__).resolve().parent.parent / "dmlpy"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PKG.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict:
    return {_module_name(p): p for p in sorted(PKG.rglob("*.py"))}


def _top_level_imports(tree):
    """Import statements run when the module loads: those at module level, including those in
    module-level if/try/with blocks and class bodies, but not those inside functions or under
    `if TYPE_CHECKING:`."""
    todo = list(tree.body)
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            continue
        elif isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            todo.extend(node.orelse)      # `if TYPE_CHECKING:` imports never run
        else:
            todo.extend(ast.iter_child_nodes(node))


def _resolve(node, mod: str, is_pkg: bool, known) -> set:
    """The dmlpy modules an import statement loads (a package's __init__ included)."""
    if isinstance(node, ast.Import):
        targets = [a.name for a in node.names]
    else:
        if node.level:
            base = mod.split(".") if is_pkg else mod.split(".")[:-1]
            base = base[:len(base) - (node.level - 1)]
            prefix = ".".join(base + ([node.module] if node.module else []))
        else:
            prefix = node.module or ""
        # `from pkg import name`: name may be a submodule or an attribute of pkg
        targets = [f"{prefix}.{a.name}" if f"{prefix}.{a.name}" in known else prefix
                   for a in node.names]
    out = set()
    for t in targets:
        while t and t not in known:    # `import a.b.c` of a non-module attribute: its module
            t = t.rpartition(".")[0]
        if t.startswith("dmlpy"):
            # importing a.b.c loads the packages a and a.b first
            parts = t.split(".")
            for i in range(1, len(parts) + 1):
                if ".".join(parts[:i]) in known:
                    out.add(".".join(parts[:i]))
    return out


def import_graph() -> dict:
    mods = _modules()
    graph = {}
    for name, path in mods.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        edges = set()
        for node in _top_level_imports(tree):
            edges |= _resolve(node, name, path.name == "__init__.py", mods)
        edges.discard(name)
        # a package's own __init__ importing its parents is not a cycle of interest: a module is
        # loaded after its packages, which are then in sys.modules (possibly half-initialised),
        # so an edge to an enclosing package only matters when that package imports back down
        graph[name] = {e for e in edges if not name.startswith(e + ".")}
    return graph


def find_cycle(graph: dict):
    """One cycle of the graph as a list of modules (first == last), or None."""
    WHITE, GREY, BLACK = 0, 1, 2
    colour = {n: WHITE for n in graph}
    stack = []

    def visit(n):
        colour[n] = GREY
        stack.append(n)
        for m in sorted(graph.get(n, ())):
            if colour.get(m, BLACK) == GREY:
                return stack[stack.index(m):] + [m]
            if colour.get(m) == WHITE:
                found = visit(m)
                if found:
                    return found
        stack.pop()
        colour[n] = BLACK
        return None

    for n in sorted(graph):
        if colour[n] == WHITE:
            found = visit(n)
            if found:
                return found
    return None


def test_the_checker_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None
    tree = ast.parse("import os\nfrom . import x\ntry:\n    from .y import z\nexcept ImportError:\n"
                     "    pass\ndef f():\n    from . import w\nif TYPE_CHECKING:\n    from . import m\n")
    known = {"dmlpy", "dmlpy.p", "dmlpy.p.x", "dmlpy.p.y", "dmlpy.p.w", "dmlpy.p.m"}
    edges = set()
    for node in _top_level_imports(tree):
        edges |= _resolve(node, "dmlpy.p.m", False, known)
    assert edges == {"dmlpy", "dmlpy.p", "dmlpy.p.x", "dmlpy.p.y"}


def test_no_module_level_import_cycles():
    graph = import_graph()
    assert len(graph) > 50 and "dmlpy.runtime.executor" in graph
    cycle = find_cycle(graph)
    assert cycle is None, "module-level import cycle: " + " -> ".join(cycle)


def test_rng_tables_import_without_numba():
    code = ("import sys\n"
            "import dmlpy.runtime.rng as R\n"
            "R.rand_matrix(3, 4, pdf='normal', seed=7)\n"
            "R.rand_matrix(3, 4, pdf='poisson', seed=7, lambda_=3.0)\n"
            "R.rand_matrix(3, 4, pdf='cb_normal', seed=7)\n"
            "R.sample(10, 4, False, 3)\n"
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('numba', 'llvmlite'))\n"
            "print(bad)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_every_package_is_installed():
    # a folder of modules missing from pyproject's package list is left out of a wheel (an
    # editable install, as in CI, would not notice)
    import tomllib
    root = Path(__file__).resolve().parent.parent
    listed = set(tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    folders = {".".join(p.parent.relative_to(root).parts) for p in (root / "dmlpy").rglob("*.py")
               if "__pycache__" not in p.parts}
    assert folders <= listed, sorted(folders - listed)
