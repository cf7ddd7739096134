"""Sparse matrices under single precision (issues 8 and 15): with --precision single a sparse value
is a csr_array of float32 values. Each operation that keeps sparsity runs on sparse inputs and on
the dense form of the same inputs, both in single precision; the values agree to float32
tolerances and every matrix result is float32 (a sparse one in its CSR data): no silent float64.
The tests pass the precision themselves, so they run alike in either mode of the suite."""
import numpy as np
import pytest
import scipy.sparse as sp

import dmlpy
from dmlpy.sparse import is_sparse
from sparse_util import SPARSE_OFF, SPARSE_ON

F32 = np.dtype(np.float32)

# sparse X, Y (30x40 Z) made by rand with sparsity, dense D, E, F and vectors
PRELUDE = """X = rand(rows=40, cols=30, sparsity=0.12, min=-1, max=1, seed=1)
Y = rand(rows=40, cols=30, sparsity=0.1, seed=2)
Z = rand(rows=30, cols=40, sparsity=0.1, seed=8)
D = rand(rows=40, cols=30, seed=3)
E = rand(rows=30, cols=5, seed=4)
F = rand(rows=5, cols=40, seed=5)
v = rand(rows=30, cols=1, seed=6)
c = rand(rows=40, cols=1, min=0.5, max=1, seed=10)
r = rand(rows=1, cols=30, min=0.5, max=1, seed=11)
A2 = rand(rows=40, cols=3, seed=12)
B2 = rand(rows=30, cols=3, seed=13)
"""


def _run(monkeypatch, script, outputs, min_cells, inputs=None):
    monkeypatch.setenv("DMLPY_SPARSE_MIN_CELLS", min_cells)
    return dmlpy.run(script, inputs=inputs, outputs=list(outputs), precision="single")


def _pair(monkeypatch, script, outputs, inputs=None):
    return (_run(monkeypatch, script, outputs, SPARSE_ON, inputs),
            _run(monkeypatch, script, outputs, SPARSE_OFF, inputs))


def _dense(v):
    return v.toarray() if is_sparse(v) else v


def _check_matrix(got, want, fmt, rtol=1e-5, atol=1e-6):
    assert not is_sparse(want) and want.dtype == F32
    if fmt is not None:
        assert ("sparse" if is_sparse(got) else "dense") == fmt
    assert got.dtype == F32                 # a csr_array's dtype is its data's
    if is_sparse(got):
        assert got.data.dtype == F32
    assert got.shape == want.shape
    np.testing.assert_allclose(_dense(got), want, rtol=rtol, atol=atol)


# (script computing R, the format of R on sparse inputs: "sparse", "dense" or None for either)
CASES = [
    # products in the four combinations, t(X) %*% X and the other plan forms
    ("R = X %*% E", "dense"), ("R = F %*% X", "dense"), ("R = X %*% Z", None),
    ("R = D %*% Z", "dense"), ("R = t(X) %*% X", None), ("R = X %*% t(X)", None),
    ("R = t(X) %*% Y", None), ("R = X %*% t(Y)", None), ("R = t(X) %*% D", "dense"),
    ("R = X %*% v", "dense"), ("R = t(X) %*% (X %*% v)", "dense"),
    ("R = t(X) %*% (c * (X %*% v))", "dense"), ("R = t(X)", "sparse"),
    # element-wise operations that keep zeros
    ("R = X * Y", "sparse"), ("R = X * D", "sparse"), ("R = X * c", "sparse"),
    ("R = X * r", "sparse"), ("R = X * 2.5", "sparse"), ("R = X / 4", "sparse"),
    ("R = X / D", "sparse"), ("R = -X", "sparse"),
    ("R = X ^ 2", "sparse"), ("R = abs(X)", "sparse"), ("R = sqrt(abs(X))", "sparse"),
    ("R = sign(X)", "sparse"), ("R = round(X * 10)", "sparse"), ("R = floor(X * 3)", "sparse"),
    ("R = tanh(X)", "sparse"), ("R = X %% 0.3", "sparse"), ("R = max(X, 0)", "sparse"),
    ("R = min(X, 0)", "sparse"), ("R = X + Y", "sparse"), ("R = X - Y", "sparse"),
    # comparisons and logical and: 0/1 values in the run's precision
    ("R = X > 0.5", "sparse"), ("R = X != 0", "sparse"), ("R = X < -0.25", "sparse"),
    ("R = X & Y", "sparse"), ("R = X != Y", "sparse"), ("R = X & D", "sparse"),
    # densifying ones stay float32 too
    ("R = X + 1", "dense"), ("R = exp(X)", "dense"), ("R = cumsum(X)", "dense"),
    # aggregates with matrix results
    ("R = colSums(X)", "dense"), ("R = rowSums(X)", "dense"), ("R = colMeans(X)", "dense"),
    ("R = rowMeans(X)", "dense"), ("R = rowMaxs(X)", "dense"), ("R = colMins(X)", "dense"),
    ("R = rowIndexMax(X)", "dense"), ("R = rowIndexMin(X)", "dense"), ("R = colSums(X^2)", "dense"),
    # indexing
    ("R = X[3, ]", "sparse"), ("R = X[2:30, 5:20]", "sparse"), ("R = X[, 4]", "dense"),
    ("R = X; R[2:3, ] = D[1:2, ]", "sparse"), ("R = X; R[1:5, 2:4] = 0", "sparse"),
    ("R = X; R[7, 9] = 4.5", "sparse"),
    # cbind / rbind, removeEmpty, table, replace, order
    ("R = cbind(X, Y)", "sparse"), ("R = rbind(X, Y)", "sparse"), ("R = rbind(X, D)", "dense"),
    ("R = removeEmpty(target=X, margin=\"rows\")", "sparse"),
    ("R = removeEmpty(target=X, margin=\"cols\")", "sparse"),
    ("R = removeEmpty(target=X, margin=\"rows\", select=rowSums(X != 0) > 3)", "sparse"),
    ("R = table(seq(1, 40), round(abs(X[, 1]) * 10) + 1)", "sparse"),
    ("R = table(seq(1, 40), round(abs(X[, 1]) * 10) + 1, seq(1, 40) / 3)", "sparse"),
    ("R = replace(target=round(X * 4), pattern=1, replacement=7)", "sparse"),
    ("R = order(target=X, by=2, decreasing=TRUE)", "sparse"),
    # the masked product (W sparse, the factors dense: no m x n product)
    ("R = X * (A2 %*% t(B2))", "sparse"), ("R = X * (A2 %*% t(B2) - Y)", "sparse"),
    ("R = (X != 0) * (Y - A2 %*% t(B2))^2", "sparse"),
]


@pytest.mark.parametrize("script,fmt", CASES, ids=[c[0] for c in CASES])
def test_op_matches_dense_in_float32(monkeypatch, script, fmt):
    got, want = _pair(monkeypatch, PRELUDE + script, ["R", "X"])
    assert is_sparse(got["X"]) and got["X"].data.dtype == F32
    _check_matrix(got["R"], want["R"], fmt, atol=1e-5 if "%*%" in script else 1e-6)


SCALARS = ["sum(X)", "mean(X)", "sum(X^2)", "sum(X * X)", "min(X)", "max(X)", "sum(X != 0)",
           "as.scalar(X[5, 7])", "sum(colSums(X))", "sum(rowMeans(X))", "sum(t(X) %*% X)",
           "mean(X * 0.5)", "max(-abs(X))", "sum((X != 0) * (A2 %*% t(B2) - Y)^2)"]


@pytest.mark.parametrize("expr", SCALARS)
def test_scalar_aggregates_match_dense(monkeypatch, expr):
    got, want = _pair(monkeypatch, PRELUDE + f"s = {expr}", ["s"])
    assert got["s"] == pytest.approx(want["s"], rel=1e-5, abs=1e-6)


def test_large_sums_split_into_parts(monkeypatch):
    # 80000 float32 non-zeros: sum and colSums run SystemDS's row parts over the threads
    script = ("X = rand(rows=4000, cols=1000, sparsity=0.02, min=-1, max=1, seed=11)\n"
              "s = sum(X); q = sum(X^2); m = mean(X)\n"
              "cs = colSums(X); rs = rowSums(X); cm = colMeans(X)")
    outs = ["X", "s", "q", "m", "cs", "rs", "cm"]
    got, want = _pair(monkeypatch, script, outs)
    assert is_sparse(got["X"]) and got["X"].data.dtype == F32
    for k in "sqm":
        assert got[k] == pytest.approx(want[k], rel=1e-6)
    for k in ("cs", "rs", "cm"):
        _check_matrix(got[k], want[k], "dense")


@pytest.mark.parametrize("rows, cols, sparsity, extra", [
    (1500, 2300, 0.01, ""), (300, 200, 0.05, ", pdf=\"normal\""),
    (300, 200, 0.05, ", min=2, max=5"),
])
def test_rand_with_sparsity_is_float32_csr(monkeypatch, rows, cols, sparsity, extra):
    script = f"R = rand(rows={rows}, cols={cols}, sparsity={sparsity}, seed=7{extra})"
    got, want = _pair(monkeypatch, script, ["R"])
    assert is_sparse(got["R"]) and got["R"].data.dtype == F32
    np.testing.assert_array_equal(_dense(got["R"]), want["R"])     # the same stream, rounded once


@pytest.mark.parametrize("fmt", ["text", "mm", "libsvm"])
def test_read_write_cell_formats(monkeypatch, tmp_path, fmt):
    files = {}
    res = {}
    for mode, cells in (("sparse", SPARSE_ON), ("dense", SPARSE_OFF)):
        path = tmp_path / f"{fmt}_{mode}"
        dims = ", rows=40, cols=30" if fmt == "libsvm" else ""
        script = (PRELUDE + f'write(X, "{path}", format="{fmt}")\n'
                  f'R = read("{path}", format="{fmt}"{dims})\ns = sum(R)')
        res[mode] = _run(monkeypatch, script, ["R", "s"], cells)
        files[mode] = path.read_bytes()
    assert files["sparse"] == files["dense"]
    got, want = res["sparse"], res["dense"]
    assert is_sparse(got["R"]) and got["R"].data.dtype == F32
    _check_matrix(got["R"], want["R"], "sparse")
    assert got["s"] == want["s"]


def test_double_inputs_become_float32_csr(monkeypatch):
    x = sp.random_array((40, 30), density=0.1, format="csr", rng=np.random.default_rng(1))
    for script in ("R = X", "R = X * 2", "R = X > 0.5"):
        got = _run(monkeypatch, script, ["R"], SPARSE_ON, {"X": x})["R"]
        assert is_sparse(got) and got.data.dtype == F32
        want = _run(monkeypatch, script, ["R"], SPARSE_OFF, {"X": x.toarray()})["R"]
        _check_matrix(got, want, "sparse")


def test_masked_product_runs_in_float32(monkeypatch):
    # W * (A %*% t(B) - X) with float32 operands goes through the masked kernel (not the dense
    # m x n product), as in double precision
    import dmlpy.sparse.masked as masked
    kinds = []
    run = masked.masked_run
    monkeypatch.setattr(masked, "masked_run",
                        lambda kind, *a, **k: kinds.append(kind) or run(kind, *a, **k))
    script = ("W = rand(rows=400, cols=300, sparsity=0.02, seed=1)\n"
              "A = rand(rows=400, cols=4, seed=2)\nB = rand(rows=300, cols=4, seed=3)\n"
              "R = W * (A %*% t(B) - W)\ns = sum(W * (W - A %*% t(B))^2)")
    got = _run(monkeypatch, script, ["R", "s"], SPARSE_ON)
    assert kinds == ["pmx", "xmp2"]
    want = _run(monkeypatch, script, ["R", "s"], SPARSE_OFF)
    _check_matrix(got["R"], want["R"], "sparse")
    assert got["s"] == pytest.approx(want["s"], rel=1e-5)

