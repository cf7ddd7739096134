"""Numba kernel of the masked product (dmlpy.sparse.masked): W * f(A %*% t(B), X) evaluated only at
the stored entries of a CSR matrix W, one dot product of a row of A and a row of B per entry.

kind: 0  W * P
      1  W * (P - X)       2  W * (P - X)^2
      3  W * (X - P)       4  W * (X - P)^2
xmode: 0 no X, 1 X dense, 2 X a CSR matrix (sorted column indexes; an unstored cell is 0).
Values are float64, or float32 throughout (--precision single: each dot product is then summed in
float64 and rounded once to float32).
"""
from numba import njit


@njit(nogil=True, cache=True)
def masked_rows(r0, r1, kind, wdata, windptr, windices, A, B, xmode, xd, xindptr, xindices,
                xdense, out):
    rank = A.shape[1]
    for i in range(r0, r1):
        xp = 0
        xe = 0
        if xmode == 2:
            xp = xindptr[i]
            xe = xindptr[i + 1]
        for k in range(windptr[i], windptr[i + 1]):
            j = windices[k]
            p = 0.0
            for r in range(rank):
                p += A[i, r] * B[j, r]
            if kind == 0:
                out[k] = wdata[k] * p
                continue
            x = 0.0
            if xmode == 1:
                x = xdense[i, j]
            elif xmode == 2:
                while xp < xe and xindices[xp] < j:
                    xp += 1
                if xp < xe and xindices[xp] == j:
                    x = xd[xp]
            d = p - x if kind <= 2 else x - p
            if kind == 2 or kind == 4:
                d = d * d
            out[k] = wdata[k] * d
