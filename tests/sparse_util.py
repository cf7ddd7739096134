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


def run(monkeypatch, script, outputs, min_cells, inputs):
    """dmlpy.run of script with DMLPY_SPARSE_MIN_CELLS = min_cells, the inputs given as CSR."""
    import scipy.sparse as sp

    import dmlpy
    monkeypatch.setenv("DMLPY_SPARSE_MIN_CELLS", min_cells)
    ins = {k: sp.csr_array(v) for k, v in inputs.items()}
    return dmlpy.run(script, inputs=ins, outputs=outputs)


def dense(v):
    """A matrix value as a dense array."""
    from dmlpy.sparse import is_sparse
    return v.toarray() if is_sparse(v) else v
