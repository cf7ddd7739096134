"""rowIndexMax / rowIndexMin in one pass over each row: the 1-based column of the row's largest
(smallest) value, the last one on ties, NaN counting as -Inf (+Inf), as SystemDS gives them."""
import numpy as np
from numba import njit

from .pool import parallel


@njit(nogil=True, cache=True)
def _rows(lo, hi, x, pick_max, out):
    m = x.shape[1]
    for i in range(lo, hi):
        best = -np.inf if pick_max else np.inf
        idx = m
        for j in range(m):
            v = x[i, j]
            if v != v:
                v = -np.inf if pick_max else np.inf
            if (v >= best) if pick_max else (v <= best):
                best = v
                idx = j + 1
        out[i] = idx


def row_index_extreme(x: np.ndarray, pick_max: bool) -> np.ndarray:
    """n x 1 doubles; x has at least one column."""
    x = np.ascontiguousarray(x)
    out = np.empty(x.shape[0])
    parallel(_rows, x.shape[0], x.shape[1], x, pick_max, out)
    return out.reshape(-1, 1)
