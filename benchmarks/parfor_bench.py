"""parfor on one machine: 1 worker against 2, with threads and with forked processes as workers.

1. A parfor over 64 independent 500x500 solves (each iteration shifts a shared matrix's diagonal and
   solves against one column). dmlpy's solve is a Householder QR in SystemDS's arithmetic,
   compiled with Numba (it releases the GIL, so threads run it in parallel too).
2. A BLAS-bound body: 64 products of 500x500 matrices.
3. A scalar body: an interpreted scalar loop per iteration.
4. The overhead per parfor task: N trivial iterations (tasksize 1, 2 workers) against a plain for.
5. With dask.distributed installed: the solves on a LocalCluster of 1 and of 2 worker processes, and
   the overhead per task there.

    python benchmarks/parfor_bench.py [--reps 1] [--solves 64]
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from dmlpy import api  # noqa: E402

SOLVES = """
R = matrix(0, $n, 500)
parfor (i in 1:$n, par=$k) {
  Ai = A + diag(matrix(i, 500, 1))
  x = solve(Ai, B[, i])
  R[i, ] = t(x)
}
"""

PRODUCTS = """
R = matrix(0, 64, 500)
parfor (i in 1:64, par=$k) {
  P = (A + i) %*% A
  R[i, ] = colSums(P)
}
"""

SCALAR = """
R = matrix(0, 16, 1)
parfor (i in 1:16, par=$k) {
  s = 0
  for (j in 1:20000) { s = s + (i * j) %% 7 }
  R[i, 1] = s
}
"""

TRIVIAL = """
R = matrix(0, $n, 1)
{loop} (i in 1:$n{opts}) {{
  R[i, 1] = i
}}
"""


def best(fn, reps, warm=True):
    if warm:
        fn()
    out = float("inf")
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        out = min(out, time.perf_counter() - t0)
    return out


def compare(label, script, reps, warm=True, inputs=None, **args):
    """par=1, then par=2 with threads and with processes; prints the times and speed-ups."""
    inputs = inputs or {}
    progs = {k: api.prepare(script, inputs=list(inputs), outputs=["R"], args={"k": str(k), **args})
             for k in (1, 2)}
    times, results = {}, {}
    for name, k, kind in (("1 worker", 1, "threads"), ("2 threads", 2, "threads"),
                          ("2 processes", 2, "processes")):
        os.environ["DMLPY_PARFOR_WORKERS"] = kind
        if warm:
            progs[k](**inputs)
        t0 = time.perf_counter()
        results[name] = progs[k](**inputs)["R"]
        times[name] = min(time.perf_counter() - t0,
                          best(lambda k=k: progs[k](**inputs), reps - 1, False))
    os.environ.pop("DMLPY_PARFOR_WORKERS", None)
    first = results["1 worker"]
    # (BLAS with fewer threads per worker may round a product's sums in another order)
    assert all(np.allclose(first, r, rtol=1e-12, atol=0) for r in results.values()), "results differ"
    t1 = times["1 worker"]
    print(f"{label}: 1 worker {t1:.3f} s; 2 threads {times['2 threads']:.3f} s "
          f"({t1 / times['2 threads']:.2f}x); 2 processes {times['2 processes']:.3f} s "
          f"({t1 / times['2 processes']:.2f}x)", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=1)
    ap.add_argument("--solves", type=int, default=64)
    ap.add_argument("--no-dask", action="store_true", help="skip the Dask LocalCluster rows")
    a = ap.parse_args()
    rng = np.random.default_rng(7)
    A = rng.random((500, 500))
    B = rng.random((500, a.solves))
    compare(f"{a.solves} solves 500x500", SOLVES, a.reps, warm=False, inputs={"A": A, "B": B},
            n=str(a.solves))
    compare("64 products 500x500 (BLAS)", PRODUCTS, a.reps, inputs={"A": A})
    compare("scalar body (16 x 20000 steps)", SCALAR, a.reps)
    n = 20000
    ser = api.prepare(TRIVIAL.format(loop="for", opts=""), outputs=["R"], args={"n": str(n)})
    par = api.prepare(TRIVIAL.format(loop="parfor", opts=", par=2"), outputs=["R"], args={"n": str(n)})
    ts = best(ser, 3)
    for kind in ("threads", "processes"):
        os.environ["DMLPY_PARFOR_WORKERS"] = kind
        tp = best(par, 3)
        print(f"overhead per parfor task ({kind}, tasksize 1, 2 workers): {(tp - ts) / n * 1e6:.1f} us "
              f"(parfor {tp * 1e3:.1f} ms, for {ts * 1e3:.1f} ms over {n} iterations)", flush=True)
    os.environ.pop("DMLPY_PARFOR_WORKERS", None)
    if not a.no_dask:
        on_dask(a, A, B)


def on_dask(a, A, B):
    """The solves on a Dask LocalCluster of 1 and of 2 single-threaded worker processes (the
    program compiled once per worker: the first run is the warm-up), and the cost per task."""
    try:
        import distributed
    except ImportError:
        print("dask: not installed (pip install 'dmlpy[dask]'), skipped")
        return
    times = {}
    for workers in (1, 2):
        with distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                      dashboard_address=None, silence_logs=50) as cl, \
                distributed.Client(cl, set_as_default=False) as c:
            p = api.prepare(SOLVES, inputs=["A", "B"], outputs=["R"],
                            args={"k": str(workers), "n": str(a.solves)}, dask=c)
            times[workers] = best(lambda p=p: p(A=A, B=B), a.reps)
            if workers == 2:
                n = 400
                ser = api.prepare(TRIVIAL.format(loop="for", opts=""), outputs=["R"], args={"n": str(n)})
                par = api.prepare(TRIVIAL.format(loop="parfor", opts=", par=2"), outputs=["R"],
                                  args={"n": str(n)}, dask=c)
                ts, tp = best(ser, 3), best(par, 3)
    print(f"{a.solves} solves 500x500 on Dask (LocalCluster, 1-thread workers): 1 worker {times[1]:.3f} s; "
          f"2 workers {times[2]:.3f} s ({times[1] / times[2]:.2f}x)", flush=True)
    print(f"overhead per parfor task (Dask, tasksize 1, 2 workers): {(tp - ts) / n * 1e3:.2f} ms "
          f"(parfor {tp * 1e3:.0f} ms, for {ts * 1e3:.1f} ms over {n} iterations)", flush=True)


if __name__ == "__main__":
    main()
