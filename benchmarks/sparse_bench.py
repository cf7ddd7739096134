"""Sparse workloads of issue 15 in one run: dmlpy against SystemDS 3.4 and plain SciPy code.

X = rand(rows=200000, cols=100000, sparsity=0.0005, seed=7) (10M non-zeros), w a dense column:
creation, X %*% w, t(X) %*% (X %*% w), colSums(X), sum(X^2), ten iterations of conjugate
gradient for least squares (the loop of SystemDS's lmCG, written out below), and sum(X),
rowSums(X), rowMaxs(X). Every (system, op) pair runs in a fresh process, --reps times with the
systems interleaved (this machine's speed drifts by tens of percent from minute to minute); the
table gives the median seconds, the largest peak RSS (from wait4: the op plus the creation of X)
and the ratio to SciPy. The seconds are measured inside the script around the op alone
(creation: around rand plus a sum that forces it), so a first use in the process (dmlpy importing
a module or loading a compiled kernel, SystemDS's JIT) is counted. dmlpy runs each script once
untimed before its first timed run, so that Numba's on-disk caches hold its compiled kernels (a
first run compiles each fused kernel: seconds apiece). A dmlpy op that fails (e.g. an operation
not sparse yet, which densifies and then fails the memory check) is printed as an error with its
message.

    python benchmarks/sparse_bench.py [--systems dmlpy,sysds,scipy] [--ops create,mv,...]
        [--rows 200000 --cols 100000 --sparsity 0.0005] [--reps 3]
"""
from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile

from bench_procs import DMLPY, ROOT, SYSDS, run_process  # noqa: E402

# --------------------------------------------------------------------------- the workloads
# Each op: DML run between the two time() calls (in its own statement block, guarded by a
# condition unknown when compiling, so SystemDS neither moves nor folds it), the same in SciPy.
OPS = {
    "create": ("rand + sum",
               "X = rand(rows=$R, cols=$C, sparsity=$S, seed=7)\n  res = sum(X)",
               "X = make($R, $C, $S)\nres = X.sum()"),
    "mv": ("X %*% w", "y = X %*% w\n  res = sum(y)", "y = X @ w\nres = y.sum()"),
    "tmv": ("t(X) %*% (X %*% w)", "g = t(X) %*% (X %*% w)\n  res = sum(g)",
            "g = X.T @ (X @ w)\nres = g.sum()"),
    "colsums": ("colSums(X)", "cs = colSums(X)\n  res = sum(cs)",
                "cs = np.asarray(X.sum(axis=0)).ravel()\nres = cs.sum()"),
    "sumsq": ("sum(X^2)", "res = sum(X^2)", "res = (X.data ** 2).sum()"),
    "sum": ("sum(X)", "res = sum(X)", "res = X.sum()"),
    "rowsums": ("rowSums(X)", "rs = rowSums(X)\n  res = sum(rs)",
                "rs = X.sum(axis=1)\nres = rs.sum()"),
    "rowmaxs": ("rowMaxs(X)", "rm = rowMaxs(X)\n  res = sum(rm)",
                "rm = X.max(axis=1).toarray()\nres = rm.sum()"),
    "cg10": ("10 iterations of CG (lmCG)", """r = -(t(X) %*% yv)
  p = -r
  beta = matrix(0, rows=ncol(X), cols=1)
  nr2 = sum(r^2)
  i = 0
  while (i < 10) {
    q = t(X) %*% (X %*% p) + 0.000001 * p
    alpha = nr2 / sum(p * q)
    beta = beta + alpha * p
    r = r + alpha * q
    old = nr2
    nr2 = sum(r^2)
    p = -r + (nr2 / old) * p
    i = i + 1
  }
  res = sum(beta)""", """r = -(X.T @ yv)
p = -r
beta = np.zeros(X.shape[1])
nr2 = (r * r).sum()
for i in range(10):
    q = X.T @ (X @ p) + 0.000001 * p
    alpha = nr2 / (p * q).sum()
    beta = beta + alpha * p
    r = r + alpha * q
    old = nr2
    nr2 = (r * r).sum()
    p = -r + (nr2 / old) * p
res = beta.sum()"""),
}

DML_TEMPLATE = """w = rand(rows=$C, cols=1, seed=1)
yv = rand(rows=$R, cols=1, seed=3)
guard = sum(w) + sum(yv)
$MAKE
if (guard > -1) {
  t0 = time()
}
if (guard > -2) {
  $OP
}
if (guard > -3) {
  t1 = time()
  print("RESULT " + res)
  print("MS " + (t1 - t0) / 1000000)
}
"""

PY_TEMPLATE = """import time, numpy as np, scipy.sparse as sp
g = np.random.default_rng(1)
w = g.random($C)
yv = g.random($R)


def make(rows, cols, s):
    # uniform random cells (sp.random is far too slow at this size): sorted unique positions
    r = np.random.default_rng(7)
    keys = np.sort(r.integers(0, rows * cols, int(round(s * rows * cols)), dtype=np.int64))
    keys = keys[np.concatenate(([True], keys[1:] != keys[:-1]))]      # (np.unique is slow here)
    indptr = np.searchsorted(keys, np.arange(rows + 1, dtype=np.int64) * cols)
    return sp.csr_array((r.random(keys.size), (keys % cols).astype(np.int32),
                         indptr.astype(np.int32)), shape=(rows, cols))


$MAKE
t0 = time.perf_counter()
$OP
t1 = time.perf_counter()
print("RESULT", float(res))
print("MS", (t1 - t0) * 1000)
"""


def _subst(text, a):
    return text.replace("$R", str(a.rows)).replace("$C", str(a.cols)).replace("$S", str(a.sparsity))


def _script(system, op, a):
    # X is forced by an aggregate before the timer starts: max(X) where the op is sum(X) itself
    # (dmlpy would reuse the earlier sum(X) of the unchanged X)
    force = "max" if op == "sum" else "sum"
    dml_make = ("X = rand(rows=$R, cols=$C, sparsity=$S, seed=7)\nif (guard > -4) {\n"
                f"  print(\"{force} \" + {force}(X))\n}}")
    py_make = "X = make($R, $C, $S)"
    if system == "scipy":
        make = "" if op == "create" else py_make
        return _subst(PY_TEMPLATE.replace("$MAKE", make).replace("$OP", OPS[op][2]), a)
    make = "" if op == "create" else dml_make
    return _subst(DML_TEMPLATE.replace("$MAKE", make).replace("$OP", OPS[op][1]), a)


def _whole_script(system, ops, a):
    """One script doing every op in turn (creation first), timed as a whole: the peak RSS of a
    script that holds X and runs all of the workloads (the issue's "whole script")."""
    ops = ["create"] + [o for o in ops if o != "create"]
    if system == "scipy":
        body = "\n".join(OPS[o][2] for o in ops)
        text = PY_TEMPLATE.replace("$MAKE", "").replace("$OP", body)
    else:
        body = "\n".join("if (guard > -2) {\n  " + OPS[o][1] + f"\n  print(\"{o} \" + res)\n}}"
                         for o in ops)
        text = DML_TEMPLATE.replace("$MAKE", "").replace("if (guard > -2) {\n  $OP\n}", body)
    return _subst(text, a)


def run_one(system, op, a, tmp, warm=True):
    path = os.path.join(tmp, f"{system}_{op}.{'py' if system == 'scipy' else 'dml'}")
    with open(path, "w") as f:
        f.write(_whole_script(system, a.ops.split(","), a) if op == "whole" else _script(system, op, a))
    if system == "scipy":
        cmd = [sys.executable, path]
    elif system == "sysds":
        cmd = [SYSDS, "-f", path]
    else:
        cmd = [DMLPY, "-f", path]
    if system == "dmlpy" and a.warmup and warm:
        run_process(cmd, a.timeout)        # fills Numba's on-disk caches (fused kernels compile once)
    text, rc, rss, wall = run_process(cmd, a.timeout)
    ms = re.search(r"^MS ([0-9.eE+-]+)", text, re.M)
    res = re.search(r"^RESULT (\S+)", text, re.M)
    if rc != 0 or ms is None:
        err = [l for l in text.strip().splitlines() if "error" in l.lower() or "exception" in l.lower()]
        msg = (err[0] if err else (text.strip().splitlines() or ["?"])[-1]).strip()
        if "dense" in msg:
            msg = "densified: " + msg
        return {"err": msg[:110], "rss": rss, "wall": wall}
    return {"s": float(ms.group(1)) / 1000, "rss": rss, "res": res.group(1) if res else "?",
            "wall": wall}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--systems", default="dmlpy,sysds,scipy")
    ap.add_argument("--ops", default=",".join(OPS))
    ap.add_argument("--rows", type=int, default=200000)
    ap.add_argument("--cols", type=int, default=100000)
    ap.add_argument("--sparsity", type=float, default=0.0005)
    ap.add_argument("--timeout", type=int, default=900)
    ap.add_argument("--no-whole", dest="whole", action="store_false",
                    help="leave out the run of one script doing all the ops (its peak RSS)")
    ap.add_argument("--reps", type=int, default=3,
                    help="runs of each (system, op), interleaved; the table gives the medians")
    ap.add_argument("--no-warmup", dest="warmup", action="store_false",
                    help="time dmlpy's first run of each script (with Numba's compilations)")
    a = ap.parse_args()
    # dmlpy's bytecode, as a regular install has it (pip compiles at install time); without it,
    # under PYTHONDONTWRITEBYTECODE every run would compile each module it imports
    subprocess.run([sys.executable, "-m", "compileall", "-q", os.path.join(ROOT, "dmlpy")],
                   stdout=subprocess.DEVNULL, check=False)
    systems = [s for s in a.systems.split(",") if s]
    if "sysds" in systems and not os.path.exists(SYSDS):
        print(f"SystemDS not found at {SYSDS} (set SYSDS=...): left out")
        systems.remove("sysds")
    ops = [o for o in a.ops.split(",") if o]
    print(f"X = rand(rows={a.rows}, cols={a.cols}, sparsity={a.sparsity}, seed=7); "
          f"{os.cpu_count()} CPUs; seconds of the op alone, peak RSS of its whole process")
    results = {}
    warmed = set()
    with tempfile.TemporaryDirectory() as tmp:
        for rep in range(a.reps):           # the systems interleaved, each run a fresh process
            for op in ops:
                for s in systems:
                    r = run_one(s, op, a, tmp, warm=(s, op) not in warmed)
                    warmed.add((s, op))
                    results.setdefault((op, s), []).append(r)
                    print(f"  {rep + 1}/{a.reps} {op:8s} {s:6s} "
                          + (f"{r['s']:8.3f} s {r['rss']:7.0f} MB  result {r['res']}"
                             if "s" in r else f"error {r['err']}"), flush=True)
        if a.whole:
            for s in systems:
                r = results[("whole", s)] = [run_one(s, "whole", a, tmp)]
                r = r[0]
                print(f"  whole script {s:6s} " + (f"{r['s']:8.3f} s {r['rss']:7.0f} MB peak RSS"
                                                  if "s" in r else f"error {r['err']}"), flush=True)
    if a.whole:
        OPS["whole"] = ("the whole script (all of the above)", "", "")
        ops = ops + ["whole"]
    head = f"{'op (median of ' + str(a.reps) + ' runs)':34s}" + "".join(
        f"{s + ' s':>10s}{s + ' MB':>11s}" for s in systems)
    if "scipy" in systems:
        head += "".join(f"{s + '/scipy':>13s}" for s in systems if s != "scipy")
    print("\n" + head + "\n" + "-" * len(head))
    med = {}
    for op in ops:
        row = f"{OPS[op][0]:34s}"
        for s in systems:
            rs = [r for r in results[(op, s)] if "s" in r]
            rss = max(r["rss"] for r in results[(op, s)])
            if len(rs) == len(results[(op, s)]):
                med[(op, s)] = statistics.median(r["s"] for r in rs)
                row += f"{med[(op, s)]:10.3f}{rss:11.0f}"
            else:
                row += f"{'error':>10s}{rss:11.0f}"
        if "scipy" in systems:
            for s in systems:
                if s != "scipy":
                    m, b = med.get((op, s)), med.get((op, "scipy"))
                    row += f"{m / b:12.2f}x" if m and b else f"{'-':>13s}"
        print(row)
    errs = sorted({(op, s, r["err"]) for (op, s), rs in results.items() for r in rs if "err" in r})
    for op, s, e in errs:
        print(f"  {s} {op}: {e}")
    print("results (sum of each op's output) differ between SciPy and the others: SciPy's X has "
          "other random values; dmlpy and SystemDS share rand()'s stream")


if __name__ == "__main__":
    main()
