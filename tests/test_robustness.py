"""Robustness of the language core: no silent wrong results, no internal errors, no raw Python
messages. Expected outputs were recorded from SystemDS 3.4 (the reference) unless a test says why
dmlpy differs."""
import re

import pytest

RAW = re.compile(r"Error\b|object at 0x|Traceback|internal error|\bv_\w|\bf\d+_\w|DMLList|ndarray")


def ok(dml, text, args=None):
    out, err, rc = dml(text, args)
    assert rc == 0 and err == "", err
    return out


def fails(dml, text, args=None):
    out, err, rc = dml(text, args)
    assert rc == 1, out
    assert not RAW.search(err), err
    assert re.match(r"<string>:\d+:\d+: error: ", err), err
    return err


# ------------------------------------------------------------------ & and | evaluate both operands
def test_and_or_evaluate_both_operands(dml):
    src = """f = function(Integer x) return (Boolean b) { print("f called " + x); b = TRUE; }
a = FALSE & f(1)
b = TRUE | f(2)
print(a + " " + b)
M = matrix(1, 2, 2)
c = (sum(M) < 0) & f(3)
print(c)
"""
    assert ok(dml, src) == "f called 1\nf called 2\nFALSE TRUE\nf called 3\nFALSE\n"


def test_and_or_generic_path_checks_both_operands(dml):
    # not specialised (an int operand): both sides still run
    # (SystemDS fails on `1 | FALSE` itself: "should never get called in the base class")
    out = ok(dml, 'f = function(Integer x) return (Boolean b) { print("f" + x); b = FALSE; }\n'
                  'print(0 & f(1))\nprint(0 | f(2))\n')
    assert out == "f1\nFALSE\nf2\nFALSE\n"


# ------------------------------------------------------------------ eval: results and arity
EVAL_FUNCS = """g = function(Integer x) return (Integer a, Integer b) { a = x; b = x + 1; }
h = function(Integer x) return (Integer a) { a = x; }
"""


def test_eval_of_a_two_result_function_gives_the_first(dml):
    # SystemDS gives the first result (as a 1x1 matrix: it prints 5.000); dmlpy keeps its type
    assert ok(dml, EVAL_FUNCS + 'x = eval("g", 5)\nprint(x)\nn = "g"\nprint(eval(n, 7))\n') == "5\n7\n"


def test_eval_with_too_many_arguments_is_an_error(dml):
    # SystemDS: IndexOutOfBoundsException (Index 1 out of bounds for length 1)
    err = fails(dml, EVAL_FUNCS + 'n = "h"\ny = eval(n, 5, 6)\nprint(y)\n')
    assert "<string>:4:5: error: eval(): 'h' takes 1 argument(s) but 2 were given" in err
    err = fails(dml, EVAL_FUNCS + 'y = eval("h", 1, 2, 3)\nprint(y)\n')
    assert "<string>:3:5:" in err and "wrong number of arguments" in err


def test_eval_missing_argument_names_the_parameter(dml):
    err = fails(dml, EVAL_FUNCS + 'n = "h"\ny = eval(n)\nprint(y)\n')
    assert "missing argument 'x' in the call of 'h'" in err


def test_eval_binds_every_parameter(dml):
    # SystemDS: "Number of bound input parameters does not match the function signature (1, but 3
    # expected)": eval does not fill defaults
    src = ('k = function(Integer x, Double y = -2.5, String s = "q") return (String a) '
           '{ a = x + " " + y + " " + s; }\nn = "k"\nprint(eval(n, 1))\n')
    assert "missing argument 'y', 's' in the call of 'k'" in fails(dml, src)
    assert ok(dml, src.replace("eval(n, 1)", 'eval(n, 1, 2, "z")')) == "1 2.0 z\n"


# ------------------------------------------------------------------ casts saturate
def test_as_integer_saturates_like_java(dml):
    src = """print(as.integer(1e300))
print(as.integer(-1e300))
print(as.integer(NaN))
print(as.integer(1e19))
print(as.integer(-1e19))
print(as.integer(9.3e18))
print(as.integer(Inf))
print(as.integer(-Inf))
print(as.integer("99999999999999999999"))
print(as.integer("-99999999999999999999"))
print(as.integer("1e300"))
print(as.integer("12345678901234567"))
"""
    big, small = "9223372036854775807", "-9223372036854775808"
    assert ok(dml, src).split() == [big, small, "0", big, small, big, big, small, big, small, big,
                                    "12345678901234568"]


# ------------------------------------------------------------------ deep nesting compiles and runs
def test_long_expression_chain(dml):
    assert ok(dml, "x = " + " + ".join(["1"] * 1000) + "\nprint(x)\n") == "1000\n"


def test_deeply_nested_loops_and_ifs(dml):
    loops = "".join(f"for (i{k} in 1:1) {{\n" for k in range(25)) + 'print("deep")\n' + "}\n" * 25
    assert ok(dml, loops) == "deep\n"
    ifs = "x = 1\n" + "if (x > 0) {\n" * 120 + 'print("deepif")\n' + "}\n" * 120
    assert ok(dml, ifs) == "deepif\n"


def test_ten_thousand_unary_minus(dml):
    assert ok(dml, "x = " + "-" * 10000 + "1\nprint(x)\n") == "1\n"


def test_five_thousand_nested_calls(dml):
    # SystemDS prints 1 here (it folds the constant); abs() gives a double in both (abs(-3) is 3.0)
    out = ok(dml, "x = " + "abs(" * 5000 + "1" + ")" * 5000 + "\nprint(x)\n")
    assert float(out) == 1.0


def test_deep_blocks_in_a_function_write_back_their_variables(dml):
    body = "".join("  " * (k + 1) + f"for (i{k} in 1:{2 if k < 2 else 1}) {{\n" for k in range(22))
    body += "  " * 23 + "total = total + 1\n" + "  " * 23 + "last = i0 * 10 + i21\n"
    body += "".join("  " * (k + 1) + "}\n" for k in reversed(range(22)))
    src = ("f = function(Integer n) return (Integer total, Integer last) {\n  total = 0\n" + body +
           "}\n[t, l] = f(1)\nprint(t + \" \" + l)\n")
    assert ok(dml, src) == "4 21\n"


def test_deep_conditions_chains_and_indexes(dml):
    src = ("i = 0\nwhile (i < 3 & (" + " + ".join(["1"] * 100) + ") > 0) { i = i + 1 }\nprint(i)\n"
           "x = 148\nif (x == 0) { print(\"zero\") }\n" +
           "".join(f'else if (x == {k}) {{ print("b{k}") }}\n' for k in range(1, 150)) +
           "y = 5\n" + "if (y > 0) {\n" * 60 + "z = y * 2\n" + "}\n" * 60 + "print(z)\n"
           'M = matrix("1 2 3 4", rows=2, cols=2)\nprint(as.scalar(M[1, ' + " + ".join(["1"] * 60) +
           " - 58]))\n")
    assert ok(dml, src) == "3\nb148\n10\n2.0\n"


def test_hoisted_subexpressions_keep_the_order_of_calls(dml):
    e = "p(40)"
    for k in range(39, 0, -1):
        e = f"p({k}) + ({e})"
    src = f'p = function(Integer i) return (Integer o) {{ print("p" + i); o = i; }}\nx = {e}\nprint(x)\n'
    assert ok(dml, src).split() == [f"p{k}" for k in range(1, 41)] + ["820"]


def test_runtime_error_inside_a_deep_block_names_the_line_and_caller(dml):
    src = ("g = function(Integer n) return (Integer r) {\n  r = 0\n" + "for (i in 1:1) {\n" * 15 +
           '  r = as.scalar(matrix(1, 2, 2)[3, 1])\n' + "}\n" * 15 + "}\nprint(g(1))\n")
    err = fails(dml, src)
    assert err.startswith("<string>:18:")
    assert "note: 'g' called from the main program" in err


# ------------------------------------------------------------------ literals and arguments
def test_huge_integer_literal_is_an_error(dml):
    # SystemDS: "cannot parse the int value: '111...'" (a parse error)
    err = fails(dml, "x = " + "1" * 5000 + "\nprint(x)\n")
    assert err.startswith("<string>:1:5: error: integer literal 11111111111111111111...(5000 digits) "
                          "is out of the 64-bit range")
    err = fails(dml, "x = 99999999999999999999\nprint(x)\n")
    assert "integer literal 99999999999999999999 is out of the 64-bit range" in err


def test_huge_integer_argument_is_a_double(dml):
    assert ok(dml, "print($x)\nprint($x + 1)\n", {"x": "1" * 5000}) == "Infinity\nInfinity\n"


# ------------------------------------------------------------------ shapes, indexes, loops
def test_row_count_distinct_of_an_empty_matrix(dml):
    src = ('R = rowCountDistinct(matrix(0, rows=0, cols=3))\nprint(nrow(R) + " " + ncol(R))\n'
           'C = colCountDistinct(matrix(0, rows=0, cols=3))\nprint(nrow(C) + " " + ncol(C))\n')
    assert ok(dml, src) == "0 1\n1 3\n"


def test_nan_index_is_an_index_error(dml):
    # SystemDS: "lower-bound row index 0 initialized to out of bounds value"
    err = fails(dml, "X = matrix(1, 3, 3)\nprint(as.scalar(X[NaN, 1]))\n")
    assert "<string>:2:" in err and "row index 0 is out of bounds" in err
    err = fails(dml, "X = matrix(1, 3, 3)\nprint(as.scalar(X[1, NaN]))\n")
    assert "column index 0 is out of bounds" in err


def test_nan_loop_bounds_run_no_iterations(dml):
    src = ('for (i in 1:NaN) { print(i) }\nfor (i in NaN:3) { print("a" + i) }\n'
           'for (i in 1:0) { print("c" + i) }\nprint("done")\n')
    assert ok(dml, src) == "c1\nc0\ndone\n"


# ------------------------------------------------------------------ messages in DML terms
def test_source_of_a_file_that_is_not_utf8(dml, tmp_path, monkeypatch):
    (tmp_path / "bad.dml").write_bytes(b'x = "\xff\xfe"\n')
    monkeypatch.chdir(tmp_path)
    err = fails(dml, 'source("bad.dml") as b\nprint(1)\n')
    assert err.startswith("<string>:1:8: error: cannot read")
    assert "is not UTF-8 text (byte 0xff at offset 5)" in err


def test_frame_schema_given_a_list(dml):
    err = fails(dml, 'F = frame("a", rows=1, cols=1, schema=list("STRING"))\nprint(toString(F))\n')
    assert "<string>:1:5: error: frame()" in err


@pytest.mark.parametrize("src, words", [
    ('r = bitwAnd("", matrix("1 2 3 4 5 6", rows=2, cols=3))', "the string '' is not a number"),
    ("r = outer(matrix(1, 2, 1), matrix(1, 1, 2), matrix(1, 2, 2))", "outer(): unknown operator"),
    ('r = sample(10, "rc")', "sample()"),
])
def test_builtin_argument_errors_in_dml_terms(dml, src, words):
    assert words in fails(dml, src + "\nprint(toString(r))\n")


def test_no_numpy_warnings_on_stderr(dml):
    src = """print(toString(acos(matrix(2, 2, 2))))
print(toString(colMeans(matrix(0, rows=0, cols=2))))
print(toString(rowMeans(matrix(0, rows=2, cols=0))))
X = matrix("1 2 3 4", rows=2, cols=2) * Inf
[Q, R] = qr(X)
print(nrow(Q))
"""
    assert ok(dml, src) == "NaN NaN\nNaN NaN\n\n0.000 0.000\n\n0.000\n0.000\n\n2\n"


def test_row_and_column_statistics_of_empty_matrices(dml):
    src = """E = matrix(0, rows=0, cols=2)
print(mean(E))
print(toString(colMeans(E)))
print(toString(colVars(E)))
print(toString(colSds(E)))
F = matrix(0, rows=2, cols=0)
print(toString(rowMeans(F)))
print(toString(rowVars(F)))
"""
    assert ok(dml, src) == ("NaN\n0.000 0.000\n\n0.000 0.000\n\n0.000 0.000\n\n0.000\n0.000\n\n"
                            "0.000\n0.000\n\n")


def test_sprintf_refuses_a_huge_precision(dml):
    # sprintf is a dmlpy extension (SystemDS has none); Java refuses a precision past 2^31-1
    err = fails(dml, 'print(sprintf("%.2147483648f", 1.0))')
    assert "IllegalFormatPrecisionException" in err
    err = fails(dml, 'print(sprintf("%.2147483647f", 1.0))')
    assert "format precision 2147483647 is too large" in err
    assert ok(dml, 'print(sprintf("%8.3f|", 2.0))') == "   2.000|\n"


def test_duplicate_parameter_is_an_error(dml):
    # SystemDS accepts it (the last one wins: f(1, 2) gives 2); dmlpy refuses the ambiguity
    err = fails(dml, "f = function(Integer a, Integer a) return (Integer b) { b = a; }\nprint(f(1, 2))\n")
    assert "<string>:1:25: error: function 'f': parameter 'a' is declared twice" in err


# ------------------------------------------------------------------ big literals stay cheap
def test_large_string_literal_and_comment_parse_in_little_memory():
    import tracemalloc

    from dmlpy.parse import _parse, parser
    parser()
    text = 'x = "' + "a" * 2_000_000 + '"\n/* ' + "b c\n" * 500_000 + "*/\nprint(x == \"b\")\n"
    tracemalloc.start()
    try:
        prog = _parse(text, "<big>")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(prog.statements[0].value.value) == 2_000_000
    assert peak < 64 * 1024 * 1024, peak   # the old string/comment patterns needed ~150 bytes a char


def test_damaged_binary_file(dml, tmp_path):
    bad = tmp_path / "bad.bin"
    bad.write_bytes(b'\x93NUMPY\x01\x00\x10\x00{"descr": <f8, ((\n')
    err = fails(dml, f'X = read("{bad}", format="binary", rows=2, cols=2)\nprint(sum(X))\n')
    assert "is a damaged dmlpy binary file" in err


def test_error_on_a_very_long_line_quotes_the_part_around_the_caret(dml):
    err = fails(dml, 'x = "' + "a" * 5000 + '" + y\nprint(x)\n')
    first, line, caret = err.splitlines()[:3]
    assert first == "<string>:1:5010: error: undefined variable 'y'"
    assert line.startswith("    ...aaa") and line.endswith('" + y') and len(line) < 220
    assert caret.index("^") == line.index("y")


@pytest.mark.parametrize("python, dml_words", [
    ("could not convert string to float: 'abc'", "the string 'abc' is not a number"),
    ("int() argument must be a string, a bytes-like object or a real number, not 'DMLList'",
     "a list cannot be used as a number here"),
    ("only 0-dimensional arrays can be converted to Python scalars", "a matrix cannot be used as a scalar"),
    ("cannot convert float NaN to integer", "NaN cannot be used as an integer"),
    ("operands could not be broadcast together with shapes (2,2) (3,1) ", "do not match (2x2 and 3x1)"),
    ("f0_my__f() missing 1 required positional argument: 'v_a_db'",
     "missing argument 'a.b' in the call of 'my_f'"),
    ("unknown value <dmlpy.runtime.values.DMLList object at 0x7f00deadbeef>", "unknown value a list"),
])
def test_python_wording_is_translated(python, dml_words):
    from dmlpy.runtime.messages import humanize
    said = humanize(python)
    assert dml_words in said and not RAW.search(said)


def test_scalar_scripts_do_not_load_numpy_and_first_matrix_run_is_quiet():
    """A scalar-only run never imports NumPy; a run that loads it mid-way is quiet (no RuntimeWarning)
    and leaves NumPy's default error settings to the host afterwards."""
    import subprocess
    import sys
    code = (
        "import sys, warnings\n"
        "warnings.simplefilter('error')\n"
        "from dmlpy.cli import run_cli\n"
        "assert run_cli(None, 'x = 2 + 3; print(round(x / 2))', {}) == 0\n"
        "assert 'numpy' not in sys.modules\n"
        "assert run_cli(None, 'print(sum(log(matrix(-1, rows=2, cols=2))) + sum(acos(matrix(2, rows=1, cols=1))))', {}) == 0\n"
        "import numpy as np\n"
        "assert np.geterr() == {'divide': 'warn', 'over': 'warn', 'under': 'ignore', 'invalid': 'warn'}\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["3.0", "NaN"] and "Warning" not in r.stderr
