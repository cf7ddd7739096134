"""The Numba loops behind dmlpy.kernels.dnn (im2row/col2im, pooling, bias, batch norm, LSTM cells).
Each is a serial `nogil` kernel over a range [lo, hi) of independent tasks (see kernels/pool.py);
the wrappers in dnn.py validate shapes, allocate and split the work. Layouts and naming as there."""

import numpy as np
from numba import njit

DBL_MAX = np.finfo(np.float64).max

# Images per im2col/col2im chunk: bounds the column buffer to a few tens of MB.
_COL_BUDGET = 1 << 22  # doubles (32 MiB)

# ==========================================================================
# im2row / col2im
#
# conv2d and conv2d_backward_filter unfold a chunk of images into a
# (b*P*Q) x (C*Hf*Wf) matrix (one row per output position), which puts the
# forward GEMM in the orientation BLAS runs fastest here; conv2d_backward_data
# multiplies W^T (C*Hf*Wf x F) by the dout chunk (F x b*P*Q) and folds the
# columns back with col2im.
# ==========================================================================

@njit(cache=True)
def _qrange(kw, sw, pw, Q, Wd):
    """[qlo, qhi): output columns q whose input column q*sw+kw-pw lies in [0, Wd)."""
    off = kw - pw
    qlo = 0
    if off < 0:
        qlo = (-off + sw - 1) // sw
    qhi = 0
    if Wd - 1 - off >= 0:
        qhi = (Wd - 1 - off) // sw + 1
    if qhi > Q:
        qhi = Q
    if qlo > qhi:
        qlo = qhi
    return qlo, qhi


@njit(cache=True, nogil=True)
def _im2row(lo, hi, X, n0, C, H, Wd, Hf, Wf, sh, sw, ph, pw, P, Q, rows):
    """rows[b*P*Q + p*Q + q, c*Hf*Wf + kh*Wf + kw] = Xpad[n0+b, c, p*sh+kh, q*sw+kw].

    The transposed im2col: one row per output position; tasks are (b, p) pairs.
    """
    HW = H * Wd
    KK = Hf * Wf
    for bp in range(lo, hi):
        b = bp // P
        p = bp - b * P
        for q in range(Q):
            r = bp * Q + q
            w0 = q * sw - pw
            kwlo = 0
            if w0 < 0:
                kwlo = -w0
            kwhi = Wf
            if w0 + Wf > Wd:
                kwhi = Wd - w0
            if kwhi < kwlo:
                kwhi = kwlo
            for c in range(C):
                for kh in range(Hf):
                    h = p * sh + kh - ph
                    base = c * KK + kh * Wf
                    if h < 0 or h >= H:
                        for kw in range(Wf):
                            rows[r, base + kw] = 0.0
                        continue
                    xo = c * HW + h * Wd + w0
                    for kw in range(kwlo):
                        rows[r, base + kw] = 0.0
                    for kw in range(kwlo, kwhi):
                        rows[r, base + kw] = X[n0 + b, xo + kw]
                    for kw in range(kwhi, Wf):
                        rows[r, base + kw] = 0.0


@njit(cache=True, nogil=True)
def _col2im(lo, hi, col, n0, B, C, H, Wd, Hf, Wf, sh, sw, ph, pw, P, Q, dX):
    """Scatter-add the (C*Hf*Wf) x (B*P*Q) columns back into rows n0.. of dX (zeroed)."""
    HW = H * Wd
    PQ = P * Q
    KK = Hf * Wf
    for bc in range(lo, hi):
        b = bc // C
        c = bc - b * C
        xoff = c * HW
        for kh in range(Hf):
            for kw in range(Wf):
                r = c * KK + kh * Wf + kw
                qlo, qhi = _qrange(kw, sw, pw, Q, Wd)
                woff = kw - pw
                for p in range(P):
                    h = p * sh + kh - ph
                    if h < 0 or h >= H:
                        continue
                    base = b * PQ + p * Q
                    xo = xoff + h * Wd + woff
                    if sw == 1:
                        for q in range(qlo, qhi):
                            dX[n0 + b, xo + q] += col[r, base + q]
                    else:
                        for q in range(qlo, qhi):
                            dX[n0 + b, xo + q * sw] += col[r, base + q]


def _gather_images(src, n0, B, F, PQ, dst):
    """dst[f, b*PQ + j] = src[n0+b, f*PQ + j]   (N x F*PQ  ->  F x B*PQ)."""
    dst.reshape(F, B, PQ)[...] = src[n0:n0 + B].reshape(B, F, PQ).transpose(1, 0, 2)


def _head(buf, nrows, ncols):
    """A C-contiguous nrows x ncols matrix over the start of buf's memory (for a
    partial last chunk); keeps the kernels on one compiled contiguous signature."""
    return buf.reshape(-1)[:nrows * ncols].reshape(nrows, ncols)


def _chunk(N, per_image):
    return max(1, min(N, _COL_BUDGET // max(1, per_image)))


def _is_pointwise(Hf, Wf, sh, sw, ph, pw):
    return Hf == 1 and Wf == 1 and sh == 1 and sw == 1 and ph == 0 and pw == 0


# ==========================================================================
# pooling kernels
# ==========================================================================

@njit(cache=True, nogil=True)
def _pool(lo, hi, X, N, C, H, Wd, Hp, Wp, sh, sw, ph, pw, P, Q, is_max, out):
    """max (padding ignored, all-padding window -> -DBL_MAX, NaN sticky like Java's
    Math.max) or average (sum of the in-image cells / (Hp*Wp)) pooling."""
    HW = H * Wd
    PQ = P * Q
    mult = 1.0 / (Hp * Wp)
    for nc in range(lo, hi):
        n = nc // C
        c = nc - n * C
        xo = c * HW
        oo = c * PQ
        for p in range(P):
            h0 = p * sh - ph
            h1 = min(h0 + Hp, H)
            h0 = max(h0, 0)
            for q in range(Q):
                w0 = q * sw - pw
                w1 = min(w0 + Wp, Wd)
                w0 = max(w0, 0)
                if is_max:
                    m = -DBL_MAX
                    for h in range(h0, h1):
                        ro = xo + h * Wd
                        for w in range(w0, w1):
                            v = X[n, ro + w]
                            if v > m or v != v:
                                m = v
                            if m != m:
                                break
                        if m != m:
                            break
                    out[n, oo + p * Q + q] = m
                else:
                    s = 0.0
                    for h in range(h0, h1):
                        ro = xo + h * Wd
                        for w in range(w0, w1):
                            s += X[n, ro + w]
                    out[n, oo + p * Q + q] = s * mult


@njit(cache=True, nogil=True)
def _avg_pool_backward(lo, hi, dout, N, C, H, Wd, Hp, Wp, sh, sw, ph, pw, P, Q, dX):
    HW = H * Wd
    PQ = P * Q
    mult = 1.0 / (Hp * Wp)
    for nc in range(lo, hi):
        n = nc // C
        c = nc - n * C
        xo = c * HW
        oo = c * PQ
        for p in range(P):
            h0 = p * sh - ph
            h1 = min(h0 + Hp, H)
            h0 = max(h0, 0)
            for q in range(Q):
                w0 = q * sw - pw
                w1 = min(w0 + Wp, Wd)
                w0 = max(w0, 0)
                g = dout[n, oo + p * Q + q] * mult
                for h in range(h0, h1):
                    ro = xo + h * Wd
                    for w in range(w0, w1):
                        dX[n, ro + w] += g


# Comparator pairs SystemDS applies to a row of k <= 7 (index, gradient)
# entries before appending them to its sparse result; see dnn_reference.
_NET_PAIRS = np.zeros((8, 16, 2), dtype=np.int64)
_NET_LEN = np.zeros(8, dtype=np.int64)


def _init_networks():
    from .dnn_reference import SORT_NETWORKS
    for k, pairs in SORT_NETWORKS.items():
        _NET_LEN[k] = len(pairs)
        for i, (a, b) in enumerate(pairs):
            _NET_PAIRS[k, i, 0] = a
            _NET_PAIRS[k, i, 1] = b


_init_networks()


@njit(cache=True, nogil=True)
def _max_pool_backward(lo, hi, X, dout, N, C, H, Wd, Hp, Wp, sh, sw, ph, pw, P, Q,
                       net_pairs, net_len, dX):
    HW = H * Wd
    PQ = P * Q
    idx = np.empty(Q, dtype=np.int64)
    val = np.empty(Q, dtype=np.float64)
    for nc in range(lo, hi):
        n = nc // C
        c = nc - n * C
        xo = c * HW
        oo = c * PQ
        for p in range(P):
            h0 = p * sh - ph
            h1 = min(h0 + Hp, H)
            h0 = max(h0, 0)
            k = 0
            monotone = True
            for q in range(Q):
                w0 = q * sw - pw
                w1 = min(w0 + Wp, Wd)
                w0 = max(w0, 0)
                best = -np.inf
                bi = -1
                for h in range(h0, h1):
                    ro = xo + h * Wd
                    for w in range(w0, w1):
                        v = X[n, ro + w]
                        if v > best:
                            best = v
                            bi = h * Wd + w
                if bi >= 0:
                    if k > 0 and bi < idx[k - 1]:
                        monotone = False
                    idx[k] = bi
                    val[k] = dout[n, oo + p * Q + q]
                    k += 1
            if not monotone:
                # order entries by cell index exactly like SystemDS does
                if k <= 7:
                    for j in range(net_len[k]):
                        a = net_pairs[k, j, 0]
                        b = net_pairs[k, j, 1]
                        if idx[a] > idx[b]:
                            ti = idx[a]
                            idx[a] = idx[b]
                            idx[b] = ti
                            tv = val[a]
                            val[a] = val[b]
                            val[b] = tv
                else:
                    for i in range(1, k):
                        ki = idx[i]
                        vi = val[i]
                        j = i - 1
                        while j >= 0 and idx[j] > ki:
                            idx[j + 1] = idx[j]
                            val[j + 1] = val[j]
                            j -= 1
                        idx[j + 1] = ki
                        val[j + 1] = vi
            for j in range(k):
                v = val[j]
                if v != 0.0:  # zeros are never stored, so they never overwrite
                    dX[n, xo + idx[j]] = v


# ==========================================================================
# bias and batch-norm kernels
# ==========================================================================

@njit(cache=True)
def _bias_op(X, b, C, L, multiply, out):
    N = X.shape[0]
    for n in range(N):
        for c in range(C):
            bv = b[c]
            o = c * L
            if multiply:
                for j in range(L):
                    out[n, o + j] = X[n, o + j] * bv
            else:
                for j in range(L):
                    out[n, o + j] = X[n, o + j] + bv


@njit(cache=True)
def _bn_stats(X, C, L, s1, s2):
    N = X.shape[0]
    for c in range(C):
        a = 0.0
        a2 = 0.0
        for n in range(N):
            o = c * L
            for j in range(L):
                v = X[n, o + j]
                a += v
                a2 += v * v
        s1[c] = a
        s2[c] = a2


@njit(cache=True)
def _bn_apply(X, C, L, mean, inv_var, gamma, beta, out):
    N = X.shape[0]
    for n in range(N):
        for c in range(C):
            m = mean[c]
            s = inv_var[c]
            g = gamma[c]
            bt = beta[c]
            o = c * L
            for j in range(L):
                out[n, o + j] = (X[n, o + j] - m) * s * g + bt


@njit(cache=True)
def _bn_backward(X, dout, C, L, gamma, mean, inv_var, dX, dgamma, dbeta):
    N = X.shape[0]
    k1 = 1.0 / (N * L)
    for c in range(C):
        m = mean[c]
        iv = inv_var[c]
        g = gamma[c]
        iv3 = iv * iv * iv
        dvar = 0.0
        dmean_norm = 0.0
        sum_c = 0.0
        sum_d = 0.0
        sum_dy_xhat = 0.0
        o = c * L
        for n in range(N):
            for j in range(L):
                d = dout[n, o + j]
                ce = X[n, o + j] - m
                dn = d * g
                dvar -= 0.5 * ce * iv3 * dn
                dmean_norm -= dn * iv
                sum_dy_xhat += ce * iv * d
                sum_d += d
                sum_c += ce
        dbeta[c] = sum_d
        dgamma[c] = sum_dy_xhat
        dmean = dmean_norm + dvar * (-2.0 * k1 * sum_c)
        xmean = k1 * dmean
        for n in range(N):
            for j in range(L):
                ce = X[n, o + j] - m
                dX[n, o + j] = dout[n, o + j] * g * iv + xmean + 2.0 * k1 * ce * dvar


# ==========================================================================
# LSTM kernels (element-wise parts; the gate contractions use BLAS)
# ==========================================================================

@njit(cache=True)
def _lstm_cell(a, c, M, t, out, cache_out, cache_c, cache_ifog, return_sequences):
    """a: N x 4M pre-activations (in: gates; overwritten with activations); c: N x M state."""
    N = a.shape[0]
    for n in range(N):
        for j in range(M):
            ig = 1.0 / (np.exp(-a[n, j]) + 1.0)
            fg = 1.0 / (np.exp(-a[n, M + j]) + 1.0)
            og = 1.0 / (np.exp(-a[n, 2 * M + j]) + 1.0)
            gg = np.tanh(a[n, 3 * M + j])
            cv = c[n, j] * fg + ig * gg
            h = np.tanh(cv) * og
            c[n, j] = cv
            a[n, j] = ig
            a[n, M + j] = fg
            a[n, 2 * M + j] = og
            a[n, 3 * M + j] = gg
            if return_sequences:
                out[n, t * M + j] = h
            cache_out[t, n * M + j] = h
            cache_c[t, n * M + j] = cv
            co = n * 4 * M
            cache_ifog[t, co + j] = ig
            cache_ifog[t, co + M + j] = fg
            cache_ifog[t, co + 2 * M + j] = og
            cache_ifog[t, co + 3 * M + j] = gg


@njit(cache=True)
def _lstm_cell_backward(dh, dc, ct, cprev, ifog, M, draw):
    """Updates dc in place to f*dc_t (the carry) and fills draw (N x 4M)."""
    N = dh.shape[0]
    for n in range(N):
        for j in range(M):
            i = ifog[n, j]
            f = ifog[n, M + j]
            o = ifog[n, 2 * M + j]
            g = ifog[n, 3 * M + j]
            tc = np.tanh(ct[n, j])
            d = dh[n, j]
            dct = dc[n, j] + o * ((1.0 - tc * tc) * d)
            draw[n, j] = i * (1.0 - i) * (g * dct)
            draw[n, M + j] = f * (1.0 - f) * (cprev[n, j] * dct)
            draw[n, 2 * M + j] = o * (1.0 - o) * (tc * d)
            draw[n, 3 * M + j] = (1.0 - g * g) * (i * dct)
            dc[n, j] = f * dct
