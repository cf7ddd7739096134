"""CPU kernels for DML's deep-learning builtins (conv2d, pooling, bias, batch norm, LSTM).

Numba kernels (``@njit(cache=True)``, no fastmath) do the data movement and the
element-wise work; the heavy contractions go to BLAS through NumPy's ``@``
(multithreaded OpenBLAS).  The public functions at the bottom of the module are
plain Python wrappers: they validate shapes (raising ``ValueError`` with a
message naming the builtin) and return new C-contiguous 2-D arrays of the run's precision.

Layouts follow SystemDS: a batch of images is ``N x (C*H*W)`` (row ``n`` holds
image ``n`` as ``C`` row-major planes of ``H x W``), filters are
``F x (C*Hf*Wf)``, conv2d output is ``N x (F*Hout*Wout)`` with
``Hout = (H + 2*pad_h - Hf) // stride_h + 1``.  The semantics, including the
SystemDS quirks they reproduce, are defined by :mod:`dmlpy.kernels.dnn_reference`.

Naming: ``Wd`` is the image width (``W`` is the filter/weight matrix).
"""

import numpy as np

from .dnn_loops import (_NET_LEN, _NET_PAIRS, _avg_pool_backward, _bias_op, _bn_apply, _bn_backward, _bn_stats, _chunk, _col2im, _gather_images, _head, _im2row, _is_pointwise, _lstm_cell, _lstm_cell_backward, _max_pool_backward, _pool)
from . import pool

# A DNN kernel call is split over the pool's threads only from 8 times the pool's usual work
# (8 * pool.MIN_WORK elements a thread, 2**18 by default): LeNet's layers at 32 images a batch (at
# most 409,600 elements a call, a few tenths of a millisecond) run on the calling thread. Handing
# such small work to the pool cost more than it gained on the 2-core development VM (waking a
# thread on the other core is slow there, a whole time slice when the machine is busy): see
# docs/paramserv.md, "Speed".
WORK_FACTOR = 8


def _parallel(kernel, ntasks, work_per_task, *args):
    pool.parallel(kernel, ntasks, work_per_task, *args, min_work=pool.MIN_WORK * WORK_FACTOR)


# ==========================================================================
# validation helpers
# ==========================================================================

_DT = [np.float64]     # float32 while a single-precision run is in progress (dmlpy.backends)


def _precision(p):
    _DT[0] = np.float32 if p == "single" else np.float64


def _follow_precision():
    from ..backends import follow_precision
    follow_precision(_precision)


_follow_precision()


def _f64(a, name, fn):
    """A 2-D C-ordered matrix of the run's precision (float64, or float32 in single precision)."""
    a = np.asarray(a)
    if a.ndim != 2:
        raise ValueError(f"{fn}: {name} must be a matrix (2-D), got {a.ndim}-D")
    return np.ascontiguousarray(a, dtype=_DT[0])


def _check_ints(fn, **kw):
    for k, v in kw.items():
        if int(v) != v:
            raise ValueError(f"{fn}: {k} must be an integer, got {v!r}")
    for k in ('N', 'C', 'H', 'W', 'F', 'Hf', 'Wf', 'Hp', 'Wp'):
        if k in kw and kw[k] <= 0:
            raise ValueError(f"{fn}: {k} must be positive, got {kw[k]}")
    for k in ('stride_h', 'stride_w'):
        if k in kw and kw[k] <= 0:
            raise ValueError(f"{fn}: {k} must be positive, got {kw[k]}")
    for k in ('pad_h', 'pad_w'):
        if k in kw and kw[k] < 0:
            raise ValueError(f"{fn}: {k} must be non-negative, got {kw[k]}")


def _out_dims(fn, H, Wd, Hf, Wf, sh, sw, ph, pw, what='filter'):
    P = (H + 2 * ph - Hf) // sh + 1
    Q = (Wd + 2 * pw - Wf) // sw + 1
    if H + 2 * ph < Hf:
        raise ValueError(f"{fn}: padded image height {H + 2 * ph} is less than the "
                         f"{what} height {Hf}")
    if Wd + 2 * pw < Wf:
        raise ValueError(f"{fn}: padded image width {Wd + 2 * pw} is less than the "
                         f"{what} width {Wf}")
    if P <= 0 or Q <= 0:
        raise ValueError(f"{fn}: output size must be positive, got {P}x{Q}")
    return P, Q


def _check_shape(fn, name, a, rows, cols):
    if a.shape != (rows, cols):
        raise ValueError(f"{fn}: {name} has shape {a.shape[0]}x{a.shape[1]}, "
                         f"expected {rows}x{cols}")


def _conv_setup(fn, N, C, H, Wd, F, Hf, Wf, sh, sw, ph, pw):
    N, C, H, Wd, F, Hf, Wf, sh, sw, ph, pw = (int(v) for v in
                                              (N, C, H, Wd, F, Hf, Wf, sh, sw, ph, pw))
    _check_ints(fn, N=N, C=C, H=H, W=Wd, F=F, Hf=Hf, Wf=Wf, stride_h=sh, stride_w=sw,
                pad_h=ph, pad_w=pw)
    P, Q = _out_dims(fn, H, Wd, Hf, Wf, sh, sw, ph, pw)
    return N, C, H, Wd, F, Hf, Wf, sh, sw, ph, pw, P, Q


def _pool_setup(fn, N, C, H, Wd, Hp, Wp, sh, sw, ph, pw):
    N, C, H, Wd, Hp, Wp, sh, sw, ph, pw = (int(v) for v in (N, C, H, Wd, Hp, Wp, sh, sw, ph, pw))
    _check_ints(fn, N=N, C=C, H=H, W=Wd, Hp=Hp, Wp=Wp, stride_h=sh, stride_w=sw,
                pad_h=ph, pad_w=pw)
    P, Q = _out_dims(fn, H, Wd, Hp, Wp, sh, sw, ph, pw, what='pool')
    return N, C, H, Wd, Hp, Wp, sh, sw, ph, pw, P, Q


# ==========================================================================
# public wrappers: convolution
# ==========================================================================

def conv2d(X, W, N, C, H, Wd, F, Hf, Wf, sh, sw, ph, pw):
    """conv2d(X, W, input_shape=[N,C,H,Wd], filter_shape=[F,C,Hf,Wf], stride=[sh,sw],
    padding=[ph,pw]): cross-correlation without bias.  X: N x C*H*Wd, W: F x C*Hf*Wf;
    returns N x F*P*Q."""
    fn = 'conv2d'
    N, C, H, Wd, F, Hf, Wf, sh, sw, ph, pw, P, Q = _conv_setup(fn, N, C, H, Wd, F, Hf, Wf,
                                                               sh, sw, ph, pw)
    X = _f64(X, 'input', fn)
    W = _f64(W, 'filter', fn)
    _check_shape(fn, 'input', X, N, C * H * Wd)
    _check_shape(fn, 'filter', W, F, C * Hf * Wf)
    PQ = P * Q
    out = np.empty((N, F * PQ), _DT[0])
    if _is_pointwise(Hf, Wf, sh, sw, ph, pw):
        np.matmul(W, X.reshape(N, C, PQ), out=out.reshape(N, F, PQ))
        return out
    CKK = C * Hf * Wf
    B = _chunk(N, (CKK + F) * PQ)
    rows = np.empty((B * PQ, CKK), _DT[0])
    res = np.empty((B * PQ, F), _DT[0])
    WT = W.T
    for n0 in range(0, N, B):
        b = min(B, N - n0)
        rv = _head(rows, b * PQ, CKK)
        _parallel(_im2row, b * P, C * Hf * Wf * Q,
                  X, n0, C, H, Wd, Hf, Wf, sh, sw, ph, pw, P, Q, rv)
        ov = _head(res, b * PQ, F)
        np.matmul(rv, WT, out=ov)  # (b*PQ x CKK) @ (CKK x F): BLAS's faster orientation
        out[n0:n0 + b].reshape(b, F, PQ)[...] = ov.reshape(b, PQ, F).transpose(0, 2, 1)
    return out


def conv2d_backward_filter(X, dout, N, C, H, Wd, F, Hf, Wf, sh, sw, ph, pw):
    """conv2d_backward_filter(X, dout, ...): gradient wrt the filter, F x C*Hf*Wf.
    X: N x C*H*Wd, dout: N x F*P*Q."""
    fn = 'conv2d_backward_filter'
    N, C, H, Wd, F, Hf, Wf, sh, sw, ph, pw, P, Q = _conv_setup(fn, N, C, H, Wd, F, Hf, Wf,
                                                               sh, sw, ph, pw)
    X = _f64(X, 'input', fn)
    dout = _f64(dout, 'dout', fn)
    _check_shape(fn, 'input', X, N, C * H * Wd)
    _check_shape(fn, 'dout', dout, N, F * P * Q)
    PQ = P * Q
    CKK = C * Hf * Wf
    pointwise = _is_pointwise(Hf, Wf, sh, sw, ph, pw)
    B = _chunk(N, (CKK + F) * PQ)
    rows = np.empty((B * PQ, CKK), _DT[0])
    dg = np.empty((F, B * PQ), _DT[0])
    dW = np.zeros((F, CKK), _DT[0])
    tmp = np.empty((F, CKK), _DT[0])
    for n0 in range(0, N, B):
        b = min(B, N - n0)
        rv = _head(rows, b * PQ, CKK)
        if pointwise:
            rv.reshape(b, PQ, CKK)[...] = X[n0:n0 + b].reshape(b, CKK, PQ).transpose(0, 2, 1)
        else:
            _parallel(_im2row, b * P, C * Hf * Wf * Q,
                      X, n0, C, H, Wd, Hf, Wf, sh, sw, ph, pw, P, Q, rv)
        gv = _head(dg, F, b * PQ)
        _gather_images(dout, n0, b, F, PQ, gv)
        # dW += dout_chunk (F x b*PQ) @ rows (b*PQ x CKK)
        np.matmul(gv, rv, out=dW if n0 == 0 else tmp)
        if n0:
            dW += tmp
    return dW


def conv2d_backward_data(W, dout, N, C, H, Wd, F, Hf, Wf, sh, sw, ph, pw):
    """conv2d_backward_data(W, dout, ...): gradient wrt the input, N x C*H*Wd.
    W: F x C*Hf*Wf, dout: N x F*P*Q."""
    fn = 'conv2d_backward_data'
    N, C, H, Wd, F, Hf, Wf, sh, sw, ph, pw, P, Q = _conv_setup(fn, N, C, H, Wd, F, Hf, Wf,
                                                               sh, sw, ph, pw)
    W = _f64(W, 'filter', fn)
    dout = _f64(dout, 'dout', fn)
    _check_shape(fn, 'filter', W, F, C * Hf * Wf)
    _check_shape(fn, 'dout', dout, N, F * P * Q)
    PQ = P * Q
    CKK = C * Hf * Wf
    if _is_pointwise(Hf, Wf, sh, sw, ph, pw):
        dX = np.empty((N, C * PQ), _DT[0])
        np.matmul(W.T, dout.reshape(N, F, PQ), out=dX.reshape(N, C, PQ))
        return dX
    dX = np.zeros((N, C * H * Wd), _DT[0])
    B = _chunk(N, (CKK + F) * PQ)
    dg = np.empty((F, B * PQ), _DT[0])
    col = np.empty((CKK, B * PQ), _DT[0])
    WT = W.T
    for n0 in range(0, N, B):
        b = min(B, N - n0)
        cv = _head(col, CKK, b * PQ)
        if b == 1:
            np.matmul(WT, dout[n0].reshape(F, PQ), out=cv)
        else:
            gv = _head(dg, F, b * PQ)
            _gather_images(dout, n0, b, F, PQ, gv)
            np.matmul(WT, gv, out=cv)
        _parallel(_col2im, b * C, Hf * Wf * P * Q,
                  cv, n0, b, C, H, Wd, Hf, Wf, sh, sw, ph, pw, P, Q, dX)
    return dX


# ==========================================================================
# public wrappers: pooling
# ==========================================================================

def _pool_inputs(fn, X, N, C, H, Wd, Hp, Wp, sh, sw, ph, pw):
    dims = _pool_setup(fn, N, C, H, Wd, Hp, Wp, sh, sw, ph, pw)
    X = _f64(X, 'input', fn)
    _check_shape(fn, 'input', X, dims[0], dims[1] * dims[2] * dims[3])
    return X, dims


def max_pool(X, N, C, H, Wd, Hp, Wp, sh, sw, ph, pw):
    """max_pool(X, input_shape=[N,C,H,Wd], pool_size=[Hp,Wp], stride, padding) -> N x C*P*Q.
    Padded cells are ignored; an all-padding window yields -DBL_MAX."""
    X, d = _pool_inputs('max_pool', X, N, C, H, Wd, Hp, Wp, sh, sw, ph, pw)
    N, C, H, Wd, Hp, Wp, sh, sw, ph, pw, P, Q = d
    if not X.any():  # SystemDS short-cuts an all-zero input to an all-zero result
        return np.zeros((N, C * P * Q), _DT[0])
    out = np.empty((N, C * P * Q), _DT[0])
    _parallel(_pool, N * C, Hp * Wp * P * Q,
              X, N, C, H, Wd, Hp, Wp, sh, sw, ph, pw, P, Q, True, out)
    return out


def avg_pool(X, N, C, H, Wd, Hp, Wp, sh, sw, ph, pw):
    """avg_pool(X, ...) -> N x C*P*Q; divides by Hp*Wp (padded cells count as 0)."""
    X, d = _pool_inputs('avg_pool', X, N, C, H, Wd, Hp, Wp, sh, sw, ph, pw)
    N, C, H, Wd, Hp, Wp, sh, sw, ph, pw, P, Q = d
    out = np.empty((N, C * P * Q), _DT[0])
    _parallel(_pool, N * C, Hp * Wp * P * Q,
              X, N, C, H, Wd, Hp, Wp, sh, sw, ph, pw, P, Q, False, out)
    return out


def max_pool_backward(X, dout, N, C, H, Wd, Hp, Wp, sh, sw, ph, pw):
    """max_pool_backward(X, dout, ...) -> N x C*H*Wd.  Each window's gradient goes to
    its first maximum; windows sharing a maximum cell do not sum (see dnn_reference)."""
    fn = 'max_pool_backward'
    X, d = _pool_inputs(fn, X, N, C, H, Wd, Hp, Wp, sh, sw, ph, pw)
    N, C, H, Wd, Hp, Wp, sh, sw, ph, pw, P, Q = d
    dout = _f64(dout, 'dout', fn)
    _check_shape(fn, 'dout', dout, N, C * P * Q)
    dX = np.zeros((N, C * H * Wd), _DT[0])
    if not X.any():  # SystemDS short-cuts an all-zero input to an all-zero result
        return dX
    _parallel(_max_pool_backward, N * C, Hp * Wp * P * Q, X, dout, N, C, H, Wd, Hp, Wp, sh, sw, ph, pw, P, Q,
                       _NET_PAIRS, _NET_LEN, dX)
    return dX


def avg_pool_backward(X, dout, N, C, H, Wd, Hp, Wp, sh, sw, ph, pw):
    """avg_pool_backward(X, dout, ...) -> N x C*H*Wd (X is only shape-checked)."""
    fn = 'avg_pool_backward'
    X, d = _pool_inputs(fn, X, N, C, H, Wd, Hp, Wp, sh, sw, ph, pw)
    N, C, H, Wd, Hp, Wp, sh, sw, ph, pw, P, Q = d
    dout = _f64(dout, 'dout', fn)
    _check_shape(fn, 'dout', dout, N, C * P * Q)
    dX = np.zeros((N, C * H * Wd), _DT[0])
    _parallel(_avg_pool_backward, N * C, Hp * Wp * P * Q, dout, N, C, H, Wd, Hp, Wp, sh, sw, ph, pw, P, Q, dX)
    return dX


# ==========================================================================
# public wrappers: bias
# ==========================================================================

def _bias(fn, X, b, C, multiply):
    X = _f64(X, 'input', fn)
    b = _f64(b, 'bias', fn)
    C = int(C)
    if b.shape[1] != 1:
        raise ValueError(f"{fn}: bias must have 1 column, got {b.shape[1]}")
    if b.shape[0] != C or C <= 0:
        raise ValueError(f"{fn}: bias has {b.shape[0]} rows, expected {C}")
    if X.shape[1] % C != 0:
        raise ValueError(f"{fn}: number of input columns {X.shape[1]} is not a multiple "
                         f"of the number of bias rows {C}")
    out = np.empty(X.shape, _DT[0])
    _bias_op(X, b.reshape(C), C, X.shape[1] // C, multiply, out)
    return out


def bias_add(X, b, C):
    """bias_add(X, b): X (N x C*L) plus b[c] (b is C x 1) on every cell of channel c."""
    return _bias('bias_add', X, b, C, False)


def bias_multiply(X, b, C):
    """bias_multiply(X, b): X (N x C*L) times b[c] on every cell of channel c."""
    return _bias('bias_multiply', X, b, C, True)


# ==========================================================================
# public wrappers: batch normalisation
# ==========================================================================

def _col_vec(fn, name, a, C):
    a = _f64(a, name, fn)
    if a.shape != (C, 1):
        raise ValueError(f"{fn}: {name} has shape {a.shape[0]}x{a.shape[1]}, expected {C}x1")
    return a.reshape(C)


def _bn_dims(fn, X, C, H, Wd):
    C, H, Wd = int(C), int(H), int(Wd)
    if C <= 0 or H <= 0 or Wd <= 0:
        raise ValueError(f"{fn}: C, H, W must be positive, got {C}, {H}, {Wd}")
    if X.shape[1] != C * H * Wd:
        raise ValueError(f"{fn}: input has {X.shape[1]} columns, expected C*H*W = {C * H * Wd}")
    return C, H * Wd


def batch_norm2d(X, gamma, beta, ema_mean, ema_var, C, H, Wd, mode, eps, mu):
    """[out, ema_mean_upd, ema_var_upd, cache_mean, cache_inv_var] =
    batch_norm2d(X, gamma, beta, ema_mean, ema_var, mode, eps, mu).

    X: N x C*H*Wd; gamma, beta, ema_mean, ema_var: C x 1; mode 'train' or 'test'
    (case-insensitive).  train: per-channel batch mean and biased variance
    (E[x^2]-E[x]^2), cache_inv_var = 1/sqrt(var+eps), ema_mean_upd = mu*ema_mean +
    (1-mu)*mean and (SystemDS quirk) ema_var_upd = mu*ema_var + (1-mu)*mean.
    test: cache_mean = ema_mean, cache_inv_var = 1/sqrt(ema_var+eps), EMAs unchanged.
    out = (X - cache_mean) * cache_inv_var * gamma + beta.  Returns five arrays."""
    fn = 'batch_norm2d'
    X = _f64(X, 'input', fn)
    C, L = _bn_dims(fn, X, C, H, Wd)
    g = _col_vec(fn, 'gamma', gamma, C)
    bt = _col_vec(fn, 'beta', beta, C)
    em = _col_vec(fn, 'ema_mean', ema_mean, C)
    ev = _col_vec(fn, 'ema_var', ema_var, C)
    eps = float(eps)
    mu = float(mu)
    m = str(mode).lower()
    if m == 'train':
        s1 = np.empty(C, _DT[0])
        s2 = np.empty(C, _DT[0])
        _bn_stats(X, C, L, s1, s2)
        cnt = X.shape[0] * L
        mean = s1 / cnt
        var = s2 / cnt - mean * mean
        inv_var = 1.0 / np.sqrt(var + eps)
        em_upd = mu * em + (1 - mu) * mean
        ev_upd = mu * ev + (1 - mu) * mean
    elif m == 'test':
        mean = em.copy()
        inv_var = 1.0 / np.sqrt(ev + eps)
        em_upd = em.copy()
        ev_upd = ev.copy()
    else:
        raise ValueError(f"{fn}: incorrect mode, expected either 'train' or 'test', "
                         f"but found '{mode}'")
    out = np.empty(X.shape, _DT[0])
    _bn_apply(X, C, L, mean, inv_var, g, bt, out)
    return (out, em_upd.reshape(C, 1), ev_upd.reshape(C, 1),
            np.ascontiguousarray(mean).reshape(C, 1), inv_var.reshape(C, 1))


def batch_norm2d_backward(X, dout, gamma, C, H, Wd, eps, cache_mean, cache_inv_var):
    """[dX, dgamma, dbeta] = batch_norm2d_backward(X, dout, gamma, eps, cache_mean,
    cache_inv_var).  X, dout: N x C*H*Wd; gamma, caches: C x 1.  eps is accepted for
    signature fidelity and unused (the cached inverse std already includes it)."""
    fn = 'batch_norm2d_backward'
    X = _f64(X, 'input', fn)
    C, L = _bn_dims(fn, X, C, H, Wd)
    dout = _f64(dout, 'dout', fn)
    _check_shape(fn, 'dout', dout, X.shape[0], X.shape[1])
    g = _col_vec(fn, 'gamma', gamma, C)
    mean = _col_vec(fn, 'cache_mean', cache_mean, C)
    iv = _col_vec(fn, 'cache_inv_var', cache_inv_var, C)
    dX = np.empty(X.shape, _DT[0])
    dgamma = np.empty(C, _DT[0])
    dbeta = np.empty(C, _DT[0])
    _bn_backward(X, dout, C, L, g, mean, iv, dX, dgamma, dbeta)
    return dX, dgamma.reshape(C, 1), dbeta.reshape(C, 1)


# ==========================================================================
# public wrappers: LSTM
# ==========================================================================

def _lstm_dims(fn, X, W, b, out0, c0):
    X = _f64(X, 'X', fn)
    W = _f64(W, 'W', fn)
    b = _f64(b, 'b', fn)
    out0 = _f64(out0, 'out0', fn)
    c0 = _f64(c0, 'c0', fn)
    N, M = out0.shape
    if c0.shape != out0.shape:
        raise ValueError(f"{fn}: out0 and c0 must have the same shape (N x M), got "
                         f"{out0.shape[0]}x{out0.shape[1]} and {c0.shape[0]}x{c0.shape[1]}")
    if M <= 0 or N <= 0:
        raise ValueError(f"{fn}: out0 must be N x M with N, M > 0")
    if W.shape[1] != 4 * M:
        raise ValueError(f"{fn}: W must be (D+M) x 4M = ? x {4 * M}, got "
                         f"{W.shape[0]}x{W.shape[1]}")
    D = W.shape[0] - M
    if D <= 0:
        raise ValueError(f"{fn}: W must have D+M rows with D > 0, got {W.shape[0]} rows "
                         f"for M = {M}")
    if b.shape != (1, 4 * M):
        raise ValueError(f"{fn}: b must be 1 x 4M = 1x{4 * M}, got {b.shape[0]}x{b.shape[1]}")
    if X.shape[0] != N:
        raise ValueError(f"{fn}: X has {X.shape[0]} rows, expected N = {N} (rows of out0)")
    if X.shape[1] % D != 0 or X.shape[1] == 0:
        raise ValueError(f"{fn}: X has {X.shape[1]} columns, expected T*D with D = {D}")
    T = X.shape[1] // D
    return X, W, b, out0, c0, N, T, D, M


def lstm(X, W, b, out0, c0, return_sequences):
    """[out, c, cache_out, cache_c, cache_ifog] = lstm(X, W, b, out0, c0, return_sequences).

    X: N x T*D (timestep t in columns t*D..t*D+D-1); W: (D+M) x 4M (first D rows act
    on x_t, the last M on h_{t-1}); b: 1 x 4M; out0, c0: N x M (dims are inferred).
    Gate column blocks i, f, o, g: i,f,o = sigmoid, g = tanh; c_t = f*c_{t-1} + i*g;
    h_t = o*tanh(c_t).  out: N x T*M (all h_t) if return_sequences else N x M (h_T);
    c: N x M (c_T); cache_out, cache_c: T x N*M; cache_ifog: T x N*4M (activated gates).
    """
    fn = 'lstm'
    X, W, b, out0, c0, N, T, D, M = _lstm_dims(fn, X, W, b, out0, c0)
    rs = bool(return_sequences)
    out = np.empty((N, T * M), _DT[0]) if rs else np.empty((N, M), _DT[0])
    c = c0.copy()
    cache_out = np.empty((T, N * M), _DT[0])
    cache_c = np.empty((T, N * M), _DT[0])
    cache_ifog = np.empty((T, N * 4 * M), _DT[0])
    Wx = W[:D]
    Wh = W[D:]
    # input contributions for all timesteps in one GEMM: (N*T) x D @ D x 4M
    AX = (X.reshape(N * T, D) @ Wx).reshape(N, T, 4 * M)
    h = out0
    a = np.empty((N, 4 * M), _DT[0])
    for t in range(T):
        np.matmul(h, Wh, out=a)
        a += AX[:, t]
        a += b
        _lstm_cell(a, c, M, t, out, cache_out, cache_c, cache_ifog, rs)
        h = cache_out[t].reshape(N, M)
    if not rs:
        out[:] = h
    return out, c, cache_out, cache_c, cache_ifog


def lstm_backward(X, W, b, out0, c0, given_sequences, dout, dc,
                  cache_out=None, cache_c=None, cache_ifog=None):
    """[dX, dW, db, dout0, dc0] = lstm_backward(X, W, b, out0, c0, given_sequences, dout,
    dc, cache_out, cache_c, cache_ifog).

    dout: N x T*M if given_sequences else N x M; dc: N x M (gradient wrt the final
    cell state).  The caches are those returned by :func:`lstm`; if omitted they are
    recomputed with a forward pass.  Returns dX (N x T*D), dW ((D+M) x 4M),
    db (1 x 4M), dout0 (N x M), dc0 (N x M).
    """
    fn = 'lstm_backward'
    X, W, b, out0, c0, N, T, D, M = _lstm_dims(fn, X, W, b, out0, c0)
    gs = bool(given_sequences)
    dout = _f64(dout, 'dout', fn)
    _check_shape(fn, 'dout', dout, N, T * M if gs else M)
    dc = _f64(dc, 'dc', fn)
    _check_shape(fn, 'dc', dc, N, M)
    if cache_out is None or cache_c is None or cache_ifog is None:
        _, _, cache_out, cache_c, cache_ifog = lstm(X, W, b, out0, c0, gs)
    else:
        cache_out = _f64(cache_out, 'cache_out', fn)
        cache_c = _f64(cache_c, 'cache_c', fn)
        cache_ifog = _f64(cache_ifog, 'cache_ifog', fn)
        _check_shape(fn, 'cache_out', cache_out, T, N * M)
        _check_shape(fn, 'cache_c', cache_c, T, N * M)
        _check_shape(fn, 'cache_ifog', cache_ifog, T, N * 4 * M)
    dX = np.empty((N, T * D), _DT[0])
    dct = dc.copy()
    draws = np.empty((T, N, 4 * M), _DT[0])
    WT = np.ascontiguousarray(W.T)
    dh = None if gs else dout.copy()
    dinp = np.empty((N, D + M), _DT[0])
    for t in range(T - 1, -1, -1):
        if gs:
            dt = dout[:, t * M:(t + 1) * M]
            dh = dt.copy() if t == T - 1 else dt + dh
        ct = cache_c[t].reshape(N, M)
        cprev = c0 if t == 0 else cache_c[t - 1].reshape(N, M)
        ifog = cache_ifog[t].reshape(N, 4 * M)
        draw = draws[t]
        _lstm_cell_backward(dh, dct, ct, cprev, ifog, M, draw)
        np.matmul(draw, WT, out=dinp)
        dX[:, t * D:(t + 1) * D] = dinp[:, :D]
        dh = dinp[:, D:].copy()
    # weight gradients: one GEMM each over all timesteps
    R = draws.reshape(T * N, 4 * M)
    Xt = X.reshape(N, T, D).transpose(1, 0, 2).reshape(T * N, D)
    Hprev = np.empty((T, N, M), _DT[0])
    Hprev[0] = out0
    if T > 1:
        Hprev[1:] = cache_out[:T - 1].reshape(T - 1, N, M)
    dW = np.empty((D + M, 4 * M), _DT[0])
    np.matmul(Xt.T, R, out=dW[:D])
    np.matmul(Hprev.reshape(T * N, M).T, R, out=dW[D:])
    db = R.sum(axis=0).reshape(1, 4 * M)
    return dX, dW, db, dh, dct


__all__ = ['conv2d', 'conv2d_backward_filter', 'conv2d_backward_data', 'max_pool',
           'max_pool_backward', 'avg_pool', 'avg_pool_backward', 'bias_add',
           'bias_multiply', 'batch_norm2d', 'batch_norm2d_backward', 'lstm',
           'lstm_backward']
