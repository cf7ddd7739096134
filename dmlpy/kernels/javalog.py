"""log() of matrices as SystemDS 3.4 computes it: Java's Math.log (the HotSpot x86_64 intrinsic),
bit for bit, per cell with dmlpy.kernels.javamath.java_log.  NumPy's SIMD log differs from it in
the last bit in ~0.2% of the cells (the C library's in ~0.06%), enough to change a result that
cancels (a log-likelihood difference, logSumExp)."""
from __future__ import annotations

import numpy as np
from numba import njit, prange

from .javamath import java_log

PAR_MIN = 1 << 16           # cells from which two threads share the work


@njit(nogil=True, cache=True)
def _log_flat(a, out):
    for i in range(a.shape[0]):
        out[i] = java_log(a[i])


@njit(nogil=True, cache=True, parallel=True)
def _log_flat_par(a, out):
    n = a.shape[0]
    h = (n + 1) // 2
    for t in prange(2):
        for i in range(t * h, min(n, (t + 1) * h)):
            out[i] = java_log(a[i])


def log_array(x: np.ndarray) -> np.ndarray:
    """Math.log of every cell of a float64 array (a new array of the same shape)."""
    a = np.ascontiguousarray(x, dtype=np.float64)
    out = np.empty(a.shape)
    (_log_flat_par if a.size >= PAR_MIN else _log_flat)(a.reshape(-1), out.reshape(-1))
    return out
