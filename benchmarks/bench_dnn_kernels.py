"""Seconds per op of dmlpy's CPU DNN kernels on the AlexNet conv2 shape.

N=32, C=96, 27x27 input, F=256 filters of 5x5, pad 2, stride 1 (conv2d and both
backward ops), then max_pool 3x3 stride 2 on the 32x256x27x27 conv output and
max_pool_backward on that.  When PyTorch is importable its fp64 CPU ops are
timed on the same data and the ratio dmlpy/torch is printed.

    python benchmarks/bench_dnn_kernels.py [--reps 3] [--threads K]
"""

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))

from dmlpy.kernels import dnn  # noqa: E402

N, C, H, W_ = 32, 96, 27, 27
F, HF, WF = 256, 5, 5
S, PAD = 1, 2
POOL, PSTRIDE = 3, 2


def _time(fn):
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def best_of(fns, reps):
    """Best-of-reps seconds for each callable, interleaving them rep by rep so that
    load changes on a shared machine affect all of them alike."""
    for fn in fns:
        fn()  # warm-up (JIT compile / caches)
    best = [float('inf')] * len(fns)
    for _ in range(reps):
        for i, fn in enumerate(fns):
            best[i] = min(best[i], _time(fn))
    return best


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--reps', type=int, default=3)
    ap.add_argument('--threads', type=int, default=0, help='torch threads (0 = default)')
    args = ap.parse_args()

    rng = np.random.default_rng(0)
    P = (H + 2 * PAD - HF) // S + 1
    Q = (W_ + 2 * PAD - WF) // S + 1
    PP = (P - POOL) // PSTRIDE + 1
    QP = (Q - POOL) // PSTRIDE + 1
    X = rng.standard_normal((N, C * H * W_))
    Wt = rng.standard_normal((F, C * HF * WF)) * 0.05
    dout = rng.standard_normal((N, F * P * Q))
    Y = dnn.conv2d(X, Wt, N, C, H, W_, F, HF, WF, S, S, PAD, PAD)
    dpool = rng.standard_normal((N, F * PP * QP))

    ops = {
        'conv2d': lambda: dnn.conv2d(X, Wt, N, C, H, W_, F, HF, WF, S, S, PAD, PAD),
        'conv2d_backward_filter': lambda: dnn.conv2d_backward_filter(
            X, dout, N, C, H, W_, F, HF, WF, S, S, PAD, PAD),
        'conv2d_backward_data': lambda: dnn.conv2d_backward_data(
            Wt, dout, N, C, H, W_, F, HF, WF, S, S, PAD, PAD),
        'max_pool': lambda: dnn.max_pool(Y, N, F, P, Q, POOL, POOL, PSTRIDE, PSTRIDE, 0, 0),
        'max_pool_backward': lambda: dnn.max_pool_backward(
            Y, dpool, N, F, P, Q, POOL, POOL, PSTRIDE, PSTRIDE, 0, 0),
    }
    ours, theirs = {}, {}
    try:
        import torch
        import torch.nn.functional as tF
        if args.threads:
            torch.set_num_threads(args.threads)
        tX = torch.from_numpy(X.reshape(N, C, H, W_))
        tW = torch.from_numpy(Wt.reshape(F, C, HF, WF))
        tD = torch.from_numpy(dout.reshape(N, F, P, Q))
        tY = torch.from_numpy(Y.reshape(N, F, P, Q))
        tDP = torch.from_numpy(dpool.reshape(N, F, PP, QP))
        _, tidx = tF.max_pool2d(tY, POOL, PSTRIDE, return_indices=True)
        tops = {
            'conv2d': lambda: tF.conv2d(tX, tW, stride=S, padding=PAD),
            'conv2d_backward_filter': lambda: torch.ops.aten.convolution_backward(
                tD, tX, tW, None, [S, S], [PAD, PAD], [1, 1], False, [0, 0], 1,
                [False, True, False]),
            'conv2d_backward_data': lambda: torch.ops.aten.convolution_backward(
                tD, tX, tW, None, [S, S], [PAD, PAD], [1, 1], False, [0, 0], 1,
                [True, False, False]),
            'max_pool': lambda: tF.max_pool2d(tY, POOL, PSTRIDE),
            'max_pool_backward': lambda: torch.ops.aten.max_pool2d_with_indices_backward(
                tDP, tY, [POOL, POOL], [PSTRIDE, PSTRIDE], [0, 0], [1, 1], False, tidx),
        }
        with torch.no_grad():
            for k, f in ops.items():
                ours[k], theirs[k] = best_of([f, tops[k]], args.reps)
        tinfo = f"torch {torch.__version__}, {torch.get_num_threads()} threads"
    except ImportError:
        tinfo = "torch not installed"
        for k, f in ops.items():
            ours[k], = best_of([f], args.reps)

    print(f"AlexNet conv2 shape: N={N} C={C} {H}x{W_} F={F} {HF}x{WF} pad={PAD} "
          f"stride={S}; pool {POOL}x{POOL}/{PSTRIDE} on {N}x{F}x{P}x{Q}  ({tinfo})")
    print(f"{'op':26s} {'dmlpy s':>10s} {'torch s':>10s} {'ratio':>7s}")
    for k in ops:
        t = theirs.get(k)
        tcol = f"{t:10.4f}" if t is not None else f"{'-':>10s}"
        rcol = f"{ours[k] / t:7.2f}" if t else f"{'-':>7s}"
        print(f"{k:26s} {ours[k]:10.4f} {tcol} {rcol}")


if __name__ == '__main__':
    main()
