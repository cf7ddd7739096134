"""Parse tree -> AST (a Lark Transformer; the parse tree is never executed)."""
from __future__ import annotations

from lark import Token, Transformer

from ..errors import DMLSyntaxError, Span
from . import ast

# the spellings of types SystemDS 3.4 accepts in function signatures (exactly these: no `bool`,
# no `INT`, no `MATRIX`); a bare data type (`matrix X`, which crashes SystemDS's parser) is read as
# matrix[double], frame[unknown] or list[unknown]
_DATA_TYPES = {k: k.lower() for k in ("matrix", "Matrix", "frame", "Frame", "list", "List",
                                      "scalar", "Scalar")}
_VALUE_TYPES = {"double": "double", "Double": "double", "int": "int", "Int": "int",
                "integer": "int", "Integer": "int", "boolean": "boolean", "Boolean": "boolean",
                "string": "string", "String": "string", "unknown": "unknown", "Unknown": "unknown"}
_TYPE_HELP = ("expected int, integer, double, boolean, string or unknown (or capitalised: Int, "
              "Double, ...), or matrix[double], frame[...], list[unknown], scalar[...]")
# the builtin constants (SystemDS: INF is an ordinary name, e.g. tSNE assigns INF = 1.0e20)
_SPECIAL_DOUBLES = {"NaN": float("nan"), "Inf": float("inf")}
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


def _loc(it):
    """(line, col, end_line, end_col) of a token, AST node, or list/tuple of them."""
    if isinstance(it, Token):
        if it.line is None:
            return None
        return (it.line, it.column, it.end_line, it.end_column - 1)
    sp = getattr(it, "span", None)
    if sp is not None:
        return (sp.line, sp.col, sp.end_line, sp.end_col) if sp.line else None
    if isinstance(it, (list, tuple)):
        locs = [l for l in map(_loc, it) if l is not None]
        if locs:
            return (locs[0][0], locs[0][1], locs[-1][2], locs[-1][3])
    return None


class Builder(Transformer):
    def __init__(self, file: str = "<string>"):
        super().__init__()
        self.file = file

    # -------------------------------------------------------------- helpers
    # The builder runs inside the LALR parser (Lark's inline transformer, no parse tree), where
    # rule metadata is not available: a node's span runs from its first to its last located child.
    def _span(self, items) -> Span:
        first = last = None
        for it in items:
            sp = _loc(it)
            if sp is not None:
                first = first or sp
                last = sp
        if first is None:
            return Span(self.file, 0, 0)
        return Span(self.file, first[0], first[1], last[2], last[3])

    def _tok(self, tok: Token) -> Span:
        return Span(self.file, tok.line, tok.column, tok.end_line, tok.end_column - 1)

    def _err(self, msg, span):
        raise DMLSyntaxError(msg, span)

    # -------------------------------------------------------------- program
    def start(self, items):
        stmts, funcs = [], []
        for it in items:
            if isinstance(it, ast.FuncDef):
                funcs.append(it)
            elif isinstance(it, ast.Stmt):
                stmts.append(it)
        return ast.Program(self.file, stmts, funcs)

    # -------------------------------------------------------------- statements
    def source_stmt(self, items):
        path, ns = items
        return ast.Source(self._span(items), unescape(path[1:-1]), str(ns))

    def setwd_stmt(self, items):
        return ast.SetWd(self._span(items), unescape(items[0][1:-1]))

    def assign_op(self, items):
        return items[0]

    def _not_constant(self, name):
        if str(name) in _SPECIAL_DOUBLES:
            self._err(f"cannot assign a value to the builtin constant {name}", self._tok(name))

    def assign_name(self, items):
        name, op, value = items
        self._not_constant(name)
        return ast.Assign(self._span(items), str(name), self._tok(name), None, self._op(op), value)

    def assign_index(self, items):
        name, (rows, cols, two_d), op, value = items
        self._not_constant(name)
        span = self._span(items)
        target = ast.Index(Span(self.file, name.line, name.column, op.line, op.column - 2),
                           ast.Name(self._tok(name), str(name)), rows, cols, two_d)
        return ast.Assign(span, str(name), self._tok(name), target, self._op(op), value)

    def _op(self, tok):
        return "+=" if tok == "+=" else "="

    def multi_assign(self, items):
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
        return ast.MultiAssign(self._span(items), targets, call)

    def name_target(self, items):
        self._not_constant(items[0])
        return (str(items[0]), self._tok(items[0]))

    def index_target(self, items):
        self._err("an indexed target cannot receive one of several function results; "
                  "assign to a variable first", self._tok(items[0]))

    def call_stmt(self, items):
        return ast.ExprStmt(self._span(items), items[0])

    def if_stmt(self, items):
        cond, then = items[0], items[1]
        orelse = items[2] if len(items) > 2 else []
        return ast.If(self._span(items), cond, then, orelse)

    def block(self, items):
        return [s for s in items if isinstance(s, ast.Stmt)]

    def single(self, items):
        return [s for s in items if isinstance(s, ast.Stmt)]

    def _loop(self, items, parallel):
        var, it, *rest = items
        body = rest[-1]
        options = rest[:-1]
        start, stop, step, from_seq = it
        return ast.For(self._span(items), str(var), start, stop, step, body, parallel, options, from_seq)

    def for_stmt(self, items):
        return self._loop(items, False)

    def parfor_stmt(self, items):
        return self._loop(items, True)

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

    def while_stmt(self, items):
        return ast.While(self._span(items), items[0], items[1])

    # -------------------------------------------------------------- functions
    def funcdef(self, items):
        name, op, params, returns, *body = items
        if op == "+=":
            self._err("a function is defined with '=' or '<-'", self._tok(op))
        return ast.FuncDef(self._span(items), str(name), params or [], returns or [],
                           [s for s in body if isinstance(s, ast.Stmt)])

    def extfuncdef(self, items):
        name = items[0]
        return ast.FuncDef(self._span(items), str(name), items[3] or [], items[4] or [], [], external=True)

    def returns(self, items):
        return items[0] or []

    def params(self, items):
        return list(items)

    def param(self, items):
        typ, name = items[0], items[1]
        default = items[3] if len(items) > 3 else None
        return ast.Param(self._span(items), str(name), typ, default)

    def type(self, items):
        span = self._span(items)
        base = str(items[0])
        inner = str(items[1]) if len(items) > 1 and items[1] is not None else None
        if inner is not None:
            if base not in _DATA_TYPES:
                self._err(f"unknown data type '{base}' ({_TYPE_HELP})", span)
            if inner not in _VALUE_TYPES:
                hint = " (use 'boolean')" if inner.lower() == "bool" else f" ({_TYPE_HELP})"
                self._err(f"unknown value type '{inner}'{hint}", span)
            return ast.TypeSpec(span, _DATA_TYPES[base], _VALUE_TYPES[inner])
        if base in _VALUE_TYPES:
            return ast.TypeSpec(span, "scalar", _VALUE_TYPES[base])
        if base in _DATA_TYPES:
            data = _DATA_TYPES[base]
            return ast.TypeSpec(span, data, "double" if data == "matrix" else "unknown")
        hint = "use 'boolean'" if base.lower() in ("bool", "boolean") else _TYPE_HELP
        self._err(f"unknown type '{base}' ({hint})", span)

    # -------------------------------------------------------------- expressions
    def binop(self, items):
        left, op, right = items
        return ast.Binary(self._span(items), _canon(str(op)), left, right)

    def unop(self, items):
        op, operand = items
        return ast.Unary(self._span(items), str(op), operand)

    def var(self, items):
        name = str(items[0])
        if name in _SPECIAL_DOUBLES:  # DML spells these doubles as bare words
            return ast.FloatLit(self._span(items), _SPECIAL_DOUBLES[name])
        return ast.Name(self._span(items), name)

    def vector_lit(self, items):
        return ast.VectorLit(self._span(items), list(items))

    def cmdarg(self, items):
        return ast.CmdArg(self._span(items), str(items[0])[1:])

    def int_lit(self, items):
        text = str(items[0])
        if len(text.lstrip("0")) > 19 or int(text) > 2**63 - 1:
            shown = text if len(text) <= 40 else f"{text[:20]}...({len(text)} digits)"
            self._err(f"integer literal {shown} is out of the 64-bit range", self._span(items))
        return ast.IntLit(self._span(items), int(text))

    def float_lit(self, items):
        return ast.FloatLit(self._span(items), float(items[0]))

    def string_lit(self, items):
        return ast.StrLit(self._span(items), unescape(items[0][1:-1]))

    def true_lit(self, items):
        return ast.BoolLit(self._span(items), True)

    def false_lit(self, items):
        return ast.BoolLit(self._span(items), False)

    def call(self, items):
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
        return ast.Call(self._span(items), name, ns, args)

    def args(self, items):
        return [a if isinstance(a, ast.Arg) else ast.Arg(a.span, None, a) for a in items]

    def named_arg(self, items):
        return ast.Arg(self._span(items), str(items[0]), items[2])

    def named_args(self, items):
        return list(items)

    def index(self, items):
        target, (rows, cols, two_d) = items
        return ast.Index(self._span(items), target, rows, cols, two_d)

    def index_args(self, items):
        if len(items) == 1:   # X[i] (list or vector indexing)
            return (items[0], None, False)
        return (items[0], items[2], True)

    def idx_single(self, items):
        return ast.Slice(self._span(items), items[0], None)

    def idx_range(self, items):
        return ast.Slice(self._span(items), items[0], items[1])


def _canon(op: str) -> str:
    return {"&&": "&", "||": "|"}.get(op, op)
