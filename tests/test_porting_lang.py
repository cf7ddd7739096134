"""Language gaps met when running SystemDS's own DML scripts: multi-line strings, source() lookup,
builtin file naming (m_f), fewer targets than results, parser corners, eval/evalList of builtins,
sourcing a file twice. Every expected output was recorded from SystemDS 3.4
(../shared/reference/sysds) unless marked as a documented dmlpy choice."""
import os
from pathlib import Path

import pytest

from dmlpy.parse import parse

SDS_BUILTINS = Path.home() / ".cache" / "dmlpy-reference" / "jar" / "scripts" / "builtin"

X10 = 'X = matrix("1 2 3 4 5 6 7 8 9 10", rows=5, cols=2)\n'


# ------------------------------------------------------------------ 1. multi-line string literals
def test_multiline_strings_keep_the_line_break(dml_out):
    out = dml_out('s = "ab\ncd"\nprint(s)\nprint(toString(s))\n'
                  "t = 'x\ny'\nprint(t)\n"
                  'z = "q\n   r" + "w"\nprint(z)\n'
                  'print("a" + "\n" + "b")\n')
    assert out == "ab\ncd\nab\ncd\nx\ny\nq\n   rw\na\nb\n"


def test_multiline_string_in_matrix(dml_out):
    out = dml_out('X = matrix("1 2 3 \n4 5 6", rows=2, cols=3)\nprint(toString(X))\n')
    assert out == "1.000 2.000 3.000\n4.000 5.000 6.000\n\n"


def test_error_position_after_multiline_strings(dml):
    # SystemDS: [line 6:10] (0-based column) -> undefinedvar
    out, err, rc = dml('s = "a\nb\nc"\nt = \'x\ny\'\n  y = 1 + undefinedvar\n')
    assert rc == 1
    assert "<string>:6:11: error: undefined variable 'undefinedvar'" in err


def test_syntax_error_position_after_multiline_string(dml):
    # SystemDS: line 2:5 mismatched input ')'
    out, err, rc = dml('print("a\nb" + )\n')
    assert rc == 1 and "<string>:2:6: error: syntax error: unexpected ')'" in err


def test_unterminated_string(dml):
    out, err, rc = dml('x = 1\ns = "abc\n')
    assert rc == 1 and "<string>:2:5: error: syntax error: unterminated string" in err


# ------------------------------------------------------------------ 5. parser corners
def test_capitalised_types_and_not_operands(dml_out):
    script = (
        "f = function(Scalar[int] a, Scalar[Double] b, Int c, Integer d, Double e, Boolean g, String h,\n"
        "             Matrix[Double] M, Frame[Unknown] F, List[Unknown] L, Double u, frame[string] F2,\n"
        "             scalar[boolean] sb)\n"
        "  return (Scalar[Double] r, Matrix[double] R) {\n"
        "  r = a + b + c + d + e + as.scalar(M[1,1]) + length(L) + u\n"
        "  print(h + g + sb + nrow(F) + nrow(F2))\n"
        "  R = M * 2\n"
        "}\n"
        "[r, R] = f(1, 2.5, 3, 4, 5.5, TRUE, \"s\", matrix(1, rows=1, cols=1),\n"
        "  as.frame(matrix(1,rows=2,cols=1)), list(1,2), 7, as.frame(\"x\"), FALSE)\n"
        "print(r)\nprint(toString(R))\n"
        "g = function(scalar[int] a) return (scalar[int] b) { b = a %/% 2 }\nprint(g(5))\n"
        'm = matrix("1 0 2 0", rows=2, cols=2)\nmask = m > 0\n'
        "print(toString(m * !mask))\n"
        "print(toString(m * !m - 1))\n"       # ! takes `m - 1`
        "print(toString(m + !m > 0))\n"       # ! takes `m > 0`
        "print(1 < !0)\nprint(!1 == 0)\n"
        "[a,\n b] = f(1, 2.5, 3, 4, 5.5, TRUE, \"s\", matrix(1, rows=1, cols=1),\n"
        "  as.frame(matrix(1,rows=2,cols=1)), list(1,2), 7, as.frame(\"x\"), FALSE)\n"
        "print(a)\n"
        'print("after stray").\nprint("next")\n')
    assert dml_out(script) == (
        "sTRUEFALSE21\n26.0\n2.000\n\n2\n0.000 0.000\n0.000 0.000\n\n1.000 0.000\n0.000 0.000\n\n"
        "1.000 1.000\n2.000 1.000\n\nFALSE\nTRUE\nsTRUEFALSE21\n26.0\nafter stray\nnext\n")


def _shape(e):
    n = type(e).__name__
    if n == "Binary":
        return f"({_shape(e.left)} {e.op} {_shape(e.right)})"
    if n == "Unary":
        return f"({e.op}{_shape(e.operand)})"
    return getattr(e, "name", None) or repr(getattr(e, "value", n))


@pytest.mark.parametrize("src, shape", [
    ("a = !x == y", "(!(x == y))"),
    ("a = X * !m - 1", "(X * (!(m - 1)))"),
    ("a = !a & b", "((!a) & b)"),
    ("a = a & !b == c", "(a & (!(b == c)))"),
    ("a = !!a | b", "((!(!a)) | b)"),
    ("a = 2 ^ !a", "(2 ^ (!a))"),
])
def test_not_precedence(src, shape):
    assert _shape(parse(src).statements[0].value) == shape


def test_semicolon_after_call_argument(dml_out):
    # SystemDS's bandit.dml writes `ifelse(c, a, n = ceil(x);)`: a call in an expression may end in ';'
    assert dml_out("x = max(1, ceil(2.5);)\nprint(x)\n") == "3.0\n"


@pytest.mark.parametrize("spelling", ["bool", "INT", "Matrix[DOUBLE]", "MATRIX[double]", "tensor[double]",
                                      "Matrix[bool]"])
def test_type_spellings_systemds_rejects(dml, spelling):
    out, err, rc = dml(f"f = function({spelling} a) return (Double r) {{ r = 1 }}\nprint(f(1))\n")
    assert rc == 1 and "<string>:1:14: error: unknown" in err


def test_bare_matrix_type_is_matrix_of_doubles(dml_out):
    # SystemDS's parser crashes on `matrix X` (no value type); dmlpy reads it as matrix[double]
    assert dml_out("f = function(matrix X) return (double s) { s = sum(X) }\n"
                   "print(f(matrix(2, rows=2, cols=2)))\n") == "8.0\n"


# ------------------------------------------------------------------ 4. fewer targets than results
def test_fewer_targets_than_results(dml_out):
    script = (
        "f = function(Double a) return (Double x, Double y, Double z) {\n"
        "  x = 0\n  for (i in 1:3) { x = x + a }\n  y = a + 2; z = a + 3\n}\n"
        "x = f(1)\nprint(x)\n[p] = f(2)\nprint(p)\n[p, q] = f(3)\nprint(p + \" \" + q)\n"
        "print(f(1) + 1)\n" + X10 +
        "print(toString(scale(X=X, scale=FALSE)))\n"
        "[Y, lo] = winsorize(X=X, ql=0.2, qu=0.8, verbose=FALSE)\nprint(toString(Y))\nprint(toString(lo))\n"
        "[PC, V] = pca(X=X, K=1)\nprint(toString(PC))\nprint(toString(V))\n"
        "N = normalize(X=X)\nprint(toString(N))\n")
    assert dml_out(script) == (
        "3.0\n6.0\n9.0 5.0\n4.0\n"
        "-4.000 -4.000\n-2.000 -2.000\n0.000 0.000\n2.000 2.000\n4.000 4.000\n\n"
        "1.000 2.000\n3.000 4.000\n5.000 6.000\n7.000 8.000\n7.000 8.000\n\n1.000 2.000\n\n"
        "-1.789\n-0.894\n0.000\n0.894\n1.789\n\n0.707\n0.707\n\n"
        "0.000 0.000\n0.250 0.250\n0.500 0.500\n0.750 0.750\n1.000 1.000\n\n")


def test_fewer_targets_from_sourced_function(dml_out, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "big.dml").write_text(
        "three = function(Double a) return (Double x, Double y, Double z) {\n"
        "  x = 0\n  for (i in 1:3) { x = x + a }\n  y = a + 2; z = a + 3\n}\n")
    out = dml_out('source("big.dml") as T\nx = T::three(1)\nprint(x)\n[p, q] = T::three(5)\n'
                  'print(p + " " + q)\nprint(T::three(2) * 2)\n')
    assert out == "3.0\n15.0 7.0\n12.0\n"


def test_native_builtin_needs_all_results(dml):
    # SystemDS: "Function SVD needs to be called with multi-return assignment"
    out, err, rc = dml("S = matrix(\"2 1 1 2\", rows=2, cols=2)\nU = svd(S)\n")
    assert rc == 1 and "returns 3 values" in err


def test_more_targets_than_results_is_an_error(dml):
    # SystemDS binds the first three and leaves w undefined; dmlpy reports the mismatch
    out, err, rc = dml("f = function(Double a) return (Double x) { x = a }\n[x, w] = f(1)\n")
    assert rc == 1 and "returns 1 value(s) but 2 variables are assigned" in err


# ------------------------------------------------------------------ 6. eval / evalList of builtins
def test_eval_and_evallist_of_dml_bodied_builtins(dml_out):
    norm = "0.000 0.000\n0.250 0.250\n0.500 0.500\n0.750 0.750\n1.000 1.000\n\n"
    scaled = "-1.265 -1.265\n-0.632 -0.632\n0.000 0.000\n0.632 0.632\n1.265 1.265\n\n"
    out = dml_out(X10 + 'Y = eval("normalize", X)\nprint(toString(Y))\n'
                  'n = "nor" + "malize"\nY = eval(n, list(X))\nprint(toString(Y))\n'
                  'Y = eval("scale", list(X))\nprint(toString(Y))\n')
    assert out == norm + norm + scaled
    out = dml_out(X10 + 'L = evalList("normalize", list(X))\nprint(length(L))\n'
                  "print(toString(as.matrix(L[1])))\nprint(toString(as.matrix(L[2])))\n"
                  'L = evalList("scale", list(X=X, center=FALSE))\nprint(length(L))\n'
                  "print(toString(as.matrix(L[1])))\n"
                  'n = "sca" + "le"\nL = evalList(n, list(X, FALSE, TRUE))\n'
                  "print(toString(as.matrix(L[1])))\n")
    by_rms = "0.156 0.270\n0.467 0.539\n0.778 0.809\n1.090 1.079\n1.401 1.348\n\n"
    assert out == "3\n" + norm + "1.000 2.000\n\n3\n" + by_rms + by_rms


def test_evallist_unknown_function(dml):
    out, err, rc = dml('n = "no" + "such"\nL = evalList(n, list(1))\n')
    assert rc == 1 and "Function '.defaultNS::nosuch'" in err and "is non-existing" in err


# ------------------------------------------------------------------ 2 and 7. source()
def _lib(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "scripts" / "mylib").mkdir(parents=True)
    (tmp_path / "scripts" / "mylib" / "half.dml").write_text(
        "half = function(Double a) return (Double h) {\n  h = a / 2\n}\n")


def test_source_lookup_as_systemds(dml_out, tmp_path, monkeypatch):
    _lib(tmp_path)
    monkeypatch.chdir(tmp_path)
    out = dml_out('source("scripts/nn/util.dml") as util\n'       # the library, as scripts/...
                  'source("nn/layers/relu.dml") as relu\n'         # ... and as nn/...
                  'source("nn/layers/relu.dml") as relu\n'         # the same file again: fine
                  'source("mylib/half.dml") as m\n'                # under ./scripts/
                  'X = matrix("-1 2 -3 4", rows=2, cols=2)\n'
                  "print(toString(relu::forward(X)))\nprint(m::half(5))\n"
                  "print(toString(util::channel_sums(X, 2, 1, 1)))\n")
    assert out == "0.000 2.000\n0.000 4.000\n\n2.5\n-4.000\n6.000\n\n"


def test_source_lookup_from_a_subfolder_script(tmp_path, monkeypatch, capsys):
    from dmlpy.cli import run_cli
    _lib(tmp_path)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sub" / "a.dml").write_text('source("mylib/half.dml") as m\nsource("nn/layers/relu.dml") as r\n'
                                           "print(m::half(3))\n")
    assert run_cli("sub/a.dml", None, {}) == 0
    assert capsys.readouterr().out == "1.5\n"


def test_missing_source_lists_every_place(dml, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out, err, rc = dml('source("nope/x.dml") as z\n')
    assert rc == 1
    assert "cannot find the sourced file 'nope/x.dml' (looked for " in err
    for place in ("nope/x.dml", os.path.join("scripts", "nope", "x.dml"),
                  str(Path(__file__).resolve().parent.parent / "scripts" / "nope" / "x.dml")):
        assert place in err


def test_namespace_bound_to_another_file(dml, tmp_path, monkeypatch):
    # SystemDS: Namespace Conflict: 'T' already defined as ./lib/one.dml
    monkeypatch.chdir(tmp_path)
    (tmp_path / "one.dml").write_text("one = function(Double a) return (Double x) { x = a + 1 }\n")
    (tmp_path / "other.dml").write_text("three = function(Double a) return (Double x) { x = a * 100 }\n")
    out, err, rc = dml('source("one.dml") as T\nsource("./one.dml") as T\nprint(T::one(1))\n')
    assert rc == 0 and out == "2.0\n"
    out, err, rc = dml('source("one.dml") as T\nsource("other.dml") as T\nprint(T::one(1))\n')
    assert rc == 1 and "<string>:2:8: error: namespace 'T' is already bound to 'one.dml'" in err


# ------------------------------------------------------------------ 3. builtin file naming
def test_builtin_files_named_as_systemds(dml_out, tmp_path, monkeypatch):
    """m_f in f.dml is builtin f (f_f for frames); helpers in the same file and other builtins
    are found. Expected values recorded from the same functions run as user functions."""
    (tmp_path / "addone.dml").write_text("m_addone = function(Matrix[Double] X) return (Matrix[Double] Y) "
                                         "{ Y = X + 1 }\n")
    (tmp_path / "twice.dml").write_text(
        "helper = function(Matrix[Double] X) return (Matrix[Double] Y) { Y = addone(X) * 2 - 2 }\n"
        "m_twice = function(Matrix[Double] X) return (Matrix[Double] Y, Double s) {\n"
        "  Y = helper(X)\n  s = sum(Y)\n}\n")
    (tmp_path / "fcount.dml").write_text("f_fcount = function(Frame[Unknown] F) return (Integer n) "
                                         "{ n = nrow(F) }\n")
    monkeypatch.setenv("DMLPY_BUILTIN_PATH", str(tmp_path))
    out = dml_out('X = matrix("1 2 3 4", rows=2, cols=2)\n[Y, s] = twice(X)\nprint(toString(Y))\n'
                  "print(s)\nZ = twice(X)\nprint(sum(Z))\nprint(fcount(as.frame(X)))\n"
                  'L = evalList("twice", list(X))\nprint(as.scalar(L[2]))\n')
    assert out == "2.000 4.000\n6.000 8.000\n\n20.0\n20.0\n2\n20.0\n"


@pytest.mark.skipif(not SDS_BUILTINS.is_dir(), reason="SystemDS's builtin scripts are not unpacked")
def test_systemds_own_builtin_files(dml_out, monkeypatch):
    monkeypatch.setenv("DMLPY_BUILTIN_PATH", str(SDS_BUILTINS))
    out = dml_out(X10 + "[Y, lo] = winsorize(X=X, ql=0.2, qu=0.8, verbose=FALSE)\nprint(toString(Y))\n"
                  "print(toString(lo))\n[PC, V] = pca(X=X, K=1)\nprint(toString(PC))\nprint(toString(V))\n"
                  "A = scale(X=X)\nprint(toString(A))\n")
    assert out == ("1.000 2.000\n3.000 4.000\n5.000 6.000\n7.000 8.000\n7.000 8.000\n\n1.000 2.000\n\n"
                   "-1.789\n-0.894\n0.000\n0.894\n1.789\n\n0.707\n0.707\n\n"
                   "-1.265 -1.265\n-0.632 -0.632\n0.000 0.000\n0.632 0.632\n1.265 1.265\n\n")


def test_default_reading_other_parameters(dml_out, tmp_path, monkeypatch):
    """SystemDS's gridSearch (`numB=ncol(X)`) and xgboost (`R = matrix(1, rows=1, cols=nrow(X))`)
    give defaults that read earlier parameters, computed in the function when left out. (For a
    user function SystemDS 3.4 rejects such defaults at some call sites, inconsistently; dmlpy
    accepts them everywhere.) Expected values recorded with the arguments written out."""
    (tmp_path / "lated.dml").write_text(
        "m_lated = function(Matrix[Double] X, Integer n = ncol(X) + 1,\n"
        "    Matrix[Double] R = matrix(1, rows=1, cols=nrow(X)), Double s = 1) return (Double y) {\n"
        "  y = 0\n  for (i in 1:2) { y = y + n + sum(R) + s }\n}\n")
    monkeypatch.setenv("DMLPY_BUILTIN_PATH", str(tmp_path))
    out = dml_out("X = matrix(1, rows=3, cols=2)\nprint(lated(X))\nprint(lated(X, 10))\n"
                  "print(lated(X=X, s=0.5))\nprint(lated(X=X, R=matrix(5, rows=1, cols=1)))\n")
    assert out == "14.0\n28.0\n13.0\n18.0\n"


def test_evallist_of_a_native_builtin(dml_out):
    # a dmlpy extension (SystemDS 3.4: "Function '.defaultNS::rowSums' (called through eval) is
    # non-existing"); the values are rowSums(X) as the reference prints them
    out = dml_out(X10 + 'n = "row" + "Sums"\nL = evalList(n, list(X))\nprint(length(L))\n'
                  "print(toString(as.matrix(L[1])))\n")
    assert out == "1\n3.000\n7.000\n11.000\n15.000\n19.000\n\n"


def test_error_inside_a_builtin_compiled_at_run_time(dml, tmp_path, monkeypatch):
    (tmp_path / "bad.dml").write_text("m_bad = function(Matrix[Double] X) return (Matrix[Double] Y) {\n"
                                      "  Y = X\n  Y = Y %*% matrix(1, rows=7, cols=1)\n}\n")
    monkeypatch.setenv("DMLPY_BUILTIN_PATH", str(tmp_path))
    out, err, rc = dml('X = matrix(1, rows=2, cols=2)\nn = "ba" + "d"\nY = eval(n, X)\nprint(toString(Y))\n')
    assert rc == 1 and f"{tmp_path / 'bad.dml'}:3:7: error: invalid dimensions for matrix multiplication" in err


def test_eval_spreads_a_list_argument(dml_out):
    # a list is spread over the parameters, by name when it is named, with defaults for what it
    # leaves out, unless the function takes exactly one parameter, a list; evalList's named result
    # feeds eval (SystemDS's normalizeListEvalAll test), through remove() and append()
    out = dml_out(
        "f = function(Double a, Double b = 10, Double c = 100) return (Double y) { y = a + 2 * b + 3 * c }\n"
        "g = function(List[Unknown] L) return (Double n) { n = length(L) }\n"
        'L = list(c=1, a=2)\ny = eval("f", L)\nprint(as.scalar(y))\n'
        'L2 = list(5, 6)\ny = eval("f", L2)\nprint(as.scalar(y))\n'
        'y = eval("g", list(7, 8, 9))\nprint(as.scalar(y))\n'
        'M = list(7, 8, 9)\ny = eval("g", M)\nprint(as.scalar(y))\n'
        'n = "f"\ny = eval(n, L)\nprint(as.scalar(y))\n'
        'X = matrix("1 2 3 4", rows=2, cols=2)\nL = evalList("normalize", X)\n[L, Y] = remove(L, 1)\n'
        'L = append(L, list(X=X))\nY = eval("normalizeApply", L)\nprint(toString(Y))\n')
    assert out == "25.0\n317.0\n3.0\n3.0\n25.0\n0.000 0.000\n1.000 1.000\n\n"


def test_list_append(dml_out):
    # append(L, x): a one-element list is unfolded (with its name into a named list)
    out = dml_out('L = list(a=1)\nL = append(L, list(b=2))\nprint(length(L))\nprint(toString(L))\n'
                  'print(as.scalar(L["b"]))\nM = list(1, 2)\nM = append(M, list(3, 4))\nprint(length(M))\n'
                  "K = list(1)\nK = append(K, list(x=5))\nprint(length(K))\nM = append(M, 7)\n"
                  "print(length(M))\n")
    assert out == "2\nList containing:\n[1, 2]\n2\n3\n2\n4\n"


def test_append_unnamed_to_named_list(dml):
    # SystemDS: "Cannot add to a named list"
    out, err, rc = dml("N = list(a=1)\nN = append(N, 5)\nprint(length(N))\n")
    assert rc == 1 and "cannot add an unnamed element to a named list" in err


def test_names_of_plain_builtin_arguments_are_ignored(dml_out):
    # SystemDS binds its plain builtins by position when an argument is unnamed (bandit.dml:
    # `ifelse(c, a, n = ceil(x);)`, imputeByKNN.dml: `table(i, j, odim1=n, odim2=n)`)
    out = dml_out("print(ifelse(FALSE, 1, n=2))\nprint(max(1, zz=5))\n"
                  "T = table(seq(1,3), seq(1,3), odim1=4, odim2=4)\nprint(toString(T))\n"
                  "T2 = table(seq(1,2), seq(1,2), 3, cols=3)\nprint(sum(T2) + ncol(T2))\n"
                  "print(ifelse(1 >= 2, 3, n = ceil(4/5);))\n")
    assert out == ("2\n5\n1.000 0.000 0.000 0.000\n0.000 1.000 0.000 0.000\n0.000 0.000 1.000 0.000\n"
                   "0.000 0.000 0.000 0.000\n\n5.0\n1.0\n")


def test_misnamed_argument_of_a_parameterized_builtin_is_an_error(dml):
    out, err, rc = dml('print(toString(matrix(1, rows=1, cols=1), decmal=2))\n')
    assert rc == 1 and "has no parameter named 'decmal'" in err


# ------------------------------------------------------------------ issue 14: SystemDS's builtin test scripts
def test_multi_assignment_with_one_target(dml_out):
    # intersect.dml's test: `[set] = intersect(X = A, Y = B)` binds the single result
    out = dml_out('f = function(Matrix[Double] X) return (Matrix[Double] R) { R = X * 2 }\n'
                  'A = matrix("1 2 3 4", rows=2, cols=2)\n[s] = f(A)\nprint(toString(s))\n')
    assert out == "2.000 4.000\n6.000 8.000\n\n"


def test_multi_assignment_of_one_builtin_or_eval_result(dml_out):
    # documented dmlpy choice: SystemDS refuses a builtin or eval() in a multi-assignment ("can only
    # use user-defined functions"); dmlpy binds the single (first) result
    out = dml_out('f = function(Double x) return (Double y) { y = x * 2 }\n[a] = eval("f", 2)\nprint(a)\n'
                  '[u] = unique(matrix(1, rows=2, cols=2))\nprint(toString(u))\n')
    assert out == "4.0\n1.000\n\n"


def test_list_indexed_with_two_dimensions(dml_out):
    # gridSearch.dml reads `paramValues[j,1]`: SystemDS ignores a list's column index
    out = dml_out('L = list(matrix("1 2 3", rows=3, cols=1), matrix("4 5", rows=2, cols=1), 7)\n'
                  'print(toString(as.matrix(L[2,1])))\nprint(toString(L[3,1:1]))\n'
                  'print(length(L[1:2,]))\nprint(toString(as.matrix(L[2,2])))\n')
    assert out == "4.000\n5.000\n\nList containing:\n[7]\n2\n4.000\n5.000\n\n"


def test_named_list_is_in_java_hashmap_order(dml_out):
    # SystemDS keeps list()'s named arguments in a HashMap: hyperband.dml's
    # `as.scalar(args[1])` on list(X=.., y=.., icpt=.., reg=.., tol=.., ...) is tol
    out = dml_out('print(toString(list(b=1, a=2)))\nprint(toString(list(z=1, a=2, m=3, B=4, zz=5)))\n'
                  'L = list(X=1, y=2, icpt=3, reg=4, tol=5, maxi=6, verbose=7, aa=8, bb=9, cc=10, '
                  'dd=11, ee=12, ff=13, gg=14)\nprint(toString(L))\n'
                  'args = list(X=matrix(1, rows=2, cols=1), y=2, icpt=0, reg=1e-7, tol=1e-7, maxi=3, verbose=TRUE)\n'
                  'params = list("reg", "tol")\nsb = matrix("0.5 0.25", rows=1, cols=2)\n'
                  'for (j in 1:2) { args[as.scalar(params[j])] = as.scalar(sb[1, j]) }\n'
                  'print(as.scalar(args[1]))\nprint(as.scalar(args[2]))\nprint(as.scalar(args["icpt"]))\n'
                  'f = function(Double b, Double a) return (Double r) { r = 10*b + a }\n'
                  'print(f(b=as.scalar(list(b=1, a=2)["b"]), a=2))\n')
    assert out == ("List containing:\n[2, 1]\nList containing:\n[5, 2, 4, 1, 3]\nList containing:\n"
                   "[8, 9, 10, 11, 12, 13, 14, 3, 7, 5, 4, 6, 1, 2]\n0.25\n0.5\n0\n12.0\n")


def test_rbind_of_a_list(dml_out):
    # gridSearch.dml (cv=TRUE): `rbind(tmpX)` binds the list's matrices
    out = dml_out('L = list(matrix("1 2", rows=1, cols=2), matrix("3 4 5 6", rows=2, cols=2))\n'
                  'R = rbind(L)\nprint(toString(R))\nprint(nrow(R))\n')
    assert out == "1.000 2.000\n3.000 4.000\n5.000 6.000\n\n3\n"


def test_as_scalar_of_a_matrix_comparison_is_boolean(dml_out, tmp_path):
    # SystemDS rewrites as.scalar(X < Y) to as.scalar(X) < as.scalar(Y) (Hyperband's R output)
    out = dml_out(f'l1 = matrix(1, 1, 1)\nl2 = matrix(2, 1, 1)\nR = as.scalar(l1 < l2)\nprint(R)\n'
                  f'print(R + 1)\nprint(as.scalar(l1 + l2))\nwrite(R, "{tmp_path / "r.txt"}")\n')
    assert out == "TRUE\n2.0\n3.0\n"
    assert (tmp_path / "r.txt").read_text().strip() == "true"


def test_comparison_compared_with_zero_is_its_complement(dml_out):
    # SystemDS rewrites (A op B) == 0 to the complement comparison, which differs for NaN
    # (imputeByMode.dml: `select=(X[, i] < 1)==0`); == FALSE and 0 == (..) are left as they are
    out = dml_out('X = matrix("1 2 3 4", rows=2, cols=2)\nX[1,1] = NaN\nx = as.scalar(X[1,1])\nc = 2\n'
                  'print(toString((X<c)==0))\nprint(toString((X<=c)==0))\nprint(toString((X>c)==0))\n'
                  'print(toString((X<c)==FALSE))\nprint(toString((X<c)==0.0))\nprint(toString(0==(X<c)))\n'
                  'print((x<c)==0)\nprint((x>=c)==0)\n'
                  'if ((x<c)==0) { print("yes") } else { print("no") }\n')
    assert out == ("0.000 1.000\n1.000 1.000\n\n0.000 0.000\n1.000 1.000\n\n0.000 1.000\n0.000 0.000\n\n"
                   "1.000 1.000\n1.000 1.000\n\n0.000 1.000\n1.000 1.000\n\n1.000 1.000\n1.000 1.000\n\n"
                   "FALSE\nFALSE\nno\n")


def test_unique_of_rbind_is_a_union_in_first_occurrence_order(dml_out):
    # SystemDS rewrites unique(rbind(A, B)) to a row union (union.dml); unique() alone is in
    # HashSet order and a column of values
    out = dml_out('A = matrix("3 1 3 2 5 1", rows=6, cols=1)\nB = matrix("7 2 9 1 8", rows=5, cols=1)\n'
                  'print(toString(t(unique(A))))\nprint(toString(t(unique(rbind(A, B)))))\n'
                  'A2 = matrix("3 1 3 2 5 1 3 1 2 4 5 6", rows=6, cols=2)\n'
                  'B2 = matrix("1 2 3 1 9 9", rows=3, cols=2)\nprint(toString(unique(rbind(A2, B2))))\n')
    assert out == ("1.000 2.000 5.000 3.000\n\n3.000 1.000 2.000 5.000 7.000 9.000 8.000\n\n"
                   "3.000 1.000\n3.000 2.000\n5.000 1.000\n2.000 4.000\n5.000 6.000\n1.000 2.000\n"
                   "9.000 9.000\n\n")


def test_unused_assignments_are_not_computed(dml_out):
    # steplm.dml assigns beta_out_all[, 0] to a variable it never reads; SystemDS never computes
    # it. Values read in a later iteration stay live; so do a function's results.
    out = dml_out('X = matrix("1 2 3 4", rows=2, cols=2)\nj = as.scalar(X[1,1]) - 1\nb = X[, j]\n'
                  'i = 0\np = 0\nwhile (i < 2) {\n  if (i > 0) { print("prev " + p) }\n'
                  '  p = as.scalar(X[1, i+1])\n  q = X[, j]\n  i = i + 1\n}\n'
                  'f = function(Matrix[Double] A, Integer k) return (Matrix[Double] R) {\n'
                  '  tmp = A[, k]\n  R = A * 2\n}\nr = f(X, 0)\nprint(sum(r))\ns = 0\n'
                  'for (k in 1:2) {\n  if (k == 2) { print("s " + s) }\n  s = k * 10\n  w = X[k + 5, 1]\n}\n')
    assert out == "prev 1.0\n20.0\ns 10\n"


def test_unused_assignments_keep_compile_time_shape_errors(dml):
    # SystemDS reports `Y = X %*% X` (X 2x3) while compiling, even though Y is never used
    out, err, rc = dml("X = matrix(1, rows=2, cols=3)\nY = X %*% X\nprint(1)\n")
    assert rc == 1 and "k1=3, k2=2" in err


def test_outputs_requested_through_the_api_stay_live():
    import dmlpy
    from dmlpy.errors import DMLRuntimeError
    with pytest.raises(DMLRuntimeError, match="column index 0"):
        dmlpy.run("X = matrix(1, rows=2, cols=2)\nY = X[, 0]\n", outputs=["Y"])
    assert dmlpy.run("X = matrix(1, rows=2, cols=2)\nY = X[, 0]\nZ = sum(X)\n", outputs=["Z"]) == {"Z": 4.0}


def test_explain_shows_no_unused_assignment(tmp_path):
    import subprocess
    import sys
    p = tmp_path / "s.dml"
    p.write_text("X = matrix(1, rows=2, cols=2)\nunused = X[, 0]\nprint(sum(X))\n")
    r = subprocess.run([sys.executable, "-m", "dmlpy", "--explain", str(p)], capture_output=True, text=True)
    assert r.returncode == 0 and "v_unused" not in r.stdout and r.stdout.endswith("4.0\n")


# ------------------------------------------------------------------ INF is a name, NaN and Inf are constants
def test_inf_is_an_ordinary_name(dml_out, dml):
    # SystemDS 3.4: only NaN and Inf are builtin constants; tSNE's x2p assigns INF = 1.0e20
    assert dml_out("INF = 1.0e20\nprint(INF)\nx = matrix(INF, rows=1, cols=2)\n"
                   "print(sum(x == INF))\nprint(Inf)\nprint(-Inf + 1)\nprint(NaN)\n") == \
        "1.0E20\n2.0\nInfinity\n-Infinity\nNaN\n"
    out, err, rc = dml("print(INF)\n")
    assert rc == 1 and "undefined variable 'INF'" in err
    for src in ("NaN = 3\n", "Inf = 2\n", "Inf[1] = 2\n", "[NaN, b] = eigen(matrix(1, 2, 2))\n"):
        out, err, rc = dml(src + "print(1)\n")
        assert rc == 1 and "cannot assign a value to the builtin constant" in err, (src, err)
