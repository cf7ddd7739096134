"""Matrix factorizations in SystemDS's order of operations, compiled (dmlpy.builtins.linalg): the
Householder QR and the solve with it (solve, inv, qr) and Crout's LU with partial pivoting (lu,
det). Every sum is a left-to-right loop, as the sequential Java loops SystemDS runs, so the results
are those of the NumPy formulations they replace bit for bit (plain IEEE operations, no fused
multiply-add), at compiled speed instead of one NumPy call per row or column.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def qr_factor(qrt, rdiag):
    """Factor in place: qrt is the transposed matrix (n x m, C order); on return it holds the
    reflectors (row k from column k on) and R's upper part, rdiag R's diagonal."""
    n, m = qrt.shape
    for k in range(min(m, n)):
        s = 0.0
        for i in range(k, m):
            s += qrt[k, i] * qrt[k, i]
        norm = math.sqrt(s)
        alpha = -norm if qrt[k, k] > 0 else norm
        rdiag[k] = alpha
        if alpha != 0.0:
            qrt[k, k] -= alpha
            denom = alpha * qrt[k, k]
            for c in range(k + 1, n):
                t = 0.0
                for i in range(k, m):
                    t -= qrt[c, i] * qrt[k, i]
                t = t / denom
                for i in range(k, m):
                    qrt[c, i] -= t * qrt[k, i]


@njit(cache=True, nogil=True)
def qr_solve(qrt, rdiag, y):
    """x with A x = y from A's factors (y: m x p, overwritten); x is n x p."""
    n, m = qrt.shape
    p = y.shape[1]
    for k in range(min(m, n)):
        factor_k = 1.0 / (rdiag[k] * qrt[k, k])
        for c in range(p):
            t = 0.0
            for i in range(k, m):
                t -= y[i, c] * qrt[k, i]
            d = -t * factor_k
            for i in range(k, m):
                y[i, c] += d * qrt[k, i]
    x = np.zeros((n, p))
    for j in range(len(rdiag) - 1, -1, -1):
        inv = 1.0 / rdiag[j]
        for c in range(p):
            y[j, c] *= inv
            x[j, c] = y[j, c]
        for i in range(j):
            q = qrt[j, i]
            for c in range(p):
                y[i, c] -= q * y[j, c]
    return x


@njit(cache=True, nogil=True)
def crout(lu, piv):
    """Crout LU with partial pivoting in place (lu: n x n, piv: 0..n-1); returns (even, singular):
    whether the row swaps are even, and whether a pivot below 1e-11 stopped it."""
    n = lu.shape[0]
    even = True
    for c in range(n):
        for r in range(c):
            s = lu[r, c]
            for k in range(r):
                s -= lu[r, k] * lu[k, c]
            lu[r, c] = s
        best = c
        largest = -math.inf
        for r in range(c, n):
            s = lu[r, c]
            for k in range(c):
                s -= lu[r, k] * lu[k, c]
            lu[r, c] = s
            if abs(s) > largest:
                largest = abs(s)
                best = r
        if abs(lu[best, c]) < 1e-11:
            return even, True
        if best != c:
            for k in range(n):
                t = lu[best, k]
                lu[best, k] = lu[c, k]
                lu[c, k] = t
            t2 = piv[best]
            piv[best] = piv[c]
            piv[c] = t2
            even = not even
        d = lu[c, c]
        for r in range(c + 1, n):
            lu[r, c] /= d
    return even, False
