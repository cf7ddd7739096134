"""Left indexing into sparse matrices (issue 15, dmlpy.sparse.inplace): cell, row, column and region
writes on a csr value, in place when nothing else holds it, against the same script on the dense
form; aliasing (another variable, a list, a function's caller keep their value); the writes really
happen in place; the issue's two loops against SystemDS 3.4's printed sums; random sequences of
writes against NumPy, with the storage's re-centring and growth exercised."""
import numpy as np
import pytest
import scipy.sparse as sp

import dmlpy
from dmlpy.errors import DMLRuntimeError
from dmlpy.runtime import matrix
from dmlpy.sparse import inplace, is_sparse
from sparse_util import SPARSE_OFF, SPARSE_ON, dense, mat, run


X = mat(40, 30, 0.12, 1, empty_rows=(3, 17))       # rows 4 and 18 (1-based) empty
INPUTS = {"X": X, "Y": mat(40, 30, 0.10, 2), "D": mat(40, 30, 0.9, 3),
          "c": mat(40, 1, 0.7, 10), "r": mat(1, 30, 1.0, 7)}
STORED = [(int(i) + 1, int(j) + 1) for i, j in zip(*np.nonzero(X))]      # 1-based, row-major
UNSTORED = [(int(i) + 1, int(j) + 1) for i, j in zip(*np.nonzero(X == 0))]


def _run(monkeypatch, script, outputs, min_cells, inputs=None):
    return run(monkeypatch, script, outputs, min_cells, inputs or INPUTS)


_dense = dense


def _canonical(v):
    """A csr value as the rest of dmlpy expects it: sorted indexes, no stored zeros, exact arrays."""
    assert v.has_sorted_indices and v.has_canonical_format
    n = int(v.indptr[-1])
    assert v.data.shape == (n,) and v.indices.shape == (n,)
    assert np.all(np.diff(v.indptr) >= 0) and v.indptr[0] == 0
    for i in range(v.shape[0]):
        seg = v.indices[v.indptr[i]:v.indptr[i + 1]]
        assert np.all(np.diff(seg) > 0)
    assert np.all(v.data != 0) and np.all((v.indices >= 0) & (v.indices < v.shape[1]))


def _cells(pairs, value):
    return "\n".join(f"A[{i}, {j}] = {value}" for i, j in pairs)


# (script writing A, a copy of X held by A only, the format of A after)
CASES = [
    ("A[1, 1] = 5; A[40, 30] = -6; A[1, 30] = 7; A[40, 1] = 8", "sparse"),
    ("A[4, 5] = 2.5; A[18, 1] = 3; A[18, 30] = 4; A[4, 30] = 1", "sparse"),       # empty rows
    (_cells(STORED[::7], 9.25), "sparse"),                                         # overwrite
    (_cells(STORED[::3], 0), "sparse"),                                            # delete
    (_cells(UNSTORED[::50], 0), "sparse"),                                         # zero: no entry
    (_cells(UNSTORED[::40], -1.5), "sparse"),                                      # insert
    ("A[2, 2] = NaN; A[3, 3] = Inf; A[5, 7] = -Inf", "sparse"),
    ("for (i in 1:40) { A[i, 1 + (i %% 30)] = i * 0.5 }", "sparse"),
    ("for (i in 1:40) { for (j in 1:30) { if (as.scalar(A[i, j]) > 0.5) { A[i, j] = 0 } } }", "sparse"),
    ("for (i in 1:40) { A[i, 1 + (i %% 30)] = 0; A[41 - i, 1 + (7 * i) %% 30] = i }", "sparse"),
    ("A[5, ] = D[1, ]; A[6, ] = Y[2, ]; A[7, ] = 0; A[8, ] = 3.5; A[1, ] = r", "sparse"),
    ("A[4, ] = Y[9, ]; A[40, ] = D[40, ]; A[18, ] = 0", "sparse"),
    ("A[, 3] = c; A[, 30] = 0; A[, 1] = 2", "sparse"),
    ("A[, 12] = Y[, 5]; A[, 13] = X[, 13] * 0", "sparse"),
    ("A[2:10, 5:12] = D[2:10, 5:12]", "sparse"),
    ("A[2:10, 5:12] = Y[1:9, 1:8]; A[30:40, 20:30] = Y[30:40, 1:11]", "sparse"),
    ("A[1:40, 10:11] = 0; A[3:5, 28:30] = -1.5; A[1:2, 1:30] = Y[5:6, ]", "sparse"),
    ("A[17:19, 2:29] = 0.25; A[4:4, 1:30] = D[4:4, ]", "sparse"),
    ("for (i in 1:20) { A[i, 3:7] = Y[i, 3:7] * i }", "sparse"),
    ("for (i in 1:40) { A[i, ] = Y[41 - i, ] }", "sparse"),
    ("for (j in 1:30) { A[, j] = Y[, 31 - j] * j }", "sparse"),
    ("for (i in seq(1, 39, 2)) { A[i:(i + 1), 10:20] = D[i:(i + 1), 1:11] * (i %% 3 == 0) }", "sparse"),
    ("for (i in 1:20) { A[i, ] = D[i, ] }", "dense"),            # filled past 40%: dense
    ("A[1:40, 1:30] = 0", "sparse"),
    ("A[1:40, 1:30] = D", "dense"),
]


@pytest.mark.parametrize("body,fmt", CASES, ids=[c[0][:60] for c in CASES])
def test_writes_match_dense(monkeypatch, body, fmt):
    script = "A = X * 1\n" + body
    got = _run(monkeypatch, script, ["A"], SPARSE_ON)["A"]
    want = _run(monkeypatch, script, ["A"], SPARSE_OFF)["A"]
    assert not is_sparse(want)
    assert ("sparse" if is_sparse(got) else "dense") == fmt
    if is_sparse(got):
        _canonical(got)
    np.testing.assert_array_equal(_dense(got), want)


ALIAS = [
    # (script, outputs: each must equal the dense run)
    ("A = X * 1; B = A; A[1, 1] = 5; A[2, ] = D[1, ]; A[4, 4] = 1", ["A", "B"]),
    ("A = X * 1; L = list(A); A[1, 1] = 5; A[3:4, ] = 0; B = as.matrix(L[1])", ["A", "B"]),
    ("A = X * 1; L = list(a=A); A[2, 3] = 7; L2 = list(A); A[2, 3] = 8\n"
     "B = as.matrix(L[\"a\"]); C = as.matrix(L2[1])", ["A", "B", "C"]),
    ("f = function(matrix[double] M) return (matrix[double] M) { M[1, 1] = 99; M[2, ] = 0 }\n"
     "A = X * 1; B = f(A)", ["A", "B"]),
    ("f = function(matrix[double] M) return (double s) { for (i in 1:10) { M[i, i] = i }; s = sum(M) }\n"
     "A = X * 1; s = f(A); A[1, 2] = 3", ["A", "s"]),
    ("A = X * 1; for (i in 1:10) { A[i, i] = i; if (i == 5) { B = A } }", ["A", "B"]),
    ("A = X * 1; B = A; for (i in 1:10) { B[i, 2] = i; A[i, 3] = -i }", ["A", "B"]),
    ("A = X * 1; B = A[1:40, ]; A[1, 1] = 5; A[2:3, 5:9] = 1", ["A", "B"]),
    ("A = X * 1; B = t(t(A)); A[1, 1] = 5; C = A; C[2, 2] = 6", ["A", "B", "C"]),
    ("X[1, 1] = 5; X[2, ] = 0", ["X"]),                        # the script's input itself
]


@pytest.mark.parametrize("script,outs", ALIAS, ids=[a[0][:60] for a in ALIAS])
def test_aliases_keep_their_value(monkeypatch, script, outs):
    got = _run(monkeypatch, script, outs, SPARSE_ON)
    want = _run(monkeypatch, script, outs, SPARSE_OFF)
    for k in outs:
        if isinstance(want[k], float):
            assert got[k] == want[k]
        else:
            np.testing.assert_array_equal(_dense(got[k]), want[k])


def test_python_input_not_changed(monkeypatch):
    monkeypatch.setenv("DMLPY_SPARSE_MIN_CELLS", SPARSE_ON)
    x = sp.csr_array(X)
    data, indices, indptr = x.data.copy(), x.indices.copy(), x.indptr.copy()
    r = dmlpy.run("for (i in 1:30) { X[i, i] = 100 + i }; X[5, ] = 0", inputs={"X": x}, outputs=["X"])
    assert np.array_equal(x.data, data) and np.array_equal(x.indices, indices)
    assert np.array_equal(x.indptr, indptr)
    want = X.copy()
    want[np.arange(30), np.arange(30)] = 100 + np.arange(1, 31)
    want[4] = 0
    np.testing.assert_array_equal(_dense(r["X"]), want.astype(r["X"].dtype))     # (single: float32)


def test_loop_writes_in_place(monkeypatch):
    """A loop of writes on a matrix only its variable holds copies it once (when it takes it
    over), not once per write; a value that is also held elsewhere is copied, never written."""
    monkeypatch.setenv("DMLPY_SPARSE_MIN_CELLS", SPARSE_ON)
    inplace._base()
    calls = []
    own = inplace._own
    monkeypatch.setattr(inplace, "_own", lambda *a, **k: calls.append(1) or own(*a, **k))
    script = ("A = X * 1\nfor (i in 1:40) { A[i, 1 + (i %% 30)] = i; A[i, 2:4] = r[1, 1:3] * i; "
              "A[i, 1 + (i %% 30)] = 0 }\nB = A\nA[1, 1] = 1\nA[2, 2] = 2")
    r = dmlpy.run(script, inputs={"X": sp.csr_array(X), "r": INPUTS["r"]}, outputs=["A", "B"])
    assert len(calls) == 2          # the first write after A = X * 1, the first after B = A
    dt = r["A"].dtype                                       # float32 under --precision single
    want = X.astype(dt)
    for i in range(1, 41):
        want[i - 1, i % 30] = i
        want[i - 1, 1:4] = INPUTS["r"][0, :3].astype(dt) * i
        want[i - 1, i % 30] = 0
    np.testing.assert_array_equal(_dense(r["B"]), want)
    want[0, 0], want[1, 1] = 1, 2
    np.testing.assert_array_equal(_dense(r["A"]), want)


def test_entry_writes_same_object_only_when_sole_holder():
    """The entry called by the generated code (dmlpy.runtime.matrix) with a local variable."""
    import os
    os.environ["DMLPY_SPARSE_MIN_CELLS"] = SPARSE_ON
    try:
        def gen():
            v_A = sp.csr_array(X) * 1.0
            first = id(v_A)
            for i in range(1, 21):
                v_A = matrix.set_cell(v_A, i, i, float(i), "'A'")
                v_A = matrix.set_region(v_A, i, None, 5, 9, 0.5, "'A'")
            same = id(v_A) == first
            v_B = v_A
            v_A = matrix.set_cell(v_A, 1, 1, 42.0, "'A'")
            return same, v_A is not v_B, v_A, v_B
        same, copied, a, b = gen()
    finally:
        del os.environ["DMLPY_SPARSE_MIN_CELLS"]
    assert same and copied
    want = X.copy()
    for i in range(20):
        want[i, i] = i + 1
        want[i, 4:9] = 0.5
    np.testing.assert_array_equal(_dense(b), want)
    want[0, 0] = 42
    np.testing.assert_array_equal(_dense(a), want)


def _random_writes(seed, steps, monkeypatch):
    monkeypatch.setattr(inplace, "_MIN_ROOM", 2)        # little free room: re-centre and grow often
    rng = np.random.default_rng(seed)
    n, m = 25, 18
    ref = mat(n, m, 0.15, seed, empty_rows=(0, 7))
    A = sp.csr_array(ref)
    sole = inplace._base()[0]
    for _ in range(steps):
        kind = rng.integers(0, 6)
        if kind <= 2:                                   # cells: overwrite, insert, delete
            i, j = int(rng.integers(0, n)), int(rng.integers(0, m))
            v = float(rng.choice([0.0, rng.uniform(-2, 2)]))
            A = inplace.set_cell(A, i, j, v, sole)
            ref[i, j] = v
        else:
            r0 = int(rng.integers(0, n)); r1 = int(rng.integers(r0 + 1, n + 1))
            c0 = int(rng.integers(0, m)); c1 = int(rng.integers(c0 + 1, m + 1))
            if kind == 3:
                v = float(rng.choice([0.0, 1.5]))
                ref[r0:r1, c0:c1] = v
            else:
                d = mat(r1 - r0, c1 - c0, float(rng.choice([0.0, 0.2, 1.0])),
                         int(rng.integers(1 << 30)))
                ref[r0:r1, c0:c1] = d
                v = d if kind == 4 else sp.csr_array(d)
            A = inplace.set_region(A, r0, r1, c0, c1, v, sole)
        _canonical(A)
        np.testing.assert_array_equal(A.toarray(), ref)
        if A.nnz > inplace._INT32_MAX:
            assert A.indices.dtype == np.int64 and A.indptr.dtype == np.int64


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_writes_against_numpy(monkeypatch, seed):
    _random_writes(seed, 300, monkeypatch)


def test_random_writes_past_32_bit_indexes(monkeypatch):
    """Past 2^31 - 1 entries the indexes become 64-bit (here from 40 entries, to test it)."""
    monkeypatch.setattr(inplace, "_INT32_MAX", 40)
    _random_writes(4, 100, monkeypatch)


def test_errors_still_reported(monkeypatch):
    with pytest.raises(DMLRuntimeError, match="row index 41 is out of bounds"):
        _run(monkeypatch, "A = X * 1; A[41, 1] = 1", ["A"], SPARSE_ON)
    with pytest.raises(DMLRuntimeError, match="dimension mismatch in left indexing"):
        _run(monkeypatch, "A = X * 1; A[1:2, ] = matrix(1, rows=3, cols=30)", ["A"], SPARSE_ON)
    with pytest.raises(DMLRuntimeError, match="column index 0 is out of bounds"):
        _run(monkeypatch, "A = X * 1; for (i in 1:3) { A[i, i - 1] = 1 }", ["A"], SPARSE_ON)


# the two loops of issue 15 (X = rand(20000 x 10000, sparsity 0.001), held sparse by the default
# rule), with the sums SystemDS 3.4 printed for them
@pytest.mark.double_only("SystemDS's double digits")
def test_issue_loops_against_systemds(monkeypatch, capsys):
    monkeypatch.delenv("DMLPY_SPARSE_MIN_CELLS", raising=False)
    r = dmlpy.run("""X = rand(rows=20000, cols=10000, sparsity=0.001, seed=3)
for (i in 1:2000) { X[i, i] = i }
print("cells " + sum(X))
Y = rand(rows=20000, cols=10000, sparsity=0.001, seed=3)
for (i in 1:200) { Y[i, ] = matrix(1, rows=1, cols=10000) * i }
print("rows " + sum(Y))
""", outputs=["X", "Y"])
    out = capsys.readouterr().out
    assert "cells 2101020.0834972486\n" in out
    assert "rows 2.0109903159342095E8\n" in out
    assert is_sparse(r["X"]) and is_sparse(r["Y"])
    _canonical(r["X"])
