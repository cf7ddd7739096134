"""Runs the CUDA backend's kernels on numba's CUDA simulator next to the CPU backend, on the same
inputs, and saves both results per case into an .npz (tests/test_cuda_sim.py starts this in a
subprocess with NUMBA_ENABLE_CUDASIM=1 and compares them). Usage: cuda_sim_worker.py OUT.npz

Fused cases are the programs dmlpy's planner makes for real DML expressions: the CPU backend's
fused kernel is wrapped to record each call (the Fused spec, the shape and broadcast kinds, the
inputs), and the same spec then runs on the CUDA backend.
"""
from __future__ import annotations

import os
import sys

import numpy as np

# expressions over X, Y (7 x 5), r (1 x 5), c (7 x 1), Z (7 x 5 with NaN, infinities, zeros)
FUSED = [
    "X * 2 + Y",
    "(X - Y) ^ 2 * Y + exp(-X)",
    "sum((X - mean(X)) ^ 2 * Y + exp(-X))",
    "sigmoid(X) * Y - 1 / (1 + exp(-Y))",
    "log(abs(X) + 0.5) + sqrt(abs(Y)) * 3",
    "log(X) + sqrt(Y) - 2",
    "X ^ Y + X ^ 3 - Y ^ 0.5",
    "X / Y - Y / X",
    "round(X * 3) + floor(Y * 2) - ceil(X) + sign(Y) + abs(X - 1)",
    "(X > Y) + (X <= 0.5) * 2 + (X == Y) - (X != 0) * 3 + ((X >= 0) & (Y < 0)) + ((X < Y) | (Y > 1))",
    "min(X, Y) * max(X, 0.25) - !(X > 0) + X",
    "exp(X * 400) - exp(-X * 800) + 1",
    "min(X * Y + 1)",
    "max(abs(X) - Y * 2)",
    "mean(X * Y + 1)",
    "rowSums(X * Y + 1)",
    "colSums(X ^ 2 - Y)",
    "X * r + c - X / r",
    "(X - c) ^ 2 * r / (Y + 3)",
    "exp(Z) + log(Z) * 0.5 - sqrt(Z)",
    "max(Z * 2 + 1)",
    "min(Z - X)",
    "round(Z) + floor(Z) * ceil(Z) + sign(Z) + Z ^ 2",
    "(((((X + 1) * (Y + 2)) - ((X - 3) * (Y - 4))) / (((X + 5) * (Y + 6)) + ((X - 7) * (Y - 8)))) "
    "+ ((((X * 9) - (Y * 10)) * ((X * 11) + (Y * 12))) - (((X / 13) + (Y / 14)) * ((X / 15) - (Y / 16)))))",
]


def inputs(dt=np.float64):
    rng = np.random.default_rng(7)
    X = rng.uniform(-2, 2, (7, 5))
    X[0, 0] = 0.0
    X[1, 2] = 0.5
    Y = rng.uniform(-1.5, 2.5, (7, 5))
    Y[1, 2] = 0.5
    Y[3, 1] = 0.0
    Y[4, 4] = 2.5          # a half for round
    Z = rng.uniform(-3, 3, (7, 5))
    Z[0, :] = [np.nan, np.inf, -np.inf, 0.0, -0.0]
    Z[1, :3] = [-0.5, 1.5, 2.5]
    return {"X": X.astype(dt), "Y": Y.astype(dt), "r": rng.uniform(0.5, 2, (1, 5)).astype(dt),
            "c": rng.uniform(-1, 1, (7, 1)).astype(dt), "Z": Z.astype(dt)}


def capture_fused(precision):
    """[(expression, Fused, ok, host inputs)] of the fused kernel calls the expressions make."""
    import dmlpy
    from dmlpy import backends
    from dmlpy.runtime import planops
    cpu = backends.get("cpu")
    orig = cpu.kernels["fused"]
    calls = []
    current = [None]

    def spy(f, ok, *vals):
        calls.append((current[0], f, ok, [v.copy() if isinstance(v, np.ndarray) else v
                                          for v in vals]))
        return orig(f, ok, *vals)
    cpu.kernels["fused"] = spy
    planops.FUSED_MIN_CELLS = 1
    try:
        ins = inputs()
        for e in FUSED:
            current[0] = e
            dmlpy.run(f"R = {e}", inputs=ins, outputs=["R"], precision=precision)
    finally:
        cpu.kernels["fused"] = orig
    return calls


def main(path):
    import warnings       # the simulator's NumPy scalars warn on 1/0, log(0), ... (per thread:
    warnings.simplefilter("ignore", RuntimeWarning)     # np.seterr would not reach its threads)
    from dmlpy import backends
    from dmlpy.backends.cuda import config
    from dmlpy.builtins.registry import lookup
    assert config.SIM or os.environ.get("DMLPY_CUDA_ON_DEVICE", "0") not in ("", "0")
    g = backends.get("cuda")
    cpu = backends.get("cpu")
    out = {"device": np.array(g.device)}

    from dmlpy.runtime.planops import to_precision

    def put(name, gpu, ref):
        out[name + "|gpu"] = np.asarray(g.to_host(gpu))
        if backends.PRECISION[0] == "single":    # as a single-precision run hands results on
            ref = to_precision(ref)
        out[name + "|cpu"] = np.asarray(ref)

    # fused programs made by the planner, double and single precision
    for precision in ("double", "single"):
        seen = {}
        for e, f, ok, vals in capture_fused(precision):
            k = seen[e] = seen.get(e, 0) + 1
            n = len(f.mats)
            dev = [g.matrix(v, v.dtype) for v in vals[:n]] + list(vals[n:])
            ref = cpu.kernels["fused"](f, ok, *[v.copy() if isinstance(v, np.ndarray) else v
                                                for v in vals])
            put(f"fused/{precision}/{FUSED.index(e)}.{k}", g.kernels["fused"](f, ok, *dev), ref)
        out[f"captured/{precision}"] = np.array([seen.get(e, 0) for e in FUSED])

    # reductions, transpose, products, row operations
    rng = np.random.default_rng(11)
    for dt in (np.float64, np.float32):
        tag = np.dtype(dt).name
        # the CPU builtins give float32 results inside a single-precision run only
        backends.set_precision("single" if dt == np.float32 else "double")
        A = rng.uniform(-1, 1, (7, 5)).astype(dt)
        W = rng.uniform(-1, 1, (7, 40)).astype(dt)       # rows wider than a block
        B = rng.uniform(-1, 1, (5, 9)).astype(dt)
        C = rng.uniform(-1, 1, (9, 5)).astype(dt)
        dA, dW, dB, dC = (g.matrix(m, dt) for m in (A, W, B, C))
        for name in ("sum", "min", "max", "mean", "rowSums", "colSums", "rowMins", "rowMaxs",
                     "colMins", "colMaxs"):
            for label, h, d in (("A", A, dA), ("W", W, dW)):
                put(f"reduce/{tag}/{name}/{label}", g.kernels[name](d), lookup(name).impl(h))
        put(f"reduce/{tag}/sumsq", g.kernels["sumsq"](dW), cpu.kernels["sumsq"](W))
        put(f"linalg/{tag}/transpose", g.kernels["transpose"](dW), W.T)
        put(f"linalg/{tag}/matmul", g.kernels["matmul"](dA, dB), cpu.kernels["matmul"](A, B))
        put(f"linalg/{tag}/matmul_tn", g.kernels["matmul_tn"](dA, dA),
            cpu.kernels["matmul_tn"](A, A))
        put(f"linalg/{tag}/matmul_nt", g.kernels["matmul_nt"](dA, dC),
            cpu.kernels["matmul_nt"](A, C))
        put(f"linalg/{tag}/tsmm_left", g.kernels["tsmm_left"](dA), cpu.kernels["tsmm_left"](A))
        b = rng.uniform(-1, 1, (4, 1)).astype(dt)
        Xb = rng.uniform(-1, 1, (3, 4 * 6)).astype(dt)
        put(f"rows/{tag}/bias_add", g.kernels["bias_add"](g.matrix(Xb, dt), g.matrix(b, dt)),
            lookup("bias_add").impl(Xb, b))
        put(f"rows/{tag}/bias_multiply", g.kernels["bias_multiply"](g.matrix(Xb, dt),
                                                                      g.matrix(b, dt)),
            lookup("bias_multiply").impl(Xb, b))
        S = (W * 20).astype(dt)
        import dmlpy
        ref = dmlpy.run("E = exp(S - rowMaxs(S))\nR = E / rowSums(E)", inputs={"S": S},
                        outputs=["R"], precision="single" if dt == np.float32 else "double")["R"]
        put(f"rows/{tag}/softmax", g.kernels["softmax"](g.matrix(S, dt)), ref)

    backends.set_precision("double")

    # register pressure: 15 values live at once run on the GPU, 17 more than its registers
    from dmlpy.plan.fuse import Fused
    X = inputs()["X"]
    for live in (15, 17):
        insts = [("ADD" if i % 2 else "MUL", 1 + i, 0, 0) for i in range(live)]
        acc = 1
        for i in range(1, live):
            insts.append(("SUB" if i % 3 else "ADD", live + i, acc, 1 + i))
            acc = live + i
        insts[-1] = insts[-1][:1] + (-1,) + insts[-1][2:]
        f = Fused(insts, [None], [], None, [0])
        put(f"fused/registers/{live}", g.kernels["fused"](f, (X.shape, [0]), g.matrix(X)),
            cpu.kernels["fused"](f, (X.shape, [0]), X.copy()))
        out[f"fused/registers/{live}/on_gpu"] = np.array(f.cuda_prog is not None)

    # allocation and conversion: values and dtypes
    for dt in (None, "f", "d"):
        tag = dt or "run"
        put(f"alloc/{tag}/zeros", g.zeros((3, 4), dt), cpu.zeros((3, 4), dt))
        put(f"alloc/{tag}/full", g.full((2, 3), 1.5, dt), cpu.full((2, 3), 1.5, dt))
        put(f"alloc/{tag}/eye", g.eye(4, dt), cpu.eye(4, dt))
        put(f"alloc/{tag}/arange", g.arange(6, dt), cpu.arange(6, dt))
        put(f"alloc/{tag}/matrix", g.matrix([[1, 2], [3, 4]], dt), cpu.matrix([[1, 2], [3, 4]], dt))
        m = g.matrix(np.arange(6.0).reshape(2, 3))
        put(f"alloc/{tag}/array", g.array(m, dt), cpu.array(np.arange(6.0).reshape(2, 3), dt))
        put(f"alloc/{tag}/empty", np.array(g.empty((2, 5), dt).shape + (np.dtype(
            g.empty((2, 5), dt).dtype).itemsize,)), np.array(cpu.empty((2, 5), dt).shape + (
                cpu.empty((2, 5), dt).dtype.itemsize,)))
    m = g.matrix(np.ones((2, 2)))
    out["alloc/identity"] = np.array([g.matrix(m) is m, g.array(m) is not m, g.is_matrix(m),
                                      not g.is_matrix(np.ones(2)), not g.is_matrix(1.0)])

    # the DNN kernels (conv2d, pooling, batch_norm2d, lstm and their backward passes)
    import cuda_sim_dnn
    cuda_sim_dnn.run(g, put, out)
    np.savez(path, **out)


if __name__ == "__main__":
    if os.environ.get("NUMBA_ENABLE_CUDASIM") != "1" and \
            os.environ.get("DMLPY_CUDA_ON_DEVICE", "0") in ("", "0"):
        sys.exit("run with NUMBA_ENABLE_CUDASIM=1 (or DMLPY_CUDA_ON_DEVICE=1 on a GPU)")
    main(sys.argv[1])
