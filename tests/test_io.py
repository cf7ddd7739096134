"""read() / write(): formats, .mtd metadata, files written by SystemDS 3.4, error messages.

Files under tests/data/sysds_io/ were written by the reference (Apache SystemDS 3.4.0, singlenode)
and are read here by dmlpy. The other direction was checked by hand (2026-11): matrices written by
dmlpy as csv (header=TRUE, sep=";"), text, mm and libsvm, frames written as csv (with header and a
STRING,STRING,INT64,FP64 schema) and as text, and double/string scalars were all read back by
`sysds -f` with the same values printed; the data and .mtd files dmlpy writes are byte-identical to
the reference's apart from the "created" time stamp (and binary, which is dmlpy's own format). One
reference quirk is mimicked: a written n x m libsvm matrix reads back as n x (m+1) (label appended).
"""
import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

DATA = Path(__file__).parent / "data" / "sysds_io"

X_DML = 'X = matrix("1 0.5 1e-10 0 -3 123456789 1e20 0.1 2", rows=3, cols=3)\n'


@pytest.fixture
def wd(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _strip_created(text):
    return "\n".join(l for l in text.split("\n") if '"created"' not in l and '"author"' not in l)


# ------------------------------------------------------------------ writing, byte for byte
@pytest.mark.double_only("files written with the double digits of the cells")
@pytest.mark.parametrize("name, fmt, extra", [
    ("x.csv", "csv", ""), ("xh.csv", "csv", ', header=TRUE, sep=";"'), ("x.txt", "text", ""),
    ("x.mtx", "mm", ""), ("x.libsvm", "libsvm", "")])
def test_write_matches_reference(wd, dml_out, name, fmt, extra):
    dml_out(X_DML + f'write(X, "{name}", format="{fmt}"{extra})\n')
    assert (wd / name).read_text() == (DATA / name).read_text()
    ref_mtd = DATA / (name + ".mtd")
    if ref_mtd.exists():
        mine = (wd / (name + ".mtd")).read_text()
        assert _strip_created(mine) == _strip_created(ref_mtd.read_text())
        assert list(json.loads(mine)) == list(json.loads(ref_mtd.read_text()))
    else:  # SystemDS writes no .mtd for Matrix Market files
        assert not (wd / (name + ".mtd")).exists()


def test_write_empty_matrix_and_scalars(wd, dml_out):
    dml_out('Z = matrix(0, rows=2, cols=2)\nwrite(Z, "z.txt", format="text")\n'
            'write(Z, "z.csv", format="csv")\nwrite(Z, "z.mtx", format="mm")\n'
            's = 3.5\nwrite(s, "s.txt")\ni = 42\nwrite(i, "i.txt")\n'
            'st = "hello"\nwrite(st, "str.txt")\nb = TRUE\nwrite(b, "b.txt")\n')
    for name in ("z.txt", "z.csv", "z.mtx", "s.txt", "i.txt", "str.txt", "b.txt"):
        assert (wd / name).read_bytes() == (DATA / name).read_bytes(), name
        if name != "z.mtx":
            assert _strip_created((wd / (name + ".mtd")).read_text()) == \
                _strip_created((DATA / (name + ".mtd")).read_text())


@pytest.mark.double_only("files written with the double digits of the cells")
def test_write_frames_match_reference(wd, dml_out):
    dml_out(X_DML + 'F = as.frame(X)\nwrite(F, "f.csv", format="csv")\nwrite(F, "f.txt", format="text")\n'
            'B = as.frame(matrix("1 0 0 1", rows=2, cols=2))\nwrite(B, "fb.csv", format="csv")\n')
    for name in ("f.csv", "f.txt", "fb.csv"):
        assert (wd / name).read_text() == (DATA / name).read_text(), name
        assert _strip_created((wd / (name + ".mtd")).read_text()) == \
            _strip_created((DATA / (name + ".mtd")).read_text())


@pytest.mark.double_only("files written with the double digits of the cells")
def test_number_texts(wd, dml_out):
    dml_out('W = matrix("-0.0 1 NaN Infinity -Infinity 0.001 1e7 1e-3 9999999", rows=3, cols=3)\n'
            'write(W, "w.csv", format="csv")\n')
    assert (wd / "w.csv").read_text() == "0,1.0,NaN\nInfinity,-Infinity,0.001\n1.0E7,0.001,9999999.0\n"
    md = json.loads((wd / "w.csv.mtd").read_text())
    assert md["nnz"] == 8


# ------------------------------------------------------------------ reading reference files
@pytest.mark.double_only("prints double digits of the cells read")
def test_read_reference_files(wd, dml_out):
    for p in DATA.iterdir():
        shutil.copy(p, wd / p.name)
    out = dml_out('A = read("x.csv")\nB = read("xh.csv")\nC = read("x.txt")\n'
                  'D = read("x.mtx", format="mm")\nE = read("z.txt")\n'
                  'print(sum(A == B) + " " + sum(A == C) + " " + sum(A == D) + " " + sum(E))\n'
                  'print(toString(A[2:3, 3]))\n'
                  's = read("s.txt", data_type="scalar", value_type="double")\n'
                  'i = read("i.txt", data_type="scalar", value_type="int")\n'
                  'b = read("b.txt", data_type="scalar", value_type="boolean")\n'
                  'st = read("str.txt", data_type="scalar", value_type="string")\n'
                  'print(s + 1)\nprint(i + 1)\nprint(b)\nprint(st)\n'
                  'F = read("f.csv")\nprint(toString(F))\nG = read("fg.csv")\nprint(toString(G[1:2,]))\n'
                  'L = read("x.libsvm")\nprint(nrow(L) + "x" + ncol(L))\n')
    assert out == ("9.0 9.0 9.0 0.0\n123456789.000\n2.000\n\n4.5\n43\nTRUE\nhello\n"
                   "# FRAME: nrow = 3, ncol = 3\n# C1 C2 C3\n# FP32 FP32 FP64\n"
                   "1.0 0.5 0.000\n0.0 -3.0 123456789.000\n1.0E20 0.1 2.000\n\n"
                   "# FRAME: nrow = 2, ncol = 4\n# C1 C2 C3 C4\n# STRING STRING STRING STRING\n"
                   "ann NY 30 1.5\nnull LA 40 2.5\n\n3x4\n")


# ------------------------------------------------------------------ round trips
@pytest.mark.parametrize("fmt", ["csv", "text", "mm", "binary"])
def test_matrix_round_trip(wd, dml_out, fmt):
    out = dml_out('X = matrix(seq(1, 210), rows=30, cols=7) / 7 - 15\nX = X * (X > 0) + 1e-12 * (X < -14)\n'
                  f'write(X, "m.dat", format="{fmt}")\n'
                  f'Y = read("m.dat"{", format=" + chr(34) + "mm" + chr(34) if fmt == "mm" else ""})\n'
                  'print(sum(X != Y) + " " + nrow(Y) + " " + ncol(Y))\n')
    assert out == "0.0 30 7\n"


def test_libsvm_round_trip(wd, dml_out):
    out = dml_out('X = matrix("0 1 2 0 3 4", rows=2, cols=3)\nwrite(X, "l.svm", format="libsvm")\n'
                  'Y = read("l.svm")\nprint(toString(Y))\n')
    # like SystemDS: features 1..cols, then the label as the last column
    assert out == "0.000 1.000 0.000 2.000\n0.000 3.000 0.000 4.000\n\n"


@pytest.mark.parametrize("fmt", ["csv", "text", "binary"])
def test_frame_round_trip(wd, dml_out, fmt):
    (wd / "p.csv").write_text("name,city,age,score\nann,NY,30,1.5\nbob,LA,40,2.5\n")
    out = dml_out('F = read("p.csv", data_type="frame", format="csv", header=TRUE, '
                  'schema="STRING,STRING,INT64,FP64")\n'
                  f'write(F, "f.dat", format="{fmt}", header=TRUE)\nG = read("f.dat")\n'
                  'print(toString(G))\n')
    names = "name city age score" if fmt != "text" else "C1 C2 C3 C4"
    assert out == (f"# FRAME: nrow = 2, ncol = 4\n# {names}\n# STRING STRING INT64 FP64\n"
                   "ann NY 30 1.500\nbob LA 40 2.500\n\n")


def test_csv_options(wd, dml_out):
    (wd / "miss.csv").write_text("1,2,3\n4,,6\n7,8,NA\n")
    (wd / "semi.csv").write_text("a;b\n1;2\n3;4\n")
    out = dml_out('M = read("miss.csv", format="csv", naStrings="NA")\nprint(toString(M))\n'
                  'S = read("semi.csv", format="csv", header=TRUE, sep=";")\nprint(sum(S))\n')
    assert out == "1.000 2.000 3.000\n4.000 0.000 6.000\n7.000 8.000 NaN\n\n10.0\n"


def test_read_part_directory(wd, dml_out):
    d = wd / "parts.csv"
    d.mkdir()
    (d / "0-m-00000").write_text("1,2\n3,4\n")
    (d / "0-m-00001").write_text("5,6\n")
    (d / "_SUCCESS").write_text("")
    (wd / "parts.csv.mtd").write_text('{"data_type": "matrix", "rows": 3, "cols": 2, "format": "csv"}')
    assert dml_out('X = read("parts.csv")\nprint(sum(X))\n') == "21.0\n"


def test_large_csv_fast(wd, dml_out):
    X = np.arange(200000, dtype=float).reshape(20000, 10) / 7
    np.savetxt(wd / "big.csv", X, delimiter=",", fmt="%.17g")
    assert dml_out('X = read("big.csv", format="csv")\nprint(nrow(X) + " " + ncol(X))\n') == "20000 10\n"


def test_write_replaces_atomically(wd, dml_out, dml):
    dml_out('X = matrix(1, rows=2, cols=2)\nwrite(X, "a.csv", format="csv")\n')
    before = (wd / "a.csv").read_text()
    out, err, rc = dml('X = matrix(1, rows=2, cols=2)\nwrite(X, "a.csv", format="foo")\n')
    assert rc != 0 and "unknown format 'foo'" in err
    assert (wd / "a.csv").read_text() == before
    assert sorted(os.listdir(wd)) == ["a.csv", "a.csv.mtd"]


# ------------------------------------------------------------------ errors
@pytest.mark.parametrize("content, script, msg", [
    (None, 'X = read("nope.csv", format="csv")', "the file 'nope.csv' does not exist"),
    ("1,2,3\n4,5\n", 'X = read("bad.csv", format="csv")', "'bad.csv' line 2: expected 3 values"),
    ("1,2,3\n4,x,6\n", 'X = read("bad.csv", format="csv")', "'bad.csv' line 2, column 2: 'x' is not a number"),
    ("a,b\n1,2\n1,y\n", 'X = read("bad.csv", format="csv", header=TRUE)', "'bad.csv' line 3, column 2"),
    ("1 1 5\n", 'X = read("bad.csv")', "missing or incomplete dimension information for 'bad.csv'"),
    ("1 1 5\n9 1 2\n", 'X = read("bad.csv", format="text", rows=2, cols=2)',
     "'bad.csv' line 2: cell (9, 1) is outside the 2x2 matrix"),
    ("1,2\n", 'X = read("bad.csv", format="xyz")', "unknown format 'xyz'"),
])
def test_read_errors(wd, dml, content, script, msg):
    if content is not None:
        (wd / "bad.csv").write_text(content)
    out, err, rc = dml(script + "\nprint(sum(X))\n")
    assert rc != 0
    assert msg in err, err


def test_mtd_dimension_mismatch(wd, dml):
    (wd / "d.csv").write_text("1,2\n3,4\n")
    (wd / "d.csv.mtd").write_text('{"data_type": "matrix", "rows": 3, "cols": 2, "format": "csv"}')
    out, err, rc = dml('X = read("d.csv")\nprint(sum(X))\n')
    assert rc != 0 and "'d.csv' holds a 2x2 matrix but its metadata or arguments say 3x2" in err


def test_mtd_with_trailing_comma(wd, dml_out):
    # SystemDS's metadata reader accepts a trailing comma (its own datasets/caveman_4_20.ijv.mtd)
    (wd / "g.ijv").write_text("1 1 2.5\n2 2 3\n")
    (wd / "g.ijv.mtd").write_text('{\n "data_type": "matrix",\n "value_type": "double",\n "rows": 2,\n'
                                  ' "cols": 2,\n "format": "text",\n}\n')
    out = dml_out('X = read("g.ijv")\nprint(toString(X))\nprint(sum(X))\n')
    assert out == "2.500 0.000\n0.000 3.000\n\n5.5\n"


def test_write_ignores_data_type(wd, dml_out):
    # write(..., data_type=) is accepted and ignored by SystemDS: the value's own type is written
    dml_out('X = matrix("1 2 3 4", rows=2, cols=2)\n'
            'write(X, "m2f", data_type="frame", format="csv")\n'
            'write(as.frame(X), "f2m", data_type="matrix", format="csv")\n')
    assert (wd / "m2f").read_text() == "1.0,2.0\n3.0,4.0\n"
    assert json.loads((wd / "m2f.mtd").read_text())["data_type"] == "matrix"
    assert (wd / "f2m").read_text() == "1,2\n3,4\n"
    md = json.loads((wd / "f2m.mtd").read_text())
    assert md["data_type"] == "frame" and md["schema"] == "INT32,INT32,"
