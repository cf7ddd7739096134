"""Tests of the DML neural-network layer library (scripts/nn/layers, scripts/nn/util.dml).

* every layer's backward pass is checked against centred differences by the DML
  scripts in tests/nn/gradcheck/ (each prints ``GRADCHECK <layer> max_rel_err=<x>``);
* forward passes are compared with NumPy references on small fixed inputs;
* the pure-DML conv2d / max_pool2d layers are compared with the builtin-based ones.
"""
import re
from pathlib import Path

import numpy as np
import pytest

from dmlpy.api import run
from dmlpy.cli import run_cli

ROOT = Path(__file__).resolve().parent.parent
GRADCHECK = ROOT / "tests" / "nn" / "gradcheck"

GRADCHECK_LAYERS = {
    "gc_activations.dml": ["relu", "leaky_relu", "elu", "sigmoid", "tanh", "softmax", "dropout"],
    "gc_losses.dml": ["cross_entropy_loss", "l1_loss", "l2_loss", "log_loss", "l1_reg", "l2_reg"],
    "gc_dense.dml": ["affine", "scale_shift1d", "batch_norm1d", "embedding"],
    "gc_conv.dml": ["conv2d", "conv2d_builtin"],
    "gc_pool.dml": ["max_pool2d", "max_pool2d_builtin", "avg_pool2d_builtin",
                    "global_avg_pool2d", "upsample2d"],
    "gc_norm2d.dml": ["batch_norm2d", "scale_shift2d", "lrn"],
    "gc_recurrent.dml": ["rnn", "lstm"],
    # the layers added for parity with SystemDS's library
    "gc_act_ext.dml": ["gelu", "silu", "selu", "softmax2d"],
    "gc_loss_ext.dml": ["logcosh_loss", "cross_entropy_loss2d", "softmax_cross_entropy_loss"],
    "gc_dense_ext.dml": ["fm", "low_rank_affine"],
    "gc_conv_ext.dml": ["conv1d", "conv2d_depthwise", "conv2d_transpose",
                        "conv2d_transpose_depthwise", "batch_norm2d_old"],
    "gc_seq_ext.dml": ["bilstm", "lstm_staging"],
    "gc_attention.dml": ["attention", "multi_attention", "bert_layer"],
    "gc_mbconv.dml": ["mbconv"],
}
# mbconv: its batch norms make the gradients small next to the loss, so the centred
# differences' rounding noise is ~1e-6 relative (see gc_mbconv.dml)
TOLERANCE = {"mbconv": 1e-5}


@pytest.mark.double_only("float64 finite differences (test_gradcheck_single_precision covers single)")
@pytest.mark.parametrize("script", sorted(GRADCHECK_LAYERS))
def test_gradcheck(script, capsys):
    rc = run_cli(str(GRADCHECK / script), None, {})
    out, err = capsys.readouterr()
    assert rc == 0, out + err
    found = dict(re.findall(r"^GRADCHECK (\S+) max_rel_err=(\S+)$", out, re.M))
    assert sorted(found) == sorted(GRADCHECK_LAYERS[script])
    for layer, e in found.items():
        assert float(e) < TOLERANCE.get(layer, 1e-6), (layer, e)


# Single precision (--precision single): float32 matrices and kernels. Centred differences need a
# larger step there (3e-3: float32 resolves ~1e-7 relative) and errors are measured against the
# gradient's scale (an absolute floor of 1e-2 in the relative error), so the tolerance is 5e-2.
SINGLE_TOLERANCE = {"batch_norm2d": 0.1}
# mbconv's batch norms make its gradients tiny next to the loss (1e-5 tolerance even in double):
# float32 differences cannot resolve them
SINGLE_SKIP = {"mbconv"}


@pytest.mark.parametrize("script", sorted(s for s, layers in GRADCHECK_LAYERS.items()
                                          if not set(layers) <= SINGLE_SKIP))
def test_gradcheck_single_precision(script, capsys):
    rc = run_cli(str(GRADCHECK / script), None, {"h": "3e-3", "tol": "1", "floor": "1e-2"},
                 precision="single")
    out, err = capsys.readouterr()
    assert rc == 0, out + err
    found = dict(re.findall(r"^GRADCHECK (\S+) max_rel_err=(\S+)$", out, re.M))
    assert sorted(found) == sorted(GRADCHECK_LAYERS[script])
    for layer, e in found.items():
        assert float(e) < SINGLE_TOLERANCE.get(layer, 5e-2), (layer, e)


@pytest.mark.double_only("checks that the default run gives float64 matrices")
def test_single_precision_runs_in_float32():
    res = run("X = rand(rows=4, cols=3, seed=1)\nY = conv2d(matrix(1, rows=2, cols=16), "
              "matrix(0.5, rows=3, cols=4), input_shape=[2,1,4,4], filter_shape=[3,1,2,2])\n"
              "Z = X %*% t(X) + 1", inputs={}, outputs=["X", "Y", "Z"], precision="single")
    assert all(res[k].dtype == np.float32 for k in "XYZ")
    assert res["Y"][0, 0] == 2.0
    dbl = run("X = rand(rows=4, cols=3, seed=1)", inputs={}, outputs=["X"])["X"]
    assert dbl.dtype == np.float64
    np.testing.assert_array_equal(res["X"], dbl.astype(np.float32))


def dml(script, outputs, **inputs):
    res = run(script, inputs={k: np.asarray(v, dtype=float) if not np.isscalar(v) else v
                              for k, v in inputs.items()}, outputs=outputs)
    return [np.asarray(res[o]) if not np.isscalar(res[o]) else res[o] for o in outputs]


rng = np.random.default_rng(1234)


def randn(*shape):
    return rng.standard_normal(shape)


# ---------------------------------------------------------------- NumPy references

def np_conv2d(X, W, b, C, H, Wd, Hf, Wf, sh, sw, ph, pw):
    N, F = X.shape[0], W.shape[0]
    Xp = np.pad(X.reshape(N, C, H, Wd), ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    Ho, Wo = (H + 2 * ph - Hf) // sh + 1, (Wd + 2 * pw - Wf) // sw + 1
    K = W.reshape(F, C, Hf, Wf)
    out = np.zeros((N, F, Ho, Wo))
    for i in range(Ho):
        for j in range(Wo):
            patch = Xp[:, :, i * sh:i * sh + Hf, j * sw:j * sw + Wf]
            out[:, :, i, j] = np.einsum("nchw,fchw->nf", patch, K)
    out += b.reshape(1, F, 1, 1)
    return out.reshape(N, -1), Ho, Wo


def np_pool(X, C, H, Wd, Hf, Wf, sh, sw, ph, pw, op):
    N = X.shape[0]
    fill = -np.inf if op == "max" else 0.0
    Xp = np.pad(X.reshape(N, C, H, Wd), ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=fill)
    Ho, Wo = (H + 2 * ph - Hf) // sh + 1, (Wd + 2 * pw - Wf) // sw + 1
    out = np.zeros((N, C, Ho, Wo))
    for i in range(Ho):
        for j in range(Wo):
            win = Xp[:, :, i * sh:i * sh + Hf, j * sw:j * sw + Wf]
            out[:, :, i, j] = win.max(axis=(2, 3)) if op == "max" else win.mean(axis=(2, 3))
    return out.reshape(N, -1)


def np_lrn(X, C, H, Wd, n, alpha, beta, k):
    N = X.shape[0]
    X3 = X.reshape(N, C, H * Wd)
    half = n // 2
    S = np.zeros_like(X3)
    for c in range(C):
        lo, hi = max(0, c - half), min(C - 1, c + half)
        S[:, c] = (X3[:, lo:hi + 1] ** 2).sum(axis=1)
    return (X3 / (k + alpha * S) ** beta).reshape(N, -1)


# ---------------------------------------------------------------- forward vs NumPy

@pytest.mark.double_only("compared with NumPy float64 at 1e-12")
def test_elementwise_forward():
    X = randn(4, 6)
    outs = dml("""
        source("nn/layers/relu.dml") as relu
        source("nn/layers/leaky_relu.dml") as leaky
        source("nn/layers/elu.dml") as elu
        source("nn/layers/sigmoid.dml") as sigmoid
        source("nn/layers/tanh.dml") as tanh
        source("nn/layers/softmax.dml") as softmax
        r = relu::forward(X); lr = leaky::forward(X); e = elu::forward(X, 2)
        s = sigmoid::forward(X); th = tanh::forward(X); sm = softmax::forward(X)
    """, ["r", "lr", "e", "s", "th", "sm"], X=X)
    ex = np.exp(X - X.max(axis=1, keepdims=True))
    refs = [np.maximum(X, 0), np.where(X > 0, X, 0.01 * X), np.where(X > 0, X, 2 * (np.exp(X) - 1)),
            1 / (1 + np.exp(-X)), np.tanh(X), ex / ex.sum(axis=1, keepdims=True)]
    for got, ref in zip(outs, refs):
        np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-14)


@pytest.mark.double_only("compared with NumPy float64 at 1e-12")
def test_losses_and_regularisers_forward():
    pred = rng.uniform(0.05, 0.95, (5, 3))
    y = rng.uniform(0, 1, (5, 3))
    pb = rng.uniform(0.05, 0.95, (5, 1))
    yb = (rng.uniform(0, 1, (5, 1)) > 0.5).astype(float)
    ce, l1, l2, ll, r1, r2 = dml("""
        source("nn/layers/cross_entropy_loss.dml") as ce
        source("nn/layers/l1_loss.dml") as l1
        source("nn/layers/l2_loss.dml") as l2
        source("nn/layers/log_loss.dml") as ll
        source("nn/layers/l1_reg.dml") as r1
        source("nn/layers/l2_reg.dml") as r2
        a = ce::forward(P, Y); b = l1::forward(P, Y); c = l2::forward(P, Y)
        d = ll::forward(PB, YB); e = r1::forward(P, 0.3); f = r2::forward(P, 0.3)
    """, ["a", "b", "c", "d", "e", "f"], P=pred, Y=y, PB=pb, YB=yb)
    N = 5
    assert ce == pytest.approx(-(y * np.log(pred + 1e-10)).sum() / N, rel=1e-12)
    assert l1 == pytest.approx(np.abs(pred - y).sum() / N, rel=1e-12)
    assert l2 == pytest.approx(0.5 * ((pred - y) ** 2).sum() / N, rel=1e-12)
    assert ll == pytest.approx(-(yb * np.log(pb) + (1 - yb) * np.log(1 - pb)).sum() / N, rel=1e-12)
    assert r1 == pytest.approx(0.3 * np.abs(pred).sum(), rel=1e-12)
    assert r2 == pytest.approx(0.15 * (pred ** 2).sum(), rel=1e-12)


@pytest.mark.double_only("compared with NumPy float64 at 1e-12")
def test_affine_scale_shift_embedding_forward():
    X, W, b = randn(4, 3), randn(3, 5), randn(1, 5)
    g, bt = randn(1, 3), randn(1, 3)
    g2, bt2, X2 = randn(2, 1), randn(2, 1), randn(3, 2 * 2 * 3)
    D = randn(6, 4)
    idx = np.array([[3.0], [1.0], [6.0], [3.0]])
    a, s1, s2, emb = dml("""
        source("nn/layers/affine.dml") as affine
        source("nn/layers/scale_shift1d.dml") as ss1
        source("nn/layers/scale_shift2d.dml") as ss2
        source("nn/layers/embedding.dml") as embedding
        a = affine::forward(X, W, b); s1 = ss1::forward(X, g, bt)
        s2 = ss2::forward(X2, g2, bt2, 2, 2, 3); emb = embedding::forward(idx, D)
    """, ["a", "s1", "s2", "emb"], X=X, W=W, b=b, g=g, bt=bt, g2=g2, bt2=bt2, X2=X2, D=D, idx=idx)
    np.testing.assert_allclose(a, X @ W + b, rtol=1e-12)
    np.testing.assert_allclose(s1, X * g + bt, rtol=1e-12)
    ref2 = (X2.reshape(3, 2, 6) * g2.reshape(1, 2, 1) + bt2.reshape(1, 2, 1)).reshape(3, -1)
    np.testing.assert_allclose(s2, ref2, rtol=1e-12)
    np.testing.assert_allclose(emb, D[idx[:, 0].astype(int) - 1], rtol=0)


@pytest.mark.double_only("compared with NumPy float64 at 1e-10")
def test_batch_norm_forward():
    X = randn(6, 4) * 2 + 1
    g, bt = randn(1, 4), randn(1, 4)
    em, ev = randn(1, 4), rng.uniform(0.5, 2, (1, 4))
    X2 = randn(3, 2 * 2 * 3) + 0.5
    g2, bt2 = randn(2, 1), randn(2, 1)
    out, emu, evu, out2, em2, civ = dml("""
        source("nn/layers/batch_norm1d.dml") as bn1
        source("nn/layers/batch_norm2d.dml") as bn2
        [out, emu, evu, cm, cv, cn] = bn1::forward(X, g, bt, "train", em, ev, 0.9, 1e-5)
        [g0, b0, em0, ev0] = bn2::init(2)
        [out2, em2, ev2, cm2, civ] = bn2::forward(X2, g2, bt2, 2, 2, 3, "train", em0, ev0, 0.9, 1e-5)
    """, ["out", "emu", "evu", "out2", "cm2", "civ"], X=X, g=g, bt=bt, em=em, ev=ev, X2=X2, g2=g2, bt2=bt2)
    m, v = X.mean(axis=0), X.var(axis=0)
    np.testing.assert_allclose(out, (X - m) / np.sqrt(v + 1e-5) * g + bt, rtol=1e-10)
    np.testing.assert_allclose(emu, 0.9 * em + 0.1 * m, rtol=1e-12)
    np.testing.assert_allclose(evu, 0.9 * ev + 0.1 * v, rtol=1e-12)
    X3 = X2.reshape(3, 2, 6)
    m2, v2 = X3.mean(axis=(0, 2)), X3.var(axis=(0, 2))
    ref = (X3 - m2[None, :, None]) / np.sqrt(v2[None, :, None] + 1e-5) * g2.reshape(1, 2, 1) \
        + bt2.reshape(1, 2, 1)
    np.testing.assert_allclose(out2, ref.reshape(3, -1), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(em2.ravel(), m2, rtol=1e-10)
    np.testing.assert_allclose(civ.ravel(), 1 / np.sqrt(v2 + 1e-5), rtol=1e-9)


@pytest.mark.double_only("compared with NumPy float64 at 1e-12")
def test_conv_and_pool_forward():
    C, H, Wd = 2, 5, 6
    X, W, b = randn(2, C * H * Wd), randn(3, C * 3 * 2), randn(3, 1)
    c1, c2, m1, m2, a1, gap, up = dml("""
        source("nn/layers/conv2d.dml") as conv
        source("nn/layers/conv2d_builtin.dml") as convb
        source("nn/layers/max_pool2d.dml") as mp
        source("nn/layers/max_pool2d_builtin.dml") as mpb
        source("nn/layers/avg_pool2d_builtin.dml") as ap
        source("nn/layers/global_avg_pool2d.dml") as gap
        source("nn/layers/upsample2d.dml") as up
        [c1, h, w] = conv::forward(X, W, b, 2, 5, 6, 3, 2, 2, 1, 1, 1)
        [c2, h, w] = convb::forward(X, W, b, 2, 5, 6, 3, 2, 2, 1, 1, 1)
        [m1, h, w] = mp::forward(X, 2, 5, 6, 3, 2, 2, 1, 1, 1)
        [m2, h, w] = mpb::forward(X, 2, 5, 6, 3, 2, 2, 1, 1, 1)
        [a1, h, w] = ap::forward(X, 2, 5, 6, 2, 3, 1, 3, 0, 0)
        [g, h, w] = gap::forward(X, 2, 5, 6)
        u = up::forward(X, 2, 5, 6, 2, 3)
    """, ["c1", "c2", "m1", "m2", "a1", "g", "u"], X=X, W=W, b=b)
    ref, _, _ = np_conv2d(X, W, b, C, H, Wd, 3, 2, 2, 1, 1, 1)
    np.testing.assert_allclose(c1, ref, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(c2, ref, rtol=1e-12, atol=1e-12)
    refm = np_pool(X, C, H, Wd, 3, 2, 2, 1, 1, 1, "max")
    np.testing.assert_array_equal(m1, refm)
    np.testing.assert_array_equal(m2, refm)
    np.testing.assert_allclose(a1, np_pool(X, C, H, Wd, 2, 3, 1, 3, 0, 0, "avg"), rtol=1e-12)
    np.testing.assert_allclose(gap, X.reshape(2, C, -1).mean(axis=2), rtol=1e-12)
    refu = X.reshape(2, C, H, Wd).repeat(2, axis=2).repeat(3, axis=3).reshape(2, -1)
    np.testing.assert_array_equal(up, refu)


@pytest.mark.double_only("compared with NumPy float64 at 1e-12")
def test_lrn_forward():
    X = randn(2, 5 * 2 * 3)
    y3, y4 = dml("""
        source("nn/layers/lrn.dml") as lrn
        y3 = lrn::forward(X, 5, 2, 3, 3, 0.1, 0.75, 2)
        y4 = lrn::forward(X, 5, 2, 3, 4, 1e-4, 0.75, 1)
    """, ["y3", "y4"], X=X)
    np.testing.assert_allclose(y3, np_lrn(X, 5, 2, 3, 3, 0.1, 0.75, 2), rtol=1e-12)
    np.testing.assert_allclose(y4, np_lrn(X, 5, 2, 3, 4, 1e-4, 0.75, 1), rtol=1e-12)


@pytest.mark.double_only("compared with NumPy float64 at 1e-12")
def test_rnn_lstm_forward():
    N, T, D, M = 2, 3, 2, 3
    X, Wr, br, h0 = randn(N, T * D), randn(D + M, M), randn(1, M), randn(N, M)
    Wl, bl, c0 = randn(D + M, 4 * M) * 0.5, randn(1, 4 * M), randn(N, M)
    ro, lo, lc = dml("""
        source("nn/layers/rnn.dml") as rnn
        source("nn/layers/lstm.dml") as lstm
        [ro, cache] = rnn::forward(X, Wr, br, 3, 2, TRUE, h0)
        [lo, lc, co, cc, ci] = lstm::forward(X, Wl, bl, 3, 2, TRUE, h0, c0)
    """, ["ro", "lo", "lc"], X=X, Wr=Wr, br=br, h0=h0, Wl=Wl, bl=bl, c0=c0)
    sig = lambda z: 1 / (1 + np.exp(-z))
    h, hs = h0, []
    for t in range(T):
        h = np.tanh(np.hstack([X[:, t * D:(t + 1) * D], h]) @ Wr + br)
        hs.append(h)
    np.testing.assert_allclose(ro, np.hstack(hs), rtol=1e-12)
    h, c, hs = h0, c0, []
    for t in range(T):
        z = np.hstack([X[:, t * D:(t + 1) * D], h]) @ Wl + bl
        i, f, o, g = sig(z[:, :M]), sig(z[:, M:2 * M]), sig(z[:, 2 * M:3 * M]), np.tanh(z[:, 3 * M:])
        c = f * c + i * g
        h = o * np.tanh(c)
        hs.append(h)
    np.testing.assert_allclose(lo, np.hstack(hs), rtol=1e-10)
    np.testing.assert_allclose(lc, c, rtol=1e-10)


@pytest.mark.double_only("compared with NumPy float64 at 1e-14")
def test_dropout_and_inits():
    X = randn(20, 30)
    out, mask, mask2, W, W2, Wref, Wc, bc = dml("""
        source("nn/layers/dropout.dml") as dropout
        source("nn/layers/affine.dml") as affine
        source("nn/layers/conv2d_builtin.dml") as conv
        [out, mask] = dropout::forward(X, 0.7, 42)
        [o2, mask2] = dropout::forward(X, 0.7, 42)
        [W, b] = affine::init(30, 4, 7)
        [W2, b2] = affine::init(30, 4, 7)
        Wref = rand(rows=30, cols=4, pdf="normal", seed=7) * sqrt(2/30)
        [Wc, bc] = conv::init(4, 3, 2, 2, 9)
    """, ["out", "mask", "mask2", "W", "W2", "Wref", "Wc", "bc"], X=X)
    assert set(np.unique(mask)) <= {0.0, 1.0}
    assert 0.5 < mask.mean() < 0.9
    np.testing.assert_array_equal(mask, mask2)
    np.testing.assert_allclose(out, X * mask / 0.7, rtol=1e-14)
    np.testing.assert_array_equal(W, W2)
    np.testing.assert_array_equal(W, Wref)
    assert Wc.shape == (4, 12) and bc.shape == (4, 1) and not bc.any()


# ---------------------------------------------------------------- pure DML vs builtins

@pytest.mark.double_only("two paths compared at 1e-12")
@pytest.mark.parametrize("geom", [
    # C, H, W, Hf, Wf, sh, sw, ph, pw
    (1, 4, 4, 2, 2, 2, 2, 0, 0),
    (3, 6, 5, 3, 3, 1, 1, 1, 1),
    (2, 7, 6, 3, 2, 2, 3, 2, 1),
])
def test_pure_dml_matches_builtin(geom):
    C, H, Wd, Hf, Wf, sh, sw, ph, pw = geom
    N, F = 2, 3
    X, W, b = randn(N, C * H * Wd), randn(F, C * Hf * Wf), randn(F, 1)
    Ho, Wo = (H + 2 * ph - Hf) // sh + 1, (Wd + 2 * pw - Wf) // sw + 1
    dout, dpool = randn(N, F * Ho * Wo), randn(N, C * Ho * Wo)
    args = f"{C}, {H}, {Wd}, {Hf}, {Wf}, {sh}, {sw}, {ph}, {pw}"
    res = dml(f"""
        source("nn/layers/conv2d.dml") as conv
        source("nn/layers/conv2d_builtin.dml") as convb
        source("nn/layers/max_pool2d.dml") as mp
        source("nn/layers/max_pool2d_builtin.dml") as mpb
        [o1, Ho, Wo] = conv::forward(X, W, b, {args})
        [o2, Ho, Wo] = convb::forward(X, W, b, {args})
        [dx1, dw1, db1] = conv::backward(dout, Ho, Wo, X, W, b, {args})
        [dx2, dw2, db2] = convb::backward(dout, Ho, Wo, X, W, b, {args})
        [p1, Ho, Wo] = mp::forward(X, {args})
        [p2, Ho, Wo] = mpb::forward(X, {args})
        g1 = mp::backward(dpool, Ho, Wo, X, {args})
        g2 = mpb::backward(dpool, Ho, Wo, X, {args})
    """, ["o1", "o2", "dx1", "dx2", "dw1", "dw2", "db1", "db2", "p1", "p2", "g1", "g2"],
        X=X, W=W, b=b, dout=dout, dpool=dpool)
    o1, o2, dx1, dx2, dw1, dw2, db1, db2, p1, p2, g1, g2 = res
    for a, c in [(o1, o2), (dx1, dx2), (dw1, dw2), (db1, db2)]:
        np.testing.assert_allclose(a, c, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(p1, p2)
    if sh >= Hf and sw >= Wf:   # the builtin does not sum overlapping windows' gradients
        np.testing.assert_allclose(g1, g2, rtol=1e-14)
    # the pure-DML max-pool gradient is the exact adjoint: routes sum(dpool) in total
    assert g1.sum() == pytest.approx(dpool.sum(), rel=1e-12)


# ---------------------------------------------------------------- util.dml

@pytest.mark.double_only("compared exactly with NumPy on float64 inputs")
def test_util_im2col_col2im_pad():
    C, H, Wd, Hf, Wf, sh, sw = 2, 5, 6, 3, 2, 2, 2
    img = randn(C, H * Wd)
    Ho, Wo = (H - Hf) // sh + 1, (Wd - Wf) // sw + 1
    Z = randn(C * Hf * Wf, Ho * Wo)
    cols, back, over, pad, unpad = dml(f"""
        source("nn/util.dml") as util
        cols = util::im2col(img, {H}, {Wd}, {Hf}, {Wf}, {sh}, {sw})
        back = util::col2im(Z, {C}, {H}, {Wd}, {Hf}, {Wf}, {sh}, {sw}, "add")
        over = util::col2im(cols, {C}, {H}, {Wd}, {Hf}, {Wf}, {sh}, {sw}, "none")
        pad = util::pad_image(img, {H}, {Wd}, 1, 2, -3)
        unpad = util::unpad_image(pad, {H}, {Wd}, 1, 2)
    """, ["cols", "back", "over", "pad", "unpad"], img=img, Z=Z)
    I3 = img.reshape(C, H, Wd)
    ref = np.zeros((C, Hf, Wf, Ho, Wo))
    for i in range(Hf):
        for j in range(Wf):
            ref[:, i, j] = I3[:, i:i + (Ho - 1) * sh + 1:sh, j:j + (Wo - 1) * sw + 1:sw]
    np.testing.assert_array_equal(cols, ref.reshape(C * Hf * Wf, Ho * Wo))
    # col2im "add" is the adjoint of im2col
    assert (cols * Z).sum() == pytest.approx((img * back).sum(), rel=1e-12)
    covered = np.zeros((H, Wd), bool)
    covered[:(Ho - 1) * sh + Hf, :(Wo - 1) * sw + Wf] = True
    np.testing.assert_array_equal(over.reshape(C, H, Wd)[:, covered], I3[:, covered])
    refpad = np.pad(I3, ((0, 0), (1, 1), (2, 2)), constant_values=-3).reshape(C, -1)
    np.testing.assert_array_equal(pad, refpad)
    np.testing.assert_array_equal(unpad, img)


@pytest.mark.double_only("compared with NumPy float64 at 1e-12")
def test_util_misc():
    X = randn(3, 2 * 2 * 2)
    labels = np.array([[2.0], [1.0], [3.0]])
    cs, tr, oh, dec, pc, vals, idx, v2, i2, abcd = dml("""
        source("nn/util.dml") as util
        cs = util::channel_sums(X, 2, 2, 2)
        tr = util::transpose_NCHW_to_CNHW(X, 2)
        oh = util::one_hot(labels, 4)
        dec = util::one_hot_decode(oh)
        pc = util::predict_class(X, 2, 2, 2)
        [vals, idx] = util::top_k(X, 3)
        [v2, i2] = util::top_k2d(X, 1, 2, 2, 2)
        abcd = util::transpose_ABCD_to_ACBD(X, 2, 2)
    """, ["cs", "tr", "oh", "dec", "pc", "vals", "idx", "v2", "i2", "abcd"], X=X, labels=labels)
    X4 = X.reshape(3, 2, 2, 2)
    np.testing.assert_allclose(cs.ravel(), X4.sum(axis=(0, 2, 3)), rtol=1e-12)
    np.testing.assert_array_equal(tr, X.reshape(3, 2, 4).transpose(1, 0, 2).reshape(2, 12))
    np.testing.assert_array_equal(oh, np.eye(4)[[1, 0, 2]])
    np.testing.assert_array_equal(dec, labels)
    np.testing.assert_array_equal(pc, X.reshape(3, 2, 4).argmax(axis=1) + 1)
    order = np.argsort(-X, axis=1, kind="stable")[:, :3]
    np.testing.assert_array_equal(idx, order + 1)
    np.testing.assert_array_equal(vals, np.take_along_axis(X, order, axis=1))
    np.testing.assert_array_equal(v2, X.reshape(3, 2, 4).max(axis=1))
    np.testing.assert_array_equal(i2, X.reshape(3, 2, 4).argmax(axis=1) + 1)
    np.testing.assert_array_equal(abcd, X4.transpose(0, 2, 1, 3).reshape(3, -1))
