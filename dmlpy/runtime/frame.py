"""DML frames: column-typed 2-D tables (strings, numbers, booleans), immutable values.

A Frame keeps one NumPy array per column: object arrays (str or None) for STRING columns, and
float64 / float32 / int64 / int32 / bool arrays for FP64 / FP32 / INT64 / INT32 / BOOLEAN.
Texts follow SystemDS 3.4: toString prints a `# FRAME:` header, the column names and the schema,
FP64 cells with `decimal` digits, FP32 cells as Java's Float.toString, booleans as TRUE/FALSE.
"""
from __future__ import annotations

import math
import re

import numpy as np

from ..errors import OpError

NUMERIC = ("FP64", "FP32", "INT64", "INT32", "BOOLEAN")
DTYPES = {"FP64": np.float64, "FP32": np.float32, "INT64": np.int64, "INT32": np.int32,
          "BOOLEAN": np.bool_, "STRING": object}
# widening order used when columns of different types meet (rbind, left indexing)
_RANK = {"BOOLEAN": 0, "INT32": 1, "INT64": 2, "FP32": 3, "FP64": 4, "STRING": 5}
_ALIASES = {"DOUBLE": "FP64", "FLOAT": "FP32", "INT": "INT64", "INTEGER": "INT64", "LONG": "INT64",
            "BOOL": "BOOLEAN", "STR": "STRING", "CHARACTER": "STRING", "CHAR": "STRING",
            "HASH32": "STRING", "HASH64": "STRING", "UINT8": "INT32", "UINT4": "INT32"}


def norm_type(name: str) -> str:
    t = str(name).strip().upper()
    t = _ALIASES.get(t, t)
    if t not in DTYPES:
        raise OpError(f"unknown frame value type '{name}' (expected one of STRING, FP64, FP32, "
                      f"INT64, INT32, BOOLEAN)")
    return t


# ----------------------------------------------------------------- Java number texts
def double_str(x: float) -> str:
    """Java's Double.toString."""
    from .javafmt import double_to_string
    return double_to_string(float(x))


def doubles_str(vals) -> list:
    """Java's Double.toString of many doubles (a list or 1-D array), fast for the common range."""
    a = np.asarray(vals, dtype=np.float64)
    lst = a.tolist()
    ab = np.abs(a)
    plain = (ab >= 1e-3) & (ab < 1e7)
    # Java and Python's repr agree on 1e-3 <= |x| < 1e7; one repr of the whole list is fastest
    out = repr(lst)[1:-1].split(", ") if lst else []
    cache = {}
    for i in np.nonzero(~plain)[0].tolist():
        v = lst[i]
        t = cache.get(v) if v else None
        if t is None:
            t = cache[v] = double_str(v)
        out[i] = t
    return out


def _java_layout(neg: bool, digits: str, exp: int) -> str:
    """Java's Float/Double.toString layout for the significant `digits` d.ddd x 10^exp."""
    digits = digits.rstrip("0") or "0"
    sign = "-" if neg else ""
    if -3 <= exp < 7:
        if exp >= 0:
            ip = digits[:exp + 1].ljust(exp + 1, "0")
            fp = digits[exp + 1:] or "0"
        else:
            ip = "0"
            fp = "0" * (-exp - 1) + digits
        return f"{sign}{ip}.{fp}"
    return f"{sign}{digits[0]}.{digits[1:] or '0'}E{exp}"


def float_str(x) -> str:
    """Java's Float.toString of a float32 value (shortest digits that identify it)."""
    f = np.float32(x)
    if f != f:
        return "NaN"
    if np.isinf(f):
        return "Infinity" if f > 0 else "-Infinity"
    if f == 0:
        return "-0.0" if np.signbit(f) else "0.0"
    s = np.format_float_scientific(f, unique=True, trim="-")
    mant, e = s.split("e")
    neg = mant.startswith("-")
    digits = mant.lstrip("-").replace(".", "")
    return _java_layout(neg, digits, int(e))


def parse_double(s: str, what="a number"):
    """Java's Double.parseDouble (leading/trailing blanks allowed); ValueError if not a number."""
    t = s.strip()
    if t and t[-1] in "dDfF" and not t.lower().endswith("inf"):
        t = t[:-1]
    low = t.lower()
    if low in ("nan", "infinity", "+infinity", "-infinity", "inf", "-inf", "+inf"):
        return float(low.replace("infinity", "inf"))
    if "_" in t or not t:
        raise ValueError(s)
    return float(t)


# ----------------------------------------------------------------- type detection
def detect_double(v: float, cur: str) -> str:
    """The narrowest type holding v, never narrower than cur (as.frame of a matrix)."""
    order = ("BOOLEAN", "INT32", "INT64", "FP32", "FP64")
    for t in order[order.index(cur):]:
        if t == "BOOLEAN" and (v == 1.0 or v == 0.0):
            return t
        if t == "INT32" and v == v and not math.isinf(v) and v == int(v) and -2**31 <= v < 2**31:
            return t
        if t == "INT64" and v == v and not math.isinf(v) and v == int(v) and -2**63 <= v < 2**63:
            return t
        if t == "FP32":
            with np.errstate(over="ignore"):
                if float_str(np.float32(v)) == double_str(v):
                    return t
    return "FP64"


_BOOL_RE = re.compile(r"(?i)(true|false|t|f|0|1|0\.0+|1\.0+)")
_FLOAT_RE = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")


def detect_string(s, cur: str) -> str:
    """The value type a text cell needs, never narrower than cur (detectSchema)."""
    if s is None or s == "":
        return cur
    order = ("BOOLEAN", "INT32", "INT64", "FP32", "FP64", "STRING")
    start = order.index(cur) if cur in order else 0
    n = len(s)
    for t in order[start:]:
        if t == "BOOLEAN" and _BOOL_RE.fullmatch(s):
            return t
        if t in ("INT32", "INT64") and re.fullmatch(r"-?\d+(\.0*)?", s) and n <= 22:
            v = int(s.split(".")[0])
            if t == "INT32" and -2**31 <= v < 2**31:
                return "INT32"
            return "INT64"
        if t in ("FP32", "FP64"):
            if n <= 30 and _FLOAT_RE.fullmatch(s):
                if t == "FP64":
                    return t
                if n <= 7 or (n == 8 and s[0] == "-"):
                    return "FP32"
                if n >= 13:
                    return "FP64"
                d = float(s)
                if d >= 10000 or d < 0.00001:
                    return "FP64"
                return "FP32" if float_str(np.float32(d)) == double_str(d) else "FP64"
            if s.lower() in ("inf", "infinity", "-inf", "-infinity", "nan"):
                return "FP32" if t == "FP32" else "FP64"
    return "STRING"


# ----------------------------------------------------------------- the Frame
class Frame:
    __slots__ = ("columns", "schema", "_names", "nrow")

    def __init__(self, columns, schema, names=None, nrow=None):
        self.columns = list(columns)
        self.schema = [norm_type(s) for s in schema]
        if len(self.columns) != len(self.schema):
            raise OpError(f"frame: {len(self.columns)} columns but a schema of {len(self.schema)} types")
        self._names = list(names) if names is not None else None
        self.nrow = int(nrow if nrow is not None else (len(self.columns[0]) if self.columns else 0))

    # ---------------------------------------------------------------- shape, names
    @property
    def ncol(self):
        return len(self.columns)

    @property
    def names(self):
        if self._names is None:
            return [f"C{j + 1}" for j in range(self.ncol)]
        return self._names

    def __repr__(self):
        return f"Frame({self.nrow}x{self.ncol}, {self.schema})"

    # ---------------------------------------------------------------- construction
    @staticmethod
    def column(values, vt):
        """A column array of type vt from Python values (None allowed for STRING)."""
        vt = norm_type(vt)
        if vt == "STRING":
            a = np.empty(len(values), dtype=object)
            a[:] = [None if v is None else (v if isinstance(v, str) else cell_text(v)) for v in values]
            return a
        return np.asarray(values, dtype=DTYPES[vt])

    @classmethod
    def from_matrix(cls, X, schema=None, names=None):
        X = np.asarray(X, dtype=np.float64)
        n, m = X.shape
        if schema is None:
            schema = []
            for j in range(m):
                cur = "BOOLEAN"
                col = X[:, j]
                # fast exits for whole columns before the per-value rules
                if np.all((col == 0) | (col == 1)):
                    schema.append("BOOLEAN")
                    continue
                fin = np.isfinite(col)
                if fin.all() and np.all(col == np.trunc(col)) and np.all(np.abs(col) < 2**31):
                    schema.append("INT32")
                    continue
                for v in col.tolist():
                    cur = detect_double(v, cur)
                    if cur == "FP64":
                        break
                schema.append(cur)
        elif isinstance(schema, str):
            schema = [schema] * m
        cols = []
        for j, vt in enumerate(schema):
            vt = norm_type(vt)
            col = X[:, j]
            if vt == "STRING":
                cols.append(cls.column([double_str(v) for v in col.tolist()], "STRING"))
            elif vt in ("INT32", "INT64"):
                cols.append(np.where(np.isfinite(col), col, 0).astype(DTYPES[vt]))
            elif vt == "BOOLEAN":
                cols.append(col != 0)
            else:
                cols.append(col.astype(DTYPES[vt]))
        return cls(cols, schema, names, nrow=n)

    @classmethod
    def from_strings(cls, rows, schema, names=None, where=None):
        """A frame from rows of text cells (None = null), each converted to its column's type."""
        m = len(schema)
        cols = []
        for j in range(m):
            vals = [r[j] if j < len(r) else None for r in rows]
            cols.append(convert_strings(vals, schema[j], where, j))
        return cls(cols, schema, names, nrow=len(rows))

    # ---------------------------------------------------------------- cells
    def cell(self, i, j):
        v = self.columns[j][i]
        vt = self.schema[j]
        if vt == "STRING":
            return v
        if vt == "BOOLEAN":
            return bool(v)
        if vt in ("INT32", "INT64"):
            return int(v)
        return float(v)

    def str_cell(self, i, j):
        """The cell as Java's getString: None for null, else its text."""
        vt = self.schema[j]
        v = self.columns[j][i]
        if vt == "STRING":
            return v
        if vt == "FP64":
            return double_str(v)
        if vt == "FP32":
            return float_str(v)
        if vt == "BOOLEAN":
            return "true" if v else "false"
        return str(int(v))

    def column_strings(self, j):
        vt = self.schema[j]
        col = self.columns[j]
        if vt == "STRING":
            return list(col)
        if vt in ("INT32", "INT64"):
            return [str(v) for v in col.tolist()]
        if vt == "BOOLEAN":
            return ["true" if v else "false" for v in col.tolist()]
        if vt == "FP64":
            return doubles_str(col)
        f = float_str
        cache = {}
        out = []
        for v in col.tolist():
            s = cache.get(v)
            if s is None:
                s = cache[v] = f(v)
            out.append(s)
        return out

    def column_doubles(self, j, what="as.matrix()", nan_for_null=0.0):
        vt = self.schema[j]
        col = self.columns[j]
        if vt != "STRING":
            return col.astype(np.float64)
        out = np.empty(self.nrow, dtype=np.float64)
        for i, s in enumerate(col.tolist()):
            if s is None or s == "":
                out[i] = nan_for_null
                continue
            try:
                out[i] = parse_double(s)
            except ValueError:
                low = s.lower()
                if low in ("t", "true", "f", "false"):
                    out[i] = 1.0 if low[0] == "t" else 0.0
                    continue
                raise OpError(f"{what}: the frame cell [{i + 1}, {j + 1}] (column "
                              f"'{self.names[j]}') holds '{s}', which is not a number") from None
        return out

    def to_matrix(self):
        out = np.empty((self.nrow, self.ncol), dtype=np.float64)
        for j in range(self.ncol):
            out[:, j] = self.column_doubles(j)
        return out

    # ---------------------------------------------------------------- printing
    def to_text(self, rows=100, cols=100, sep=" ", linesep="\n", decimal=3):
        from .format import fixed
        nr = self.nrow if rows is None or rows < 0 else min(rows, self.nrow)
        nc = self.ncol if cols is None or cols < 0 else min(cols, self.ncol)
        out = [f"# FRAME: nrow = {self.nrow}, ncol = {self.ncol}{linesep}"]
        out.append("#" + sep + sep.join(self.names[:nc]) + linesep)
        out.append("#" + sep + sep.join(self.schema[:nc]) + linesep)
        texts = []
        for j in range(nc):
            vt = self.schema[j]
            col = self.columns[j][:nr]
            if vt == "FP64":
                texts.append([fixed(v, decimal) if math.isfinite(v) else double_str(v)
                              for v in col.tolist()])
            elif vt == "BOOLEAN":
                texts.append(["TRUE" if v else "FALSE" for v in col.tolist()])
            elif vt == "STRING":
                texts.append(["null" if v is None else v for v in col.tolist()])
            elif vt == "FP32":
                texts.append([float_str(v) for v in col.tolist()])
            else:
                texts.append([str(v) for v in col.tolist()])
        for i in range(nr):
            out.append(sep.join(t[i] for t in texts) + linesep)
        return "".join(out)

    def __str__(self):
        return self.to_text()

    # ---------------------------------------------------------------- indexing
    def _bounds(self, lo, hi, n, what):
        from .matrix import _bounds
        return _bounds(lo, hi, n, what, "the frame")

    def index_get(self, rlo, rhi, clo, chi, two_d):
        # F[i] (one index) selects rows, as F[i, ] (SystemDS treats frames like matrices here)
        r0, r1 = self._bounds(rlo, rhi, self.nrow, "row")
        c0, c1 = self._bounds(clo, chi, self.ncol, "column")
        cols = [self.columns[j][r0:r1].copy() for j in range(c0, c1)]
        return Frame(cols, self.schema[c0:c1], self.names[c0:c1] if self._names else None,
                     nrow=r1 - r0)

    def index_set(self, rlo, rhi, clo, chi, two_d, value):
        # F[i] (one index) selects rows, as F[i, ] (SystemDS treats frames like matrices here)
        r0, r1 = self._bounds(rlo, rhi, self.nrow, "row")
        c0, c1 = self._bounds(clo, chi, self.ncol, "column")
        nr, nc = r1 - r0, c1 - c0
        if isinstance(value, Frame):
            if (value.nrow, value.ncol) != (nr, nc):
                raise OpError(f"dimension mismatch in left indexing: the target region is {nr}x{nc} "
                              f"but the value is a {value.nrow}x{value.ncol} frame")
            src = [(value.schema[k], value.columns[k]) for k in range(nc)]
        elif type(value).__name__ == "ndarray":
            if value.shape != (nr, nc):
                raise OpError(f"dimension mismatch in left indexing: the target region is {nr}x{nc} "
                              f"but the value is a {value.shape[0]}x{value.shape[1]} matrix")
            src = [("FP64", value[:, k]) for k in range(nc)]
        elif isinstance(value, (bool, int, float, str)):
            vt = {bool: "BOOLEAN", int: "INT64", float: "FP64", str: "STRING"}[type(value)]
            src = [(vt, Frame.column([value] * nr, vt)) for _ in range(nc)]
        else:
            raise OpError(f"cannot assign a {type(value).__name__} into a frame")
        cols = list(self.columns)
        schema = list(self.schema)
        for k, (svt, scol) in enumerate(src):
            j = c0 + k
            tvt = schema[j]
            col = cols[j]
            if svt != tvt:
                try:
                    conv = cast_column(scol, svt, tvt)
                except OpError:
                    raise OpError(f"left indexing: cannot store {svt} values in the {tvt} column "
                                  f"{j + 1} ('{self.names[j]}') of the frame") from None
            else:
                conv = scol
            col = col.copy()
            col[r0:r1] = conv
            cols[j] = col
        return Frame(cols, schema, self._names, nrow=self.nrow)


# ----------------------------------------------------------------- helpers
def cell_text(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return double_str(v)
    return str(v)


def convert_strings(vals, vt, where=None, j=0):
    """Text cells (None = null) -> a column of type vt; OpError naming the cell when one fails."""
    vt = norm_type(vt)
    if vt == "STRING":
        a = np.empty(len(vals), dtype=object)
        a[:] = vals
        return a
    out = np.zeros(len(vals), dtype=DTYPES[vt])
    for i, s in enumerate(vals):
        if s is None or s == "":
            continue
        try:
            if vt == "BOOLEAN":
                low = s.strip().lower()
                if low in ("true", "t", "1", "1.0"):
                    out[i] = True
                elif low in ("false", "f", "0", "0.0"):
                    out[i] = False
                else:
                    raise ValueError(s)
            elif vt in ("INT32", "INT64"):
                d = parse_double(s)
                if d != int(d):
                    raise ValueError(s)
                out[i] = int(d)
            else:
                out[i] = parse_double(s)
        except (ValueError, OverflowError):
            loc = f"{where}: " if where else ""
            raise OpError(f"{loc}row {i + 1}, column {j + 1}: '{s}' is not a valid {vt} value") from None
    return out


def cast_column(col, src, dst):
    if src == dst:
        return col
    if dst == "STRING":
        f = Frame([col], [src], nrow=len(col))
        return Frame.column(f.column_strings(0), "STRING")
    if src == "STRING":
        return convert_strings(list(col), dst)
    if dst in ("INT32", "INT64") and src in ("FP32", "FP64"):
        if not np.all(np.isfinite(col) & (col == np.trunc(col))):
            raise OpError(f"cannot convert {src} values to {dst}")
    return col.astype(DTYPES[dst])


def widest(types):
    return max(types, key=lambda t: _RANK[t])


def bind(kind, args):
    """cbind/rbind of frames (the first argument is a frame)."""
    frames = []
    for a in args:
        if isinstance(a, Frame):
            frames.append(a)
        elif type(a).__name__ == "ndarray":
            frames.append(Frame.from_matrix(a))
        else:
            raise OpError(f"{kind}() of a frame expects frames, got a {type(a).__name__}")
    if kind == "cbind":
        n = frames[0].nrow
        for f in frames[1:]:
            if f.nrow != n:
                raise OpError(f"cbind(): frames with different numbers of rows ({n} and {f.nrow})")
        cols, schema, names = [], [], []
        for f in frames:
            cols += [c.copy() for c in f.columns]
            schema += f.schema
            names += f.names
        if all(f._names is None for f in frames) or len(set(names)) < len(names):
            names = None       # as SystemDS: names that would repeat fall back to C1, C2, ...
        return Frame(cols, schema, names, nrow=n)
    m = frames[0].ncol
    for f in frames[1:]:
        if f.ncol != m:
            raise OpError(f"rbind(): frames with different numbers of columns ({m} and {f.ncol})")
    cols, schema = [], []
    for j in range(m):
        vt = widest([f.schema[j] for f in frames])
        cols.append(np.concatenate([cast_column(f.columns[j], f.schema[j], vt) for f in frames])
                    if frames else None)
        schema.append(vt)
    return Frame(cols, schema, frames[0]._names, nrow=sum(f.nrow for f in frames))
