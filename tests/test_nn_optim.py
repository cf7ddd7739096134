"""The classic optimizers of scripts/nn/optim (sgd, sgd_momentum, sgd_nesterov, adagrad, rmsprop,
adam, adamw): several update steps on small inputs, checked against the same rules written in NumPy."""
import numpy as np
import pytest

import dmlpy

SOURCES = "".join(f'source("nn/optim/{n}.dml") as {n}\n' for n in
                  ("sgd", "sgd_momentum", "sgd_nesterov", "adagrad", "rmsprop", "adam", "adamw"))
STEPS = 4
SHAPES = [(3, 4), (1, 5), (6, 1)]


def run(text, inputs, outputs):
    return dmlpy.run(SOURCES + text, inputs=inputs, outputs=outputs)


def grads_inputs(X, Gs):
    return {"X": X} | {f"G{i + 1}": g for i, g in enumerate(Gs)}


def steps(line):
    """The same DML update line once per gradient G1..G{STEPS}; {i} is the step index from 0."""
    return "\n".join(line.replace("{G}", f"G{i + 1}").replace("{i}", str(i)) for i in range(STEPS))


def sum_rtol(P):
    """Tolerance of a softmax row sum: float32 rows (--precision single) add up to 1 within ulps."""
    return 1e-6 if getattr(P, "dtype", None) == np.float32 else 1e-12


@pytest.fixture
def rng():
    return np.random.default_rng(7)


def data(rng, shape):
    X = rng.normal(size=shape)
    return X, [rng.normal(size=shape) for _ in range(STEPS)]


def close(a, b):
    # --precision single gives float32 results: a few float32 steps, ~1e-7 relative each
    rtol, atol = (2e-5, 1e-6) if getattr(a, "dtype", None) == np.float32 else (1e-12, 1e-15)
    np.testing.assert_allclose(np.asarray(a, dtype=float).reshape(b.shape), b, rtol=rtol, atol=atol)


@pytest.mark.parametrize("shape", SHAPES)
def test_sgd(rng, shape):
    X, Gs = data(rng, shape)
    res = run(steps("X = sgd::update(X, {G}, 0.05)"), grads_inputs(X, Gs), ["X"])
    for G in Gs:
        X = X - 0.05 * G
    close(res["X"], X)


def test_sgd_hand_value():
    # one element, two steps, worked out by hand: 2 - 0.5*4 = 0, then 0 - 0.5*(-1) = 0.5
    res = run("X = sgd::update(X, G1, 0.5)\nX = sgd::update(X, G2, 0.5)",
              {"X": np.array([[2.0]]), "G1": np.array([[4.0]]), "G2": np.array([[-1.0]])}, ["X"])
    close(res["X"], np.array([[0.5]]))


@pytest.mark.parametrize("shape", SHAPES)
def test_sgd_momentum(rng, shape):
    X, Gs = data(rng, shape)
    res = run("v = sgd_momentum::init(X)\nv0 = v\n" + steps("[X, v] = sgd_momentum::update(X, {G}, 0.1, 0.9, v)"),
              grads_inputs(X, Gs), ["X", "v", "v0"])
    close(res["v0"], np.zeros(shape))
    v = np.zeros(shape)
    for G in Gs:
        v = 0.9 * v - 0.1 * G
        X = X + v
    close(res["X"], X)
    close(res["v"], v)


def test_sgd_momentum_hand_value():
    # x=1, g=1 twice, lr=0.1, mu=0.5: v=-0.1, x=0.9; v=-0.05-0.1=-0.15, x=0.75
    res = run("v = sgd_momentum::init(X)\n[X, v] = sgd_momentum::update(X, G1, 0.1, 0.5, v)\n"
              "[X, v] = sgd_momentum::update(X, G1, 0.1, 0.5, v)",
              {"X": np.array([[1.0]]), "G1": np.array([[1.0]])}, ["X", "v"])
    close(res["X"], np.array([[0.75]]))
    close(res["v"], np.array([[-0.15]]))


@pytest.mark.parametrize("shape", SHAPES)
def test_sgd_nesterov(rng, shape):
    X, Gs = data(rng, shape)
    res = run("v = sgd_nesterov::init(X)\n" + steps("[X, v] = sgd_nesterov::update(X, {G}, 0.1, 0.9, v)"),
              grads_inputs(X, Gs), ["X", "v"])
    v = np.zeros(shape)
    for G in Gs:
        v_old = v
        v = 0.9 * v - 0.1 * G
        X = X - 0.9 * v_old + 1.9 * v
    close(res["X"], X)
    close(res["v"], v)


def test_sgd_nesterov_hand_value():
    # x=1, g=1 twice, lr=0.1, mu=0.5: v=-0.1, x=1-0+1.5*(-0.1)=0.85;
    # v=-0.15, x=0.85-0.5*(-0.1)+1.5*(-0.15)=0.675
    res = run("v = sgd_nesterov::init(X)\n[X, v] = sgd_nesterov::update(X, G1, 0.1, 0.5, v)\n"
              "[X, v] = sgd_nesterov::update(X, G1, 0.1, 0.5, v)",
              {"X": np.array([[1.0]]), "G1": np.array([[1.0]])}, ["X", "v"])
    close(res["X"], np.array([[0.675]]))


@pytest.mark.parametrize("shape", SHAPES)
def test_adagrad(rng, shape):
    X, Gs = data(rng, shape)
    res = run("c = adagrad::init(X)\n" + steps("[X, c] = adagrad::update(X, {G}, 0.01, 1e-6, c)"),
              grads_inputs(X, Gs), ["X", "c"])
    c = np.zeros(shape)
    for G in Gs:
        c = c + G ** 2
        X = X - 0.01 * G / (np.sqrt(c) + 1e-6)
    close(res["X"], X)
    close(res["c"], c)


def test_adagrad_hand_value():
    # x=1, g=3 then g=4, lr=1, eps=0: c=9, x=1-3/3=0; c=25, x=0-4/5=-0.8
    res = run("c = adagrad::init(X)\n[X, c] = adagrad::update(X, G1, 1, 0, c)\n"
              "[X, c] = adagrad::update(X, G2, 1, 0, c)",
              {"X": np.array([[1.0]]), "G1": np.array([[3.0]]), "G2": np.array([[4.0]])}, ["X", "c"])
    close(res["X"], np.array([[-0.8]]))
    close(res["c"], np.array([[25.0]]))


@pytest.mark.parametrize("shape", SHAPES)
def test_rmsprop(rng, shape):
    X, Gs = data(rng, shape)
    res = run("c = rmsprop::init(X)\n" + steps("[X, c] = rmsprop::update(X, {G}, 0.01, 0.95, 1e-6, c)"),
              grads_inputs(X, Gs), ["X", "c"])
    c = np.zeros(shape)
    for G in Gs:
        c = 0.95 * c + 0.05 * G ** 2
        X = X - 0.01 * G / (np.sqrt(c) + 1e-6)
    close(res["X"], X)
    close(res["c"], c)


def test_rmsprop_hand_value():
    # x=1, g=2, lr=0.1, rho=0.75, eps=0: c=0.25*4=1, x=1-0.1*2/1=0.8
    res = run("c = rmsprop::init(X)\n[X, c] = rmsprop::update(X, G1, 0.1, 0.75, 0, c)",
              {"X": np.array([[1.0]]), "G1": np.array([[2.0]])}, ["X", "c"])
    close(res["X"], np.array([[0.8]]))
    close(res["c"], np.array([[1.0]]))


def np_adam(X, G, lr, b1, b2, eps, t, m, v):
    t = t + 1
    m = b1 * m + (1 - b1) * G
    v = b2 * v + (1 - b2) * G ** 2
    lr_t = lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t)
    return X - lr_t * m / (np.sqrt(v) + eps), m, v


def np_adamw(X, G, lr, b1, b2, eps, lam, t, m, v):
    t = t + 1
    m = b1 * m + (1 - b1) * G
    v = b2 * v + (1 - b2) * G ** 2
    mh, vh = m / (1 - b1 ** t), v / (1 - b2 ** t)
    return X - lr * (mh / (np.sqrt(vh) + eps) + lam * X), m, v


@pytest.mark.parametrize("shape", SHAPES)
def test_adam(rng, shape):
    X, Gs = data(rng, shape)
    res = run("[m, v] = adam::init(X)\n" + steps("[X, m, v] = adam::update(X, {G}, 0.01, 0.9, 0.999, 1e-8, {i}, m, v)"),
              grads_inputs(X, Gs), ["X", "m", "v"])
    m, v = np.zeros(shape), np.zeros(shape)
    for t, G in enumerate(Gs):
        X, m, v = np_adam(X, G, 0.01, 0.9, 0.999, 1e-8, t, m, v)
    close(res["X"], X)
    close(res["m"], m)
    close(res["v"], v)


def test_adam_hand_value():
    # first step: m=(1-b1)g, v=(1-b2)g^2, lr_t=lr*sqrt(1-b2)/(1-b1) -> step = lr*sign(g) (eps=0)
    res = run("[m, v] = adam::init(X)\n[X, m, v] = adam::update(X, G1, 0.25, 0.9, 0.999, 0, 0, m, v)",
              {"X": np.array([[1.0, -1.0]]), "G1": np.array([[5.0, -0.3]])}, ["X"])
    close(res["X"], np.array([[0.75, -0.75]]))


def test_adam_integer_timestep_from_loop(rng):
    # t is an int argument; a for-loop index must be accepted as the time step
    X, Gs = data(rng, (2, 3))
    res = run("""
[m, v] = adam::init(X)
for (t in 0:3) {
  G = as.matrix(0)
  if (t == 0) { G = G1 } else if (t == 1) { G = G2 } else if (t == 2) { G = G3 } else { G = G4 }
  [X, m, v] = adam::update(X, G, 0.01, 0.9, 0.999, 1e-8, t, m, v)
}
""", grads_inputs(X, Gs), ["X"])
    m, v = np.zeros(X.shape), np.zeros(X.shape)
    for t, G in enumerate(Gs):
        X, m, v = np_adam(X, G, 0.01, 0.9, 0.999, 1e-8, t, m, v)
    close(res["X"], X)


@pytest.mark.parametrize("shape", SHAPES)
def test_adamw(rng, shape):
    X, Gs = data(rng, shape)
    res = run("[m, v] = adamw::init(X)\n"
              + steps("[X, m, v] = adamw::update(X, {G}, 0.01, 0.9, 0.999, 1e-8, 0.05, {i}, m, v)"),
              grads_inputs(X, Gs), ["X", "m", "v"])
    m, v = np.zeros(shape), np.zeros(shape)
    for t, G in enumerate(Gs):
        X, m, v = np_adamw(X, G, 0.01, 0.9, 0.999, 1e-8, 0.05, t, m, v)
    close(res["X"], X)
    close(res["m"], m)
    close(res["v"], v)


def test_adamw_hand_value():
    # first step with eps=0: m_hat=g, v_hat=g^2 -> X - lr*(sign(g) + lambda*X)
    # x=2, g=-3, lr=0.1, lambda=0.5: 2 - 0.1*(-1 + 1) = 2
    # x=4, g=1:                      4 - 0.1*(1 + 2)  = 3.7
    res = run("[m, v] = adamw::init(X)\n[X, m, v] = adamw::update(X, G1, 0.1, 0.9, 0.999, 0, 0.5, 0, m, v)",
              {"X": np.array([[2.0], [4.0]]), "G1": np.array([[-3.0], [1.0]])}, ["X"])
    close(res["X"], np.array([[2.0], [3.7]]))


def test_adamw_without_decay_differs_from_adam_only_in_epsilon(rng):
    # lambda=0 and eps=0: AdamW and Adam are the same rule
    X, Gs = data(rng, (3, 3))
    res = run("[m, v] = adam::init(X)\nA = X\nB = X\nma = m\nva = v\nmb = m\nvb = v\n"
              + steps("[A, ma, va] = adam::update(A, {G}, 0.01, 0.9, 0.99, 0, {i}, ma, va)\n"
                      "[B, mb, vb] = adamw::update(B, {G}, 0.01, 0.9, 0.99, 0, 0, {i}, mb, vb)"),
              grads_inputs(X, Gs), ["A", "B"])
    np.testing.assert_allclose(res["A"], res["B"], rtol=1e-12)
    assert not np.allclose(res["A"], X)


def test_adamw_decay_shrinks_weights_with_zero_gradient():
    # zero gradient: m=v=0, so the step is the pure decay X <- (1 - lr*lambda) X
    X = np.array([[1.0, -2.0], [3.0, 0.5]])
    res = run("[m, v] = adamw::init(X)\nG1 = matrix(0, rows=2, cols=2)\n"
              + steps("[X, m, v] = adamw::update(X, G1, 0.1, 0.9, 0.999, 1e-8, 0.2, {i}, m, v)").replace("G2", "G1").replace("G3", "G1").replace("G4", "G1"),
              {"X": X}, ["X"])
    close(res["X"], X * (1 - 0.02) ** STEPS)


# ---------------------------------------------------------------- networks using the optimizers
# scripts/nn/networks/lenet.dml and resnet_small.dml (trained with sgd_momentum): a few training
# iterations on a tiny generated data set must lower the loss, and the analytic gradients must
# agree with central differences.

NET_DATA = """
X = rand(rows=N, cols=C*H*W, seed=11)
labels = seq(1, N) %% K + 1
Y = table(seq(1, N), labels, N, K)
X = X + Y %*% rand(rows=K, cols=C*H*W, seed=12)
"""

LENET_TRAIN = """
source("nn/networks/lenet.dml") as lenet
""" + NET_DATA + """
model = lenet::init(C, H, W, K, 42, 4, 8, 16)
vels = lenet::init_optim(model)
L = matrix(0, rows=iters, cols=1)
for (it in 1:iters) {
  [l, grads, probs] = lenet::gradients(X, Y, model, C, H, W, 1e-4, 0.75, it)
  [model, vels] = lenet::update(model, grads, vels, 0.05, 0.9)
  L[it, 1] = l
}
P = lenet::predict(X, model, C, H, W, 5)
acc = lenet::accuracy(P, Y)
"""


def test_lenet_training_lowers_loss():
    res = dmlpy.run(LENET_TRAIN, inputs={"N": 16, "C": 1, "H": 12, "W": 12, "K": 3, "iters": 10},
                    outputs=["L", "P", "acc"])
    L = np.asarray(res["L"]).ravel()
    assert np.all(np.isfinite(L))
    assert L[-1] < 0.8 * L[0], L
    assert np.mean(L[-3:]) < np.mean(L[:3]), L
    P = np.asarray(res["P"])
    assert P.shape == (16, 3)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=sum_rtol(P))
    assert 0.0 <= res["acc"] <= 1.0


def test_lenet_mnist_shape_and_defaults():
    # the default 28x28 geometry (7x7 after the pools) with the default layer sizes
    res = dmlpy.run("""
source("nn/networks/lenet.dml") as lenet
model = lenet::init(1, 28, 28, 10, 3)
X = rand(rows=2, cols=784, seed=4)
[probs, cache] = lenet::forward(X, model, 1, 28, 28, "test")
W3 = as.matrix(model[5])
r = nrow(W3)
c = ncol(W3)
""", outputs=["probs", "r", "c"])
    assert (res["r"], res["c"]) == (64 * 7 * 7, 512)
    np.testing.assert_allclose(np.asarray(res["probs"]).sum(axis=1), 1.0, rtol=sum_rtol(res["probs"]))


RESNET_TRAIN = """
source("nn/networks/resnet_small.dml") as resnet
""" + NET_DATA + """
[model, emas] = resnet::init(C, H, W, K, 42, 4)
vels = resnet::init_optim(model)
L = matrix(0, rows=iters, cols=1)
for (it in 1:iters) {
  [l, grads, probs, emas] = resnet::gradients(X, Y, model, emas, C, H, W, 1e-4)
  [model, vels] = resnet::update(model, grads, vels, 0.05, 0.9)
  L[it, 1] = l
}
P = resnet::predict(X, model, emas, C, H, W, 5)
nparams = length(model)
nemas = length(emas)
"""


def test_resnet_small_training_lowers_loss():
    res = dmlpy.run(RESNET_TRAIN, inputs={"N": 12, "C": 2, "H": 9, "W": 7, "K": 3, "iters": 8},
                    outputs=["L", "P", "nparams", "nemas"])
    L = np.asarray(res["L"]).ravel()
    assert (res["nparams"], res["nemas"]) == (29, 18)
    assert np.all(np.isfinite(L))
    assert L[-1] < 0.5 * L[0], L
    P = np.asarray(res["P"])
    assert P.shape == (12, 3)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=sum_rtol(P))


# central differences on a few entries of every parameter; `perturbed` rebuilds the model list
# with one entry moved by d, `objective(m, X, Y)` is the network's loss (defined per network)
GRADCHECK = """
perturbed = function(list[unknown] model, int i, int r, int c, double d) return (list[unknown] m2) {
  m2 = list()
  for (j in 1:length(model)) {
    P = as.matrix(model[j])
    if (j == i) {
      P[r, c] = as.scalar(P[r, c]) + d
    }
    m2 = append(m2, P)
  }
}
h = 1e-5
E = matrix(0, rows=length(model) * 3, cols=2)
for (i in 1:length(model)) {
  P = as.matrix(model[i])
  G = as.matrix(grads[i])
  for (k in 1:3) {
    r = 1 + (k * 7) %% nrow(P)
    c = 1 + (k * 5) %% ncol(P)
    lp = objective(perturbed(model, i, r, c, h), X, Y)
    lm = objective(perturbed(model, i, r, c, -h), X, Y)
    E[(i - 1) * 3 + k, 1] = as.scalar(G[r, c])
    E[(i - 1) * 3 + k, 2] = (lp - lm) / (2 * h)
  }
}
"""


def check_grads(E):
    E = np.asarray(E)
    ana, num = E[:, 0], E[:, 1]
    err = np.abs(ana - num) / np.maximum(1e-7, np.abs(ana) + np.abs(num))
    assert np.max(err) < 1e-5, np.column_stack([ana, num, err])


@pytest.mark.double_only("float64 finite differences")
def test_lenet_gradients_match_finite_differences():
    # dropout off (keep = 1) so that the loss is a deterministic function of the parameters
    res = dmlpy.run("""
source("nn/networks/lenet.dml") as lenet
objective = function(list[unknown] m, matrix[double] X, matrix[double] Y) return (double l) {
  [probs, cache] = lenet::forward(X, m, 2, 8, 9, "train", 1.0, 1)
  [l, dl] = lenet::loss(probs, Y, m, 0.01)
}
""" + NET_DATA + """
model = lenet::init(C, H, W, K, 5, 2, 3, 6)
[l, grads, probs] = lenet::gradients(X, Y, model, C, H, W, 0.01, 1.0, 1)
""" + GRADCHECK, inputs={"N": 5, "C": 2, "H": 8, "W": 9, "K": 3}, outputs=["E"])
    check_grads(res["E"])


@pytest.mark.double_only("float64 finite differences")
def test_resnet_small_gradients_match_finite_differences():
    # training mode: batch statistics, so the loss is a function of the whole batch
    res = dmlpy.run("""
source("nn/networks/resnet_small.dml") as resnet
objective = function(list[unknown] m, matrix[double] X, matrix[double] Y) return (double l) {
  [model0, emas] = resnet::init(2, 6, 5, 3, 1, 2)
  [probs, cache, emas2] = resnet::forward(X, m, emas, 2, 6, 5, "train")
  [l, dl] = resnet::loss(probs, Y, m, 0.01)
}
""" + NET_DATA + """
[model, emas] = resnet::init(C, H, W, K, 9, 2)
[l, grads, probs, emas2] = resnet::gradients(X, Y, model, emas, C, H, W, 0.01)
""" + GRADCHECK, inputs={"N": 6, "C": 2, "H": 6, "W": 5, "K": 3}, outputs=["E"])
    check_grads(res["E"])
