"""LARS vs SGD with momentum on scikit-learn's handwritten digits, over batch sizes.

Needs the optional packages:  pip install scikit-learn matplotlib   (matplotlib only for the plot)

    python examples/lars_digits/run.py             # the full study (a few minutes on 2 cores)
    python examples/lars_digits/run.py --sweep     # the learning-rate / trust sweep at the largest batch
    python examples/lars_digits/run.py --quick     # smoke run: 1 seed, batches 16 and 1024, 3 epochs,
                                                   # writes to a temporary folder (a few seconds)

The 1797 8x8 digit images are scaled to [0, 1] and split 1347/450 (stratified, fixed). A LeNet-shaped
small CNN (small_cnn.dml next to this file: conv3x3x8-pool-conv3x3x16-pool-fc64-fc10) is trained for the
SAME number of epochs at every batch size (so a larger batch means fewer steps) with
  sgd_momentum: lr = sgd_lr * sqrt(batch / 16), constant
  lars:         lr = lars_lr * batch / 16, linear warm-up (1 epoch) then polynomial (power 2) decay
(momentum 0.9, weight decay 5e-4 for both) for every batch size and seed. Writes results.csv
(batch, optimizer, seed, lr, top1, loss, seconds) and, with matplotlib, accuracy_vs_batch.png next
to this file. The defaults of --sgd-lr, --lars-lr and --trust come from --sweep (see README.md).
"""
import os

# The convolutions are many small matrix products; a multi-threaded BLAS on a small, shared machine
# spends more time synchronising its threads than computing (6-10x slower here), so use one thread
# unless the caller says otherwise. Must be set before numpy is imported.
for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import argparse  # noqa: E402
import csv  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

import dmlpy  # noqa: E402

HERE = Path(__file__).resolve().parent

SCRIPT = f"""
source("{(HERE / 'small_cnn.dml').as_posix()}") as m
[top1, loss, secs] = m::train(X, Y, Xv, Yv, epochs, batch, opt, lr, mu=0.9, lambda=5e-4,
    trust=trust, schedule=schedule, warmup=warmup, seed=seed)
"""
OPTS = ("sgd_momentum", "lars")


def load():
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    d = load_digits()
    X = d.images.reshape(len(d.images), -1) / 16.0
    Y = np.eye(10)[d.target]
    return train_test_split(X, Y, test_size=0.25, random_state=0, stratify=d.target)


def lr_for(opt, base, batch):
    """The global rate and schedule of an optimizer at a batch size, from its batch-16 base rate."""
    if opt == "sgd_momentum":
        return base * np.sqrt(batch / 16), "constant", 0.0
    return base * batch / 16, "poly", 1.0


class Trainer:
    def __init__(self, epochs):
        self.X, self.Xv, self.Y, self.Yv = load()
        self.epochs = epochs
        self.run = dmlpy.prepare(SCRIPT, inputs=["X", "Y", "Xv", "Yv", "epochs", "batch", "opt", "lr",
                                                 "trust", "schedule", "warmup", "seed"],
                                 outputs=["top1", "loss", "secs"])

    def __call__(self, batch, opt, lr, schedule, warmup, trust, seed):
        t = time.time()
        r = self.run(X=self.X, Y=self.Y, Xv=self.Xv, Yv=self.Yv, epochs=self.epochs, batch=batch, opt=opt,
                     lr=float(lr), trust=float(trust), schedule=schedule, warmup=float(warmup), seed=seed)
        return r["top1"], r["loss"], time.time() - t


def sweep(a, train):
    """Tune SGD's and LARS's rates (and LARS's trust coefficient) at the largest batch, on seeds
    101, 102, ... (not the evaluation seeds); a setting is judged by its mean validation top-1."""
    b = max(int(x) for x in a.batches.split(","))
    seeds = list(range(101, 101 + a.sweep_seeds))
    print(f"sweep at batch {b}, {a.epochs} epochs, seeds {seeds} (rates are the rates at batch {b})")

    def show(name, opt, lr, schedule, warmup, trust):
        r = np.array([train(b, opt, lr, schedule, warmup, trust, s) for s in seeds])
        print(f"{name}: top-1 {r[:, 0].mean():.4f} +- {r[:, 0].std():.4f} (min {r[:, 0].min():.4f})  "
              f"loss {r[:, 1].mean():.4f}  {r[:, 2].sum():.1f} s", flush=True)

    for lr in (0.025, 0.05, 0.1, 0.2, 0.4):
        show(f"sgd_momentum lr {lr:6.3g} (base {lr / np.sqrt(b / 16):.4g})", "sgd_momentum", lr, "constant",
             0.0, 0.0)
    grid = {0.005: (0.125, 0.25, 0.5, 1, 2, 4), 0.02: (0.125, 0.25, 0.5, 1, 2, 4),
            0.05: (0.125, 0.25, 0.5, 1, 2, 4), 0.1: (0.125, 0.25, 0.5, 1, 2, 4),
            0.2: (0.0625, 0.125, 0.25, 0.5), 0.5: (0.025, 0.05, 0.1)}
    for trust, lrs in grid.items():
        for lr in lrs:
            show(f"lars trust {trust:5.3f} lr {lr:6.3g} (base {lr * 16 / b:.4g})", "lars", lr, "poly", 1.0,
                 trust)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batches", default="16,64,256,1024")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--sgd-lr", type=float, default=0.00625, help="SGD's rate at batch 16")
    ap.add_argument("--lars-lr", type=float, default=0.001953125, help="LARS's rate at batch 16")
    ap.add_argument("--trust", type=float, default=0.2, help="LARS trust coefficient")
    ap.add_argument("--sweep", action="store_true", help="only run the tuning sweep at the largest batch")
    ap.add_argument("--sweep-seeds", type=int, default=3, help="seeds per setting in --sweep")
    ap.add_argument("--quick", action="store_true", help="smoke run: 1 seed, batches 16 and 1024, 3 epochs")
    ap.add_argument("--out", default=None, help="folder for results.csv and accuracy_vs_batch.png "
                    "(default: next to this file; with --quick a temporary folder)")
    a = ap.parse_args()
    batches = [int(b) for b in a.batches.split(",")]
    seeds = list(range(1, a.seeds + 1))
    if a.quick:
        batches, seeds, a.epochs = [batches[0], batches[-1]], [1], 3
    train = Trainer(a.epochs)
    t0 = time.time()
    if a.sweep:
        sweep(a, train)
        print(f"total {time.time() - t0:.0f} s")
        return
    rows = []
    for b in batches:
        for opt in OPTS:
            lr, schedule, warmup = lr_for(opt, a.sgd_lr if opt == "sgd_momentum" else a.lars_lr, b)
            for s in seeds:
                top1, loss, secs = train(b, opt, lr, schedule, warmup, a.trust, s)
                rows.append((b, opt, s, round(float(lr), 6), round(top1, 4), round(loss, 4), round(secs, 2)))
                print(f"batch {b:5d} {opt:12s} seed {s}: top-1 {top1:.4f}  loss {loss:.4f}  "
                      f"{secs:.1f} s  (lr {lr:.4g})", flush=True)
    print(f"total {time.time() - t0:.0f} s")
    if a.out is None:
        # a smoke run must not overwrite the study's results.csv and accuracy_vs_batch.png
        out = Path(tempfile.mkdtemp(prefix="lars_digits_quick_")) if a.quick else HERE
    else:
        out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "results.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["batch", "optimizer", "seed", "lr", "top1", "loss", "seconds"])
        w.writerows(rows)
    summary = {}
    for b, opt, s, lr, top1, loss, secs in rows:
        summary.setdefault((opt, b), []).append((top1, loss))
    print("\nmean +- std (population std over seeds) of validation top-1 and loss")
    for opt in OPTS:
        for b in batches:
            v = np.array(summary[(opt, b)])
            print(f"{opt:12s} batch {b:5d}: top-1 {v[:, 0].mean():.4f} +- {v[:, 0].std():.4f}   "
                  f"loss {v[:, 1].mean():.4f} +- {v[:, 1].std():.4f}")
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no plot (pip install matplotlib)")
        return
    fig, ax = plt.subplots(figsize=(5.5, 3.8))
    for opt, label in zip(OPTS, ("SGD+momentum (sqrt scaling)", "LARS (linear scaling, warm-up, poly)")):
        m = [np.mean([t for t, _ in summary[(opt, b)]]) for b in batches]
        sd = [np.std([t for t, _ in summary[(opt, b)]]) for b in batches]
        ax.errorbar(batches, m, yerr=sd, marker="o", capsize=3, label=label)
    ax.set_xscale("log", base=2)
    ax.set_xticks(batches)
    ax.set_xticklabels([str(b) for b in batches])
    ax.set_xlabel("batch size")
    ax.set_ylabel("validation top-1")
    ax.set_title(f"digits, small CNN, {a.epochs} epochs, mean ± std of {len(seeds)} seed(s)", fontsize=9)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "accuracy_vs_batch.png", dpi=120)
    print("wrote", out / "accuracy_vs_batch.png")


if __name__ == "__main__":
    main()
