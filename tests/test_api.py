"""The embedding API: NumPy arrays in, NumPy arrays and Python scalars out."""
import numpy as np
import pytest

import dmlpy


def test_run_with_inputs_and_outputs():
    X = np.arange(6, dtype=np.int32).reshape(2, 3)
    res = dmlpy.run("Y = X %*% t(X) * k; s = sum(Y); n = nrow(X); b = s > 10; name = 'r' + n",
                    inputs={"X": X, "k": 3}, outputs=["Y", "s", "n", "b", "name"])
    Xf = X.astype(float)
    np.testing.assert_array_equal(res["Y"], Xf @ Xf.T * 3)
    assert res["Y"].dtype == np.float64
    assert res["s"] == float((Xf @ Xf.T * 3).sum()) and isinstance(res["s"], float)
    assert res["n"] == 2 and isinstance(res["n"], int)
    assert res["b"] is True
    assert res["name"] == "r2"


def test_one_dimensional_input_is_a_column():
    res = dmlpy.run("r = nrow(v); c = ncol(v)", inputs={"v": np.array([1.0, 2.0, 3.0])}, outputs=["r", "c"])
    assert (res["r"], res["c"]) == (3, 1)


def test_inputs_are_not_modified():
    X = np.zeros((2, 2))
    dmlpy.run("X[1, 1] = 5; s = sum(X)", inputs={"X": X}, outputs=["s"])
    assert X[0, 0] == 0.0


def test_list_inputs_and_outputs():
    res = dmlpy.run("n = length(L); M = list(a=1, b='x')", inputs={"L": [1, 2.5, "s"]}, outputs=["n", "M"])
    assert res["n"] == 3 and res["M"] == {"a": 1, "b": "x"}


def test_prepare_runs_many_times_without_recompiling():
    p = dmlpy.prepare("Y = X * 2 + b; s = sum(Y)", inputs=["X", "b"], outputs=["Y", "s"])
    for i in range(3):
        X = np.full((2, 2), float(i))
        r = p(X=X, b=1)
        np.testing.assert_array_equal(r["Y"], X * 2 + 1)
        assert r["s"] == float((X * 2 + 1).sum())
    with pytest.raises(TypeError):
        p(X=np.zeros((1, 1)))


def test_run_file_with_args(tmp_path):
    f = tmp_path / "s.dml"
    f.write_text("y = $a * 2\nz = ifdef($b, 1)\n")
    assert dmlpy.run_file(f, args={"a": "21"}, outputs=["y", "z"]) == {"y": 42, "z": 1}


def test_dml_error_carries_location():
    with pytest.raises(dmlpy.DMLError) as ei:
        dmlpy.run("x = 1\ny = x + undefined_thing")
    e = ei.value
    assert (e.line, e.col) == (2, 9)
    assert "undefined variable 'undefined_thing'" in str(e)
    with pytest.raises(dmlpy.DMLError) as ei:
        dmlpy.run("X = matrix(1, rows=2, cols=2)\ns = as.scalar(X[5, 1])", outputs=["s"])
    assert ei.value.line == 2 and "out of bounds" in ei.value.message


def test_unknown_output_is_an_error():
    with pytest.raises(dmlpy.DMLError, match="never assigned"):
        dmlpy.run("x = 1", outputs=["nope"])
