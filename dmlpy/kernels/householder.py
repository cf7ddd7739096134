"""Householder QR and the solve with it, in SystemDS's order of operations (dmlpy.builtins.linalg's
_QR: its solve, inv and qr), compiled: every sum is a left-to-right loop, as the sequential Java
loops SystemDS runs, so the results are those of the NumPy formulation bit for bit (plain IEEE
operations, no fused multiply-add), at compiled speed instead of one NumPy call per column.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def factor(qrt, rdiag):
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
def solve(qrt, rdiag, y):
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
