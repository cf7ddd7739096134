"""LARS vs SGD with momentum on scikit-learn's handwritten digits, over batch sizes.

Needs the optional packages:  pip install scikit-learn matplotlib   (matplotlib only for the plot)

    python examples/lars_digits/run.py                 # the full study (about 10 minutes on 2 cores)
    python examples/lars_digits/run.py --quick         # 1 seed, 2 batch sizes, 3 epochs

The 1797 8x8 digit images are scaled to [0, 1] and split 1347/450 (stratified, fixed). A narrow AlexNet
(nn/networks/alexnet.dml with an 8x8 stem: conv1 3x3 stride 1, padded pooling) is trained for a fixed
number of epochs by examples' train() (scripts/nn/examples/imagenet_alexnet.dml) with
  sgd_momentum: lr = sgd_lr * sqrt(batch / 16), constant
  lars:         lr = lars_lr * batch / 16, linear warm-up (1 epoch) then polynomial decay
for every batch size and seed. Writes results.csv (batch, optimizer, seed, top1, loss, seconds) and,
with matplotlib, accuracy_vs_batch.png next to this file.
"""
import argparse
import csv
import time
from pathlib import Path

import numpy as np

import dmlpy

HERE = Path(__file__).resolve().parent

SCRIPT = """
source("nn/examples/imagenet_alexnet.dml") as ex
[model, arch, emas, metrics] = ex::train(X, Y, Xv, Yv, 1, 8, 8, epochs=epochs, batch_size=batch,
    optimizer=opt, lr=lr, width=width, fc=fc, use_lrn=FALSE, conv1_size=3, conv1_stride=1,
    conv1_pad=1, pool_pad=1, dropout_keep=keep, lambda=lambda, trust_coeff=trust,
    schedule=schedule, warmup_epochs=warmup, seed=seed, verbose=FALSE)
top1 = as.scalar(metrics[epochs, 7])
loss = as.scalar(metrics[epochs, 6])
secs = sum(metrics[, 9])
"""


def load():
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    d = load_digits()
    X = d.images.reshape(len(d.images), -1) / 16.0
    Y = np.eye(10)[d.target]
    return train_test_split(X, Y, test_size=0.25, random_state=0, stratify=d.target)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batches", default="16,64,256,1024")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--sgd-lr", type=float, default=0.02)
    ap.add_argument("--lars-lr", type=float, default=0.05)
    ap.add_argument("--trust", type=float, default=0.01)
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args()
    batches = [int(b) for b in a.batches.split(",")]
    seeds = list(range(1, a.seeds + 1))
    if a.quick:
        batches, seeds, a.epochs = batches[::3][:2], [1], 3
    X, Xv, Y, Yv = load()
    run = dmlpy.prepare(SCRIPT, inputs=["X", "Y", "Xv", "Yv", "epochs", "batch", "opt", "lr", "width",
                                        "fc", "keep", "lambda", "trust", "schedule", "warmup", "seed"],
                        outputs=["top1", "loss", "secs"])
    rows = []
    t0 = time.time()
    for b in batches:
        for opt in ("sgd_momentum", "lars"):
            if opt == "sgd_momentum":
                lr, schedule, warmup = a.sgd_lr * np.sqrt(b / 16), "constant", 0.0
            else:
                lr, schedule, warmup = a.lars_lr * b / 16, "poly", 1.0
            for s in seeds:
                r = run(X=X, Y=Y, Xv=Xv, Yv=Yv, epochs=a.epochs, batch=b, opt=opt, lr=float(lr),
                        width=0.25, fc=128, keep=1.0, **{"lambda": 5e-4}, trust=a.trust,
                        schedule=schedule, warmup=warmup, seed=s)
                rows.append((b, opt, s, r["top1"], r["loss"], r["secs"]))
                print(f"batch {b:5d} {opt:12s} seed {s}: top-1 {r['top1']:.4f}  loss {r['loss']:.4f}  "
                      f"{r['secs']:.1f} s  (lr {lr:.4g})", flush=True)
    print(f"total {time.time() - t0:.0f} s")
    with open(HERE / "results.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["batch", "optimizer", "seed", "top1", "loss", "seconds"])
        w.writerows(rows)
    summary = {}
    for b, opt, s, top1, loss, secs in rows:
        summary.setdefault((opt, b), []).append(top1)
    print("\nmean +- std of validation top-1 over seeds")
    for (opt, b), v in sorted(summary.items()):
        print(f"{opt:12s} batch {b:5d}: {np.mean(v):.4f} +- {np.std(v):.4f}")
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no plot (pip install matplotlib)")
        return
    fig, ax = plt.subplots(figsize=(5, 3.5))
    for opt in ("sgd_momentum", "lars"):
        m = [np.mean(summary[(opt, b)]) for b in batches]
        sd = [np.std(summary[(opt, b)]) for b in batches]
        ax.errorbar(batches, m, yerr=sd, marker="o", capsize=3, label=opt)
    ax.set_xscale("log", base=2)
    ax.set_xlabel("batch size")
    ax.set_ylabel("validation top-1")
    ax.set_title(f"digits, narrow AlexNet, {a.epochs} epochs, {len(seeds)} seeds")
    ax.legend()
    fig.tight_layout()
    fig.savefig(HERE / "accuracy_vs_batch.png", dpi=120)
    print("wrote", HERE / "accuracy_vs_batch.png")


if __name__ == "__main__":
    main()
