"""The DNN cases of tests/cuda_sim_worker.py: every DNN kernel of the CUDA backend next to the CPU
kernel of dmlpy.kernels.dnn on the same inputs, in double and single precision (the worker saves
both results; tests/test_cuda_sim.py compares them). Sizes are tiny: the simulator runs every
GPU thread in Python.

Names: dnn/<precision>/<kernel>/<case>[/<output>]; errors: dnn/errors/<case> holds the CPU's and
the GPU's message for the same bad call.
"""
from __future__ import annotations

import numpy as np

# N, C, H, W, F, Hf, Wf, stride_h, stride_w, pad_h, pad_w
CONV = {
    "pad_nonsquare": (2, 2, 5, 4, 3, 3, 2, 1, 1, 1, 1),
    "n1_c1_stride2": (1, 1, 6, 6, 2, 3, 3, 2, 2, 0, 0),
    "pointwise": (2, 3, 4, 5, 2, 1, 1, 1, 1, 0, 0),
    "chunked_mixed": (2, 2, 7, 5, 2, 3, 3, 2, 1, 1, 0),     # run with a small column budget
}
# N, C, H, W, Hp, Wp, stride_h, stride_w, pad_h, pad_w
POOL = {
    "stride2": (2, 2, 5, 4, 2, 2, 2, 2, 0, 0),
    "n1_c1_pad": (1, 1, 5, 5, 3, 3, 1, 1, 1, 1),
    "nonsquare": (2, 1, 4, 6, 3, 2, 2, 1, 1, 0),
    "long_rows": (1, 1, 3, 10, 2, 2, 1, 1, 0, 0),           # 9 windows a row: insertion sort
    "all_padding": (1, 2, 3, 3, 2, 2, 2, 2, 2, 2),          # windows wholly in the padding
}
# N, C, H, W
NORM = {"small": (3, 2, 3, 2), "n1_c1": (1, 1, 4, 3)}
# N, T, D, M
LSTM = {"small": (2, 3, 3, 2), "n1_t1": (1, 1, 2, 3)}


def _pool_out(d):
    N, C, H, W, Hp, Wp, sh, sw, ph, pw = d
    return (H + 2 * ph - Hp) // sh + 1, (W + 2 * pw - Wp) // sw + 1


def _summed_routing(X, dout, d):
    """max_pool_backward as a plain sum: each window's gradient added at its first maximum
    (what SystemDS does not do where windows share a maximum)."""
    N, C, H, W, Hp, Wp, sh, sw, ph, pw = d
    P, Q = _pool_out(d)
    dX = np.zeros((N, C * H * W))
    for n in range(N):
        for c in range(C):
            img = X[n, c * H * W:(c + 1) * H * W].reshape(H, W)
            for p in range(P):
                for q in range(Q):
                    h0, w0 = p * sh - ph, q * sw - pw
                    best, at = -np.inf, -1
                    for h in range(max(h0, 0), min(h0 + Hp, H)):
                        for w in range(max(w0, 0), min(w0 + Wp, W)):
                            if img[h, w] > best:
                                best, at = img[h, w], h * W + w
                    if at >= 0:
                        dX[n, c * H * W + at] += dout[n, (c * P + p) * Q + q]
    return dX


def run(g, put, out):
    """Runs every case on g (the CUDA backend) and the CPU kernels; put(name, gpu, cpu) saves."""
    from dmlpy import backends
    from dmlpy.backends.cuda import conv
    from dmlpy.kernels import dnn
    dm = g.matrix
    for precision in ("double", "single"):
        backends.set_precision(precision)
        rng = np.random.default_rng(5)
        pre = f"dnn/{precision}"

        for case, d in CONV.items():
            N, C, H, W, F, Hf, Wf, sh, sw, ph, pw = d
            P, Q = (H + 2 * ph - Hf) // sh + 1, (W + 2 * pw - Wf) // sw + 1
            X = rng.uniform(-1, 1, (N, C * H * W))
            Wt = rng.uniform(-1, 1, (F, C * Hf * Wf))
            dout = rng.uniform(-1, 1, (N, F * P * Q))
            budget = conv.COL_BUDGET
            if case.startswith("chunked"):      # one image of columns per chunk
                conv.COL_BUDGET = (C * Hf * Wf + F) * P * Q
            try:
                put(f"{pre}/conv2d/{case}", g.conv2d(dm(X), dm(Wt), *d), dnn.conv2d(X, Wt, *d))
                put(f"{pre}/conv2d_backward_filter/{case}",
                    g.conv2d_backward_filter(dm(X), dm(dout), *d),
                    dnn.conv2d_backward_filter(X, dout, *d))
                put(f"{pre}/conv2d_backward_data/{case}",
                    g.conv2d_backward_data(dm(Wt), dm(dout), *d),
                    dnn.conv2d_backward_data(Wt, dout, *d))
            finally:
                conv.COL_BUDGET = budget

        for case, d in POOL.items():
            P, Q = _pool_out(d)
            N, C, H, W = d[:4]
            X = rng.integers(-2, 3, (N, C * H * W)).astype(np.float64)   # many ties
            if case == "nonsquare":
                X[1, 5] = np.nan
            dout = rng.uniform(-1, 1, (N, C * P * Q))
            dout[0, 1] = 0.0            # a zero gradient never overwrites
            for k in ("max_pool", "avg_pool"):
                put(f"{pre}/{k}/{case}", getattr(g, k)(dm(X), *d), getattr(dnn, k)(X, *d))
                kb = k + "_backward"
                put(f"{pre}/{kb}/{case}", getattr(g, kb)(dm(X), dm(dout), *d),
                    getattr(dnn, kb)(X, dout, *d))
            if precision == "double":
                out[f"{pre}/max_pool_backward/{case}/summed"] = _summed_routing(X, dout, d)
        d = POOL["n1_c1_pad"]
        Z = np.zeros((1, 25))
        dz = rng.uniform(-1, 1, (1, 25))
        put(f"{pre}/max_pool/zeros", g.max_pool(dm(Z), *d), dnn.max_pool(Z, *d))
        put(f"{pre}/max_pool_backward/zeros", g.max_pool_backward(dm(Z), dm(dz), *d),
            dnn.max_pool_backward(Z, dz, *d))

        for case, (N, C, H, W) in NORM.items():
            X = rng.uniform(-1, 3, (N, C * H * W))
            gamma, beta = rng.uniform(0.5, 1.5, (C, 1)), rng.uniform(-1, 1, (C, 1))
            em, ev = rng.uniform(-1, 1, (C, 1)), rng.uniform(0.5, 1.5, (C, 1))
            for mode in ("train", "test"):
                got = g.batch_norm2d(dm(X), dm(gamma), dm(beta), dm(em), dm(ev), C, H, W,
                                     mode, 1e-5, 0.9)
                ref = dnn.batch_norm2d(X, gamma, beta, em, ev, C, H, W, mode, 1e-5, 0.9)
                for part, a, b in zip(("out", "ema_mean", "ema_var", "mean", "inv_var"), got,
                                      ref):
                    put(f"{pre}/batch_norm2d/{case}_{mode}/{part}", a, b)
            dout = rng.uniform(-1, 1, X.shape)
            got = g.batch_norm2d_backward(dm(X), dm(dout), dm(gamma), C, H, W, 1e-5, dm(ref[3]),
                                          dm(ref[4]))
            refb = dnn.batch_norm2d_backward(X, dout, gamma, C, H, W, 1e-5, ref[3], ref[4])
            for part, a, b in zip(("dX", "dgamma", "dbeta"), got, refb):
                put(f"{pre}/batch_norm2d_backward/{case}/{part}", a, b)

        for case, (N, T, D, M) in LSTM.items():
            X = rng.uniform(-1, 1, (N, T * D))
            W = rng.uniform(-0.8, 0.8, (D + M, 4 * M))
            b = rng.uniform(-0.5, 0.5, (1, 4 * M))
            h0, c0 = rng.uniform(-1, 1, (N, M)), rng.uniform(-1, 1, (N, M))
            for rs in (True, False):
                tag = f"{case}_{'seq' if rs else 'last'}"
                got = g.lstm(dm(X), dm(W), dm(b), dm(h0), dm(c0), rs)
                ref = dnn.lstm(X, W, b, h0, c0, rs)
                for part, a, r in zip(("out", "c", "cache_out", "cache_c", "cache_ifog"), got,
                                      ref):
                    put(f"{pre}/lstm/{tag}/{part}", a, r)
                dout = rng.uniform(-1, 1, (N, T * M if rs else M))
                dc = rng.uniform(-1, 1, (N, M))
                refb = dnn.lstm_backward(X, W, b, h0, c0, rs, dout, dc, *ref[2:])
                # with the forward pass's caches, and (once) recomputing them
                hows = (("cached", got[2:]),) + ((("recomputed", ()),)
                                                 if case == "small" and rs else ())
                for how, caches in hows:
                    gotb = g.lstm_backward(dm(X), dm(W), dm(b), dm(h0), dm(c0), rs, dm(dout),
                                           dm(dc), *caches)
                    for part, a, r in zip(("dX", "dW", "db", "dout0", "dc0"), gotb, refb):
                        put(f"{pre}/lstm_backward/{tag}_{how}/{part}", a, r)
    backends.set_precision("double")
    _errors(g, out)


def _errors(g, out):
    """Bad shapes: the GPU kernels raise the CPU kernels' ValueError, word for word."""
    from dmlpy.kernels import dnn
    x = np.ones((2, 12))
    bad = {
        "conv_input": ("conv2d", (x, np.ones((2, 3))), (2, 1, 3, 3, 2, 1, 1, 1, 1, 0, 0)),
        "conv_filter_too_big": ("conv2d", (np.ones((1, 4)), np.ones((1, 9))),
                                (1, 1, 2, 2, 1, 3, 3, 1, 1, 0, 0)),
        "conv_bwd_dout": ("conv2d_backward_filter", (x, np.ones((2, 5))),
                          (2, 3, 2, 2, 1, 1, 1, 1, 1, 0, 0)),
        "conv_stride": ("conv2d_backward_data", (np.ones((1, 3)), np.ones((2, 4))),
                        (2, 3, 2, 2, 1, 1, 1, 0, 1, 0, 0)),
        "pool_input": ("max_pool", (x,), (2, 1, 3, 3, 2, 2, 1, 1, 0, 0)),
        "pool_dout": ("avg_pool_backward", (x, np.ones((2, 3))), (2, 3, 2, 2, 1, 1, 1, 1, 0, 0)),
        "bn_mode": ("batch_norm2d", (x, np.ones((3, 1)), np.ones((3, 1)), np.ones((3, 1)),
                                     np.ones((3, 1))), (3, 2, 2, "predict", 1e-5, 0.9)),
        "bn_gamma": ("batch_norm2d_backward", (x, x, np.ones((2, 1))),
                     (3, 2, 2, 1e-5, np.ones((3, 1)), np.ones((3, 1)))),
        "lstm_W": ("lstm", (np.ones((2, 6)), np.ones((5, 7)), np.ones((1, 8)), np.ones((2, 2)),
                            np.ones((2, 2))), (True,)),
        "lstm_dout": ("lstm_backward", (np.ones((2, 6)), np.ones((5, 8)), np.ones((1, 8)),
                                        np.ones((2, 2)), np.ones((2, 2))),
                      (True, np.ones((2, 3)), np.ones((2, 2)))),
    }
    for case, (fn, mats, rest) in bad.items():
        msgs = []
        for call in (getattr(dnn, fn), getattr(g, fn)):
            try:
                call(*mats, *rest)
                msgs.append("no error")
            except ValueError as e:
                msgs.append(str(e))
        out[f"dnn/errors/{case}"] = np.array(msgs)
