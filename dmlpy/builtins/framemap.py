"""map(X, "x -> expr", margin=0): apply a Java lambda text to a frame's cells, rows or columns.

SystemDS compiles the text as Java; dmlpy evaluates it with its own safe interpreter of the
small expression language (javalambda.py / javaeval.py).  Semantics follow SystemDS 3.4:
  margin=0  each non-null cell, as text (String.valueOf of its value), maps to
            String.valueOf(expr); null cells stay null;
  margin=1  each row (a String[]; null cells read "null") maps to a String[] of ncol values;
  margin=2  each column (a String[] with nulls) maps to a String[] of nrow values;
  a two-parameter lambda using jaccardSim gives the n x n upper-triangular similarity frame of
  the first column's values ("0.0" elsewhere).
The result is a frame of STRING columns.
"UtilFunctions.syntacticalPatternDiscovery(t,r)" (no lambda) runs dmv's column-wise detection of
disguised missing values instead (dmv.py).
"""
from __future__ import annotations

from ..errors import OpError
from ..runtime.frame import Frame
from ..runtime.values import type_name
from .dmv import parse_call, pattern_discovery
from .javaeval import Lambda
from .javalambda import jstr
from .registry import builtin, r_frame

_CACHE: dict = {}


def _compiled(text: str) -> Lambda:
    lam = _CACHE.get(text)
    if lam is None:
        lam = _CACHE[text] = Lambda(text)
    return lam


def _strings_frame(cols, n):
    return Frame([Frame.column(c, "STRING") for c in cols], ["STRING"] * len(cols), nrow=n)


def _as_array(v, what, n):
    if not isinstance(v, list):
        raise OpError(f"map(): with margin={what} the lambda must give a String[] (e.g. "
                      f"new String[]{{...}}), got {jstr(v)!r}")
    if len(v) != n:
        raise OpError(f"map(): with margin={what} the lambda gave {len(v)} values, expected {n}")
    return [jstr(x) for x in v]


@builtin("map", "target, func, margin=0", rule=r_frame)
def frame_map(target, func, margin=0):
    """A frame of strings: the Java lambda `func` applied to cells (0), rows (1) or columns (2)."""
    if not isinstance(target, Frame):
        raise OpError(f"map() expects a frame, got a {type_name(target)}")
    if not isinstance(func, str):
        raise OpError(f"map() expects the lambda as a string, got a {type_name(func)}")
    if isinstance(margin, bool) or not isinstance(margin, (int, float)) or margin not in (0, 1, 2):
        raise OpError(f"map(): margin must be 0 (cells), 1 (rows) or 2 (columns), got {margin!r}")
    margin = int(margin)
    F, n, m = target, target.nrow, target.ncol
    cols = [F.column_strings(j) for j in range(m)]
    if "->" not in func and "syntacticalPatternDiscovery(" in func:
        # not a lambda: SystemDS's disguised-missing-value detection over whole columns (dmv.py)
        return _strings_frame(pattern_discovery(cols, *parse_call(func)), n)
    lam = _compiled(func)
    if len(lam.params) == 2:
        if "jaccardSim" not in func:
            raise OpError("map(): two-parameter lambdas are supported for jaccardSim distances only")
        vals = cols[0] if m else []
        out = [["0.0"] * n for _ in range(n)]
        for a in range(n - 1):
            for b in range(a + 1, n):
                if vals[a] is not None and vals[b] is not None:
                    out[a][b] = jstr(lam(vals[a], vals[b]))
        return _strings_frame([[out[i][j] for i in range(n)] for j in range(n)], n)
    if margin == 0:
        res = [[None if s is None else jstr(lam(s)) for s in col] for col in cols]
        return _strings_frame(res, n)
    if margin == 1:
        rows = [_as_array(lam([("null" if cols[j][i] is None else cols[j][i]) for j in range(m)]), 1, m)
                for i in range(n)]
        return _strings_frame([[rows[i][j] for i in range(n)] for j in range(m)], n)
    res = [_as_array(lam(list(col)), 2, n) for col in cols]
    return _strings_frame(res, n)
