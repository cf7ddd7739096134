"""The grammar accepts all of DML's syntax; syntax errors point at the fault."""
import time

import pytest

from dmlpy.errors import DMLSyntaxError
from dmlpy.parse import ast, parse

SYNTAX = r'''
source("lib/x.dml") as ns
setwd("some/dir")
x = 1; y <- 2.5; z = .5 + 3. + 1e-3 + 2E+4
x += 1
[a, b] = ns::f(x, k = 2)
s = ifdef($name, "dflt") + $1
if (x > 0) y = 1 else y = 2
if (x > 0) { y = 1 } else if (x < 0) { y = -1 } else { y = 0 }
for (i in 1:10) print(i)
for (i in seq(1, 10, 2)) { print(i) }
parfor (i in 1:4, check=0, par=2, mode=LOCAL) { R[i, 1] = i }
while (x < 10) { x = x + 1; }
f = function(matrix[double] X, int k = 3, list[unknown] L, Double d) return (matrix[double] Y, double s) {
  Y = X; s = k
}
g <- function() { print("no returns") }
X[i, j] = 1; X[a:b, ] = Y; X[, c] = Y; X[i:j, k:l] = Y; L[2] = 1; L["name"] = 2
v = X[1, 2] + L[1] + L["a"] + X[1:2, ][1, 1]
w = -2^-2 %*% 3 %/% 2 %% 4 * 5 / 6 + 7 - 8 < 9 & !TRUE | FALSE && x || y
t = as.scalar(X) + is.na(x) + 'single \'quoted\'' + "double \"quoted\""
/* block
   comment */ # line comment
q = x != y; q = x == y; q = x >= y; q = x <= y
print(q)
'''


def test_all_syntax_parses():
    prog = parse(SYNTAX, "syntax.dml")
    kinds = {type(s).__name__ for s in prog.statements}
    assert {"Source", "SetWd", "Assign", "MultiAssign", "If", "For", "While", "ExprStmt"} <= kinds
    assert [f.name for f in prog.functions] == ["f", "g"]
    f = prog.functions[0]
    assert [(p.name, p.type.data, p.type.value) for p in f.params] == [
        ("X", "matrix", "double"), ("k", "scalar", "int"), ("L", "list", "unknown"), ("d", "scalar", "double")]
    assert isinstance(f.params[1].default, ast.IntLit)
    assert [r.name for r in f.returns] == ["Y", "s"]
    par = [s for s in prog.statements if isinstance(s, ast.For) and s.parallel][0]
    assert [o.name for o in par.options] == ["check", "par", "mode"]


def _expr(src):
    return parse("x = " + src).statements[0].value


def test_precedence():
    e = _expr("-2^2")           # unary minus below ^
    assert isinstance(e, ast.Unary) and isinstance(e.operand, ast.Binary) and e.operand.op == "^"
    e = _expr("2^3^2")          # right associative
    assert e.op == "^" and isinstance(e.right, ast.Binary) and e.right.op == "^"
    e = _expr("2*7%%4")         # %% binds tighter than *
    assert e.op == "*" and e.right.op == "%%"
    e = _expr("a %*% b %% c")   # %*% binds tighter than %%
    assert e.op == "%%" and e.left.op == "%*%"
    e = _expr("!a > b")         # ! below comparisons
    assert isinstance(e, ast.Unary) and e.operand.op == ">"
    e = _expr("a | b & c")
    assert e.op == "|" and e.right.op == "&"
    e = _expr("2^-1")
    assert e.op == "^" and isinstance(e.right, ast.Unary)


def test_index_forms():
    ix = _expr("X[1, ]")
    assert ix.two_d and ix.rows.hi is None and ix.cols is None
    ix = _expr("X[, 2:3]")
    assert ix.rows is None and ix.cols.hi is not None
    ix = _expr("L[2]")
    assert not ix.two_d


def test_multi_assign_after_name_on_next_line():
    prog = parse("x = y\n[a, b] = f(x)\n")
    assert isinstance(prog.statements[1], ast.MultiAssign)


def test_string_escapes():
    assert _expr(r'"a\tb\nc\"d"').value == 'a\tb\nc"d'
    assert _expr(r'"\\"').value == "\\\\"     # SystemDS keeps both backslashes
    assert _expr(r"'it\'s'").value == "it's"


def test_spans():
    prog = parse("x = 1\n  y = x + 2\n", "s.dml")
    s = prog.statements[1]
    assert (s.span.file, s.span.line, s.span.col) == ("s.dml", 2, 3)
    assert (s.value.right.span.line, s.value.right.span.col) == (2, 11)


@pytest.mark.parametrize("src, line, col, words", [
    ("x = (1 + 2\nprint(x)", 2, 1, ["unexpected 'print'", "missing ')'"]),
    ("x = 1 +", 1, 7, ["end of file"]),
    ("if (x > 1 {", 1, 11, ["unexpected '{'"]),
    ("x = @", 1, 5, ["unexpected character"]),
    ("f = function(int a) { ", 1, 22, ["end of file"]),
])
def test_syntax_errors(src, line, col, words):
    with pytest.raises(DMLSyntaxError) as ei:
        parse(src, "bad.dml")
    e = ei.value
    assert (e.file, e.line, e.col) == ("bad.dml", line, col)
    text = e.render()
    assert text.startswith(f"bad.dml:{line}:{col}: error: syntax error")
    for w in words:
        assert w in text
    assert "^" in text.splitlines()[-1]
