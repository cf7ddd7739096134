"""Text forms of DML values, byte-identical to SystemDS: print(), string concatenation, toString()."""
from __future__ import annotations

from .javafmt import double_to_string
from .values import DMLList


def tostr(v) -> str:
    """What print(v) shows and what `"..." + v` appends."""
    t = type(v)
    if t is str:
        return v
    if t is float:
        return double_to_string(v)
    if t is bool:
        return "TRUE" if v else "FALSE"
    if t is int:
        return str(v)
    if v is None:            # a null string cell taken out of a frame (as.scalar): Java's "null"
        return "null"
    return to_string(v)


def fixed(x: float, decimal: int) -> str:
    """One matrix cell as toString prints it (Java's DecimalFormat: half-even rounding of the
    exact binary value, but digits beyond the shortest repr print as zeros)."""
    if x != x:
        return "NaN"
    if x in (float("inf"), float("-inf")):
        return "Infinity" if x > 0 else "-Infinity"
    s = "%.*f" % (decimal, x)
    if len(s) <= 16:         # at most 15 digits: the same as rounding the shortest repr
        return s
    from decimal import Decimal
    d = Decimal(repr(x))
    if -d.as_tuple().exponent <= decimal:     # repr's digits all fit: pad with zeros
        return format(d, f".{decimal}f")
    return s


def to_string(v, rows=100, cols=100, decimal=3, sparse=False, sep=" ", linesep="\n") -> str:
    t = type(v)
    if t in (str, float, bool, int):
        return tostr(v)
    if t.__name__ == "ndarray" or t.__name__ == "csr_array":
        return _matrix_text(v, rows, cols, decimal, sparse, sep, linesep)
    if t is DMLList:
        parts = []
        for e in v.values:
            if type(e).__name__ in ("ndarray", "csr_array"):
                parts.append("\nMatrix:\n" + _matrix_text(e, rows, cols, decimal, sparse, sep, linesep))
            elif type(e) is DMLList:
                parts.append(to_string(e, rows, cols, decimal, sparse, sep, linesep))
            elif hasattr(e, "to_text"):
                parts.append("\nFrame:\n" + e.to_text(rows, cols, sep, linesep, decimal))
            else:
                parts.append(tostr(e))
        return "List containing:\n[" + ", ".join(parts) + "]"
    if hasattr(v, "to_text"):
        return v.to_text(rows, cols, sep, linesep, decimal)
    return str(v)


def _matrix_text(X, rows, cols, decimal, sparse, sep, linesep) -> str:
    from ..backends import to_host
    nr = min(X.shape[0], rows)
    nc = min(X.shape[1], cols)
    if type(X).__name__ == "csr_array":     # sparse: only the printed block is made dense
        X = X[:nr, :nc].toarray()
    X = to_host(X)      # text is made on the host
    out = []
    if sparse:
        for i in range(nr):
            row = X[i]
            for j in range(nc):
                if row[j] != 0:
                    out.append(f"{i + 1}{sep}{j + 1}{sep}{fixed(float(row[j]), decimal)}{linesep}")
        return "".join(out)
    import numpy as np
    block = X[:nr, :nc] + 0.0  # SystemDS prints an exact -0.0 cell as 0.000 (but -0.0001 as -0.000)
    if np.isfinite(block).all() and (block.size == 0 or np.abs(block).max() < 10.0 ** (14 - decimal)):
        fmt = "%." + str(decimal) + "f"
        for row in block.tolist():
            out.append(sep.join([fmt % x for x in row]))
            out.append(linesep)
    else:
        for row in block.tolist():
            out.append(sep.join([fixed(x, decimal) for x in row]))
            out.append(linesep)
    return "".join(out)
