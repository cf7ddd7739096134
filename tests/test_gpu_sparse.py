"""Sparse-dense products in a -gpu run (dmlpy/backends/cuda/sparse.py, issue 15).

- the dispatch decision: cuSPARSE where CuPy is there and one operand is sparse, the other dense;
  the host's sparse kernels otherwise (sparse-sparse, no CuPy), with the reason;
- the cuSPARSE path's algebra (every side and transposition, the upload kept for a loop) with
  NumPy and SciPy standing in for CuPy and cupyx.scipy.sparse (same interface), so that it is
  checked without a GPU;
- on numba's simulator (no CuPy), a script with a sparse matrix in every product form gives the
  CPU's values, never densifies the sparse operand, and --stats says why the products ran on the
  host;
- on a real GPU with CuPy (skipped elsewhere): the same script through cuSPARSE.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

ROOT = Path(__file__).resolve().parent.parent


class _Backend:
    """What sparse.py reads of the CUDA backend: xp (CuPy, or None), run_dtype, matrix()."""

    def __init__(self, xp, dtype=np.float64):
        self.xp, self.run_dtype, self.device = xp, np.dtype(dtype), "stand-in"

    def matrix(self, x):
        return np.ascontiguousarray(x, dtype=self.run_dtype)


def _placement(xp, dtype=np.float64):
    from dmlpy.backends.cuda.place import Placement
    return Placement(_Backend(xp, dtype))


def _csr(m=7, n=5, density=0.3, seed=0):
    return sp.random_array((m, n), density=density, format="csr", rng=seed)


def test_route_without_cupy_keeps_the_product_on_the_host():
    from dmlpy.backends.cuda import sparse
    P = _placement(None)
    X, w = _csr(), np.ones((5, 2))
    assert sparse.route(P, w.T, w) == (sparse.NONE, "")
    where, why = sparse.route(P, X, w)
    assert where == sparse.HOST and "cuSPARSE needs CuPy" in why
    where, why = sparse.route(P, X, _csr(5, 3))
    assert where == sparse.HOST and "sparse %*% sparse" in why
    assert sparse.route(P, X, 2.0)[0] == sparse.HOST


def test_route_with_cupy_goes_to_cusparse(monkeypatch):
    from dmlpy.backends.cuda import sparse
    from dmlpy.backends.cuda.place import DeviceMatrix
    monkeypatch.setattr(sparse, "_cusparse_module", lambda: sp)
    P = _placement(np)
    X = _csr()
    assert sparse.route(P, X, np.ones((5, 2))) == (sparse.CUSPARSE, "")
    assert sparse.route(P, DeviceMatrix(np.ones((3, 7))), X) == (sparse.CUSPARSE, "")
    assert sparse.route(P, X, X.T.tocsr())[0] == sparse.HOST
    monkeypatch.setattr(sparse, "_cusparse_module", lambda: None)
    assert sparse.route(P, X, np.ones((5, 2)))[0] == sparse.HOST


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_upload_is_counted_once_and_kept(monkeypatch, dtype):
    from dmlpy.backends.cuda import sparse
    monkeypatch.setattr(sparse, "_cusparse_module", lambda: sp)
    P = _placement(np, dtype)
    X = _csr(40, 30, 0.1, seed=3)
    up = sparse.upload(P, X)
    assert sparse.upload(P, X) is up and P.h2d[0] == 1
    assert P.h2d[1] == X.nnz * (np.dtype(dtype).itemsize + 4) + 41 * 4
    assert up.d.dtype == dtype and up.d.shape == X.shape
    np.testing.assert_array_equal(up.d.toarray(), X.toarray().astype(dtype))


# every product form with a sparse operand: (kind, sparse on the left, shape of the dense one)
_FORMS = [("matmul", True, (5, 3)), ("matmul", False, (4, 7)), ("matmul_tn", True, (7, 3)),
          ("matmul_tn", False, (7, 4)), ("matmul_nt", True, (3, 5)), ("matmul_nt", False, (4, 5))]


def _expected(kind, left, S, D):
    a, b = (S, D) if left else (D, S)
    a = a.T if kind == "matmul_tn" else a
    b = b.T if kind == "matmul_nt" else b
    return a @ b


@pytest.mark.parametrize("kind,left,dshape", _FORMS)
def test_product_algebra_with_stand_ins(kind, left, dshape):
    from dmlpy.backends.cuda import sparse
    S = _csr(7, 5, 0.4, seed=5)
    D = np.random.default_rng(6).uniform(-1, 1, dshape)
    want = _expected(kind, left, S.toarray(), D)
    got = sparse.product(np, sp.csr_matrix(S), D, left,
                         kind == ("matmul_tn" if left else "matmul_nt"),
                         kind == ("matmul_nt" if left else "matmul_tn"))
    assert got.flags.c_contiguous and got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-13)


_WORKER = textwrap.dedent("""
    import json, sys
    import numpy as np, scipy.sparse as sp
    from dmlpy.backends.cuda import sparse
    from dmlpy.backends.cuda.place import Placement, DeviceMatrix, CPU
    class B:
        xp, run_dtype, device = np, np.dtype(np.float64), "stand-in"
        def matrix(self, x):
            return np.ascontiguousarray(x, dtype=self.run_dtype)
    sparse._cusparse_module = lambda: sp
    P = Placement(B())
    S = sp.random_array((7, 5), density=0.4, format="csr", rng=1)
    rng = np.random.default_rng(2)
    out = {}
    for kind, left, dshape in json.loads(sys.argv[1]):
        D = rng.uniform(-1, 1, dshape)
        a, b = (S, D) if left else (D, S)
        r = sparse.matmul(P, a, b, kind)
        A = a.toarray() if left else a
        Bm = b if left else b.toarray()
        A = A.T if kind == "matmul_tn" else A
        Bm = Bm.T if kind == "matmul_nt" else Bm
        out[kind + str(left)] = [type(r).__name__, float(np.max(np.abs(r.d - A @ Bm)))]
    out["uploads"] = P.h2d[0]
    out["cpu"] = sparse.matmul(P, S, S.T.tocsr(), "matmul") is CPU
    out["reasons"] = [why for (_, why) in P.cpu]
    print(json.dumps(out))
""")


def test_matmul_form_with_stand_ins():
    """sparse.matmul as devops.matmul calls it: a DeviceMatrix equal to the dense product for
    each form; the sparse operand uploaded once for all six; sparse-sparse left to the host."""
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="1", PYTHONPATH=str(ROOT))
    p = subprocess.run([sys.executable, "-c", _WORKER, json.dumps(_FORMS)], env=env, cwd=ROOT,
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr[-3000:]
    out = json.loads(p.stdout.strip().splitlines()[-1])
    for kind, left, _ in _FORMS:
        name, err = out[kind + str(left)]
        assert name == "DeviceMatrix" and err < 1e-13, (kind, left, name, err)
    assert out["uploads"] == 1 + len(_FORMS)        # S once, each dense operand once
    assert out["cpu"] is True and any("sparse %*% sparse" in r for r in out["reasons"])


SCRIPT = """
X = rand(rows=60, cols=40, sparsity=0.05, seed=7)
w = rand(rows=40, cols=2, seed=3)
v = rand(rows=3, cols=60, seed=5)
q = X %*% w
r = t(X) %*% (q + 1)
s = v %*% X
u = X %*% t(rand(rows=4, cols=40, seed=6))
z = t(v %*% X) %*% s
print(toString(colSums(q), decimal=12))
print(toString(colSums(r), decimal=12))
print(toString(rowSums(s), decimal=12))
print(toString(colSums(u), decimal=12))
print(toString(colSums(z), decimal=12))
"""


def _run(args, script, **env):
    e = {k: v for k, v in os.environ.items() if k not in ("DMLPY_PRECISION", "DMLPY_DEBUG")}
    e.update(DMLPY_SPARSE_MIN_CELLS="100", DMLPY_SPARSE_TRACE="1", **env)
    return subprocess.run([sys.executable, "-m", "dmlpy", *args, str(script)], env=e, cwd=ROOT,
                          capture_output=True, text=True, timeout=600)


def _floats(out):
    return np.array(out.replace(",", " ").split(), float)


def test_sparse_products_on_the_simulator_equal_the_cpu(tmp_path):
    script = tmp_path / "sp.dml"
    script.write_text(SCRIPT)
    cpu = _run([], script)
    gpu = _run(["-gpu", "--stats"], script, NUMBA_ENABLE_CUDASIM="1")
    assert cpu.returncode == 0 and gpu.returncode == 0, cpu.stderr + gpu.stderr
    np.testing.assert_allclose(_floats(gpu.stdout), _floats(cpu.stdout), rtol=1e-12)
    assert "densify" not in gpu.stderr          # the sparse operand is never made dense
    ran = gpu.stderr.split("ran on the CPU:")[1]
    assert re.search(r"%\*% x[45]: sparse operand: cuSPARSE needs CuPy", ran), gpu.stderr


def _cupy_gpu() -> bool:
    if os.environ.get("NUMBA_ENABLE_CUDASIM", "0") not in ("", "0"):
        return False
    try:
        import cupy
        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:       # noqa: BLE001 - not installed, no driver, no device
        return False


@pytest.mark.skipif(not _cupy_gpu(), reason="needs CuPy and a CUDA GPU")
def test_sparse_products_through_cusparse_on_a_gpu(tmp_path):
    script = tmp_path / "sp.dml"
    script.write_text(SCRIPT)
    cpu = _run([], script)
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_ENABLE_CUDASIM"}
    e = dict(env, DMLPY_SPARSE_MIN_CELLS="100", DMLPY_SPARSE_TRACE="1")
    gpu = subprocess.run([sys.executable, "-m", "dmlpy", "-gpu", "--stats", str(script)], env=e,
                         cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert gpu.returncode == 0, gpu.stderr
    np.testing.assert_allclose(_floats(gpu.stdout), _floats(cpu.stdout), rtol=1e-9)
    assert "%*% (cuSPARSE)" in gpu.stderr and "densify" not in gpu.stderr


def test_a_sparse_product_with_wrong_shapes_keeps_its_dml_error(tmp_path):
    script = tmp_path / "bad.dml"
    script.write_text("X = rand(rows=60, cols=40, sparsity=0.05, seed=7)\n"
                      "w = rand(rows=30, cols=1, seed=3) + 1\nq = t(X) %*% w\nprint(sum(q))\n")
    p = _run(["-gpu"], script, NUMBA_ENABLE_CUDASIM="1")
    assert p.returncode == 1 and "Traceback" not in p.stderr
    assert "bad.dml:3:5: error: invalid dimensions for matrix multiplication" in p.stderr, p.stderr
