"""AlexNet (scripts/nn/networks/alexnet.dml): shapes, size errors, gradients, training."""
import numpy as np
import pytest

import dmlpy

SRC = 'source("nn/networks/alexnet_wide.dml") as alexnet\n'
# a 12x12 / 16x16 stem: conv1 3x3 stride 1 pad 1, padded pooling
SMALL = "conv1_size=3, conv1_stride=1, conv1_pad=1, pool_pad=1"


def test_forward_shapes_32_and_64():
    res = dmlpy.run(SRC + """
[m1, a1, e1] = alexnet::init(3, 32, 32, 7, 1, width=0.03, fc=16, use_lrn=FALSE,
                             conv1_size=5, conv1_stride=1, conv1_pad=2)
[p1, c1, u1] = alexnet::forward(rand(rows=5, cols=3*32*32, seed=2), m1, a1, e1, "test")
[m2, a2, e2] = alexnet::init(3, 64, 64, 11, 1, width=0.03, fc=16, use_bn=TRUE)
[p2, c2, u2] = alexnet::forward(rand(rows=4, cols=3*64*64, seed=3), m2, a2, e2, "train", 5)
r1 = nrow(p1); k1 = ncol(p1); s1 = sum(p1); d1 = as.scalar(a1["D"])
r2 = nrow(p2); k2 = ncol(p2); s2 = sum(p2); d2 = as.scalar(a2["D"])
n1 = length(m1); n2 = length(m2); ne = length(u2)
""", outputs=["r1", "k1", "s1", "d1", "r2", "k2", "s2", "d2", "n1", "n2", "ne"])
    assert (res["r1"], res["k1"]) == (5, 7)
    assert (res["r2"], res["k2"]) == (4, 11)
    assert res["s1"] == pytest.approx(5) and res["s2"] == pytest.approx(4)
    # 32x32, stride-1 stem: 32 -> 15 -> 7 -> 3; 64x64, AlexNet stem: 15 -> 7 -> 3 -> 1
    assert res["d1"] == 8 * 3 * 3 and res["d2"] == 8 * 1 * 1
    assert (res["n1"], res["n2"], res["ne"]) == (16, 26, 10)


def test_too_small_input_is_a_clear_error():
    with pytest.raises(dmlpy.DMLError) as ei:
        dmlpy.run(SRC + "[m, a, e] = alexnet::init(3, 32, 32, 10, 1, width=0.03)")
    msg = str(ei.value)
    assert "32x32" in msg and "too small" in msg and "63x63" in msg


@pytest.mark.double_only("finite differences at float64 step and tolerance")
def test_gradients_match_finite_differences():
    res = dmlpy.run(SRC + f"""
[model, arch, emas] = alexnet::init(2, 12, 12, 3, 4, f1=2, f2=3, f3=4, f4=4, f5=3, fc=6,
                                    use_bn=TRUE, use_lrn=TRUE, {SMALL})
N = 4
X = rand(rows=N, cols=2*12*12, pdf="normal", seed=5)
Y = table(seq(1, N), matrix("1 3 2 3", rows=N, cols=1), N, 3)
lambda = 0.01
[loss, grads, probs, e2] = alexnet::gradients(X, Y, model, arch, emas, lambda, 99)
# (parameter, row, col) triples: conv W/b, BN gamma/beta, fc W/b
checks = matrix("1 1 1  1 2 7  2 2 1  3 1 1  8 3 1  9 2 5  17 3 10  19 2 1  21 5 4  24 1 2  25 6 3  26 1 2",
                rows=12, cols=3)
h = 1e-5
out = matrix(0, rows=12, cols=2)
for (c in 1:12) {{
  i = as.integer(as.scalar(checks[c, 1]))
  r = as.integer(as.scalar(checks[c, 2]))
  k = as.integer(as.scalar(checks[c, 3]))
  P = as.matrix(model[i])
  old = as.scalar(P[r, k])
  mp = model
  P[r, k] = old + h
  mp[i] = P
  [pp, cp, ep] = alexnet::forward(X, mp, arch, emas, "train", 99)
  [lp, dp] = alexnet::loss(pp, Y, mp, arch, lambda)
  P[r, k] = old - h
  mp[i] = P
  [pm, cm, em] = alexnet::forward(X, mp, arch, emas, "train", 99)
  [lm, dm] = alexnet::loss(pm, Y, mp, arch, lambda)
  out[c, 1] = as.scalar(as.matrix(grads[i])[r, k])
  out[c, 2] = (lp - lm) / (2 * h)
}}
""", outputs=["out", "loss"])
    out = res["out"]
    assert np.isfinite(res["loss"])
    analytic, numeric = out[:, 0], out[:, 1]
    rel = np.abs(analytic - numeric) / np.maximum(1e-6, np.abs(analytic) + np.abs(numeric))
    assert rel.max() < 1e-4, np.c_[analytic, numeric, rel]


@pytest.mark.parametrize("opt,lr", [("sgd", 0.05), ("sgd_momentum", 0.02), ("adam", 0.003),
                                    ("lars", 1.0), ("lamb", 0.01), ("tvlars", 1.0)])
def test_loss_decreases_with_each_optimizer(opt, lr):
    res = dmlpy.run(SRC + f"""
[model, arch, emas] = alexnet::init(1, 12, 12, 4, 3, f1=4, f2=6, f3=8, f4=8, f5=6, fc=16,
                                    use_lrn=FALSE, dropout_keep=1.0, {SMALL})
N = 16
labels = (seq(0, N - 1) %% 4) + 1
Y = table(seq(1, N), labels, N, 4)
X = Y %*% rand(rows=4, cols=144, min=-1, max=1, seed=8) + 0.3 * rand(rows=N, cols=144, pdf="normal", seed=9)
opt = "{opt}"
lr = {lr}
state = alexnet::init_optim(model, opt)
add_reg = alexnet::reg_in_gradients(opt)
losses = matrix(0, rows=12, cols=1)
for (t in 1:12) {{
  [loss, grads, probs, emas] = alexnet::gradients(X, Y, model, arch, emas, 1e-4, -1, add_reg)
  losses[t, 1] = loss
  [model, state] = alexnet::update(model, grads, state, arch, opt, lr, t - 1, lambda=1e-4,
                                   trust_coeff=0.01)
}}
""", outputs=["losses"])
    losses = res["losses"].ravel()
    assert np.all(np.isfinite(losses))
    assert losses[-3:].mean() < 0.98 * losses[0], losses
