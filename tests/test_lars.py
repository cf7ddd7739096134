"""The LARS family of optimizers (scripts/nn/optim/lars.dml, lars_util.dml, tvlars.dml, lamb.dml):
the DML test script through `python -m dmlpy`, and a few updates cross-checked against NumPy."""
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import dmlpy

ROOT = Path(__file__).resolve().parent.parent
TEST_SCRIPT = ROOT / "scripts" / "nn" / "examples" / "test_lars.dml"
N_CHECKS = 76

SOURCES = """
source("nn/optim/lars.dml") as lars
source("nn/optim/lars_util.dml") as lars_util
source("nn/optim/tvlars.dml") as tvlars
source("nn/optim/lamb.dml") as lamb
"""


def cli(*args, cwd):
    return subprocess.run([sys.executable, "-m", "dmlpy", *args], capture_output=True, text=True, cwd=cwd)


def run(text, inputs, outputs):
    return dmlpy.run(SOURCES + text, inputs=inputs, outputs=outputs)


# ---------------------------------------------------------------- the DML test script

@pytest.mark.double_only("the DML test script's checks use float64 tolerances")
def test_dml_test_script_passes(tmp_path):
    # cwd elsewhere: the script's source("nn/optim/...") must resolve to dmlpy's shipped scripts/
    r = cli(str(TEST_SCRIPT), cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    lines = r.stdout.splitlines()
    passed = [l for l in lines if l.startswith("PASS ")]
    failed = [l for l in lines if l.startswith("FAIL ")]
    assert not failed, failed
    assert len(passed) == N_CHECKS
    assert f"LARS tests: {N_CHECKS} passed, 0 failed, {N_CHECKS} checks" in lines


def test_failure_exits_nonzero(tmp_path):
    r = cli("-s", 'source("nn/optim/lars_util.dml") as u\nprint(u::get_lr("cosine", 0.1, 1, 1, 10, 90))',
            cwd=tmp_path)
    assert r.returncode == 1
    assert "unknown schedule" in r.stdout + r.stderr


# ---------------------------------------------------------------- NumPy references

def np_lars(X, G, lr, mu, V, lam, tc, nesterov=False, eps=1e-8, excl_lars=False, excl_decay=False,
            trust_clip=-1.0, excl_vec_lars=True, excl_vec_decay=False, min_norm=1e-3):
    is_vec = X.shape[0] == 1 or X.shape[1] == 1
    wd = 0.0 if (excl_decay or (is_vec and excl_vec_decay)) else lam
    ratio = 1.0
    if not (excl_lars or (is_vec and excl_vec_lars)):
        w = np.linalg.norm(X)
        if w >= min_norm:
            ratio = tc * w / (np.linalg.norm(G) + wd * w + eps)
        if trust_clip > 0:
            ratio = min(ratio, trust_clip)
    a = lr * ratio
    g = G + wd * X
    V = mu * V - a * g
    X = X + mu * V - a * g if nesterov else X + V
    return X, V


def np_lamb(X, G, lr, b1, b2, eps, t, M, V, lam):
    M = b1 * M + (1 - b1) * G
    V = b2 * V + (1 - b2) * G ** 2
    mh = M / (1 - b1 ** (t + 1))
    vh = V / (1 - b2 ** (t + 1))
    u = mh / (np.sqrt(vh) + eps) + lam * X
    w, un = np.linalg.norm(X), np.linalg.norm(u)
    r = w / un if (X.shape[0] > 1 and X.shape[1] > 1 and w > 0 and un > 0) else 1.0
    return X - lr * r * u, M, V


@pytest.fixture
def rng():
    return np.random.default_rng(20240611)


@pytest.mark.double_only("compared with NumPy float64 at 1e-12")
@pytest.mark.parametrize("shape", [(5, 4), (1, 6), (6, 1)])
def test_lars_three_steps_match_numpy(rng, shape):
    X = rng.normal(size=shape)
    Gs = [rng.normal(size=shape) for _ in range(3)]
    res = run("""
v = lars::init(X)
[X, v] = lars::update(X, G1, 0.3, 0.9, v, 1e-4, 0.001)
[X, v] = lars::update(X, G2, 0.3, 0.9, v, 1e-4, 0.001)
[X, v] = lars::update(X, G3, 0.3, 0.9, v, 1e-4, 0.001)
""", {"X": X, "G1": Gs[0], "G2": Gs[1], "G3": Gs[2]}, ["X", "v"])
    Xn, Vn = X, np.zeros(shape)
    for G in Gs:
        Xn, Vn = np_lars(Xn, G, 0.3, 0.9, Vn, 1e-4, 0.001)
    np.testing.assert_allclose(res["X"], Xn, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(res["v"], Vn, rtol=1e-12, atol=1e-14)


@pytest.mark.double_only("compared with NumPy float64 at 1e-12")
def test_lars_options_match_numpy(rng):
    X, G, V = rng.normal(size=(4, 3)), rng.normal(size=(4, 3)), 0.01 * rng.normal(size=(4, 3))
    cases = [
        ("nesterov=TRUE", dict(nesterov=True)),
        ("nesterov=TRUE, exclude_from_decay=TRUE", dict(nesterov=True, excl_decay=True)),
        ("trust_clip=0.0001", dict(trust_clip=0.0001)),
        ("epsilon=0.5", dict(eps=0.5)),
        ("exclude_from_lars=TRUE", dict(excl_lars=True)),
    ]
    for named, kw in cases:
        res = run(f"[Y, W] = lars::update_with_options(X, G, 0.5, 0.9, V, 5e-4, 0.002, {named})",
                  {"X": X, "G": G, "V": V}, ["Y", "W"])
        Xn, Vn = np_lars(X, G, 0.5, 0.9, V, 5e-4, 0.002, **kw)
        np.testing.assert_allclose(res["Y"], Xn, rtol=1e-12, atol=1e-14, err_msg=named)
        np.testing.assert_allclose(res["W"], Vn, rtol=1e-12, atol=1e-14, err_msg=named)


@pytest.mark.double_only("compared with NumPy float64 at 1e-12")
def test_lars_model_with_skipped_layers_matches_numpy(rng):
    shapes = [(6, 4), (1, 4), (4, 3), (1, 3)]
    P = [rng.normal(size=s) for s in shapes]
    G = [rng.normal(size=s) for s in shapes]
    inputs = {f"P{i}": p for i, p in enumerate(P)} | {f"G{i}": g for i, g in enumerate(G)}
    res = run("""
params = list(P0, P1, P2, P3)
grads = list(G0, G1, G2, G3)
vels = lars::init_model(params)
[params, vels] = lars::update_model(params, grads, 0.2, 0.9, vels, 1e-3, 0.001,
    skip_lars=matrix("3 4", rows=2, cols=1), skip_decay=as.matrix(2), nesterov=TRUE)
[params, vels] = lars::update_model(params, grads, 0.2, 0.9, vels, 1e-3, 0.001,
    skip_lars=matrix("3 4", rows=2, cols=1), skip_decay=as.matrix(2), nesterov=TRUE)
R0 = as.matrix(params[1]); R1 = as.matrix(params[2]); R2 = as.matrix(params[3]); R3 = as.matrix(params[4])
""", inputs, ["R0", "R1", "R2", "R3"])
    for i in range(4):
        Xn, Vn = P[i], np.zeros(shapes[i])
        for _ in range(2):
            Xn, Vn = np_lars(Xn, G[i], 0.2, 0.9, Vn, 1e-3, 0.001, nesterov=True,
                             excl_lars=i in (2, 3), excl_decay=i == 1)
        np.testing.assert_allclose(res[f"R{i}"], Xn, rtol=1e-12, atol=1e-14, err_msg=f"layer {i + 1}")


@pytest.mark.double_only("compared with NumPy float64 at 1e-12")
def test_tvlars_matches_numpy(rng):
    X, G = rng.normal(size=(5, 5)), rng.normal(size=(5, 5))
    alpha, lam_d, d_e, gmin = 1.0, 0.01, 500.0, 0.001
    res = run("""
v = tvlars::init(X)
[X, v] = tvlars::update(X, G, 0.5, 0.9, v, 1e-4, 0.001, 0)
[X, v] = tvlars::update(X, G, 0.5, 0.9, v, 1e-4, 0.001, 1)
f = tvlars::phi(t=700)
""", {"X": X, "G": G}, ["X", "f"])
    phi = lambda t: 1 / (alpha + np.exp(lam_d * (t - d_e))) + gmin
    Xn, Vn = X, np.zeros_like(X)
    for t in (0, 1):
        w = np.linalg.norm(Xn)
        a = 0.5 * phi(t) * 0.001 * w / (np.linalg.norm(G) + 1e-4 * w + 1e-8)
        Vn = 0.9 * Vn - a * (G + 1e-4 * Xn)
        Xn = Xn + Vn
    np.testing.assert_allclose(res["X"], Xn, rtol=1e-12)
    assert res["f"] == pytest.approx(phi(700), rel=1e-14)


@pytest.mark.double_only("compared with NumPy float64 at 1e-12")
def test_lamb_matches_numpy(rng):
    X, Gs = rng.normal(size=(4, 6)), [rng.normal(size=(4, 6)) for _ in range(3)]
    res = run("""
[m, v] = lamb::init(X)
[X, m, v] = lamb::update(X, G1, 0.01, 0.9, 0.999, 1e-6, 0, m, v, 0.01)
[X, m, v] = lamb::update(X, G2, 0.01, 0.9, 0.999, 1e-6, 1, m, v, 0.01)
[X, m, v] = lamb::update(X, G3, 0.01, 0.9, 0.999, 1e-6, 2, m, v, 0.01)
""", {"X": X, "G1": Gs[0], "G2": Gs[1], "G3": Gs[2]}, ["X", "m", "v"])
    Xn, M, V = X, np.zeros_like(X), np.zeros_like(X)
    for t, G in enumerate(Gs):
        Xn, M, V = np_lamb(Xn, G, 0.01, 0.9, 0.999, 1e-6, t, M, V, 0.01)
    np.testing.assert_allclose(res["X"], Xn, rtol=1e-12)
    np.testing.assert_allclose(res["m"], M, rtol=1e-12)
    np.testing.assert_allclose(res["v"], V, rtol=1e-12)


@pytest.mark.double_only("compared with NumPy float64 at 1e-12")
def test_schedule_matches_numpy():
    ipe, epochs, warm, base, end = 7, 12, 2, 1.6, 0.001
    res = run("""
L = matrix(0, rows=epochs * ipe, cols=1)
for (e in 1:epochs) {
  for (i in 1:ipe) {
    L[(e - 1) * ipe + i, 1] = lars_util::get_lr("poly", base, e, i, ipe, epochs, warmup_epochs=warm, end_lr=end)
  }
}
""", {"ipe": ipe, "epochs": epochs, "warm": warm, "base": base, "end": end}, ["L"])
    W, T = warm * ipe, epochs * ipe
    ref = []
    for s in range(1, T + 1):
        if s <= W:
            ref.append(base * s / W)
        else:
            ref.append(end + (base - end) * (1 - (s - W) / (T - W)) ** 2)
    np.testing.assert_allclose(np.asarray(res["L"]).ravel(), ref, rtol=1e-12)
