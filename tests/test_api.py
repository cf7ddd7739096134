"""The embedding API: NumPy arrays in, NumPy arrays and Python scalars out."""
import numpy as np
import pytest

import dmlpy


@pytest.mark.double_only("checks that the default run gives float64 matrices")
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


# ---------------------------------------------------------------------- conversions (issue 13)
@pytest.mark.parametrize("value, message", [
    (2**70, "does not fit in a DML integer"),
    (-2**63 - 1, "does not fit in a DML integer"),
    (np.uint64(2**64 - 1), "does not fit in a DML integer"),
    (None, "None has no DML value"),
    (1 + 2j, "a complex has no DML value"),
    (np.complex128(1), "complex128 value has no DML value"),
    (np.array([1 + 2j, 3]), "complex numbers has no DML value"),
    (np.array(["1.5", "2"]), "strings has no DML value"),
    (np.ma.array([1.0, 2.0], mask=[False, True]), "masked array"),
    (np.array([1.0, "a"], dtype=object), "Python objects"),
    (np.array([1.0, 2.0], dtype=object), "Python objects"),
    (np.array(["2020-01-01"], dtype="datetime64[D]"), "dates"),
    (np.zeros((2, 2, 2)), "two dimensions"),
    ({1, 2}, "a set has no DML value"),
    (b"bytes", "a bytes has no DML value"),
    ({1: 2.0}, "the key 1 is not a string"),
])
def test_inputs_without_a_dml_value_are_errors(value, message):
    for call in (lambda: dmlpy.run("y = 1", inputs={"x": value}, outputs=["y"]),
                 lambda: dmlpy.prepare("y = 1", inputs=["x"], outputs=["y"])(x=value)):
        with pytest.raises(dmlpy.DMLError, match=message) as ei:
            call()
        assert "input 'x'" in str(ei.value)


def test_nested_lists_name_the_bad_element():
    with pytest.raises(dmlpy.DMLError, match=r"input 'L'\[2\]\[1\]: None"):
        dmlpy.run("n = length(L)", inputs={"L": [1.0, [None, "a"]]}, outputs=["n"])
    with pytest.raises(dmlpy.DMLError, match=r"input 'L'\['b'\]: the integer"):
        dmlpy.run("n = length(L)", inputs={"L": {"a": 1, "b": 2**64}}, outputs=["n"])
    res = dmlpy.run("n = length(L); m = length(as.list(L[2]))",
                    inputs={"L": [np.eye(2), [1, "a", True], {"k": 2.5}]}, outputs=["n", "m"])
    assert res == {"n": 3, "m": 3}


def test_documented_conversions():
    # booleans and integers become doubles in a matrix; 64-bit integer scalars stay integers
    res = dmlpy.run("s = sum(B); t = sum(I); k = n + 1",
                    inputs={"B": np.array([[True, False], [True, True]]), "I": np.array([2**40, -3], dtype=np.int64),
                            "n": np.int64(2**62)}, outputs=["s", "t", "k"])
    assert res == {"s": 3.0, "t": float(2**40 - 3), "k": 2**62 + 1}       # k exact: an integer
    assert isinstance(res["k"], int)
    res = dmlpy.run("s = sum(X)", inputs={"X": np.array([[1.5, np.nan]], dtype=np.float32)}, outputs=["s"])
    assert np.isnan(res["s"])


def test_host_settings_are_restored_after_every_run():
    import sys
    limit, state = sys.getrecursionlimit(), np.geterr()
    assert limit < 20000
    res = dmlpy.run("f = function(int n) return (int r) { if (n == 0) r = 0 else r = 1 + f(n - 1) }\n"
                    "x = f(3000); y = 1 / 0", outputs=["x", "y"])
    assert res == {"x": 3000, "y": float("inf")}
    assert (sys.getrecursionlimit(), np.geterr()) == (limit, state)
    with pytest.raises(dmlpy.DMLError):
        dmlpy.run("x = matrix(1, rows=2, cols=2)\ny = as.scalar(x[3, 3])", outputs=["y"])
    assert (sys.getrecursionlimit(), np.geterr()) == (limit, state)
    p = dmlpy.prepare("y = x / 0", inputs=["x"], outputs=["y"])
    assert p(x=1.0) == {"y": float("inf")}
    with pytest.raises(dmlpy.DMLError):
        p(x=None)
    assert (sys.getrecursionlimit(), np.geterr()) == (limit, state)
    with np.errstate(divide="raise"):
        assert p(x=np.ones((1, 1)))["y"][0, 0] == np.inf     # DML's own rule inside the run
        assert np.geterr()["divide"] == "raise"


def test_zero_dimensional_arrays_and_numpy_scalars():
    res = dmlpy.run("a = x + 1; b = s + '!'; c = n * 2; d = !t",
                    inputs={"x": np.longdouble(2.5), "s": np.array("q"), "n": np.array(7, dtype=np.uint8),
                            "t": np.array(True)}, outputs=["a", "b", "c", "d"])
    assert res == {"a": 3.5, "b": "q!", "c": 14, "d": False} and isinstance(res["c"], int)
    for bad in (np.array(None, dtype=object), np.datetime64("2020-01-01"), np.bytes_(b"a"), np.complex64(1)):
        with pytest.raises(dmlpy.DMLError, match="input 'x'"):
            dmlpy.run("y = 1", inputs={"x": bad})
