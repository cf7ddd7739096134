"""Frame builtins: as.frame, detectSchema, colnames, transformencode / transformapply / transformdecode."""
from __future__ import annotations

import json
import math

import numpy as np

from .. import types as T
from ..errors import OpError
from ..runtime.frame import Frame, detect_string, double_str, parse_double
from ..runtime.values import DMLList, type_name
from .registry import builtin, r_frame, r_matrix

SEP = "\u00b7"   # SystemDS's separator inside metadata cells: token·code, min·max


def _frame(v, fn):
    if isinstance(v, Frame):
        return v
    raise OpError(f"{fn}() expects a frame, got a {type_name(v)}")


@builtin("as.frame", "target", rule=r_frame)
def as_frame(x):
    """A frame from a matrix (column types detected from the values), a scalar or a frame."""
    if isinstance(x, Frame):
        return x
    if type(x).__name__ == "ndarray":
        return Frame.from_matrix(x)
    if isinstance(x, DMLList):
        if len(x) == 1:
            return as_frame(x.values[0])
        raise OpError("as.frame() of a list needs one element")
    if isinstance(x, (bool, int, float, str)):
        vt = {bool: "BOOLEAN", int: "INT64", float: "FP64", str: "STRING"}[type(x)]
        return Frame([Frame.column([x], vt)], [vt], nrow=1)
    raise OpError(f"as.frame() cannot convert a {type_name(x)}")


@builtin("detectSchema", "target, verbose=FALSE", rule=r_frame)
def detect_schema(F, verbose=False):
    """A 1 x ncol STRING frame with the value type each column's texts need."""
    F = _frame(F, "detectSchema")
    out = []
    for j in range(F.ncol):
        cur = "BOOLEAN"
        seen = False
        for s in F.column_strings(j):
            if s is None or s == "":
                continue
            seen = True
            cur = detect_string(s, cur)
            if cur == "STRING":
                break
        out.append(cur if seen else "STRING")
    return Frame([Frame.column([t], "STRING") for t in out], ["STRING"] * len(out), nrow=1)


@builtin("colnames", "target", rule=r_frame)
def colnames(F):
    F = _frame(F, "colnames")
    return Frame([Frame.column([n], "STRING") for n in F.names], ["STRING"] * F.ncol, nrow=1)


# ============================================================== transform
def java_string_hash(s: str) -> int:
    h = 0
    for u in _utf16_units(s):
        h = (31 * h + u) & 0xFFFFFFFF
    return h


def _utf16_units(s):
    for ch in s:
        c = ord(ch)
        if c < 0x10000:
            yield c
        else:
            c -= 0x10000
            yield 0xD800 + (c >> 10)
            yield 0xDC00 + (c & 0x3FF)


def hashmap_order(keys):
    """The iteration order of a java.util.HashMap filled with `keys` in this order."""
    n = len(keys)
    cap = 16
    while n > cap * 0.75:
        cap *= 2
    def bucket(k):
        h = java_string_hash(k)
        return (h ^ (h >> 16)) & (cap - 1)
    return [k for _, _, k in sorted((bucket(k), i, k) for i, k in enumerate(keys))]


class Spec:
    def __init__(self, spec, F_names, fn):
        try:
            js = json.loads(spec) if isinstance(spec, str) else None
        except ValueError as e:
            raise OpError(f"{fn}(): the spec is not valid JSON: {e}") from None
        if not isinstance(js, dict):
            raise OpError(f"{fn}(): the spec must be a JSON object")
        self.ids = bool(js.get("ids", False))
        names = list(F_names)

        def col(ref):
            if isinstance(ref, dict):
                ref = ref.get("id") if self.ids else ref.get("name", ref.get("id"))
            if self.ids or isinstance(ref, int):
                if not isinstance(ref, int) or not 1 <= ref <= len(names):
                    raise OpError(f"{fn}(): column id {ref} is out of range 1..{len(names)}")
                return ref - 1
            if ref not in names:
                raise OpError(f"{fn}(): the spec names a column '{ref}' that the frame does not have")
            return names.index(ref)

        for k in js:
            if k not in ("ids", "recode", "dummycode", "bin"):
                raise OpError(f"{fn}(): the transform '{k}' is not supported (recode, dummycode, "
                              f"bin and pass-through are)")
        self.recode = {col(c) for c in js.get("recode", [])}
        self.dummy = {col(c) for c in js.get("dummycode", [])}
        self.bins = {}
        for b in js.get("bin", []):
            method = str(b.get("method", "equi-width")).lower()
            if method not in ("equi-width", "equi-height"):
                raise OpError(f"{fn}(): unknown bin method '{method}'")
            self.bins[col(b)] = (method, int(b.get("numbins", 10)))
        # dummycoding a column that is neither recoded nor binned recodes it first
        for c in self.dummy:
            if c not in self.bins:
                self.recode.add(c)


def _recode_col(F, j):
    m = {}
    for s in F.column_strings(j):
        if s is not None and s != "" and s not in m:
            m[s] = len(m) + 1
    return m


def _bin_edges(vals, method, k):
    fin = vals[~np.isnan(vals)]
    if fin.size == 0:
        return np.zeros(k), np.zeros(k)
    lo, hi = float(fin.min()), float(fin.max())
    if method == "equi-width":
        mins = np.array([lo + i * (hi - lo) / k for i in range(k)])
        maxs = np.array([lo + (i + 1) * (hi - lo) / k for i in range(k)])
    else:
        s = np.sort(fin)
        n = s.size
        maxs = np.empty(k)
        for i in range(k):
            pos = n * (i + 1) / k
            maxs[i] = s[int(pos) - 1] if pos % 1 == 0 else s[int(math.floor(pos))]
        maxs[k - 1] = s[n - 1]
        mins = np.empty(k)
        mins[0] = s[0]
        mins[1:] = maxs[:-1]
    return mins, maxs


def _bin_codes(vals, mins, maxs, method):
    k = len(mins)
    lo, hi = mins[0], maxs[-1]
    out = np.full(vals.shape, np.nan)
    ok = ~np.isnan(vals)
    if method == "equi-width":
        if hi == lo:
            out[ok] = 1.0
        else:
            c = np.ceil((vals[ok] - lo) / (hi - lo) * k)
            out[ok] = np.clip(c, 1, k)
    else:
        idx = np.searchsorted(maxs, vals[ok], side="left") + 1
        out[ok] = np.clip(idx, 1, k)
    return out


def _encode(F, spec: Spec, meta=None, fn="transformencode"):
    """Encode F; with meta (transformapply) take the maps and bins from it."""
    parts = []
    meta_cols = {}
    for j in range(F.ncol):
        if j in spec.recode:
            if meta is None:
                rmap = _recode_col(F, j)
            else:
                rmap = _meta_recode(meta, j)
            codes = np.array([np.nan if s is None or s == "" else rmap.get(s, np.nan)
                              for s in F.column_strings(j)], dtype=np.float64)
            width = len(rmap)
            meta_cols[j] = [f"{k}{SEP}{rmap[k]}" for k in hashmap_order(list(rmap))]
        elif j in spec.bins:
            method, k = spec.bins[j]
            vals = F.column_doubles(j, fn, nan_for_null=np.nan)
            if meta is None:
                mins, maxs = _bin_edges(vals, method, k)
            else:
                mins, maxs = _meta_bins(meta, j)
                k = len(mins)
            codes = _bin_codes(vals, mins, maxs, method)
            width = k
            meta_cols[j] = [f"{double_str(a)}{SEP}{double_str(b)}" for a, b in zip(mins, maxs)]
        else:
            codes = F.column_doubles(j, fn)
            width = 1
        if j in spec.dummy:
            d = np.zeros((F.nrow, width))
            ok = ~np.isnan(codes)
            d[np.nonzero(ok)[0], codes[ok].astype(int) - 1] = 1.0
            parts.append(d)
        else:
            parts.append(codes.reshape(-1, 1))
    X = np.ascontiguousarray(np.hstack(parts)) if parts else np.zeros((F.nrow, 0))
    if meta is not None:
        return X
    nmeta = max((len(v) for v in meta_cols.values()), default=0)
    cols = []
    for j in range(F.ncol):
        v = meta_cols.get(j, [])
        cols.append(Frame.column(v + [None] * (nmeta - len(v)), "STRING"))
    M = Frame(cols, ["STRING"] * F.ncol, F.names, nrow=nmeta)
    return X, M


def _meta_pairs(meta, j):
    out = []
    for s in meta.column_strings(j):
        if s is None or s == "":
            continue
        k = s.rfind(SEP)
        if k < 0:
            raise OpError(f"the transform metadata cell '{s}' of column {j + 1} has no '{SEP}'")
        out.append((s[:k], s[k + 1:]))
    return out


def _meta_recode(meta, j):
    return {tok: int(parse_double(code)) for tok, code in _meta_pairs(meta, j)}


def _meta_bins(meta, j):
    pairs = [(parse_double(a), parse_double(b)) for a, b in _meta_pairs(meta, j)]
    return np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs])


def _check_meta(meta, F, fn):
    if not isinstance(meta, Frame):
        raise OpError(f"{fn}() expects the metadata frame as meta, got a {type_name(meta)}")
    if meta.ncol != F:
        raise OpError(f"{fn}(): the metadata frame has {meta.ncol} columns but the data has {F}")


def _r_encode(types, args):
    return (T.MATRIX_T, T.FRAME_T)


@builtin("transformencode", "target, spec", rule=_r_encode, nret=2)
def transformencode(target, spec):
    F = _frame(target, "transformencode")
    return _encode(F, Spec(spec, F.names, "transformencode"))


@builtin("transformapply", "target, spec, meta", rule=r_matrix)
def transformapply(target, spec, meta):
    F = _frame(target, "transformapply")
    _check_meta(meta, F.ncol, "transformapply")
    return _encode(F, Spec(spec, F.names, "transformapply"), meta, "transformapply")


@builtin("transformdecode", "target, spec, meta", rule=r_frame)
def transformdecode(target, spec, meta):
    """Back from codes to tokens (recode, dummycode), bin midpoints (bin), values (pass-through)."""
    if type(target).__name__ != "ndarray":
        raise OpError(f"transformdecode() expects a matrix as target, got a {type_name(target)}")
    if not isinstance(meta, Frame):
        raise OpError(f"transformdecode() expects the metadata frame as meta, got a {type_name(meta)}")
    X = target
    sp = Spec(spec, meta.names, "transformdecode")
    cols, schema = [], []
    pos = 0
    for j in range(meta.ncol):
        if j in sp.recode:
            rmap = _meta_recode(meta, j)
            inv = {v: k for k, v in rmap.items()}
            width = len(rmap)
        elif j in sp.bins:
            mins, maxs = _meta_bins(meta, j)
            width = len(mins)
        else:
            width = 1
        if pos + (width if j in sp.dummy else 1) > X.shape[1]:
            raise OpError(f"transformdecode(): the matrix has {X.shape[1]} columns, too few for the "
                          f"spec and metadata")
        if j in sp.dummy:
            block = X[:, pos:pos + width]
            codes = np.where(block.any(axis=1), np.argmax(block, axis=1) + 1, np.nan)
            pos += width
        else:
            codes = X[:, pos]
            pos += 1
        if j in sp.recode and sp.dummy and j not in sp.dummy:
            # SystemDS 3.4 decodes recoded columns from its output frame once any column is
            # dummycoded; a recoded column that is not dummycoded is then never filled: nulls.
            cols.append(Frame.column([None] * X.shape[0], "STRING"))
            schema.append("STRING")
        elif j in sp.recode:
            vals = [None if c != c else inv.get(int(c)) for c in codes.tolist()]
            cols.append(Frame.column(vals, "STRING"))
            schema.append("STRING")
        elif j in sp.bins:
            vals = []
            for c in codes.tolist():
                if c != c or not 1 <= int(c) <= width:
                    vals.append(None)
                else:
                    k = int(c) - 1
                    vals.append(double_str((mins[k] + maxs[k]) / 2))
            cols.append(Frame.column(vals, "STRING"))
            schema.append("STRING")
        else:
            cols.append(np.asarray(codes, dtype=np.float64).copy())
            schema.append("FP64")
    return Frame(cols, schema, meta.names, nrow=X.shape[0])
