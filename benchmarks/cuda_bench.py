"""The CUDA backend's kernels on a real NVIDIA GPU (issue 9), next to CuPy/cuBLAS when installed:

- GEMM 8192^3 in float64 and float32: the backend's numba.cuda tiled GEMM (the fallback without
  CuPy) and cuBLAS through CuPy (TF32 off: CuPy uses it only with CUPY_TF32=1);
- the fused chain sum((X - mean(X))^2 * Y + exp(-X)) over 8192 x 8192 doubles (mean(X) one
  reduction, then one fused kernel that reads X and Y once), against the bandwidth of a copy;
- the LARS update over 62.4M doubles (nn/optim/lars.dml: two sums of squares, then
  v = mu*v - eff_lr*(dX + lambda*X) and X = X + v as two fused kernels), against the
  memory-bandwidth limit: the time to move the bytes the update must move at least (read X,
  dX for the norms; read X, dX, v and write X, v for the update: 7 x 8 bytes per parameter) at
  the copy bandwidth measured on the same device.

Fused specs come from dmlpy's own planner: the DML is run once on a tiny input on the CPU and the
fused kernel's calls are recorded, then the same spec runs on the device. Prints a table.
Without a usable GPU it says why and exits 0 (the simulator is refused unless --allow-simulator,
with --quick: tiny sizes, to check that the script runs).

    python benchmarks/cuda_bench.py [--quick] [--repeat 3] [--allow-simulator]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from gpu_common import fused_calls, timed  # noqa: E402 - benchmarks/ is the script's folder


def fused_specs(src, names):
    """The Fused specs (with their ok = (shape, kinds)) of the fused kernel calls a DML run makes
    on tiny inputs, in call order."""
    rng = np.random.default_rng(1)
    return fused_calls(src, {n: rng.uniform(0.1, 1, (4, 3)) for n in names})


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="tiny sizes (a smoke run)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--allow-simulator", action="store_true")
    a = ap.parse_args(argv)
    from dmlpy.backends import cuda as C
    ok, why = C.available()
    if not ok or (C.config.SIM and not a.allow_simulator):
        print(f"cuda_bench: skipped: {why if not ok else 'the simulator measures nothing'}")
        return 0
    from numba import cuda
    from dmlpy import backends
    from dmlpy.backends.cuda import linalg, reduce
    g = backends.get("cuda")
    cp = g.xp
    sync = cuda.synchronize
    rows = []
    n_gemm = 8 if a.quick else 8192
    cells = (8, 8) if a.quick else (8192, 8192)
    lars = (8, 10) if a.quick else (62400, 1000)
    rng = np.random.default_rng(0)

    def put(what, secs, work, unit, ref=None, note=""):
        rows.append((what, secs, work / secs, unit, (ref / secs) if ref else None, note))

    # ---------------------------------------------------------------- GEMM
    flop = 2.0 * n_gemm ** 3
    for dt in (np.float64, np.float32):
        A = g.matrix(rng.uniform(-1, 1, (n_gemm, n_gemm)), dt)
        B = g.matrix(rng.uniform(-1, 1, (n_gemm, n_gemm)), dt)
        ref = None
        if cp is not None:
            ref = timed(lambda: A @ B, a.repeat, sync)
            put(f"GEMM {n_gemm}^3 {np.dtype(dt).name} cuBLAS (CuPy)", ref, flop / 1e12, "TFLOP/s")
        t = timed(lambda: linalg.gemm(A, B), a.repeat, sync)
        put(f"GEMM {n_gemm}^3 {np.dtype(dt).name} numba tiled", t, flop / 1e12, "TFLOP/s",
            ref, "x of cuBLAS's speed" if ref else "")


    # ---------------------------------------------------------------- copy bandwidth
    X = g.matrix(rng.uniform(0.1, 1, cells))
    Y = g.matrix(rng.uniform(0.1, 1, cells))
    nbytes = X.size * 8
    if cp is not None:
        t_copy = timed(lambda: cp.copyto(Y, X), a.repeat, sync)
    else:
        from dmlpy.backends.cuda import arrays
        t_copy = timed(lambda: arrays.convert(X, np.float64), a.repeat, sync)
    bw = 2 * nbytes / t_copy
    put(f"copy {cells[0]}x{cells[1]} doubles", t_copy, 2 * nbytes / 1e9, "GB/s")

    # ---------------------------------------------------------------- fused chain
    (f, ok), = fused_specs("r = sum((X - mean(X))^2 * Y + exp(-X))", ["X", "Y"])
    k = g.kernels["fused"]
    shape = (cells, ok[1])

    assert [m.value for m in f.mats] == ["X", "Y"], f.describe()

    def chain():
        m = reduce.mean(X)
        return k(f, shape, X, Y, *[m if s.op.name == "MEAN" else _const(s) for s in f.scalars])
    t = timed(chain, a.repeat, sync)
    put("fused sum((X-mean(X))^2*Y+exp(-X))", t, 3 * nbytes / 1e9, "GB/s", 3 * nbytes / bw / 1,
        "x of the bandwidth limit (3 reads)")

    # ---------------------------------------------------------------- LARS update
    src = ("w = sqrt(sum(X^2))\ng = sqrt(sum(dX^2))\nlr = 0.1 * 0.001 * w / (g + 0.0005 * w + 1e-8)\n"
           "v = 0.9 * v - lr * (dX + 0.0005 * X)\nX = X + v\n")
    specs = fused_specs(src, ["X", "dX", "v"])
    assert len(specs) == 2, [s[0].describe() for s in specs]
    (fv, okv), (fx, okx) = specs
    P = g.matrix(rng.uniform(-1, 1, lars))
    dP = g.matrix(rng.uniform(-1, 1, lars) * 1e-3)
    V = g.zeros(lars)
    state = {"X": P, "v": V}

    def update():
        Xc, Vc = state["X"], state["v"]
        w = np.sqrt(reduce.total(Xc, "sumsq"))
        gn = np.sqrt(reduce.total(dP, "sumsq"))
        lr = 0.1 * 0.001 * w / (gn + 0.0005 * w + 1e-8)
        vals = {"X": Xc, "dX": dP, "v": Vc}
        Vn = k(fv, (lars, okv[1]), *[vals[m.value] for m in fv.mats],
               *[lr if s.op.name == "VAR" and s.value == "lr" else _const(s) for s in fv.scalars])
        vals["v"] = Vn
        Xn = k(fx, (lars, okx[1]), *[vals[m.value] for m in fx.mats],
               *[_const(s) for s in fx.scalars])
        state["X"], state["v"] = Xn, Vn
    t = timed(update, a.repeat, sync)
    pbytes = P.size * 8
    limit = 7 * pbytes / bw
    put(f"LARS update {P.size / 1e6:.1f}M doubles", t, 9 * pbytes / 1e9, "GB/s", limit,
        f"x of the limit ({limit * 1e3:.2f} ms: 7 x 8 B/param at the copy bandwidth)")

    print(f"device: {g.device}; CuPy: {'yes' if cp is not None else 'no'}")
    print(f"{'workload':44s} {'ms':>10s} {'rate':>10s} {'unit':8s} ratio")
    for what, secs, rate, unit, ratio, note in rows:
        r = f"{ratio:.3f} {note}" if ratio is not None else ""
        print(f"{what:44s} {secs * 1e3:10.3f} {rate:10.2f} {unit:8s} {r}")
    return 0


def _const(node):
    """The value of a constant scalar input of a Fused spec."""
    from dmlpy.plan.ir import Op
    if node.op is Op.CONST:
        return float(node.value)
    raise SystemExit(f"cuda_bench: unexpected scalar input {node.op} {node.value!r}")


if __name__ == "__main__":
    sys.exit(main())
