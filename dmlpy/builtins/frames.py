"""Frame builtins: as.frame, detectSchema, colnames, transformencode / transformapply / transformdecode."""
from __future__ import annotations

import math
import re

import numpy as np

from .. import backends as B
from .. import types as T
from ..errors import OpError
from ..runtime.frame import Frame, detect_string, double_str, parse_double
from ..runtime.format import tostr
from ..runtime.values import DMLList, type_name
from .jsonspec import Spec
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
        return Frame.from_matrix(B.to_host(x))      # frame columns live on the host
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
                # SystemDS derives the bin edges with null cells read as 0 (coded NaN below)
                mins, maxs = _bin_edges(F.column_doubles(j, fn, nan_for_null=0.0), method, k)
            else:
                mins, maxs = _meta_bins(meta, j)
                k = len(mins)
            codes = _bin_codes(vals, mins, maxs, method)
            width = k
            meta_cols[j] = [f"{double_str(a)}{SEP}{double_str(b)}" for a, b in zip(mins, maxs)]
        else:
            # passed through: null cells become NaN, as in SystemDS 3.4
            codes = F.column_doubles(j, fn, nan_for_null=np.nan)
            width = 1
        if j in spec.dummy:
            ok = np.flatnonzero(~np.isnan(codes))
            parts.append((ok, codes[ok].astype(np.int64) - 1, width))     # one-hot: the 1s
        else:
            parts.append(codes.reshape(-1, 1))
    from ..sparse.build import encoded
    X = encoded(parts, F.nrow)
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
    X = B.to_host(target)      # read into frame columns, which live on the host
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
            # as SystemDS: the nearest code's bin centre plus the code's fraction of the bin
            # width (code 0: the first bin's lower edge); codes outside the bins (SystemDS
            # fails on them) and NaN decode to null
            vals = []
            for c in codes.tolist():
                key = math.floor(c + 0.5) if c == c else -1
                if not 0 <= key <= width:
                    vals.append(None)
                elif key == 0:
                    vals.append(double_str(float(mins[0])))
                else:
                    lo, hi = float(mins[key - 1]), float(maxs[key - 1])
                    vals.append(double_str(lo + (hi - lo) / 2 + (c - key) * (hi - lo)))
            cols.append(Frame.column(vals, "STRING"))
            schema.append("STRING")
        else:
            cols.append(codes.astype(np.float64))
            schema.append("FP64")
    return Frame(cols, schema, meta.names, nrow=X.shape[0])


# ============================================================== frame cleaning
# SystemDS's FrameUtil.isType: the value type a (trimmed, lower-cased) text looks like.
_JBOOL_RE = re.compile(r"([tT]((rue)|(RUE))?|[fF]((alse)|(ALSE))?|0\.0+|1\.0+|0|1)")
_JFLOAT_RE = re.compile(r"[-+]?[0-9][0-9]*\.?[0-9]*([eE][-+]?[0-9]+)?")


def java_is_type(s: str) -> str:
    """FrameUtil.isType(String): BOOLEAN, INT32, INT64, FP32, FP64, CHARACTER, HASH32, HASH64 or
    STRING (UNKNOWN for an empty text)."""
    n = len(s)
    if n == 0:
        return "UNKNOWN"
    if s[0] in "01tTfF" and (n == 1 or (n <= 16 and _JBOOL_RE.fullmatch(s))):
        return "BOOLEAN"
    if n <= 22 and _simple_int(s):
        if n < 8:
            return "INT32"
        try:
            v = int(s.split(".")[0])
        except ValueError:
            v = 2 ** 63
        return "INT32" if -2 ** 31 <= v < 2 ** 31 else "INT64"
    if n <= 30 and (_simple_float(s) or _JFLOAT_RE.fullmatch(s)):
        if n <= 7 or (n == 8 and s[0] == "-"):
            return "FP32"
        if n >= 13:
            return "FP64"
        try:
            d = float(s)
        except ValueError:
            return "FP64"
        if d >= 10000 or d < 0.00001:
            return "FP64"
        from ..runtime.frame import float_str
        return "FP32" if float_str(np.float32(d)) == double_str(d) else "FP64"
    low = s.lower()
    if low in ("inf", "infinity", "nan", "-inf", "-infinity"):
        return "FP32"
    if n == 1:
        return "CHARACTER"
    if 4 <= n <= 16 and all("0" <= c <= "9" or "a" <= c <= "f" for c in s):
        return "HASH32" if n <= 8 else "HASH64"
    return "STRING"


def _simple_int(s):
    i = 1 if s[0] == "-" else 0
    n = len(s)
    while i < n:
        c = s[i]
        if c == "." and i > 0:
            return all(ch == "0" for ch in s[i + 1:])
        if not "0" <= c <= "9":
            return False
        i += 1
    return True


def _simple_float(s):
    dot = False
    start = 1 if s[0] == "-" and len(s) > 1 else 0
    for c in s[start:]:
        if "0" <= c <= "9":
            continue
        if c == "." and not dot:
            dot = True
            continue
        return False
    return True


def _schema_row(S, F, fn):
    """The first row of a schema frame as texts, one per column of F."""
    if not isinstance(S, Frame):
        raise OpError(f"{fn}() expects a schema frame as second argument, got a {type_name(S)}")
    if S.ncol != F.ncol:
        raise OpError(f"{fn}(): mismatch in number of columns in frame and its schema "
                      f"{F.ncol} != {S.ncol}")
    if S.nrow < 1:
        raise OpError(f"{fn}(): the schema frame has no rows")
    return [S.str_cell(0, j) or "" for j in range(S.ncol)]


def _set_null(col, vt, rows):
    """A copy of a column with the given rows set to null (0 / false in typed columns)."""
    col = col.copy()
    if rows:
        col[rows] = None if vt == "STRING" else 0
    return col


def _cell_text(F, i, j):
    s = F.str_cell(i, j)
    return s


@builtin("dropInvalidType", "target, schema", rule=r_frame)
def drop_invalid_type(F, S):
    """Cells whose text does not look like their column's type in the schema row become null
    (STRING columns are kept; booleans count as integers and floats)."""
    F = _frame(F, "dropInvalidType")
    schema = _schema_row(S, F, "dropInvalidType")
    cols = []
    for j in range(F.ncol):
        sc = schema[j]
        if "FP" in sc:
            want = "FP"
        elif "INT" in sc:
            want = "INT"
        elif "STRING" in sc:
            cols.append(F.columns[j].copy())
            continue
        else:
            want = sc
        bad = []
        for i in range(F.nrow):
            s = _cell_text(F, i, j)
            if s is None:
                continue
            t = java_is_type(s.strip().replace('"', "").lower())
            if want not in t and not (t == "BOOLEAN" and want in ("INT", "FP")):
                bad.append(i)
        cols.append(_set_null(F.columns[j], F.schema[j], bad))
    return Frame(cols, F.schema, F._names, nrow=F.nrow)


@builtin("dropInvalidLength", "target, lengths", rule=r_frame)
def drop_invalid_length(F, L):
    """Cells longer than their column's maximum length (a 1 x ncol matrix; -1 = no limit)
    become null."""
    F = _frame(F, "dropInvalidLength")
    if type(L).__name__ != "ndarray":
        raise OpError(f"dropInvalidLength() expects a matrix of lengths, got a {type_name(L)}")
    if L.shape[1] != F.ncol:
        raise OpError("dropInvalidLength(): mismatch in number of columns in frame and "
                      "corresponding feature-length vector")
    cols = []
    for j in range(F.ncol):
        lim = float(L[0, j])
        if lim == -1:
            cols.append(F.columns[j].copy())
            continue
        lim = int(lim)
        bad = [i for i, s in enumerate(F.column_strings(j)) if s is not None and len(s) > lim]
        cols.append(_set_null(F.columns[j], F.schema[j], bad))
    return Frame(cols, F.schema, F._names, nrow=F.nrow)


@builtin("freplicate", "target, row", rule=r_frame)
def freplicate(F, R):
    """A frame of F's shape and schema with every row replaced by the one row of R."""
    F = _frame(F, "freplicate")
    R = _frame(R, "freplicate")
    if R.ncol != F.ncol:
        raise OpError("freplicate(): Mismatch number of columns")
    if R.nrow > 1:
        raise OpError("freplicate(): only supported single rows frames to replicate")
    cols = []
    for j in range(F.ncol):
        vt = F.schema[j]
        if R.nrow == 0:
            v = None
        else:
            v = R.str_cell(0, j)
        if vt == "STRING":
            cols.append(Frame.column([v] * F.nrow, "STRING"))
        else:
            from ..runtime.frame import convert_strings
            cols.append(convert_strings([v] * F.nrow, vt, "freplicate()", j))
    return Frame(cols, F.schema, F._names, nrow=F.nrow)


@builtin("valueSwap", "target, schema", rule=r_frame)
def value_swap(F, S):
    """SystemDS 3.4's valueSwap: every cell whose text does not fit its column's type in the
    schema row is swapped with the cell of the first column in the same row (the trimmed,
    unquoted, lower-cased text goes there). SystemDS's search for a better-fitting column
    compares each text's length with swapped minimum/maximum column lengths and never
    succeeds, so the first column it is; it also modifies its input frame in place, which dmlpy
    does not. All columns must be STRING columns."""
    F = _frame(F, "valueSwap")
    if not isinstance(S, Frame):
        raise OpError(f"valueSwap() expects a schema frame as second argument, got a {type_name(S)}")
    schema = [re.sub(r"\d", "", S.str_cell(0, j) or "") for j in range(S.ncol)]
    for j in range(F.ncol):
        if F.schema[j] != "STRING":
            raise OpError("valueSwap(): Length is only relevant if case is String (all columns "
                          "must be STRING columns)")
    if len(schema) < F.ncol:
        raise OpError(f"valueSwap(): the schema has {len(schema)} columns but the frame has {F.ncol}")
    cols = [c.copy() for c in F.columns]
    best = 0
    for i in range(F.ncol):
        for r in range(F.nrow):
            v = cols[i][r]
            if v is None:
                continue
            text = v.strip().replace('"', "").lower()
            t = java_is_type(text)
            want = schema[i]
            if want not in t and not (t == "BOOLEAN" and want in ("INT", "FP")) \
                    and not ("INT" in t and want == "FP"):
                cols[i][r] = cols[best][r]
                cols[best][r] = text
    return Frame(cols, F.schema, F._names, nrow=F.nrow)


def _apply_cast(col, src, dst, j):
    """SystemDS's Array.changeType: numbers to integers truncate, texts are parsed."""
    from ..runtime.frame import cast_column
    if src == dst:
        return col.copy()
    if dst in ("INT32", "INT64") and src in ("FP32", "FP64"):
        c = np.where(np.isfinite(col), col, 0)
        return np.trunc(c).astype(np.int64 if dst == "INT64" else np.int32)
    if src == "STRING" and dst in ("INT32", "INT64"):
        out = np.zeros(len(col), dtype=np.int64 if dst == "INT64" else np.int32)
        for i, s in enumerate(col.tolist()):
            if s is None or s == "":
                continue
            t = s.strip()
            if re.fullmatch(r"[-+]?\d+(\.0*)?", t):
                out[i] = int(t.split(".")[0])
            elif t.lower() in ("true", "false", "t", "f"):
                out[i] = 1 if t.lower()[0] == "t" else 0
            else:
                raise OpError(f"applySchema(): row {i + 1}, column {j + 1}: '{s}' is not a valid "
                              f"{dst} value")
        return out
    try:
        return cast_column(col, src, dst)
    except OpError as e:
        raise OpError(f"applySchema(): column {j + 1}: {e}") from None


@builtin("applySchema", "target, schema", rule=r_frame)
def apply_schema(F, S):
    """F with its columns converted to the value types named in the schema frame's first row
    (a `TYPE·n` entry is accepted; dmlpy's typed columns cannot hold nulls, so they become 0)."""
    F = _frame(F, "applySchema")
    if not isinstance(S, Frame):
        raise OpError(f"applySchema() expects a schema frame as second argument, got a {type_name(S)}")
    if S.ncol != F.ncol:
        raise OpError(f"applySchema(): the schema has {S.ncol} columns but the frame has {F.ncol}")
    from ..runtime.frame import norm_type
    types = [norm_type((S.str_cell(0, j) or "").split(SEP)[0]) for j in range(S.ncol)]
    cols = [_apply_cast(F.columns[j], F.schema[j], types[j], j) for j in range(F.ncol)]
    return Frame(cols, types, F._names, nrow=F.nrow)


# ============================================================== transformcolmap
@builtin("transformcolmap", "target, spec", rule=r_matrix)
def transformcolmap(target, spec):
    """An ncol x 3 matrix mapping each input column (1-based id) to its first and last output
    column after transformencode with `spec`; `target` is the metadata frame (dummycoded
    columns take as many output columns as their metadata column has entries)."""
    M = _frame(target, "transformcolmap")
    sp = Spec(spec, M.names, "transformcolmap")
    out = B.zeros((M.ncol, 3), B.DOUBLE)
    ni = 0
    for j in range(M.ncol):
        start = ni + 1
        if j in sp.dummy:
            # SystemDS reads the metadata column's number of distinct values; a frame that is
            # not transformencode metadata (no token·code cells) has it unknown: -1
            k = sum(1 for s in M.column_strings(j) if s is not None and SEP in s)
            ni += k if k else -1
        else:
            ni += 1
        out[j] = (j + 1, start, ni)
    return out


@builtin("frame", "data, rows=?, cols=?, schema=?", rule=lambda ts, a: T.FRAME_T)
def frame(data, rows, cols, schema):
    """frame(["a", "b", ...] | value, rows=, cols=[, schema="STRING,INT64,..."]): a frame filled row
    by row from the values (a single value fills every cell); columns are STRING unless a schema
    is given."""
    from ..runtime.frame import Frame
    vals = data.values if isinstance(data, DMLList) else [data]
    r = len(vals) if rows is None and cols is None else rows
    if r is None:
        r = -(-len(vals) // int(cols))
    c = int(cols) if cols is not None else max(1, -(-len(vals) // int(r)))
    r = int(r)
    if len(vals) not in (1, r * c):
        raise OpError(f"frame(): {len(vals)} values do not fill {r}x{c} cells")
    texts = [tostr(v) for v in vals]
    cells = [[texts[0] if len(texts) == 1 else texts[i * c + j] for j in range(c)] for i in range(r)]
    types = [t.strip() for t in schema.split(",")] if schema else ["STRING"] * c
    if len(types) != c:
        raise OpError(f"frame(): the schema names {len(types)} types for {c} columns")
    return Frame.from_strings(cells, types)
