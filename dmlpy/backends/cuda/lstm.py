"""lstm and lstm_backward on the GPU, with the CPU kernels' conventions (dmlpy.kernels.dnn):
X is N x T*D (time step t in columns t*D ...), W (D+M) x 4M (input rows, then recurrent rows),
b 1 x 4M, gate blocks i, f, o (sigmoid) and g (tanh), c_t = f*c_{t-1} + i*g, h_t = o*tanh(c_t).

The contractions are the backend's GEMMs: the input part of every step in one product
((N*T) x D times D x 4M) before the loop, then per step h_{t-1} times the recurrent rows; a cell
kernel (one thread per (n, j) of N x M) adds the parts and the bias in the CPU's order, applies
the gates and writes the state and the caches. Backward: per step, a kernel forms the gate
gradients (and carries dc) and one GEMM takes them back through W; the weight gradients are two
products over all steps at once and the bias gradient a column sum (double precision).
"""
from __future__ import annotations

import math

import numpy as np
from numba import cuda

from . import arrays, reduce
from .dnn_common import copy, copy_cols, copy_flat, launch, operand

_K: dict = {}


def _kernels(dt):
    k = _K.get(dt.char)
    if k is not None:
        return k
    typ = dt.type

    @cuda.jit(device=True)
    def sigmoid(x):
        return 1.0 / (math.exp(-x) + 1.0)

    @cuda.jit
    def cell(a, AX, T, t, bias, c, M, out, rs, cache_out, cache_c, cache_ifog):
        """a: N x 4M (h_{t-1} times the recurrent rows), AX: (N*T) x 4M (the input part)."""
        N = a.shape[0]
        for i in range(cuda.grid(1), N * M, cuda.gridsize(1)):
            n = i // M
            j = i - n * M
            r = n * T + t
            ai = typ(typ(a[n, j] + AX[r, j]) + bias[0, j])
            af = typ(typ(a[n, M + j] + AX[r, M + j]) + bias[0, M + j])
            ao = typ(typ(a[n, 2 * M + j] + AX[r, 2 * M + j]) + bias[0, 2 * M + j])
            ag = typ(typ(a[n, 3 * M + j] + AX[r, 3 * M + j]) + bias[0, 3 * M + j])
            ig = sigmoid(ai)
            fg = sigmoid(af)
            og = sigmoid(ao)
            gg = math.tanh(ag)
            cv = float(c[n, j]) * fg + ig * gg
            h = math.tanh(cv) * og
            c[n, j] = cv
            if rs:
                out[n, t * M + j] = h
            cache_out[t, i] = h
            cache_c[t, i] = cv
            co = n * 4 * M
            cache_ifog[t, co + j] = ig
            cache_ifog[t, co + M + j] = fg
            cache_ifog[t, co + 2 * M + j] = og
            cache_ifog[t, co + 3 * M + j] = gg

    @cuda.jit
    def cell_back(dout, gs, t, first, dinp, D, dc, cache_c, c0, cache_ifog, M, draw):
        """draw (N x 4M) for step t; dc becomes f * dc_t (the carry to step t-1). The gradient
        of h_t: dout's (its block t when given sequences, plus the carry in dinp[:, D:])."""
        N = dc.shape[0]
        for i in range(cuda.grid(1), N * M, cuda.gridsize(1)):
            n = i // M
            j = i - n * M
            if first:
                d = float(dout[n, t * M + j] if gs else dout[n, j])
            elif gs:
                d = float(dout[n, t * M + j] + dinp[n, D + j])
            else:
                d = float(dinp[n, D + j])
            co = n * 4 * M
            ig = float(cache_ifog[t, co + j])
            fg = float(cache_ifog[t, co + M + j])
            og = float(cache_ifog[t, co + 2 * M + j])
            gg = float(cache_ifog[t, co + 3 * M + j])
            cp = float(c0[n, j] if t == 0 else cache_c[t - 1, i])
            tc = math.tanh(float(cache_c[t, i]))
            dct = float(dc[n, j]) + og * ((1.0 - tc * tc) * d)
            draw[n, j] = ig * (1.0 - ig) * (gg * dct)
            draw[n, M + j] = fg * (1.0 - fg) * (cp * dct)
            draw[n, 2 * M + j] = og * (1.0 - og) * (tc * d)
            draw[n, 3 * M + j] = (1.0 - gg * gg) * (ig * dct)
            dc[n, j] = fg * dct

    @cuda.jit
    def by_step(X, N, T, D, Xt):
        """Xt[t*N + n, :] = X[n, t*D : (t+1)*D]."""
        n_all = N * T * D
        for i in range(cuda.grid(1), n_all, cuda.gridsize(1)):
            r = i // D
            k = i - r * D
            t = r // N
            n = r - t * N
            Xt[r, k] = X[n, t * D + k]

    k = _K[dt.char] = {"cell": cell, "cell_back": cell_back, "by_step": by_step}
    return k


def _dims(b, fn, X, W, bias, out0, c0):
    from ...kernels import dnn
    X, W, bias, out0, c0 = (operand(b, a, name, fn) for a, name in
                            ((X, "X"), (W, "W"), (bias, "b"), (out0, "out0"), (c0, "c0")))
    # the CPU kernel's checks (and messages), on host stand-ins of the operands' shapes
    # (np.empty: address space only, its pages are never touched)
    shaped = [np.empty(a.shape, dnn._DT[0]) for a in (X, W, bias, out0, c0)]
    _, _, _, _, _, N, T, D, M = dnn._lstm_dims(fn, *shaped)
    return X, W, bias, out0, c0, N, T, D, M


def lstm(b, X, W, bias, out0, c0, return_sequences):
    """[out, c, cache_out, cache_c, cache_ifog], as the CPU kernel."""
    fn = "lstm"
    X, W, bias, out0, c0, N, T, D, M = _dims(b, fn, X, W, bias, out0, c0)
    rs = bool(return_sequences)
    dt = np.dtype(X.dtype)
    k = _kernels(dt)["cell"]
    out = arrays.empty((N, T * M) if rs else (N, M), dt)
    c = copy(c0)
    cache_out = arrays.empty((T, N * M), dt)
    cache_c = arrays.empty((T, N * M), dt)
    cache_ifog = arrays.empty((T, N * 4 * M), dt)
    AX = b.matmul(X.reshape(N * T, D), W[:D])
    Wh = W[D:]
    h = out0
    for t in range(T):
        a = b.matmul(h, Wh)
        launch(k, N * M, a, AX, T, t, bias, c, M, out, rs, cache_out, cache_c, cache_ifog)
        h = cache_out[t].reshape(N, M)
    if not rs:
        copy_flat(out.reshape(N * M), 0, cache_out.reshape(T * N * M), (T - 1) * N * M, N * M)
    return out, c, cache_out, cache_c, cache_ifog


def lstm_backward(b, X, W, bias, out0, c0, given_sequences, dout, dc,
                  cache_out=None, cache_c=None, cache_ifog=None):
    """[dX, dW, db, dout0, dc0], as the CPU kernel (caches recomputed when not given)."""
    from ...kernels.dnn import _check_shape
    fn = "lstm_backward"
    X, W, bias, out0, c0, N, T, D, M = _dims(b, fn, X, W, bias, out0, c0)
    gs = bool(given_sequences)
    dout = operand(b, dout, "dout", fn)
    _check_shape(fn, "dout", dout, N, T * M if gs else M)
    dc = operand(b, dc, "dc", fn)
    _check_shape(fn, "dc", dc, N, M)
    if cache_out is None or cache_c is None or cache_ifog is None:
        _, _, cache_out, cache_c, cache_ifog = lstm(b, X, W, bias, out0, c0, gs)
    else:
        cache_out = operand(b, cache_out, "cache_out", fn)
        cache_c = operand(b, cache_c, "cache_c", fn)
        cache_ifog = operand(b, cache_ifog, "cache_ifog", fn)
        _check_shape(fn, "cache_out", cache_out, T, N * M)
        _check_shape(fn, "cache_c", cache_c, T, N * M)
        _check_shape(fn, "cache_ifog", cache_ifog, T, N * 4 * M)
    dt = np.dtype(X.dtype)
    K = _kernels(dt)
    dX = arrays.empty((N, T * D), dt)
    dct = copy(dc)
    draws = arrays.empty((T * N, 4 * M), dt)
    dinp = None
    for t in range(T - 1, -1, -1):
        draw = draws[t * N:(t + 1) * N]
        launch(K["cell_back"], N * M, dout, gs, t, dinp is None, dinp if dinp is not None
               else dout, D, dct, cache_c, c0, cache_ifog, M, draw)
        dinp = b.matmul_nt(draw, W)
        copy_cols(dX, t * D, dinp, 0, D)
    dout0 = arrays.empty((N, M), dt)
    copy_cols(dout0, 0, dinp, D, M)
    # weight gradients over all steps: rows of step t, image n at t*N + n
    Xt = arrays.empty((T * N, D), dt)
    launch(K["by_step"], T * N * D, X, N, T, D, Xt)
    Hprev = arrays.empty((T * N, M), dt)
    flat = Hprev.reshape(T * N * M)
    copy_flat(flat, 0, out0.reshape(N * M), 0, N * M)
    if T > 1:
        copy_flat(flat, N * M, cache_out.reshape(T * N * M), 0, (T - 1) * N * M)
    dW = arrays.empty((D + M, 4 * M), dt)
    wflat = dW.reshape((D + M) * 4 * M)
    copy_flat(wflat, 0, b.matmul_tn(Xt, draws).reshape(D * 4 * M), 0, D * 4 * M)
    copy_flat(wflat, D * 4 * M, b.matmul_tn(Hprev, draws).reshape(M * 4 * M), 0, M * 4 * M)
    db = reduce.by_col(draws, "sum")
    return dX, dW, db, dout0, dct
