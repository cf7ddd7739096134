"""Numba kernels for dmlpy.runtime.kahan (SystemDS's compensated row sums and tsmm order).

The orders are described there; these loops compute the same values bit for bit (no fastmath,
so no reassociation and no fused multiply-adds) and serve the sizes where NumPy's vectorised
versions would loop too often in Python.
"""
import numpy as np
from numba import njit


@njit(cache=True)
def row_sums(x, sparse):
    # eight rows at a time, column by column: independent chains that the CPU overlaps
    n, m = x.shape
    out = np.empty((n, 1))
    s = np.zeros(8)
    c = np.zeros(8)
    for i0 in range(0, n, 8):
        h = min(8, n - i0)
        s[:] = 0.0
        c[:] = 0.0
        for j in range(m):
            for r in range(h):
                v = x[i0 + r, j]
                if sparse and v == 0.0:
                    continue
                y = v - c[r]
                t = s[r] + y
                cr = (t - s[r]) - y
                c[r] = cr if np.isfinite(cr) else 0.0
                s[r] = t
        for r in range(h):
            out[i0 + r, 0] = s[r]
    return out


@njit(cache=True)
def self_product(x, sparse):
    n, m = x.shape
    out = np.zeros((n, n))
    bn = m % 8
    for i in range(n):
        for j in range(i, n):
            val = 0.0
            if sparse:
                for k in range(m):
                    val += x[i, k] * x[j, k]
            else:
                for k in range(bn):
                    val += x[i, k] * x[j, k]
                for k in range(bn, m, 8):
                    g = x[i, k] * x[j, k]
                    for q in range(k + 1, k + 8):
                        g += x[i, q] * x[j, q]
                    val += g
            out[i, j] = val
            out[j, i] = val
    return out
