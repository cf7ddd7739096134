"""Size propagation over a whole program at compile time (for `--explain plan`): each statement's
expression is built into IR and rewritten as the planner does, and sizes.Sizer gives every IR value
its (rows, cols, nnz) and format from the sizes of the variables it reads. Variables carry their
sizes (and scalar constants, so `n = 100; X = rand(rows=n, ...)` has a size) from statement to
statement:

- straight-line code: the size each assignment gives;
- if/else: what both branches agree on (a dimension or count they differ in becomes -1);
- loops: the body is run to a fixed point; a variable whose size the body changes becomes -1 in
  what changed, before and inside the loop body alike;
- user function calls and multiple assignments: unknown (a function body is sized with its
  parameters unknown);
- indexing with constant bounds: the block's dimensions; left indexing keeps the dimensions and
  adds the right side's count (SystemDS's worst case).

Nothing here changes the generated code; a failure to size anything leaves it unknown."""
from __future__ import annotations

from dataclasses import dataclass, field

from ..parse import ast
from .build import Builder
from .ir import Node, Op, walk
from .rewrites import apply
from .sizes import NONE, UNKNOWN, Size, Sizer, _cap, _dim, elementwise_mm, elementwise_ms, index, join

_MAX_ROUNDS = 8         # loop fixed point: every round turns at least one thing unknown
_SIZE_OPS = (Op.NROW, Op.NCOL)


@dataclass
class Record:
    """The sizes of one statement: its span, what it assigns (name or call name), the value
    assigned (Size or scalar constant or None) and its IR values [(label, Size)]."""
    span: object
    target: str
    value: object
    values: list = field(default_factory=list)
    expr_span: object = None        # the span of the statement's expression (--explain ir)


class Propagation:
    def __init__(self, analysis, skip, disabled=frozenset()):
        self.a = analysis
        self.skip = skip
        self.disabled = disabled
        self.records: dict[int, Record] = {}     # id(statement) -> Record (the last pass wins)
        self.from_sizes: set[int] = set()         # id() of expressions that read nrow/ncol/length

    def run(self) -> list[Record]:
        env: dict = {}
        self.stmts(self.a.main.program.statements, env)
        self.env = env
        for f in self.a.functions:
            if not f.module.builtin:
                self.stmts(f.fdef.body, {})
        return list(self.records.values())

    # ------------------------------------------------------------------ statements
    def stmts(self, stmts, env):
        for s in stmts:
            try:
                self.stmt(s, env)
            except Exception:       # noqa: BLE001 - sizing never stops a compile: all unknown
                for name in _assigned([s]):
                    env[name] = None

    def stmt(self, s, env):
        if isinstance(s, ast.Assign):
            if s.index is None:
                value, values = self.expr(s.value, env, target=s.name)
                if s.op == "+=":
                    value = _plus(env.get(s.name), value)
                env[s.name] = value
            else:
                values = []
                env[s.name] = self.left_index(s, env, values)
                value = env[s.name]
            self.record(s, s.name, value, values, s.value)
        elif isinstance(s, ast.MultiAssign):
            _, values = self.expr(s.call, env)
            for name, _ in s.targets:
                env[name] = None
            self.record(s, ", ".join(n for n, _ in s.targets), None, values, s.call)
        elif isinstance(s, ast.ExprStmt):
            _, values = self.expr(s.call, env)
            self.record(s, s.call.name, None, values, s.call)
        elif isinstance(s, ast.If):
            e1, e2 = dict(env), dict(env)
            self.stmts(s.then, e1)
            self.stmts(s.orelse, e2)
            env.clear()
            env.update(_join_env(e1, e2))
        elif isinstance(s, ast.For):
            self.loop(s.body, env, s.var)
        elif isinstance(s, ast.While):
            self.loop(s.body, env, None)

    def loop(self, body, env, var):
        written = _assigned(body) | ({var} if var else set())
        for _ in range(_MAX_ROUNDS):
            e = dict(env)
            if var is not None:
                e[var] = None
            self.stmts(body, e)
            new = _join_env(env, e)
            if var is not None:
                new[var] = None
            if new == env:
                return
            env.clear()
            env.update(new)
        for name in written:            # no fixed point (cannot happen): all it writes unknown
            env[name] = None
        self.stmts(body, dict(env))

    def record(self, s, target, value, values, e):
        # a scalar is shown when sizes made it a constant (n = nrow(X) * 2)
        if isinstance(value, Size) or values or (value is not None and id(e) in self.from_sizes):
            self.records[id(s)] = Record(s.span, target, value, values, e.span)

    # ------------------------------------------------------------------ expressions
    def expr(self, e, env, target=None):
        """(value, [(label, Size)] of the IR's matrix operations) of expression e."""
        root = self.ir(e, target)
        sizer = Sizer(env, lambda n: self.leaf(n, env))
        value = sizer.of(root)
        if any(n.op in _SIZE_OPS or n.op is Op.CALL and n.value.name == "length"
               for n in walk(root)):
            self.from_sizes.add(id(e))
        return value, _values(root, sizer)

    def ir(self, e, target=None) -> Node:
        b = Builder(self.a, self.skip, cse="common-subexpressions" not in self.disabled)
        root = b.build(e)
        if root.op in (Op.CONST, Op.VAR, Op.LEAF):
            return root
        return apply(root, self.disabled, {"target": target})

    def value(self, e, env):
        return self.expr(e, env)[0] if e is not None else None

    def leaf(self, n: Node, env):
        e = n.value
        if isinstance(e, ast.Index) and e.two_d:
            t = self.value(e.target, env)
            if not isinstance(t, Size):
                return NONE
            rows = self.extent(e.rows, t.rows, env)
            cols = self.extent(e.cols, t.cols, env)
            return index(t, rows, cols)
        return None

    def extent(self, sl, full: int, env) -> int:
        """How many rows (columns) a slice takes: all, one, or hi - lo + 1 for constant bounds."""
        if sl is None:
            return full
        lo = self.value(sl.lo, env)
        if isinstance(lo, Size):
            return lo.cells if lo.cols == 1 or lo.rows == 1 else UNKNOWN   # an index vector
        if sl.hi is None:
            return 1 if _dim(lo) >= 0 else UNKNOWN
        hi = self.value(sl.hi, env)
        lo, hi = _dim(lo), _dim(hi)
        if lo < 0 or hi < 0 or hi < lo:
            return UNKNOWN
        return hi - lo + 1

    def left_index(self, s, env, values) -> object:
        """X[rows, cols] = v: X keeps its dimensions; its count grows by v's (worst case)."""
        t = env.get(s.name)
        v, vs = self.expr(s.value, env)
        values.extend(vs)
        if not isinstance(t, Size):
            return None
        ix = s.index
        if not ix.two_d:
            return NONE
        rows = self.extent(ix.rows, t.rows, env)
        cols = self.extent(ix.cols, t.cols, env)
        add = v.nnz if isinstance(v, Size) else (rows * cols if rows >= 0 and cols >= 0 else UNKNOWN)
        if isinstance(v, Size) and add < 0 and rows >= 0 and cols >= 0:
            add = rows * cols
        nnz = t.nnz + add if t.nnz >= 0 and add >= 0 else UNKNOWN
        return _cap(Size(t.rows, t.cols, nnz))


def _plus(old, inc):
    """x += e."""
    if isinstance(old, Size) and isinstance(inc, Size):
        return elementwise_mm(Op.ADD, old, inc)
    if isinstance(old, Size):
        return elementwise_ms(Op.ADD, old, inc, True)
    if isinstance(inc, Size):
        return elementwise_ms(Op.ADD, inc, old, False)
    if type(old) in (int, float) and type(inc) in (int, float):
        from ..runtime import ops
        try:
            return ops.BINARY["+"](old, inc)
        except Exception:     # noqa: BLE001 - reported when it runs
            return None
    return None


def _values(root: Node, sizer: Sizer) -> list:
    """(label, Size) of each matrix operation of the DAG, numbered as ir.render numbers them."""
    out, k = [], 0
    for n in walk(root):
        if n.op in (Op.CONST, Op.VAR):
            continue
        name = f"%{k}"
        k += 1
        v = sizer.out.get(id(n))
        if isinstance(v, Size) and n.is_matrix:
            out.append((f"{name} = {_label(n)}", v))
    return out


def _label(n: Node) -> str:
    if n.op is Op.FUSED:
        return "fused"
    if n.op is Op.LEAF:
        e = n.value
        if isinstance(e, ast.Index):
            return "index"
        if isinstance(e, ast.Call):
            return f"{e.name}()"
        return n.label()
    return n.label()


def _join_env(a: dict, b: dict) -> dict:
    out = dict(a)
    for k, v in b.items():
        out[k] = join(out[k], v) if k in out else v
    return out


def _assigned(stmts) -> set:
    """Names any of the statements (nested ones included) assigns."""
    out, todo = set(), list(stmts)
    while todo:
        s = todo.pop()
        if isinstance(s, ast.Assign):
            out.add(s.name)
        elif isinstance(s, ast.MultiAssign):
            out.update(n for n, _ in s.targets)
        elif isinstance(s, ast.If):
            todo.extend(s.then)
            todo.extend(s.orelse)
        elif isinstance(s, (ast.For, ast.While)):
            todo.extend(s.body)
            if isinstance(s, ast.For):
                out.add(s.var)
    return out
