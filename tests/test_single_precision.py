"""Single precision (--precision single): results that must stay float32, and what float32 inputs
change (issue 8). The whole suite runs in single precision with `pytest --precision single`
(tests/conftest.py); these tests pass the precision themselves and run in either mode."""
import numpy as np
import pytest

import dmlpy
from dmlpy.compile import compile_program
from dmlpy.plan import PASSES, PlanOptions

M = "X = rand(rows=60, cols=50, seed=1) - 0.5\nY = rand(rows=60, cols=50, seed=2)\n"


def single(src, outputs, disabled=()):
    p = compile_program(src, outputs=list(outputs),
                        plan=PlanOptions(disabled=frozenset(disabled), precision="single"))
    return p()


def test_plan_options_follow_the_environment(monkeypatch):
    # the suite's switch: DMLPY_PRECISION is the default of PlanOptions() as of options()
    monkeypatch.setenv("DMLPY_PRECISION", "single")
    assert PlanOptions().precision == "single"
    r = dmlpy.run("X = rand(rows=2, cols=2, seed=1)", outputs=["X"])["X"]
    assert r.dtype == np.float32
    monkeypatch.delenv("DMLPY_PRECISION")
    assert PlanOptions().precision == "double"
    assert dmlpy.run("X = rand(rows=2, cols=2, seed=1)", outputs=["X"])["X"].dtype == np.float64


@pytest.mark.parametrize("expr", ["X %*% t(X)", "t(X) %*% X", "X %*% t(Y)", "t(X) %*% Y"])
def test_products_with_a_transpose_stay_float32(expr):
    # X %*% t(X) (SystemDS's tsmm order) gave a float64 matrix in single precision
    on = single(M + f"r = {expr}", ["r"])["r"]
    off = single(M + f"r = {expr}", ["r"], disabled=PASSES)["r"]
    assert on.dtype == np.float32 and off.dtype == np.float32
    dbl = dmlpy.run(M + f"r = {expr}", outputs=["r"], precision="double")["r"]
    np.testing.assert_allclose(on, dbl, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(on, off, rtol=1e-4, atol=1e-5)


def test_every_result_of_a_builtin_with_several_is_float32():
    res = dmlpy.run(M + "S = t(X) %*% X\n[vals, vecs] = eigen(S)\n[U, D, V] = svd(X)\n"
                    "[E, Mt] = transformencode(target=as.frame(round(X * 4)), spec=\"{ids:true,recode:[1]}\")",
                    outputs=["vals", "vecs", "U", "D", "V", "E"], precision="single")
    assert {k: v.dtype for k, v in res.items()} == {k: np.dtype(np.float32) for k in res}
    dbl = dmlpy.run(M + "[vals, vecs] = eigen(t(X) %*% X)", outputs=["vals"])["vals"]
    np.testing.assert_allclose(res["vals"], dbl, rtol=1e-4, atol=1e-5)


def test_cholesky_of_a_float32_gram_matrix():
    # the two triangles of a float32 t(X) %*% X round apart (8e-6 relative in a small entry here):
    # single precision allows float32 ulps of the diagonal's scale, double keeps its test
    src = M + "S = t(X) %*% X\nL = cholesky(S)\nerr = max(abs(L %*% t(L) - S))"
    res = dmlpy.run(src, outputs=["L", "err"], precision="single")
    dbl = dmlpy.run(src, outputs=["L"], precision="double")["L"]
    assert res["L"].dtype == np.float32
    np.testing.assert_allclose(res["L"], dbl, rtol=1e-3, atol=1e-4)
    assert res["err"] < 1e-4
    bad = 'S = matrix("4 1 1.001 3", rows=2, cols=2)\nL = cholesky(S)'
    for precision in ("single", "double"):
        with pytest.raises(dmlpy.DMLError, match="not symmetric"):
            dmlpy.run(bad, outputs=["L"], precision=precision)
