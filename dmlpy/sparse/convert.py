"""Sparse values from outside dmlpy: a scipy.sparse matrix or array given to the Python API."""
from __future__ import annotations

import numpy as np

from . import choose


def from_scipy(v, where="input"):
    """Any scipy.sparse matrix or array of numbers as a matrix value: a canonical float64
    csr_array (duplicates summed, stored zeros dropped) in the format choose picks; a
    DMLValidationError for anything else."""
    from ..errors import DMLValidationError
    import scipy.sparse as sp
    if not sp.issparse(v):
        raise DMLValidationError(f"{where}: a {type(v).__name__} has no DML value")
    if v.ndim != 2:
        raise DMLValidationError(f"{where}: a DML matrix has two dimensions; got a sparse array of "
                                 f"shape {v.shape}")
    if v.dtype.kind not in "biuf":
        raise DMLValidationError(f"{where}: a sparse matrix of {v.dtype.name} has no DML value "
                                 "(a DML matrix holds real numbers)")
    x = sp.csr_array(v, dtype=np.float64, copy=True)
    x.sum_duplicates()
    x.eliminate_zeros()
    x.sort_indices()
    return choose(x)
