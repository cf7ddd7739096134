"""Helpers shared by the sparse tests (test_sparse_*.py)."""
import numpy as np

SPARSE_ON = "16"            # DMLPY_SPARSE_MIN_CELLS: the small test matrices are held sparse
SPARSE_OFF = "1000000000"   # ... never: the dense reference run


def mat(rows, cols, density, seed, empty_rows=()):
    """A dense rows x cols array with about `density` non-zeros in (-1, 1), rows empty_rows zero."""
    rng = np.random.default_rng(seed)
    x = np.where(rng.random((rows, cols)) < density, rng.uniform(-1.0, 1.0, (rows, cols)), 0.0)
    x[list(empty_rows)] = 0.0
    return x
