"""Aggregate builtins; expected outputs recorded from SystemDS 3.4."""
import numpy as np
import pytest


def lines(out):
    return out.strip("\n").split("\n")


def test_full_aggregates(dml_out):
    out = dml_out('''X = matrix("1 2 3 4 5 6", rows=2, cols=3)
print(prod(X))
print(var(X))
print(sd(X))
v = matrix("5 1 4 2 3 8", rows=6, cols=1)
print(median(v))
print(median(matrix("5 1 4 2 3", rows=5, cols=1)))
print(quantile(v, 0.5))
print(quantile(v, 0.25))
print(quantile(v, 0.0))
print(quantile(v, 1.0))
print(quantile(v, 0.3))
P = matrix("0.1 0.25 0.5 0.75 0.9", rows=5, cols=1)
print(toString(quantile(v, P)))
print(interQuartileMean(v))
print(interQuartileMean(matrix("1 2 3 4 5 6 7 8 9 10", rows=10, cols=1)))
print(interQuartileMean(matrix("1 2 3 4 5 6 7", rows=7, cols=1)))
print(trace(matrix("1 2 3 4", rows=2, cols=2)))
''')
    assert lines(out) == ["720.0", "3.5", "1.8708286933869707", "3.5", "3.0", "3.5", "2.5",
                          "1.0", "8.0", "2.5", "1.000", "2.000", "3.000", "5.000", "8.000", "",
                          "3.5", "5.5", "4.0", "5.0"]


@pytest.mark.double_only("SystemDS's double digits (rel 1e-14)")
def test_moment_cov(dml_out):
    out = dml_out('''v = matrix("5 1 4 2 3 8", rows=6, cols=1)
y = matrix("2 4 5 4 5 1", rows=6, cols=1)
print(moment(v, 2)); print(moment(v, 3)); print(moment(v, 4)); print(cov(v, y))
''')
    # SystemDS: 5.138888888888889 7.407407407407409 63.2476851851852 -3.1 (last digits differ)
    got = [float(s) for s in lines(out)]
    for g, e in zip(got, [5.138888888888889, 7.407407407407409, 63.2476851851852, -3.1]):
        assert g == pytest.approx(e, rel=1e-14)


def test_weighted_order_statistics(dml_out):
    out = dml_out('''v = matrix("5 1 4 2 3 8", rows=6, cols=1)
w = matrix("1 2 1 3 1 1", rows=6, cols=1)
P = matrix("0.1 0.25 0.5 0.75 0.9", rows=5, cols=1)
print(quantile(v, w, 0.5))
print(toString(quantile(v, w, P)))
print(median(v, w))
print(interQuartileMean(v, w))
''')
    assert lines(out) == ["2.0", "1.000", "2.000", "2.000", "4.000", "8.000", "", "2.0",
                          "2.5555555555555554"]


def test_order_statistics_zeros_negatives(dml_out):
    out = dml_out('''v = matrix("0 -1 3 0 2 -5", rows=6, cols=1)
print(median(v))
print(quantile(v, 0.5))
print(quantile(v, 0.2))
print(toString(quantile(v, matrix("0 0.2 0.4 0.6 0.8 1", rows=6, cols=1))))
print(interQuartileMean(v))
print(median(matrix("-3 -1 -2 -4", rows=4, cols=1)))
print(countDistinct(v, dir="c"))
''')
    assert lines(out) == ["0.0", "0.0", "-0.5", "-5.000", "-1.000", "0.000", "0.000", "2.000",
                          "3.000", "", "0.16666666666666666", "-2.5", "5.000"]


def test_single_values(dml_out):
    out = dml_out('''s = matrix(5, rows=1, cols=1)
print(var(s)); print(sd(s))
print(toString(colVars(matrix("1 2 3", rows=1, cols=3))))
print(toString(rowSds(matrix("1 2 3", rows=3, cols=1))))
print(moment(s, 2)); print(median(s)); print(quantile(s, 0.3)); print(interQuartileMean(s))
print(cov(s, s)); print(prod(matrix("2 -3", rows=1, cols=2)))
print(toString(rowIndexMax(matrix("-1 0 -2", rows=1, cols=3))))
print(toString(rowIndexMin(matrix("1 0 2", rows=1, cols=3))))
''')
    assert lines(out) == ["0.0", "0.0", "0.000 0.000 0.000", "", "0.000", "0.000", "0.000", "",
                          "0.0", "5.0", "5.0", "5.0", "0.0", "-6.0", "2.000", "", "2.000"]


def test_row_col_cumulative(dml_out):
    out = dml_out('''X = matrix("1 -2 3 4 5 6 0 8 9 -1 2 7", rows=4, cols=3)
print(toString(colProds(X)))
print(toString(rowProds(X)))
print(toString(colVars(X)))
print(toString(rowSds(X)))
print(toString(rowIndexMax(X)))
print(toString(rowIndexMin(X)))
Y = matrix("1 1 1 2 2 0 0 0 0", rows=3, cols=3)
print(toString(rowIndexMax(Y)))
print(toString(rowIndexMin(Y)))
print(toString(cumprod(X)))
print(toString(cummin(X)))
print(toString(cumsumprod(matrix("1 2 3 4 5 6", rows=3, cols=2))))
print(countDistinct(X))
print(toString(rowCountDistinct(Y)))
print(toString(colCountDistinct(Y)))
print(toString(rowcumsum(X)))
''')
    assert out == """0.000 -160.000 1134.000

-6.000
120.000
0.000
-14.000

4.667 18.250 6.250

2.517
1.000
4.933
4.041

3.000
3.000
3.000
3.000

2.000
1.000
1.000
1.000

3.000
2.000
3.000

3.000
3.000
3.000

1.000 -2.000 3.000
4.000 -10.000 18.000
0.000 -80.000 162.000
0.000 -160.000 1134.000

1.000 -2.000 3.000
1.000 -2.000 3.000
0.000 -2.000 3.000
-1.000 -2.000 3.000

1.000
7.000
47.000

12
1.000
2.000
1.000

3.000 3.000 2.000

1.000 -1.000 2.000
4.000 9.000 15.000
0.000 8.000 17.000
-1.000 1.000 8.000

"""


def test_nan_handling(dml_out):
    out = dml_out('''X = matrix("1 2 3 4 5 6", rows=3, cols=2)
X[2,1] = 0/0
print(toString(colMaxs(X)))
print(toString(rowMins(X)))
print(toString(rowIndexMax(X)))
print(toString(rowIndexMin(X)))
print(toString(cummax(X)))
print(prod(X))
print(var(X))
print(countDistinct(X))
''')
    assert lines(out) == ["NaN 6.000", "", "1.000", "NaN", "5.000", "", "2.000", "2.000", "2.000",
                          "", "1.000", "2.000", "1.000", "", "1.000 2.000", "NaN 4.000",
                          "NaN 6.000", "", "NaN", "NaN", "6"]


def test_empty(dml_out):
    out = dml_out('''X = matrix(0, rows=0, cols=3)
print(toString(colSums(X)))
print(prod(X))
print(toString(colProds(X)))
print(var(X))
''')
    assert lines(out) == ["0.000 0.000 0.000", "", "1.0", "0.000 0.000 0.000", "", "NaN"]


def test_grouped_aggregate(dml_out):
    out = dml_out('''g = matrix("1 2 1 4 2 1", rows=6, cols=1)
x = matrix("10 20 30 40 50 60", rows=6, cols=1)
w = matrix("1 2 1 1 1 2", rows=6, cols=1)
X2 = matrix("10 1 20 2 30 3 40 4 50 5 60 6", rows=6, cols=2)
print(toString(t(aggregate(target=x, groups=g, fn="mean"))))
print(toString(t(aggregate(target=x, groups=g, fn="variance"))))
print(toString(t(aggregate(target=x, groups=g, fn="min"))))
print(toString(t(aggregate(target=x, groups=g, fn="count"))))
print(toString(t(aggregate(target=x, groups=g, fn="centralmoment", order=3))))
print(toString(t(aggregate(target=x, groups=g, weights=w, fn="sum"))))
print(toString(t(aggregate(target=x, groups=g, weights=w, fn="mean"))))
print(toString(aggregate(target=X2, groups=g, fn="mean", ngroups=4)))
print(toString(t(aggregate(target=x, groups=g, fn="sum", ngroups=2))))
''')
    assert lines(out) == ["33.333 35.000 0.000 40.000", "", "633.333 450.000 0.000 0.000", "",
                          "10.000 20.000 0.000 40.000", "", "3.000 2.000 0.000 1.000", "",
                          "2074.074 0.000 NaN 0.000", "", "160.000 90.000 0.000 40.000", "",
                          "40.000 30.000 0.000 40.000", "", "33.333 3.333", "35.000 3.500",
                          "0.000 0.000", "40.000 4.000", "", "100.000 70.000"]


@pytest.mark.parametrize("script", [
    'print(toString(cumsumprod(matrix("1 2 3", rows=3, cols=1))))',
    'x = matrix("1 2", rows=1, cols=2)\nprint(toString(aggregate(target=x, groups=x, fn="sum")))',
    'print(moment(matrix("1 2 3", rows=3, cols=1), 5))',
])
def test_errors(dml, script):
    out, err, rc = dml(script)
    assert rc != 0


@pytest.mark.parametrize("pick_max", [True, False])
def test_row_index_extreme_kernel_matches_small_path(pick_max):
    # large matrices go through a one-pass kernel: ties give the last column, NaN counts as -Inf
    # (rowIndexMax) or +Inf (rowIndexMin), rows of NaN give the last column
    from dmlpy.builtins.aggregates import _index_extreme
    rng = np.random.default_rng(7)
    x = np.round(rng.random((300, 40)) * 4)
    x[rng.random(x.shape) < 0.05] = np.nan
    x[5] = np.nan
    x[6] = -np.inf
    fn = "rowIndexMax" if pick_max else "rowIndexMin"
    big = _index_extreme(x, fn, pick_max)
    small = np.vstack([_index_extreme(x[i:i + 1], fn, pick_max) for i in range(x.shape[0])])
    np.testing.assert_array_equal(big, small)


@pytest.mark.double_only("every printed digit of SystemDS's double Kahan sums")
def test_sums_and_means_round_as_systemds(dml_out):
    # SystemDS adds with Kahan compensation (running means for mean/colMeans/rowMeans), skips the
    # zeros of a matrix held sparse (S: a third non-zero) and splits sum/mean/colSums/colMeans of
    # over 4096 non-zeros by rows (X, S); Y is small.  Every printed digit is the reference's.
    out = dml_out('''X = matrix(1 / seq(1, 6000), rows=1200, cols=5) * 7
S = X * (matrix(seq(1, 6000), rows=1200, cols=5) %% 3 == 0)
Y = X[1:60, ]
L = list(X, S, Y)
for (k in 1:3) {
  M = as.matrix(L[k])
  print(sum(M) + " " + mean(M))
  cs = colSums(M); cm = colMeans(M)
  rs = rowSums(t(M)); rm = rowMeans(t(M))
  print(as.scalar(cs[1,1]) + " " + as.scalar(cs[1,3]) + " " + as.scalar(cm[1,2]) + " " + as.scalar(cm[1,5]))
  print(as.scalar(rs[1,1]) + " " + as.scalar(rs[4,1]) + " " + as.scalar(rm[2,1]) + " " + as.scalar(rm[5,1]))
}
''')
    assert lines(out) == [
        "64.9376962089117 0.010822949368151952",
        "17.330413422087815 12.083091171845323 0.011259941084578043 0.008945660627719579",
        "17.330413422087815 11.27746956022142 0.011259941084578041 0.008945660627719579",
        "19.08285890842399 0.003180476484737332",
        "3.991213016459446 5.263885397454558 0.0027055867582842243 0.0025549726576797526",
        "3.991213016459446 3.515089195353214 0.0027055867582842243 0.0025549726576797526",
        "43.97864716209652 0.14659549054032175",
        "13.1297370499477 7.891296826651846 0.15526169544412788 0.10919697630220722",
        "13.1297370499477 7.090092980716872 0.15526169544412788 0.10919697630220722"]


def test_sums_with_infinities_as_systemds(dml_out):
    # SystemDS's Kahan step: an infinite term replaces the sum and an infinite sum stays, so
    # Inf then -Inf gives -Inf and a NaN after an Inf is dropped (reference output)
    out = dml_out('''A = matrix("1 2 3 4", rows=4, cols=1)
A[2,1] = 1/0
B = A; B[3,1] = -1/0
C = A; C[3,1] = 0/0
D = C; D[2,1] = 5
print(sum(A) + " " + sum(B) + " " + sum(C) + " " + sum(D) + " " + sum(t(B)) + " " + sum(t(C)))
print(mean(A) + " " + mean(B) + " " + mean(C) + " " + mean(D))
print(toString(colSums(cbind(A,B,C,D))))
print(toString(colMeans(cbind(A,B,C,D))))
print(toString(t(rowSums(t(cbind(A,B,C,D))))))
print(toString(t(rowMeans(t(cbind(A,B,C,D))))))
''')
    assert lines(out) == ["Infinity -Infinity Infinity NaN -Infinity Infinity",
                          "Infinity Infinity -Infinity NaN",
                          "Infinity -Infinity Infinity NaN", "",
                          "Infinity Infinity -Infinity NaN", "",
                          "Infinity -Infinity Infinity NaN", "",
                          "Infinity Infinity -Infinity NaN"]


@pytest.mark.double_only("every printed digit of SystemDS's double aggregates")
def test_vector_aggregates_as_systemds(dml_out):
    # reference output: colSums/colMeans of a column vector are SystemDS's sum/mean (its rewrite),
    # split into 16 row blocks here; a row vector's rowMeans is one running mean
    out = dml_out('''X = (1 / seq(1, 10007)) * 7 - 0.001
print(as.scalar(colSums(X)) + " " + sum(X) + " " + as.scalar(colMeans(X)) + " " + mean(X))
print(as.scalar(rowSums(t(X))) + " " + as.scalar(rowMeans(t(X))))
''')
    assert lines(out) == ["58.511140293290126 58.511140293290126 0.005847021114548828 "
                          "0.005847021114548828", "58.511140293290126 0.005847021114548829"]


@pytest.mark.parametrize("sparse", [False, True])
def test_kahan_parts_kernels_match_the_step_by_step_sums(sparse):
    # the parts advance together in the compiled kernels: every part must still add its own
    # cells in its own order (compared with the plain step-by-step version, bit for bit)
    from dmlpy.kernels.kahan_parts import part_means, part_sums
    from dmlpy.runtime.kahan import _all_mean_py, _all_sum_py
    rng = np.random.default_rng(11)
    x = rng.standard_normal((203, 9)) * 1e3
    x[rng.random(x.shape) < 0.5] = 0.0
    x[3, 0], x[90, 8], x[150, 4] = np.inf, -np.inf, np.nan
    parts = [(0, 26), (26, 52), (52, 77), (77, 203)]
    same = lambda a, b: a == b or (a != a and b != b)  # noqa: E731
    got_sums, nnz = part_sums(x, parts, sparse)
    assert nnz == np.count_nonzero(x)
    for got, want in zip(got_sums, [_all_sum_py(x, sparse, lo, hi) for lo, hi in parts]):
        assert same(got[0], want[0]) and same(got[1], want[1])
    sq, _ = part_sums(x, parts, sparse, square=True)
    for got, want in zip(sq, [_all_sum_py(x * x, sparse, lo, hi) for lo, hi in parts]):
        assert same(got[0], want[0]) and same(got[1], want[1])
    y = x[:, :8].copy()
    y[~np.isfinite(y)] = 1.5
    for got, want in zip(part_means(y, parts, sparse)[0], [_all_mean_py(y, sparse, lo, hi) for lo, hi in parts]):
        assert all(same(a, b) for a, b in zip(got, want))


@pytest.mark.parametrize("case", ["dense", "sparse", "infinities", "nan", "float32", "huge"])
def test_compiled_column_sums_match_the_step_by_step_sums(case):
    # the compiled colSums runs all columns at once without the infinity test and redoes the
    # columns that end non-finite: bit for bit the NumPy step-by-step version
    from dmlpy.kernels.kahan_kernels import col_sums
    from dmlpy.runtime.kahan import _col_sums_np
    rng = np.random.default_rng(5)
    x = rng.standard_normal((700, 37)) * 1e3
    if case == "sparse":
        x[rng.random(x.shape) < 0.7] = 0.0
    elif case == "infinities":
        x[3, 0], x[90, 8], x[91, 8], x[600, 30] = np.inf, -np.inf, np.inf, -np.inf
    elif case == "nan":
        x[5, 2], x[400, 2], x[10, 7] = np.nan, np.inf, np.nan
    elif case == "float32":
        x = x.astype(np.float32)
    elif case == "huge":
        x = x * 1e305      # partial sums overflow
    sparse = case == "sparse"
    with np.errstate(all="ignore"):
        for lo, hi in [(0, 700), (0, 350), (350, 700)]:
            got = col_sums(x, sparse, lo, hi)
            want = _col_sums_np(x.astype(np.float64), sparse, lo, hi)
            for g, w in zip(got, want):
                assert np.array_equal(g, w, equal_nan=True)
