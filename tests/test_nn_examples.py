"""The nn examples (scripts/nn/examples, scripts/staging) at toy size.

Each example runs end to end on generated data (mnist_dummy_data.dml or the drivers' -nvargs
modes) and must learn something: accuracy above chance, training loss falling, outputs of the
right shapes. Their deterministic functions (predict, eval) are checked against SystemDS 3.4's
output for the same seeded inputs, recorded in tests/data/nn_examples/ by
tests/nn_examples/record.py (the training functions draw random initial weights, seed -1, in
both engines, so training runs cannot be compared number for number).
"""
import contextlib
import io
import json
import math
import re
from pathlib import Path

import numpy as np
import pytest

import dmlpy

ROOT = Path(__file__).resolve().parent.parent
EX = ROOT / "scripts" / "nn" / "examples"
DRIVERS = ROOT / "tests" / "nn_examples"
RECORDED = ROOT / "tests" / "data" / "nn_examples"
NUM = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|NaN|-?Infinity")


def run_path(path, nvargs=(), cwd=ROOT):
    """stdout of a DML file run in this process (no interpreter start-up per example)."""
    args = dict(a.split("=", 1) for a in nvargs)
    buf = io.StringIO()
    with contextlib.chdir(cwd), contextlib.redirect_stdout(buf):
        dmlpy.run_file(path, args=args)
    return buf.getvalue()


def run(script, *nvargs, cwd=ROOT):
    return run_path(EX / script, nvargs, cwd)


def accuracy_of(stdout):
    m = re.findall(r"^Test Accuracy: (\S+)$", stdout, re.M)
    assert m, stdout[-2000:]
    return float(m[-1])


def losses(stdout, key="Train Loss"):
    return [float(x) for x in re.findall(key + r": ([-\d.eE]+)", stdout)]


def read_csv(path):
    return np.loadtxt(path, delimiter=",", ndmin=2)


def read_model(path):
    """A matrix written by write(M, path) with the default format (text: i j v triples)."""
    meta = json.loads(Path(str(path) + ".mtd").read_text())
    M = np.zeros((meta["rows"], meta["cols"]))
    for line in Path(path).read_text().split("\n"):
        if line.strip():
            i, j, v = line.split()
            M[int(i) - 1, int(j) - 1] = float(v)
    return M


@pytest.fixture(scope="module")
def mnist(tmp_path_factory):
    """A toy MNIST-layout data set: 8x8 images of 10 classes (train 250 rows, test 100)."""
    d = tmp_path_factory.mktemp("mnist")
    for name, n, seed in (("train.csv", 250, 13), ("test.csv", 100, 99)):
        run("mnist_dummy_data.dml", f"out={d / name}", f"n={n}", "H=8", "W=8", "noise=0.3",
            f"seed={seed}")
    return d


# ---------------------------------------------------------------- agreement with the reference

# feature-map sizes that SystemDS's alexnet::calculate_conv_output_size prints and dmlpy's does
# not (documented in scripts/nn/networks/alexnet.dml)
NOT_COMPARED = re.compile(r"^(Input dimensions|After (Conv|MaxPool)\d|Final FC input size)")


def sections(text):
    res, cur = {}, None
    for line in text.splitlines():
        if NOT_COMPARED.match(line):
            continue
        if line.startswith("## "):
            cur = line[3:].strip()
            res[cur] = []
        elif cur is not None and line.strip():
            res[cur].append(line)
    return res


# relative tolerance per driver: deep networks sum in a different order than SystemDS's loops
RTOL = {"resnet.dml": 1e-8}


@pytest.mark.double_only("numbers of the reference run in double")
@pytest.mark.parametrize("driver", ["mnist.dml", "staging.dml", "alexnet.dml", "resnet.dml",
                                    "efficientnet.dml", "sherlock.dml", "attention.dml",
                                    "unet.dml"])
def test_functions_agree_with_the_reference(driver, tmp_path):
    for data in DRIVERS.glob("*.csv"):
        (tmp_path / data.name).write_text(data.read_text())
    mine = sections(run_path(DRIVERS / driver, cwd=tmp_path))
    ref = sections((RECORDED / (Path(driver).stem + ".out")).read_text())
    assert list(mine) == list(ref)
    for name in ref:
        assert len(mine[name]) == len(ref[name]), (name, mine[name])
        for a, b in zip(mine[name], ref[name]):
            assert NUM.sub("#", a) == NUM.sub("#", b), (a, b)
            for x, y in zip(NUM.findall(a), NUM.findall(b)):
                assert math.isclose(float(x), float(y), rel_tol=RTOL.get(driver, 1e-9),
                                    abs_tol=1e-12), (name, a, b)


# ---------------------------------------------------------------- MNIST examples

@pytest.mark.double_only("probabilities compared with NumPy float64 at 1e-9")
def test_mnist_softmax_train_and_predict(mnist, tmp_path):
    out = run("mnist_softmax-train.dml", f"train={mnist / 'train.csv'}", f"test={mnist / 'test.csv'}",
              "n_val=50", "iters=40", "epochs=2", f"out_dir={tmp_path}")
    tl = losses(out)
    assert len(tl) == 80 and np.mean(tl[-10:]) < 0.5 * np.mean(tl[:3])
    acc = accuracy_of(out)
    assert acc > 0.5                                   # 10 classes: chance is 0.1
    assert float((tmp_path / "accuracy").read_text()) == pytest.approx(acc)
    W, b = read_model(tmp_path / "W"), read_model(tmp_path / "b")
    assert W.shape == (64, 10) and b.shape == (1, 10)
    # the predict driver on the test images (no label column) gives softmax(X/255 W + b)
    X = read_csv(mnist / "test.csv")[:, 1:]
    np.savetxt(tmp_path / "X.csv", X, delimiter=",")
    run("mnist_softmax-predict.dml", f"X={tmp_path / 'X.csv'}", f"model_dir={tmp_path}",
        f"out_dir={tmp_path}")
    probs = read_csv(tmp_path / "probs.csv")
    s = X / 255.0 @ W + b
    e = np.exp(s - s.max(axis=1, keepdims=True))
    np.testing.assert_allclose(probs, e / e.sum(axis=1, keepdims=True), rtol=1e-9, atol=1e-12)


@pytest.mark.double_only("probabilities compared with NumPy float64")
def test_mnist_lenet_train_and_predict(mnist, tmp_path):
    out = run("mnist_lenet-train.dml", f"train={mnist / 'train.csv'}", f"test={mnist / 'test.csv'}",
              "C=1", "Hin=8", "Win=8", "n_val=50", "epochs=2", f"out_dir={tmp_path}")
    assert accuracy_of(out) > 0.25
    shapes = {n: read_model(tmp_path / n).shape for n in ("W1", "b1", "W2", "b2", "W3", "b3", "W4", "b4")}
    assert shapes == {"W1": (32, 25), "b1": (32, 1), "W2": (64, 800), "b2": (64, 1),
                      "W3": (256, 512), "b3": (1, 512), "W4": (512, 10), "b4": (1, 10)}
    X = read_csv(mnist / "test.csv")[:, 1:]
    np.savetxt(tmp_path / "X.csv", X[:20], delimiter=",")
    run("mnist_lenet-predict.dml", f"X={tmp_path / 'X.csv'}", "C=1", "Hin=8", "Win=8",
        f"model_dir={tmp_path}", f"out_dir={tmp_path}")
    probs = read_csv(tmp_path / "probs.csv")
    assert probs.shape == (20, 10)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-12)


def test_example_mnist_softmax(mnist, tmp_path):
    # its default files have a header line
    for name, n, seed in (("mnist_train.csv", 250, 13), ("mnist_test.csv", 100, 99)):
        run("mnist_dummy_data.dml", f"out={tmp_path / 'mnist_data' / name}", f"n={n}", "H=8", "W=8",
            "noise=0.3", f"seed={seed}", "header=TRUE")
    assert (tmp_path / "mnist_data" / "mnist_test.csv").read_text().startswith("C1,C2,")
    out = run("Example-MNIST_Softmax.dml", "n_val=50", "iters=40", cwd=tmp_path)
    assert accuracy_of(out) > 0.5
    out = run("Example-MNIST_Softmax.dml", f"train={mnist / 'train.csv'}",
              f"test={mnist / 'test.csv'}", "header=FALSE", "n_val=50", "iters=40")
    assert accuracy_of(out) > 0.5


def test_example_mnist_2nn(mnist):
    out = run("Example-MNIST_2NN_Leaky_ReLu_Softmax.dml", f"train={mnist / 'train.csv'}",
              f"test={mnist / 'test.csv'}", "n_val=50", "epochs=4")
    assert accuracy_of(out) > 0.25


def test_mnist_lenet_distrib_sgd(mnist, tmp_path):
    out = run("mnist_lenet_distrib_sgd-train.dml", f"train={mnist / 'train.csv'}",
              f"test={mnist / 'test.csv'}", "Hin=8", "Win=8", "n_val=50", "epochs=4",
              "batch_size=8", "parallel_batches=4", f"out_dir={tmp_path}")
    assert "Degree of parallelism: 4, Group batch size: 32, Num groups: 7" in out
    assert "Epoch: 1, Group:" not in out                 # reported every 10th group only
    assert accuracy_of(out) > 0.3                        # about 0.65 after these 28 steps
    assert read_model(tmp_path / "W3").shape == (16 * 2 * 2, 128)


def test_mnist_lenet_distrib_sgd_dummy_data():
    out = run("mnist_lenet_distrib_sgd-train-dummy-data.dml", "N=64", "Nval=16", "Ntest=16",
              "C=1", "Hin=4", "Win=4", "K=3", "batch_size=4", "parallel_batches=2", "epochs=3")
    assert "Num groups: 8" in out and "Epoch: 3, Group: " not in out
    assert 0 <= accuracy_of(out) <= 1


# ---------------------------------------------------------------- staging: NCF, factorization machines

def test_ncf_examples(tmp_path):
    out = run("ncf-dummy-data.dml", "K_train=64", "K_val=16", "epochs=2", "batch_size=16")
    assert "64 training samples, 16 validation samples, 50 items and 60 users" in out
    assert "NCF training completed after 2 epochs" in out
    out = run("ncf-real-data.dml", "generate=TRUE", f"data_loc={tmp_path}/", "epochs=2")
    assert (tmp_path / "sampled-train.csv").exists() and "Done encoding." in out
    assert "NCF training completed after 2 epochs" in out


def test_ncf_learns():
    res = dmlpy.run("""
source("staging/NCF.dml") as NCF
K = 400
u = round(rand(rows=K, cols=1, min=1, max=12, seed=1))
it = round(rand(rows=K, cols=1, min=1, max=10, seed=2))
y = (u <= 6)                       # the first half of the users interact with everything
users = toOneHot(u, 12)
items = toOneHot(it, 10)
[b0, w0] = NCF::train(users, items, y, users[1:40, ], items[1:40, ], y[1:40, ], 1, 400, 4, 8, 8, 4)
[p0, x2, x3, x4, x5, x6, x7, x8, x9, x10, x11] = NCF::predict(users, items, b0, w0)
[loss0, acc0] = NCF::eval(p0, y)
[b, w] = NCF::train(users, items, y, users[1:40, ], items[1:40, ], y[1:40, ], 30, 16, 4, 8, 8, 4)
[p, x2, x3, x4, x5, x6, x7, x8, x9, x10, x11] = NCF::predict(users, items, b, w)
[loss, acc] = NCF::eval(p, y)
""", outputs=["loss0", "loss", "acc"])
    assert res["loss"] < 0.6 * res["loss0"] and res["acc"] > 0.75


@pytest.mark.parametrize("script", ["fm-binclass-dummy-data.dml", "fm-regression-dummy-data.dml"])
def test_fm_examples_run(script):
    out = run(script, "n=100", "n_val=20", "epochs=1")
    assert "Starting optimization" in out
    assert 0 <= accuracy_of(out) < 10


def test_fm_binclass_learns():
    res = dmlpy.run("""
source("staging/fm-binclass.dml") as fmb
X = rand(rows=300, cols=4, seed=3)
y = (X[, 1] * X[, 2] + 0.3 * X[, 3] > 0.4)
[w0, W, V, loss1] = fmb::train(X, y, X[1:50, ], y[1:50, ], 1)
[l1, acc1] = fmb::eval(fmb::predict(X, w0, W, V), y)
[w0, W, V, loss] = fmb::train(X, y, X[1:50, ], y[1:50, ], 12)
[l, acc] = fmb::eval(fmb::predict(X, w0, W, V), y)
""", outputs=["l1", "l", "acc"])
    assert res["l"] < res["l1"] - 0.02 and res["acc"] > 0.75


def test_fm_regression_learns():
    res = dmlpy.run("""
source("staging/fm-regression.dml") as fmr
X = rand(rows=300, cols=4, seed=3)
y = 1 + X[, 1] * X[, 2] - 0.5 * X[, 3]
[w0, W, V] = fmr::train(X, y, X[1:50, ], y[1:50, ], 1)
[l1, rmse1] = fmr::eval(fmr::predict(X, w0, W, V), y)
[w0, W, V] = fmr::train(X, y, X[1:50, ], y[1:50, ], 15)
[l, rmse] = fmr::eval(fmr::predict(X, w0, W, V), y)
""", outputs=["rmse1", "rmse"])
    assert res["rmse"] < 0.8 * res["rmse1"]


# ---------------------------------------------------------------- ImageNet AlexNet

def run_dml(text, tmp_path, cwd):
    f = tmp_path / "script.dml"
    f.write_text(text)
    return run_path(f, cwd=cwd)


def test_imagenet_alexnet_train_as_systemds_example_calls_it(tmp_path):
    # the call of SystemDS's Example-ImageNet_AlexNet_Optimizers.dml, sourced by file name from
    # the examples folder; the extras (a narrow network for 16x16 images) are named arguments
    out = run_dml("""
source("imagenet_alexnet.dml") as alexnet
[X_train, y_train] = alexnet::generate(32, 3, 16, 16, 4, 0.3, 1)
[X_val, y_val] = alexnet::generate(16, 3, 16, 16, 4, 0.3, 2)
C = 3
H = 16
W = 16
epochs = 3
lr = 1.0
batch_size = 8
[model, arch, emas, metrics] = alexnet::train(X_train, y_train, X_val, y_val, C, H, W, epochs,
    "lars", lr, batch_size, width=0.0625, fc=16, conv1_size=3, conv1_stride=1, conv1_pad=1,
    pool_pad=1, use_lrn=FALSE, verbose=FALSE)
print("metrics " + nrow(metrics) + "x" + ncol(metrics))
print("loss " + as.scalar(metrics[1, 3]) + " " + as.scalar(metrics[3, 3]))
# the example's form: one target, the model
model = alexnet::train(X_train[1:8, ], y_train[1:8, ], X_val[1:4, ], y_val[1:4, ], C, H, W, 1,
    "sgd", 0.1, 4, width=0.0625, fc=16, conv1_size=3, conv1_stride=1, conv1_pad=1, pool_pad=1,
    use_lrn=FALSE, verbose=FALSE)
print("model entries " + length(model))
""", tmp_path, cwd=EX)
    assert "metrics 3x9" in out and "model entries 16" in out
    first, last = map(float, re.search(r"^loss (\S+) (\S+)$", out, re.M).groups())
    assert last < first


def test_imagenet_alexnet_train_with_model(tmp_path):
    """SystemDS's own train (here train_with_model) on the full-size batch-normalised AlexNet:
    one LARS step, then the _with_bn predictions (the plain ones are compared with SystemDS)."""
    out = run_dml("""
source("nn/examples/imagenet_alexnet.dml") as ex
source("nn/networks/alexnet.dml") as alexnet
X = rand(rows=2, cols=3*67*67, seed=1)
Y = table(seq(1, 2), matrix("1 2", rows=2, cols=1), 2, 2)
[model, emas] = alexnet::init_with_bn(3, 67, 67, 2, 42)
opt = alexnet::init_lars_optim_params(model)
[acc, lossm, m2, e2] = ex::train_with_model(X, Y, X, Y, model, emas, 2, 3, 67, 67, 1, 2, opt, TRUE)
print("shapes " + nrow(acc) + " " + nrow(lossm) + " " + length(m2) + " " + length(e2))
print("loss " + as.scalar(lossm[1, 1]) + " acc " + as.scalar(acc[1, 1]))
p = ex::predict_with_bn(X, 3, 67, 67, m2, e2)
print("probs " + nrow(p) + "x" + ncol(p) + " " + round(sum(p) * 1e6))
print("batched " + ex::predict_and_eval_batched_with_bn(X, Y, 3, 67, 67, m2, e2, 1)
      + " " + mean(rowIndexMax(p) == rowIndexMax(Y)))
""", tmp_path, cwd=tmp_path)
    assert "shapes 1 1 36 10" in out
    assert "Using Learning Rate: 1.5625E-5" in out     # 0.01 * 2/256, step 1 of 5 warm-up steps
    assert "Use BN: TRUE" in out and "Validation batch: 1/2.0" in out
    loss, acc = map(float, re.search(r"^loss (\S+) acc (\S+)$", out, re.M).groups())
    # cross-entropy near log(2) plus the weight-decay term; two validation images
    assert 0.69 < loss < 2.0 and acc in (0.0, 0.5, 1.0)
    assert "probs 2x2 2000000.0" in out
    a, b = map(float, re.search(r"^batched (\S+) (\S+)$", out, re.M).groups())
    assert a == b


# ---------------------------------------------------------------- ResNet examples

def test_mnist_resnet(mnist, tmp_path):
    out = run("mnist_resnet.dml", f"train={mnist / 'test.csv'}", f"test={mnist / 'test.csv'}",
              "Hin=8", "Win=8", "epochs=1", "batch_size=100", f"out_dir={tmp_path}")
    assert "Using Learning Rate: 0.002" in out          # 0.01 * step 1 of 5 warm-up steps
    loss = read_csv(tmp_path / "resnet_mnist_loss.csv")
    acc = read_csv(tmp_path / "resnet_mnist_accuracy.csv")
    assert loss.shape == acc.shape == (1, 1) and 0 < loss[0, 0] < 10 and 0 <= acc[0, 0] <= 1


def test_imagenet_resnet(tmp_path):
    out = run("imagenet_resnet.dml", f"data_dir={tmp_path}", "generate=TRUE", "classes=5", "Hin=8",
              "Win=8", "n_train=8", "n_val=4", "epochs=1", "batch_size=8", f"out_dir={tmp_path}")
    assert "- Training samples: 8" in out and "- Features: 192" in out
    assert "Training completed!" in out
    assert read_csv(tmp_path / "imagenet_resnet_loss.csv").shape == (1, 1)


def test_example_resnet_loss_falls():
    out = run("Example-ResNet.dml", "N=8", "Hin=8", "Win=8", "classes=5", "epochs=2",
              "batch_size=8")
    ep = losses(out, "Epoch Avg. Loss")
    assert len(ep) == 2 and ep[1] < ep[0]


def test_load_imagenet_csv(tmp_path):
    for name, n in (("imagenet_train.csv", 60), ("imagenet_val.csv", 10)):
        run("mnist_dummy_data.dml", f"out={tmp_path / name}", f"n={n}", "C=3", "H=2", "W=2",
            "classes=4")
    out = run("load_imagenet_csv.dml", f"data_dir={tmp_path}", "classes=4")
    assert f"- {tmp_path}/train_labels.bin (shape: 60 x 4)" in out
    res = dmlpy.run(f"""
X = read("{tmp_path}/train_data.bin")
Y = read("{tmp_path}/train_labels.bin")
raw = read("{tmp_path}/imagenet_train.csv", format="csv")
dx = max(abs(X - raw[, 2:13] / 255))
dy = sum(abs(rowIndexMax(Y) - raw[, 1] - 1))
""", outputs=["dx", "dy"])
    assert res["dx"] == 0 and res["dy"] == 0


# ---------------------------------------------------------------- EfficientNet

def test_example_efficientnet(mnist):
    out = run("Example-EfficientNet.dml", f"data={mnist / 'train.csv'}", "H=8", "W=8", "epochs=2",
              "batch_size=64", "lr=0.1")
    tl = losses(out)
    assert len(tl) == 8 and np.mean(tl[-2:]) < tl[0]
    acc = float(re.search(r"^Total Accuracy: (\S+)$", out, re.M).group(1))
    assert acc > 0.25


# ---------------------------------------------------------------- Sherlock

def test_sherlocknet_trains(tmp_path):
    out = run_dml("""
source("nn/examples/sherlockNet.dml") as sherlock
X = rand(rows=300, cols=8, seed=1)
Y = table(seq(1, 300), rowIndexMax(X[, 1:3]) * 5, 300, 78)
[W1, b1, W2, b2, W3, b3] = sherlock::train(X, Y, 24, 60)
print("shapes " + nrow(W1) + "x" + ncol(W1) + " " + nrow(W3) + "x" + ncol(W3))
""", tmp_path, cwd=tmp_path)
    assert "shapes 8x24 24x78" in out
    full = losses(out, "Val Loss")                  # loss on all training rows, each epoch
    assert len(full) == 60 and full[-1] < full[0] - 0.05   # SystemDS's slow rate: 1e-4


# ---------------------------------------------------------------- attention

def test_attention_example(tmp_path):
    out = run("AttentionExample.dml", "generate=TRUE", f"data_loc={tmp_path}/", "N=60", "n=60",
              "max_length=4", "epochs=3", "batch_size=8", "val_size=12")
    assert out.count("Iteration: ") == 18                # ceil(48 / 8) steps per epoch
    train_loss = losses(out, "Train Loss")
    assert len(train_loss) == 3 and train_loss[-1] < train_loss[0]


# ---------------------------------------------------------------- U-Net

@pytest.mark.double_only("prints double digits (3.2E7)")
def test_unet_extrapolate_and_serial_paramserv(tmp_path):
    out = run_dml("""
source("nn/examples/u-net.dml") as unet
X = rand(rows=2, cols=92 * 92, seed=5)
[A, hw] = unet::extrapolate(X, 2, 1, 92, 92)
[B, hw2] = unet::extrapolate(X, 2, 1, 92, 92, FALSE)
P = matrix(A[2, ], rows=276, cols=276)
I = matrix(X[2, ], rows=92, cols=92)
print("extrapolate " + hw + " " + sum(abs(A - B)) + " " + sum(abs(P[93:184, 93:184] - I))
      + " " + sum(abs(P[93:184, 1:92] - t(rev(t(I))))) + " " + sum(abs(P[1:92, 93:184] - rev(I))))
S = 188
Xe = rand(rows=2, cols=S * S, seed=3)
y = cbind(matrix(1, rows=2, cols=16), matrix(0, rows=2, cols=16))
model = unet::train_paramserv(Xe, y, Xe, y, 1, S, S, 2, 2, "BSP", "BATCH", 1,
                              "DISJOINT_CONTIGUOUS", 0.05, 5, 16, 2, FALSE, 2)
p = unet::predict(Xe, 1, S, S, 1, model, 16, 2, 2)
print("model " + length(model) + " probs " + nrow(p) + "x" + ncol(p) + " " + round(sum(p) * 1e6))
""", tmp_path, cwd=tmp_path)
    assert "extrapolate 276 0.0 0.0 0.0 0.0" in out
    assert "model 92 probs 2x32 3.2E7" in out          # 16 pixels x 2 images, probabilities
    val = losses(out, "Val Loss")
    assert len(val) == 2 and val[1] < val[0]          # every pixel labelled class 1
