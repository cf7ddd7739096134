"""Sparse matrices (issue 15, operations): every operation that keeps sparsity, run on sparse
inputs, against the same script on the dense form of the inputs (values, not only shapes), with the
format each result takes; the guard that densifies for the other builtins; NaN cases and printed
output recorded from SystemDS 3.4; the densify memory error."""
import subprocess
import sys

import numpy as np
import pytest
import scipy.sparse as sp

pytestmark = pytest.mark.double_only("sparse against dense at double tolerances (1e-12), SystemDS's double digits, float64 byte sizes")

import dmlpy
from dmlpy.errors import DMLRuntimeError, DMLValidationError
from dmlpy.sparse import is_sparse
from sparse_util import SPARSE_OFF, SPARSE_ON, dense, mat, run


X = mat(40, 30, 0.12, 1, empty_rows=(3, 17))
Y = mat(40, 30, 0.10, 2)
INPUTS = {"X": X, "Y": Y, "D": mat(40, 30, 0.9, 3), "E": mat(30, 5, 0.8, 4),
          "F": mat(5, 40, 0.8, 5), "v": mat(30, 1, 1.0, 6), "r": mat(1, 30, 1.0, 7),
          "c": mat(40, 1, 0.7, 10)}


def _run(monkeypatch, script, outputs, min_cells, inputs=None):
    return run(monkeypatch, script, outputs, min_cells, inputs or INPUTS)


_dense = dense


# (script computing R, the format of R on sparse inputs: "sparse", "dense" or None for either)
CASES = [
    ("R = X * Y", "sparse"), ("R = X * D", "sparse"), ("R = D * X", "sparse"),
    ("R = X * c", "sparse"), ("R = X * r", "sparse"),
    ("R = X * 2.5", "sparse"), ("R = 3 * X", "sparse"), ("R = X / 4", "sparse"), ("R = -X", "sparse"),
    ("R = X ^ 2", "sparse"), ("R = abs(X)", "sparse"), ("R = sqrt(abs(X))", "sparse"),
    ("R = sign(X)", "sparse"), ("R = round(X * 10)", "sparse"), ("R = floor(X * 3)", "sparse"),
    ("R = X > 0.5", "sparse"), ("R = X != 0", "sparse"), ("R = X < -0.25", "sparse"),
    ("R = X + Y", "sparse"), ("R = X - Y", "sparse"), ("R = X & Y", "sparse"),
    ("R = X + 1", "dense"), ("R = exp(X)", "dense"), ("R = X == 0", "dense"), ("R = X / 0", "dense"),
    ("R = X * Inf", "dense"), ("R = X + D", "dense"), ("R = X / D", "dense"),
    ("R = X %*% E", "dense"), ("R = F %*% X", "dense"), ("R = X %*% v", "dense"),
    ("R = X %*% t(Y)", None), ("R = t(X) %*% Y", None), ("R = t(X) %*% X", None),
    ("R = X %*% t(X)", None), ("R = t(X) %*% D", "dense"), ("R = D %*% t(X)", None),
    ("R = t(X) %*% (X %*% v)", "dense"), ("R = t(X) %*% (c * (X %*% v))", "dense"), ("R = t(X)", "sparse"),
    ("R = colSums(X)", "dense"), ("R = rowSums(X)", "dense"), ("R = colMeans(X)", "dense"),
    ("R = rowMeans(X)", "dense"), ("R = rowMaxs(X)", "dense"), ("R = rowMins(X)", "dense"),
    ("R = colMaxs(X)", "dense"), ("R = colMins(X)", "dense"), ("R = rowIndexMax(X)", "dense"),
    ("R = rowIndexMin(X)", "dense"), ("R = X[3, ]", "sparse"), ("R = X[2:30, 5:20]", "sparse"),
    ("R = X[, 4]", "dense"), ("R = X; R[2:3, ] = D[1:2, ]", "sparse"), ("R = X; R[1:5, 2:4] = 0", "sparse"),
    ("R = X; R[7, 9] = 4.5", "sparse"),
    ("R = X; for (i in 1:40) { R[i, 1 + (i %% 30)] = i * 0.5 }", "sparse"),
    ("R = X; for (i in 1:40) { for (j in 1:3) { R[i, j] = 0 } }", "sparse"), ("R = X; R[1:40, 1:30] = D", "dense"), ("R = D; R[1:40, ] = X", "dense"),
    ("R = X; R[1:2, 1:30] = Y[5:6, ]", "sparse"), ("R = cbind(X, Y)", "sparse"), ("R = rbind(X, D)", "dense"),
    ("R = rbind(X, Y)", "sparse"), ("R = removeEmpty(target=X, margin=\"rows\")", "sparse"),
    ("R = removeEmpty(target=t(X), margin=\"cols\")", "sparse"),
    ("R = removeEmpty(target=X, margin=\"rows\", select=rowSums(X != 0) > 3)", "sparse"),
    ("R = replace(target=round(X * 4), pattern=1, replacement=7)", "sparse"),
    ("R = replace(target=X, pattern=0, replacement=2)", "dense"),
    ("R = order(target=X, by=2, decreasing=TRUE)", "sparse"),
    ("R = order(target=X, by=5, index.return=TRUE)", "dense"),
    ("R = order(target=X, by=matrix(\"3 1\", rows=2, cols=1))", "sparse"),
    ("R = max(X, 0)", "sparse"), ("R = min(X, 0)", "sparse"), ("R = max(X, -1)", "sparse"), ("R = max(X, 1)", "dense"),
    ("R = min(X, Y)", "dense"), ("R = diag(X[1:30, ])", "dense"), ("R = cumsum(X)", "dense"), ("R = X %% 0.3", "sparse"),
]


@pytest.mark.parametrize("script,fmt", CASES, ids=[c[0] for c in CASES])
def test_op_matches_dense(monkeypatch, script, fmt):
    got = _run(monkeypatch, script, ["R"], SPARSE_ON)["R"]
    want = _run(monkeypatch, script, ["R"], SPARSE_OFF)["R"]
    assert not is_sparse(want)
    if fmt is not None:
        assert ("sparse" if is_sparse(got) else "dense") == fmt
    assert got.shape == want.shape
    g = _dense(got)
    if "%*%" in script:      # products not in SystemDS's order on either side: BLAS vs scipy
        np.testing.assert_allclose(g, want, rtol=1e-12, atol=1e-12)
    else:
        np.testing.assert_array_equal(g, want)


AGGS = ["sum(X)", "mean(X)", "sum(X^2)", "sum(X * X)", "min(X)", "max(X)", "sum(X != 0)",
        "as.scalar(X[5, 7])", "as.scalar(X[1, 1])", "nrow(X) + ncol(X) + length(X)",
        "sum(colSums(X))", "sum(rowMeans(X))", "sum(X %*% v)", "sum(t(X) %*% X)", "sum(abs(X) > 0.3)",
        "mean(X * 0.5)", "max(-abs(X))", "min(abs(X))"]


@pytest.mark.parametrize("expr", AGGS)
def test_aggregate_matches_dense_bit_for_bit(monkeypatch, expr):
    script = f"s = {expr}"
    got = _run(monkeypatch, script, ["s"], SPARSE_ON)["s"]
    want = _run(monkeypatch, script, ["s"], SPARSE_OFF)["s"]
    if "%*%" in expr:
        assert got == pytest.approx(want, rel=1e-13)
    else:       # (+ 0.0: a sparse -X holds no -0.0 cells, as in SystemDS)
        assert repr(got + 0.0) == repr(want + 0.0)


def test_inputs_really_sparse(monkeypatch):
    r = _run(monkeypatch, "A = X; B = D", ["A", "B"], SPARSE_ON)
    assert is_sparse(r["A"]) and not is_sparse(r["B"])   # D is 90% full: dense by SystemDS's rule
    r = _run(monkeypatch, "A = X", ["A"], SPARSE_OFF)
    assert not is_sparse(r["A"])


def test_large_sums_split_into_parts(monkeypatch):
    """Over 4096 non-zeros SystemDS splits sum and colSums into row parts: the same result as the
    dense emulation of a matrix it holds sparse, to the bit."""
    big = {"X": mat(4000, 1000, 0.02, 11)}     # 80000 non-zeros: the parts run on two threads
    script = "s = sum(X); m = mean(X); q = sum(X^2); c = colSums(X); cm = colMeans(X); rs = rowSums(X)"
    outs = ["s", "m", "q", "c", "cm", "rs"]
    got = _run(monkeypatch, script, outs, SPARSE_ON, big)
    want = _run(monkeypatch, script, outs, SPARSE_OFF, big)
    for k in outs:
        assert repr(got[k]) == repr(want[k]) if k in "smq" else np.array_equal(got[k], want[k])


def test_toString_and_print_identical(monkeypatch):
    script = 'print(toString(X[1:6, 1:8])); print(toString(X, rows=3, cols=5)); print(toString(X, sparse=TRUE, rows=5))'
    outs = []
    for mc in (SPARSE_ON, SPARSE_OFF):
        monkeypatch.setenv("DMLPY_SPARSE_MIN_CELLS", mc)
        p = subprocess.run([sys.executable, "-c", "import dmlpy, scipy.sparse as sp, numpy as np, sys;"
                            f"x = np.array({X.tolist()!r});"
                            f"dmlpy.run({script!r}, inputs={{'X': sp.csr_array(x)}})"],
                           capture_output=True, text=True, env=_env(mc))
        assert p.returncode == 0, p.stderr
        outs.append(p.stdout)
    assert outs[0] == outs[1] and "0.000" in outs[0]


def _env(min_cells):
    import os
    env = dict(os.environ)
    env["DMLPY_SPARSE_MIN_CELLS"] = min_cells
    return env


def test_table_result_sparse_when_large_and_sparse(monkeypatch):
    rng = np.random.default_rng(5)
    ins = {"a": rng.integers(1, 60, (200, 1)).astype(float), "b": rng.integers(1, 80, (200, 1)).astype(float),
           "w": rng.uniform(-2, 2, (200, 1))}
    script = "T = table(a, b); W = table(a, b, w)"
    monkeypatch.setenv("DMLPY_SPARSE_MIN_CELLS", SPARSE_ON)
    got = dmlpy.run(script, inputs=ins, outputs=["T", "W"])
    monkeypatch.setenv("DMLPY_SPARSE_MIN_CELLS", SPARSE_OFF)
    want = dmlpy.run(script, inputs=ins, outputs=["T", "W"])
    for k in ("T", "W"):
        assert is_sparse(got[k]) and not is_sparse(want[k])
        np.testing.assert_array_equal(got[k].toarray(), want[k])


def test_guard_densifies_other_builtins(monkeypatch):
    """A builtin without a sparse form gets the dense matrix (the guard of the registry)."""
    script = "a = sum(cumsum(X)); b = sum(rev(X)); c = var(X); d = sum(outer(v, t(v), \"*\"))"
    got = _run(monkeypatch, script, ["a", "b", "c", "d"], SPARSE_ON)
    want = _run(monkeypatch, script, ["a", "b", "c", "d"], SPARSE_OFF)
    assert got == want


def test_fused_chain_with_sparse_input_takes_unfused_path(monkeypatch):
    big = {"X": mat(100, 60, 0.1, 8), "D": mat(100, 60, 1.0, 9)}
    script = "R = (X * 2 + D) * D - 1; s = sum((X - D)^2 * D)"
    got = _run(monkeypatch, script, ["R", "s"], SPARSE_ON, big)
    want = _run(monkeypatch, script, ["R", "s"], SPARSE_OFF, big)
    np.testing.assert_array_equal(got["R"], want["R"])
    assert got["s"] == want["s"]


def test_parfor_result_of_sparse_matrix(monkeypatch):
    script = """R = X
parfor (i in 1:4) { R[i, ] = X[i, ] * 2 }
"""
    got = _run(monkeypatch, script, ["R"], SPARSE_ON)["R"]
    want = _run(monkeypatch, script, ["R"], SPARSE_OFF)["R"]
    np.testing.assert_array_equal(_dense(got), want)


def test_sparse_api_input_formats(monkeypatch):
    monkeypatch.setenv("DMLPY_SPARSE_MIN_CELLS", SPARSE_ON)
    coo = sp.coo_matrix(X)
    r = dmlpy.run("s = sum(X); Y = X * 2", inputs={"X": coo}, outputs=["s", "Y"])
    assert is_sparse(r["Y"]) and r["s"] == pytest.approx(X.sum(), rel=1e-13)
    with pytest.raises(DMLValidationError, match="complex128 has no DML value"):
        dmlpy.run("s = sum(X)", inputs={"X": sp.csr_array(np.array([[1 + 2j, 0]]))}, outputs=["s"])


# ---------------------------------------------------------------------- NaN and SystemDS
def test_nan_semantics_follow_systemds(monkeypatch):
    """Recorded from SystemDS 3.4 on X = rand(2000x1000, sparsity 0.01, seed 3) with X[5,5] = NaN
    (held sparse): X * D skips X's zeros even where D is NaN (1 NaN, where dense gives 2); a
    product meets a NaN only through X's non-zeros. Same counts here on a small sparse X."""
    x = X.copy()
    x[0, 0] = 0.0
    x[4, 4] = np.nan
    d = np.ones((40, 30))
    d[0, 0] = np.nan
    w = np.ones((30, 3))
    w[0, 0] = np.nan
    w2 = np.ones((3, 40))
    w2[0, 0] = np.nan
    script = """P = X * D; P2 = D * X; M = X %*% W; M2 = W2 %*% X
a = sum(isNaN(P)); b = sum(isNaN(P2)); c = sum(isNaN(M)); e = sum(isNaN(M2))
c1 = sum(X[, 1] != 0); r1 = sum(X[1, ] != 0)"""
    ins = {"X": x, "D": d, "W": w, "W2": w2}
    r = _run(monkeypatch, script, ["a", "b", "c", "e", "c1", "r1"], SPARSE_ON, ins)
    assert (r["a"], r["b"]) == (1.0, 1.0)
    assert r["c"] == r["c1"] + 3 and r["e"] == r["r1"] + 3


REF_SCRIPT = """X = rand(rows=2000, cols=1000, sparsity=0.01, seed=3)
print(sum(X))
print(mean(X))
print(sum(X^2))
cs = colSums(X)
rs = rowSums(X)
cm = colMeans(X)
rm = rowMeans(X)
print(sum(cs))
print(as.scalar(cs[1,7]))
print(as.scalar(rs[5,1]))
print(as.scalar(cm[1,7]))
print(as.scalar(rm[5,1]))
print(max(X) + " " + min(X))
print(sum(X * 2.5))
w = rand(rows=1000, cols=1, seed=1)
print(sum(t(X) %*% (X %*% w)))
print(sum(rowIndexMax(X)))
print(sum(rowMaxs(X)))
print(sum(sqrt(X)))
print(sum(round(X * 10)))
X[1:2,] = matrix(1, rows=2, cols=1000)
print(sum(X))
print(sum(cbind(X, X)))
print(nrow(removeEmpty(target=X, margin="rows")))
print(sum(replace(target=X, pattern=1, replacement=3)))
o = order(target=X, by=3, decreasing=TRUE, index.return=TRUE)
print(toString(o[1:5,]))
"""

# SystemDS 3.4's output for REF_SCRIPT (it holds X sparse: 1% non-zeros)
REF_OUTPUT = """10136.403209784552
0.005068201604892276
6772.547274706065
10136.403209784552
9.520663495274556
6.872130076371137
0.004760331747637278
0.0068721300763711374
0.9999720686068257 0.0
25341.00802446138
28874.06607303639
1012090.0
1804.435336319201
13489.310637083701
101411.0
12127.272150247278
24254.544300494556
2000
16127.272150247278
1.000
2.000
304.000
486.000
1680.000

"""


def test_printed_output_matches_systemds(tmp_path):
    """The script runs with the default threshold: its 2000x1000 matrix is held sparse."""
    f = tmp_path / "s.dml"
    f.write_text(REF_SCRIPT)
    p = subprocess.run([sys.executable, "-m", "dmlpy", str(f)], capture_output=True, text=True,
                       env=_env("1048576"))
    assert p.returncode == 0, p.stderr
    assert p.stdout == REF_OUTPUT


def test_densify_memory_error_has_position(tmp_path):
    f = tmp_path / "big.dml"
    f.write_text("X = rand(rows=200000, cols=100000, sparsity=0.0000001, seed=7)\nY = X + 1\nprint(sum(Y))\n")
    p = subprocess.run([sys.executable, "-m", "dmlpy", str(f)], capture_output=True, text=True)
    assert p.returncode == 1
    assert "Traceback" not in p.stderr
    assert f"{f}:2:5: error: operator '+': a dense 200000x100000 matrix needs 160.0 GB" in p.stderr


def test_densify_memory_error_through_api(monkeypatch):
    monkeypatch.setenv("DMLPY_SPARSE_MIN_CELLS", SPARSE_ON)
    huge = sp.csr_array((np.array([1.0, 2.0]), (np.array([0, 5]), np.array([3, 9]))),
                        shape=(2_000_000, 1_000_000))
    with pytest.raises(DMLRuntimeError, match=r"exp\(\): a dense 2000000x1000000 matrix needs 16000.0 GB"):
        dmlpy.run("Y = exp(X)\nprint(sum(Y))", inputs={"X": huge})
    r = dmlpy.run("s = sum(X * 3); n = sum(X != 0); c = sum(colSums(X))", inputs={"X": huge},
                  outputs=["s", "n", "c"])
    assert (r["s"], r["n"], r["c"]) == (9.0, 2.0, 3.0)


def test_lists_carry_sparse_values(monkeypatch):
    """A list keeps its sparse elements sparse; builtins that compute on a list's elements get
    them dense; printing a list is the same in both formats."""
    script = """L = list(a=X, b=3)
L2 = append(L, list(c=Y))
A = as.matrix(L2["c"])
R = rbind(list(X, Y))
n = length(L2)
t = toString(list(X[1:2, 1:3], 2))
"""
    got = _run(monkeypatch, script, ["A", "R", "n", "t"], SPARSE_ON)
    want = _run(monkeypatch, script, ["A", "R", "n", "t"], SPARSE_OFF)
    assert is_sparse(got["A"]) and is_sparse(got["R"])
    np.testing.assert_array_equal(got["A"].toarray(), want["A"])
    np.testing.assert_array_equal(got["R"].toarray(), want["R"])
    assert (got["n"], got["t"]) == (want["n"], want["t"]) == (3, want["t"])


def _extreme_cases():
    nan, inf = np.nan, np.inf
    m = np.zeros((8, 6))
    m[0, [0, 2]] = [-1, -2]
    m[2, 0] = nan
    m[3, [0, 3]] = 3
    m[4, 0] = -inf
    m[5, :] = -1
    m[6, 5] = 5
    m[7, :] = nan
    m2 = m.copy()
    m2[7, :] = 0
    m2[6, 2] = -4
    return m, m2


@pytest.mark.parametrize("which", [0, 1])
@pytest.mark.parametrize("fn", ["rowMaxs", "rowMins", "colMaxs", "colMins", "rowIndexMax",
                                "rowIndexMin", "max", "min"])
def test_extremes_nan_ties_and_unstored_zeros(monkeypatch, fn, which):
    """Ties (the last column), rows of negatives with and without unstored zeros, NaN and -Inf,
    empty rows: the sparse forms against the dense builtins."""
    ins = {"X": _extreme_cases()[which]}
    script = f"R = {fn}(X)"
    got = _run(monkeypatch, "A = X\n" + script, ["A", "R"], "8", ins)
    assert is_sparse(got["A"])
    want = _run(monkeypatch, script, ["R"], SPARSE_OFF, ins)["R"]
    np.testing.assert_array_equal(_dense(got["R"]), want)


def test_parfor_wire_carries_csr():
    """A parfor worker process sends a sparse result back as CSR arrays (no pickle)."""
    from dmlpy.parallel import wire
    from dmlpy.runtime.values import DMLList
    x = sp.csr_array(X)
    back = wire.loads(wire.dumps(DMLList([x, 2.0], ["m", "s"])))
    y = back.values[0]
    assert is_sparse(y) and y.shape == x.shape
    np.testing.assert_array_equal(y.toarray(), X)
