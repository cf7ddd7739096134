"""Time and peak memory of write() for a large matrix (issue 13: a 20000x2000 csv took 83 s and 6.6 GB).

    .venv/bin/python benchmarks/write_csv.py                          # the current code, csv
    .venv/bin/python benchmarks/write_csv.py --formats csv,text,mm,libsvm --rows 5000
    .venv/bin/python benchmarks/write_csv.py --before e98ba48         # also the io.py of a git revision

Each measurement runs in a fresh Python process: the figures are the wall time of write() alone, the
resident memory before it (Python, NumPy and the matrix) and the peak resident memory of the process.
With --before, the output files of both versions are compared byte for byte. Not a test.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import importlib.util, json, resource, sys, time
import numpy as np
sys.path.insert(0, {root!r})
rows, cols, fmt, out, rev = {rows}, {cols}, {fmt!r}, {out!r}, {rev!r}
if rev:
    import subprocess
    src = subprocess.run(["git", "-C", {root!r}, "show", rev + ":dmlpy/runtime/io.py"],
                         check=True, capture_output=True, text=True).stdout
    import dmlpy.runtime
    spec = importlib.util.spec_from_loader("dmlpy.runtime._io_bench", loader=None)
    io = importlib.util.module_from_spec(spec)
    io.__package__ = "dmlpy.runtime"
    exec(compile(src, "io@" + rev, "exec"), io.__dict__)
else:
    from dmlpy.runtime import io
rng = np.random.default_rng(42)
X = rng.random((rows, cols))
X[rng.random((rows, cols)) < 0.1] = 0.0          # some zeros, written as 0 in csv
X[:, 0] = np.round(X[:, 0] * 100)                # a column of integers
kb = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
before = kb()
t0 = time.perf_counter()
io.write(X, out, fmt, False, ",")
dt = time.perf_counter() - t0
print(json.dumps({{"seconds": dt, "rss_before_mb": before / 1024, "peak_rss_mb": kb() / 1024}}))
"""


def measure(rows, cols, fmt, out, rev):
    code = CHILD.format(root=str(ROOT), rows=rows, cols=cols, fmt=fmt, out=out, rev=rev)
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if res.returncode != 0:
        raise SystemExit(res.stderr)
    fig = json.loads(res.stdout.strip().splitlines()[-1])
    fig["bytes"] = os.path.getsize(out)
    return fig


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=20000)
    ap.add_argument("--cols", type=int, default=2000)
    ap.add_argument("--formats", default="csv")
    ap.add_argument("--before", default="", help="a git revision whose io.py is measured too")
    a = ap.parse_args()
    print(f"write() of a {a.rows}x{a.cols} matrix (uniform random, 10% zeros, one integer column)")
    print(f"{'format':<8} {'version':<10} {'seconds':>9} {'RSS before':>11} {'peak RSS':>10} {'file MB':>9}")
    with tempfile.TemporaryDirectory() as d:
        for fmt in a.formats.split(","):
            outs = {}
            for rev in ([a.before] if a.before else []) + [""]:
                out = os.path.join(d, f"{fmt}-{rev or 'now'}")
                f = measure(a.rows, a.cols, fmt, out, rev)
                outs[rev] = out
                print(f"{fmt:<8} {rev or 'current':<10} {f['seconds']:>9.2f} {f['rss_before_mb']:>9.0f} MB "
                      f"{f['peak_rss_mb']:>7.0f} MB {f['bytes'] / 2**20:>9.1f}", flush=True)
            if a.before:
                same = _same(outs[a.before], outs[""])
                print(f"{fmt:<8} output identical to {a.before}: {same}")


def _same(p, q):
    if os.path.getsize(p) != os.path.getsize(q):
        return False
    with open(p, "rb") as f, open(q, "rb") as g:
        while True:
            x, y = f.read(1 << 20), g.read(1 << 20)
            if x != y:
                return False
            if not x:
                return True


if __name__ == "__main__":
    main()
