"""batch_norm2d and its backward pass on the GPU, with the CPU kernels' semantics
(dmlpy.kernels.dnn): per-channel batch mean and biased variance E[x^2] - E[x]^2 in train mode,
the running means updated with momentum mu (and, SystemDS's quirk, the running variance updated
with the batch mean), the running statistics used as they are in test mode.

Per-channel sums: one block per channel, each thread over a stride of the channel's N*H*W cells,
then a tree in shared memory; accumulated in double precision (float32 cells widened), as the
CPU kernel accumulates, but in another order: results may differ from it in the last units.
The per-channel arithmetic (mean, variance, inverse deviation, running updates; the backward
pass's coefficients) runs in one thread per channel, rounded to the run's precision where the
CPU kernel's arrays round it; the element-wise passes run one thread per cell.
"""
from __future__ import annotations

import math

import numpy as np
from numba import cuda

from . import arrays, config
from .dnn_common import launch, operand

_K: dict = {}
NSUM = 5        # sums per channel of the backward pass


@cuda.jit(device=True, inline=True)
def _cell(i, C, L):
    """Cell i (row-major) of an N x C*L matrix: (row, column, channel)."""
    nn = i // (C * L)
    j = i - nn * (C * L)
    return nn, j, j // L


def _kernels(dt):
    k = _K.get(dt.char)
    if k is not None:
        return k
    tpb = config.TPB
    typ = dt.type

    @cuda.jit(device=True)
    def tree(sh, row, acc):
        """The block's total of acc (shared row `row` of sh as the scratch)."""
        t = cuda.threadIdx.x
        sh[row, t] = acc
        cuda.syncthreads()
        s = tpb // 2
        while s > 0:
            if t < s:
                sh[row, t] = sh[row, t] + sh[row, t + s]
            cuda.syncthreads()
            s //= 2
        r = sh[row, 0]
        cuda.syncthreads()
        return r

    @cuda.jit
    def stats(X, C, L, s1, s2):
        sh = cuda.shared.array((2, tpb), np.float64)
        N = X.shape[0]
        for c in range(cuda.blockIdx.x, C, cuda.gridDim.x):
            a = 0.0
            a2 = 0.0
            for i in range(cuda.threadIdx.x, N * L, tpb):
                nn = i // L
                v = float(X[nn, c * L + i - nn * L])
                a += v
                a2 += v * v
            a = tree(sh, 0, a)
            a2 = tree(sh, 1, a2)
            if cuda.threadIdx.x == 0:
                s1[c] = a
                s2[c] = a2

    @cuda.jit(device=True)
    def mul(a, b):          # a * b rounded to the run's precision (float32 * float32 exactly)
        return typ(float(typ(a)) * float(typ(b)))

    @cuda.jit(device=True)
    def add(a, b):
        return typ(float(typ(a)) + float(typ(b)))

    @cuda.jit(device=True)
    def inv_sd(var, eps):   # 1 / sqrt(var + eps), each step rounded as NumPy's in the dtype
        return typ(1.0 / float(typ(math.sqrt(float(add(var, eps))))))

    @cuda.jit
    def moments(s1, s2, cnt, em, ev, eps, mu, train, mean, inv, em_upd, ev_upd):
        C = em.shape[0]
        for c in range(cuda.grid(1), C, cuda.gridsize(1)):
            if train:
                m = typ(float(s1[c]) / cnt)
                var = add(typ(float(s2[c]) / cnt), -float(mul(m, m)))
                inv[c] = inv_sd(var, eps)
                mean[c] = m
                em_upd[c] = add(mul(mu, em[c]), mul(1.0 - mu, m))
                ev_upd[c] = add(mul(mu, ev[c]), mul(1.0 - mu, m))
            else:
                inv[c] = inv_sd(ev[c], eps)
                mean[c] = em[c]
                em_upd[c] = em[c]
                ev_upd[c] = ev[c]

    @cuda.jit
    def apply(X, C, L, mean, inv, gamma, beta, out):
        nr = X.shape[0]
        n = nr * C * L
        for i in range(cuda.grid(1), n, cuda.gridsize(1)):
            nn, j, c = _cell(i, C, L)
            out[nn, j] = (X[nn, j] - mean[c]) * inv[c] * gamma[c] + beta[c]

    @cuda.jit
    def back_sums(X, dout, C, L, gamma, mean, inv, sums):
        """sums[c, :]: dvar, dmean_norm, sum(dout * xhat), sum(dout), sum(x - mean)."""
        sh = cuda.shared.array((NSUM, tpb), np.float64)
        N = X.shape[0]
        for c in range(cuda.blockIdx.x, C, cuda.gridDim.x):
            m = mean[c]
            iv = inv[c]
            g = gamma[c]
            iv3 = iv * iv * iv
            dvar = 0.0
            dmn = 0.0
            sdx = 0.0
            sd = 0.0
            sc = 0.0
            for i in range(cuda.threadIdx.x, N * L, tpb):
                nn = i // L
                j = c * L + i - nn * L
                d = dout[nn, j]
                ce = X[nn, j] - m
                dn = d * g
                dvar -= 0.5 * float(ce) * float(iv3) * float(dn)
                dmn -= float(dn * iv)
                sdx += float(ce * iv * d)
                sd += float(d)
                sc += float(ce)
            dvar = tree(sh, 0, dvar)
            dmn = tree(sh, 1, dmn)
            sdx = tree(sh, 2, sdx)
            sd = tree(sh, 3, sd)
            sc = tree(sh, 4, sc)
            if cuda.threadIdx.x == 0:
                sums[c, 0] = dvar
                sums[c, 1] = dmn
                sums[c, 2] = sdx
                sums[c, 3] = sd
                sums[c, 4] = sc

    @cuda.jit
    def back_coef(sums, k1, dgamma, dbeta, coef):
        """coef[c]: the mean's term of dX and the variance's gradient (double precision)."""
        C = sums.shape[0]
        for c in range(cuda.grid(1), C, cuda.gridsize(1)):
            dvar = sums[c, 0]
            dmean = sums[c, 1] + dvar * (-2.0 * k1 * sums[c, 4])
            coef[c, 0] = k1 * dmean
            coef[c, 1] = dvar
            dgamma[c] = sums[c, 2]
            dbeta[c] = sums[c, 3]

    @cuda.jit
    def back_dx(X, dout, C, L, gamma, mean, inv, coef, k1, dX):
        nr = X.shape[0]
        n = nr * C * L
        for i in range(cuda.grid(1), n, cuda.gridsize(1)):
            nn, j, c = _cell(i, C, L)
            ce = X[nn, j] - mean[c]
            dX[nn, j] = float(dout[nn, j] * gamma[c] * inv[c]) + coef[c, 0] + \
                2.0 * k1 * float(ce) * coef[c, 1]

    k = _K[dt.char] = {"stats": stats, "moments": moments, "apply": apply,
                       "back_sums": back_sums, "back_coef": back_coef, "back_dx": back_dx}
    return k


def _blocks(C):
    return max(1, min(C, config.MAX_BLOCKS * 16))


def _vec(b, fn, name, a, C):
    a = operand(b, a, name, fn)
    if a.shape != (C, 1):
        raise ValueError(f"{fn}: {name} has shape {a.shape[0]}x{a.shape[1]}, expected {C}x1")
    return a.reshape(C)


def batch_norm2d(b, X, gamma, beta, ema_mean, ema_var, C, H, Wd, mode, eps, mu):
    """[out, ema_mean_upd, ema_var_upd, cache_mean, cache_inv_var], as the CPU kernel."""
    from ...kernels.dnn import _bn_dims
    fn = "batch_norm2d"
    X = operand(b, X, "input", fn)
    C, L = _bn_dims(fn, X, C, H, Wd)
    g = _vec(b, fn, "gamma", gamma, C)
    bt = _vec(b, fn, "beta", beta, C)
    em = _vec(b, fn, "ema_mean", ema_mean, C)
    ev = _vec(b, fn, "ema_var", ema_var, C)
    m = str(mode).lower()
    if m not in ("train", "test"):
        raise ValueError(f"{fn}: incorrect mode, expected either 'train' or 'test', "
                         f"but found '{mode}'")
    dt = np.dtype(X.dtype)
    k = _kernels(dt)
    s1 = arrays.empty((C,), dt)
    s2 = arrays.empty((C,), dt)
    if m == "train":
        k["stats"][_blocks(C), config.TPB](X, C, L, s1, s2)
    mean, inv, em_upd, ev_upd = (arrays.empty((C, 1), dt) for _ in range(4))
    launch(k["moments"], C, s1, s2, X.shape[0] * L, em, ev, float(eps), float(mu), m == "train",
           mean.reshape(C), inv.reshape(C), em_upd.reshape(C), ev_upd.reshape(C))
    out = arrays.empty(X.shape, dt)
    launch(k["apply"], X.size, X, C, L, mean.reshape(C), inv.reshape(C), g, bt, out)
    return out, em_upd, ev_upd, mean, inv


def batch_norm2d_backward(b, X, dout, gamma, C, H, Wd, eps, cache_mean, cache_inv_var):
    """[dX, dgamma, dbeta], as the CPU kernel (eps unused: the cached inverse includes it)."""
    from ...kernels.dnn import _bn_dims, _check_shape
    fn = "batch_norm2d_backward"
    X = operand(b, X, "input", fn)
    C, L = _bn_dims(fn, X, C, H, Wd)
    dout = operand(b, dout, "dout", fn)
    _check_shape(fn, "dout", dout, X.shape[0], X.shape[1])
    g = _vec(b, fn, "gamma", gamma, C)
    mean = _vec(b, fn, "cache_mean", cache_mean, C)
    iv = _vec(b, fn, "cache_inv_var", cache_inv_var, C)
    dt = np.dtype(X.dtype)
    k = _kernels(dt)
    sums = arrays.empty((C, NSUM), np.float64)
    k["back_sums"][_blocks(C), config.TPB](X, dout, C, L, g, mean, iv, sums)
    k1 = 1.0 / (X.shape[0] * L) if X.shape[0] else math.inf
    dgamma = arrays.empty((C, 1), dt)
    dbeta = arrays.empty((C, 1), dt)
    coef = arrays.empty((C, 2), np.float64)
    launch(k["back_coef"], C, sums, k1, dgamma.reshape(C), dbeta.reshape(C), coef)
    dX = arrays.empty(X.shape, dt)
    launch(k["back_dx"], X.size, X, dout, C, L, g, mean, iv, coef, k1, dX)
    return dX, dgamma, dbeta
