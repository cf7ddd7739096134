"""The CUDA backend on a real NVIDIA GPU (issue 9), next to PyTorch CUDA (and cuBLAS through CuPy)
when they are installed, in one run of a few minutes:

- GEMM 8192^3 in float32 and float64: the backend's product (cuBLAS through CuPy when CuPy is
  installed, else its numba.cuda tiled GEMM), the tiled GEMM itself, cuBLAS (CuPy), PyTorch;
- the LARS update (nn/optim/lars.dml) over 62.4M parameters with the backend's fused kernels,
  against the memory-bandwidth limit: the bytes it must move (7 per parameter and itemsize)
  at the device-to-device copy bandwidth measured here; and PyTorch's same update;
- an AlexNet training step (forward, backward, LARS update; benchmarks/gpu_alexnet.py) at
  N=256, 224x224, 1000 classes, in float32 and float64, from the backend's DNN kernels, against
  the same step in PyTorch (cuDNN; TF32 off on both sides);
- the same AlexNet step as DML (nn/networks/alexnet_wide.dml through dmlpy.prepare with
  backend="cuda"), with one step's placement report (benchmarks/gpu_dml.py);
- X %*% w and t(X) %*% (X %*% w) on a sparse X (200000x100000, 0.05% non-zeros) with -gpu
  (cuSPARSE through CuPy) against SciPy on the host (benchmarks/gpu_dml.py);
- the simulator's test set (tests/test_cuda_sim.py: every CUDA kernel against the CPU backend)
  run on the device (DMLPY_CUDA_ON_DEVICE=1, NUMBA_ENABLE_CUDASIM unset).

    python benchmarks/gpu.py [--repeat 3] [--only gemm,lars,...] [--json out.json]   (GPU.md)
    NUMBA_ENABLE_CUDASIM=1 python benchmarks/gpu.py --smoke    # tiny sizes: checks the script

Without a usable GPU it says why and exits with status 1 (numba's simulator is accepted only
with --smoke, which runs every part at toy sizes and checks the AlexNet step against PyTorch on
the CPU where PyTorch is installed). A part that fails is reported in one line (the others
still run) and the exit status is 1.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

PARTS = ("gemm", "lars", "alexnet", "dml", "sparse", "tests")
SHARED: dict = {}       # figures one part leaves for another (the DML step's references)


class Report:
    def __init__(self):
        self.rows, self.errors = [], []

    def add(self, what, secs, ref=None, ref_name="", note=""):
        ratio = secs / ref if ref else None
        self.rows.append({"workload": what, "ms": secs * 1e3, "ref_ms": ref * 1e3 if ref else None,
                          "ref": ref_name, "ratio": ratio, "note": note})
        r = f"{ref * 1e3:10.3f}  {ratio:6.3f}x {ref_name}" if ref else ""
        print(f"  {what:48s} {secs * 1e3:10.3f} ms {r} {note}", flush=True)

    def error(self, part, e):
        msg = " ".join(f"{type(e).__name__}: {e}".split())[:400]
        self.errors.append({"part": part, "error": msg})
        print(f"  {part}: FAILED: {msg}", flush=True)


def sync_fn(g):
    from numba import cuda
    if g.xp is not None:
        return lambda: g.xp.cuda.get_current_stream().synchronize()
    return cuda.synchronize


def gemm(g, a, rep, torch):
    from dmlpy import backends
    from dmlpy.backends.cuda import linalg
    from gpu_common import timed
    n = 16 if a.smoke else 8192
    sync = sync_fn(g)
    rng = np.random.default_rng(0)
    flop = 2.0 * n ** 3
    for prec, dt in (("single", np.float32), ("double", np.float64)):
        backends.set_precision(prec)
        A = g.matrix(rng.uniform(-1, 1, (n, n)))
        B = g.matrix(rng.uniform(-1, 1, (n, n)))
        name = np.dtype(dt).name
        ref, ref_name = None, ""
        if g.xp is not None:
            ref = timed(lambda: A @ B, rep.repeat, sync)
            ref_name = "cuBLAS (CuPy)"
            rep_add(rep, f"GEMM {n}^3 {name} cuBLAS (CuPy)", ref, flop)
        if torch is not None:
            tA = torch.as_tensor(g.to_host(A), device="cuda")
            tB = torch.as_tensor(g.to_host(B), device="cuda")
            t = timed(lambda: tA @ tB, rep.repeat, torch.cuda.synchronize)
            rep_add(rep, f"GEMM {n}^3 {name} PyTorch", t, flop, ref, ref_name)
            if ref is None:             # without CuPy: PyTorch's cuBLAS is the reference
                ref, ref_name = t, "cuBLAS (PyTorch)"
            tA = tB = None
        t = timed(lambda: g.matmul(A, B), rep.repeat, sync)
        rep_add(rep, f"GEMM {n}^3 {name} dmlpy backend", t, flop, ref, ref_name)
        if g.xp is not None:
            t = timed(lambda: linalg.gemm(A, B), rep.repeat, sync)
            rep_add(rep, f"GEMM {n}^3 {name} numba tiled (fallback)", t, flop, ref, ref_name)
        A = B = None            # (free the device memory before the next precision)
    backends.set_precision("double")


def rep_add(rep, what, t, flop, ref=None, ref_name=""):
    rep.report.add(what, t, ref, ref_name, f"{flop / t / 1e12:8.2f} TFLOP/s")


def lars(g, a, rep, torch):
    from dmlpy import backends
    from dmlpy.backends.cuda import arrays
    from gpu_common import Lars, timed, torch_lars
    shape = (12, 10) if a.smoke else (62400, 1000)
    n = shape[0] * shape[1]
    sync = sync_fn(g)
    rng = np.random.default_rng(2)
    update = Lars()
    for prec, dt in (("single", np.float32), ("double", np.float64)):
        backends.set_precision(prec)
        item = np.dtype(dt).itemsize
        X = g.matrix(rng.uniform(-1, 1, shape))
        dX = g.matrix(rng.uniform(-1, 1, shape) * 1e-3)
        v = g.zeros(shape)
        if g.xp is not None:
            Y = g.xp.empty_like(X)
            t_copy = timed(lambda: g.xp.copyto(Y, X), rep.repeat, sync)
        else:
            t_copy = timed(lambda: arrays.convert(X, dt), rep.repeat, sync)
        bw = 2 * n * item / t_copy
        rep.report.add(f"copy {n / 1e6:.1f}M {np.dtype(dt).name}", t_copy,
                       note=f"{bw / 1e9:8.1f} GB/s (the bandwidth of the bound)")
        state = [X, v]

        def step():
            state[0], state[1] = update(g, state[0], dX, state[1])
        t = timed(step, rep.repeat, sync)
        bound = 7 * n * item / bw
        rep.report.add(f"LARS update {n / 1e6:.1f}M {np.dtype(dt).name} dmlpy", t, bound,
                       "bandwidth bound", f"(7 x {item} B/param at {bw / 1e9:.0f} GB/s)")
        if torch is not None:
            tX = torch.as_tensor(g.to_host(X), device="cuda")
            tdX = torch.as_tensor(g.to_host(dX), device="cuda")
            tv = torch.zeros_like(tX)
            t = timed(lambda: torch_lars(torch, tX, tdX, tv), rep.repeat,
                      torch.cuda.synchronize)
            rep.report.add(f"LARS update {n / 1e6:.1f}M {np.dtype(dt).name} PyTorch", t, bound,
                           "bandwidth bound")
        X = dX = v = state = None
    backends.set_precision("double")


def alexnet(g, a, rep, torch):
    from dmlpy import backends
    from gpu_alexnet import Step, TorchStep, data, init
    from gpu_common import timed
    toy = a.smoke
    N = 1 if toy else 256
    sync = sync_fn(g)
    params = init(toy)
    X, Y, labels = data(toy, N)
    nparams = sum(p.size for p in params)
    print(f"  AlexNet{' (toy)' if toy else ''}: N={N}, {nparams / 1e6:.1f}M parameters",
          flush=True)
    for prec, dt in (("single", np.float32), ("double", np.float64)):
        backends.set_precision(prec)
        step = Step(g, toy, params, N)
        Xd, Yd = g.matrix(X), g.matrix(Y)
        first = []

        def run():
            r = step(Xd, Yd)
            if not first:
                first.append(r)
        t = timed(run, rep.repeat, sync)
        if toy and prec == "double":        # the first step, from the initial parameters
            check_against_torch(g, first[0], X, labels, params, N)
        ref, ref_name = None, ""
        if torch is not None:
            tdt = torch.float32 if dt == np.float32 else torch.float64
            ts = TorchStep(torch, "cuda", tdt, toy, params, N)
            tX = torch.as_tensor(X, dtype=tdt, device="cuda")
            tl = torch.as_tensor(labels, device="cuda")
            ref = timed(lambda: ts(tX, tl), rep.repeat, torch.cuda.synchronize)
            ref_name = "PyTorch"
            SHARED[("torch", np.dtype(dt).name)] = ref
            rep.report.add(f"AlexNet step N={N} {np.dtype(dt).name} PyTorch", ref)
            ts = tX = None
        SHARED[("kernels", np.dtype(dt).name)] = t
        rep.report.add(f"AlexNet step N={N} {np.dtype(dt).name} dmlpy", t, ref, ref_name)
        step = Xd = Yd = first = None
    backends.set_precision("double")


def dml(g, a, rep, torch):
    """The AlexNet step as DML (nn/networks/alexnet_wide.dml) with -gpu: benchmarks/gpu_dml.py."""
    import gpu_dml
    gpu_dml.dml(g, a, rep, torch, SHARED)


def sparse(g, a, rep, torch):
    """X %*% w and t(X) %*% (X %*% w), X sparse, with -gpu against SciPy: benchmarks/gpu_dml.py."""
    import gpu_dml
    gpu_dml.sparse(g, a, rep, torch, SHARED)


def check_against_torch(g, result, X, labels, params, N):
    """At toy size: the first step's loss and gradients against PyTorch's on the CPU (float64).
    The classifier's gradients must agree to rounding; the convolutions' need not, where pooling
    windows share a maximum (SystemDS keeps one window's gradient there, PyTorch adds them)."""
    from gpu_alexnet import TorchStep
    try:
        import torch
    except Exception:       # noqa: BLE001
        print("  (PyTorch not installed: the toy step is not checked against it)")
        return
    loss, grads = result
    tl, tg = TorchStep(torch, "cpu", torch.float64, True, params, N)(
        torch.as_tensor(X), torch.as_tensor(labels))
    worst = []
    for i, (d, t) in enumerate(zip(grads, tg)):
        d = g.to_host(d).reshape(-1)
        t = t.detach().numpy().reshape(-1)
        worst.append(float(np.max(np.abs(d - t)) / max(np.max(np.abs(t)), 1e-300)))
    print(f"  toy step vs PyTorch (CPU, float64): loss {loss:.12g} vs {tl.item():.12g}; "
          f"largest gradient difference per parameter (relative to its largest cell): "
          + " ".join(f"{w:.1e}" for w in worst), flush=True)
    if abs(loss - tl.item()) > 1e-9 * abs(tl.item()) or max(worst[-6:]) > 1e-9:
        raise RuntimeError("the toy AlexNet step differs from PyTorch's beyond rounding")


def tests(g, a, rep, torch):
    from dmlpy.backends.cuda import config
    if config.SIM:
        print("  (on the simulator the test set is tests/test_cuda_sim.py itself: not rerun)")
        return
    import importlib.util
    if importlib.util.find_spec("pytest") is None:
        raise RuntimeError("pytest is not installed: the test set cannot run")
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_ENABLE_CUDASIM"}
    env["DMLPY_CUDA_ON_DEVICE"] = "1"
    t = time.perf_counter()
    p = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                        "tests/test_cuda_sim.py"], cwd=ROOT, env=env, capture_output=True,
                       text=True, timeout=1200)
    secs = time.perf_counter() - t
    tail = p.stdout.strip().splitlines()[-1:] or ["(no output)"]
    print(f"  tests/test_cuda_sim.py on the device: {tail[0]} ({secs:.0f} s)", flush=True)
    if p.returncode:
        fails = [ln for ln in p.stdout.splitlines() if re.match(r"(FAILED|ERROR) ", ln)]
        raise RuntimeError(f"{len(fails)} failed: " + "; ".join(fails[:10]))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--smoke", action="store_true", help="toy sizes (runs on the simulator)")
    ap.add_argument("--repeat", type=int, default=3, help="timed runs (the best is kept)")
    ap.add_argument("--only", default=",".join(PARTS), help="parts: " + ",".join(PARTS))
    ap.add_argument("--json", help="also write the figures to this file")
    a = ap.parse_args(argv)
    parts = [p.strip() for p in a.only.split(",") if p.strip()]
    bad = [p for p in parts if p not in PARTS]
    if bad:
        ap.error(f"unknown part(s) {', '.join(bad)} (parts: {', '.join(PARTS)})")
    try:
        from dmlpy.backends import cuda as C
        ok, why = C.available()
    except Exception as e:      # noqa: BLE001 - numba missing or broken
        ok, why = False, f"{type(e).__name__}: {e}"
    if not ok:
        print(f"gpu.py: no usable GPU: {why}", file=sys.stderr)
        return 1
    if C.config.SIM and not a.smoke:
        print("gpu.py: numba's CUDA simulator measures nothing: --smoke runs the script at toy "
              "sizes on it; unset NUMBA_ENABLE_CUDASIM on a GPU", file=sys.stderr)
        return 1
    from dmlpy import backends
    import gpu_common
    from gpu_common import torch_cuda
    if a.smoke:
        a.repeat = 1
        gpu_common.WARM_UP[0] = False
    g = backends.get("cuda")
    torch, twhy = torch_cuda()
    print(f"device: {g.device}; CuPy: {'yes' if g.xp is not None else 'no (numba arrays)'}; "
          f"{twhy}; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
          f"{'; --smoke (toy sizes)' if a.smoke else ''}", flush=True)

    class Rep:                  # what the parts get: the repeat count and the report
        repeat = max(1, a.repeat)
        report = Report()
    for part in parts:
        print(f"{part}:", flush=True)
        try:
            globals()[part](g, a, Rep, torch)
        except Exception as e:  # noqa: BLE001 - one line, then the next part
            Rep.report.error(part, e)
        if a.json:              # after each part: a run stopped at its time limit keeps them
            Path(a.json).write_text(json.dumps({"device": g.device, "torch": twhy,
                                                "rows": Rep.report.rows,
                                                "errors": Rep.report.errors}, indent=1))
    return 1 if Rep.report.errors else 0


if __name__ == "__main__":
    sys.exit(main())
