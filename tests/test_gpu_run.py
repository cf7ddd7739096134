"""DML scripts run with -gpu (backend "cuda") on numba's CUDA simulator, against the CPU backend.

The simulator runs each kernel's threads in Python, so everything here is tiny. What is checked:
- the values: a script of every operation the GPU runs (element-wise with broadcasting and
  scalars on either side, the unary builtins, fused chains, full/row/column aggregates,
  products in every transposed form, indexing and left indexing, cbind/rbind, the DNN builtins)
  and a toy AlexNet training step with the LARS update equal the CPU backend's results
  (float64 within 1e-9 relative; float32 within 1e-4);
- placement (`--stats`): matrices stay on the device between operations (transfers do not
  grow with the iterations of a loop), operations without a GPU kernel or too large for the
  device memory run on the CPU with the reason given, and the results are still the CPU's;
- the public conformance suite and nn layer gradient checks, unchanged, with -gpu.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CONFORMANCE = ROOT.parent / "shared" / "conformance" / "run.py"
# DMLPY_CUDA_ON_DEVICE=1: on a real GPU instead of the simulator (benchmarks/gpu.py)
ON_DEVICE = os.environ.get("DMLPY_CUDA_ON_DEVICE", "0") not in ("", "0")

pytestmark = pytest.mark.double_only("runs both precisions itself, against the CPU backend")


def _env(**extra):
    env = {k: v for k, v in os.environ.items() if k not in ("DMLPY_PRECISION", "DMLPY_DEBUG")}
    if ON_DEVICE:
        env.pop("NUMBA_ENABLE_CUDASIM", None)
    else:
        env["NUMBA_ENABLE_CUDASIM"] = "1"
    env.update(extra)
    return env


def _dmlpy(args, timeout=600, **env):
    return subprocess.run([sys.executable, "-m", "dmlpy", *args], env=_env(**env), cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)


# ------------------------------------------------------------------ values against the CPU
OPS = """
X = rand(rows=6, cols=5, min=-2, max=2, seed=11)
Y = rand(rows=6, cols=5, min=0.1, max=3, seed=12)
r = rand(rows=1, cols=5, seed=13)
c = rand(rows=6, cols=1, seed=14)
e1 = X + Y; e2 = X - r; e3 = X * c; e4 = Y / X; e5 = Y ^ 2; e6 = 2 - X; e7 = X / 3
e8 = (X > 0) + (X <= r) * 2 + (X == X) - (Y != 1) + ((X >= c) & (Y < 1)) + ((X < 0) | (Y > 2))
e9 = min(X, Y) + max(X, 0.5) + min(2, Y); e10 = -X; e11 = !(X > 0)
e12 = X %% 0.7 + Y %% r; e13 = X %/% 0.3 - 7 %/% Y
u = exp(X) + log(Y) + sqrt(Y) + abs(X) + round(X * 3) + floor(X) + ceil(X) + sign(X) + sigmoid(X)
f1 = (X - Y) ^ 2 * Y + exp(-X) / (1 + Y)
a1 = sum(X); a2 = mean(Y); a3 = min(X); a4 = max(Y); a5 = sum(X ^ 2); a6 = sum(X * Y - 1)
s1 = rowSums(X); s2 = colSums(X); s3 = rowMeans(Y); s4 = colMeans(Y)
s5 = rowMaxs(X); s6 = colMins(X); s7 = rowMins(Y); s8 = colMaxs(Y)
Q = round(X); Q[2, 3] = 0/0; Q[4, ] = matrix(0/0, rows=1, cols=5)
s9 = rowIndexMax(Q); s10 = rowIndexMin(Q); s11 = rowIndexMax(X)
m1 = X %*% t(Y); m2 = t(X) %*% Y; m3 = t(X) %*% X; m4 = X %*% t(X); m5 = Y %*% t(r)
m6 = t(X); m7 = X %*% rand(rows=5, cols=3, seed=15)
i1 = X[2:4, 3:5]; i2 = Y[, 2]; i3 = X[5, ]; i4 = as.scalar(X[3, 4])
L = X; L[2:3, 1:2] = Y[1:2, 4:5]; L[6, ] = r; L[1, 5] = 7
b1 = cbind(X, Y, c); b2 = rbind(X, r, Y)
"""
OPS_OUT = ["e1", "e2", "e3", "e4", "e5", "e6", "e7", "e8", "e9", "e10", "e11", "e12", "e13", "u",
           "f1", "a1",
           "a2", "a3", "a4", "a5", "a6", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9",
           "s10", "s11", "m1",
           "m2", "m3", "m4", "m5", "m6", "m7", "i1", "i2", "i3", "i4", "L", "b1", "b2"]

DNN = """
N = 2; C = 2; H = 5; W = 5; F = 3
X = rand(rows=N, cols=C*H*W, min=-1, max=1, seed=21)
Wc = rand(rows=F, cols=C*3*3, min=-1, max=1, seed=22)
b = rand(rows=F, cols=1, seed=23)
out = conv2d(X, Wc, input_shape=[N,C,H,W], filter_shape=[F,C,3,3], stride=[1,1], padding=[1,1])
ob = bias_add(out, b); om = bias_multiply(out, b)
dout = rand(rows=N, cols=F*H*W, seed=24)
dW = conv2d_backward_filter(X, dout, input_shape=[N,C,H,W], filter_shape=[F,C,3,3],
                            stride=[1,1], padding=[1,1])
dX = conv2d_backward_data(Wc, dout, input_shape=[N,C,H,W], filter_shape=[F,C,3,3],
                          stride=[1,1], padding=[1,1])
p1 = max_pool(X, input_shape=[N,C,H,W], pool_size=[2,2], stride=[2,2], padding=[0,0])
p2 = avg_pool(X, input_shape=[N,C,H,W], pool_size=[2,2], stride=[1,1], padding=[0,0])
dp = rand(rows=N, cols=C*2*2, seed=25)
p3 = max_pool_backward(X, dp, input_shape=[N,C,H,W], pool_size=[2,2], stride=[2,2], padding=[0,0])
g = rand(rows=C, cols=1, seed=26); be = rand(rows=C, cols=1, seed=27)
em = matrix(0, rows=C, cols=1); ev = matrix(1, rows=C, cols=1)
[bn, rm, rv, sm, siv] = batch_norm2d(X, g, be, em, ev, "train", 1e-5, 0.9)
[bdx, bdg, bdb] = batch_norm2d_backward(X, X * 0.5, g, 1e-5, sm, siv)
T = 3; D = 2; M = 2
Xl = rand(rows=N, cols=T*D, seed=28); Wl = rand(rows=D+M, cols=4*M, seed=29)
bl = rand(rows=1, cols=4*M, seed=30)
[lo, lc, lco, lcc, lci] = lstm(Xl, Wl, bl, matrix(0, rows=N, cols=M), matrix(0, rows=N, cols=M), TRUE)
"""
DNN_OUT = ["out", "ob", "om", "dW", "dX", "p1", "p2", "p3", "bn", "rm", "rv", "bdx", "bdg", "bdb",
           "lo", "lc"]

ALEXNET = """
source("nn/networks/alexnet_wide.dml") as alexnet
[model, arch, emas] = alexnet::init(1, 12, 12, 4, 3, f1=2, f2=3, f3=3, f4=3, f5=2, fc=6,
                                    use_lrn=FALSE, dropout_keep=1.0, conv1_size=3,
                                    conv1_stride=1, conv1_pad=1, pool_pad=1)
N = 2
Y = table(seq(1, N), matrix("1 3", rows=N, cols=1), N, 4)
X = rand(rows=N, cols=144, pdf="normal", seed=9)
state = alexnet::init_optim(model, "lars")
[loss, grads, probs, emas] = alexnet::gradients(X, Y, model, arch, emas, 1e-4, 99, FALSE)
[model, state] = alexnet::update(model, grads, state, arch, "lars", 1.0, 0, lambda=1e-4,
                                 trust_coeff=0.01)
"""


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    d = tmp_path_factory.mktemp("gpu_run")
    cases = [{"name": "ops", "script": OPS, "outputs": OPS_OUT},
             {"name": "ops32", "script": OPS, "outputs": OPS_OUT, "precision": "single"},
             {"name": "dnn", "script": DNN, "outputs": DNN_OUT},
             {"name": "alexnet", "script": ALEXNET, "outputs": ["loss", "probs", "model"]}]
    (d / "cases.json").write_text(json.dumps(cases))
    p = subprocess.run([sys.executable, str(HERE / "gpu_run_worker.py"), str(d / "cases.json"),
                        str(d / "out.npz")], env=_env(), cwd=ROOT, capture_output=True,
                       text=True, timeout=900)
    assert p.returncode == 0, p.stderr[-4000:]
    with np.load(d / "out.npz") as z:
        return {k: z[k] for k in z.files}


def _compare(results, case, rtol):
    keys = sorted(k[:-4] for k in results if k.startswith(case + "|") and k.endswith("|gpu"))
    assert keys
    for k in keys:
        g, c = results[k + "|gpu"], results[k + "|cpu"]
        assert g.shape == c.shape and g.dtype == c.dtype, (k, g.shape, c.shape, g.dtype, c.dtype)
        scale = max(1.0, float(np.nanmax(np.abs(c)))) if c.size else 1.0
        np.testing.assert_allclose(g, c, rtol=rtol, atol=rtol * scale, err_msg=k)
    return keys


def test_operations_equal_the_cpu(results):
    assert len(_compare(results, "ops", 1e-9)) == len(OPS_OUT)


def test_operations_in_single_precision(results):
    keys = _compare(results, "ops32", 1e-4)
    assert results["ops32|e1|gpu"].dtype == np.float32 and len(keys) == len(OPS_OUT)


def test_dnn_builtins_equal_the_cpu(results):
    assert len(_compare(results, "dnn", 1e-9)) == len(DNN_OUT)


def test_alexnet_training_step_equals_the_cpu(results):
    keys = _compare(results, "alexnet", 1e-9)
    assert sum(k.startswith("alexnet|model.") for k in keys) >= 16
    assert np.isfinite(results["alexnet|loss|gpu"])


# ------------------------------------------------------------------ placement
LOOP = """
X = rand(rows=20, cols=4, seed=1)
y = X %*% matrix("1 -2 3 0.5", rows=4, cols=1)
w = matrix(0, rows=4, cols=1)
for (i in 1:$n) {
  g = t(X) %*% (X %*% w - y)
  w = w - 0.05 * g
}
print(toString(t(w)))
"""


def _transfers(err):
    m = re.search(r"transfers to the device: (\d+) \(.*\), to the host: (\d+)", err)
    assert m, err
    return int(m.group(1)), int(m.group(2))


def test_matrices_stay_on_the_device(tmp_path):
    script = tmp_path / "loop.dml"
    script.write_text(LOOP)
    counts = []
    for n in (3, 12):
        p = _dmlpy(["-gpu", "--stats", str(script), "-nvargs", f"n={n}"])
        assert p.returncode == 0, p.stderr
        cpu = _dmlpy([str(script), "-nvargs", f"n={n}"])
        a = np.array(p.stdout.split(), float)
        np.testing.assert_allclose(a, np.array(cpu.stdout.split(), float), rtol=1e-12)
        counts.append(_transfers(p.stderr))
        assert "%*%" in p.stderr and "fused kernel" in p.stderr     # timed device operations
    # X and y (made on the host by rand and matrix) and w's first value go over once; the loop
    # adds nothing; one matrix comes back, to be printed
    assert counts[0] == counts[1], counts
    assert counts[0][0] <= 4 and counts[0][1] == 1, counts


def test_operations_without_a_gpu_kernel_run_on_the_cpu(tmp_path):
    script = tmp_path / "fallback.dml"
    script.write_text("""
A = rand(rows=4, cols=4, seed=3) + diag(matrix(4, rows=4, cols=1))
b = rand(rows=4, cols=1, seed=4)
x = solve(A %*% t(A), b)
z = cumsum(x * 2) %% 3
print(toString(t(z), decimal=12))
""")
    p = _dmlpy(["-gpu", "--stats", str(script)])
    cpu = _dmlpy([str(script)])
    assert p.returncode == 0, p.stderr
    assert p.stdout == cpu.stdout
    ran_on_cpu = p.stderr.split("ran on the CPU:")[1]
    assert "solve x1: no GPU kernel" in ran_on_cpu and "cumsum x1: no GPU kernel" in ran_on_cpu
    assert "diag x1: no GPU kernel" in ran_on_cpu
    assert "toString x1: output is made on the host" in ran_on_cpu


def test_an_operation_too_large_for_the_device_runs_on_the_cpu(tmp_path):
    script = tmp_path / "big.dml"
    script.write_text(LOOP)
    p = _dmlpy(["-gpu", "--stats", str(script), "-nvargs", "n=2"], DMLPY_GPU_MEMORY="200")
    cpu = _dmlpy([str(script), "-nvargs", "n=2"])
    assert p.returncode == 0, p.stderr
    np.testing.assert_allclose(np.array(p.stdout.split(), float),
                               np.array(cpu.stdout.split(), float), rtol=1e-12)
    assert "does not fit in device memory" in p.stderr


def test_errors_keep_their_dml_position_on_the_gpu(tmp_path):
    script = tmp_path / "err.dml"
    script.write_text("X = rand(rows=3, cols=2, seed=1)\nY = X %*% X\nprint(sum(Y))\n")
    p = _dmlpy(["-gpu", str(script)])
    assert p.returncode == 1 and "Traceback" not in p.stderr
    assert "err.dml:2:5: error: invalid dimensions for matrix multiplication: 3x2 %*% 3x2" \
        in p.stderr


# ------------------------------------------------------------------ unchanged suites with -gpu
def test_conformance_suite_on_the_gpu():
    if not CONFORMANCE.is_file():
        pytest.skip("the conformance suite (../shared/conformance) is not here")
    impl = f"{sys.executable} -m dmlpy -gpu -f {{script}} {{nvargs}}"
    p = subprocess.run([sys.executable, str(CONFORMANCE), "--impl", impl, "--jobs", "2",
                        "--timeout", "300"], env=_env(PYTHONPATH=str(ROOT)), cwd=ROOT,
                       capture_output=True, text=True, timeout=1500)
    m = re.search(r"conformance: (\d+) passed, (\d+) failed", p.stdout)
    assert m and m.group(2) == "0", p.stdout[-3000:] + p.stderr[-2000:]


GRADCHECKS = {"gc_activations.dml": 7, "gc_losses.dml": 6, "gc_dense.dml": 4}


@pytest.mark.parametrize("script", sorted(GRADCHECKS))
def test_nn_gradient_checks_on_the_gpu(script):
    p = _dmlpy(["-gpu", str(HERE / "nn" / "gradcheck" / script)], timeout=900)
    assert p.returncode == 0, p.stdout + p.stderr
    found = dict(re.findall(r"^GRADCHECK (\S+) max_rel_err=(\S+)$", p.stdout, re.M))
    assert len(found) == GRADCHECKS[script] and all(float(e) < 1e-6 for e in found.values()), \
        p.stdout
