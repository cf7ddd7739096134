"""Helpers of benchmarks/gpu.py: element-wise programs made by dmlpy's own planner and run by the
CUDA backend's fused kernel, the LARS update built from them, and timing on the device.

`Program(src, shapes)`: the DML assignment `R = <expr>` is run once on the CPU on tiny inputs of
the given shapes (row and column vectors broadcast as in DML), the fused kernel's call recorded;
calling the Program runs that Fused spec on device arrays (one kernel per call, plus a reduction
for sums). Scalars in the expression are either literals or named in `scalars`.
"""
from __future__ import annotations

import time

import numpy as np


def fused_calls(src, inputs):
    """The (Fused spec, ok) of each fused kernel call, in call order, that running the DML src on
    the CPU with these inputs makes (inputs of any size fused)."""
    import dmlpy
    from dmlpy import backends
    from dmlpy.runtime import planops
    cpu = backends.get("cpu")
    orig = cpu.kernels["fused"]
    calls = []

    def spy(f, ok, *vals):
        calls.append((f, ok))
        return orig(f, ok, *vals)
    cpu.kernels["fused"], old_min = spy, planops.FUSED_MIN_CELLS
    planops.FUSED_MIN_CELLS = 1
    try:
        dmlpy.run(src, inputs=inputs, outputs=[])
    finally:
        cpu.kernels["fused"], planops.FUSED_MIN_CELLS = orig, old_min
    return calls


class Program:
    def __init__(self, src, shapes, scalars=()):
        rng = np.random.default_rng(1)
        ins = {n: rng.uniform(0.1, 1, s) for n, s in shapes.items()}
        ins.update({n: 0.5 for n in scalars})
        calls = [f for f, _ in fused_calls(src, ins)]
        if len(calls) != 1:
            raise RuntimeError(f"{src!r} made {len(calls)} fused kernels, not one")
        self.f = calls[0]
        self.src = src
        self.names = [m.value for m in self.f.mats]
        self.scalars = []
        for s in self.f.scalars:
            if s.op.name == "CONST":
                self.scalars.append(float(s.value))
            elif s.op.name == "VAR" and s.value in scalars:
                self.scalars.append(s.value)
            else:
                raise RuntimeError(f"{src!r}: unexpected scalar input {s.op} {s.value!r}")

    @classmethod
    def single(cls, op, a, b):
        """The one-operation program `R = a op b` (the planner fuses two operations or more):
        a names a matrix; b names a matrix or is a number. op: an opcode of
        dmlpy.kernels.fused (ADD, MAX2, ...)."""
        from dmlpy.plan.fuse import Fused
        p = cls.__new__(cls)
        mats = [a] + ([b] if isinstance(b, str) else [])
        p.f = Fused([(op, -1, 0, 1)], [None] * len(mats), [None] * (2 - len(mats)), None,
                    [0, 1])
        p.src, p.names = f"R = {op}({a}, {b})", mats
        p.scalars = [] if isinstance(b, str) else [float(b)]
        return p

    def __call__(self, g, **vals):
        mats = [vals[n] for n in self.names]
        rows = max(m.shape[0] for m in mats)
        cols = max(m.shape[1] for m in mats)
        kinds = [0 if m.shape == (rows, cols) else 1 if m.shape[0] == 1 else 2 for m in mats]
        sc = [vals[s] if isinstance(s, str) else s for s in self.scalars]
        return g.kernels["fused"](self.f, ((rows, cols), kinds), *mats, *sc)


class Lars:
    """The LARS update of nn/optim/lars.dml on device arrays: the layer's trust ratio from the
    norms of X and dX (two sums of squares; the global rate for vectors and tiny X), then
    v = mu*v - local_lr*(dX + lambda*X) and X = X + v, each one fused kernel. Bytes moved at
    least: read X, dX (norms), read X, dX, v, write v, X: 7 per parameter and itemsize."""

    def __init__(self, lr=0.01, mu=0.9, lam=0.0005, trust=0.001):
        self.lr, self.mu, self.lam, self.trust = lr, mu, lam, trust
        s = (4, 3)
        self.vel = Program(f"R = {mu} * v - llr * (dX + {lam} * X)", {"v": s, "dX": s, "X": s},
                           scalars=("llr",))
        self.upd = Program.single("ADD", "X", "v")

    def __call__(self, g, X, dX, v):
        """(new X, new v)."""
        from dmlpy.backends.cuda import reduce
        llr = self.lr
        if X.shape[0] > 1 and X.shape[1] > 1:          # (biases: the global rate)
            w = float(np.sqrt(reduce.total(X, "sumsq")))
            if w >= 1e-3:
                gn = float(np.sqrt(reduce.total(dX, "sumsq")))
                llr = self.lr * self.trust * w / (gn + self.lam * w + 1e-8)
        v = self.vel(g, v=v, dX=dX, X=X, llr=llr)
        return self.upd(g, X=X, v=v), v


def torch_lars(torch, X, dX, v, lr=0.01, mu=0.9, lam=0.0005, trust=0.001):
    """The same update in PyTorch, in place (X, v)."""
    llr = lr
    if X.dim() >= 2 and X.shape[0] > 1 and X.numel() // X.shape[0] > 1:   # (DML: F x CKK)
        w = X.norm()
        if w.item() >= 1e-3:        # (one synchronisation, as the CUDA backend's norms)
            llr = lr * trust * w / (dX.norm() + lam * w + 1e-8)
    v.mul_(mu).sub_(llr * (dX + lam * X))
    X.add_(v)


WARM_UP = [True]        # benchmarks/gpu.py --smoke: no warm-up run


def timed(fn, repeat, sync):
    """Best wall time of fn() over repeat runs after a warm-up run, the device synchronised."""
    if WARM_UP[0]:
        fn()
        sync()
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        sync()
        best = min(best, time.perf_counter() - t)
    return best


def torch_cuda():
    """PyTorch when it is installed with a usable CUDA device, else (None, why)."""
    try:
        import torch
    except Exception as e:      # noqa: BLE001 - not installed, or broken
        return None, f"PyTorch is not installed ({type(e).__name__})"
    if not torch.cuda.is_available():
        return None, f"PyTorch {torch.__version__} sees no CUDA device"
    torch.backends.cuda.matmul.allow_tf32 = False       # as the CUDA backend: no TF32
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cudnn.benchmark = True
    return torch, f"PyTorch {torch.__version__} on {torch.cuda.get_device_name(0)}"
