"""Plain NumPy reference implementations of dmlpy's deep-learning builtins.

This module is the *executable definition* of the semantics that the fast
Numba kernels in :mod:`dmlpy.kernels.dnn` must reproduce; tests compare the two.
Everything here is written for clarity, not speed.  The functions take the same
arguments as the wrappers in :mod:`dmlpy.kernels.dnn` (shape validation is left
to those wrappers).

Layout conventions (those of SystemDS):

* a batch of images is an ``N x (C*H*W)`` matrix; row ``n`` holds image ``n``
  as ``C`` planes of ``H x W``, each plane row-major;
* filters are ``F x (C*Hf*Wf)``; conv2d output is ``N x (F*Hout*Wout)`` with
  ``Hout = (H + 2*ph - Hf) // sh + 1`` (same for the width).

SystemDS-specific behaviour reproduced here (established against SystemDS 3.4):

* ``max_pool`` ignores padded cells (a window that lies wholly in the padding
  yields ``-DBL_MAX``); NaN propagates like Java's ``Math.max``.
* ``max_pool`` and ``max_pool_backward`` return all zeros when ``X`` has no
  non-zero cell (SystemDS short-cuts empty inputs), even where a padded window
  would otherwise give ``-DBL_MAX`` or route a gradient to a zero maximum.
* ``avg_pool`` divides by ``Hp*Wp`` always (padded cells count as zeros).
* ``max_pool_backward`` routes each window's gradient to the *first* maximum of
  the window (row-major scan, strict ``>``; NaN cells and all-``-inf`` windows
  route nothing).  Gradients of windows that share a maximum cell are *not*
  summed: SystemDS appends them to a sparse row and the materialised value is
  the last one appended.  Entries are appended per (n, c, p) output row after
  ordering that row's Q entries by cell index with the sorting networks
  SystemDS uses for Q <= 7 (insertion sort otherwise), and zero gradients are
  never appended (so they do not overwrite an earlier window's value).
* ``batch_norm2d`` in train mode uses the biased batch variance
  ``E[x^2] - E[x]^2`` and updates ``ema_var`` with the *batch mean* (a quirk of
  SystemDS: ``ema_var_upd = mu*ema_var + (1-mu)*batch_mean``).
"""

import numpy as np

DBL_MAX = np.finfo(np.float64).max


def out_size(H, Hf, stride, pad):
    return (H + 2 * pad - Hf) // stride + 1


# --------------------------------------------------------------------------
# convolution
# --------------------------------------------------------------------------

def _padded(X, N, C, H, Wd, ph, pw):
    X4 = np.asarray(X, dtype=np.float64).reshape(N, C, H, Wd)
    return np.pad(X4, ((0, 0), (0, 0), (ph, ph), (pw, pw)))


def conv2d(X, W, N, C, H, Wd, F, Hf, Wf, sh, sw, ph, pw):
    P, Q = out_size(H, Hf, sh, ph), out_size(Wd, Wf, sw, pw)
    Xp = _padded(X, N, C, H, Wd, ph, pw)
    W4 = np.asarray(W, dtype=np.float64).reshape(F, C, Hf, Wf)
    out = np.zeros((N, F, P, Q))
    for kh in range(Hf):
        for kw in range(Wf):
            patch = Xp[:, :, kh:kh + sh * (P - 1) + 1:sh, kw:kw + sw * (Q - 1) + 1:sw]
            out += np.einsum('ncpq,fc->nfpq', patch, W4[:, :, kh, kw])
    return out.reshape(N, F * P * Q)


def conv2d_backward_filter(X, dout, N, C, H, Wd, F, Hf, Wf, sh, sw, ph, pw):
    P, Q = out_size(H, Hf, sh, ph), out_size(Wd, Wf, sw, pw)
    Xp = _padded(X, N, C, H, Wd, ph, pw)
    D4 = np.asarray(dout, dtype=np.float64).reshape(N, F, P, Q)
    dW = np.zeros((F, C, Hf, Wf))
    for kh in range(Hf):
        for kw in range(Wf):
            patch = Xp[:, :, kh:kh + sh * (P - 1) + 1:sh, kw:kw + sw * (Q - 1) + 1:sw]
            dW[:, :, kh, kw] = np.einsum('nfpq,ncpq->fc', D4, patch)
    return dW.reshape(F, C * Hf * Wf)


def conv2d_backward_data(W, dout, N, C, H, Wd, F, Hf, Wf, sh, sw, ph, pw):
    P, Q = out_size(H, Hf, sh, ph), out_size(Wd, Wf, sw, pw)
    W4 = np.asarray(W, dtype=np.float64).reshape(F, C, Hf, Wf)
    D4 = np.asarray(dout, dtype=np.float64).reshape(N, F, P, Q)
    dXp = np.zeros((N, C, H + 2 * ph, Wd + 2 * pw))
    for kh in range(Hf):
        for kw in range(Wf):
            dXp[:, :, kh:kh + sh * (P - 1) + 1:sh, kw:kw + sw * (Q - 1) + 1:sw] += \
                np.einsum('nfpq,fc->ncpq', D4, W4[:, :, kh, kw])
    return np.ascontiguousarray(dXp[:, :, ph:ph + H, pw:pw + Wd]).reshape(N, C * H * Wd)


# --------------------------------------------------------------------------
# pooling
# --------------------------------------------------------------------------

def _window(p, stride, pad, size, extent):
    lo = p * stride - pad
    return max(lo, 0), min(lo + size, extent)


def max_pool(X, N, C, H, Wd, Hp, Wp, sh, sw, ph, pw):
    P, Q = out_size(H, Hp, sh, ph), out_size(Wd, Wp, sw, pw)
    X4 = np.asarray(X, dtype=np.float64).reshape(N, C, H, Wd)
    if not np.any(X4):
        return np.zeros((N, C * P * Q))
    out = np.full((N, C, P, Q), -DBL_MAX)
    for p in range(P):
        h0, h1 = _window(p, sh, ph, Hp, H)
        for q in range(Q):
            w0, w1 = _window(q, sw, pw, Wp, Wd)
            if h1 <= h0 or w1 <= w0:
                continue
            win = X4[:, :, h0:h1, w0:w1].reshape(N, C, -1)
            # np.max propagates NaN like Java's Math.max
            out[:, :, p, q] = np.maximum(np.max(win, axis=2), -DBL_MAX)
    return out.reshape(N, C * P * Q)


def avg_pool(X, N, C, H, Wd, Hp, Wp, sh, sw, ph, pw):
    P, Q = out_size(H, Hp, sh, ph), out_size(Wd, Wp, sw, pw)
    X4 = np.asarray(X, dtype=np.float64).reshape(N, C, H, Wd)
    out = np.zeros((N, C, P, Q))
    for p in range(P):
        h0, h1 = _window(p, sh, ph, Hp, H)
        for q in range(Q):
            w0, w1 = _window(q, sw, pw, Wp, Wd)
            if h1 <= h0 or w1 <= w0:
                continue
            out[:, :, p, q] = X4[:, :, h0:h1, w0:w1].sum(axis=(2, 3)) / (Hp * Wp)
    return out.reshape(N, C * P * Q)


def avg_pool_backward(X, dout, N, C, H, Wd, Hp, Wp, sh, sw, ph, pw):
    P, Q = out_size(H, Hp, sh, ph), out_size(Wd, Wp, sw, pw)
    D4 = np.asarray(dout, dtype=np.float64).reshape(N, C, P, Q)
    dX = np.zeros((N, C, H, Wd))
    for p in range(P):
        h0, h1 = _window(p, sh, ph, Hp, H)
        for q in range(Q):
            w0, w1 = _window(q, sw, pw, Wp, Wd)
            dX[:, :, h0:h1, w0:w1] += (D4[:, :, p, q] / (Hp * Wp))[:, :, None, None]
    return dX.reshape(N, C * H * Wd)


# Comparator sequences (pairs of positions, swap when key[a] > key[b]) that
# SystemDS applies to the <= 7 entries of one output row before appending
# them to its sparse result; larger rows use a (stable) insertion sort.
SORT_NETWORKS = {
    2: [(0, 1)],
    3: [(0, 2), (0, 1), (1, 2)],
    4: [(0, 2), (1, 3), (0, 1), (2, 3), (1, 2)],
    5: [(0, 1), (2, 3), (1, 3), (2, 4), (1, 4), (0, 2), (1, 2), (3, 4), (2, 3)],
    6: [(0, 1), (2, 3), (4, 5), (1, 3), (0, 4), (1, 3), (1, 5), (2, 4),
        (1, 2), (3, 5), (3, 4), (2, 3)],
    7: [(0, 1), (2, 3), (4, 5), (0, 6), (2, 4), (0, 2), (1, 3), (5, 6),
        (1, 4), (2, 5), (1, 2), (4, 5), (2, 4), (3, 6), (3, 5), (3, 4)],
}


def order_row_entries(idx, val):
    """Order one output row's (cell index, gradient) entries like SystemDS."""
    idx, val = list(idx), list(val)
    k = len(idx)
    if k <= 7:
        for a, b in SORT_NETWORKS.get(k, []):
            if idx[a] > idx[b]:
                idx[a], idx[b] = idx[b], idx[a]
                val[a], val[b] = val[b], val[a]
    else:
        for i in range(1, k):
            ki, vi = idx[i], val[i]
            j = i - 1
            while j >= 0 and idx[j] > ki:
                idx[j + 1], val[j + 1] = idx[j], val[j]
                j -= 1
            idx[j + 1], val[j + 1] = ki, vi
    return idx, val


def max_pool_argmax(X4n, h0, h1, w0, w1, Wd):
    """Flat in-plane index of the first maximum (strict >) or -1."""
    best, best_ix = -np.inf, -1
    for h in range(h0, h1):
        for w in range(w0, w1):
            v = X4n[h, w]
            if best < v:
                best, best_ix = v, h * Wd + w
    return best_ix


def max_pool_backward(X, dout, N, C, H, Wd, Hp, Wp, sh, sw, ph, pw):
    P, Q = out_size(H, Hp, sh, ph), out_size(Wd, Wp, sw, pw)
    X4 = np.asarray(X, dtype=np.float64).reshape(N, C, H, Wd)
    D4 = np.asarray(dout, dtype=np.float64).reshape(N, C, P, Q)
    dX = np.zeros((N, C, H * Wd))
    if not np.any(X4):
        return dX.reshape(N, C * H * Wd)
    for n in range(N):
        for c in range(C):
            for p in range(P):
                h0, h1 = _window(p, sh, ph, Hp, H)
                idx, val = [], []
                for q in range(Q):
                    w0, w1 = _window(q, sw, pw, Wp, Wd)
                    m = max_pool_argmax(X4[n, c], h0, h1, w0, w1, Wd)
                    if m >= 0:
                        idx.append(m)
                        val.append(D4[n, c, p, q])
                idx, val = order_row_entries(idx, val)
                for i, v in zip(idx, val):
                    if v != 0.0:  # zeros are never stored, so never overwrite
                        dX[n, c, i] = v
    return dX.reshape(N, C * H * Wd)


# --------------------------------------------------------------------------
# bias
# --------------------------------------------------------------------------

def bias_add(X, b, C):
    X = np.asarray(X, dtype=np.float64)
    N = X.shape[0]
    return (X.reshape(N, C, -1) + np.asarray(b).reshape(1, C, 1)).reshape(X.shape)


def bias_multiply(X, b, C):
    X = np.asarray(X, dtype=np.float64)
    N = X.shape[0]
    return (X.reshape(N, C, -1) * np.asarray(b).reshape(1, C, 1)).reshape(X.shape)


# --------------------------------------------------------------------------
# batch normalisation
# --------------------------------------------------------------------------

def batch_norm2d(X, gamma, beta, ema_mean, ema_var, C, H, Wd, mode, eps, mu):
    """Returns (out, ema_mean_upd, ema_var_upd, cache_mean, cache_inv_var)."""
    X = np.asarray(X, dtype=np.float64)
    N = X.shape[0]
    X3 = X.reshape(N, C, H * Wd)
    g = np.asarray(gamma, dtype=np.float64).reshape(C)
    bt = np.asarray(beta, dtype=np.float64).reshape(C)
    em = np.asarray(ema_mean, dtype=np.float64).reshape(C)
    ev = np.asarray(ema_var, dtype=np.float64).reshape(C)
    mode = str(mode).lower()
    if mode == 'train':
        cnt = N * H * Wd
        mean = X3.sum(axis=(0, 2)) / cnt
        var = (X3 * X3).sum(axis=(0, 2)) / cnt - mean ** 2
        cache_mean = mean
        cache_inv_var = 1.0 / np.sqrt(var + eps)
        ema_mean_upd = mu * em + (1 - mu) * mean
        ema_var_upd = mu * ev + (1 - mu) * mean  # SystemDS quirk: mean, not var
    elif mode == 'test':
        cache_mean = em.copy()
        cache_inv_var = 1.0 / np.sqrt(ev + eps)
        ema_mean_upd = em.copy()
        ema_var_upd = ev.copy()
    else:
        raise ValueError("batch_norm2d: mode must be 'train' or 'test', got %r" % mode)
    out = (X3 - cache_mean[None, :, None]) * cache_inv_var[None, :, None] \
        * g[None, :, None] + bt[None, :, None]
    col = lambda v: np.ascontiguousarray(v, dtype=np.float64).reshape(C, 1)
    return (out.reshape(X.shape), col(ema_mean_upd), col(ema_var_upd),
            col(cache_mean), col(cache_inv_var))


def batch_norm2d_backward(X, dout, gamma, C, H, Wd, eps, cache_mean, cache_inv_var):
    """Returns (dX, dgamma, dbeta).  eps is unused (the cached inverse std is)."""
    X = np.asarray(X, dtype=np.float64)
    N = X.shape[0]
    X3 = X.reshape(N, C, H * Wd)
    D3 = np.asarray(dout, dtype=np.float64).reshape(N, C, H * Wd)
    g = np.asarray(gamma, dtype=np.float64).reshape(1, C, 1)
    mean = np.asarray(cache_mean, dtype=np.float64).reshape(1, C, 1)
    iv = np.asarray(cache_inv_var, dtype=np.float64).reshape(1, C, 1)
    k = 1.0 / (N * H * Wd)
    centered = X3 - mean
    dnorm = D3 * g
    dbeta = D3.sum(axis=(0, 2))
    dgamma = (centered * iv * D3).sum(axis=(0, 2))
    dvar = (-0.5 * centered * iv ** 3 * dnorm).sum(axis=(0, 2), keepdims=True)
    dmean = (-dnorm * iv).sum(axis=(0, 2), keepdims=True) \
        + dvar * (-2.0 * k * centered).sum(axis=(0, 2), keepdims=True)
    dX = dnorm * iv + k * dmean + 2.0 * k * centered * dvar
    return dX.reshape(X.shape), dgamma.reshape(C, 1), dbeta.reshape(C, 1)


# --------------------------------------------------------------------------
# LSTM
# --------------------------------------------------------------------------

def _sigmoid(x):
    return 1.0 / (np.exp(-x) + 1.0)


def lstm(X, W, b, out0, c0, return_sequences):
    """Returns (out, c, cache_out, cache_c, cache_ifog).

    X: N x (T*D), W: (D+M) x 4M (rows 0..D-1 act on x_t, rows D.. on h_{t-1}),
    b: 1 x 4M, out0/c0: N x M.  Gate blocks of the 4M columns: i, f, o, g
    (sigmoid, sigmoid, sigmoid, tanh).  c_t = f*c_{t-1} + i*g, h_t = o*tanh(c_t).
    out is N x (T*M) if return_sequences else N x M (h_T); c is c_T.
    cache_out/cache_c are T x (N*M) (row t = h_t / c_t flattened row-major),
    cache_ifog is T x (N*4M) (row t = activated gates flattened row-major).
    """
    N, M = out0.shape
    D = W.shape[0] - M
    T = X.shape[1] // D
    h = np.array(out0, dtype=np.float64)
    c = np.array(c0, dtype=np.float64)
    outs = np.zeros((N, T * M))
    cache_out = np.zeros((T, N * M))
    cache_c = np.zeros((T, N * M))
    cache_ifog = np.zeros((T, N * 4 * M))
    for t in range(T):
        xt = X[:, t * D:(t + 1) * D]
        a = np.hstack([xt, h]) @ W + b
        i = _sigmoid(a[:, :M])
        f = _sigmoid(a[:, M:2 * M])
        o = _sigmoid(a[:, 2 * M:3 * M])
        g = np.tanh(a[:, 3 * M:])
        c = f * c + i * g
        h = o * np.tanh(c)
        outs[:, t * M:(t + 1) * M] = h
        cache_out[t] = h.ravel()
        cache_c[t] = c.ravel()
        cache_ifog[t] = np.hstack([i, f, o, g]).ravel()
    out = outs if return_sequences else h.copy()
    return out, c, cache_out, cache_c, cache_ifog


def lstm_backward(X, W, b, out0, c0, given_sequences, dout, dc,
                  cache_out=None, cache_c=None, cache_ifog=None):
    """Returns (dX, dW, db, dout0, dc0); caches default to a fresh forward pass."""
    N, M = out0.shape
    D = W.shape[0] - M
    T = X.shape[1] // D
    if cache_out is None or cache_c is None or cache_ifog is None:
        _, _, cache_out, cache_c, cache_ifog = lstm(X, W, b, out0, c0, given_sequences)
    dX = np.zeros((N, T * D))
    dW = np.zeros_like(W, dtype=np.float64)
    db = np.zeros((1, 4 * M))
    dct = np.array(dc, dtype=np.float64)
    dh = None if given_sequences else np.array(dout, dtype=np.float64)
    for t in range(T - 1, -1, -1):
        if given_sequences:
            dt = dout[:, t * M:(t + 1) * M]
            dh = dt.copy() if t == T - 1 else dt + dh
        ct = cache_c[t].reshape(N, M)
        cprev = c0 if t == 0 else cache_c[t - 1].reshape(N, M)
        hprev = out0 if t == 0 else cache_out[t - 1].reshape(N, M)
        ifog = cache_ifog[t].reshape(N, 4 * M)
        i, f, o, g = (ifog[:, :M], ifog[:, M:2 * M], ifog[:, 2 * M:3 * M], ifog[:, 3 * M:])
        tc = np.tanh(ct)
        dct = dct + o * ((1 - tc ** 2) * dh)
        d_o = tc * dh
        d_f = cprev * dct
        d_i = g * dct
        d_g = i * dct
        draw = np.hstack([i * (1 - i) * d_i, f * (1 - f) * d_f,
                          o * (1 - o) * d_o, (1 - g ** 2) * d_g])
        inp = np.hstack([X[:, t * D:(t + 1) * D], hprev])
        dW += inp.T @ draw
        db += draw.sum(axis=0, keepdims=True)
        dinp = draw @ W.T
        dX[:, t * D:(t + 1) * D] = dinp[:, :D]
        dh = dinp[:, D:]
        dct = f * dct
    return dX, dW, db, dh.copy(), dct
