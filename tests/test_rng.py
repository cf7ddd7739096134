"""rand() and sample() must give SystemDS 3.4's numbers bit for bit.

The expected values were recorded from the real SystemDS 3.4.0 (tests/data/rng/systemds_rng.json)
and from OpenJDK 17 / commons-math3 3.4.1 (tests/data/rng/java_reference.json); nothing here needs
the reference at run time.
"""
import hashlib
import json
import math
import struct
from pathlib import Path

import numpy as np
import pytest

from dmlpy.runtime import rng as R

DATA = Path(__file__).resolve().parent / "data" / "rng"
SYSDS = json.loads((DATA / "systemds_rng.json").read_text())
JAVA = json.loads((DATA / "java_reference.json").read_text())


def _l2d(i):
    return struct.unpack("<d", struct.pack("<q", i))[0]


def _sha(a):
    return hashlib.sha256(np.ascontiguousarray(a, dtype="<f8").tobytes()).hexdigest()


@pytest.fixture
def path(request, monkeypatch):
    """Force the pure-Python generator ("python"), the Numba kernels ("numba") or neither."""
    mode = request.param
    if mode == "python":
        monkeypatch.setattr(R, "PY_WORK_LIMIT", 10 ** 15)
    elif mode == "numba":
        monkeypatch.setattr(R, "PY_WORK_LIMIT", -1)
    return mode


def _work(args):
    a = dict(rows=1, cols=1, sparsity=1.0, pdf="uniform", lambda_=1.0) | args
    return R._work_estimate(a["rows"], a["cols"], a["pdf"], a["sparsity"], a["lambda_"])


def _check_matrix(case, got):
    assert got.shape == tuple(case["shape"])
    assert got.dtype == np.float64 and got.flags.c_contiguous
    if "values" in case:
        exp = np.array(case["values"], dtype=np.float64).reshape(case["shape"])
        np.testing.assert_array_equal(got, exp)
        return
    for i, j, v in case["cells"]:
        assert got[i, j] == v, (i, j)
    assert int(np.count_nonzero(got)) == case["nnz"]
    assert math.fsum(got.ravel().tolist()) == case["fsum"]
    assert _sha(got) == case["sha256"]


MATRICES = SYSDS["matrices"]
SAMPLES = SYSDS["samples"]


@pytest.mark.parametrize("path", ["auto", "numba"], indirect=True)
@pytest.mark.parametrize("case", MATRICES, ids=[c["name"] for c in MATRICES])
def test_rand_matches_systemds(case, path):
    _check_matrix(case, R.rand_matrix(**case["args"]))


SMALL = [c for c in MATRICES if _work(c["args"]) <= 400_000]


@pytest.mark.parametrize("path", ["python"], indirect=True)
@pytest.mark.parametrize("case", SMALL, ids=[c["name"] for c in SMALL])
def test_rand_matches_systemds_pure_python(case, path):
    _check_matrix(case, R.rand_matrix(**case["args"]))


@pytest.mark.parametrize("path", ["auto", "python", "numba"], indirect=True)
@pytest.mark.parametrize("case", SAMPLES, ids=[c["name"] for c in SAMPLES])
def test_sample_matches_systemds(case, path):
    a = case["args"]
    if path == "python" and not a["replace"] and a["range_"] > 2_000_000:
        pytest.skip("too slow in pure Python")
    got = R.sample(a["range_"], a["size"], a["replace"], a["seed"])
    assert got.shape == (a["size"], 1) and got.dtype == np.float64
    if "values" in case:
        np.testing.assert_array_equal(got.ravel(), np.array(case["values"], dtype=np.float64))
    else:
        for i, v in case["cells"]:
            assert got[i, 0] == v
        assert math.fsum(got.ravel().tolist()) == case["fsum"]
        assert _sha(got) == case["sha256"]
    if not a["replace"]:
        assert len(np.unique(got)) == a["size"]
    assert got.min() >= 1 and got.max() <= a["range_"]


def test_conformance_examples():
    # tests/conformance cases rng_uniform_seed and rng_normal_seed (printed with 12 decimals)
    u = R.rand_matrix(3, 3, seed=42)
    assert [f"{v:.12f}" for v in u.ravel()] == [
        "0.151159600818", "0.592814355460", "0.393013839456",
        "0.020729818969", "0.115302301118", "0.514621705597",
        "0.451193818895", "0.938721382743", "0.820822710956"]
    n = R.rand_matrix(2, 4, pdf="normal", seed=7)
    assert [f"{v:.12f}" for v in n.ravel()] == [
        "0.434301827822", "2.466966646536", "1.481349233274", "0.954589521077",
        "0.348790452264", "-2.338485917679", "0.584194875481", "-0.593288679443"]
    # same seed, same matrix; different seeds differ
    np.testing.assert_array_equal(R.rand_matrix(10, 10, seed=99), R.rand_matrix(10, 10, seed=99))
    assert not np.array_equal(R.rand_matrix(10, 10, seed=99), R.rand_matrix(10, 10, seed=98))


# ---------------------------------------------------------------------------- Java building blocks
def test_java_random():
    jr = R.JavaRandom(JAVA["java_random_seed"])
    gs = [jr.nextGaussian() for _ in range(20000)]
    assert gs[:len(JAVA["java_random_gaussian"])] == [_l2d(b) for b in JAVA["java_random_gaussian"]]
    ints = JAVA["java_random_nextint_bound"]
    assert [jr.nextInt(b) for b, _ in ints] == [v for _, v in ints]


def test_java_random_stream_positions():
    jr = R.JavaRandom(JAVA["java_random_seed"])
    for _ in range(20000):
        jr.nextGaussian()
    bounds = [1 + (i * 7919) % 100000 for i in range(2000)]
    for b in bounds:
        jr.nextInt(b)
    assert [jr.nextLong() for _ in JAVA["java_random_nextlong"]] == JAVA["java_random_nextlong"]


def test_well1024a():
    # the recorded stream drew 200 nextInt(), then 200 nextLong(), then 200 nextDouble()
    w = R.Well1024a(JAVA["well_int_seed"])
    ints = [w.nextInt() for _ in range(200)]
    longs = [w.nextLong() for _ in range(200)]
    doubles = [w.nextDouble() for _ in range(200)]
    assert ints[:len(JAVA["well_nextint"])] == JAVA["well_nextint"]
    assert longs[:len(JAVA["well_nextlong"])] == JAVA["well_nextlong"]
    assert doubles[:len(JAVA["well_nextdouble"])] == [_l2d(b) for b in JAVA["well_nextdouble"]]
    w2 = R.Well1024a(JAVA["well_long_seed"])
    assert [w2.nextInt() for _ in JAVA["well_long_seed_nextint"]] == JAVA["well_long_seed_nextint"]


@pytest.mark.parametrize("name,fn", [("strict_log", R.strict_log), ("math_log", R.java_log),
                                     ("math_sin", R.java_sin), ("math_cos", R.java_cos)])
def test_java_math_python(name, fn):
    bad = [(x, fn(_l2d(x)), _l2d(y)) for x, y in JAVA[name] if fn(_l2d(x)) != _l2d(y)]
    assert not bad


@pytest.mark.parametrize("name", ["math_log", "math_sin", "math_cos"])
def test_java_math_numba(name):
    from dmlpy.kernels import rng_kernels as K
    fn = {"math_log": K.java_log, "math_sin": K.java_sin, "math_cos": K.java_cos}[name]
    bad = [x for x, y in JAVA[name] if fn(_l2d(x)) != _l2d(y)]
    assert not bad


def test_java_math_numba_agrees_with_python():
    from dmlpy.kernels import rng_kernels as K
    rs = np.random.RandomState(3)
    xs = np.concatenate([rs.random_sample(3000), rs.random_sample(1000) * 2 * math.pi,
                         np.exp(-rs.random_sample(1000) * 700), rs.random_sample(1000) * 1e6])
    for x in xs.tolist():
        assert K.java_log(x) == R.java_log(x)
        assert K.java_sin(x) == R.java_sin(x)
        assert K.java_cos(x) == R.java_cos(x)


# ---------------------------------------------------------------------------- Python == Numba
CONFIGS = [
    dict(rows=37, cols=23, seed=5, min=-2, max=3),
    dict(rows=1003, cols=7, seed=-9, pdf="normal"),
    dict(rows=40, cols=1005, seed=11, pdf="poisson", lambda_=3.5),
    dict(rows=25, cols=20, seed=12, pdf="poisson", lambda_=60.25),
    dict(rows=1001, cols=30, seed=13, sparsity=0.05),
    dict(rows=300, cols=200, seed=14, sparsity=0.3, pdf="normal"),
    dict(rows=60, cols=60, seed=15, sparsity=0.6, pdf="poisson", lambda_=2),
    dict(rows=1002, cols=3, seed=16, sparsity=0.2),
    dict(rows=2, cols=3000, seed=17, sparsity=0.01, min=5, max=6),
]


@pytest.mark.parametrize("args", CONFIGS, ids=[str(i) for i in range(len(CONFIGS))])
def test_python_and_numba_agree(args, monkeypatch):
    monkeypatch.setattr(R, "PY_WORK_LIMIT", 10 ** 15)
    py = R.rand_matrix(**args)
    monkeypatch.setattr(R, "PY_WORK_LIMIT", -1)
    nb = R.rand_matrix(**args)
    np.testing.assert_array_equal(py, nb)


def test_sample_python_and_numba_agree(monkeypatch):
    for args in [(1000, 1000, False, 4), (100000, 17, False, -3), (2 ** 31 - 1, 500, True, 8),
                 (10 ** 15, 300, True, 9), (33, 1000, True, 10)]:
        monkeypatch.setattr(R, "PY_WORK_LIMIT", 10 ** 15)
        py = R.sample(*args)
        monkeypatch.setattr(R, "PY_WORK_LIMIT", -1)
        np.testing.assert_array_equal(py, R.sample(*args))


# ---------------------------------------------------------------------------- edge cases
def test_empty_and_tiny():
    for r, c in [(0, 0), (0, 5), (5, 0)]:
        for pdf in R.PDFS:
            x = R.rand_matrix(r, c, seed=1, pdf=pdf, sparsity=0.5)
            assert x.shape == (r, c) and x.dtype == np.float64
    x = R.rand_matrix(1, 1, seed=5)
    assert x.shape == (1, 1) and x[0, 0] == 0.00893458283663695   # recorded: u_1x1_s5
    assert R.sample(5, 0, False, 1).shape == (0, 1)
    assert R.sample(1, 1, False, 3)[0, 0] == 1.0


def test_shortcuts_without_draws():
    np.testing.assert_array_equal(R.rand_matrix(3, 4, seed=1, sparsity=0.0), np.zeros((3, 4)))
    np.testing.assert_array_equal(R.rand_matrix(3, 4, seed=1, sparsity=0.0, pdf="normal"),
                                  np.zeros((3, 4)))
    np.testing.assert_array_equal(R.rand_matrix(3, 4, seed=1, min=0, max=0), np.zeros((3, 4)))
    np.testing.assert_array_equal(R.rand_matrix(3, 4, seed=1, min=2.5, max=2.5), np.full((3, 4), 2.5))
    assert np.isnan(R.rand_matrix(2, 2, min=math.nan, max=math.nan, seed=1)).all()
    assert (R.rand_matrix(2, 2, min=1, max=math.inf, seed=1) == math.inf).all()


def test_unspecified_seed_is_random():
    a = R.rand_matrix(20, 20)
    b = R.rand_matrix(20, 20, seed=-1)
    assert a.shape == b.shape == (20, 20) and not np.array_equal(a, b)
    assert ((a >= 0) & (a <= 1)).all()
    s = R.sample(1000, 10)
    assert s.shape == (10, 1) and len(np.unique(s)) == 10
    assert R.random_seed() != -1


def test_ranges():
    x = R.rand_matrix(50, 50, min=-4, max=9, seed=3)
    assert x.min() >= -4 and x.max() <= 9
    p = R.rand_matrix(50, 50, pdf="poisson", lambda_=4, seed=3)
    assert (p == np.floor(p)).all() and p.min() >= 0
    s = R.sample(10, 1000, True, 5)
    assert set(np.unique(s)) == set(range(1, 11))


@pytest.mark.parametrize("call,msg", [
    (lambda: R.rand_matrix(-1, 3), "rows and cols must be >= 0"),
    (lambda: R.rand_matrix(3, -2), "rows and cols must be >= 0"),
    (lambda: R.rand_matrix(3, 3, sparsity=1.5), "sparsity"),
    (lambda: R.rand_matrix(3, 3, sparsity=-0.1), "sparsity"),
    (lambda: R.rand_matrix(3, 3, pdf="foo"), "distribution"),
    (lambda: R.rand_matrix(3, 3, pdf="poisson", lambda_=0), "lambda"),
    (lambda: R.rand_matrix(3, 3, pdf="poisson", lambda_=-2), "lambda"),
    (lambda: R.rand_matrix(2.5, 3), "integer"),
    (lambda: R.sample(5, 10, False, 1), "larger than population"),
    (lambda: R.sample(0, 3, True, 1), "range"),
    (lambda: R.sample(5, -3, True, 1), "size"),
])
def test_invalid_arguments(call, msg):
    with pytest.raises(ValueError, match=msg):
        call()


def test_pdf_is_case_insensitive():
    np.testing.assert_array_equal(R.rand_matrix(3, 3, pdf="Normal", seed=7),
                                  R.rand_matrix(3, 3, pdf="normal", seed=7))
