"""exp() over a block of cells in a form the compiler vectorises (the C library's exp, which Numba
calls once per cell, runs 2.5 times slower here and dominates a fused chain that contains it).

Method: x = k*ln2 + r with k = round(x / ln2) and |r| <= ln2/2 (ln2 split into a high part with
trailing zero bits, so k*ln2_hi is exact, and a low part); exp(r) from its Taylor series to the
r^13 term (truncation error below 5e-18 relative); 2^k put together from its bits. Cells outside
[-708, 709] (overflow, subnormal results, infinities, NaN) take the C library's exp. Measured
against the C library over [-745, 710]: at most 1 unit in the last place apart, in about 10% of
the cells (NumPy's own SIMD exp differs from the C library in about 5%).
"""
import math

import numpy as np
from numba import njit

LOG2E = 1.4426950408889634
LN2_HI = 6.93147180369123816490e-01     # the high 32 bits of ln 2
LN2_LO = 1.90821492927058770002e-10     # ln 2 - LN2_HI
SHIFT = 6755399441055744.0              # 1.5 * 2^52: x + SHIFT - SHIFT rounds x to an integer
LO, HI = -708.0, 709.0
(C2, C3, C4, C5, C6, C7, C8, C9, C10, C11, C12, C13) = [1.0 / math.factorial(n) for n in range(2, 14)]


@njit(nogil=True, cache=True, inline="always", error_model="numpy")
def vexp(d, a, n, scr, neg):
    """d[:n] = exp(a[:n]) (exp(-a[:n]) with neg); d may be a. scr: an int64 array (2, >= n)."""
    xs = scr[0].view(np.float64)
    ts = scr[1].view(np.float64)
    bits = scr[1]
    if neg:
        for i in range(n):
            xs[i] = -np.float64(a[i])
    else:
        for i in range(n):
            xs[i] = a[i]
    for i in range(n):
        x = min(max(xs[i], LO), HI)
        t = x * LOG2E + SHIFT           # k in the low bits of t
        k = t - SHIFT
        r = (x - k * LN2_HI) - k * LN2_LO
        p = C13
        p = p * r + C12
        p = p * r + C11
        p = p * r + C10
        p = p * r + C9
        p = p * r + C8
        p = p * r + C7
        p = p * r + C6
        p = p * r + C5
        p = p * r + C4
        p = p * r + C3
        p = p * r + C2
        d[i] = 1.0 + (r + r * r * p)
        ts[i] = t
    for i in range(n):                  # 2^k: exponent field k + 1023, mantissa zero
        bits[i] = (bits[i] + 1023) << 52
    for i in range(n):
        d[i] = d[i] * ts[i]
    outside = 0
    for i in range(n):
        x = xs[i]
        outside += 0 if ((x >= LO) & (x <= HI)) else 1
    if outside:
        for i in range(n):
            x = xs[i]
            if not (x >= LO and x <= HI):
                d[i] = np.exp(x)
