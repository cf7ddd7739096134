"""parfor dependency analysis, before anything runs (SystemDS 3.4's rules, per matrix dimension).

Candidates are the writes in the body (nested loops and branches included) to variables that exist
before the loop. With check=1 (the default) the first candidate that may carry a value from one
iteration to another is an error, with SystemDS's message:
- a scalar (or a variable of unknown kind) written in the body: every write is a dependency;
- a matrix written whole, or at cells that do not depend on the loop's variable (`R = R + 1`,
  `R[1, 1] = i`), unless it is an accumulation `R += ...`;
- another write, or a read, of that variable at cells another iteration may write: a read of the
  whole variable (`sum(R)`), or an indexed access whose cells meet the write's in some other
  iteration (`R[i+1, 1]` against `R[i, 1]`): each index is a linear function of the parfor
  variables (of this loop and of enclosing parfor loops, with their literal bounds), and
  two accesses are apart when, in some dimension, they are the same function of this loop's
  variable, or the GCD test or the bounds (Banerjee) test shows that they never meet; a subscript
  that is not such a function (a range, `:`, another variable, the variable of a nested parfor or
  of a for loop) stands for its whole range.
Reads are those of assignments and print statements, as in SystemDS (a read in a loop or branch
condition is not checked). stop() and assert() in the body are errors even with check=0.

Differences from SystemDS: SystemDS tests one linear function of the cell's address (row times
columns plus column), dmlpy tests rows and columns apart; dmlpy finds no dependency where SystemDS
finds none, and may accept a few loops that SystemDS's coarser test rejects. SystemDS reports the
errors without a position (line 0, column 0); dmlpy gives the position of the parfor.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from .. import types as T
from ..parse import ast
from .options import ParforOptions, parse_options

INF = math.inf
DEP = ("PARFOR loop dependency analysis: inter-iteration (loop-carried) dependencies detected for "
       "variable(s): {}. \n Please, ensure independence of iterations.")
NOT_ALLOWED = "PARFOR loop dependency analysis: {}() statement is not allowed inside a parfor loop body."


@dataclass
class ParforInfo:
    options: ParforOptions
    results: list = field(default_factory=list)   # [(name, kind)]: "merge", "accum", "drop"


def check_parfor(a, s: ast.For, env: dict) -> ParforInfo:
    """Check one parfor (called by the analysis with the variable types before the loop); record
    and return what the lowering needs. Only the first visit counts: the analysis goes round an
    enclosing loop until its types settle, but the variables before a parfor are those of the first
    pass, as in SystemDS (a variable the body of an enclosing loop assigns after the parfor, or the
    parfor body itself, is local to it)."""
    table = _table(a)
    if id(s) in table["info"]:
        return table["info"][id(s)]
    opts = parse_options(s.options, a.cmdargs, a.error)
    outer = table["outer"].get(id(s), {})
    nested = _nested_parfors(s.body)
    bounds = dict(outer)
    bounds[s.var] = _bounds(s)
    for q in nested:   # a nested parfor sees this loop's variable (and the enclosing ones') as
        table["outer"][id(q)] = bounds    # index variables; here its own variable is none
    local = {s.var}
    writes, reads = [], []
    _collect(s.body, writes, reads, a.error)
    cands = [w for w in writes if w.name in env]
    info = ParforInfo(opts)
    if opts.check:
        for c in cands:
            if _dependent(c, env.get(c.name, T.UNKNOWN), writes, reads, bounds, local, s.var):
                a.error(s.span, DEP.format(c.name))
                break
    seen = set()
    for c in cands:
        if c.name in seen:
            continue
        seen.add(c.name)
        t = env.get(c.name, T.UNKNOWN)
        if t.dt == T.SCALAR:
            kind = "drop"   # only with check=0: a worker's scalar never reaches the driver
        elif all(w.accum for w in cands if w.name == c.name):
            kind = "accum"
        else:
            kind = "merge"
        info.results.append((c.name, kind))
    table["info"][id(s)] = info
    return info


def _table(a) -> dict:
    t = getattr(a, "parfor_table", None)
    if t is None:
        t = {"outer": {}, "info": {}}
        a.parfor_table = t
    return t


def info_of(a, s) -> ParforInfo | None:
    return getattr(a, "parfor_table", {"info": {}})["info"].get(id(s))


# ------------------------------------------------------------------ accesses
@dataclass
class Access:
    name: str
    # None: the whole variable; else (rows, cols), each ("lin", c0, {var: coef}) or ("rng", lo, hi)
    dims: tuple | None
    accum: bool = False


def _nested_parfors(stmts) -> list:
    out, stack = [], list(stmts)
    while stack:
        st = stack.pop()
        if isinstance(st, ast.For):
            if st.parallel:
                out.append(st)
            stack.extend(st.body)
        elif isinstance(st, ast.While):
            stack.extend(st.body)
        elif isinstance(st, ast.If):
            stack.extend(st.then)
            stack.extend(st.orelse)
    return out


def _bounds(s: ast.For):
    lo = _int(s.start)
    hi = _int(s.stop)
    lo = -INF if lo is None else lo
    hi = INF if hi is None else hi
    step = _int(s.step) if s.step is not None else None
    if step is not None and step < 0 or step is None and lo > hi:
        lo, hi = hi, lo
    return (lo, hi)


def _int(e):
    if isinstance(e, ast.IntLit):
        return e.value
    if isinstance(e, ast.Unary) and e.op == "-" and isinstance(e.operand, ast.IntLit):
        return -e.operand.value
    return None


def _collect(stmts, writes, reads, error):
    """Writes and reads of every statement in `stmts` (in source order, loops and branches entered)."""
    for st in stmts:
        if isinstance(st, ast.Assign):
            writes.append(Access(st.name, _dims(st.index) if st.index is not None else None,
                                 st.op == "+=" and st.index is None))
            _reads(st.value, reads)
        elif isinstance(st, ast.MultiAssign):
            for name, _ in st.targets:
                writes.append(Access(name, None))
            _reads(st.call, reads)
        elif isinstance(st, ast.ExprStmt):
            c = st.call
            if c.namespace is None and c.name in ("stop", "assert"):
                error(st.span, NOT_ALLOWED.format(c.name))
            if c.namespace is None and c.name in ("print", "stop", "assert"):
                _reads(c, reads)
        elif isinstance(st, ast.If):
            _collect(st.then, writes, reads, error)
            _collect(st.orelse, writes, reads, error)
        elif isinstance(st, (ast.For, ast.While)):
            _collect(st.body, writes, reads, error)


def _reads(e, out):
    stack = [e]
    while stack:
        x = stack.pop()
        if isinstance(x, ast.Name):
            out.append(Access(x.name, None))
        elif isinstance(x, ast.Index):
            if isinstance(x.target, ast.Name):
                out.append(Access(x.target.name, _dims(x)))
            else:
                stack.append(x.target)
        elif isinstance(x, ast.Call):
            if x.namespace is None and x.name in ("nrow", "ncol", "length") and len(x.args) == 1 \
                    and isinstance(x.args[0].value, ast.Name):
                continue   # sizes are no reads of the cells
            stack.extend(arg.value for arg in x.args)
        elif isinstance(x, ast.Binary):
            stack += [x.left, x.right]
        elif isinstance(x, ast.Unary):
            stack.append(x.operand)
        elif isinstance(x, ast.VectorLit):
            stack.extend(x.items)


def _dims(ix: ast.Index):
    rows = _dim(ix.rows)
    cols = _dim(ix.cols) if ix.two_d else ("rng", None, None)
    return (rows, cols)


def _dim(sl):
    if sl is None:
        return ("rng", None, None)
    if sl.hi is not None:
        lo, hi = _int(sl.lo), _int(sl.hi)
        return ("rng", lo, hi) if lo is not None and hi is not None else ("rng", None, None)
    f = _linear(sl.lo)
    return ("lin",) + f if f is not None else ("rng", None, None)


def _linear(e):
    """(constant, {variable: coefficient}) of an integer-linear subscript, else None."""
    if isinstance(e, ast.IntLit):
        return (e.value, {})
    if isinstance(e, ast.FloatLit) and float(e.value).is_integer():
        return (int(e.value), {})
    if isinstance(e, ast.Name):
        return (0, {e.name: 1})
    if isinstance(e, ast.Unary) and e.op in "+-":
        f = _linear(e.operand)
        return f if f is None or e.op == "+" else _scale(f, -1)
    if isinstance(e, ast.Binary) and e.op in ("+", "-", "*"):
        f, g = _linear(e.left), _linear(e.right)
        if f is None or g is None:
            return None
        if e.op == "*":
            if not f[1]:
                return _scale(g, f[0])
            if not g[1]:
                return _scale(f, g[0])
            return None
        if e.op == "-":
            g = _scale(g, -1)
        coef = dict(f[1])
        for v, c in g[1].items():
            coef[v] = coef.get(v, 0) + c
        return (f[0] + g[0], {v: c for v, c in coef.items() if c != 0})
    return None


def _scale(f, k):
    return (f[0] * k, {v: c * k for v, c in f[1].items() if c * k != 0})


def _known(d, bounds):
    """A dimension over index variables only (others make it stand for its whole range)."""
    if d[0] == "lin" and any(v not in bounds for v in d[2]):
        return ("rng", None, None)
    return d


# ------------------------------------------------------------------ the tests
def _dependent(c: Access, t: T.Type, writes, reads, bounds, local, var) -> bool:
    if t.dt == T.SCALAR:
        return True
    dims = None if c.dims is None else tuple(_known(d, bounds) for d in c.dims)
    if t.dt in (T.MATRIX, T.UNKNOWN) and not c.accum and _constant(dims, local):
        return True
    for w in writes:
        if w is c or w.name != c.name:
            continue
        wd = None if w.dims is None else tuple(_known(d, bounds) for d in w.dims)
        if dims == wd:
            continue
        if _meet(dims, wd, bounds, var):
            return True
    for r in reads:
        if r.name != c.name:
            continue
        if r.dims is None:
            return True     # the whole variable (an accumulation's own `R +=` is no read of R)
        rd = tuple(_known(d, bounds) for d in r.dims)
        if dims == rd:
            if _constant(rd, local):
                return True
        elif _meet(dims, rd, bounds, var):
            return True
    return False


def _constant(dims, local) -> bool:
    """True when the cells accessed do not depend on every parfor variable of this loop nest."""
    if dims is None:
        return True
    used = set()
    for d in dims:
        if d[0] == "lin":
            used |= {v for v, c in d[2].items() if c != 0}
    return not local <= used


def _meet(a, b, bounds, var) -> bool:
    """May access `a` in one iteration touch a cell of access `b` in another?"""
    if a is None or b is None:
        return True
    return all(not _apart(x, y, bounds, var) for x, y in zip(a, b))


def _range(d, bounds):
    if d[0] == "rng":
        return (-INF if d[1] is None else d[1], INF if d[2] is None else d[2])
    lo = hi = d[1]
    for v, c in d[2].items():
        vl, vh = bounds[v]
        lo += min(c * vl, c * vh) if math.isfinite(vl) and math.isfinite(vh) else -INF
        hi += max(c * vl, c * vh) if math.isfinite(vl) and math.isfinite(vh) else INF
    return lo, hi


def _apart(x, y, bounds, var) -> bool:
    if x[0] == "lin" and y[0] == "lin":
        if x == y and x[2].get(var, 0) != 0:
            return True        # one function of this loop's variable: only the same iteration meets
        coefs = [c for c in list(x[2].values()) + list(y[2].values()) if c != 0]
        diff = y[1] - x[1]
        if not coefs:
            return diff != 0
        g = 0
        for c in coefs:
            g = math.gcd(g, abs(c))
        if diff % g != 0:
            return True
    (xl, xh), (yl, yh) = _range(x, bounds), _range(y, bounds)
    return xh < yl or yh < xl
