"""read() of the cell text formats (text i j v, Matrix Market coordinate, libsvm) straight into CSR,
in chunks: a large sparse file never becomes a dense array, one Python string or a list per line.

The file (or SystemDS's directory of part files) is read in chunks of whole lines; Numba scanners
(parse_kernels) turn the chunks into coordinate arrays on the kernels' threads, and the lines they
flag are parsed here one by one, with the messages of the line-by-line reader. The result is a
csr_array when SystemDS's rule prefers sparse (dmlpy.sparse.prefer_sparse), else a dense array.
A cell given twice keeps its last value (SystemDS keeps either one, or both, depending on its
reader's threads and block format: not a behaviour to copy). Writing: textwrite.
"""
from __future__ import annotations

import os
import re
from collections import deque

import numpy as np

from ..errors import OpError
from . import prefer_sparse

CHUNK_BYTES = 1 << 24     # bytes scanned per task (whole lines)
_INT_MAX = 2 ** 31 - 1


# ================================================================== chunks of lines
def _files(path):
    if os.path.isdir(path):
        return [os.path.join(path, p) for p in sorted(os.listdir(path))
                if not p.startswith((".", "_")) and not p.endswith(".crc")]
    return [path]


def chunks(path, start=0):
    """(bytes, first line index) pieces of the file(s) at path, each ending at a line end; the
    first `start` bytes of the first file are left out (lines are counted from there)."""
    line = 0
    try:
        for n, f in enumerate(_files(path)):
            carry = b""
            with open(f, "rb") as fh:
                if n == 0 and start:
                    fh.seek(start)
                while True:
                    b = fh.read(CHUNK_BYTES)
                    if not b:
                        break
                    b = carry + b if carry else b
                    cut = b.rfind(b"\n")
                    if cut < 0:
                        carry = b
                        continue
                    carry = b[cut + 1:]
                    piece = b[:cut + 1]
                    yield piece, line
                    line += piece.count(b"\n")
            if carry:                      # a file without a final line end
                yield carry + b"\n", line
                line += 1
    except FileNotFoundError:
        raise OpError(f"read(): the file '{path}' does not exist") from None
    except OSError as e:
        raise OpError(f"read(): cannot read '{path}': {e.strerror or e}") from None


def _scan_all(pieces, scan, finish):
    """finish(scan(buf), buf, line) for every piece, in order; the scans run on the kernels'
    threads (a few pieces in flight), finish on this one."""
    from ..kernels.pool import NTHREADS, executor
    out = []
    pending = deque()
    first = True
    for piece, line in pieces:
        buf = np.frombuffer(piece, dtype=np.uint8)
        if first or NTHREADS == 1:         # the first scan compiles the kernel, on this thread
            out.append(finish(scan(buf), buf, line))
            first = False
            continue
        pending.append((executor().submit(scan, buf), buf, line))
        if len(pending) >= NTHREADS:
            f, b, ln = pending.popleft()
            out.append(finish(f.result(), b, ln))
    while pending:
        f, b, ln = pending.popleft()
        out.append(finish(f.result(), b, ln))
    return out


def _text(buf, s, e):
    t = bytes(buf[s:e]).decode("utf-8", errors="replace")
    return t[:-1] if t.endswith("\r") else t


def _check_dims(path, rows, cols):
    if rows > _INT_MAX or cols > _INT_MAX:
        raise OpError(f"read(): '{path}': a {rows}x{cols} matrix is larger than the integer range")


# ================================================================== ijv and Matrix Market
def _ijv_line(line, path, lineno, rows, cols):
    """One line 'row col value' checked as the line-by-line reader did: (i, j, v), or None for
    SystemDS's '0 0 v' marker line of an empty matrix."""
    from ..runtime.frame import parse_double
    t = line.split()
    if len(t) != 3:
        raise OpError(f"read(): '{path}' line {lineno}: expected 'row col value' but found "
                      f"{len(t)} fields")
    try:
        i, j = int(t[0]), int(t[1])
        v = parse_double(t[2])
    except ValueError:
        raise OpError(f"read(): '{path}' line {lineno}: cannot read '{line.strip()}' as "
                      f"'row col value'") from None
    if i == 0 and j == 0:
        return None
    if i < 1 or j < 1 or i > rows or j > cols:
        raise OpError(f"read(): '{path}' line {lineno}: cell ({i}, {j}) is outside the "
                      f"{rows}x{cols} matrix")
    return i, j, v


def _cells(path, rows, cols, pattern=False, start=0, line0=0):
    """[(I, J, V)] per chunk: the 1-based cells of every entry line, in file order."""
    from .parse_kernels import scan_ijv
    _check_dims(path, rows, cols)

    def scan(buf):
        return scan_ijv(buf, rows, cols, pattern)

    def finish(res, buf, line):
        I, J, V, flags = res
        if flags.shape[0]:
            for k, s, e, ln in flags.tolist():
                text = _text(buf, s, e)
                if pattern and len(text.split()) == 2:
                    text += " 1"
                got = _ijv_line(text, path, line0 + line + ln + 1, rows, cols)
                if got is None:
                    I[k] = 0               # a marker line: dropped below
                else:
                    I[k], J[k], V[k] = got
            keep = I > 0
            I, J, V = I[keep], J[keep], V[keep]
        return I, J, V

    return _scan_all(chunks(path, start), scan, finish)


def read_ijv(path, rows, cols):
    """A text (i j v) file as a matrix value."""
    return from_cells(_cells(path, rows, cols), rows, cols)


def read_mm(path):
    """A Matrix Market file: coordinate (real, integer, pattern; general, symmetric,
    skew-symmetric) read in chunks; None for the array layout (the caller parses that dense)."""
    nbytes = 0
    lines = []
    files = _files(path)
    try:
        with open(files[0] if files else path, "rb") as fh:
            while True:                    # the header, comments and the size line
                raw = fh.readline()
                if not raw:
                    break
                nbytes += len(raw)
                lines.append(raw.decode("utf-8", errors="replace").rstrip("\n").rstrip("\r"))
                if len(lines) == 1 and not lines[0].startswith("%%MatrixMarket"):
                    break
                if len(lines) > 1 and lines[-1].strip() and not lines[-1].startswith("%"):
                    break
    except FileNotFoundError:
        raise OpError(f"read(): the file '{path}' does not exist") from None
    except OSError as e:
        raise OpError(f"read(): cannot read '{path}': {e.strerror or e}") from None
    if not lines or not lines[0].startswith("%%MatrixMarket"):
        raise OpError(f"read(): '{path}' line 1: not a Matrix Market file (no %%MatrixMarket header)")
    head = lines[0].lower().split()
    layout = head[2] if len(head) > 2 else "coordinate"
    field = head[3] if len(head) > 3 else "real"
    symm = head[4] if len(head) > 4 else "general"
    if layout == "array":
        return None
    k = len(lines) - 1
    if k < 1 or lines[k].startswith("%") or not lines[k].strip():
        raise OpError(f"read(): '{path}': the Matrix Market size line is missing")
    try:
        size = [int(x) for x in lines[k].split()]
        n, m = size[0], size[1]
    except (ValueError, IndexError):
        raise OpError(f"read(): '{path}' line {k + 1}: bad Matrix Market size line") from None
    parts = _cells(path, n, m, field == "pattern", start=nbytes, line0=k + 1)
    if symm in ("symmetric", "skew-symmetric"):
        I, J, V = _last_wins(*_joined(parts), m)
        low = I > J
        sgn = -1.0 if symm == "skew-symmetric" else 1.0
        I, J, V = (np.concatenate([I, J[low]]), np.concatenate([J, I[low]]),
                   np.concatenate([V, sgn * V[low]]))
        return from_cells([(I, J, V)], n, m, duplicates="sum")
    return from_cells(parts, n, m)


# ================================================================== libsvm
def _libsvm_line(line, path, lineno, splitter):
    from ..runtime.frame import parse_double
    t = [x for x in splitter.split(line.strip()) if x]
    try:
        label = parse_double(t[0])
        f = []
        for tok in t[1:]:
            a, b = tok.split(":")
            j = int(a)
            if j < 1:
                raise ValueError(tok)
            f.append((j, parse_double(b)))
    except ValueError:
        raise OpError(f"read(): '{path}' line {lineno}: cannot read '{line.strip()[:60]}' as "
                      f"libsvm (label, index:value ...)") from None
    if f and max(j for j, _ in f) >= _INT_MAX:
        raise OpError(f"read(): '{path}' line {lineno}: feature index larger than the integer range")
    return label, f


def read_libsvm(path, sep, rows, cols):
    """A libsvm file as SystemDS reads it: features 1..cols, then the label as the last column
    (a row per non-blank line)."""
    from .parse_kernels import scan_libsvm
    sep = "," if sep is None else str(sep)
    is_sep = np.zeros(256, dtype=np.bool_)
    for ch in sep.encode("utf-8"):
        is_sep[ch] = True
    splitter = re.compile(r"[\s" + re.escape(sep) + r"]+")
    done = [0]                             # rows before the chunk finish() is given

    def scan(buf):
        return scan_libsvm(buf, is_sep)

    def finish(res, buf, line):
        labels, R, J, V, flags = res
        row0 = done[0]
        if flags.shape[0]:
            xr, xj, xv = [], [], []
            for k, s, e, _ in flags.tolist():
                lab, feats = _libsvm_line(_text(buf, s, e), path, row0 + k + 1, splitter)
                labels[k] = lab
                for j, v in feats:
                    xr.append(k)
                    xj.append(j)
                    xv.append(v)
            o = np.argsort(np.concatenate([R, np.array(xr, np.int32)]), kind="stable")
            R = np.concatenate([R, np.array(xr, np.int32)])[o]
            J = np.concatenate([J, np.array(xj, np.int32)])[o]
            V = np.concatenate([V, np.array(xv, np.float64)])[o]
        done[0] += labels.shape[0]
        R += row0
        return labels, R, J, V

    parts = _scan_all(chunks(path), scan, finish)
    n = done[0]
    maxj = max((int(p[2].max()) for p in parts if p[2].size), default=0)
    m = cols + 1 if cols is not None else maxj + 1
    if maxj + 1 > m:
        raise OpError(f"read(): '{path}': feature index {maxj} does not fit {m} columns")
    _check_dims(path, n, m)
    return _libsvm_value(parts, n, m)


def _csr_arrays(counts, nnz, rows, cols):
    """A rows x cols CSR's indptr, from its row counts, and its nnz indices and values (empty)."""
    from .create import index_dtype
    idt = index_dtype(nnz, max(rows, cols))
    indptr = np.zeros(rows + 1, dtype=idt)
    np.cumsum(counts, out=indptr[1:])
    return indptr, np.empty(nnz, dtype=idt), np.empty(nnz, dtype=np.float64)


def _libsvm_value(parts, n, m):
    from .parse_kernels import fill_rows, row_counts
    counts = np.zeros(n, dtype=np.int64)
    ok = True
    row0 = 0
    for labels, R, J, V in parts:
        prev = np.array([-1, 0], dtype=np.int64)
        ok &= row_counts(R, J, V, row0, counts[row0:row0 + labels.shape[0]], labels, m, prev)
        row0 += labels.shape[0]
    total = int(counts.sum())
    if not ok or not prefer_sparse(n, m, total):
        cells = []
        row0 = 0
        for labels, R, J, V in parts:
            lab = np.flatnonzero(labels)
            cells.append((np.concatenate([R + 1, (lab + row0 + 1).astype(np.int32)]),
                          np.concatenate([J, np.full(lab.size, m, dtype=np.int32)]),
                          np.concatenate([V, labels[lab]])))
            row0 += labels.shape[0]
        return from_cells(cells, n, m)
    from .create import csr
    indptr, indices, data = _csr_arrays(counts, total, n, m)
    del counts
    row0 = 0
    for labels, R, J, V in parts:
        fill_rows(indptr, indices, data, R, J, V, row0, labels, m)
        row0 += labels.shape[0]
    return csr(data, indices, indptr, (n, m))


# ================================================================== cells to a matrix value
def _joined(parts):
    if len(parts) == 1:
        return parts[0]
    if not parts:
        return np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(0)
    return tuple(np.concatenate([p[k] for p in parts]) for k in range(3))


def _last_wins(I, J, V, cols):
    """The cells in row-major order, a cell given twice keeping its last value."""
    if I.size < 2:
        return I, J, V
    key = I.astype(np.int64) * (cols + 1) + J
    order = np.argsort(key, kind="stable")
    key = key[order]
    last = np.empty(key.size, dtype=np.bool_)
    last[:-1] = key[1:] != key[:-1]
    last[-1] = True
    order = order[last]
    return I[order], J[order], V[order]


def from_cells(parts, rows, cols, duplicates="last"):
    """The matrix value of cells [(I, J, V)] (1-based, in file order): a csr_array when SystemDS's
    rule prefers sparse for their number, else dense. duplicates: 'last' keeps a repeated cell's
    last value, 'sum' adds them."""
    total = sum(int(p[0].shape[0]) for p in parts)
    if not prefer_sparse(rows, cols, total):
        X = np.zeros((rows, cols))
        for I, J, V in parts:
            if I.size:
                if duplicates == "sum":
                    np.add.at(X, (I - 1, J - 1), V)
                else:
                    X[I - 1, J - 1] = V
        return X
    from .create import csr
    if duplicates == "sum":
        from scipy.sparse import coo_array
        I, J, V = _joined(parts)
        X = coo_array((V, (I - 1, J - 1)), shape=(rows, cols)).tocsr()
        X.sum_duplicates()
        X.eliminate_zeros()
        return csr(X.data, X.indices, X.indptr, (rows, cols), canonical=True)
    from .parse_kernels import row_counts
    counts = np.zeros(rows, dtype=np.int64)
    prev = np.array([0, 0], dtype=np.int64)
    none = np.zeros(0)
    ordered = True
    for I, J, V in parts:
        ordered &= row_counts(I, J, V, 1, counts, none, 0, prev)
    if not ordered:                        # not row-major, or a cell given twice
        I, J, V = _last_wins(*_joined(parts), cols)
        nz = V != 0
        I, J, V = I[nz], J[nz], V[nz]
        indptr = np.zeros(rows + 1, dtype=np.int64)
        np.cumsum(np.bincount(I - 1, minlength=rows), out=indptr[1:])
        return csr(V, J - 1, indptr, (rows, cols))
    indptr, indices, data = _csr_arrays(counts, int(counts.sum()), rows, cols)
    del counts
    o = 0
    for n in range(len(parts)):
        I, J, V = parts[n]
        parts[n] = None                    # each part is freed once copied
        nz = V != 0
        if not nz.all():
            J, V = J[nz], V[nz]
        indices[o:o + J.shape[0]] = J
        indices[o:o + J.shape[0]] -= 1
        data[o:o + V.shape[0]] = V
        o += J.shape[0]
    return csr(data, indices, indptr, (rows, cols), canonical=True)    # row-major, cells distinct
