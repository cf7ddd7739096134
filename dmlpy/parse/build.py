"""Parse tree -> AST (a Lark Transformer; the parse tree is never executed)."""
from __future__ import annotations

from lark import Token, Transformer, v_args

from ..errors import DMLSyntaxError, Span
from . import ast

_DATA_TYPES = {"matrix": "matrix", "frame": "frame", "list": "list", "tensor": "tensor"}
_VALUE_TYPES = {"double": "double", "int": "int", "integer": "int", "boolean": "boolean",
                "bool": "boolean", "string": "string", "unknown": "unknown"}
_SPECIAL_DOUBLES = {"NaN": float("nan"), "Inf": float("inf"), "INF": float("inf")}
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "'": "'", "b": "\b", "f": "\f"}


def unescape(body: str) -> str:
    """DML string escapes as SystemDS reads them: \\n, \\t, \\" and friends become the character;
    any other backslash stays, so "\\\\" is two backslashes and "a\\\\b" ends in a backspace."""
    if "\\" not in body:
        return body
    out, i, n = [], 0, len(body)
    while i < n:
        c = body[i]
        if c == "\\" and i + 1 < n:
            nxt = body[i + 1]
            if nxt in _ESCAPES:
                out.append(_ESCAPES[nxt])
                i += 2
            else:  # not an escape: the backslash stays and the next character is read anew
                out.append(c)
                i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


class Builder(Transformer):
    def __init__(self, file: str):
        super().__init__()
        self.file = file

    # -------------------------------------------------------------- helpers
    def _span(self, meta) -> Span:
        if getattr(meta, "empty", False):
            return Span(self.file, 0, 0)
        return Span(self.file, meta.line, meta.column, meta.end_line, meta.end_column - 1)

    def _tok(self, tok: Token) -> Span:
        return Span(self.file, tok.line, tok.column, tok.end_line, tok.end_column - 1)

    def _err(self, msg, span):
        raise DMLSyntaxError(msg, span)

    # -------------------------------------------------------------- program
    @v_args(meta=True)
    def start(self, meta, items):
        stmts, funcs = [], []
        for it in items:
            if isinstance(it, ast.FuncDef):
                funcs.append(it)
            elif isinstance(it, ast.Stmt):
                stmts.append(it)
        return ast.Program(self.file, stmts, funcs)

    # -------------------------------------------------------------- statements
    @v_args(meta=True)
    def source_stmt(self, meta, items):
        path, ns = items
        return ast.Source(self._span(meta), unescape(path[1:-1]), str(ns))

    @v_args(meta=True)
    def setwd_stmt(self, meta, items):
        return ast.SetWd(self._span(meta), unescape(items[0][1:-1]))

    def assign_op(self, items):
        return items[0]

    @v_args(meta=True)
    def assign_name(self, meta, items):
        name, op, value = items
        return ast.Assign(self._span(meta), str(name), self._tok(name), None, self._op(op), value)

    @v_args(meta=True)
    def assign_index(self, meta, items):
        name, (rows, cols, two_d), op, value = items
        span = self._span(meta)
        target = ast.Index(Span(self.file, name.line, name.column, op.line, op.column - 2),
                           ast.Name(self._tok(name), str(name)), rows, cols, two_d)
        return ast.Assign(span, str(name), self._tok(name), target, self._op(op), value)

    def _op(self, tok):
        return "+=" if tok == "+=" else "="

    @v_args(meta=True)
    def multi_assign(self, meta, items):
        targets, op, call = [], None, None
        for it in items[1:]:
            if isinstance(it, Token):
                op = it
            elif isinstance(it, ast.Call):
                call = it
            else:
                targets.append(it)
        if op == "+=":
            self._err("'+=' cannot assign several results; use '='", self._tok(op))
        return ast.MultiAssign(self._span(meta), targets, call)

    def name_target(self, items):
        return (str(items[0]), self._tok(items[0]))

    def index_target(self, items):
        self._err("an indexed target cannot receive one of several function results; "
                  "assign to a variable first", self._tok(items[0]))

    @v_args(meta=True)
    def call_stmt(self, meta, items):
        return ast.ExprStmt(self._span(meta), items[0])

    @v_args(meta=True)
    def if_stmt(self, meta, items):
        cond, then = items[0], items[1]
        orelse = items[2] if len(items) > 2 else []
        return ast.If(self._span(meta), cond, then, orelse)

    def block(self, items):
        return [s for s in items if isinstance(s, ast.Stmt)]

    def single(self, items):
        return [s for s in items if isinstance(s, ast.Stmt)]

    def _loop(self, meta, items, parallel):
        var, it, *rest = items
        body = rest[-1]
        options = rest[:-1]
        start, stop, step, from_seq = it
        return ast.For(self._span(meta), str(var), start, stop, step, body, parallel, options, from_seq)

    @v_args(meta=True)
    def for_stmt(self, meta, items):
        return self._loop(meta, items, False)

    @v_args(meta=True)
    def parfor_stmt(self, meta, items):
        return self._loop(meta, items, True)

    def range_iter(self, items):
        return (items[0], items[1], None, False)

    def expr_iter(self, items):
        e = items[0]
        if isinstance(e, ast.Call) and e.name == "seq" and e.namespace is None \
                and 2 <= len(e.args) <= 3 and all(a.name is None for a in e.args):
            a = e.args
            return (a[0].value, a[1].value, a[2].value if len(a) > 2 else None, True)
        if isinstance(e, ast.Call) and e.name == "seq":
            names = {a.name: a.value for a in e.args}
            if all(a.name for a in e.args) and {"from", "to"} <= names.keys():
                return (names["from"], names["to"], names.get("incr"), True)
        self._err("a for loop iterates over 'a:b' or 'seq(from, to[, by])'", e.span)

    @v_args(meta=True)
    def while_stmt(self, meta, items):
        return ast.While(self._span(meta), items[0], items[1])

    # -------------------------------------------------------------- functions
    @v_args(meta=True)
    def funcdef(self, meta, items):
        name, op, params, returns, *body = items
        if op == "+=":
            self._err("a function is defined with '=' or '<-'", self._tok(op))
        return ast.FuncDef(self._span(meta), str(name), params or [], returns or [],
                           [s for s in body if isinstance(s, ast.Stmt)])

    @v_args(meta=True)
    def extfuncdef(self, meta, items):
        name = items[0]
        return ast.FuncDef(self._span(meta), str(name), items[3] or [], items[4] or [], [], external=True)

    def returns(self, items):
        return items[0] or []

    def params(self, items):
        return list(items)

    @v_args(meta=True)
    def param(self, meta, items):
        typ, name = items[0], items[1]
        default = items[3] if len(items) > 3 else None
        return ast.Param(self._span(meta), str(name), typ, default)

    @v_args(meta=True)
    def type(self, meta, items):
        span = self._span(meta)
        base = str(items[0]).lower()
        inner = str(items[1]).lower() if len(items) > 1 and items[1] is not None else None
        if base in _DATA_TYPES:
            vt = _VALUE_TYPES.get(inner or ("double" if base == "matrix" else "unknown"))
            if vt is None:
                self._err(f"unknown value type '{items[1]}'", span)
            return ast.TypeSpec(span, _DATA_TYPES[base], vt)
        if inner is not None:
            self._err(f"unknown data type '{items[0]}'", span)
        if base not in _VALUE_TYPES:
            self._err(f"unknown type '{items[0]}' (expected int, double, boolean, string, "
                      "matrix[double], frame, or list[unknown])", span)
        return ast.TypeSpec(span, "scalar", _VALUE_TYPES[base])

    # -------------------------------------------------------------- expressions
    @v_args(meta=True)
    def binop(self, meta, items):
        left, op, right = items
        return ast.Binary(self._span(meta), _canon(str(op)), left, right)

    @v_args(meta=True)
    def unop(self, meta, items):
        op, operand = items
        return ast.Unary(self._span(meta), str(op), operand)

    @v_args(meta=True)
    def var(self, meta, items):
        name = str(items[0])
        if name in _SPECIAL_DOUBLES:  # DML spells these doubles as bare words
            return ast.FloatLit(self._span(meta), _SPECIAL_DOUBLES[name])
        return ast.Name(self._span(meta), name)

    @v_args(meta=True)
    def cmdarg(self, meta, items):
        return ast.CmdArg(self._span(meta), str(items[0])[1:])

    @v_args(meta=True)
    def int_lit(self, meta, items):
        v = int(items[0])
        if v > 2**63 - 1:
            self._err(f"integer literal {items[0]} is out of the 64-bit range", self._span(meta))
        return ast.IntLit(self._span(meta), v)

    @v_args(meta=True)
    def float_lit(self, meta, items):
        return ast.FloatLit(self._span(meta), float(items[0]))

    @v_args(meta=True)
    def string_lit(self, meta, items):
        return ast.StrLit(self._span(meta), unescape(items[0][1:-1]))

    @v_args(meta=True)
    def true_lit(self, meta, items):
        return ast.BoolLit(self._span(meta), True)

    @v_args(meta=True)
    def false_lit(self, meta, items):
        return ast.BoolLit(self._span(meta), False)

    @v_args(meta=True)
    def call(self, meta, items):
        name, args = str(items[0]), items[1] or []
        ns = None
        if "::" in name:
            ns, name = name.split("::", 1)
        seen_named = set()
        for a in args:
            if a.name is not None:
                if a.name in seen_named:
                    self._err(f"argument '{a.name}' is given twice", a.span)
                seen_named.add(a.name)
        return ast.Call(self._span(meta), name, ns, args)

    def args(self, items):
        return [a if isinstance(a, ast.Arg) else ast.Arg(a.span, None, a) for a in items]

    @v_args(meta=True)
    def named_arg(self, meta, items):
        return ast.Arg(self._span(meta), str(items[0]), items[2])

    def named_args(self, items):
        return list(items)

    @v_args(meta=True)
    def index(self, meta, items):
        target, (rows, cols, two_d) = items
        return ast.Index(self._span(meta), target, rows, cols, two_d)

    def index_args(self, items):
        if len(items) == 1:   # X[i] (list or vector indexing)
            return (items[0], None, False)
        return (items[0], items[2], True)

    @v_args(meta=True)
    def idx_single(self, meta, items):
        return ast.Slice(self._span(meta), items[0], None)

    @v_args(meta=True)
    def idx_range(self, meta, items):
        return ast.Slice(self._span(meta), items[0], items[1])


def _canon(op: str) -> str:
    return {"&&": "&", "||": "|"}.get(op, op)
