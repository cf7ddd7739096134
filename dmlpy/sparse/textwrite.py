"""write() of a sparse (csr_array) matrix: the text SystemDS writes for csv, text (i j v), Matrix
Market and libsvm (row-major entries, Java's Double.toString: runtime.textout formats the
numbers), produced from the CSR rows block by block, never from a dense copy of the matrix; and
dmlpy's own binary form of a sparse matrix (SciPy's .npz of the CSR arrays)."""
from __future__ import annotations

import numpy as np

from ..errors import OpError
from . import choose

WRITE_ENTRIES = 1 << 18   # stored entries formatted per block


def nnz(X) -> int:
    """Non-zeros of a csr_array (explicitly stored zeros not counted)."""
    return int(np.count_nonzero(X.data))


def _row_ranges(X, entries):
    """Consecutive row ranges of X with about `entries` stored entries each."""
    n = X.shape[0]
    ptr = X.indptr
    lo = 0
    while lo < n:
        hi = int(np.searchsorted(ptr, ptr[lo] + entries, side="right")) - 1
        hi = min(n, max(hi, lo + 1))
        yield lo, hi
        lo = hi


def _block_cells(X, lo, hi):
    """(rows, cols, values) of the non-zero cells of rows lo..hi-1 (0-based, row-major)."""
    a, b = int(X.indptr[lo]), int(X.indptr[hi])
    r = np.repeat(np.arange(lo, hi), np.diff(X.indptr[lo:hi + 1]))
    c = X.indices[a:b]
    v = X.data[a:b]
    nz = v != 0
    if not nz.all():
        r, c, v = r[nz], c[nz], v[nz]
    if c.size > 1 and not X.has_sorted_indices:
        o = np.lexsort((c, r))
        r, c, v = r[o], c[o], v[o]
    return r, c, v


def _ints(a) -> list:
    """The decimal texts of an integer array (one repr of the whole list)."""
    return repr(a.tolist())[1:-1].split(", ") if a.size else []


def write_sparse(X, fmt, header, sep, emit) -> None:
    """write() of a csr_array X as fmt (csv, text, mm or libsvm), block by block to emit(text)."""
    from ..runtime import textout
    n, m = X.shape
    if fmt == "csv":
        if header:
            emit(sep.join(f"C{j + 1}" for j in range(m)) + "\n")
        step = max(1, textout.BLOCK_CELLS // max(m, 1))
        for lo in range(0, n, step):
            emit(textout.csv_block(X[lo:min(n, lo + step)].toarray(), sep))
        return
    if fmt in ("text", "mm"):
        k = nnz(X)
        if fmt == "mm":
            emit(f"%%MatrixMarket matrix coordinate real general\n{n} {m} {k}\n")
        if k == 0:
            emit("0 0 0\n")           # SystemDS's marker line of an all-zero matrix
            return
        for lo, hi in _row_ranges(X, WRITE_ENTRIES):
            r, c, v = _block_cells(X, lo, hi)
            if r.size:
                emit("\n".join(map(" ".join, zip(_ints(r + 1), _ints(c + 1),
                                                  textout.java_strings(v)))) + "\n")
        return
    if fmt == "libsvm":
        for lo, hi in _row_ranges(X, WRITE_ENTRIES):
            emit(_libsvm_rows(X, lo, hi, sep))
        return
    raise OpError(f"write(): cannot write a matrix as {fmt}")


def _libsvm_rows(X, lo, hi, sep) -> str:
    """Rows lo..hi-1 as SystemDS's libsvm lines: the last column is the label (written first, 0.0
    when zero), the other non-zeros follow as index:value."""
    from ..runtime import textout
    m = X.shape[1]
    if m == 0:
        return "0.0\n" * (hi - lo)
    r, c, v = _block_cells(X, lo, hi)
    is_label = c == m - 1
    labels = np.zeros(hi - lo)
    labels[r[is_label] - lo] = v[is_label]
    lab = textout.java_strings(labels)
    f = ~is_label
    r, c, v = r[f], c[f], v[f]
    toks = [j + ":" + x for j, x in zip(_ints(c + 1), textout.java_strings(v))]
    st = np.searchsorted(r, np.arange(lo, hi + 1)).tolist()
    return "".join([sep.join([lab[i], *toks[st[i]:st[i + 1]]]) + "\n" for i in range(hi - lo)])


# ================================================================== binary (dmlpy's own)
def save_binary(X, fh) -> None:
    """A csr_array as SciPy's uncompressed .npz of its CSR arrays."""
    from scipy.sparse import save_npz
    save_npz(fh, X, compressed=False)


def load_binary(path):
    """The matrix of a file save_binary wrote (dense where SystemDS's rule says so), or None when
    the file is not one."""
    import zipfile
    from scipy.sparse import load_npz
    try:
        with zipfile.ZipFile(path) as z:
            if "format.npy" not in z.namelist():
                return None
        X = load_npz(path)
    except (zipfile.BadZipFile, ValueError, KeyError, OSError):
        return None
    from .create import csr
    X = X.tocsr()
    X.sum_duplicates()
    X.eliminate_zeros()
    return choose(csr(X.data, X.indices, X.indptr, X.shape))
