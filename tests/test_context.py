"""The running program's function table (dmlpy/runtime/context.py): eval() and evalList() with a
name known only at run time, from the main script, from a source()d file's function, through the
Python API (one program after another, programs in threads) and from a DML-bodied builtin that
is itself reached through eval.

The printed values of the sourced case were recorded from SystemDS 3.4 (an unqualified name means
the main script's function, whichever file the eval stands in)."""
import threading

import numpy as np
import pytest

import dmlpy
from dmlpy.errors import DMLError
from dmlpy.runtime import context

MODULE = """
g = function(Matrix[Double] x) return (Matrix[Double] y) { y = x * 10 }
hd = function(Matrix[Double] x) return (Matrix[Double] y) {
  fn = "g"
  if (sum(x) > 100) fn = "k"
  y = eval(fn, x)
}
hl = function(Matrix[Double] x) return (Matrix[Double] y) {
  fn = "g"
  if (sum(x) > 100) fn = "k"
  l = evalList(fn, list(x))
  y = as.matrix(l[1])
}
"""

MAIN = """
source("mod.dml") as m
g = function(Matrix[Double] x) return (Matrix[Double] y) { y = x + 1 }
k = function(Matrix[Double] x) return (Matrix[Double] y) { y = x - 1 }
X = matrix(2, 1, 1)
print("hd: " + as.scalar(m::hd(X)))
print("hl: " + as.scalar(m::hl(X)))
"""


def test_eval_and_evallist_inside_a_sourced_function(tmp_path, capsys):
    (tmp_path / "mod.dml").write_text(MODULE)
    (tmp_path / "main.dml").write_text(MAIN)
    dmlpy.run_file(tmp_path / "main.dml")
    # SystemDS 3.4 prints the same: the name "g" means the main script's g
    assert capsys.readouterr().out == "hd: 3.0\nhl: 3.0\n"


def _script(op):
    return (f"g = function(Matrix[Double] x) return (Matrix[Double] y) {{ y = x {op} 1 }}\n"
            "f = function(Matrix[Double] x, String name) return (Matrix[Double] a, Matrix[Double] b) {\n"
            "  a = eval(name, x)\n"
            "  l = evalList(name, list(x))\n"
            "  b = as.matrix(l[1])\n"
            "}\n"
            "[A, B] = f(X, fname)\n")


def test_functions_called_through_the_python_api_see_their_own_program():
    plus = dmlpy.prepare(_script("+"), inputs=["X", "fname"], outputs=["A", "B"])
    minus = dmlpy.prepare(_script("-"), inputs=["X", "fname"], outputs=["A", "B"])
    X = np.array([[2.0, 5.0]])
    for _ in range(2):   # one program after the other, each with its own g
        r = plus(X=X, fname="g")
        assert r["A"].tolist() == [[3.0, 6.0]] and r["B"].tolist() == [[3.0, 6.0]]
        r = minus(X=X, fname="g")
        assert r["A"].tolist() == [[1.0, 4.0]] and r["B"].tolist() == [[1.0, 4.0]]
    r = plus(X=X, fname="abs")   # a native builtin by name
    assert r["A"].tolist() == [[2.0, 5.0]]
    assert context.functions() == {}   # nothing is left behind after a run


def test_programs_in_threads_keep_their_tables_apart():
    progs = {op: dmlpy.prepare(_script(op), inputs=["X", "fname"], outputs=["A", "B"])
             for op in "+-*"}
    want = {"+": 3.0, "-": 1.0, "*": 2.0}
    bad = []

    def work(op):
        for _ in range(20):
            r = progs[op](X=np.array([[2.0]]), fname="g")
            if r["A"][0, 0] != want[op] or r["B"][0, 0] != want[op]:
                bad.append((op, r))
    threads = [threading.Thread(target=work, args=(op,)) for op in "+-*"]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not bad


def test_a_failed_run_restores_the_table():
    p = dmlpy.prepare(_script("+"), inputs=["X", "fname"], outputs=["A", "B"])
    with pytest.raises(DMLError, match="no_such_function"):
        p(X=np.array([[1.0]]), fname="no_such_function")
    assert context.functions() == {}


def test_a_builtin_reached_through_eval_calls_back_the_callers_function(tmp_path, monkeypatch,
                                                                        capsys):
    # a DML-bodied builtin named only at run time is compiled as a program of its own; its
    # eval() finds its own functions first, then those of the program that called it
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "applyTwiceCtx.dml").write_text(
        "applyTwiceCtx = function(String fname, Matrix[Double] x) return (Matrix[Double] y) {\n"
        "  y = eval(fname, eval(fname, x))\n"
        "}\n")
    monkeypatch.setenv("DMLPY_BUILTIN_PATH", str(lib))
    dmlpy.run("inc = function(Matrix[Double] x) return (Matrix[Double] y) { y = x + 5 }\n"
              "b = \"applyTwiceCtx\"\n"
              "if (nrow(X) > 100) b = \"abs\"\n"
              "print(as.scalar(eval(b, list(\"inc\", X))))\n",
              inputs={"X": np.array([[1.0]])})
    assert capsys.readouterr().out == "11.0\n"
    assert context.functions() == {}


def test_eval_with_a_literal_name_inside_a_sourced_function(tmp_path, capsys):
    # SystemDS 3.4 prints "h: 3.0": the main script's g, not the file's own (for a name only
    # the file defines, SystemDS fails with a NullPointerException; dmlpy takes the file's)
    (tmp_path / "lib.dml").write_text(
        'g = function(Matrix[Double] x) return (Matrix[Double] y) { y = x * 10 }\n'
        'h = function(Matrix[Double] x) return (Matrix[Double] y) { y = eval("g", x) }\n'
        'k = function(Matrix[Double] x) return (Matrix[Double] y) { y = eval("own", x) }\n'
        'own = function(Matrix[Double] x) return (Matrix[Double] y) { y = x - 100 }\n')
    (tmp_path / "main.dml").write_text(
        'source("lib.dml") as lib\n'
        'g = function(Matrix[Double] x) return (Matrix[Double] y) { y = x + 1 }\n'
        'X = matrix(2, rows=1, cols=1)\n'
        'print("h: " + as.scalar(lib::h(X)))\nprint("k: " + as.scalar(lib::k(X)))\n')
    dmlpy.run_file(tmp_path / "main.dml")
    assert capsys.readouterr().out == "h: 3.0\nk: -98.0\n"
