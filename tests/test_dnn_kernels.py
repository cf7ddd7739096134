"""Tests of dmlpy's CPU deep-learning kernels (dmlpy.kernels.dnn).

Two kinds of checks:

* the Numba/BLAS kernels against the plain NumPy reference
  (dmlpy.kernels.dnn_reference) on many small shapes: odd sizes, strides > 1,
  padding, non-square images and filters, N=1, C=1, ties and shared maxima;
* a few outputs RECORDED from Apache SystemDS 3.4 (printed with toString) for
  inputs built by ``gen`` below, so these tests need no reference at run time.
"""

import numpy as np
import pytest

from dmlpy.kernels import dnn
from dmlpy.kernels import dnn_loops, pool
from dmlpy.kernels import dnn_reference as ref


def gen(rows, cols, mul, mod, off, div):
    """NumPy twin of the DML input ``matrix(((seq(1,r*c)*mul) %% mod - off) / div, ...)``."""
    n = rows * cols
    return np.ascontiguousarray((((np.arange(1, n + 1) * mul) % mod - off) / div)
                                .reshape(rows, cols))


def close(got, want, rtol=1e-12):
    got = np.asarray(got)
    want = np.asarray(want, dtype=np.float64)
    assert got.shape == want.shape, (got.shape, want.shape)
    finite = np.abs(want[np.isfinite(want)])
    scale = max(1.0, float(finite.max()) if finite.size else 1.0)
    np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol * scale * 10)


@pytest.fixture
def tiny_chunks(monkeypatch):
    """Force one-image chunks, partial chunks and multi-threaded splits on small data."""
    monkeypatch.setattr(pool, 'MIN_WORK', 1)
    return monkeypatch


# --------------------------------------------------------------------------
# kernels vs reference: convolution
# --------------------------------------------------------------------------

# N, C, H, W, F, Hf, Wf, sh, sw, ph, pw
CONV_CASES = [
    (2, 3, 5, 5, 2, 3, 3, 1, 1, 0, 0),
    (1, 1, 7, 6, 1, 3, 2, 2, 1, 1, 0),
    (3, 2, 8, 9, 4, 5, 3, 3, 2, 2, 1),
    (2, 4, 6, 6, 3, 1, 1, 1, 1, 0, 0),     # pointwise fast path
    (2, 2, 6, 5, 3, 1, 1, 2, 1, 0, 0),     # 1x1 with stride
    (1, 2, 3, 4, 2, 2, 2, 1, 1, 2, 2),     # padding as large as the filter
    (4, 1, 11, 7, 2, 4, 4, 3, 3, 1, 2),
    (1, 3, 9, 1, 2, 3, 1, 2, 1, 1, 0),     # width-1 images
    (5, 3, 4, 4, 6, 4, 4, 1, 1, 0, 0),     # filter covers the image
]


def _conv_inputs(case, seed):
    N, C, H, W, F, Hf, Wf, sh, sw, ph, pw = case
    P = (H + 2 * ph - Hf) // sh + 1
    Q = (W + 2 * pw - Wf) // sw + 1
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((N, C * H * W))
    Wt = rng.standard_normal((F, C * Hf * Wf))
    D = rng.standard_normal((N, F * P * Q))
    return X, Wt, D


@pytest.mark.parametrize('case', CONV_CASES)
def test_conv2d_vs_reference(case):
    X, Wt, D = _conv_inputs(case, 1)
    close(dnn.conv2d(X, Wt, *case), ref.conv2d(X, Wt, *case))
    close(dnn.conv2d_backward_filter(X, D, *case), ref.conv2d_backward_filter(X, D, *case))
    close(dnn.conv2d_backward_data(Wt, D, *case), ref.conv2d_backward_data(Wt, D, *case))


@pytest.mark.parametrize('budget', [1, 150, 400])
def test_conv2d_chunking_and_threads(tiny_chunks, budget):
    tiny_chunks.setattr(dnn_loops, '_COL_BUDGET', budget)
    for case in CONV_CASES[:4]:
        X, Wt, D = _conv_inputs(case, 2)
        close(dnn.conv2d(X, Wt, *case), ref.conv2d(X, Wt, *case))
        close(dnn.conv2d_backward_filter(X, D, *case), ref.conv2d_backward_filter(X, D, *case))
        close(dnn.conv2d_backward_data(Wt, D, *case), ref.conv2d_backward_data(Wt, D, *case))


def test_conv2d_gradients_are_adjoint():
    # <conv2d(X, W), D> == <X, backward_data(W, D)> == <W, backward_filter(X, D)>
    case = (2, 3, 7, 6, 4, 3, 2, 2, 1, 1, 1)
    X, Wt, D = _conv_inputs(case, 3)
    y = np.vdot(dnn.conv2d(X, Wt, *case), D)
    assert np.isclose(y, np.vdot(X, dnn.conv2d_backward_data(Wt, D, *case)), rtol=1e-12)
    assert np.isclose(y, np.vdot(Wt, dnn.conv2d_backward_filter(X, D, *case)), rtol=1e-12)


# --------------------------------------------------------------------------
# kernels vs reference: pooling
# --------------------------------------------------------------------------

# N, C, H, W, Hp, Wp, sh, sw, ph, pw
POOL_CASES = [
    (2, 2, 6, 6, 2, 2, 2, 2, 0, 0),
    (2, 3, 7, 7, 3, 3, 2, 2, 1, 1),
    (1, 2, 5, 8, 3, 2, 1, 2, 1, 0),
    (2, 1, 9, 9, 3, 3, 1, 1, 0, 0),
    (1, 2, 13, 13, 3, 3, 2, 2, 0, 0),
    (1, 1, 8, 11, 4, 3, 3, 2, 1, 1),
    (2, 2, 6, 15, 3, 3, 2, 2, 0, 0),
    (1, 1, 4, 4, 2, 2, 2, 2, 2, 2),       # windows wholly in the padding
    (3, 1, 5, 19, 2, 3, 1, 2, 0, 1),      # Q = 10 > 7 (insertion-sort rows)
    (1, 1, 1, 1, 1, 1, 1, 1, 0, 0),
]


def _pool_inputs(case, seed, distinct=5):
    N, C, H, W, Hp, Wp, sh, sw, ph, pw = case
    P = (H + 2 * ph - Hp) // sh + 1
    Q = (W + 2 * pw - Wp) // sw + 1
    rng = np.random.default_rng(seed)
    # few distinct values: many ties inside windows and maxima shared by windows
    X = rng.integers(-distinct, distinct, (N, C * H * W)).astype(np.float64) / 3
    D = rng.integers(-3, 4, (N, C * P * Q)).astype(np.float64) / 2  # includes zeros
    return X, D


@pytest.mark.parametrize('case', POOL_CASES)
def test_pooling_vs_reference(case):
    for seed, distinct in [(1, 2), (2, 5), (3, 1000)]:
        X, D = _pool_inputs(case, seed, distinct)
        close(dnn.max_pool(X, *case), ref.max_pool(X, *case))
        close(dnn.avg_pool(X, *case), ref.avg_pool(X, *case))
        close(dnn.max_pool_backward(X, D, *case), ref.max_pool_backward(X, D, *case))
        close(dnn.avg_pool_backward(X, D, *case), ref.avg_pool_backward(X, D, *case))


def test_pooling_threads(tiny_chunks):
    for case in POOL_CASES[:5]:
        X, D = _pool_inputs(case, 4, 3)
        close(dnn.max_pool(X, *case), ref.max_pool(X, *case))
        close(dnn.avg_pool(X, *case), ref.avg_pool(X, *case))
        close(dnn.max_pool_backward(X, D, *case), ref.max_pool_backward(X, D, *case))
        close(dnn.avg_pool_backward(X, D, *case), ref.avg_pool_backward(X, D, *case))


def test_max_pool_special_values():
    case = (1, 2, 5, 6, 2, 3, 1, 2, 1, 1)
    X, D = _pool_inputs(case, 5, 4)
    X[0, 3] = np.nan
    X[0, 7] = np.inf
    X[0, 30:42] = -np.inf
    close(dnn.max_pool(X, *case), ref.max_pool(X, *case))
    close(dnn.max_pool_backward(X, D, *case), ref.max_pool_backward(X, D, *case))
    # an all-zero input short-cuts to zeros, even for padded windows
    Z = np.zeros_like(X)
    assert not dnn.max_pool(Z, *case).any()
    assert not dnn.max_pool_backward(Z, D, *case).any()
    assert not ref.max_pool(Z, *case).any()


def test_max_pool_backward_row_ordering():
    # SystemDS's comparator networks sort rows of 2..5 and 7 entries, but its
    # 6-entry network does not always sort (e.g. [1,1,0,0,1,1]); it is reproduced
    # as is, since the order decides which of two windows sharing a maximum wins
    rng = np.random.default_rng(0)
    for k in range(2, 12):
        for _ in range(50):
            idx = list(rng.integers(0, 4, k))
            got, _ = ref.order_row_entries(idx, list(range(k)))
            if k != 6:
                assert got == sorted(idx)
            assert sorted(got) == sorted(idx)
    assert ref.order_row_entries([1, 1, 0, 0, 1, 1], range(6))[0] == [1, 0, 0, 1, 1, 1]


# --------------------------------------------------------------------------
# kernels vs reference: bias, batch norm, LSTM
# --------------------------------------------------------------------------

@pytest.mark.parametrize('N,C,L', [(1, 1, 1), (3, 4, 7), (2, 1, 10), (5, 3, 1)])
def test_bias_vs_reference(N, C, L):
    rng = np.random.default_rng(N * 100 + C)
    X = rng.standard_normal((N, C * L))
    b = rng.standard_normal((C, 1))
    close(dnn.bias_add(X, b, C), ref.bias_add(X, b, C))
    close(dnn.bias_multiply(X, b, C), ref.bias_multiply(X, b, C))


@pytest.mark.parametrize('N,C,H,W', [(4, 3, 5, 3), (1, 1, 2, 2), (2, 5, 1, 7), (7, 2, 3, 3)])
@pytest.mark.parametrize('mode', ['train', 'test', 'TRAIN'])
def test_batch_norm_vs_reference(N, C, H, W, mode):
    rng = np.random.default_rng(N + C + H + W)
    X = rng.standard_normal((N, C * H * W)) * 2 + 0.5
    g, bt, em = (rng.standard_normal((C, 1)) for _ in range(3))
    ev = rng.random((C, 1)) + 0.1
    got = dnn.batch_norm2d(X, g, bt, em, ev, C, H, W, mode, 1e-5, 0.9)
    want = ref.batch_norm2d(X, g, bt, em, ev, C, H, W, mode, 1e-5, 0.9)
    assert len(got) == 5
    for a, b in zip(got, want):
        close(a, b)
    D = rng.standard_normal(X.shape)
    got = dnn.batch_norm2d_backward(X, D, g, C, H, W, 1e-5, want[3], want[4])
    exp = ref.batch_norm2d_backward(X, D, g, C, H, W, 1e-5, want[3], want[4])
    for a, b in zip(got, exp):
        close(a, b, rtol=1e-11)


@pytest.mark.parametrize('N,T,D,M', [(1, 1, 1, 1), (3, 4, 2, 5), (2, 6, 7, 3), (4, 2, 3, 1)])
@pytest.mark.parametrize('seq', [True, False])
def test_lstm_vs_reference(N, T, D, M, seq):
    rng = np.random.default_rng(N * T + D * M)
    X = rng.standard_normal((N, T * D))
    Wt = rng.standard_normal((D + M, 4 * M)) * 0.5
    b = rng.standard_normal((1, 4 * M)) * 0.5
    out0 = rng.standard_normal((N, M)) * 0.5
    c0 = rng.standard_normal((N, M)) * 0.5
    got = dnn.lstm(X, Wt, b, out0, c0, seq)
    want = ref.lstm(X, Wt, b, out0, c0, seq)
    for a, e in zip(got, want):
        close(a, e)
    dout = rng.standard_normal((N, T * M if seq else M))
    dc = rng.standard_normal((N, M))
    exp = ref.lstm_backward(X, Wt, b, out0, c0, seq, dout, dc, *want[2:])
    for caches in (got[2:], (None, None, None)):
        res = dnn.lstm_backward(X, Wt, b, out0, c0, seq, dout, dc, *caches)
        for a, e in zip(res, exp):
            close(a, e, rtol=1e-11)


def test_lstm_backward_matches_numerical_gradient():
    rng = np.random.default_rng(7)
    N, T, D, M = 2, 3, 2, 3
    X = rng.standard_normal((N, T * D))
    Wt = rng.standard_normal((D + M, 4 * M)) * 0.5
    b = rng.standard_normal((1, 4 * M)) * 0.5
    out0 = rng.standard_normal((N, M)) * 0.5
    c0 = rng.standard_normal((N, M)) * 0.5
    dout = rng.standard_normal((N, T * M))
    dc = rng.standard_normal((N, M))

    def loss(Xv, Wv):
        out, c, *_ = dnn.lstm(Xv, Wv, b, out0, c0, True)
        return np.vdot(out, dout) + np.vdot(c, dc)

    dX, dW, *_ = dnn.lstm_backward(X, Wt, b, out0, c0, True, dout, dc)
    h = 1e-6
    for (i, j) in [(0, 0), (1, 5), (0, 3)]:
        Xp, Xm = X.copy(), X.copy()
        Xp[i, j] += h
        Xm[i, j] -= h
        assert np.isclose((loss(Xp, Wt) - loss(Xm, Wt)) / (2 * h), dX[i, j], atol=1e-7)
    for (i, j) in [(0, 0), (4, 11), (2, 7)]:
        Wp, Wm = Wt.copy(), Wt.copy()
        Wp[i, j] += h
        Wm[i, j] -= h
        assert np.isclose((loss(X, Wp) - loss(X, Wm)) / (2 * h), dW[i, j], atol=1e-7)


# --------------------------------------------------------------------------
# shape validation
# --------------------------------------------------------------------------

def test_validation_errors():
    X = np.zeros((2, 3 * 5 * 5))
    W = np.zeros((4, 3 * 3 * 3))
    with pytest.raises(ValueError, match='conv2d: input'):
        dnn.conv2d(X[:, :-1], W, 2, 3, 5, 5, 4, 3, 3, 1, 1, 0, 0)
    with pytest.raises(ValueError, match='conv2d: filter'):
        dnn.conv2d(X, W[:, :-1], 2, 3, 5, 5, 4, 3, 3, 1, 1, 0, 0)
    with pytest.raises(ValueError, match='less than the filter height'):
        dnn.conv2d(X, np.zeros((4, 3 * 7 * 3)), 2, 3, 5, 5, 4, 7, 3, 1, 1, 0, 0)
    with pytest.raises(ValueError, match='stride_h must be positive'):
        dnn.conv2d(X, W, 2, 3, 5, 5, 4, 3, 3, 0, 1, 0, 0)
    with pytest.raises(ValueError, match='pad_w must be non-negative'):
        dnn.conv2d(X, W, 2, 3, 5, 5, 4, 3, 3, 1, 1, 0, -1)
    with pytest.raises(ValueError, match='conv2d_backward_filter: dout'):
        dnn.conv2d_backward_filter(X, np.zeros((2, 4 * 9 - 1)), 2, 3, 5, 5, 4, 3, 3, 1, 1, 0, 0)
    with pytest.raises(ValueError, match='conv2d_backward_data: dout'):
        dnn.conv2d_backward_data(W, np.zeros((3, 4 * 9)), 2, 3, 5, 5, 4, 3, 3, 1, 1, 0, 0)
    with pytest.raises(ValueError, match='max_pool: input'):
        dnn.max_pool(X, 2, 3, 5, 4, 2, 2, 2, 2, 0, 0)
    with pytest.raises(ValueError, match='less than the pool width'):
        dnn.avg_pool(X, 2, 3, 5, 5, 2, 6, 2, 2, 0, 0)
    with pytest.raises(ValueError, match='max_pool_backward: dout'):
        dnn.max_pool_backward(X, np.zeros((2, 3 * 4 * 4)), 2, 3, 5, 5, 2, 2, 2, 2, 0, 0)
    with pytest.raises(ValueError, match='avg_pool_backward: dout'):
        dnn.avg_pool_backward(X, np.zeros((2, 3 * 4 * 4)), 2, 3, 5, 5, 2, 2, 2, 2, 0, 0)
    with pytest.raises(ValueError, match='bias_add: bias'):
        dnn.bias_add(X, np.zeros((3, 2)), 3)
    with pytest.raises(ValueError, match='multiple'):
        dnn.bias_multiply(X, np.zeros((4, 1)), 4)
    g = np.ones((3, 1))
    with pytest.raises(ValueError, match='mode'):
        dnn.batch_norm2d(X, g, g, g, g, 3, 5, 5, 'eval', 1e-5, 0.9)
    with pytest.raises(ValueError, match='gamma'):
        dnn.batch_norm2d(X, np.ones((2, 1)), g, g, g, 3, 5, 5, 'train', 1e-5, 0.9)
    with pytest.raises(ValueError, match='C\\*H\\*W'):
        dnn.batch_norm2d(X, g, g, g, g, 3, 5, 4, 'train', 1e-5, 0.9)
    with pytest.raises(ValueError, match='batch_norm2d_backward: dout'):
        dnn.batch_norm2d_backward(X, X[:1], g, 3, 5, 5, 1e-5, g, g)
    h = np.zeros((2, 3))
    with pytest.raises(ValueError, match='lstm: W'):
        dnn.lstm(np.zeros((2, 8)), np.zeros((5, 11)), np.zeros((1, 12)), h, h, True)
    with pytest.raises(ValueError, match='lstm: b'):
        dnn.lstm(np.zeros((2, 8)), np.zeros((5, 12)), np.zeros((12, 1)), h, h, True)
    with pytest.raises(ValueError, match='T\\*D'):
        dnn.lstm(np.zeros((2, 7)), np.zeros((5, 12)), np.zeros((1, 12)), h, h, True)
    with pytest.raises(ValueError, match='out0 and c0'):
        dnn.lstm(np.zeros((2, 8)), np.zeros((5, 12)), np.zeros((1, 12)), h, h[:, :2], True)
    with pytest.raises(ValueError, match='lstm_backward: dout'):
        dnn.lstm_backward(np.zeros((2, 8)), np.zeros((5, 12)), np.zeros((1, 12)), h, h, True,
                          np.zeros((2, 3)), h)


def test_outputs_are_fresh_c_contiguous_float64():
    X = np.asfortranarray(np.arange(2 * 2 * 4 * 4, dtype=np.int64).reshape(2, 32))
    W = np.ones((3, 2 * 2 * 2))
    for out in (dnn.conv2d(X, W, 2, 2, 4, 4, 3, 2, 2, 1, 1, 0, 0),
                dnn.max_pool(X, 2, 2, 4, 4, 2, 2, 2, 2, 0, 0),
                dnn.bias_add(X, np.ones((2, 1)), 2)):
        assert out.dtype == np.float64 and out.flags.c_contiguous and out.ndim == 2
    close(dnn.conv2d(X, W, 2, 2, 4, 4, 3, 2, 2, 1, 1, 0, 0),
          ref.conv2d(X.astype(float), W, 2, 2, 4, 4, 3, 2, 2, 1, 1, 0, 0))


# --------------------------------------------------------------------------
# values recorded from Apache SystemDS 3.4
# --------------------------------------------------------------------------

def R(name):
    return np.array(RECORDED[name], dtype=np.float64)


CONV_REC = (2, 2, 4, 5, 2, 3, 2, 2, 1, 1, 0)  # input [2,2,4,5], filter [2,2,3,2], stride [2,1], pad [1,0]


def test_systemds_conv2d():
    X = gen(2, 40, 37, 101, 50, 17)
    W = gen(2, 12, 29, 53, 26, 11)
    D = gen(2, 16, 13, 31, 15, 7)
    close(dnn.conv2d(X, W, *CONV_REC), R('conv2d'))
    close(dnn.conv2d_backward_filter(X, D, *CONV_REC), R('conv2d_bf'))
    close(dnn.conv2d_backward_data(W, D, *CONV_REC), R('conv2d_bd'))
    # the public conformance cases (1 image, 4x4 and 5x5)
    X = np.arange(1, 17, dtype=float).reshape(1, 16)
    Wk = np.array([[1, 0, -1, 1, 0, -1, 1, 0, -1]], dtype=float)
    close(dnn.conv2d(X, Wk, 1, 1, 4, 4, 1, 3, 3, 1, 1, 0, 0), [[-6, -6, -6, -6]])
    close(dnn.conv2d(np.arange(1, 26, dtype=float).reshape(1, 25), np.ones((1, 9)),
                     1, 1, 5, 5, 1, 3, 3, 2, 2, 1, 1),
          [[16, 33, 28, 69, 117, 87, 76, 123, 88]])
    close(dnn.conv2d_backward_filter(X, np.array([[1., 0, -1, 2]]), 1, 1, 4, 4, 1, 3, 3,
                                     1, 1, 0, 0),
          [[8, 10, 12, 16, 18, 20, 24, 26, 28]])
    close(dnn.conv2d_backward_data(Wk, np.array([[1., 2, 3, 4]]), 1, 1, 4, 4, 1, 3, 3,
                                   1, 1, 0, 0).reshape(4, 4),
          [[1, 2, -1, -2], [4, 6, -4, -6], [4, 6, -4, -6], [3, 4, -3, -4]])


POOL_REC = (1, 2, 5, 5, 3, 3, 2, 2, 1, 1)  # input [1,2,5,5], pool [3,3], stride [2,2], pad [1,1]


def test_systemds_pooling():
    X = gen(1, 50, 7, 11, 5, 3)
    D = gen(1, 18, 13, 9, 4, 2)
    close(dnn.max_pool(X, *POOL_REC), R('max_pool'))
    close(dnn.avg_pool(X, *POOL_REC), R('avg_pool'))
    close(dnn.max_pool_backward(X, D, *POOL_REC), R('max_pool_backward').reshape(1, 50))
    close(dnn.avg_pool_backward(X, D, *POOL_REC), R('avg_pool_backward').reshape(1, 50))


def test_systemds_pooling_padding():
    X = np.arange(1, 17, dtype=float).reshape(1, 16)
    # padded max_pool ignores padded cells; windows wholly in the padding give -DBL_MAX
    out = dnn.max_pool(X, 1, 1, 4, 4, 2, 2, 2, 2, 2, 2).reshape(4, 4)
    m = -np.finfo(np.float64).max
    close(out, [[m, m, m, m], [m, 6, 8, m], [m, 14, 16, m], [m, m, m, m]])
    close(dnn.max_pool(-X, 1, 1, 4, 4, 3, 3, 2, 2, 1, 1), [[-1, -2, -5, -6]])
    # padded avg_pool divides by the full window size 3*3
    close(dnn.avg_pool(X, 1, 1, 4, 4, 3, 3, 2, 2, 1, 1), [[14 / 9, 30 / 9, 57 / 9, 99 / 9]])
    dX = dnn.avg_pool_backward(X, np.array([[1., 2, 3, 4]]), 1, 1, 4, 4, 3, 3, 2, 2, 1, 1)
    close(dX.reshape(4, 4), np.array([[1, 3, 2, 2], [4, 10, 6, 6], [3, 7, 4, 4], [3, 7, 4, 4]]) / 9)
    dX = dnn.max_pool_backward(X, np.array([[1., 2, 3, 4]]), 1, 1, 4, 4, 3, 3, 2, 2, 1, 1)
    close(dX.reshape(4, 4), [[0, 0, 0, 0], [0, 1, 0, 2], [0, 0, 0, 0], [0, 3, 0, 4]])
    # conformance cases
    close(dnn.avg_pool(X, 1, 1, 4, 4, 2, 2, 2, 2, 0, 0), [[3.5, 5.5, 11.5, 13.5]])
    close(dnn.avg_pool_backward(X, np.array([[4., 8, 12, 16]]), 1, 1, 4, 4, 2, 2, 2, 2, 0, 0)
          .reshape(4, 4), [[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]])


def test_systemds_max_pool_ties_and_overlaps():
    X = np.array([[1., 3, 2, 4, 5, 7, 6, 8, 9, 11, 10, 12, 13, 15, 14, 16]])
    close(dnn.max_pool(X, 1, 1, 4, 4, 2, 2, 2, 2, 0, 0), [[7, 8, 15, 16]])
    close(dnn.max_pool(X, 1, 1, 4, 4, 3, 3, 1, 1, 0, 0), [[11, 12, 15, 16]])
    close(dnn.max_pool_backward(X, np.array([[10., 20, 30, 40]]), 1, 1, 4, 4, 2, 2, 2, 2, 0, 0)
          .reshape(4, 4), [[0, 0, 0, 0], [0, 10, 0, 20], [0, 0, 0, 0], [0, 30, 0, 40]])
    # one maximum shared by all four overlapping windows: the last window's gradient
    # wins (no sum)
    X = np.array([[1., 2, 3, 4, 5, 99, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]])
    dX = dnn.max_pool_backward(X, np.array([[10., 20, 30, 40]]), 1, 1, 4, 4, 3, 3, 1, 1, 0, 0)
    expect = np.zeros((1, 16))
    expect[0, 5] = 40
    close(dX, expect)
    # ties inside a window go to the first maximum (row-major)
    dX = dnn.max_pool_backward(np.array([[1., 9, 9, 2]]), np.array([[1., 2]]),
                               1, 1, 1, 4, 1, 3, 1, 1, 0, 0)
    close(dX, [[0, 2, 0, 0]])
    # shared maxima within one output row: SystemDS's entry ordering decides
    X1 = gen(1, 27, 4, 7, 3, 2)
    dX = dnn.max_pool_backward(X1, np.arange(1., 5).reshape(1, 4), 1, 1, 3, 9, 3, 3, 1, 2, 0, 0)
    close(dX, R('mpb_net4').reshape(1, 27))
    X2 = gen(1, 33, 3, 9, 4, 2)
    dX = dnn.max_pool_backward(X2, np.arange(1., 13).reshape(1, 12), 1, 1, 3, 11, 2, 3, 1, 2, 0, 1)
    close(dX, R('mpb_net6').reshape(1, 33))


def test_systemds_max_pool_nan_and_empty():
    X = np.arange(1, 17, dtype=float).reshape(1, 16)
    X[0, 1] = np.nan
    out = dnn.max_pool(X, 1, 1, 4, 4, 2, 2, 2, 2, 0, 0)
    assert np.isnan(out[0, 0])
    close(out[:, 1:], [[8, 14, 16]])
    dX = dnn.max_pool_backward(X, np.array([[1., 2, 3, 4]]), 1, 1, 4, 4, 2, 2, 2, 2, 0, 0)
    close(dX, [[0, 0, 0, 0, 0, 1, 0, 2, 0, 0, 0, 0, 0, 3, 0, 4]])
    Z = np.zeros((1, 16))
    assert not dnn.max_pool(Z, 1, 1, 4, 4, 2, 2, 2, 2, 2, 2).any()
    assert not dnn.max_pool_backward(Z, np.array([[1., 2, 3, 4]]),
                                     1, 1, 4, 4, 2, 2, 2, 2, 0, 0).any()
    Z[0, 15] = -1
    dX = dnn.max_pool_backward(Z, np.array([[1., 2, 3, 4]]), 1, 1, 4, 4, 2, 2, 2, 2, 0, 0)
    close(dX, [[1, 0, 2, 0, 0, 0, 0, 0, 3, 0, 4, 0, 0, 0, 0, 0]])


def test_systemds_bias():
    X = gen(2, 6, 5, 13, 6, 4)
    b = np.array([[1.5], [-2], [0.25]])
    close(dnn.bias_add(X, b, 3), R('bias_add'))
    close(dnn.bias_multiply(X, b, 3), R('bias_multiply'))
    X = np.arange(1, 17, dtype=float).reshape(2, 8)
    close(dnn.bias_add(X, np.array([[10.], [-10]]), 2),
          [[11, 12, 13, 14, -5, -4, -3, -2], [19, 20, 21, 22, 3, 4, 5, 6]])


def _bn_inputs():
    X = gen(3, 12, 1, 11, 4, 3)
    gamma = np.array([[1.5], [-0.5]])
    beta = np.array([[0.25], [1.0]])
    em = np.array([[0.1], [-0.2]])
    ev = np.array([[2.0], [0.5]])
    return X, gamma, beta, em, ev


def test_systemds_batch_norm2d():
    X, gamma, beta, em, ev = _bn_inputs()
    names = ['out', 'ema_mean', 'ema_var', 'cache_mean', 'cache_inv_var']
    for mode in ('train', 'test'):
        got = dnn.batch_norm2d(X, gamma, beta, em, ev, 2, 2, 3, mode, 0.001, 0.9)
        for g, n in zip(got, names):
            close(g, R(f'bn_{mode}_{n}'))
    # ema_var is updated with the batch *mean* (SystemDS quirk)
    _, _, evu, cm, _ = dnn.batch_norm2d(X, gamma, beta, em, ev, 2, 2, 3, 'train', 0.001, 0.9)
    close(evu, 0.9 * ev + 0.1 * cm)


def test_systemds_batch_norm2d_backward():
    X, gamma, beta, em, ev = _bn_inputs()
    D = gen(3, 12, 1, 7, 3, 4)
    _, _, _, cm, civ = dnn.batch_norm2d(X, gamma, beta, em, ev, 2, 2, 3, 'train', 0.001, 0.9)
    got = dnn.batch_norm2d_backward(X, D, gamma, 2, 2, 3, 0.001, cm, civ)
    for g, n in zip(got, ['dX', 'dgamma', 'dbeta']):
        close(g, R(f'bn_bwd_{n}'))
    got = dnn.batch_norm2d_backward(X, D, gamma, 2, 2, 3, 0.001, em, 1 / np.sqrt(ev + 0.001))
    for g, n in zip(got, ['dX', 'dgamma', 'dbeta']):
        close(g, R(f'bn_bwd2_{n}'))


def _lstm_inputs():
    X = (np.arange(1, 13) / 10 - 0.3).reshape(2, 6)
    W = gen(4, 8, 1, 7, 3, 5)
    b = gen(1, 8, 1, 5, 2, 10)
    out0 = np.array([[0.1, -0.2], [0.3, 0.05]])
    c0 = np.array([[-0.1, 0.2], [0.0, 0.4]])
    return X, W, b, out0, c0


def test_systemds_lstm():
    X, W, b, out0, c0 = _lstm_inputs()
    out, c, co, cc, cifog = dnn.lstm(X, W, b, out0, c0, True)
    close(out, R('lstm_seq_out'))
    close(c, R('lstm_seq_c'))
    close(co, R('lstm_cache_out'))
    close(cc, R('lstm_cache_c'))
    close(cifog, R('lstm_cache_ifog'))
    out, c, co, _, _ = dnn.lstm(X, W, b, out0, c0, False)
    close(out, R('lstm_last_out'))
    close(c, R('lstm_last_c'))
    close(co, R('lstm_last_cache_out'))


def test_systemds_lstm_backward():
    X, W, b, out0, c0 = _lstm_inputs()
    _, _, co, cc, cifog = dnn.lstm(X, W, b, out0, c0, True)
    dout = gen(2, 6, 1, 4, 1.5, 3)
    dc = np.array([[0.3, -0.1], [0.2, 0.1]])
    got = dnn.lstm_backward(X, W, b, out0, c0, True, dout, dc, co, cc, cifog)
    for g, n in zip(got, ['dX', 'dW', 'db', 'dout0', 'dc0']):
        close(g, R(f'lstm_bwd_seq_{n}'))
    dout = np.array([[0.5, -0.25], [0.125, 0.75]])
    got = dnn.lstm_backward(X, W, b, out0, c0, False, dout, dc, co, cc, cifog)
    for g, n in zip(got, ['dX', 'dW', 'db', 'dout0', 'dc0']):
        close(g, R(f'lstm_bwd_last_{n}'))


def test_reference_matches_systemds_too():
    # the NumPy reference is the definition: it must agree with the recordings as well
    X = gen(2, 40, 37, 101, 50, 17)
    W = gen(2, 12, 29, 53, 26, 11)
    D = gen(2, 16, 13, 31, 15, 7)
    close(ref.conv2d(X, W, *CONV_REC), R('conv2d'))
    close(ref.conv2d_backward_filter(X, D, *CONV_REC), R('conv2d_bf'))
    close(ref.conv2d_backward_data(W, D, *CONV_REC), R('conv2d_bd'))
    X = gen(1, 50, 7, 11, 5, 3)
    D = gen(1, 18, 13, 9, 4, 2)
    close(ref.max_pool_backward(X, D, *POOL_REC), R('max_pool_backward').reshape(1, 50))
    X1 = gen(1, 27, 4, 7, 3, 2)
    close(ref.max_pool_backward(X1, np.arange(1., 5).reshape(1, 4), 1, 1, 3, 9, 3, 3, 1, 2, 0, 0),
          R('mpb_net4').reshape(1, 27))
    X, gamma, beta, em, ev = _bn_inputs()
    got = ref.batch_norm2d(X, gamma, beta, em, ev, 2, 2, 3, 'train', 0.001, 0.9)
    close(got[0], R('bn_train_out'))
    close(got[2], R('bn_train_ema_var'))
    X, W, b, out0, c0 = _lstm_inputs()
    fwd = ref.lstm(X, W, b, out0, c0, True)
    close(fwd[0], R('lstm_seq_out'))
    got = ref.lstm_backward(X, W, b, out0, c0, True, gen(2, 6, 1, 4, 1.5, 3),
                            np.array([[0.3, -0.1], [0.2, 0.1]]), *fwd[2:])
    close(got[1], R('lstm_bwd_seq_dW'))


# Recorded with SystemDS 3.4 (`print(toString(..., decimal=17))`; pooling gradients
# printed after reshaping with matrix(dX, rows=..., cols=...)).
RECORDED = {
    'conv2d': [
        [-1.957219251336899, -8.88770053475936, 5.245989304812835, -2.2245989304812834, 3.1711229946524067, -2.2459893048128343, -8.74331550802139, 2.58288770053476, 6.818181818181818, 3.58288770053476, -7.213903743315507, 5.213903743315506, 2.508021390374331, 3.55614973262032, -0.2566844919786102, 1.3315508021390376],
        [5.459893048128343, -2.010695187165775, -8.941176470588236, 5.192513368983958, -8.272727272727273, 3.053475935828877, -2.363636363636362, -8.86096256684492, -5.930481283422459, 6.497326203208555, 3.2620320855614975, -7.5347593582887695, 0.684491978609625, 2.2727272727272725, 3.3208556149732624, -0.49197860962566786]],
    'conv2d_bf': [
        [9.193277310924366, -2.3193277310924367, 23.319327731092436, -6.840336134453782, -15.445378151260506, 23.99159663865546, -2.084033613445378, -9.352941176470589, -6.974789915966387, -15.915966386554622, 23.857142857142854, -6.302521008403361],
        [-8.07563025210084, 3.470588235294118, -15.0, 10.294117647058824, 3.680672268907564, -16.008403361344538, 3.873949579831933, 2.689075630252101, 10.495798319327733, 4.386554621848738, -15.806722689075631, 9.487394957983195]],
    'conv2d_bd': [
        [-1.961038961038961, 4.948051948051948, -5.428571428571428, 5.532467532467532, -3.792207792207792, -1.7142857142857144, 5.610389610389611, -2.2597402597402603, -1.6753246753246753, -2.4025974025974026, -1.051948051948052, 0.07792207792207817, 4.597402597402597, -5.779220779220779, 2.103896103896104, -1.8961038961038958, 0.07792207792207795, 5.961038961038961, -5.064935064935065, 2.2987012987012987, -0.5974025974025974, 0.5064935064935066, 0.5714285714285716, 0.6363636363636365, 4.285714285714286, -1.5064935064935063, -6.402597402597403, 12.649350649350652, -8.558441558441558, 6.25974025974026, -3.5844155844155843, 0.7662337662337662, 0.4285714285714288, 0.4935064935064932, -2.1298701298701297, 3.831168831168831, 0.07792207792207784, -7.8441558441558445, 3.961038961038961, -1.9350649350649352],
        [-1.1428571428571428, -0.03896103896103886, 4.48051948051948, -5.896103896103896, 2.0779220779220777, 1.1298701298701297, -4.766233766233767, 12.727272727272727, -8.025974025974024, 5.714285714285715, 2.987012987012987, -5.311688311688312, 5.64935064935065, -4.7272727272727275, 2.3376623376623376, 2.987012987012987, -5.636363636363637, 4.675324675324675, -6.350649350649351, 1.3636363636363638, -3.2857142857142856, 0.7402597402597402, 0.4025974025974026, 0.46753246753246747, -2.454545454545454, 6.558441558441559, -6.337662337662337, -4.597402597402599, -4.467532467532468, -1.7402597402597402, 2.987012987012987, 0.5974025974025974, 0.6623376623376624, 0.7272727272727266, 0.7922077922077921, -3.8961038961038965, 5.779220779220779, -3.753246753246753, 8.051948051948052, -0.18181818181818185]],
    'max_pool': [
        [1.3333333333333333, 1.6666666666666667, 1.0, 1.3333333333333333, 1.6666666666666667, 1.6666666666666667, 1.3333333333333333, 1.3333333333333333, 1.6666666666666667, 1.0, 1.3333333333333333, 0.6666666666666666, 1.6666666666666667, 1.3333333333333333, 1.3333333333333333, 1.6666666666666667, 1.6666666666666667, 1.3333333333333333]],
    'avg_pool': [
        [0.14814814814814814, 0.1111111111111111, 0.0, 0.07407407407407407, 0.14814814814814814, 0.25925925925925924, -0.18518518518518517, -0.18518518518518515, 0.07407407407407407, 0.0, -0.11111111111111113, -0.14814814814814814, 0.25925925925925924, -0.18518518518518523, 0.03703703703703703, 0.07407407407407407, 0.0, -0.07407407407407407]],
    'max_pool_backward': [
        [0.0, 0.0, 2.0, 0.0, 0.0],
        [1.5, 0.0, 0.0, -0.5, 0.0],
        [0.0, 0.0, 0.0, 1.0, 0.0],
        [0.0, 0.5, 0.0, 0.0, 0.0],
        [0.0, 0.0, 0.0, 0.0, -2.0],
        [0.0, 0.0, 2.0, 0.0, 0.0],
        [0.0, 0.0, 0.0, -0.5, 0.0],
        [1.5, 0.0, 0.0, 1.0, 0.0],
        [0.0, 0.0, 0.0, 0.0, 0.0],
        [0.0, 0.5, 0.0, 0.0, -2.0]],
    'avg_pool_backward': [
        [0.0, 0.2222222222222222, 0.2222222222222222, 0.16666666666666666, -0.05555555555555555],
        [0.16666666666666666, 0.27777777777777773, 0.1111111111111111, 0.16666666666666666, 0.05555555555555555],
        [0.16666666666666666, 0.05555555555555555, -0.1111111111111111, 0.0, 0.1111111111111111],
        [0.0, -0.05555555555555555, -0.05555555555555555, -0.16666666666666666, -0.1111111111111111],
        [-0.16666666666666666, -0.1111111111111111, 0.05555555555555555, -0.16666666666666666, -0.2222222222222222],
        [0.0, 0.2222222222222222, 0.2222222222222222, 0.16666666666666666, -0.05555555555555555],
        [0.16666666666666666, 0.27777777777777773, 0.1111111111111111, 0.16666666666666666, 0.05555555555555555],
        [0.16666666666666666, 0.05555555555555555, -0.1111111111111111, 0.0, 0.1111111111111111],
        [0.0, -0.05555555555555555, -0.05555555555555555, -0.16666666666666666, -0.1111111111111111],
        [-0.16666666666666666, -0.1111111111111111, 0.05555555555555555, -0.16666666666666666, -0.2222222222222222]],
    'mpb_net4': [
        [0.0, 0.0, 0.0, 0.0, 2.0, 0.0, 0.0, 0.0, 0.0],
        [0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 4.0, 0.0]],
    'mpb_net6': [
        [0.0, 2.0, 0.0, 0.0, 3.0, 0.0, 0.0, 5.0, 0.0, 0.0, 6.0],
        [0.0, 0.0, 8.0, 0.0, 0.0, 9.0, 0.0, 0.0, 11.0, 0.0, 0.0],
        [7.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 12.0, 0.0]],
    'bias_add': [
        [1.25, 2.5, -3.0, -1.75, 1.75, -0.25],
        [2.25, 0.25, -2.0, -0.75, -0.5, 0.75]],
    'bias_multiply': [
        [-0.375, 1.5, 2.0, -0.5, 0.375, -0.125],
        [1.125, -1.875, 0.0, -2.5, -0.1875, 0.125]],
    'bn_train_out': [
        [-2.5199440020548813, -1.728531430039201, -0.9371188580235206, -0.14570628600784014, 0.6457062860078402, 1.4371188580235206, 0.7509331176828926, 0.6263996765243388, 0.501866235365785, 0.3773327942072313, 1.622667205792769, 1.498133764634215],
        [-1.728531430039201, -0.9371188580235206, -0.14570628600784014, 0.6457062860078402, 1.4371188580235206, 2.228531430039201, 0.6263996765243388, 0.501866235365785, 0.3773327942072313, 1.622667205792769, 1.498133764634215, 1.3736003234756613],
        [-0.9371188580235206, -0.14570628600784014, 0.6457062860078402, 1.4371188580235206, 2.228531430039201, 3.0199440020548813, 0.501866235365785, 0.3773327942072313, 1.622667205792769, 1.498133764634215, 1.3736003234756613, 1.2490668823171076]],
    'bn_train_ema_mean': [
        [0.10666666666666667],
        [-0.1466666666666667]],
    'bn_train_ema_var': [
        [1.8166666666666667],
        [0.48333333333333334]],
    'bn_train_cache_mean': [
        [0.16666666666666666],
        [0.3333333333333334]],
    'bn_train_cache_inv_var': [
        [1.5828251440313608],
        [0.7472006469513225]],
    'bn_test_out': [
        [-0.916434616745589, -0.5629695813681377, -0.20950454599068646, 0.14396048938676465, 0.4974255247642158, 0.850890560141667, 0.1523191200389754, -0.0831477910613092, -0.31861470216159393, -0.5540816132618787, 1.8005874977409677, 1.565120586640683],
        [-0.5629695813681377, -0.20950454599068646, 0.14396048938676465, 0.4974255247642158, 0.850890560141667, 1.204355595519118, -0.0831477910613092, -0.31861470216159393, -0.5540816132618787, 1.8005874977409677, 1.565120586640683, 1.3296536755403985],
        [-0.20950454599068646, 0.14396048938676465, 0.4974255247642158, 0.850890560141667, 1.204355595519118, 1.5578206308965692, -0.31861470216159393, -0.5540816132618787, 1.8005874977409677, 1.565120586640683, 1.3296536755403985, 1.0941867644401138]],
    'bn_test_ema_mean': [
        [0.1],
        [-0.2]],
    'bn_test_ema_var': [
        [2.0],
        [0.5]],
    'bn_test_cache_mean': [
        [0.1],
        [-0.2]],
    'bn_test_cache_inv_var': [
        [0.7069300707549023],
        [1.4128014666017077]],
    'bn_bwd_dX': [
        [-1.2040304030017561, -0.6150606822344962, -0.0260909614672362, 0.5628787593000237, 1.151848480067284, 1.7408182008345439, 0.2543331006929656, 0.15578278893956976, 0.05723247718617389, -0.04131783456722196, -0.08321560659133179, -0.18176591834472763],
        [1.759177033812545, -1.806769248502517, -1.2177995277352571, -0.6288298069679972, -0.03986008620073715, 0.5491096345665227, -0.21781753453609148, -0.31636784628948733, 0.23888240803952396, 0.19698463601541416, 0.09843432426201829, -0.00011598749137757],
        [0.5674684675445241, 1.156438188311784, 1.7454079090790442, -1.8205383732360179, -1.231568652468758, -0.6425989317014981, -0.03616760368274142, -0.1347179154361373, -0.17661568746024708, -0.27516599921364293, 0.2800842551153684, 0.1815339433619725]],
    'bn_bwd_dgamma': [
        [0.0659510476679731],
        [-0.9962675292684299]],
    'bn_bwd_dbeta': [
        [0.25],
        [-0.75]],
    'bn_bwd2_dX': [
        [-0.5429216597291364, -0.2783953412373149, -0.01386902274549343, 0.25065729574632806, 0.5151836142381495, 0.7797099327299709, 0.4098498549931481, 0.18799100612045627, -0.03386784275223556, -0.25572669162492745, 0.02025978052464278, -0.20159906834804903],
        [0.7819997648950385, -0.8091653523447585, -0.5446390338529371, -0.28011271536111565, -0.01558639686929415, 0.24893992162252732, -0.5184097271803976, -0.7402685760530894, 0.2740738583507129, 0.5500603305002831, 0.32820148162759133, 0.10634263275489952],
        [0.25122975378759493, 0.5157560722794164, 0.7802823907712378, -0.8108827264685593, -0.5463564079767378, -0.28183008948491634, -0.21046802607744902, -0.4323268749501409, -0.15634040280057068, -0.3781992516732625, 0.6361431827305399, 0.4142843338578481]],
    'bn_bwd2_dgamma': [
        [0.0412375874607028],
        [-2.4488558754429604]],
    'bn_bwd2_dbeta': [
        [0.25],
        [-0.75]],
    'lstm_seq_out': [
        [0.00763673312355865, 0.08789607831185679, -0.00446812815560126, 0.07017563566483462, -0.05548802350679233, 0.03512243473103065],
        [-0.0972006511652102, 0.07893197091612494, -0.19180210244494447, -0.00292842331923294, -0.26704785626192473, -0.08321414835772589]],
    'lstm_seq_c': [
        [-0.10952427030114209, 0.07699872320524555],
        [-0.41171016702845115, -0.17537830857208628]],
    'lstm_last_c': [
        [-0.10952427030114209, 0.07699872320524555],
        [-0.41171016702845115, -0.17537830857208628]],
    'lstm_last_cache_out': [
        [0.00763673312355865, 0.08789607831185679, -0.0972006511652102, 0.07893197091612494],
        [-0.00446812815560126, 0.07017563566483462, -0.19180210244494447, -0.00292842331923294],
        [-0.05548802350679233, 0.03512243473103065, -0.26704785626192473, -0.08321414835772589]],
    'lstm_last_out': [
        [-0.05548802350679233, 0.03512243473103065],
        [-0.26704785626192473, -0.08321414835772589]],
    'lstm_cache_out': [
        [0.00763673312355865, 0.08789607831185679, -0.0972006511652102, 0.07893197091612494],
        [-0.00446812815560126, 0.07017563566483462, -0.19180210244494447, -0.00292842331923294],
        [-0.05548802350679233, 0.03512243473103065, -0.26704785626192473, -0.08321414835772589]],
    'lstm_cache_c': [
        [0.01815548488737333, 0.19341953942995355, -0.19103110929198377, 0.18655326806543882],
        [-0.00981637593540106, 0.15548539058689553, -0.3202001885736804, -0.00628658920349194],
        [-0.10952427030114209, 0.07699872320524555, -0.41171016702845115, -0.17537830857208628]],
    'lstm_cache_ifog': [
        [0.4900013331200346, 0.4950001666600003, 0.5, 0.574442516811659, 0.42067574785125056, 0.46008511544443426, 0.13909244787845798, 0.15864850429749888, 0.41338242108267, 0.5, 0.5866175789173301, 0.6524894621927444, 0.51499550161941, 0.42800386706848137, -0.46211715726000974, -0.14888503362331798],
        [0.47441716370574943, 0.5091704160128916, 0.5438352566079484, 0.5478145398239356, 0.45518546785512004, 0.4549639116412598, -0.04150349149294247, 0.09727068392729242, 0.3859867166898191, 0.47305928155662685, 0.5618020764289555, 0.6211236850307804, 0.6193399518303856, 0.46582682637769146, -0.5515177219997118, -0.25823241881410886],
        [0.4437479314723243, 0.49679420108840777, 0.5499127385445768, 0.5781573635249871, 0.5086517920124232, 0.45704418441011335, -0.23465150537702678, -0.02595903948732253, 0.3542097097870643, 0.4502818951693829, 0.5502107148851996, 0.647182133011143, 0.6848719086643128, 0.479338404097637, -0.6649523879753123, -0.38044998521995615]],
    'lstm_bwd_seq_dX': [
        [-0.01396483664893986, -0.02028859505095729, -0.05907300915336453, -0.03218027302376514, -0.04106244936012053, -0.03100659929487157],
        [-0.03435172185619263, -0.02142393652706708, -0.00956000082238411, -0.00549455335205679, -0.01418799421065402, -0.05957845698330073]],
    'lstm_bwd_seq_dW': [
        [-0.09091864918994269, 0.01476699477178351, -0.03542447549278226, -0.00823797864187867, -0.03363227814617292, 0.00709513690758467, 0.15631245794913828, -0.08742557935872454],
        [-0.10554776031232349, 0.01618541134418557, -0.04024933563457498, -0.01192748555799845, -0.038518496638424, 0.00601212821369552, 0.2110872459717843, -0.1209733405347446],
        [0.00563733924305999, -0.00029668219993483, 0.0079842018370986, -0.00651294905387955, -0.00012382013870048, -0.01055551442772097, 0.01506062389458205, -0.02649568199923278],
        [-0.00525188225018496, 0.00050676596594433, 8.61651951786e-05, -0.00155611790302486, 0.00043534288883366, -0.00416417970969319, 0.0194433890025833, -0.01147674651074248]],
    'lstm_bwd_seq_db': [
        [-0.146291111223808, 0.01418416572402069, -0.04824860141792724, -0.03689506916119777, -0.04886218492251088, -0.0108300869388915, 0.5477478802264604, -0.33547761176020063]],
    'lstm_bwd_seq_dout0': [
        [-0.01531430207688523, -0.0071934232312926],
        [-0.00940656061524851, -0.00021793007727803]],
    'lstm_bwd_seq_dc0': [
        [0.04986070129349639, -0.03667240318777587],
        [0.19499651361911066, -0.14812887259221896]],
    'lstm_bwd_last_dX': [
        [-0.02861094276654962, -0.02285717695320869, -0.05419388828797448, -0.041897303042946, -0.09372375390594109, -0.07369985830728777],
        [-0.0427216687799838, -0.01955600395311629, -0.06106312544796368, -0.03353865412332707, -0.10022947293785806, -0.03920196455243122]],
    'lstm_bwd_last_dW': [
        [-0.05540839834690763, -0.04700180895284167, -0.02093063718725023, 0.01301107970846479, -0.01059212756638885, -0.02681207185658518, 0.10920389512711669, 0.23813047303296037],
        [-0.06531839126026996, -0.05428397689490688, -0.02413284612322856, 0.01409165654800796, -0.01291274701337986, -0.03064113886116868, 0.1644176999541934, 0.25647262417421324],
        [0.00778534250932498, 0.00755989059371697, 0.00446716029017718, 0.00347935287232974, 0.00210051434302459, 0.00623450547860918, 0.00030011417370611, -0.02254078447813263],
        [-0.00529649342342781, -0.00128802404414127, 0.00025257169179072, 0.00147936580271035, -0.00082200571855514, -0.00019129131122406, 0.01861877704565809, 0.00834499923796961]],
    'lstm_bwd_last_db': [
        [-0.09909992913362331, -0.07282167942065222, -0.03202208935978334, 0.01080576839543164, -0.02320619446991013, -0.03829067004583501, 0.5521380482707672, 0.1834215114125287]],
    'lstm_bwd_last_dout0': [
        [-0.01760752455086298, -0.00732427120524222],
        [0.00330949299808135, 0.00332524649345888]],
    'lstm_bwd_last_dc0': [
        [0.07088892479651125, -0.04383586880009605],
        [0.04575602868550038, 0.11977064751547094]],
}
