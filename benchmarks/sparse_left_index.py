"""Left indexing into a sparse matrix in a loop (issue 15): dmlpy against SystemDS 3.4, in one run.

Each case is a DML script that makes a sparse X with rand, forces it with a sum, then times the
loop of writes between two time() calls (in statement blocks guarded by a condition unknown when
compiling, so neither system moves or folds them) and prints the sum of the result, which must agree
between the systems. Prints the loop's seconds in each system and their ratio (dmlpy / SystemDS;
under 1: dmlpy faster). The process start and rand are not timed.

    python benchmarks/sparse_left_index.py [--systems dmlpy,sysds] [--cases cells,rows,...] [--reps 3]

Cases (X = rand(rows=20000, cols=10000, sparsity=0.001, seed=3) unless said):
  cells      for (i in 1:2000) X[i, i] = i                                  (issue 15)
  rows       for (i in 1:200)  X[i, ] = matrix(1, rows=1, cols=10000) * i  (issue 15)
  overwrite  for (i in 1:2000) X[i, j] = i at stored cells (no structural change)
  delete     for (i in 1:2000) X[i, j] = 0 at stored cells
  mid        for (i in 1:1000) X[10000 + i, 5000] = i   (inserts in the middle of the entries)
  block      for (i in 1:200)  X[i*50, 101:600] = rand(1 x 500, sparsity 0.1)
  big_mid    X = rand(200000 x 100000, sparsity 0.0005) (10M non-zeros),
             for (i in 1:200) X[100000 + i, 7 * i] = i  (each insert moves half the entries)
"""
from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile

from bench_procs import DMLPY, SYSDS, run_process  # noqa: E402

SMALL = "X = rand(rows=20000, cols=10000, sparsity=0.001, seed=3)"
BIG = "X = rand(rows=200000, cols=100000, sparsity=0.0005, seed=7)"
# (matrix, loop); the loop may use the stored cells' positions S (a k x 2 matrix) made before timing
CASES = {
    "cells": (SMALL, "for (i in 1:2000) { X[i, i] = i }"),
    "rows": (SMALL, "for (i in 1:200) { X[i, ] = matrix(1, rows=1, cols=10000) * i }"),
    "overwrite": (SMALL, "for (i in 1:2000) { X[as.scalar(S[i, 1]), as.scalar(S[i, 2])] = i }"),
    "delete": (SMALL, "for (i in 1:2000) { X[as.scalar(S[i, 1]), as.scalar(S[i, 2])] = 0 }"),
    "mid": (SMALL, "for (i in 1:1000) { X[10000 + i, 5000] = i }"),
    "block": (SMALL, "for (i in 1:200) { X[i * 50, 101:600] = rand(rows=1, cols=500, "
                     "sparsity=0.1, seed=i) }"),
    "big_mid": (BIG, "for (i in 1:200) { X[100000 + i, 7 * i] = i }"),
}

TEMPLATE = """$MAKE
guard = sum(X)
if (guard > -1) {
  # positions of 2000 stored cells, spread over the rows
  S = matrix(0, rows=2000, cols=2)
  if ($NEEDS_S) {
    nzr = rowSums(X != 0) > 0
    rows = removeEmpty(target=seq(1, nrow(X)), margin="rows", select=nzr)
    for (k in 1:2000) {
      r = as.scalar(rows[k, 1])
      c = as.scalar(rowIndexMax(X[r, ] != 0))
      S[k, 1] = r
      S[k, 2] = c
    }
  }
  print("prep " + sum(S))
}
if (guard > -2) {
  t0 = time()
}
if (guard > -3) {
  $LOOP
}
if (guard > -4) {
  t1 = time()
  print("RESULT " + sum(X))
  print("MS " + (t1 - t0) / 1000000)
}
"""


def script(case):
    make, loop = CASES[case]
    needs = "TRUE" if "S[" in loop else "FALSE"
    return TEMPLATE.replace("$MAKE", make).replace("$LOOP", loop).replace("$NEEDS_S", needs)


def run(system, path, timeout):
    cmd = [SYSDS if system == "sysds" else DMLPY, "-f", path]
    text, rc, _, secs = run_process(cmd, timeout)
    if secs >= timeout:
        return {"err": f"over {timeout} s"}
    ms = re.search(r"^MS ([0-9.eE+-]+)", text, re.M)
    res = re.search(r"^RESULT (\S+)", text, re.M)
    if rc != 0 or ms is None:
        lines = text.strip().splitlines() or ["?"]
        return {"err": lines[-1][:100]}
    return {"s": float(ms.group(1)) / 1000, "res": res.group(1)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--systems", default="dmlpy,sysds")
    ap.add_argument("--cases", default="cells,rows,overwrite,delete,mid,block,big_mid")
    ap.add_argument("--reps", type=int, default=1, help="runs of each; the median is shown")
    ap.add_argument("--timeout", type=float, default=600)
    a = ap.parse_args()
    systems = a.systems.split(",")
    if "sysds" in systems and not os.path.exists(SYSDS):
        print(f"(SystemDS not found at {SYSDS}: dmlpy only)")
        systems.remove("sysds")
    print(f"{'case':10s} " + " ".join(f"{s + ' s':>10s}" for s in systems)
          + ("   ratio" if len(systems) == 2 else "") + "   result")
    with tempfile.TemporaryDirectory() as tmp:
        for case in a.cases.split(","):
            path = os.path.join(tmp, f"{case}.dml")
            with open(path, "w") as f:
                f.write(script(case))
            got = {}
            for s in systems:
                runs = [run(s, path, a.timeout) for _ in range(a.reps)]
                ok = [r for r in runs if "s" in r]
                got[s] = ({"s": statistics.median(r["s"] for r in ok), "res": ok[0]["res"]}
                          if ok else runs[0])
            cells = [f"{got[s]['s']:10.3f}" if "s" in got[s] else f"{'error':>10s}" for s in systems]
            ratio = ""
            if len(systems) == 2 and all("s" in got[s] for s in systems):
                ratio = f"   {got[systems[0]]['s'] / got[systems[1]]['s']:5.2f}"
            results = sorted({got[s].get("res", got[s].get("err")) for s in systems})
            same = "" if len(results) == 1 else "  (results differ)"
            print(f"{case:10s} " + " ".join(cells) + ratio + "   " + " | ".join(results) + same,
                  flush=True)


if __name__ == "__main__":
    sys.exit(main())
