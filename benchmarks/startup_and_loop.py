"""Start-up and scalar-loop speed of dmlpy against SystemDS 3.4 (when ../shared/reference/sysds is
there), in the same run. Prints seconds and ratios.

    python benchmarks/startup_and_loop.py [--runs 5] [--no-reference]
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REF = HERE.parent.parent / "shared" / "reference" / "sysds"


def wall(cmd, runs):
    times, out = [], ""
    for _ in range(runs):
        t0 = time.perf_counter()
        r = subprocess.run(cmd, capture_output=True, text=True)
        times.append(time.perf_counter() - t0)
        out = r.stdout
        if r.returncode != 0:
            sys.exit(f"failed: {' '.join(cmd)}\n{r.stderr}")
    return statistics.median(times), out


def us_per_iter(out):
    m = re.search(r"us/iter: ([0-9.Ee+-]+)", out)
    return float(m.group(1)) if m else float("nan")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--no-reference", action="store_true")
    a = ap.parse_args()
    hello = Path(tempfile.mkdtemp()) / "hello.dml"
    hello.write_text('print("Hello, world!")\n')
    loop = str(HERE / "scalar_loop.dml")
    dml = [sys.executable, "-m", "dmlpy"]
    ref = None if a.no_reference or not REF.exists() else [str(REF)]

    t_d, _ = wall(dml + [str(hello)], a.runs)
    _, out = wall(dml + [loop], 3)
    loop_d = us_per_iter(out)
    print(f"hello world (whole process): dmlpy {t_d:.3f} s")
    print(f"scalar_loop: dmlpy {loop_d:.3f} us/iter")
    if ref:
        t_r, _ = wall(ref + ["-f", str(hello)], min(a.runs, 3))
        _, out = wall(ref + ["-f", loop], 1)
        loop_r = us_per_iter(out)
        print(f"hello world (whole process): SystemDS {t_r:.3f} s  -> dmlpy is {t_r / t_d:.1f}x faster")
        print(f"scalar_loop: SystemDS {loop_r:.3f} us/iter -> dmlpy is {loop_r / loop_d:.1f}x faster")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "0")
    main()
