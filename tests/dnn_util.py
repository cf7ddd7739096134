"""Helpers shared by the DNN kernel tests (test_dnn_kernels*.py)."""
import numpy as np


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
