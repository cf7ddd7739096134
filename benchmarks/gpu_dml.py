"""Parts of benchmarks/gpu.py that run DML itself with -gpu (dmlpy.prepare(..., backend="cuda")):

- `dml`: the AlexNet training step of nn/networks/alexnet_wide.dml (forward, backward, the LARS
  update through the network's own update function), without LRN, dropout and batch
  normalisation, with the max_pool_backward builtin (exact_pool=FALSE): the network of
  gpu_alexnet.py and of its PyTorch step. The parameters are made once by the network's init on
  the CPU; the step is one prepared program (compiled once) called repeatedly: the first call
  gets NumPy arrays (uploads, JIT compilation), each later call the device values the previous
  one returned (model, optimizer state) and X, Y already on the device, as a training loop
  keeps them. Reported: the first call, and the best later step. One more step runs with the
  placement's --stats report (device time per operation, transfers, operations on the CPU).
  With --smoke: a toy network on the simulator, its loss and updated model against the same
  prepared program on the CPU backend.
- `sparse` (issue 15): X %*% w and t(X) %*% (X %*% w) with X = rand(200000 x 100000,
  sparsity=0.0005, seed=7) held sparse, through -gpu (cuSPARSE through CuPy where CuPy is
  installed, else the host's sparse kernels), against SciPy on the host. The time of one
  product is the difference between a run of 11 products and a run of 1, over 10 (the upload of
  X and the run's fixed costs cancel); the upload is the run of 1 less one product.
"""
from __future__ import annotations

import time

import numpy as np

STEP = """
source("nn/networks/alexnet_wide.dml") as alexnet
[loss, grads, probs, emas] = alexnet::gradients(X, Y, model, arch, emas, $lambda, 99, FALSE)
[model, state] = alexnet::update(model, grads, state, arch, "lars", $lr, 0, lambda=$lambda,
                                 trust_coeff=0.001)
"""
INIT = """
source("nn/networks/alexnet_wide.dml") as alexnet
[model, arch, emas] = alexnet::init($C, $H, $H, $K, 42, $extra use_lrn=FALSE, dropout_keep=1.0,
                                    exact_pool=FALSE)
state = alexnet::init_optim(model, "lars")
"""
TOY = dict(C=1, H=8, K=4, N=2, extra="f1=2, f2=3, f3=3, f4=3, f5=2, fc=6, conv1_size=3, "
                                    "conv1_stride=1, conv1_pad=1, pool_pad=1,")
FULL = dict(C=3, H=224, K=1000, N=256, extra="")
ARGS = {"lambda": 5e-4, "lr": 0.01}
IN = ["X", "Y", "model", "arch", "emas", "state"]
OUT = ["loss", "model", "state", "emas"]


def _sync(g):
    g.synchronize()


def _init(cfg):
    """(model, arch, emas, state) from the network's init, on the CPU, as Python values."""
    import dmlpy
    src = INIT.replace("$extra", cfg["extra"])
    for k in ("C", "H", "K"):
        src = src.replace(f"${k}", str(cfg[k]))
    r = dmlpy.run(src, outputs=["model", "arch", "emas", "state"])
    return r["model"], r["arch"], r["emas"], r["state"]


def _data(cfg, seed=1):
    rng = np.random.default_rng(seed)
    N, K = cfg["N"], cfg["K"]
    X = rng.uniform(0, 1, (N, cfg["C"] * cfg["H"] * cfg["H"]))
    Y = np.zeros((N, K))
    Y[np.arange(N), rng.integers(0, K, N)] = 1.0
    return X, Y


class _Capture:
    """The Placement of the next -gpu run, with --stats timing on (place.activate wrapped)."""

    def __enter__(self):
        from dmlpy.backends.cuda import place
        self.place, self.orig, self.P = place, place.activate, None

        def activate(stats=None):
            token = self.orig(stats)
            token[1].timed = True
            self.P = token[1]
            return token
        place.activate = activate
        return self

    def __exit__(self, *exc):
        self.place.activate = self.orig


def _prepare(backend, precision):
    import dmlpy
    src = STEP
    for k, v in ARGS.items():
        src = src.replace(f"${k}", repr(v))
    return dmlpy.prepare(src, inputs=IN, outputs=OUT, precision=precision, backend=backend)


def _call(p, values):
    """The prepared program on DML values, its results as they are (device values stay there)."""
    return p.program(*values)


def _first_values(X, Y, model, arch, emas, state):
    from dmlpy.api import to_dml
    return [to_dml(v, n) for v, n in zip((X, Y, model, arch, emas, state), IN)]


def dml(g, a, rep, torch, shared):
    """The DML AlexNet step with -gpu (see the module's docstring)."""
    from dmlpy import backends
    from dmlpy.backends.cuda.place import DeviceMatrix
    cfg = TOY if a.smoke else FULL
    N = cfg["N"]
    t0 = time.perf_counter()
    model, arch, emas, state = _init(cfg)
    X, Y = _data(cfg)
    nparams = sum(np.asarray(m).size for m in model)
    print(f"  DML AlexNet{' (toy)' if a.smoke else ''} (nn/networks/alexnet_wide.dml): N={N}, "
          f"{nparams / 1e6:.2f}M parameters, init on the CPU {time.perf_counter() - t0:.1f} s",
          flush=True)
    for prec, dt in (("single", np.float32), ("double", np.float64)):
        name = np.dtype(dt).name
        t = time.perf_counter()
        p = _prepare("cuda", prec)
        compile_s = time.perf_counter() - t
        t = time.perf_counter()
        r = _call(p, _first_values(X, Y, model, arch, emas, state))
        _sync(g)
        first = time.perf_counter() - t
        losses = [float(r["loss"])]
        if a.smoke:             # the first step, from the initial model, against the CPU's
            _check_against_cpu(prec, X, Y, model, arch, emas, state, r)
        backends.set_precision(prec)
        try:
            Xd, Yd = DeviceMatrix(g.matrix(X)), DeviceMatrix(g.matrix(Y))
        finally:
            backends.set_precision("double")
        best = float("inf")
        for _ in range(0 if a.smoke else rep.repeat):     # (--smoke: the stats step only)
            t = time.perf_counter()
            r = _call(p, [Xd, Yd, r["model"], arch_v(arch), r["emas"], r["state"]])
            _sync(g)
            best = min(best, time.perf_counter() - t)
            losses.append(float(r["loss"]))
        with _Capture() as cap:
            t = time.perf_counter()
            r = _call(p, [Xd, Yd, r["model"], arch_v(arch), r["emas"], r["state"]])
            _sync(g)
            if a.smoke:
                best = time.perf_counter() - t
                losses.append(float(r["loss"]))
        rep.report.add(f"AlexNet step N={N} {name} DML -gpu, first call", first,
                       note=f"(compile {compile_s:.2f} s, uploads, JIT)")
        ref = shared.get(("torch", name))
        rep.report.add(f"AlexNet step N={N} {name} DML -gpu", best, ref,
                       "PyTorch" if ref else "", f"losses {' '.join(f'{x:.6g}' for x in losses)}")
        kern = shared.get(("kernels", name))
        if kern:
            print(f"  {'':48s} {'':13s} {kern * 1e3:10.3f}  {best / kern:6.3f}x the kernel-built "
                  f"step", flush=True)
        print("  one step's placement (--stats, device synchronised after each operation):")
        print("    " + cap.P.report().replace("\n", "\n    "), flush=True)
        fallbacks = sorted({op for (op, _) in cap.P.cpu})
        print(f"  CPU fallbacks in the {name} step: {', '.join(fallbacks) or 'none'}", flush=True)
        p = r = Xd = Yd = None


def arch_v(arch):
    from dmlpy.api import to_dml
    return to_dml(arch, "arch")


def _check_against_cpu(prec, X, Y, model, arch, emas, state, r_gpu):
    """At toy size: the first step's loss and updated model on the GPU (r_gpu) equal the CPU
    backend's from the same inputs."""
    from dmlpy.api import from_dml
    vals = _first_values(X, Y, model, arch, emas, state)
    cpu = {k: from_dml(v) for k, v in _call(_prepare("cpu", prec), vals).items()}
    gpu = {k: from_dml(r_gpu[k]) for k in ("loss", "model")}
    tol = 1e-9 if prec == "double" else 1e-4
    dl = abs(gpu["loss"] - cpu["loss"]) / max(abs(cpu["loss"]), 1e-300)
    dm = max(float(np.max(np.abs(np.asarray(m1) - np.asarray(m2))) /
                   max(float(np.max(np.abs(np.asarray(m2)))), 1e-300))
             for m1, m2 in zip(gpu["model"], cpu["model"]))
    print(f"  toy DML step, GPU vs CPU backend ({prec}): loss {gpu['loss']:.12g} vs "
          f"{cpu['loss']:.12g} (relative {dl:.1e}); updated model, largest relative "
          f"difference {dm:.1e}", flush=True)
    if not (dl <= tol and dm <= tol):
        raise RuntimeError(f"the toy DML AlexNet step on the GPU differs from the CPU's "
                           f"({prec}: loss {dl:.1e}, model {dm:.1e}, tolerance {tol:g})")


# ------------------------------------------------------------------ sparse (issue 15)
SPARSE = """
X = rand(rows=$rows, cols=$cols, sparsity=$sp, seed=7)
"""
PRODUCTS = {
    "X %*% w": "acc = matrix(0, rows=nrow(X), cols=1)\n"
               "for (i in 1:$n) { acc = acc + X %*% w }\n",
    "t(X) %*% (X %*% w)": "acc = matrix(0, rows=ncol(X), cols=1)\n"
                          "for (i in 1:$n) { acc = acc + t(X) %*% (X %*% w) }\n",
}


_NO_CUPY = "no: the products run on the host"


def sparse(g, a, rep, torch, shared):
    import dmlpy
    rows, cols, sp = (2000, 1000, 0.005) if a.smoke else (200000, 100000, 0.0005)
    t = time.perf_counter()
    X = dmlpy.run(SPARSE.replace("$rows", str(rows)).replace("$cols", str(cols))
                  .replace("$sp", str(sp)), outputs=["X"])["X"]
    if type(X).__name__ != "csr_array":
        raise RuntimeError(f"rand gave a {type(X).__name__}, not a sparse matrix")
    w = np.random.default_rng(3).uniform(-1, 1, (cols, 1))
    print(f"  X: {rows}x{cols}, {X.nnz / 1e6:.2f}M non-zeros (rand on the CPU "
          f"{time.perf_counter() - t:.1f} s); CuPy: {'yes' if g.xp is not None else _NO_CUPY}",
          flush=True)
    from dmlpy.api import to_dml
    from gpu_common import timed
    Xv, wv = to_dml(X, "X"), to_dml(w, "w")     # (converted once: the runs below share them)
    for what, body in PRODUCTS.items():
        ref = timed(lambda: X @ w if what == "X %*% w" else X.T @ (X @ w), rep.repeat, lambda: None)
        want = (X @ w) if what == "X %*% w" else X.T @ (X @ w)
        ps = {n: dmlpy.prepare(body.replace("$n", str(n)), inputs=["X", "w"], outputs=["acc"],
                               backend="cuda") for n in (1, 11)}
        res, secs = {}, {}
        for n, p in ps.items():
            def go():
                res[n] = p.program(Xv, wv)["acc"]
            secs[n] = timed(go, rep.repeat, g.synchronize)
        one = max((secs[11] - secs[1]) / 10, 1e-9)
        from dmlpy.backends.cuda.place import host
        got = np.asarray(host(res[11], "check")) / 11
        err = float(np.max(np.abs(got - want)) / max(float(np.max(np.abs(want))), 1e-300))
        if err > 1e-9:
            raise RuntimeError(f"{what}: -gpu differs from SciPy (relative {err:.1e})")
        rep.report.add(f"{what} sparse -gpu", one, ref, "SciPy (host)",
                       f"(run of 1: {secs[1] * 1e3:.1f} ms, with the upload; rel. diff {err:.0e})")
        with _Capture() as cap:
            ps[1].program(Xv, wv)
            g.synchronize()
        where = [f"{op} x{n}" for op, (n, _) in cap.P.ops.items() if "%*%" in op]
        cpu = [f"{op} x{n} ({why})" for (op, why), n in cap.P.cpu.items()]
        print(f"    one product: on the device {', '.join(where) or '-'}; on the CPU "
              f"{', '.join(cpu) or '-'}; transfers to the device {cap.P.h2d[0]} "
              f"({cap.P.h2d[1] / 1e6:.1f} MB)", flush=True)
