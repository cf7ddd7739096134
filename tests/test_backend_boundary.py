"""The backend boundary: builtins, the matrix operators and the Python API allocate and convert
matrices through dmlpy.backends (empty, zeros, full, eye, arange, matrix, array, to_host), never
with NumPy's allocation and conversion functions, which would make host arrays (or drag a device
array to the host) under a device backend. NumPy's compute functions (ufuncs, np.where,
np.concatenate, ...) dispatch to the array's own library and are fine.

The scan reads the modules' source with `ast`; a direct call is allowed only where ALLOWED names
the module and function, with the reason it is host-side by design."""
from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

from dmlpy import backends

ROOT = Path(__file__).resolve().parent.parent
MODULES = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "dmlpy" / "builtins").glob("*.py")) + [
    "dmlpy/runtime/ops.py", "dmlpy/runtime/matrix.py", "dmlpy/api.py"]

# NumPy functions that make a new host array or convert to one
FORBIDDEN = {"empty", "zeros", "ones", "full", "eye", "identity", "arange", "linspace", "array",
             "asarray", "asanyarray", "ascontiguousarray", "asfortranarray", "frombuffer",
             "fromiter", "fromstring", "require"}

_FRAME = "frames keep their columns as NumPy arrays on the host"
_LINALG = ("the factorizations run on the host in SystemDS's cell-by-cell operation order: "
           "arguments arrive through to_host, results leave through backends.matrix")
_SVD = "SystemDS's SVD scheme on the host, called by linalg.svd with host arrays"

# (module, function) -> (the NumPy functions allowed there, why)
ALLOWED = {
    ("dmlpy/api.py", "to_dml"):
        ({"asarray"}, "a caller's array-like object is read on the host through its __array__, "
                      "then copied to the backend by backends.array"),
    ("dmlpy/builtins/core.py", "as_matrix"):
        ({"empty"}, "a frame's columns are gathered on the host, then converted by "
                    "backends.matrix"),
    ("dmlpy/builtins/frames.py", "_bin_edges"): ({"zeros", "array", "empty"}, _FRAME),
    ("dmlpy/builtins/frames.py", "_bin_codes"): ({"full"}, _FRAME),
    ("dmlpy/builtins/frames.py", "_encode"):
        ({"array"}, _FRAME + "; the coded matrix is made by sparse.build.encoded (backends.matrix, "
                              "or a csr_array on the host)"),
    ("dmlpy/builtins/frames.py", "_meta_bins"): ({"array"}, _FRAME),
    ("dmlpy/builtins/frames.py", "_apply_cast"): ({"zeros"}, _FRAME),
    ("dmlpy/builtins/reorg.py", "_remove_empty_frame"): ({"zeros"}, _FRAME),
    ("dmlpy/builtins/linalg.py", "_QR.__init__"): ({"array", "zeros"}, _LINALG),
    ("dmlpy/builtins/linalg.py", "_QR.r"): ({"zeros"}, _LINALG),
    ("dmlpy/builtins/linalg.py", "_QR.h"): ({"zeros"}, _LINALG),
    ("dmlpy/builtins/linalg.py", "_QR.solve"): ({"array"}, _LINALG),
    ("dmlpy/builtins/linalg.py", "inv"): ({"eye"}, _LINALG),
    ("dmlpy/builtins/linalg.py", "_lu"): ({"array", "arange"}, _LINALG),
    ("dmlpy/builtins/linalg.py", "lu"): ({"zeros", "arange", "eye"}, _LINALG),
    ("dmlpy/builtins/linalg.py", "cholesky"): ({"array"}, _LINALG),
    ("dmlpy/builtins/linalg.py", "_seqsum"): ({"zeros"}, _LINALG),
    ("dmlpy/builtins/linalg.py", "_eig_tridiagonalize"): ({"zeros"}, _LINALG),
    ("dmlpy/builtins/linalg.py", "_eig_tridiagonal_ql"): ({"array", "zeros", "empty"}, _LINALG),
    ("dmlpy/builtins/linalg.py", "eigen"): ({"array"}, _LINALG),
    ("dmlpy/builtins/linalg_svd.py", "_bidiagonalize"): ({"zeros"}, _SVD),
    ("dmlpy/builtins/linalg_svd.py", "svd"): ({"array", "zeros"}, _SVD),
}


def _numpy_calls(path: str):
    """(qualified function name, NumPy function, line) of every call np.f(...), numpy.f(...),
    _np().f(...) and of every `from numpy import f` in the module."""
    tree = ast.parse((ROOT / path).read_text(), path)
    found = []

    def visit(node, scope):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                visit(child, scope + [child.name])
                continue
            where = ".".join(scope) or "<module>"
            if isinstance(child, ast.Call) and isinstance(child.func, ast.Attribute):
                base = child.func.value
                if (isinstance(base, ast.Name) and base.id in ("np", "numpy")) or (
                        isinstance(base, ast.Call) and isinstance(base.func, ast.Name)
                        and base.func.id == "_np"):
                    found.append((where, child.func.attr, child.lineno))
            if isinstance(child, ast.ImportFrom) and child.module == "numpy":
                found.extend((where, a.name, child.lineno) for a in child.names)
            visit(child, scope)

    visit(tree, [])
    return found


def test_modules_exist():
    for path in MODULES:
        assert (ROOT / path).is_file(), path
    for module, _ in ALLOWED:
        assert module in MODULES, module


@pytest.mark.parametrize("path", MODULES)
def test_no_direct_numpy_allocation(path):
    bad = [f"{path}:{line}: np.{name}() in {where}"
           for where, name, line in _numpy_calls(path)
           if name in FORBIDDEN and name not in ALLOWED.get((path, where), (set(),))[0]]
    assert not bad, ("allocate and convert matrices through dmlpy.backends (empty, zeros, full, "
                     "eye, arange, matrix, array, to_host), or add an entry with its reason to "
                     "ALLOWED:\n" + "\n".join(bad))


def test_allow_list_is_current():
    """Every allowed call is still there (an entry left behind would hide new code)."""
    used = {}
    for path in {m for m, _ in ALLOWED}:
        for where, name, _ in _numpy_calls(path):
            used.setdefault((path, where), set()).add(name)
    stale = [f"{key}: {sorted(names - used.get(key, set()))}"
             for key, (names, reason) in ALLOWED.items() if names - used.get(key, set())]
    assert not stale, "ALLOWED names calls that are gone:\n" + "\n".join(stale)
    assert all(reason for _, reason in ALLOWED.values())


def test_scan_sees_each_form(tmp_path):
    """The scan finds every spelling (so an empty result means something)."""
    src = tmp_path / "sample.py"
    src.write_text("import numpy as np\nfrom numpy import zeros\n"
                   "def f(x):\n    return np.ascontiguousarray(x)\n"
                   "class C:\n    def g(self):\n"
                   "        return _np().empty(3) + np.where(1, 2, 3)\n")
    assert _numpy_calls(str(src)) == [("<module>", "zeros", 2), ("f", "ascontiguousarray", 4),
                                      ("C.g", "empty", 7), ("C.g", "where", 7)]


# ------------------------------------------------------------------ the interface itself
def test_allocation_follows_the_precision():
    for p, dt in (("double", np.float64), ("single", np.float32)):
        old = backends.set_precision(p)
        try:
            assert backends.run_dtype() == dt
            for a in (backends.empty((3, 2)), backends.zeros((3, 2)), backends.full((3, 2), 1.5),
                      backends.eye(2), backends.arange(4), backends.matrix([[1, 2]]),
                      backends.array([1.0, 2.0])):
                assert a.dtype == dt
            assert backends.zeros((2, 3)).tolist() == [[0.0] * 3] * 2
            assert backends.full((1, 2), 1.5).tolist() == [[1.5, 1.5]]
            assert backends.eye(2).tolist() == [[1.0, 0.0], [0.0, 1.0]]
            assert backends.arange(3).tolist() == [0.0, 1.0, 2.0]
            # an explicit dtype wins over the precision
            assert backends.zeros(2, backends.DOUBLE).dtype == np.float64
            assert backends.full(2, 1, np.int64).dtype == np.int64
        finally:
            backends.set_precision(old)


def test_matrix_converts_only_when_needed():
    a = np.arange(6.0).reshape(2, 3)
    assert backends.matrix(a) is a                       # already C-contiguous doubles
    t = backends.matrix(a.T)
    assert t.flags.c_contiguous and t.tolist() == a.T.tolist()
    assert backends.matrix(a, np.float32).dtype == np.float32
    c = backends.array(a)
    assert c is not a and c.flags.c_contiguous and c.tolist() == a.tolist()
    assert backends.array(a.T).flags.c_contiguous
    assert backends.to_host(a) is a                      # the cpu backend's arrays are NumPy's


@pytest.mark.double_only("checks that the default run gives float64 matrices")
def test_api_results_are_host_arrays():
    import dmlpy
    out = dmlpy.run("Y = t(X) + 1", inputs={"X": np.arange(6.0).reshape(2, 3)}, outputs=["Y"])
    y = out["Y"]
    assert type(y) is np.ndarray and y.dtype == np.float64 and y.flags.c_contiguous
    assert y.tolist() == [[1.0, 4.0], [2.0, 5.0], [3.0, 6.0]]


def test_use_selects_a_backend_by_name():
    from dmlpy.errors import DMLError
    assert backends.use("cpu") == "cpu"
    assert backends.active().name == "cpu"
    for name, msg in (("cuda", "the cuda backend is not available"),
                      ("tpu", "unknown backend 'tpu'")):
        with pytest.raises(DMLError, match=msg):
            backends.use(name)
    assert backends.active().name == "cpu" and backends.zeros(1).dtype == np.float64


def test_large_empty_matrices_are_recycled():
    from dmlpy.backends import bufpool
    rows = bufpool.MIN_BYTES // 8
    a = backends.empty((rows, 1))
    ident = id(a)
    del a
    b = backends.empty((rows, 1))
    assert id(b) == ident and b.shape == (rows, 1) and b.dtype == np.float64
    bufpool.clear()
