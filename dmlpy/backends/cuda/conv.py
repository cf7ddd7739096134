"""conv2d and its two backward passes on the GPU: im2col + the backend's GEMM.

Chosen over direct convolution kernels because it is the simpler to get right and puts all the
arithmetic into one matrix product per chunk of images, which cuBLAS (through CuPy) runs near
the device's peak; the data movement around it is three plain gather kernels, each thread
writing one cell (no atomics, so results do not depend on thread timing).

Layout: a chunk of b images is unfolded into a "wide" column matrix, CKK x b*PQ (CKK = C*Hf*Wf
rows, one per filter tap; a column per output position of each image, image-major), so that
all three passes are single 2-D products of the backend:
  forward          R  = W %*% cols            (F x b*PQ), then scattered to the N x F*PQ rows;
  backward filter  dW += G %*% t(cols)        (G: dout gathered to F x b*PQ);
  backward data    dcols = t(W) %*% G         (CKK x b*PQ), then folded back by col2im.
col2im is a gather: one thread per input cell sums the column cells that read it, in the
order of the CPU kernel (filter row, then filter column, ascending), so given the same
columns it gives the same bits. Chunks keep the column matrix within COL_BUDGET cells.
Shape checks and their messages are the CPU kernels' (dmlpy.kernels.dnn).
"""
from __future__ import annotations

import numpy as np
from numba import cuda

from . import arrays, config
from .dnn_common import add_into, launch, operand

COL_BUDGET = 1 << 18 if config.SIM else 1 << 27      # cells of one chunk's column matrix
_K: dict = {}


def _kernels(dt):
    k = _K.get(dt.char)
    if k is not None:
        return k
    zero = dt.type(0)

    @cuda.jit
    def im2col(X, n0, nb, C, H, Wd, Hf, Wf, sh, sw, ph, pw, P, Q, cols):
        """cols[c*Hf*Wf + kh*Wf + kw, b*P*Q + p*Q + q] = Xpad[n0+b, c, p*sh+kh-ph, q*sw+kw-pw]."""
        PQ = P * Q
        wide = nb * PQ
        n = C * Hf * Wf * wide
        for i in range(cuda.grid(1), n, cuda.gridsize(1)):
            k = i // wide
            j = i - k * wide
            c = k // (Hf * Wf)
            kk = k - c * (Hf * Wf)
            kh = kk // Wf
            kw = kk - kh * Wf
            b = j // PQ
            pq = j - b * PQ
            p = pq // Q
            q = pq - p * Q
            h = p * sh + kh - ph
            w = q * sw + kw - pw
            if h >= 0 and h < H and w >= 0 and w < Wd:
                cols[k, j] = X[n0 + b, (c * H + h) * Wd + w]
            else:
                cols[k, j] = zero

    @cuda.jit
    def swap(rows, wide, n0, nb, F, PQ, to_rows):
        """rows[n0+b, f*PQ + j] <-> wide[f, b*PQ + j] (to_rows: wide into rows, else back)."""
        n = nb * F * PQ
        for i in range(cuda.grid(1), n, cuda.gridsize(1)):
            b = i // (F * PQ)
            r = i - b * (F * PQ)
            f = r // PQ
            j = r - f * PQ
            if to_rows:
                rows[n0 + b, r] = wide[f, b * PQ + j]
            else:
                wide[f, b * PQ + j] = rows[n0 + b, r]

    @cuda.jit
    def col2im(cols, n0, nb, C, H, Wd, Hf, Wf, sh, sw, ph, pw, P, Q, dX):
        """dX[n0+b, c, h, w] = the sum of the column cells that im2col filled from it."""
        HW = H * Wd
        PQ = P * Q
        n = nb * C * HW
        for i in range(cuda.grid(1), n, cuda.gridsize(1)):
            b = i // (C * HW)
            r = i - b * (C * HW)
            c = r // HW
            hw = r - c * HW
            h = hw // Wd
            w = hw - h * Wd
            s = zero
            for kh in range(Hf):
                t = h + ph - kh
                if t < 0 or t % sh != 0 or t // sh >= P:
                    continue
                p = t // sh
                for kw in range(Wf):
                    u = w + pw - kw
                    if u < 0 or u % sw != 0 or u // sw >= Q:
                        continue
                    s += cols[(c * Hf + kh) * Wf + kw, b * PQ + p * Q + u // sw]
            dX[n0 + b, r] = s

    k = _K[dt.char] = {"im2col": im2col, "swap": swap, "col2im": col2im}
    return k


def _setup(fn, N, C, H, Wd, F, Hf, Wf, sh, sw, ph, pw):
    from ...kernels.dnn import _conv_setup
    return _conv_setup(fn, N, C, H, Wd, F, Hf, Wf, sh, sw, ph, pw)


def _operands(b, fn, d, first, a, second, g):
    """The two named operands (among input, filter and dout) on the device, their shapes checked
    against the setup d as the CPU kernels check them."""
    from ...kernels.dnn import _check_shape
    N, C, H, Wd, F, Hf, Wf, sh, sw, ph, pw, P, Q = d
    shapes = {"input": (N, C * H * Wd), "filter": (F, C * Hf * Wf), "dout": (N, F * P * Q)}
    a = operand(b, a, first, fn)
    g = operand(b, g, second, fn)
    _check_shape(fn, first, a, *shapes[first])
    _check_shape(fn, second, g, *shapes[second])
    return a, g


def _chunk(N, CKK, PQ):
    return max(1, min(N, COL_BUDGET // max(1, CKK * PQ)))


def _im2col(X, n0, nb, d, cols):
    N, C, H, Wd, F, Hf, Wf, sh, sw, ph, pw, P, Q = d
    launch(_kernels(np.dtype(X.dtype))["im2col"], cols.size, X, n0, nb, C, H, Wd, Hf, Wf,
           sh, sw, ph, pw, P, Q, cols)


def _swap(rows, wide, n0, nb, F, PQ, to_rows):
    launch(_kernels(np.dtype(rows.dtype))["swap"], nb * F * PQ, rows, wide, n0, nb, F, PQ,
           to_rows)


def _head(buf, nr, nc):
    return buf[:nr * nc].reshape(nr, nc)


def conv2d(b, X, W, N, C, H, Wd, F, Hf, Wf, sh, sw, ph, pw):
    """The CPU kernel's conv2d (X: N x C*H*Wd, W: F x C*Hf*Wf -> N x F*P*Q) on the device."""
    fn = "conv2d"
    d = _setup(fn, N, C, H, Wd, F, Hf, Wf, sh, sw, ph, pw)
    N, C, H, Wd, F, Hf, Wf, sh, sw, ph, pw, P, Q = d
    X, W = _operands(b, fn, d, "input", X, "filter", W)
    PQ, CKK = P * Q, C * Hf * Wf
    out = arrays.empty((N, F * PQ), X.dtype)
    B = _chunk(N, CKK, PQ)
    buf = arrays.empty((CKK * B * PQ,), X.dtype)
    for n0 in range(0, N, B):
        nb = min(B, N - n0)
        cols = _head(buf, CKK, nb * PQ)
        _im2col(X, n0, nb, d, cols)
        _swap(out, b.matmul(W, cols), n0, nb, F, PQ, True)
    return out


def conv2d_backward_filter(b, X, dout, N, C, H, Wd, F, Hf, Wf, sh, sw, ph, pw):
    """The gradient of conv2d with respect to the filter, F x C*Hf*Wf."""
    fn = "conv2d_backward_filter"
    d = _setup(fn, N, C, H, Wd, F, Hf, Wf, sh, sw, ph, pw)
    N, C, H, Wd, F, Hf, Wf, sh, sw, ph, pw, P, Q = d
    X, dout = _operands(b, fn, d, "input", X, "dout", dout)
    PQ, CKK = P * Q, C * Hf * Wf
    B = _chunk(N, CKK + F, PQ)
    buf = arrays.empty((CKK * B * PQ,), X.dtype)
    gbuf = arrays.empty((F * B * PQ,), X.dtype)
    dW = None
    for n0 in range(0, N, B):
        nb = min(B, N - n0)
        cols = _head(buf, CKK, nb * PQ)
        _im2col(X, n0, nb, d, cols)
        g = _head(gbuf, F, nb * PQ)
        _swap(dout, g, n0, nb, F, PQ, False)
        part = b.matmul_nt(g, cols)
        if dW is None:
            dW = part
        else:
            add_into(dW, part)
    return dW


def conv2d_backward_data(b, W, dout, N, C, H, Wd, F, Hf, Wf, sh, sw, ph, pw):
    """The gradient of conv2d with respect to its input, N x C*H*Wd."""
    fn = "conv2d_backward_data"
    d = _setup(fn, N, C, H, Wd, F, Hf, Wf, sh, sw, ph, pw)
    N, C, H, Wd, F, Hf, Wf, sh, sw, ph, pw, P, Q = d
    W, dout = _operands(b, fn, d, "filter", W, "dout", dout)
    PQ, CKK = P * Q, C * Hf * Wf
    dX = arrays.empty((N, C * H * Wd), W.dtype)
    B = _chunk(N, CKK + F, PQ)
    gbuf = arrays.empty((F * B * PQ,), W.dtype)
    k = _kernels(np.dtype(W.dtype))["col2im"]
    for n0 in range(0, N, B):
        nb = min(B, N - n0)
        g = _head(gbuf, F, nb * PQ)
        _swap(dout, g, n0, nb, F, PQ, False)
        dcols = b.matmul_tn(W, g)
        launch(k, nb * C * H * Wd, dcols, n0, nb, C, H, Wd, Hf, Wf, sh, sw, ph, pw, P, Q, dX)
    return dX
