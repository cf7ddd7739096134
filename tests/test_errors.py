"""Bad input gives `file:line:col: error: message`, the source line and a caret, exit status 1,
and never a Python traceback."""
import os
import subprocess
import sys

import pytest

BAD = """x = 1
print(x + yy)
f = function(double a) return (double b) { c = a }
print(f(1, 2))
z = sume(x)
print(g(2, k=3))
g = function(int a) return (int b) { b = a }
print(sum(3))
"""


def test_validation_reports_all_errors_at_once(dml):
    out, err, rc = dml(BAD)
    assert rc == 1 and out == ""
    lines = [l for l in err.splitlines() if ": error: " in l]
    assert [l.split(": error: ")[0] for l in lines] == [
        "<string>:2:11", "<string>:3:32", "<string>:4:7", "<string>:5:5", "<string>:6:12", "<string>:8:7"]
    assert "undefined variable 'yy'" in err
    assert "return variable 'b' is never assigned" in err
    assert "wrong number of arguments" in err
    assert "unknown function 'sume' (did you mean 'sum'?)" in err
    assert "no parameter named 'k'" in err
    assert "sum(): expects a matrix" in err
    assert "    print(x + yy)\n              ^~" in err


@pytest.mark.parametrize("src, where, words", [
    ("X = matrix(1, rows=2, cols=3)\nprint(as.scalar(X[3, 1]))", "2:7", ["row index 3", "out of bounds"]),
    ("X = matrix(1, rows=2, cols=3)\nY = X %*% X", "2:5", ["matrix multiplication", "k1=3, k2=2"]),
    ("X = matrix(1, rows=2, cols=3)\nY = matrix(1, rows=3, cols=3)\nZ = cbind(X, Y)", "3:5", ["same number of rows"]),
    ("X = matrix(1, rows=2, cols=2)\nY = matrix(1, rows=3, cols=2)\nZ = X + Y", "3:5", ["mismatch in dimensions"]),
    ('stop("Inputs are invalid: code " + 42)', "1:1", ["Inputs are invalid: code 42"]),
    ("x = 2\nassert(x == 3)", "2:1", ["assertion failed"]),
    ('X = matrix("1 2 3", rows=2, cols=2)\nprint(sum(X))', "1:5", ["number of values"]),
    ("x = 5 %/% 0\nprint(x)", "1:5", ["division by zero"]),
    ("print(9223372036854775807 * 2)", "1:7", ["overflow"]),
    ("l = list(1, 2)\nprint(as.scalar(l[3]))", "2:17", ["list index 3", "out of bounds"]),
    ("if (1 > 0) { y = 1 }\nif (1 < 0) { z = 2 }\nprint(z)", "3:1", ["variable 'z' is used before it is assigned"]),
])
def test_runtime_errors_name_the_line(dml, src, where, words):
    out, err, rc = dml(src)
    assert rc == 1
    assert err.startswith(f"<string>:{where}: error: "), err
    for w in words:
        assert w in err
    assert "Traceback" not in err


def test_call_stack_notes(dml):
    src = ("f = function(matrix[double] X) return (double s) { s = as.scalar(X[3, 1]) }\n"
           "g = function(matrix[double] X) return (double s) { s = f(X) + 1 }\n"
           "print(g(matrix(1, rows=2, cols=2)))\n")
    out, err, rc = dml(src)
    assert rc == 1
    assert "<string>:2:56: note: 'f' called from 'g'" in err
    assert "<string>:3:7: note: 'g' called from the main program" in err


def test_static_type_errors(dml):
    src = ('h = function(matrix[double] A) return (double s) { s = sum(A) }\nprint(h(3))\n'
           'k = function(double a) return (int m) { m = a }\n'
           'x = "a" - 1\n')
    out, err, rc = dml(src)
    assert rc == 1
    assert "argument 'A' of 'h' must be a matrix, but an int is given" in err
    assert "cannot safely cast double to int" in err
    assert "operator '-' cannot be applied to a string" in err


def test_external_function_rejected(dml):
    out, err, rc = dml('f = externalFunction(int a) return (int b) implemented in (classname="x.Y")\nprint(1)')
    assert rc == 1 and "externalFunction" in err


def test_missing_source_file(dml):
    out, err, rc = dml('source("no/such/file.dml") as x\nprint(1)')
    assert rc == 1 and "<string>:1:8: error: cannot find the sourced file 'no/such/file.dml'" in err


def test_missing_cmdline_arg(dml):
    out, err, rc = dml("print($n)")
    assert rc == 1 and "command-line argument $n is not given" in err


def _cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "dmlpy", *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})})


def test_cli_exit_status_and_no_traceback(tmp_path):
    bad = tmp_path / "bad.dml"
    bad.write_text("x = (1 + 2\nprint(x)\n")
    r = _cli(str(bad))
    assert r.returncode == 1
    assert f"{bad}:2:1: error: syntax error" in r.stderr
    assert "Traceback" not in r.stderr
    r = _cli(str(tmp_path / "missing.dml"))
    assert r.returncode == 1 and "no such file" in r.stderr and "Traceback" not in r.stderr


def test_debug_env_shows_traceback(tmp_path):
    r = _cli("-s", "x = 5 %/% 0; print(x)", env={"DMLPY_DEBUG": "1"})
    assert r.returncode != 0 and "Traceback" in r.stderr
