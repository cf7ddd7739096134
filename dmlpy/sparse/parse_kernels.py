"""Numba scanners of the cell text formats (ijv / Matrix Market entries, libsvm) over a chunk of
bytes holding whole lines. They parse the well-formed lines and flag every other one (bad, or
merely unusual, such as 'Infinity' or a number of 20 digits) for textio, which parses flagged
lines in Python with the messages of the original line-by-line reader."""
import numpy as np
from numba import njit

from .numparse import parse_int, parse_number


@njit(cache=True, inline="always")
def _ws(c):
    return c == 32 or c == 9 or c == 13 or c == 11 or c == 12


@njit(cache=True, inline="always")
def _grow_i(a, n):
    if n < a.shape[0]:
        return a
    b = np.empty(2 * a.shape[0] + 16, dtype=a.dtype)
    b[:n] = a[:n]
    return b


@njit(cache=True, inline="always")
def _flag(flags, nf, a, b, c, d):
    """flags (grown when full) with row nf set to [a, b, c, d]."""
    if nf >= flags.shape[0]:
        f2 = np.empty((2 * flags.shape[0], 4), dtype=np.int64)
        f2[:nf] = flags[:nf]
        flags = f2
    flags[nf, 0] = a
    flags[nf, 1] = b
    flags[nf, 2] = c
    flags[nf, 3] = d
    return flags


@njit(cache=True, nogil=True)
def scan_ijv(buf, rows, cols, pattern):
    """Entries 'i j v' (or 'i j' when pattern) of the lines in buf: (I, J, V, count, flags, nflags).
    A flagged line gets a placeholder entry (I = -1) and a row [entry, start, end, line index] in
    flags; the marker line '0 0 v' of an empty matrix gives no entry."""
    n = buf.shape[0]
    cap = n // 8 + 16
    I = np.empty(cap, dtype=np.int32)
    J = np.empty(cap, dtype=np.int32)
    V = np.empty(cap, dtype=np.float64)
    flags = np.empty((16, 4), dtype=np.int64)
    cnt = 0
    nf = 0
    line = 0
    st = np.zeros(3, dtype=np.int64)
    en = np.zeros(3, dtype=np.int64)
    p = 0
    while p < n:
        q = p
        while q < n and buf[q] != 10:
            q += 1
        ntok = 0
        t = p
        while t < q:
            while t < q and _ws(buf[t]):
                t += 1
            if t >= q:
                break
            ts = t
            while t < q and not _ws(buf[t]):
                t += 1
            if ntok < 3:
                st[ntok] = ts
                en[ntok] = t
            ntok += 1
        if ntok > 0:
            good = ntok == 3 or (pattern and ntok == 2)
            i = 0
            j = 0
            v = 1.0
            if good:
                i, ok1 = parse_int(buf, st[0], en[0])
                j, ok2 = parse_int(buf, st[1], en[1])
                ok3 = True
                if ntok == 3:
                    v, ok3 = parse_number(buf, st[2], en[2])
                good = ok1 and ok2 and ok3
            marker = good and i == 0 and j == 0
            if good and not marker and (i < 1 or j < 1 or i > rows or j > cols):
                good = False
            if not marker:
                if cnt >= I.shape[0]:
                    I = _grow_i(I, cnt)
                    J = _grow_i(J, cnt)
                    V = _grow_i(V, cnt)
                if good:
                    I[cnt] = i
                    J[cnt] = j
                    V[cnt] = v
                else:
                    I[cnt] = -1
                    J[cnt] = 0
                    V[cnt] = 0.0
                    flags = _flag(flags, nf, cnt, p, q, line)
                    nf += 1
                cnt += 1
        line += 1
        p = q + 1
    return I[:cnt].copy(), J[:cnt].copy(), V[:cnt].copy(), flags[:nf].copy()


@njit(cache=True, nogil=True)
def scan_libsvm(buf, is_sep):
    """The non-blank lines of a libsvm chunk: (labels, nlines, R, J, V, count, flags, nflags),
    R the line's index among the chunk's non-blank lines, J the 1-based feature index. A flagged
    line (flags row: [nonblank index, start, end, 0]) gets label 0 and no features here."""
    n = buf.shape[0]
    cap = n // 6 + 16
    R = np.empty(cap, dtype=np.int32)
    J = np.empty(cap, dtype=np.int32)
    V = np.empty(cap, dtype=np.float64)
    labels = np.empty(n // 2 + 16, dtype=np.float64)
    flags = np.empty((16, 4), dtype=np.int64)
    cnt = 0
    nf = 0
    nl = 0
    p = 0
    while p < n:
        q = p
        while q < n and buf[q] != 10:
            q += 1
        t = p
        while t < q and _ws(buf[t]):
            t += 1
        if t < q:
            start_cnt = cnt
            good = True
            ntok = 0
            while True:
                while t < q and (_ws(buf[t]) or is_sep[buf[t]]):
                    t += 1
                if t >= q:
                    break
                ts = t
                colon = -1
                ncolon = 0
                while t < q and not (_ws(buf[t]) or is_sep[buf[t]]):
                    if buf[t] == 58:
                        colon = t
                        ncolon += 1
                    t += 1
                if ntok == 0:
                    lab, ok = parse_number(buf, ts, t)
                    if not ok:
                        good = False
                        break
                    labels[nl] = lab
                else:
                    if ncolon != 1:
                        good = False
                        break
                    j, ok1 = parse_int(buf, ts, colon)
                    v, ok2 = parse_number(buf, colon + 1, t)
                    if not (ok1 and ok2) or j < 1 or j > 2147483646:
                        good = False
                        break
                    if cnt >= R.shape[0]:
                        R = _grow_i(R, cnt)
                        J = _grow_i(J, cnt)
                        V = _grow_i(V, cnt)
                    R[cnt] = nl
                    J[cnt] = j
                    V[cnt] = v
                    cnt += 1
                ntok += 1
            if not good:
                cnt = start_cnt
                labels[nl] = 0.0
                flags = _flag(flags, nf, nl, p, q, 0)
                nf += 1
            nl += 1
        p = q + 1
    return (labels[:nl].copy(), R[:cnt].copy(), J[:cnt].copy(), V[:cnt].copy(),
            flags[:nf].copy())


@njit(cache=True, nogil=True)
def row_counts(R, J, V, row_lo, counts, labels, labcol, prev):
    """Add the non-zero cells (R 0-based rows, J 1-based columns) to counts[R - row_lo], and the
    non-zero labels (one per row from row_lo, column labcol, 0 for none). True when the cells are
    in strictly row-major order after the cell prev = (row, col) and left of labcol."""
    ok = True
    pr = prev[0]
    pc = prev[1]
    for k in range(R.shape[0]):
        r = R[k]
        c = J[k]
        if r < pr or (r == pr and c <= pc) or (labcol > 0 and c >= labcol):
            ok = False
        pr = r
        pc = c
        if V[k] != 0.0:
            counts[r - row_lo] += 1
    prev[0] = pr
    prev[1] = pc
    for i in range(labels.shape[0]):
        if labels[i] != 0.0:
            counts[i] += 1
    return ok


@njit(cache=True, nogil=True)
def fill_rows(indptr, indices, data, R, J, V, row_lo, labels, labcol):
    """Write sorted cells (as row_counts accepted them) into CSR arrays whose indptr is complete:
    the rows' cells, then each row's label in column labcol (labels: one per row from row_lo, or
    none). Zero values are left out."""
    nl = labels.shape[0]
    k = 0
    n = R.shape[0]
    if nl == 0:
        r_hi = R[n - 1] + 1 if n else row_lo
    else:
        r_hi = row_lo + nl
    for r in range(row_lo, r_hi):
        q = indptr[r]
        while k < n and R[k] == r:
            if V[k] != 0.0:
                indices[q] = J[k] - 1
                data[q] = V[k]
                q += 1
            k += 1
        if nl and labels[r - row_lo] != 0.0:
            indices[q] = labcol - 1
            data[q] = labels[r - row_lo]
