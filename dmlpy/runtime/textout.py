"""The text forms of matrices, frames and scalars that write() produces, streamed in blocks of rows.

Every writer here takes an `emit(text)` callable and hands it the file's text one block of rows at a
time, so a large matrix never exists as one string or as one Python string per cell: memory stays
bounded by the block size (`BLOCK_CELLS` cells). Numbers are Java's Double.toString, as SystemDS
writes them. Python's repr gives Java's text for 1e-3 <= |x| < 1e7, so a block is formatted with one
repr of the whole block; the other cells (zeros, which csv writes as 0, and values outside that
range) are rearranged from repr's digits in bulk where those are Java's digits (normal numbers below
2^53 that are not powers of two), else formatted one by one through `javafmt`.
"""
from __future__ import annotations

import numpy as np

from ..errors import OpError
from .frame import Frame, double_str

BLOCK_CELLS = 1 << 18     # cells formatted per block (about 2 MB of doubles, some 5 MB of text)


def _row_blocks(n, m):
    step = max(1, BLOCK_CELLS // max(m, 1))
    for lo in range(0, n, step):
        yield lo, min(n, lo + step)


def java_strings(a) -> list:
    """Java's Double.toString of every value of a 1-D float array, as a list of str."""
    a = np.asarray(a, dtype=np.float64)
    if a.size == 0:
        return []
    out = repr(a.tolist())[1:-1].split(", ")
    ab = np.abs(a)
    odd = np.flatnonzero(~((ab >= 1e-3) & (ab < 1e7)))
    if odd.size:
        for i, t in zip(odd.tolist(), odd_strings(a[odd])):
            out[i] = t
    return out


_MIN_NORMAL = 2.2250738585072014e-308


def odd_strings(v) -> list:
    """Double.toString of values outside 1e-3 <= |x| < 1e7 (where Python's repr has Java's digits
    but another layout), rearranging repr's text in bulk where its digits are Java's."""
    out = [None] * v.size
    ab = np.abs(v)
    mant = np.frexp(ab)[0]
    big = (ab >= 1e7) & (ab < 2.0 ** 53)                               # repr: 12345678.5
    mid = (ab >= 1e-4) & (ab < 1e-3) & (mant != 0.5)                   # repr: 0.000123
    low = (ab >= _MIN_NORMAL) & (ab < 1e-4) & (mant != 0.5)            # repr: 1.23e-05
    for mask, fix in ((big, _big), (mid, _mid), (low, _low)):
        idx = np.flatnonzero(mask)
        if idx.size:
            neg = np.signbit(v[idx]).tolist()
            toks = repr(ab[idx].tolist())[1:-1].split(", ")
            for i, t, n in zip(idx.tolist(), toks, neg):
                out[i] = "-" + fix(t) if n else fix(t)
    rest = np.flatnonzero(~(big | mid | low))
    if rest.size:
        seen = {}
        for i, x in zip(rest.tolist(), v[rest].tolist()):
            t = seen.get(x)
            if t is None:
                t = seen[x] = double_str(x)
            out[i] = t
    return out


def _big(r):
    ip, _, fp = r.partition(".")
    d = ip.rstrip("0") if fp == "0" else ip + fp
    return f"{d[0]}.{d[1:] or '0'}E{len(ip) - 1}"


def _mid(r):
    return f"{r[5]}.{r[6:] or '0'}E-4"


def _low(r):
    m, _, e = r.partition("e")
    return f"{m if len(m) > 1 else m + '.0'}E{int(e)}"


_SENTINELS = (1234567.875, 7654321.125, 3216549.625, 6549873.375)


def csv_block(B, sep) -> str:
    """Rows of a matrix block as SystemDS's csv lines: 0 for zero, Double.toString otherwise."""
    r, m = B.shape
    if m == 0:
        return "\n" * r
    ab = np.abs(B)
    odd = ~((ab >= 1e-3) & (ab < 1e7))          # zeros, NaN, infinities, tiny or huge values
    k = int(np.count_nonzero(odd))
    if k == 0:
        text = repr(B.tolist())
    else:
        text = _with_odd_cells(B, ab, odd, k)
    # repr of a list of lists: tokens are separated by ", " and rows by "], ["
    return text[2:-2].replace("], [", "\n").replace(", ", sep) + "\n"


def _with_odd_cells(B, ab, odd, k):
    """repr(B.tolist()) with the cells where repr and Java differ written the Java way: every such
    cell is set to a sentinel value absent from the block, whose text is then replaced."""
    vals = B[odd]
    repl = np.full(k, "0", dtype=object)
    nz = np.flatnonzero(vals != 0)
    if nz.size:
        repl[nz] = odd_strings(vals[nz])
    for s in _SENTINELS:
        if (ab == s).any():
            continue
        pieces = repr(np.where(odd, s, B).tolist()).split(repr(s))
        if len(pieces) != k + 1:
            break                 # the sentinel's text is part of another cell's text
        parts = [None] * (2 * k + 1)
        parts[0::2] = pieces
        parts[1::2] = repl.tolist()
        return "".join(parts)
    # cell by cell
    cells = np.array(java_strings(B.ravel()), dtype=object)
    cells[B.ravel() == 0] = "0"
    return repr(cells.reshape(B.shape).tolist()).replace("'", "")


def _ijv_block(B, offset) -> str:
    r, c = np.nonzero(B)
    if r.size == 0:
        return ""
    vals = java_strings(B[r, c])
    return "".join([f"{i} {j} {v}\n" for i, j, v in zip((r + offset + 1).tolist(), (c + 1).tolist(), vals)])


def _libsvm_block(B, sep) -> str:
    n, m = B.shape
    if m == 0:
        return "0.0\n" * n
    labels = java_strings(B[:, m - 1])
    r, c = np.nonzero(B[:, :m - 1])
    toks = [f"{j}:{v}" for j, v in zip((c + 1).tolist(), java_strings(B[r, c]))]
    st = np.searchsorted(r, np.arange(n + 1)).tolist()      # row i's features: toks[st[i]:st[i + 1]]
    return "".join([sep.join([labels[i], *toks[st[i]:st[i + 1]]]) + "\n" for i in range(n)])


def write_matrix(X, fmt, header, sep, emit) -> None:
    n, m = X.shape
    if fmt == "csv":
        if header:
            emit(sep.join(f"C{j + 1}" for j in range(m)) + "\n")
        for lo, hi in _row_blocks(n, m):
            emit(csv_block(np.ascontiguousarray(X[lo:hi], dtype=np.float64), sep))
        return
    if fmt in ("text", "mm"):
        nnz = int(np.count_nonzero(X))
        if fmt == "mm":
            emit(f"%%MatrixMarket matrix coordinate real general\n{n} {m} {nnz}\n")
        if nnz == 0:
            emit("0 0 0\n")       # SystemDS's marker line of an all-zero matrix
            return
        for lo, hi in _row_blocks(n, m):
            emit(_ijv_block(X[lo:hi], lo))
        return
    if fmt == "libsvm":
        for lo, hi in _row_blocks(n, m):
            emit(_libsvm_block(X[lo:hi], sep))
        return
    raise OpError(f"write(): cannot write a matrix as {fmt}")


def write_frame(F, fmt, header, sep, emit) -> None:
    if fmt not in ("csv", "text"):
        raise OpError(f"write(): frames can be written as csv, text or binary, not {fmt}")
    if fmt == "csv" and header:
        emit(sep.join(F.names) + "\n")
    for lo, hi in _row_blocks(F.nrow, F.ncol):
        part = Frame([c[lo:hi] for c in F.columns], F.schema, nrow=hi - lo)
        cols = [part.column_strings(j) for j in range(F.ncol)]
        lines = []
        if fmt == "csv":
            for k in range(hi - lo):
                lines.append(sep.join(csv_cell(c[k], sep) for c in cols) + "\n")
        else:
            for k in range(hi - lo):
                for j in range(F.ncol):
                    s = cols[j][k]
                    if s is None or s == "":
                        continue
                    if F.schema[j] != "STRING" and F.columns[j][lo + k] == 0:
                        continue
                    lines.append(f"{lo + k + 1} {j + 1} {s}\n")
        emit("".join(lines))


def csv_cell(s, sep):
    """A frame cell as csv text: as it is (SystemDS's bytes; its reader keeps quotes, so "q" and
    x"y read back unchanged), quoted only where SystemDS would write a line that splits wrongly
    (a separator or line break inside), which then reads back with its quotes."""
    if s is None:
        return ""
    if sep in s or "\n" in s or "\r" in s:
        return '"' + s.replace('"', '""') + '"'
    return s


def scalar_text(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return double_str(v)
    return str(v)
