"""Numba kernel for dmlpy.builtins.linalg_svd: the implicit-shift QR phase of SystemDS's
(Commons Math's) singular value decomposition on the bidiagonal (s, e), rotating the columns of
U (m x n) and V (n x n) in place.  Plain Python with loops, so `diagonalize.py_func` runs the
same steps without compiling (small matrices)."""
import math

from numba import njit

EPS = 2.0 ** -52
TINY = 2.0 ** -966


@njit(cache=True)
def _rot(M, j, q, cs, sn):
    for i in range(M.shape[0]):
        a = M[i, j]
        b = M[i, q]
        M[i, j] = cs * a + sn * b
        M[i, q] = -sn * a + cs * b


@njit(cache=True)
def _swap(M, j, q):
    for i in range(M.shape[0]):
        a = M[i, j]
        M[i, j] = M[i, q]
        M[i, q] = a


@njit(cache=True)
def diagonalize(s, e, U, V, m, n):
    p = n
    pp = p - 1
    while p > 0:
        # the largest k < p-1 with a negligible e[k] (-1: none)
        k = p - 2
        while k >= 0:
            if abs(e[k]) <= TINY + EPS * (abs(s[k]) + abs(s[k + 1])):
                e[k] = 0.0
                break
            k -= 1
        if k == p - 2:
            kase = 4
        else:
            ks = p - 1
            while ks > k:
                t = 0.0
                if ks != p:
                    t += abs(e[ks])
                if ks != k + 1:
                    t += abs(e[ks - 1])
                if abs(s[ks]) <= TINY + EPS * t:
                    s[ks] = 0.0
                    break
                ks -= 1
            if ks == k:
                kase = 3
            elif ks == p - 1:
                kase = 1
            else:
                kase = 2
                k = ks
        k += 1
        if kase == 1:            # deflate a negligible s[p-1]
            f = e[p - 2]
            e[p - 2] = 0.0
            for j in range(p - 2, k - 1, -1):
                t = math.hypot(s[j], f)
                cs = s[j] / t
                sn = f / t
                s[j] = t
                if j != k:
                    f = -sn * e[j - 1]
                    e[j - 1] = cs * e[j - 1]
                _rot(V, j, p - 1, cs, sn)
        elif kase == 2:          # split at a negligible s[k-1]
            f = e[k - 1]
            e[k - 1] = 0.0
            for j in range(k, p):
                t = math.hypot(s[j], f)
                cs = s[j] / t
                sn = f / t
                s[j] = t
                f = -sn * e[j]
                e[j] = cs * e[j]
                _rot(U, j, k - 1, cs, sn)
        elif kase == 3:          # one implicit-shift QR sweep
            scale = max(max(max(max(abs(s[p - 1]), abs(s[p - 2])), abs(e[p - 2])), abs(s[k])),
                        abs(e[k]))
            sp = s[p - 1] / scale
            spm1 = s[p - 2] / scale
            epm1 = e[p - 2] / scale
            sk = s[k] / scale
            ek = e[k] / scale
            b = ((spm1 + sp) * (spm1 - sp) + epm1 * epm1) / 2.0
            c = (sp * epm1) * (sp * epm1)
            shift = 0.0
            if b != 0.0 or c != 0.0:
                shift = math.sqrt(b * b + c)
                if b < 0.0:
                    shift = -shift
                shift = c / (b + shift)
            f = (sk + sp) * (sk - sp) + shift
            g = sk * ek
            for j in range(k, p - 1):
                t = math.hypot(f, g)
                cs = f / t
                sn = g / t
                if j != k:
                    e[j - 1] = t
                f = cs * s[j] + sn * e[j]
                e[j] = cs * e[j] - sn * s[j]
                g = sn * s[j + 1]
                s[j + 1] = cs * s[j + 1]
                _rot(V, j, j + 1, cs, sn)
                t = math.hypot(f, g)
                cs = f / t
                sn = g / t
                s[j] = t
                f = cs * e[j] + sn * s[j + 1]
                s[j + 1] = -sn * e[j] + cs * s[j + 1]
                g = sn * e[j + 1]
                e[j + 1] = cs * e[j + 1]
                if j < m - 1:
                    _rot(U, j, j + 1, cs, sn)
            e[p - 2] = f
        else:                    # converged: make s[k] non-negative, then sort it into place
            if s[k] <= 0.0:
                s[k] = -s[k] if s[k] < 0.0 else 0.0
                for i in range(pp + 1):
                    V[i, k] = -V[i, k]
            while k < pp and s[k] < s[k + 1]:
                a = s[k]
                s[k] = s[k + 1]
                s[k + 1] = a
                if k < n - 1:
                    _swap(V, k, k + 1)
                if k < m - 1:
                    _swap(U, k, k + 1)
                k += 1
            p -= 1
