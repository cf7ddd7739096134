"""Tests of dmlpy's CPU deep-learning kernels (dmlpy.kernels.dnn).

* the Numba/BLAS kernels against the plain NumPy reference
  (dmlpy.kernels.dnn_reference) on many small shapes: odd sizes, strides > 1,
  padding, non-square images and filters, N=1, C=1, ties and shared maxima;
* outputs recorded from Apache SystemDS 3.4: tests/test_dnn_kernels_systemds.py.
"""

import numpy as np
import pytest

from dmlpy.kernels import dnn
from dmlpy.kernels import dnn_loops, pool
from dmlpy.kernels import dnn_reference as ref

from dnn_util import close


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
