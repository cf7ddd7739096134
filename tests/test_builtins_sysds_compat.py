"""Builtin behaviours SystemDS's own builtin scripts rely on (found by
benchmarks/sysds_builtin_tests.py).  Expected texts were recorded with the reference, SystemDS 3.4.0.
"""


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
