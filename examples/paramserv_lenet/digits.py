"""LeNet + LARS trained by paramserv (BSP and ASP) on scikit-learn's handwritten digits.

    pip install scikit-learn            # optional: without it this script says so and exits
    python examples/paramserv_lenet/digits.py [--k 2] [--epochs 12] [--batch 32] [--quick]

The 1797 8x8 digits (pixels scaled to [0, 1]) are split 1347 / 450 (stratified, fixed), written
as CSV files to a temporary folder and handed to lenet_lars.dml next to this file, which trains
LeNet on them with paramserv (BSP, then ASP) and prints the validation accuracy of each.
--quick: 2 epochs (a smoke run).
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def load():
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    d = load_digits()
    X = d.images.reshape(len(d.images), -1) / 16.0
    Y = np.eye(10)[d.target]
    return train_test_split(X, Y, test_size=0.25, random_state=0, stratify=d.target)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--k", type=int, default=2, help="workers (2)")
    ap.add_argument("--epochs", type=int, default=12, help="epochs (12)")
    ap.add_argument("--batch", type=int, default=32, help="rows per batch and worker (32)")
    ap.add_argument("--lr", type=float, default=0.02, help="LARS's global rate (0.02)")
    ap.add_argument("--trust", type=float, default=0.2, help="LARS's trust coefficient (0.2)")
    ap.add_argument("--quick", action="store_true", help="2 epochs")
    a = ap.parse_args(argv)
    try:
        X, Xv, Y, Yv = load()
    except ImportError:
        print("digits.py needs scikit-learn (pip install scikit-learn); skipped")
        return 0
    with tempfile.TemporaryDirectory(prefix="paramserv_digits_") as tmp:
        files = {}
        for name, m in (("X", X), ("Y", Y), ("Xv", Xv), ("Yv", Yv)):
            files[name] = Path(tmp) / f"{name}.csv"
            np.savetxt(files[name], m, delimiter=",", fmt="%.6g")
        args = [f"{k}={v}" for k, v in files.items()] + [
            "side=8", f"k={a.k}", f"epochs={2 if a.quick else a.epochs}", f"batch={a.batch}",
            f"lr={a.lr}", f"trust={a.trust}"]
        cmd = [sys.executable, "-m", "dmlpy", str(HERE / "lenet_lars.dml"), "-nvargs"] + args
        return subprocess.run(cmd).returncode


if __name__ == "__main__":
    sys.exit(main())
