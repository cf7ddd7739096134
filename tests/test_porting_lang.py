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
