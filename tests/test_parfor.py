"""parfor: options, dependency analysis, parallel execution and result merge (dmlpy/parallel).

Expected outputs and messages were recorded from SystemDS 3.4 (`sysds -f case.dml`). SystemDS
reports its parfor errors without a position (line 0, column 0); dmlpy points at the parfor (or at
the stop()/assert() call, or at the bad option). The order of prints inside a parfor body is not
fixed in SystemDS either (it printed iter 1, iter 3, iter 2), so those lines are compared as a set.
"""
from __future__ import annotations

import os
import threading
import time

import numpy as np
import pytest

from dmlpy.parallel import local, merge

DEP = ("PARFOR loop dependency analysis: inter-iteration (loop-carried) dependencies detected for "
       "variable(s): {}.")


def _error(dml, text, args=None):
    out, err, rc = dml(text, args)
    assert rc == 1, (out, err)
    assert "Traceback" not in err
    return err


# ------------------------------------------------------------------ options
def test_options_accepted_as_systemds_reads_them(dml_out):
    out = dml_out(
        "R = matrix(0, 4, 3)\n"
        "parfor (i in 1:4, check=1, par=2, mode=LOCAL, opt=NONE, taskpartitioner=FACTORING, tasksize=2, "
        "datapartitioner=NONE, resultmerge=LOCAL_MEM, log=INFO, profile=0) {\n"
        "  R[i, ] = matrix(i, 1, 3)\n}\nprint(toString(R))\n"
        "A = matrix(7, 3, 6)\n"
        "parfor (j in 1:3, mode=\"local\", opt=rulebased, taskpartitioner=\"static\", par=-1) {\n"
        "  A[, 2*j] = matrix(j, 3, 1)\n}\nprint(toString(A))\n")
    assert out == ("1.000 1.000 1.000\n2.000 2.000 2.000\n3.000 3.000 3.000\n4.000 4.000 4.000\n\n"
                   "7.000 1.000 7.000 2.000 7.000 3.000\n7.000 1.000 7.000 2.000 7.000 3.000\n"
                   "7.000 1.000 7.000 2.000 7.000 3.000\n\n")


def test_option_from_command_line(dml_out):
    out = dml_out("R = matrix(0, 3, 1)\nparfor (i in 1:3, par=$k, mode=$m) { R[i, 1] = i * 10 }\n"
                  "print(sum(R))", {"k": 2, "m": "LOCAL"})
    assert out == "60.0\n"


@pytest.mark.parametrize("opt, col, msg", [
    ("foo=2", 19, "PARFOR: The specified parameter 'foo' is no valid parfor parameter."),
    ("mode=BOGUS", 24, "mode=BOGUS"),
    ("par=abc", 23, "par=abc"),
    ("par=2.5", 23, "par=2.5"),
    ("check=abc", 25, "check=abc"),
    ('check="0"', 25, 'check="0"'),          # SystemDS reads check unquoted: NumberFormatException
    ("taskpartitioner=RANDOM", 35, "taskpartitioner=RANDOM"),
])
def test_bad_options(dml, opt, col, msg):
    err = _error(dml, f"R = matrix(0, 4, 1)\nparfor (i in 1:4, {opt}) {{\n  R[i, 1] = i\n}}\nprint(sum(R))\n")
    assert f":2:{col}: error: " in err and msg in err


def test_plain_for_ignores_options(dml_out):
    # SystemDS drops the options of a for loop
    assert dml_out("s = 0\nfor (i in 1:3, check=0, bogus=5) {\n  s = s + i\n}\nprint(s)") == "6\n"


# ------------------------------------------------------------------ dependency analysis
@pytest.mark.parametrize("name, body, var", [
    ("scalar accumulator", "s = 0\nparfor (i in 1:4) {\n  s = s + i\n}\nprint(s)", "s"),
    ("whole matrix", "R = matrix(0, 4, 1)\nparfor (i in 1:4) {\n  R = R + i\n}\nprint(sum(R))", "R"),
    ("constant cell", "R = matrix(0, 4, 4)\nparfor (i in 1:4) {\n  R[1, 1] = i\n}\nprint(sum(R))", "R"),
    ("shifted write", "R = matrix(0, 5, 1)\nparfor (i in 1:4) {\n  R[i, 1] = 1\n  R[i+1, 1] = 2\n}\n"
                      "print(sum(R))", "R"),
    ("read of another iteration", "R = matrix(1, 5, 1)\nparfor (i in 2:5) {\n"
                                  "  R[i, 1] = as.scalar(R[i-1, 1]) + 1\n}\nprint(sum(R))", "R"),
    ("whole read", "R = matrix(0, 4, 1)\nparfor (i in 1:4) {\n  R[i, 1] = sum(R) + i\n}\nprint(sum(R))", "R"),
    ("print of the whole", "R = matrix(0, 3, 1)\nparfor (i in 1:3) {\n  R[i, 1] = i\n  print(sum(R))\n}", "R"),
    ("read while accumulating", "R = matrix(1, 2, 2)\nparfor (i in 1:4) {\n  R += matrix(i, 2, 2)\n"
                                "  x = sum(R)\n}\nprint(toString(R))", "R"),
    ("range with variable bounds", "R = matrix(0, 4, 2)\nparfor (i in 1:2) {\n"
                                   "  R[(2*i-1):(2*i), ] = matrix(i, 2, 2)\n}\nprint(sum(R))", "R"),
])
def test_dependencies_rejected(dml, name, body, var):
    err = _error(dml, body)
    assert ":2:9: error: " + DEP.format(var) in err
    assert "Please, ensure independence of iterations." in err


@pytest.mark.parametrize("call, where", [("stop(\"x\")", ":3:17:"), ("assert(i > 0)", ":3:17:")])
def test_stop_and_assert_not_allowed_even_unchecked(dml, call, where):
    err = _error(dml, "R = matrix(0, 4, 1)\nparfor (i in 1:4, check=0) {\n"
                      f"  if (i > 10) {{ {call} }}\n  R[i, 1] = i\n}}\nprint(sum(R))")
    name = call.split("(")[0]
    assert where in err
    assert f"PARFOR loop dependency analysis: {name}() statement is not allowed inside a parfor loop body." in err


def test_independent_loops_accepted(dml_out):
    out = dml_out(
        "R = matrix(0, 3, 2)\nQ = matrix(0, 3, 1)\n"
        "parfor (i in 1:3) {\n  R[i, ] = matrix(i, 1, 2)\n  x = as.scalar(R[i, 1])\n  Q[i, 1] = x * 2\n}\n"
        "print(toString(R))\nprint(toString(Q))\n"
        "R = matrix(5, 3, 2)\nparfor (i in 1:3) {\n  R[i, 1] = as.scalar(R[i, 2]) + i\n}\nprint(toString(R))\n"
        "R = matrix(0, 4, 2)\nparfor (i in 1:4) {\n  R[i, 1] = i\n  R[i, 2] = -i\n}\nprint(toString(R))\n"
        "D = matrix(0, 6, 1)\nparfor (i in 1:3) {\n  D[2*i, 1] = i\n  D[2*i-1, 1] = -i\n}\nprint(toString(D))\n")
    assert out == ("1.000 1.000\n2.000 2.000\n3.000 3.000\n\n2.000\n4.000\n6.000\n\n"
                   "6.000 5.000\n7.000 5.000\n8.000 5.000\n\n"
                   "1.000 -1.000\n2.000 -2.000\n3.000 -3.000\n4.000 -4.000\n\n"
                   "-1.000\n1.000\n-2.000\n2.000\n-3.000\n3.000\n\n")


def test_check0_scalar_writes_do_not_reach_the_driver(dml_out):
    out = dml_out("s = 0\nR = matrix(0, 4, 1)\nparfor (i in 1:4, check=0) {\n  s = s + i\n  R[i, 1] = s\n}\n"
                  "print(s)\nprint(nrow(R))")
    assert out == "0\n4\n"   # SystemDS: s stays 0 (each worker's running sum lands in R)


# ------------------------------------------------------------------ result merge and execution
def test_result_merge_compare_accumulate_and_aliases(dml_out):
    out = dml_out(
        "F = matrix(1, 2, 2)\nparfor (i in 1:2) {\n  F[i, ] = matrix(0, 1, 2)\n}\nprint(toString(F))\n"
        "S = matrix(0, 2, 2)\nS2 = S\nparfor (i in 1:2) {\n  t = i * 2\n  S[i, i] = t\n}\n"
        "print(toString(S))\nprint(toString(S2))\n"
        "E = matrix(3, 4, 1)\nparfor (i in 1:4) {\n  E[i, 1] = as.scalar(E[i, 1]) * i\n}\nprint(toString(E))\n"
        "A = matrix(1, 2, 2)\nparfor (i in 1:4) {\n  A += matrix(i, 2, 2)\n}\nprint(toString(A))\n"
        "print(i)\n")
    assert out == ("0.000 0.000\n0.000 0.000\n\n2.000 0.000\n0.000 4.000\n\n0.000 0.000\n0.000 0.000\n\n"
                   "3.000\n6.000\n9.000\n12.000\n\n11.000 11.000\n11.000 11.000\n\n4\n")


def test_nested_loops(dml_out):
    out = dml_out(
        "B = matrix(5, 4, 4)\nparfor (i in 1:4) {\n  for (j in 1:4) {\n"
        "    if (j <= i) { B[i, j] = i * 10 + j }\n  }\n}\nprint(toString(B))\n"
        "C = matrix(0, 3, 3)\nparfor (i in 1:3) {\n  parfor (j in 1:3) {\n    C[i, j] = i + j\n  }\n}\n"
        "print(toString(C))\n"
        "U = matrix(0, 3, 3)\nparfor (i in 1:3) {\n  parfor (j in 1:3, check=0) {\n"
        "    U[i, 4 - j] = j\n  }\n}\nprint(toString(U))\n")
    assert out == ("11.000 5.000 5.000 5.000\n21.000 22.000 5.000 5.000\n31.000 32.000 33.000 5.000\n"
                   "41.000 42.000 43.000 44.000\n\n2.000 3.000 4.000\n3.000 4.000 5.000\n4.000 5.000 6.000\n\n"
                   "3.000 2.000 1.000\n3.000 2.000 1.000\n3.000 2.000 1.000\n\n")


def test_print_inside_the_body(dml_out):
    out = dml_out("parfor (i in 1:6, par=3) {\n  print(\"iter \" + i)\n}\nprint(\"done\")")
    lines = out.splitlines()
    assert sorted(lines[:-1]) == [f"iter {i}" for i in range(1, 7)] and lines[-1] == "done"


def test_function_calls_in_the_body(dml_out):
    out = dml_out("f = function(Double x) return (Double y) { y = x * 3 }\nR = matrix(0, 3, 1)\n"
                  "parfor (i in 1:3) {\n  y = f(i)\n  R[i, 1] = y\n}\nprint(toString(R))")
    assert out == "3.000\n6.000\n9.000\n\n"


@pytest.mark.parametrize("workers", ["threads", "processes"])
def test_error_in_an_iteration_has_its_position(dml, monkeypatch, workers):
    monkeypatch.setenv("DMLPY_PARFOR_WORKERS", workers)
    err = _error(dml, "R = matrix(0, 8, 1)\nX = matrix(1, 2, 2)\nparfor (i in 1:8, par=2) {\n"
                      "  if (i == 5) { R[i, 1] = sum(X %*% matrix(1, 3, 1)) }\n  else { R[i, 1] = i }\n}\n"
                      "print(sum(R))")
    assert ":4:31: error: " in err and "matrix multiplication" in err


def test_local_variable_is_not_visible_after_the_loop(dml):
    # SystemDS: "Unknown variable: t" at the print
    err = _error(dml, "R = matrix(0, 3, 1)\nparfor (i in 1:3) {\n  t = i * 2\n  R[i, 1] = t\n}\nprint(t)")
    assert ":6:1: error: " in err and "'t'" in err


# ------------------------------------------------------------------ the runtime pieces
def test_tasks_cover_every_iteration_once():
    for part in ("FIXED", "NAIVE", "STATIC", "FACTORING", "FACTORING_CMIN", "FACTORING_CMAX"):
        for n, k, size in ((1, 2, 1), (10, 2, 3), (37, 4, 2), (100, 3, 8)):
            ts = local.tasks(n, k, part, size)
            assert [j for lo, hi in ts for j in range(lo, hi)] == list(range(n)), (part, n, k)
    assert local.tasks(10, 2, "STATIC", 1) == [(0, 5), (5, 10)]
    assert local.tasks(10, 2, "FIXED", 4) == [(0, 4), (4, 8), (8, 10)]
    assert local.tasks(16, 2, "FACTORING", 1)[:2] == [(0, 4), (4, 8)]


def test_workers_run_on_several_threads():
    seen, barrier = set(), threading.Barrier(2, timeout=10)

    def body(i, env):
        if i <= 2:
            barrier.wait()      # two iterations must be in flight at once
        seen.add(threading.get_ident())
        env["R"] = env["R"].copy()
        env["R"][i - 1, 0] = i

    R = np.zeros((6, 1))
    out = local.run(body, range(1, 7), {"R": R}, [("R", "merge")], par=2, workers="threads",
                    serial_work=0)
    assert len(seen) == 2
    assert out["R"].ravel().tolist() == [1, 2, 3, 4, 5, 6] and not R.any()


def test_merge_takes_changed_cells_in_worker_order():
    before = np.array([[1.0, np.nan], [3.0, 4.0]])
    w1 = before.copy()
    w1[0, 0] = 0.0
    w2 = before.copy()
    w2[1, 1] = 9.0
    out = merge.merge(before, [w1, w2, before], "merge")
    assert np.array_equal(out, np.array([[0.0, np.nan], [3.0, 9.0]]), equal_nan=True)
    assert merge.merge(before, [w1], "drop") is before
    acc = merge.merge(np.ones((1, 2)), [np.full((1, 2), 3.0), np.full((1, 2), 2.0)], "accum")
    assert acc.tolist() == [[4.0, 4.0]]


@pytest.mark.skipif(not local.procs_available(), reason="forked workers need Linux")
def test_workers_run_in_several_processes():
    def body(i, env):
        time.sleep(0.05)
        env["R"] = env["R"].copy()
        env["R"][i - 1, 0] = os.getpid()

    R = np.zeros((8, 1))
    out = local.run(body, range(1, 9), {"R": R}, [("R", "merge")], par=2, workers="processes",
                    serial_work=0)
    pids = set(out["R"].ravel().tolist())
    assert len(pids) == 2 and os.getpid() in pids and not R.any()


@pytest.mark.parametrize("workers", ["threads", "processes"])
def test_both_kinds_of_workers_give_the_same_results(dml_out, monkeypatch, workers):
    monkeypatch.setenv("DMLPY_PARFOR_WORKERS", workers)
    out = dml_out("X = matrix(seq(1, 12), 4, 3)\nR = matrix(-1, 4, 2)\n"
                  "parfor (i in 1:4, par=2) {\n  v = X[i, ]\n  R[i, 1] = sum(v)\n  R[i, 2] = max(v)\n"
                  "  print(\"row \" + i)\n}\nprint(toString(R))")
    lines = out.splitlines()
    assert sorted(lines[:4]) == ["row 1", "row 2", "row 3", "row 4"]
    assert "\n".join(lines[4:]) == "6.000 3.000\n15.000 6.000\n24.000 9.000\n33.000 12.000\n"


@pytest.mark.skipif(not local.procs_available(), reason="forked workers need Linux")
def test_failure_in_a_worker_process_stops_the_loop():
    from dmlpy.errors import DMLRuntimeError
    driver = os.getpid()

    def body(i, env):
        time.sleep(0.02)
        if os.getpid() != driver:
            raise ValueError("boom")

    with pytest.raises(DMLRuntimeError, match="failed in a worker process: boom"):
        local.run(body, range(1, 9), {}, [], par=2, workers="processes", serial_work=0)


@pytest.mark.parametrize("workers", ["threads", "processes"])
def test_eval_inside_the_body(dml_out, monkeypatch, workers):
    monkeypatch.setenv("DMLPY_PARFOR_WORKERS", workers)
    out = dml_out("f = function(Double x) return (Double y) { y = x + 0.5 }\nR = matrix(0, 4, 1)\n"
                  "parfor (i in 1:4, par=2) {\n  R[i, 1] = eval(\"f\", i)\n}\nprint(toString(t(R)))")
    assert out == "1.500 2.500 3.500 4.500\n\n"


def test_worker_messages_carry_values_without_pickle():
    # what parfor's process workers send back: plain values only, nothing that can run code
    import pickle
    import numpy as np
    from dmlpy.parallel import wire
    from dmlpy.runtime.frame import Frame
    from dmlpy.runtime.values import DMLList
    col = np.empty(2, dtype=object)
    col[:] = ["a", None]
    msg = ("ok", {"R": np.arange(6.0).reshape(2, 3), "s": 2 ** 70, "x": -0.0, "b": True,
                  "t": "é\n", "n": None, "f32": np.ones((2, 2), np.float32),
                  "L": DMLList([1.5, "u"], ["p", "q"]),
                  "F": Frame([col, np.array([1.0, 2.0])], ["STRING", "FP64"], ["c1", "c2"])}, "out")
    got = wire.loads(wire.dumps(msg))
    assert got[0] == "ok" and got[2] == "out"
    env = got[1]
    assert np.array_equal(env["R"], msg[1]["R"]) and env["f32"].dtype == np.float32
    assert env["s"] == 2 ** 70 and str(env["x"]) == "-0.0" and env["b"] is True
    assert env["t"] == "é\n" and env["n"] is None
    assert env["L"].values == [1.5, "u"] and env["L"].names == ["p", "q"]
    assert list(env["F"].columns[0]) == ["a", None] and env["F"].schema == msg[1]["F"].schema
    with pytest.raises(TypeError):
        wire.dumps(("ok", {"f": print}, ""))
    with pytest.raises(ValueError):     # a pickle is not a message
        wire.loads(pickle.dumps(("ok", {}, "")))
