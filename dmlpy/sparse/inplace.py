"""Left indexing of a sparse matrix in place, as SystemDS writes into its sparse blocks.

A csr_array that only the written variable holds is changed where it is; one that something else
holds too (another variable, a list, the caller of a function) is first copied, and the copy is
written (copy on write). Either way the written value owns its storage from then on, so a loop of
writes copies the matrix at most once.

Storage: the `data` and `indices` of an owned csr_array are views of two larger buffers with free
room at both ends. A write replaces one stretch of the non-zeros (a cell, or the segments of the
rows it covers) by a new stretch; when the length changes, the shorter side (the entries before the
stretch, or those after it) moves by the difference with a memmove, into the free room, so a write
costs its own size plus the smaller side, never a new matrix. When that side has no room left the
entries are re-centred in the buffer or, when it is nearly full, moved to one 1.5 times larger.
After every write the value is a canonical CSR again (sorted column indexes, no stored zeros, data
and indices exactly nnz long): every other part of dmlpy reads it as any csr_array.

Who holds what is read from reference counts: the value's own count, taken by the caller (the
left-indexing entry of dmlpy.runtime.matrix, called from the generated code with the variable)
and compared with a probe of the same call shape (as dmlpy.runtime.values.sole_owner does for dense
matrices), and the counts of its arrays and buffers, compared with those of a freshly owned value:
any view, slice or other csr_array sharing them shows up there, and the value is copied instead.
"""
from __future__ import annotations

import ctypes
import sys
import weakref

import numpy as np

_memmove = ctypes.memmove
_INT32_MAX = (1 << 31) - 1
_MIN_ROOM = 1024            # free entries a new buffer has at least


class _Buf:
    """The buffers of one owned csr_array: its data and indices are d[start:start + nnz] and
    i[start:start + nnz] (the views dv and iv); ip is its indptr."""
    __slots__ = ("ref", "d", "i", "dv", "iv", "ip", "start", "da", "ia", "dsz", "isz")


_TABLE: dict = {}           # id(csr_array) -> _Buf, while that csr_array lives
_BASE: list = []            # [the reference count of a sole held value, the counts of _counts]


def _probe_sole() -> int:
    """sys.getrefcount(X) in a function called with a local variable of the generated code."""
    def entry(a):
        return sys.getrefcount(a)

    def gen():
        v_x = _Buf()
        return entry(v_x)
    return gen()


def _counts(b: _Buf) -> tuple:
    return (sys.getrefcount(b.dv), sys.getrefcount(b.iv), sys.getrefcount(b.ip),
            sys.getrefcount(b.d), sys.getrefcount(b.i))


def _base() -> list:
    if not _BASE:
        import scipy.sparse as sp
        x = sp.csr_array(np.eye(3))
        b = _own(x, x)
        _BASE[:] = [_probe_sole(), _counts(b)]
        del b, x
    return _BASE


def _forget(key):
    def done(_ref):
        _TABLE.pop(key, None)
    return done


def _free(X, b: _Buf) -> bool:
    """Whether X's arrays are b's and nothing else holds them or b's buffers."""
    if X.data is not b.dv or X.indices is not b.iv or X.indptr is not b.ip:
        return False
    base = _BASE[1]
    c = _counts(b)
    return c[0] <= base[0] and c[1] <= base[1] and c[2] <= base[2] and c[3] <= base[3] \
        and c[4] <= base[4]


def _install(X, b: _Buf, start: int, nnz: int) -> None:
    b.start = start
    b.dv = b.d[start:start + nnz]
    b.iv = b.i[start:start + nnz]
    X.data = b.dv
    X.indices = b.iv


def _own(target, X, cap: int | None = None, idx_dtype=None) -> _Buf:
    """Copy X's entries into new buffers with free room and make them target's arrays (target is
    X itself, or a new csr_array of X's shape that will replace X)."""
    if not X.has_canonical_format:
        X = X.copy()
        X.sum_duplicates()
    nnz = int(X.indptr[-1])
    if cap is None:
        cap = nnz + max(nnz // 4, _MIN_ROOM)
    it = idx_dtype or X.indices.dtype
    b = _Buf()
    dt = X.data.dtype if X.data.dtype in (np.float64, np.float32) else np.float64
    b.d = np.empty(cap, dtype=dt)
    b.i = np.empty(cap, dtype=it)
    b.dsz, b.isz = b.d.itemsize, b.i.itemsize
    b.da, b.ia = b.d.ctypes.data, b.i.ctypes.data
    start = (cap - nnz) // 2
    b.d[start:start + nnz] = X.data[:nnz]
    b.i[start:start + nnz] = X.indices[:nnz]
    b.ip = X.indptr.astype(np.int64 if idx_dtype == np.int64 else X.indptr.dtype, copy=True)
    target.indptr = b.ip
    _install(target, b, start, nnz)
    target.has_sorted_indices = True
    target.has_canonical_format = True
    key = id(target)
    b.ref = weakref.ref(target, _forget(key))
    _TABLE[key] = b
    return b


def writable(X, refs):
    """(value, buffers): X itself when refs (its reference count taken by the left-indexing entry)
    shows no other holder, else a copy of X; its arrays owned and free to write."""
    base = _base()
    if refs is not None and refs <= base[0]:
        b = _TABLE.get(id(X))
        if b is not None and b.ref() is X and _free(X, b):
            return X, b
        return X, _own(X, X)
    import scipy.sparse as sp
    Y = sp.csr_array(X.shape, dtype=X.dtype)
    return Y, _own(Y, X)


def _move(b: _Buf, s: int, ns: int, p0: int, p1: int, nnz: int, delta: int) -> None:
    """Within b's buffers: entries [0, p0) from s to ns, entries [p1, nnz) from s + p1 to
    ns + p1 + delta (the order of the two moves keeps each source intact until it is moved)."""
    def mv(dst, src, n):
        if n > 0 and dst != src:
            _memmove(b.da + dst * b.dsz, b.da + src * b.dsz, n * b.dsz)
            _memmove(b.ia + dst * b.isz, b.ia + src * b.isz, n * b.isz)
    if ns - s + delta > 0:
        mv(ns + p1 + delta, s + p1, nnz - p1)
        mv(ns, s, p0)
    else:
        mv(ns, s, p0)
        mv(ns + p1 + delta, s + p1, nnz - p1)


def make_room(X, b: _Buf, p0: int, p1: int, L: int, nnz: int) -> int:
    """Make entries [p0, p1) of X a gap of L entries (the others keep their order); returns the
    buffer position where the gap starts. X's data and indices then span the new count (the gap
    holds garbage until the caller fills it); its indptr is the caller's to update."""
    delta = L - (p1 - p0)
    s = b.start
    if delta == 0:
        return s + p0
    new = nnz + delta
    if new > _INT32_MAX and (b.i.dtype != np.int64 or b.ip.dtype != np.int64):
        b2 = _own(X, X, idx_dtype=np.int64)      # 64-bit indexes from here on, in the same _Buf
        for k in _Buf.__slots__:
            setattr(b, k, getattr(b2, k))
        _TABLE[id(X)] = b
        del b2
        return make_room(X, b, p0, p1, L, nnz)
    cap = b.d.shape[0]
    head, tail = p0, nnz - p1
    best = None                                   # (entries moved, new start)
    if s - delta >= 0 and s - delta + new <= cap:
        best = (head, s - delta)                  # the entries before move
    if s + new <= cap and (best is None or tail < best[0]):
        best = (tail, s)                          # the entries after move
    if best is None or best[0] > min(head, tail) and best[0] > new // 8:
        # no room on the cheap side: re-centre (or grow), so the next writes find room again
        if cap - new >= max(new // 8, 64):
            best = (new, (cap - new) // 2)
        else:
            _grow(X, b, p0, p1, L, nnz)
            return b.start + p0
    _move(b, s, best[1], p0, p1, nnz, delta)
    _install(X, b, best[1], new)
    return best[1] + p0


def _grow(X, b: _Buf, p0: int, p1: int, L: int, nnz: int) -> None:
    new = nnz + L - (p1 - p0)
    cap = new + max(new // 2, _MIN_ROOM)
    d = np.empty(cap, dtype=b.d.dtype)
    i = np.empty(cap, dtype=b.i.dtype)
    ns = (cap - new) // 2
    s = b.start
    d[ns:ns + p0] = b.d[s:s + p0]
    i[ns:ns + p0] = b.i[s:s + p0]
    d[ns + p0 + L:ns + new] = b.d[s + p1:s + nnz]
    i[ns + p0 + L:ns + new] = b.i[s + p1:s + nnz]
    b.d, b.i = d, i
    b.da, b.ia = d.ctypes.data, i.ctypes.data
    _install(X, b, ns, new)


def set_cell(X, r: int, c: int, v: float, refs):
    """X[r, c] = v (0-based, v a float) on a csr_array X; returns the written csr_array (X or its
    copy)."""
    lo, hi = int(X.indptr[r]), int(X.indptr[r + 1])
    k = lo + int(np.searchsorted(X.indices[lo:hi], c))
    stored = k < hi and X.indices[k] == c
    if not stored and v == 0.0:
        return X                                  # nothing to do: a zero stays unstored
    X, b = writable(X, refs)
    nnz = int(X.indptr[-1])
    if stored:
        if v != 0.0:
            b.d[b.start + k] = v
            return X
        make_room(X, b, k, k + 1, 0, nnz)
        X.indptr[r + 1:] -= 1
        return X
    pos = make_room(X, b, k, k, 1, nnz)
    b.d[pos] = v
    b.i[pos] = c
    X.indptr[r + 1:] += 1
    return X


def _new_entries(v, h: int, w: int, c0: int, dt, it):
    """(count per row, column indexes, values) of the non-zeros of v (a scalar, a dense h x w
    array or an h x w csr_array), columns shifted by c0."""
    if isinstance(v, (int, float, bool)):
        v = float(v)
        if v == 0.0:
            return np.zeros(h, np.int64), np.empty(0, it), np.empty(0, dt)
        return (np.full(h, w, np.int64), np.tile(np.arange(c0, c0 + w, dtype=it), h),
                np.full(h * w, v, dtype=dt))
    if type(v).__name__ == "ndarray":
        if h == 1:
            nz = np.flatnonzero(v)
            return np.array([nz.size], np.int64), (nz + c0).astype(it), v.ravel()[nz].astype(dt)
        m = v != 0
        cols = np.nonzero(m)[1]
        return m.sum(axis=1, dtype=np.int64), (cols + c0).astype(it), v[m].astype(dt)
    if not v.has_sorted_indices:
        v = v.sorted_indices()
    if not v.has_canonical_format:
        v = v.copy()
        v.sum_duplicates()
    cnt = np.diff(v.indptr).astype(np.int64)
    data, cols = v.data, v.indices
    keep = data != 0
    if not keep.all():
        rows = np.repeat(np.arange(h), cnt)[keep]
        cnt = np.bincount(rows, minlength=h).astype(np.int64)
        data, cols = data[keep], cols[keep]
    return cnt, (cols.astype(np.int64) + c0).astype(it), data.astype(dt)


def set_region(X, r0: int, r1: int, c0: int, c1: int, v, refs):
    """X[r0:r1, c0:c1] = v (0-based, end exclusive; v a scalar, or a dense or csr array of the
    region's shape) on a csr_array X; returns the written csr_array (X or its copy)."""
    h, w = r1 - r0, c1 - c0
    X, b = writable(X, refs)
    ip = X.indptr
    ncnt, ncols, nvals = _new_entries(v, h, w, c0, b.d.dtype, b.i.dtype)
    p0, p1 = int(ip[r0]), int(ip[r1])
    nnz = int(ip[-1])
    if c0 == 0 and c1 == X.shape[1]:
        cnt, bd, bi = ncnt, nvals, ncols          # whole rows: the new entries are the rows
    else:
        s = b.start
        od, oi = b.d[s + p0:s + p1], b.i[s + p0:s + p1]
        ocnt = np.diff(ip[r0:r1 + 1]).astype(np.int64)
        orow = np.repeat(np.arange(h), ocnt)
        left, right = oi < c0, oi >= c1
        lcnt = np.bincount(orow[left], minlength=h)
        rcnt = np.bincount(orow[right], minlength=h)
        mcnt = ocnt - lcnt - rcnt                 # entries the write replaces, per row
        cnt = lcnt + ncnt + rcnt
        out0 = np.cumsum(cnt) - cnt               # where each row starts in the new stretch
        rank = np.arange(p1 - p0) - np.repeat(np.cumsum(ocnt) - ocnt, ocnt)
        keep = left | right
        pos_old = (out0[orow] + rank + np.where(right, (ncnt - mcnt)[orow], 0))[keep]
        nrow = np.repeat(np.arange(h), ncnt)
        pos_new = out0[nrow] + lcnt[nrow] + np.arange(nvals.size) - (np.cumsum(ncnt) - ncnt)[nrow]
        L = int(cnt.sum())
        bd = np.empty(L, b.d.dtype)
        bi = np.empty(L, b.i.dtype)
        bd[pos_old], bi[pos_old] = od[keep], oi[keep]
        bd[pos_new], bi[pos_new] = nvals, ncols
        del od, oi                                # views of the buffers: gone before they move
    L = bd.size
    pos = make_room(X, b, p0, p1, L, nnz)
    b.d[pos:pos + L] = bd
    b.i[pos:pos + L] = bi
    ip = X.indptr
    if h:
        ip[r0 + 1:r1 + 1] = p0 + np.cumsum(cnt)
    delta = L - (p1 - p0)
    if delta:
        ip[r1 + 1:] += delta
    return X
