"""Deep-learning builtins (SystemDS's conv2d, pooling, bias, batch norm, LSTM), on the Numba kernels
of dmlpy/kernels/dnn.py, which load on first use. Shapes come as `[N, C, H, W]` lists."""
from __future__ import annotations

from .. import types as T
from ..errors import OpError
from ..runtime.values import DMLList, type_name
from .registry import builtin, r_matrix

_K = None


def K():
    global _K
    if _K is None:
        from ..kernels import dnn
        _K = dnn
    return _K


def _shape(v, n, fn, what, default=None):
    if v is None:
        if default is None:
            raise OpError(f"{fn}() needs {what}=[{', '.join('?' * n)}]")
        return default
    vals = v.values if isinstance(v, DMLList) else [v]
    if len(vals) != n:
        raise OpError(f"{fn}(): {what} must have {n} entries, got {len(vals)}")
    out = []
    for x in vals:
        if isinstance(x, DMLList) and len(x) == 1:
            x = x.values[0]
        if type(x).__name__ == "ndarray" and x.size == 1:
            x = float(x.flat[0])
        if not isinstance(x, (int, float, bool)):
            raise OpError(f"{fn}(): {what} must hold numbers, got a {type_name(x)}")
        out.append(int(x))
    return out


def _call(fn, *args):
    """The kernel fn of dmlpy.kernels.dnn on args; in a -gpu run, the device's (host operands
    copied over; on the CPU after all when it does not fit)."""
    from ..backends import DEVICE
    try:
        if DEVICE[0] is not None:
            from ..backends.cuda import devops
            r, args = DEVICE[0].run(devops.dnn, fn, fn, *args)
            if r is not NotImplemented:
                return r
            args = args[1:]
        return getattr(K(), fn)(*args)
    except ValueError as e:
        raise OpError(str(e)) from None


def _conv_dims(fn, input_shape, filter_shape, stride, padding):
    N, C, H, W = _shape(input_shape, 4, fn, "input_shape")
    F, C2, Hf, Wf = _shape(filter_shape, 4, fn, "filter_shape")
    if C2 != C:
        raise OpError(f"{fn}(): input_shape has {C} channels but filter_shape has {C2}")
    sh, sw = _shape(stride, 2, fn, "stride", [1, 1])
    ph, pw = _shape(padding, 2, fn, "padding", [0, 0])
    return N, C, H, W, F, Hf, Wf, sh, sw, ph, pw


_CONV = "input, filter, input_shape=?, filter_shape=?, stride=?, padding=?"
_CONV_B = "input, dout, input_shape=?, filter_shape=?, stride=?, padding=?"
_POOL = "input, input_shape=?, pool_size=?, stride=?, padding=?"
_POOL_B = "input, dout, input_shape=?, pool_size=?, stride=?, padding=?"


@builtin("conv2d", _CONV, rule=r_matrix)
def conv2d(X, W, input_shape, filter_shape, stride, padding):
    """2-D convolution (cross-correlation) of N images by F filters."""
    d = _conv_dims("conv2d", input_shape, filter_shape, stride, padding)
    return _call("conv2d", X, W, *d)


@builtin("conv2d_backward_filter", _CONV_B, rule=r_matrix)
def conv2d_backward_filter(X, dout, input_shape, filter_shape, stride, padding):
    d = _conv_dims("conv2d_backward_filter", input_shape, filter_shape, stride, padding)
    return _call("conv2d_backward_filter", X, dout, *d)


@builtin("conv2d_backward_data", "filter, dout, input_shape=?, filter_shape=?, stride=?, padding=?",
         rule=r_matrix)
def conv2d_backward_data(W, dout, input_shape, filter_shape, stride, padding):
    d = _conv_dims("conv2d_backward_data", input_shape, filter_shape, stride, padding)
    return _call("conv2d_backward_data", W, dout, *d)


def _pool_dims(fn, input_shape, pool_size, stride, padding):
    N, C, H, W = _shape(input_shape, 4, fn, "input_shape")
    Hp, Wp = _shape(pool_size, 2, fn, "pool_size")
    sh, sw = _shape(stride, 2, fn, "stride", [1, 1])
    ph, pw = _shape(padding, 2, fn, "padding", [0, 0])
    return N, C, H, W, Hp, Wp, sh, sw, ph, pw


@builtin("max_pool", _POOL, rule=r_matrix)
def max_pool(X, input_shape, pool_size, stride, padding):
    return _call("max_pool", X, *_pool_dims("max_pool", input_shape, pool_size, stride, padding))


@builtin("avg_pool", _POOL, rule=r_matrix)
def avg_pool(X, input_shape, pool_size, stride, padding):
    return _call("avg_pool", X, *_pool_dims("avg_pool", input_shape, pool_size, stride, padding))


@builtin("max_pool_backward", _POOL_B, rule=r_matrix)
def max_pool_backward(X, dout, input_shape, pool_size, stride, padding):
    d = _pool_dims("max_pool_backward", input_shape, pool_size, stride, padding)
    return _call("max_pool_backward", X, dout, *d)


@builtin("avg_pool_backward", _POOL_B, rule=r_matrix)
def avg_pool_backward(X, dout, input_shape, pool_size, stride, padding):
    d = _pool_dims("avg_pool_backward", input_shape, pool_size, stride, padding)
    return _call("avg_pool_backward", X, dout, *d)


_MATS = ("ndarray", "DeviceMatrix")


def _channels(fn, X, b):
    if type(b).__name__ not in _MATS or type(X).__name__ not in _MATS:
        raise OpError(f"{fn}() expects matrices")
    return b.shape[0]


@builtin("bias_add", "input, bias", rule=r_matrix)
def bias_add(X, b):
    return _call("bias_add", X, b, _channels("bias_add", X, b))


@builtin("bias_multiply", "input, bias", rule=r_matrix)
def bias_multiply(X, b):
    return _call("bias_multiply", X, b, _channels("bias_multiply", X, b))


def _bn_L(fn, X, C):
    if type(X).__name__ not in _MATS or C <= 0 or X.shape[1] % C:
        raise OpError(f"{fn}(): the input's {getattr(X, 'shape', ('?', '?'))[1]} columns are not a "
                      f"multiple of the {C} channels of the scale vector")
    return X.shape[1] // C


@builtin("batch_norm2d", "input, scale, bias, runningMean, runningVar, mode, epsilon, momentum",
         rule=lambda ts, a: (T.MATRIX_T,) * 5, nret=5)
def batch_norm2d(X, gamma, beta, ema_mean, ema_var, mode, eps, mu):
    """[out, runningMean, runningVar, saveMean, saveInvVar] in "train" or "test" mode."""
    C = gamma.shape[0] if type(gamma).__name__ in _MATS else 0
    L = _bn_L("batch_norm2d", X, C)
    return _call("batch_norm2d", X, gamma, beta, ema_mean, ema_var, C, L, 1,
                 str(mode), eps, mu)


@builtin("batch_norm2d_backward", "input, dout, scale, epsilon, saveMean, saveInvVar",
         rule=lambda ts, a: (T.MATRIX_T,) * 3, nret=3)
def batch_norm2d_backward(X, dout, gamma, eps, cache_mean, cache_inv_var):
    C = gamma.shape[0] if type(gamma).__name__ in _MATS else 0
    L = _bn_L("batch_norm2d_backward", X, C)
    return _call("batch_norm2d_backward", X, dout, gamma, C, L, 1, eps,
                 cache_mean, cache_inv_var)


@builtin("lstm", "input, weight, bias, out0, c0, return_sequences=TRUE",
         rule=lambda ts, a: (T.MATRIX_T,) * 5, nret=5)
def lstm(X, W, b, out0, c0, return_sequences):
    """[out, c, cache_out, cache_c, cache_ifog] = lstm(X, W, b, out0, c0, return_sequences)."""
    return _call("lstm", X, W, b, out0, c0, bool(return_sequences))


@builtin("lstm_backward", "input, weight, bias, out0, c0, given_sequences, dout, dc, cache_out=?, "
         "cache_c=?, cache_ifog=?", rule=lambda ts, a: (T.MATRIX_T,) * 5, nret=5)
def lstm_backward(X, W, b, out0, c0, given_sequences, dout, dc, cache_out, cache_c, cache_ifog):
    """[dX, dW, db, dout0, dc0] = lstm_backward(...)."""
    return _call("lstm_backward", X, W, b, out0, c0, bool(given_sequences), dout,
                 dc, cache_out, cache_c, cache_ifog)
