"""Transform specs in SystemDS's relaxed JSON, frame map() with Java lambdas, sqrtMatrix.

Every expected text below was recorded with the reference, Apache SystemDS 3.4.0 (`sysds -f`).
"""
import pytest

from dmlpy.builtins.jsonspec import SpecSyntaxError, parse_spec

F3 = ('F = rbind(as.frame(matrix("1 2 3", 1, 3)), as.frame(matrix("4 2 9", 1, 3)))\n'
      'F = rbind(F, as.frame(matrix("1 5 3", 1, 3)))\n')
ENC = '[X, M] = transformencode(target=F, spec="%s")\nprint(toString(X))\nprint(toString(M))\n'
HEAD = "# FRAME: nrow = 2, ncol = 3\n# C1 C2 C3\n# STRING STRING STRING\n"
REC12 = ("1.000 1.000 3.000\n2.000 1.000 9.000\n1.000 2.000 3.000\n\n" + HEAD +
         "1\u00b71 2\u00b71 null\n4\u00b72 5\u00b72 null\n\n")
REC1 = ("1.000 2.000 3.000\n2.000 2.000 9.000\n1.000 5.000 3.000\n\n" + HEAD +
        "1\u00b71 null null\n4\u00b72 null null\n\n")
BIN3 = ("1.000 2.000 1.000\n4.000 2.000 2.000\n1.000 5.000 1.000\n\n" + HEAD +
        "null null 3.0\u00b76.0\nnull null 6.0\u00b79.0\n\n")


@pytest.mark.parametrize("spec, expected", [
    ("{ids:true, recode:[1,2]}", REC12),                       # unquoted keys
    ("{'ids':true, 'recode':[1,2]}", REC12),                   # single quotes
    ('{\\"ids\\":true, \\"recode\\":[1,2],}', REC12),          # trailing comma in an object
    ("{ids:true, recode:[1,2,]}", REC12),                      # trailing comma in an array
    ("{ids:true, /* c */ recode:[1]}", REC1),                  # comments
    ("{ids:true, recode:[1], }", REC1),
    ("{recode:[C1]}", REC1),                                    # bare column names
    ("{'recode':['C1', C2]}", REC12),
    ("{ids:true, recode:[1]} trailing", REC1),                 # text after the object is ignored
    ("{ids:true, bin:[{id:3, method:'equi-width', numbins:2.0}]}", BIN3),
    ("{ids:true, bin:[{id:3, method:EQUI-WIDTH, numbins:2}]}", BIN3),
])
def test_relaxed_transform_specs(dml_out, spec, expected):
    assert dml_out(F3 + ENC % spec) == expected


def test_relaxed_spec_recode_and_bin(dml_out):
    out = dml_out(F3 + ENC % "{ids:true, recode:[1], bin:[{id:3, method:equi-width, numbins:2}]}")
    assert out == ("1.000 2.000 1.000\n2.000 2.000 2.000\n1.000 5.000 1.000\n\n" + HEAD +
                   "1\u00b71 null 3.0\u00b76.0\n4\u00b72 null 6.0\u00b79.0\n\n")


@pytest.mark.parametrize("spec, msg", [
    ("{ids:TRUE, recode:[1]}", "'ids' must be true or false"),      # SystemDS: not 'true' or 'false'
    ("{ids:1, recode:[1]}", "'ids' must be true or false"),
    ("{ids:true recode:[1]}", "expecting either ',' or '}'"),       # SystemDS: the same words
    ("{ids:true, recode:[1,,2]}", "invalid token ','"),
])
def test_relaxed_spec_errors(dml, spec, msg):
    out, err, rc = dml(F3 + ENC % spec)
    assert rc == 1 and "transformencode()" in err and msg in err and "Traceback" not in err


def test_parse_spec_values():
    js = parse_spec("{ids:true, a:[1, -2.5, 1e3, null, false, x-y], 'b c':\"q\\\"t\", d:{e:[]},}")
    assert js == {"ids": True, "a": [1, -2.5, 1000.0, None, False, "x-y"], "b c": 'q"t', "d": {"e": []}}
    with pytest.raises(SpecSyntaxError):
        parse_spec("{a:[1,2}")
    with pytest.raises(SpecSyntaxError):
        parse_spec("")


# ------------------------------------------------------------------ map() with Java lambdas
S2 = 'S = rbind(as.frame("Hello World"), as.frame("abc"))\n'
ONE = "# FRAME: nrow = 2, ncol = 1\n# C1\n# STRING\n"


def col(n, *vals, head=None):
    return (head or f"# FRAME: nrow = {n}, ncol = 1\n# C1\n# STRING\n") + "".join(v + "\n" for v in vals) + "\n"


@pytest.mark.parametrize("lam, expected", [
    ("x -> x.toUpperCase()", ("HELLO WORLD", "ABC")),
    ("x -> x.length()", ("11", "3")),
    ("x -> x.charAt(0)", ("H", "a")),
    ("x -> x.substring(1,3)", ("el", "bc")),
    ('x -> x.split(\\" \\")[0]', ("Hello", "abc")),
    ('x -> x.length() > 5 ? \\"long\\" : \\"short\\"', ("long", "short")),
    ('x -> !x.equals(\\"abc\\") & x.contains(\\"o\\")', ("true", "false")),
    ('x -> x.replaceAll(\\"[^\\\\p{Alnum}]+\\", \\"_\\").toLowerCase()', ("hello_world", "abc")),
])
def test_map_string_lambdas(dml_out, lam, expected):
    assert dml_out(S2 + f'print(toString(map(S, "{lam}")))\n') == col(2, *expected)


def test_map_numbers_and_arithmetic(dml_out):
    out = dml_out('F = as.frame(matrix("1 2 3 4", 2, 2))\n'
                  'print(toString(map(F, "x -> x + 1")))\n'
                  'print(toString(map(F, "x -> Double.parseDouble(x) * 2")))\n'
                  'print(toString(map(F, "x -> Integer.parseInt(x) / 2 + x.length() % 3")))\n'
                  'N = as.frame(matrix("1.5 -2 3.25 0", 2, 2))\n'
                  'print(toString(map(N, "x -> x + \\"!\\"")))\n'
                  'print(toString(map(N, "x -> Double.parseDouble(x) / 4")))\n')
    head = "# FRAME: nrow = 2, ncol = 2\n# C1 C2\n# STRING STRING\n"
    assert out == (head + "11 21\n31 41\n\n" + head + "2.0 4.0\n6.0 8.0\n\n" + head + "1 2\n2 3\n\n" +
                   head + "1.5! -2!\n3.25! 0!\n\n" + head + "0.375 -0.5\n0.8125 0.0\n\n")


def test_map_string_methods_more(dml_out):
    out = dml_out('S = rbind(as.frame("Hello, World!"), as.frame("a.b.c"), as.frame("  pad  "))\n'
                  + "".join(f'print(toString(map(S, "{lam}")))\n' for lam in (
                      'x -> x.replaceAll(\\"[.]\\", \\"\\")', 'x -> x.split(\\"[.]\\").length',
                      "x -> x.trim().length()", 'x -> x.indexOf(\\"o\\") + 1', "x -> x.charAt(1) + 1",
                      "x -> (x.length() * 3 - 1) / 2 % 4",
                      'x -> x.toLowerCase().replaceAll(\\"[^\\\\p{Alnum}]+\\", \\" \\").replaceAll(\\"[\\\\s]+\\", \\" \\")',
                      'x -> x.startsWith(\\"a\\") || x.endsWith(\\"!\\")', "x -> Math.max(x.length(), 8) + 0.5")))
    assert out == "".join(col(3, *v) for v in (
        ("Hello, World!", "abc", "  pad  "), ("1", "3", "1"), ("13", "5", "3"), ("5", "0", "0"),
        ("102", "47", "33"), ("3", "3", "2"), ("hello world ", "a b c", " pad "), ("true", "true", "false"),
        ("13.5", "8.5", "8.5")))


DATES = ('D = rbind(as.frame("2021-01-05"), as.frame("2021-02-17"), as.frame("05/03/2021"), '
         'as.frame("2021-12-31"))\n')


def test_map_date_helpers(dml_out):
    out = dml_out(DATES +
                  'print(toString(map(D, "x -> UtilFunctions.getDominantDateFormat(x)", margin=2)))\n'
                  'print(toString(map(D, "x -> UtilFunctions.getTimestamp(x)", margin=2)))\n'
                  'print(toString(map(D, "x -> UtilFunctions.addTimeToDate(x, 1, \\"M\\")")))\n'
                  'print(toString(map(D, "x -> UtilFunctions.addTimeToDate(x, 40, \\"d\\")")))\n'
                  'print(toString(map(D, "x -> UtilFunctions.toMillis(x)")))\n'
                  'E = rbind(as.frame("31 jan 2020 10:15"), as.frame("2020-01-31 23:59:59"), as.frame("20200229"))\n'
                  'print(toString(map(E, "x -> UtilFunctions.addTimeToDate(x, 1, \\"M\\")")))\n'
                  'print(toString(map(E, "x -> UtilFunctions.addTimeToDate(x, 90, \\"m\\")")))\n')
    ts = ("1609804800000", "1613520000000", "1620000000000", "1640908800000")
    # getDominantDateFormat prints each value it counts, as SystemDS 3.4 does ("tmp <value>")
    tmp = "".join(f"tmp {d}\n" for d in ("2021-01-05", "2021-02-17", "05/03/2021", "2021-12-31"))
    assert out == tmp + "".join(col(n, *v) for n, v in (
        (4, ("2021-01-05", "2021-02-17", "2021-05-03", "2021-12-31")), (4, ts),
        (4, ("2021-02-05", "2021-03-17", "06/03/2021", "2022-01-31")),
        (4, ("2021-02-14", "2021-03-29", "06/12/2021", "2022-02-09")), (4, ts),
        (3, ("29 Feb 2020 10:15", "2020-02-29 23:59:59", "20200329")),
        (3, ("31 Jan 2020 11:45", "2020-02-01 01:29:59", "20200229"))))


def test_map_rows_recode_entries_and_jaccard(dml_out):
    out = dml_out('R = cbind(rbind(as.frame("a b c"), as.frame("x y")), rbind(as.frame("a c"), as.frame("x y z")))\n'
                  'print(toString(map(R, "x -> new String[]{String.valueOf(UtilFunctions.getWordErrorRate(x[0], '
                  'x[1])),\\"\\"}", margin=1)))\n'
                  'print(toString(map(R, "x -> new String[]{x[1], x[0]}", margin=1)))\n'
                  '[XX, M] = transformencode(target=rbind(as.frame("apple"), as.frame("pear")), '
                  'spec="{ids:true, recode:[1]}")\n'
                  'print(toString(map(M, "s -> UtilFunctions.splitRecodeEntry(s)[0]")))\n'
                  'print(toString(map(M, "s -> Integer.valueOf(UtilFunctions.splitRecodeEntry(s)[1]) + 10")))\n'
                  'print(toString(map(M, "s -> UtilFunctions.getAsciiAtIdx(s, 2)")))\n'
                  'J = rbind(as.frame("night"), as.frame("nacht"), as.frame("nights"))\n'
                  'print(toString(map(J, "(x, y) -> UtilFunctions.jaccardSim(x, y)")))\n')
    head2 = "# FRAME: nrow = 2, ncol = 2\n# C1 C2\n# STRING STRING\n"
    assert out == (head2 + "0.3333333333333333 \n0.3333333333333333 \n\n" + head2 + "a c a b c\nx y z x y\n\n"
                   + col(2, "apple", "pear") + col(2, "11", "12") + col(2, "112", "101") +
                   "# FRAME: nrow = 3, ncol = 3\n# C1 C2 C3\n# STRING STRING STRING\n"
                   "0.0 0.42857142857142855 0.8333333333333333\n0.0 0.0 0.375\n0.0 0.0 0.0\n\n")


@pytest.mark.parametrize("lam, msg", [
    ("x -> x.getClass()", "getClass() is not supported"),
    ('x -> __import__(\\"os\\")', "__import__() is not supported"),
    ("x -> System.exit(1)", "unknown name 'System'"),
    ("x -> x.length(", "unexpected end of the lambda"),
    ("x + 1", "not a lambda expression"),
    ("x -> y + 1", "unknown name 'y'"),
    ("x -> x.charAt(20)", "out of bounds"),
    ("x -> Integer.parseInt(x)", "NumberFormatException"),
])
def test_map_rejects_what_it_cannot_evaluate(dml, lam, msg):
    out, err, rc = dml(S2 + f'print(toString(map(S, "{lam}")))\n')
    assert rc == 1 and msg in err and "Traceback" not in err


def test_map_bad_margin(dml):
    out, err, rc = dml(S2 + 'print(toString(map(S, "x -> x", margin=3)))\n')
    assert rc == 1 and "margin must be 0" in err


# ------------------------------------------------------------------ sqrtMatrix
def _rows(out):
    return [[float(v) for v in l.split()] for l in out.strip().split("\n") if l.strip()]


@pytest.mark.double_only("double digits of sqrt of matrix cells")
def test_sqrt_matrix_java_and_dml(dml_out):
    out = dml_out('B = matrix("1 2 2 13", 2, 2)\nprint(toString(sqrtMatrixJava(B), decimal=15))\n'
                  'D = matrix("62 14 16 70 14 17 12 29 16 12 27 22 70 29 22 93", 4, 4)\n'
                  'print(toString(sqrtMatrix(D, "COMMON"), decimal=15))\n'
                  'print(toString(sqrtMatrix(D, "DML"), decimal=15))\n')
    got = _rows(out)
    ref_b = [[0.894427190999916, 0.447213595499958], [0.447213595499958, 3.577708763999664]]
    ref_d = [[5.980981634417547, -0.016834420338382, 0.955353433204753, 5.031388984039676],
             [-0.016834420338382, 2.988880255368402, 1.160577553139892, 2.592174987246921],
             [0.955353433204753, 1.160577553139892, 4.844274510947661, 1.128434323917224],
             [5.031388984039676, 2.592174987246921, 1.128434323917224, 7.726085017871675]]
    for g, r in zip(got, ref_b + ref_d + ref_d):
        assert g == pytest.approx(r, rel=1e-9, abs=1e-11)


def test_sqrt_matrix_java_errors(dml):
    for m, msg in (('"1 2 3 4", 2, 2', "symmetric"), ('"1 0 0 -4", 2, 2', "negative eigenvalue"),
                   ('"1 2 3 4 5 6", 2, 3', "square")):
        out, err, rc = dml(f'print(toString(sqrtMatrixJava(matrix({m}))))\n')
        assert rc == 1 and msg in err and "Traceback" not in err
