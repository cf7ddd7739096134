"""SystemDS's n-ary + and * (its foldMultipleMinMaxOperations rewrite): a chain of matrix additions
or products with a nested operand used nowhere else is one n-ary operation, computed scalars first
and then the matrices in their written order. The printed digits below are SystemDS 3.4's own
(recorded with the reference, 17 decimals), including GMM's VII covariance expression."""
import numpy as np
import pytest

import dmlpy

pytestmark = pytest.mark.double_only("compares SystemDS's float64 digits")

DATA = """
A = rand(rows=3, cols=3, seed=1); B = rand(rows=3, cols=3, seed=2); C = rand(rows=3, cols=3, seed=3)
r = rand(rows=1, cols=3, seed=4)
"""

# recorded from SystemDS 3.4 (toString(x, decimal=17)), row by row
SYSTEMDS = {
    "A + B + 0.1": [[1.26775221865078040, 1.49998111149898560, 1.43853424046203630],
                    [0.35758362823150380, 1.32482433844671020, 1.53034450812608650],
                    [1.61101926592561150, 1.33780303708638360, 1.58662258249264480]],
    "A + (B + C)": [[1.85629615552293740, 1.81294155160193560, 1.72556712816141560],
                    [0.69186010892028670, 1.31832004201825680, 2.26642548687182800],
                    [2.20140955420740900, 1.91779167145272880, 2.40654143551904460]],
    "A * B * 0.3": [[0.09723632611693364, 0.14490512541642095, 0.10578284208135334],
                    [0.00489214067186134, 0.09431995306225084, 0.15049632823819992],
                    [0.17083482511894182, 0.09591332053343190, 0.16190266386596810]],
    "A + C + r": [[1.67721889308098750, 1.26868131836830140, 1.73107721183434300],
                  [1.08070518790829380, 0.53188369121970250, 2.43567160230872040],
                  [2.01695540183610700, 1.11948519220600450, 2.53343226934687600]],
}


@pytest.mark.parametrize("expr", sorted(SYSTEMDS))
def test_chains_give_systemds_digits(expr):
    res = dmlpy.run(DATA + f"x = {expr}\ns = toString(x, decimal=17)", outputs=["s"])
    got = [[float(v) for v in line.split()] for line in res["s"].strip().splitlines()]
    assert got == SYSTEMDS[expr]


def test_gmm_vii_covariance():
    """gmm's VII update: avgX2 - 2 * avgMean + avgMean2 + reg_covar is SystemDS's
    n+(-*(avgX2, 2, avgMean), avgMean2, reg_covar): reg_covar is added first."""
    res = dmlpy.run("""
X = rand(rows=150, cols=4, seed=1)
resp = rand(rows=150, cols=3, seed=2)
weight = colSums(resp) + 2.22e-16
mean = (t(resp) %*% X) / t(weight)
avgX2 = (t(resp) %*% (X*X)) / t(weight)
avgMean = mean ^ 2
avgMean2 = mean * (t(resp) %*% X) / t(weight)
cov = avgX2 - 2 * avgMean + avgMean2 + 1e-6
s = toString(rowMeans(cov), decimal=17)
""", outputs=["s"])
    assert res["s"].split() == ["0.08346048503036615", "0.08133144223280130", "0.08131513530370661"]


def test_broadcast_operand_keeps_the_written_order():
    """With a row vector among the operands SystemDS does not fold: the chain runs as written."""
    res = dmlpy.run(DATA + "x = A + r + 0.1\ny = (A + r) + 0.1", outputs=["x", "y"])
    assert np.array_equal(res["x"], res["y"])


def test_explain_and_switch_off():
    from dmlpy.plan import PlanOptions
    from dmlpy.compile import compile_program
    opts = PlanOptions(record=True)
    compile_program(DATA + "x = A + (B + C) + 1\nprint(sum(x))", plan=opts)
    kernels = [k for _, _, _, ks in opts.log for k in ks]
    assert any(k.startswith("n-ary + of 4 operands") for k in kernels), kernels
    # --no-rewrite nary-chains: A + (B + C) as written
    prog = compile_program(DATA + "x = A + (B + C)\ny = A + B + C", outputs=["A", "B", "C", "x", "y"],
                           plan=PlanOptions(disabled=frozenset({"nary-chains"})))
    r = prog()
    A, B, C = (np.asarray(r[k]) for k in "ABC")
    assert np.array_equal(r["x"], A + (B + C)) and np.array_equal(r["y"], (A + B) + C)
