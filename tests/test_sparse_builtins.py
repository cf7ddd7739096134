"""Sparse matrices through whole builtins (issue 15): pageRank on a graph and als on a ratings
matrix stay sparse from start to end (no densify of the big operand, counted by
dmlpy.sparse.DENSIFIED), with the values of the dense run and those printed by SystemDS 3.4 on the
same scripts; the masked product (W * f(A %*% t(B), X) at W's non-zeros) and X / vector that
they rely on, against the dense operators."""
import numpy as np
import pytest
import scipy.sparse as sp

pytestmark = pytest.mark.double_only("values recorded from SystemDS in double precision")

import dmlpy
from dmlpy import sparse as S
from dmlpy.sparse import is_sparse
from sparse_util import SPARSE_OFF, SPARSE_ON


PAGERANK = """
n = 300
src = round(rand(rows=2000, cols=1, min=0.5, max=n + 0.49, seed=11))
dst = round(rand(rows=2000, cols=1, min=0.5, max=n + 0.49, seed=12))
A = table(dst, src, n, n) != 0
cs = colSums(A)
G = A / (cs + (cs == 0))
p = pageRank(G=G, u=matrix(1 / n, rows=1, cols=n), alpha=0.85, max_iter=20, seed=5)
print("edges " + sum(A) + " sum " + sum(p) + " max " + max(p) + " p7 " + as.scalar(p[7, 1]))
"""
# SystemDS 3.4 prints (same script):
PAGERANK_OUT = ("edges 1982.0 sum 145.1423832508587 max 1.2125441202078178 "
                "p7 0.22345370276915857")

ALS = """
X = round(rand(rows=60, cols=40, sparsity=0.05, min=1, max=5, seed=3))
[U, V] = als(X=X, rank=3, reg=0.01, maxi=4, check=TRUE, verbose=FALSE)
print("U " + sum(U) + " V " + sum(V) + " loss " + sum((X != 0) * (U %*% V - X)^2))
"""
ALS_OUT = (-138.96752387477497, -4.66281344009418, 1.2213416306112135)   # SystemDS 3.4


def _run(monkeypatch, capsys, script, min_cells, outputs=(), inputs=None, builtin_path=None):
    monkeypatch.setenv("DMLPY_SPARSE_MIN_CELLS", min_cells)
    if builtin_path:
        monkeypatch.setenv("DMLPY_BUILTIN_PATH", builtin_path)
    S.DENSIFIED.clear()
    res = dmlpy.run(script, inputs=inputs or {}, outputs=list(outputs))
    out = capsys.readouterr().out.strip().splitlines()
    return res, out, list(S.DENSIFIED)


def _numbers(line):
    return [float(w) for w in line.split() if w[0] in "-0123456789"]


def test_pagerank_graph_stays_sparse(monkeypatch, capsys):
    res, out, dens = _run(monkeypatch, capsys, PAGERANK, SPARSE_ON, ["G", "p"])
    assert is_sparse(res["G"]) and res["G"].shape == (300, 300)
    assert [d for d in dens if d[1:3] == (300, 300)] == []      # the graph never densified
    assert out[-1] == PAGERANK_OUT
    _, dense_out, _ = _run(monkeypatch, capsys, PAGERANK, SPARSE_OFF)
    assert dense_out[-1] == PAGERANK_OUT


def test_als_ratings_stay_sparse(monkeypatch, capsys):
    res, out, dens = _run(monkeypatch, capsys, ALS, SPARSE_ON, ["X", "U", "V"])
    assert is_sparse(res["X"])
    assert [d for d in dens if d[1:3] == (60, 40)] == []        # neither X nor a 60x40 product
    got = _numbers(out[-1])
    np.testing.assert_allclose(got, ALS_OUT, rtol=1e-12)
    res_d, out_d, _ = _run(monkeypatch, capsys, ALS, SPARSE_OFF, ["U", "V"])
    np.testing.assert_allclose(res["U"], res_d["U"], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(res["V"], res_d["V"], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(_numbers(out_d[-1]), ALS_OUT, rtol=1e-12)


def test_als_with_systemds_builtins_stays_sparse(monkeypatch, capsys):
    import os
    path = "/root/.cache/dmlpy-reference/jar/scripts/builtin"
    if not os.path.isdir(path):
        pytest.skip("SystemDS's DML builtins not unpacked")
    _, out, dens = _run(monkeypatch, capsys, ALS, SPARSE_ON, builtin_path=path)
    assert [d for d in dens if d[1:3] == (60, 40)] == []
    np.testing.assert_allclose(_numbers(out[-1]), ALS_OUT, rtol=1e-12)


def _mats():
    rng = np.random.default_rng(5)
    x = np.where(rng.random((50, 36)) < 0.06, rng.integers(1, 6, (50, 36)).astype(float), 0.0)
    return {"X": x, "A": rng.uniform(-1, 1, (50, 4)), "B": rng.uniform(-1, 1, (36, 4)),
            "C": rng.uniform(-1, 1, (4, 36)), "D": rng.uniform(-1, 1, (50, 36))}


MASKED = ["R = W * (A %*% t(B))", "R = (A %*% t(B) - X) * W", "R = W * (X - A %*% t(B))",
          "R = W * (A %*% t(B) - X)^2", "R = W * (X - A %*% t(B))^2", "R = W * (A %*% C - X)^2",
          "R = W * (A %*% t(B) - D)", "R = W * (A %*% C)",
          "R = as.matrix(sum(W * (A %*% t(B) - X)^2))", "R = (W * (A %*% t(B) - X)) %*% B",
          "R = t(t(A) %*% (W * (A %*% t(B) - X)))"]


@pytest.mark.parametrize("stmt", MASKED)
def test_masked_product(monkeypatch, capsys, stmt):
    script = "W = X != 0\n" + stmt
    m = _mats()
    ins = dict(m, X=sp.csr_array(m["X"]))
    res, _, dens = _run(monkeypatch, capsys, script, SPARSE_ON, ["R"], ins)
    assert [d for d in dens if d[1:3] == (50, 36)] == []
    ref, _, _ = _run(monkeypatch, capsys, script, SPARSE_OFF, ["R"], m)
    r = res["R"]
    if r.shape == (50, 36):
        assert is_sparse(r)
        r = r.toarray()
    np.testing.assert_allclose(r, ref["R"], rtol=1e-13, atol=1e-13)


def test_divide_by_vector_keeps_sparsity(monkeypatch, capsys):
    m = _mats()
    ins = {"X": sp.csr_array(m["X"]), "c": np.arange(1.0, 37.0).reshape(1, 36),
           "r": -np.arange(1.0, 51.0).reshape(50, 1), "z": np.zeros((1, 36))}
    res, _, dens = _run(monkeypatch, capsys, "R = X / c\nQ = X / r\nZ = X / z", SPARSE_ON,
                        ["R", "Q", "Z"], ins)
    assert is_sparse(res["R"]) and is_sparse(res["Q"])
    np.testing.assert_array_equal(res["R"].toarray(), m["X"] / ins["c"])
    np.testing.assert_array_equal(res["Q"].toarray(), m["X"] / ins["r"])
    with np.errstate(all="ignore"):
        np.testing.assert_array_equal(np.asarray(S.densify(res["Z"])), m["X"] / ins["z"])
    assert len([d for d in dens if d[1:3] == (50, 36)]) == 1    # only the division by zeros


def _awkward():
    """A CSR matrix with rows of every length, stored zeros, infinities and NaN, large values."""
    rng = np.random.default_rng(11)
    x = np.where(rng.random((203, 40)) < 0.3, rng.normal(0, 1e8, (203, 40)), 0.0)
    x[5, :] = rng.normal(size=40)
    x[9, 3], x[9, 7] = np.inf, 1.0
    x[14, 2], x[14, 9] = np.inf, -np.inf
    x[21, 5] = np.nan
    m = sp.csr_array(x)
    m.data[::17] = 0.0          # stored zeros: skipped, as SystemDS never sees them
    return m


def test_fast_sum_kernels_give_the_same_bits():
    from dmlpy.kernels import sparse_kahan as K
    from dmlpy.sparse import aggs
    x = _awkward()
    clean = x.copy()
    clean.eliminate_zeros()
    a, b = np.zeros(x.shape[0]), np.zeros(x.shape[0])
    K.row_sums_range(0, x.shape[0], x.data, x.indptr, a)
    b = aggs.row_sums(x).ravel()        # dmlpy.kernels.sparse_sums' eight lanes
    np.testing.assert_array_equal(a, b)
    assert np.isnan(b[21]) and b[9] == np.inf and b[14] == -np.inf   # an infinite term replaces the sum
    fin = x[30:, :]
    cfin = clean[30:, :]
    for sq in (False, True):
        assert aggs.total(fin, sq) == aggs.total(cfin, sq)
    np.testing.assert_array_equal(aggs.col_sums(x), aggs.col_sums(clean))
    ref = np.zeros((1, 40))
    ref_c = np.zeros(40)
    dense = x.toarray()
    for j in range(40):           # SystemDS's column Kahan sums, one part, zeros skipped
        s = c = 0.0
        for i in range(dense.shape[0]):
            v = dense[i, j]
            if v == 0.0:
                continue
            if np.isinf(v) or np.isinf(s):
                s, c = (v if np.isinf(v) else s), 0.0
                continue
            cor = v + c
            t = s + cor
            s, c = t, cor - (t - s)
        ref[0, j], ref_c[j] = s, c
    np.testing.assert_array_equal(aggs.col_sums(x), ref)


def test_masked_product_shape_error_is_the_operators(monkeypatch, capsys):
    m = _mats()
    ins = dict(m, X=sp.csr_array(m["X"]), B=m["B"][:30])
    msgs = []
    for cells in (SPARSE_ON, SPARSE_OFF):
        monkeypatch.setenv("DMLPY_SPARSE_MIN_CELLS", cells)
        with pytest.raises(dmlpy.DMLError) as e:
            dmlpy.run("W = X != 0\nR = W * (A %*% t(B) - X)\nprint(sum(R))", inputs=ins)
        msgs.append(str(e.value))
    assert msgs[0] == msgs[1] and "50x30" in msgs[0]


ONEHOT = """
n = 1000
ids = round(rand(rows=n, cols=1, min=0.5, max=200.49, seed=21))
vals = rand(rows=n, cols=1, min=-1, max=1, seed=22)
F = cbind(as.frame(ids), as.frame(vals))
jspec = "{ids: true, recode: [1], dummycode: [1]}"
[X, M] = transformencode(target=F, spec=jspec)
print(nrow(X) + " " + ncol(X) + " " + sum(X) + " " + sum(X[, ncol(X)]) + " " + sum(rowSums(X[, 1:(ncol(X) - 1)]) == 1))
Y = transformapply(target=F, spec=jspec, meta=M)
print(sum(abs(X - Y)))
"""


ONEHOT_OUT = ["1000 197 1025.8097928975064 25.809792897506345 1000.0", "0.0"]    # SystemDS 3.4


def test_transformencode_one_hot_is_built_sparse(monkeypatch, capsys):
    res, out, dens = _run(monkeypatch, capsys, ONEHOT, SPARSE_ON, ["X"])
    X = res["X"]
    assert is_sparse(X) and X.shape[0] == 1000 and X.nnz == 2000    # a 1 and a value per row
    assert not [d for d in dens if d[1] == 1000]                       # never built dense
    dres, dense_out, _ = _run(monkeypatch, capsys, ONEHOT, SPARSE_OFF, ["X"])
    assert not is_sparse(dres["X"])
    assert out == dense_out == ONEHOT_OUT
    assert np.array_equal(X.toarray(), dres["X"])
