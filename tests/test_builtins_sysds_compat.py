"""Builtin behaviours SystemDS's own builtin scripts rely on (found by
benchmarks/sysds_builtin_tests.py).  Expected texts were recorded with the reference, SystemDS 3.4.0.
"""
import pytest


def test_order_by_several_columns(dml_out):
    out = dml_out('X = matrix("3 1 9 1 2 8 3 0 7 1 2 6 2 5 5", 5, 3)\n'
                  'print(toString(order(target=X, by=matrix("1 2", 1, 2), decreasing=FALSE, index.return=FALSE)))\n'
                  'print(toString(t(order(target=X, by=matrix("1 2", 1, 2), decreasing=TRUE, index.return=TRUE))))\n'
                  'print(toString(t(order(target=X, by=matrix("2 1", 2, 1), decreasing=FALSE, index.return=TRUE))))\n')
    assert out == ("1.000 2.000 8.000\n1.000 2.000 6.000\n2.000 5.000 5.000\n3.000 0.000 7.000\n"
                   "3.000 1.000 9.000\n\n1.000 3.000 5.000 2.000 4.000\n\n3.000 1.000 2.000 4.000 5.000\n\n")


def test_unique_returns_values_in_hash_set_order(dml_out):
    out = dml_out('X = matrix("3 1 2 3 1 5 2.5 100 -7 0", 10, 1)\nprint(toString(t(unique(X))))\n')
    assert out == "1.000 2.000 0.000 5.000 2.500 3.000 100.000 -7.000\n\n"


def test_append_of_strings_joins_lines(dml_out):
    assert dml_out('s = append("a", "b")\ns = append(s, "c")\nprint(s)\n') == "a\nb\nc\n"


def test_table_with_output_empty_blocks_flag(dml_out):
    out = dml_out('print(toString(table(seq(1,3), seq(1,3), 1, 3, 4, FALSE)))\n')
    assert out == "1.000 0.000 0.000 0.000\n0.000 1.000 0.000 0.000\n0.000 0.000 1.000 0.000\n\n"


def test_as_matrix_of_a_list_of_scalars(dml_out, dml):
    # SystemDS: a list of several scalars becomes a column vector (scaleRobust relies on it)
    assert dml_out('print(toString(as.matrix(list(0.25, 0.5, 3))))\n') == "0.250\n0.500\n3.000\n\n"
    out, err, rc = dml('print(toString(as.matrix(list(1, matrix(1, 2, 2)))))\n')
    assert rc == 1 and "numeric scalars only" in err


def test_round_follows_math_round_nan_and_saturation(dml_out):
    # Math.round as a long: NaN -> 0, beyond INT64 (and +-Inf) saturates (glm's round_to_print
    # loops on round(log(NaN)) and relies on it)
    out = dml_out('a = 0.0/0.0\nb = 1/0\n'
                  'print(round(a) + " " + round(b) + " " + round(-b) + " " + round(1e300) + " " '
                  '+ round(-2.5) + " " + round(2.5))\n'
                  'M = matrix("1 2 3 4 5 6", rows=1, cols=6)\n'
                  'M[1,1] = a\nM[1,2] = b\nM[1,3] = -b\nM[1,4] = 1e300\nM[1,5] = -2.5\nM[1,6] = 2.5\n'
                  'R = round(M)\n'
                  'print(as.scalar(R[1,1]) + " " + as.scalar(R[1,2]) + " " + as.scalar(R[1,3]) + " " '
                  '+ as.scalar(R[1,4]) + " " + as.scalar(R[1,5]) + " " + as.scalar(R[1,6]))\n')
    line = "0.0 9.223372036854776E18 -9.223372036854776E18 9.223372036854776E18 -2.0 3.0\n"
    assert out == line + line


def test_outer_with_a_matrix_of_stacked_rows(dml_out):
    # raJoin's sort-merge: outer(v, ones %*% t(s), op), which SystemDS rewrites to outer(v, t(s), op)
    # (the shapes are hidden from SystemDS's compile-time check by removeEmpty, as in raJoin)
    out = dml_out('a = removeEmpty(target=matrix("1 2 3 2", rows=4, cols=1), margin="rows")\n'
                  'S = matrix(1, rows=nrow(a), cols=1) %*% t(seq(1, 3))\n'
                  'print(toString(outer(a, S, "==")))\nprint(toString(outer(a, S, "+")))\n')
    assert out == ("1.000 0.000 0.000\n0.000 1.000 0.000\n0.000 0.000 1.000\n0.000 1.000 0.000\n\n"
                   "2.000 3.000 4.000\n3.000 4.000 5.000\n4.000 5.000 6.000\n3.000 4.000 5.000\n\n")


def test_table_reads_the_first_column_of_a_wider_b(dml_out):
    # alsPredict passes a n x 2 matrix as table()'s B: SystemDS reads B at A's cells
    # (shapes hidden from SystemDS's compile-time check by removeEmpty, as read() does there)
    out = dml_out('A = removeEmpty(target=matrix("1 2 3 0", rows=4, cols=1), margin="rows")\n'
                  'B = removeEmpty(target=matrix("1 3 2 1 3 2 0 0", rows=4, cols=2), margin="rows")\n'
                  'W = removeEmpty(target=matrix("10 20 30 0", rows=4, cols=1), margin="rows")\n'
                  'print(toString(table(A, B, 3, 3)))\nprint(toString(table(A, B, W)))\n')
    assert out == ("1.000 0.000 0.000\n0.000 1.000 0.000\n0.000 0.000 1.000\n\n"
                   "10.000 0.000 0.000\n0.000 20.000 0.000\n0.000 0.000 30.000\n\n")


@pytest.mark.double_only("prints the double digits of 1.414 taken from a matrix")
def test_int_result_keeps_a_double_assigned_on_one_path(dml_out):
    # knnGraph's kthSmallest returns (integer res) but assigns a distance in one branch
    out = dml_out('f = function(Matrix[Double] a, Boolean b) return (integer res) {\n'
                  '  found = FALSE\n  if (b) {\n    res = as.scalar(a[1,1])\n    found = TRUE\n  }\n'
                  '  if (!found)\n    res = -1\n}\n'
                  'x = f(matrix(1.414, 1, 1), TRUE)\nprint(x)\n'
                  'M = matrix(0, 2, 1)\nM[1] = f(matrix(1.7, 1, 1), TRUE)\nprint(toString(M))\n'
                  'print(x + 1)\nprint(f(matrix(1.7, 1, 1), FALSE))\n')
    assert out == "1.414\n1.700\n0.000\n\n2.4139999999999997\n-1\n"


@pytest.mark.double_only("every printed digit of SystemDS's double sums and tsmm")
def test_row_sums_and_self_product_round_like_systemds(dml_out):
    # Kahan row sums and tsmm's dot-product order: the cancellation s + t(s) - 2 X t(X) of dist()
    # leaves SystemDS's residues (dense and sparse kernels differ)
    out = dml_out('X = rand(rows=30, cols=10, min=-1, max=1, seed=11)\n'
                  's = rowSums(X^2)\nR = -2 * X %*% t(X) + s + t(s)\nd = diag(R)\n'
                  'print(as.scalar(d[1,1]) + " " + as.scalar(d[3,1]) + " " + as.scalar(d[5,1]) + " " '
                  '+ sum(abs(d)))\n'
                  'print(as.scalar(s[3,1]) + " " + as.scalar(R[4,9]) + " " + sqrt(max(0, as.scalar(d[1,1]))))\n'
                  'Y = rand(rows=40, cols=12, min=-1, max=1, sparsity=0.3, seed=5)\n'
                  's = rowSums(Y^2)\nR = -2 * Y %*% t(Y) + s + t(s)\nd = diag(R)\n'
                  'print(sum(abs(d)) + " " + as.scalar(R[4,9]) + " " + as.scalar(d[2,1]) + " " '
                  '+ as.scalar(d[6,1]))\n'
                  'Z = rand(rows=7, cols=300, min=0, max=1, seed=3)\nr = rowSums(Z)\n'
                  'print(as.scalar(r[1,1]) + " " + as.scalar(r[2,1]) + " " + as.scalar(r[7,1]))\n')
    assert out == ("4.440892098500626E-16 0.0 0.0 1.199040866595169E-14\n"
                   "2.8650468026150975 6.750498951662628 2.1073424255447017E-8\n"
                   "5.329070518200751E-15 1.9335396568876586 0.0 0.0\n"
                   "150.99180876215777 148.64654237174486 154.1851283618065\n")


@pytest.mark.double_only("prints double digits of matrix cells (1e20)")
def test_to_string_pads_digits_beyond_the_shortest_repr_with_zeros(dml_out):
    # DecimalFormat: half-even on the exact value, but no digits past Double.toString's
    out = dml_out('M = matrix("1 2 3 4 5 6", rows=2, cols=3)\n'
                  'M[1,1] = 9223372036854775807\nM[1,2] = 1e20\nM[1,3] = 0.1\n'
                  'M[2,1] = 2.675\nM[2,2] = -123456789012345.67\nM[2,3] = 1e-20\n'
                  'print(toString(M))\nprint(toString(M, decimal=20))\nprint(toString(M, decimal=2))\n')
    assert out == ("9223372036854776000.000 100000000000000000000.000 0.100\n"
                   "2.675 -123456789012345.670 0.000\n\n"
                   "9223372036854776000.00000000000000000000 100000000000000000000.00000000000000000000 "
                   "0.10000000000000000000\n"
                   "2.67500000000000000000 -123456789012345.67000000000000000000 0.00000000000000000001\n\n"
                   "9223372036854776000.00 100000000000000000000.00 0.10\n2.67 -123456789012345.67 0.00\n\n")


@pytest.mark.double_only("every printed digit of SystemDS's double row sums")
def test_wide_row_sums_dense_and_sparse(dml_out):
    # wide enough for the compiled Kahan kernel (dense, and sparse skipping zeros)
    out = dml_out('Z = rand(rows=100, cols=300, min=-1, max=1, seed=3)\nr = rowSums(Z)\n'
                  'S = rand(rows=100, cols=300, min=-1, max=1, sparsity=0.2, seed=4)\nq = rowSums(S)\n'
                  'print(as.scalar(r[1,1]) + " " + as.scalar(r[50,1]) + " " + as.scalar(r[100,1]) + " " '
                  '+ as.scalar(q[1,1]) + " " + as.scalar(q[77,1]))\n')
    assert out == ("1.9836175243155576 4.8557754129695585 -12.660956270148182 -0.33957218111950205 "
                   "-1.5060726403859948\n")


def test_second_spellings_isNA_isInf_tr(dml_out):
    # recorded from SystemDS 3.4
    out = dml_out('X = matrix("1 0 3 4", rows=2, cols=2)\nY = X / 0\n'
                  'print(toString(isNA(Y)))\nprint(toString(isInf(Y)))\nprint(tr(X))')
    assert out == "0.000 1.000\n0.000 0.000\n\n1.000 0.000\n1.000 1.000\n\n5.0\n"
