"""max_pool, avg_pool and their backward passes on the GPU, with SystemDS's semantics as the CPU
kernels reproduce them (dmlpy.kernels.dnn_reference): padded cells are ignored by max and count
as zeros in the average (which divides by Hp*Wp); an all-padding window's max is -DBL_MAX; an
input without a non-zero cell gives all zeros from max_pool and max_pool_backward.

Forward: one thread per output cell, scanning its window in the CPU's order (so the same bits).
avg_pool_backward: one thread per input cell, adding the gradients of the windows that cover it
in the CPU's order (window row, then column).

max_pool_backward follows SystemDS's rule for shared maxima: a window's gradient goes to the
first maximum of the window (row-major, strict >), and where several windows route to one cell
the gradients are not summed: the cell keeps the last non-zero one, in the order SystemDS writes
them (output rows p ascending; within a row, entries ordered by cell index with SystemDS's
sorting networks for up to 7 entries, insertion sort beyond). On the GPU that is three passes:
each output cell's argmax (one thread each), each output row's entries ordered as SystemDS
orders them (one thread per row, in a scratch array), then one thread per input cell looking up
the last write to it: the rows whose windows cover it, from the last, each from its end.
"""
from __future__ import annotations

import numpy as np
from numba import cuda

from . import arrays
from .dnn_common import any_nonzero, launch, operand

_K: dict = {}
_NET: dict = {}
DBL_MAX = float(np.finfo(np.float64).max)


@cuda.jit(device=True, inline=True)
def _cell(i, C, A, B):
    """Cell i of an N x C*A*B matrix (row-major over image, channel, a, b): (image*C + channel,
    image, channel, a*B + b, a, b)."""
    AB = A * B
    nc = i // AB
    ab = i - nc * AB
    nn = nc // C
    a = ab // B
    return nc, nn, nc - nn * C, ab, a, ab - a * B


@cuda.jit(device=True, inline=True)
def _window(i, C, H, Wd, Hp, Wp, sh, sw, ph, pw, P, Q):
    """Output cell i (row-major over image, channel, p, q) of a pooling: (nc, image, channel,
    p*Q + q, h0, h1, w0, w1); its window, clipped to the input, is rows h0..h1-1 and columns
    w0..w1-1."""
    nc, nn, c, pq, p, q = _cell(i, C, P, Q)
    h0 = p * sh - ph
    h1 = h0 + Hp if h0 + Hp < H else H
    h0 = h0 if h0 > 0 else 0
    w0 = q * sw - pw
    w1 = w0 + Wp if w0 + Wp < Wd else Wd
    w0 = w0 if w0 > 0 else 0
    return nc, nn, c, pq, h0, h1, w0, w1


def _kernels(dt):
    k = _K.get(dt.char)
    if k is not None:
        return k
    typ = dt.type
    zero = typ(0)
    inf = np.inf

    @cuda.jit
    def pool(X, C, H, Wd, Hp, Wp, sh, sw, ph, pw, P, Q, is_max, out):
        PQ = P * Q
        n = X.shape[0] * C * PQ
        mult = 1.0 / (Hp * Wp)
        for i in range(cuda.grid(1), n, cuda.gridsize(1)):
            nc, nn, c, pq, h0, h1, w0, w1 = _window(i, C, H, Wd, Hp, Wp, sh, sw, ph, pw, P, Q)
            xo = c * H * Wd
            if is_max:
                m = -DBL_MAX
                for h in range(h0, h1):
                    for w in range(w0, w1):
                        v = float(X[nn, xo + h * Wd + w])
                        if v > m or v != v:
                            m = v
                out[nn, c * PQ + pq] = m
            else:
                s = 0.0
                for h in range(h0, h1):
                    for w in range(w0, w1):
                        s += float(X[nn, xo + h * Wd + w])
                out[nn, c * PQ + pq] = s * mult

    @cuda.jit
    def avg_back(dout, C, H, Wd, Hp, Wp, sh, sw, ph, pw, P, Q, dX):
        HW = H * Wd
        PQ = P * Q
        n = dX.shape[0] * C * HW
        mult = 1.0 / (Hp * Wp)
        for i in range(cuda.grid(1), n, cuda.gridsize(1)):
            nc, nn, c, hw, h, w = _cell(i, C, H, Wd)
            s = zero           # (rounded after each addition, as the CPU kernel's dX +=)
            for p in range(P):
                t = p * sh - ph
                if t > h:
                    break
                if t + Hp <= h:
                    continue
                for q in range(Q):
                    u = q * sw - pw
                    if u > w:
                        break
                    if u + Wp <= w:
                        continue
                    s = typ(float(s) + float(dout[nn, c * PQ + p * Q + q]) * mult)
            dX[nn, c * HW + hw] = s

    @cuda.jit
    def argmax(X, C, H, Wd, Hp, Wp, sh, sw, ph, pw, P, Q, best_at):
        """best_at[n*C + c, p*Q + q]: the window's first maximal cell (h*Wd + w), -1 if none."""
        PQ = P * Q
        n = X.shape[0] * C * PQ
        for i in range(cuda.grid(1), n, cuda.gridsize(1)):
            nc, nn, c, pq, h0, h1, w0, w1 = _window(i, C, H, Wd, Hp, Wp, sh, sw, ph, pw, P, Q)
            best = -inf
            bi = -1
            for h in range(h0, h1):
                for w in range(w0, w1):
                    v = float(X[nn, c * H * Wd + h * Wd + w])
                    if v > best:
                        best = v
                        bi = h * Wd + w
            best_at[nc, pq] = bi

    @cuda.jit
    def order(best_at, P, Q, net_pairs, net_len, cell, src, count):
        """Row (n, c, p)'s entries (cell index, q) in the order SystemDS writes them, at
        cell[ncp*Q ...], src[ncp*Q ...]; count[ncp] of them."""
        n = best_at.shape[0] * P
        for r in range(cuda.grid(1), n, cuda.gridsize(1)):
            nc = r // P
            p = r - nc * P
            o = r * Q
            k = 0
            monotone = True
            for q in range(Q):
                bi = best_at[nc, p * Q + q]
                if bi >= 0:
                    if k > 0 and bi < cell[o + k - 1]:
                        monotone = False
                    cell[o + k] = bi
                    src[o + k] = q
                    k += 1
            count[r] = k
            if not monotone:
                if k <= 7:
                    for j in range(net_len[k]):
                        a = o + net_pairs[k, j, 0]
                        b = o + net_pairs[k, j, 1]
                        if cell[a] > cell[b]:
                            t = cell[a]
                            cell[a] = cell[b]
                            cell[b] = t
                            t = src[a]
                            src[a] = src[b]
                            src[b] = t
                else:
                    for j in range(1, k):
                        kc = cell[o + j]
                        ks = src[o + j]
                        m = j - 1
                        while m >= 0 and cell[o + m] > kc:
                            cell[o + m + 1] = cell[o + m]
                            src[o + m + 1] = src[o + m]
                            m -= 1
                        cell[o + m + 1] = kc
                        src[o + m + 1] = ks

    @cuda.jit
    def max_back(dout, C, H, Wd, Hp, sh, ph, P, Q, cell, src, count, dX):
        """dX's cell: the last non-zero gradient written to it (rows p from the last)."""
        HW = H * Wd
        PQ = P * Q
        n = dX.shape[0] * C * HW
        for i in range(cuda.grid(1), n, cuda.gridsize(1)):
            nc, nn, c, hw, h, _ = _cell(i, C, H, Wd)
            v = zero
            found = False
            p = (h + ph) // sh
            if p > P - 1:
                p = P - 1
            while p >= 0 and not found:
                if p * sh - ph + Hp <= h:
                    break
                r = nc * P + p
                o = r * Q
                for j in range(count[r] - 1, -1, -1):
                    if cell[o + j] == hw:
                        g = dout[nn, c * PQ + p * Q + src[o + j]]
                        if g != 0:
                            v = g
                            found = True
                            break
                p -= 1
            dX[nn, c * HW + hw] = v

    k = _K[dt.char] = {"pool": pool, "avg_back": avg_back, "argmax": argmax, "order": order,
                       "max_back": max_back}
    return k


def _networks():
    if not _NET:
        from ...kernels.dnn_loops import _NET_LEN, _NET_PAIRS
        _NET["pairs"] = cuda.to_device(_NET_PAIRS)
        _NET["len"] = cuda.to_device(_NET_LEN)
    return _NET["pairs"], _NET["len"]


def _inputs(b, fn, X, N, C, H, Wd, Hp, Wp, sh, sw, ph, pw):
    from ...kernels.dnn import _check_shape, _pool_setup
    d = _pool_setup(fn, N, C, H, Wd, Hp, Wp, sh, sw, ph, pw)
    X = operand(b, X, "input", fn)
    _check_shape(fn, "input", X, d[0], d[1] * d[2] * d[3])
    return X, d


def _dout(b, fn, dout, N, C, P, Q):
    from ...kernels.dnn import _check_shape
    dout = operand(b, dout, "dout", fn)
    _check_shape(fn, "dout", dout, N, C * P * Q)
    return dout


def _pool(b, fn, X, N, C, H, Wd, Hp, Wp, sh, sw, ph, pw, is_max):
    X, d = _inputs(b, fn, X, N, C, H, Wd, Hp, Wp, sh, sw, ph, pw)
    N, C, H, Wd, Hp, Wp, sh, sw, ph, pw, P, Q = d
    if is_max and not any_nonzero(X):
        return b.zeros((N, C * P * Q), X.dtype)
    out = arrays.empty((N, C * P * Q), X.dtype)
    launch(_kernels(np.dtype(X.dtype))["pool"], out.size, X, C, H, Wd, Hp, Wp, sh, sw, ph, pw,
           P, Q, is_max, out)
    return out


def max_pool(b, X, N, C, H, Wd, Hp, Wp, sh, sw, ph, pw):
    return _pool(b, "max_pool", X, N, C, H, Wd, Hp, Wp, sh, sw, ph, pw, True)


def avg_pool(b, X, N, C, H, Wd, Hp, Wp, sh, sw, ph, pw):
    return _pool(b, "avg_pool", X, N, C, H, Wd, Hp, Wp, sh, sw, ph, pw, False)


def avg_pool_backward(b, X, dout, N, C, H, Wd, Hp, Wp, sh, sw, ph, pw):
    fn = "avg_pool_backward"
    X, d = _inputs(b, fn, X, N, C, H, Wd, Hp, Wp, sh, sw, ph, pw)
    N, C, H, Wd, Hp, Wp, sh, sw, ph, pw, P, Q = d
    dout = _dout(b, fn, dout, N, C, P, Q)
    dX = arrays.empty((N, C * H * Wd), X.dtype)
    launch(_kernels(np.dtype(X.dtype))["avg_back"], dX.size, dout, C, H, Wd, Hp, Wp, sh, sw,
           ph, pw, P, Q, dX)
    return dX


def max_pool_backward(b, X, dout, N, C, H, Wd, Hp, Wp, sh, sw, ph, pw):
    fn = "max_pool_backward"
    X, d = _inputs(b, fn, X, N, C, H, Wd, Hp, Wp, sh, sw, ph, pw)
    N, C, H, Wd, Hp, Wp, sh, sw, ph, pw, P, Q = d
    dout = _dout(b, fn, dout, N, C, P, Q)
    if not any_nonzero(X):
        return b.zeros((N, C * H * Wd), X.dtype)
    k = _kernels(np.dtype(X.dtype))
    best_at = arrays.empty((N * C, P * Q), np.int64)
    launch(k["argmax"], best_at.size, X, C, H, Wd, Hp, Wp, sh, sw, ph, pw, P, Q, best_at)
    cell = arrays.empty((N * C * P * Q,), np.int64)
    src = arrays.empty((N * C * P * Q,), np.int64)
    count = arrays.empty((N * C * P,), np.int64)
    pairs, lens = _networks()
    launch(k["order"], N * C * P, best_at, P, Q, pairs, lens, cell, src, count)
    dX = arrays.empty((N, C * H * Wd), X.dtype)
    launch(k["max_back"], dX.size, dout, C, H, Wd, Hp, sh, ph, P, Q, cell, src, count, dX)
    return dX
