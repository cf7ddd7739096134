"""The plan-layer workloads (issue 8): dmlpy next to SystemDS 3.4 and NumPy (and PyTorch CPU when
installed), in the same run. Each DML workload times itself inside the script (so process start-up is
not counted) and the runner takes the median over --runs processes.

    python benchmarks/plan_bench.py [--runs 3] [--quick] [--no-reference] [--only NAME ...]

--quick shrinks every workload (for a smoke run; the figures are then not comparable with the README).
"""
import argparse
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
PLAN = HERE / "plan"
REF = HERE.parent.parent / "shared" / "reference" / "sysds"


def dml_run(cmd, script, nvargs, key):
    args = [f"{k}={v}" for k, v in nvargs.items()]
    r = subprocess.run(cmd + ["-f", str(PLAN / script)] + (["-nvargs", *args] if args else []),
                       capture_output=True, text=True, cwd=PLAN)
    m = re.search(rf"^{key} ([0-9.Ee+-]+)$", r.stdout, re.M)
    if r.returncode != 0 or m is None:
        raise RuntimeError(f"{' '.join(cmd)} {script}: {r.stdout[-500:]}{r.stderr[-1500:]}")
    return float(m.group(1))


def best_of(f, reps):
    f()
    out = []
    for _ in range(reps):
        t0 = time.perf_counter()
        f()
        out.append(time.perf_counter() - t0)
    return min(out)


# ---------------------------------------------------------------------- NumPy / PyTorch baselines
def np_ewise(r, c):
    rng = np.random.default_rng(1)
    X, Y = rng.random((r, c)), rng.random((r, c))
    return best_of(lambda: np.sum((X - X.mean()) ** 2 * Y + np.exp(-X)), 5) * 1e3


def np_gemm(n, which):
    rng = np.random.default_rng(1)
    X, Y = rng.random((n, n)), rng.random((n, n))
    f = (lambda: X @ Y) if which == "matmul" else (lambda: X.T @ X)
    return best_of(f, 3) * 1e3


def np_mlp(N, B):
    rng = np.random.default_rng(1)
    X = rng.random((N, 784))
    Y = np.eye(10)[rng.integers(0, 10, N)]
    W1, b1 = rng.uniform(-.05, .05, (784, 200)), np.zeros((1, 200))
    W2, b2 = rng.uniform(-.1, .1, (200, 10)), np.zeros((1, 10))

    def epoch():
        nonlocal W1, b1, W2, b2
        for i in range(N // B):
            Xb, Yb = X[i * B:(i + 1) * B], Y[i * B:(i + 1) * B]
            H = np.maximum(Xb @ W1 + b1, 0)
            O = H @ W2 + b2
            E = np.exp(O - O.max(1, keepdims=True))
            P = E / E.sum(1, keepdims=True)
            dO = (P - Yb) / B
            dH = (dO @ W2.T) * (H > 0)
            W2 -= 0.05 * (H.T @ dO)
            b2 -= 0.05 * dO.sum(0)
            W1 -= 0.05 * (Xb.T @ dH)
            b1 -= 0.05 * dH.sum(0)
    return best_of(epoch, 2) * 1e3 / (N // B)


def _lars_shapes(scale):
    rows = [96, 1, 256, 1, 384, 1, 384, 1, 256, 1, 4096, 1, 4096, 1, 1000, 1]
    cols = [363, 96, 2400, 256, 3456, 384, 3456, 384, 3456, 256, 9216, 4096, 4096, 4096, 4096, 1000]
    return [(r, max(1, c // scale)) for r, c in zip(rows, cols)]


def np_lars(scale):
    rng = np.random.default_rng(1)
    P = [rng.uniform(-.01, .01, s) for s in _lars_shapes(scale)]
    G = [rng.uniform(-.001, .001, s) for s in _lars_shapes(scale)]
    V = [np.zeros(s) for s in _lars_shapes(scale)]

    def step():
        for k in range(16):
            X, dX, v = P[k], G[k], V[k]
            wn, gn = np.linalg.norm(X), np.linalg.norm(dX)
            local = 0.001 * wn / (gn + 0.0005 * wn) if wn > 0 and gn > 0 else 1.0
            v *= 0.9
            v -= 0.01 * local * (dX + 0.0005 * X)
            X += v
    return best_of(step, 3)


def torch_lars(scale):
    try:
        import torch
    except ImportError:
        return None
    P = [torch.rand(s, dtype=torch.float64) for s in _lars_shapes(scale)]
    G = [torch.rand(s, dtype=torch.float64) * 1e-3 for s in _lars_shapes(scale)]
    V = [torch.zeros(s, dtype=torch.float64) for s in _lars_shapes(scale)]

    def step():
        with torch.no_grad():
            for X, dX, v in zip(P, G, V):
                wn, gn = X.norm(), dX.norm()
                local = 0.001 * wn / (gn + 0.0005 * wn)
                v.mul_(0.9).add_(dX + 0.0005 * X, alpha=-0.01 * float(local))
                X.add_(v)
    return best_of(step, 3)


def torch_alexnet(N, H, K, dtype):
    """PyTorch's equivalent step (same layer shapes as nn/networks/alexnet.dml, SGD with momentum
    standing in for LARS, whose cost is the same memory traffic), or None without PyTorch."""
    try:
        import torch
        import torch.nn as tnn
    except ImportError:
        return None
    torch.manual_seed(1)
    feat = tnn.Sequential(
        tnn.Conv2d(3, 96, 11, 4, 2), tnn.ReLU(), tnn.MaxPool2d(3, 2),
        tnn.Conv2d(96, 256, 5, 1, 2), tnn.ReLU(), tnn.MaxPool2d(3, 2),
        tnn.Conv2d(256, 384, 3, 1, 1), tnn.ReLU(), tnn.Conv2d(384, 384, 3, 1, 1), tnn.ReLU(),
        tnn.Conv2d(384, 256, 3, 1, 1), tnn.ReLU(), tnn.MaxPool2d(3, 2))
    with torch.no_grad():
        n = feat(torch.zeros(1, 3, H, H)).numel()
    net = tnn.Sequential(feat, tnn.Flatten(), tnn.Linear(n, 4096), tnn.ReLU(), tnn.Linear(4096, 4096),
                         tnn.ReLU(), tnn.Linear(4096, K)).to(dtype)
    opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9, weight_decay=0.0005)
    x = torch.rand(N, 3, H, H, dtype=dtype)
    y = torch.randint(0, K, (N,))

    def step():
        opt.zero_grad()
        tnn.functional.cross_entropy(net(x), y).backward()
        opt.step()
    return best_of(step, 3)


# ---------------------------------------------------------------------- the table
def workloads(quick):
    s = 8 if quick else 1
    r, c = (1000, 500) if quick else (5000, 1000)
    n = 500 if quick else 2000
    N = 1024 if quick else 4096
    an, ah = (8, 64) if quick else (32, 64)
    return [
        ("ewise chain sum((X-mean(X))^2*Y+exp(-X)) (ms)", "ewise_chain.dml", {"rows": r, "cols": c}, "ms",
         lambda: np_ewise(r, c), None),
        (f"X %*% Y, {n}x{n} (ms)", "gemm.dml", {"n": n}, "matmul_ms", lambda: np_gemm(n, "matmul"), None),
        (f"t(X) %*% X, {n}x{n} (ms)", "gemm.dml", {"n": n}, "tsmm_ms", lambda: np_gemm(n, "tsmm"), None),
        ("MLP 784-200-10 SGD, batch 256 (ms/batch)", "mlp.dml", {"N": N}, "ms_per_batch",
         lambda: np_mlp(N, 256), None),
        (f"LARS update, AlexNet shapes /{s} (s/iter)", "lars_update.dml", {"scale": s}, "s",
         lambda: np_lars(s), lambda: torch_lars(s)),
        (f"AlexNet step N={an}, {ah}x{ah}, 100 classes (s/step; PyTorch fp64)", "alexnet_step.dml",
         {"N": an, "H": ah, "W": ah}, "s", None, lambda: _torch(an, ah, "float64")),
        # single precision: dmlpy --precision single against PyTorch fp32 (SystemDS: not run)
        (f"AlexNet step fp32, N={an}, {ah}x{ah} (s/step; PyTorch fp32)", "alexnet_step.dml",
         {"N": an, "H": ah, "W": ah}, "s", None, lambda: _torch(an, ah, "float32"),
         ["--precision", "single"]),
    ]


def _torch(N, H, dtype):
    import importlib.util
    if importlib.util.find_spec("torch") is None:
        return None
    import torch
    return torch_alexnet(N, H, 100, getattr(torch, dtype))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--no-reference", action="store_true")
    ap.add_argument("--only", nargs="*")
    a = ap.parse_args()
    dml = [sys.executable, "-m", "dmlpy"]
    ref = None if a.no_reference or not REF.exists() or not shutil.which("java") else [str(REF)]
    print(f"{'workload':<48} {'dmlpy':>9} {'SystemDS':>9} {'NumPy':>9} {'PyTorch':>9}  dmlpy vs SDS / NumPy")
    for name, script, nv, key, f_np, f_torch, *flags in workloads(a.quick):
        if a.only and not any(o in name for o in a.only):
            continue
        flags = flags[0] if flags else []
        d = statistics.median(dml_run(dml + flags, script, nv, key) for _ in range(a.runs))
        s = statistics.median(dml_run(ref, script, nv, key) for _ in range(min(a.runs, 2))) \
            if ref and not flags else None
        p = f_np() if f_np else None
        t = f_torch() if f_torch else None
        fmt = lambda v: f"{v:9.3f}" if v is not None else f"{'-':>9}"  # noqa: E731
        ratio = (f"{s / d:5.2f}x" if s else "   - ") + (f" / {p / d:5.2f}x" if p else " /   -")
        print(f"{name:<48} {fmt(d)} {fmt(s)} {fmt(p)} {fmt(t)}  {ratio}", flush=True)
    print("(ratios above 1 mean dmlpy is faster)")


if __name__ == "__main__":
    main()
