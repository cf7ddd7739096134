"""Frames: as.frame type detection, printing, indexing, binding, transformencode/apply/decode.

Every expected text below was recorded with the reference, Apache SystemDS 3.4.0 (`sysds -f`).
"""
import pytest

PEOPLE = "name,city,age,score\nann,NY,30,1.5\nbob,LA,40,2.5\ncid,NY,50,3.5\ndan,SF,60,10\n"
READ = 'F = read("people.csv", data_type="frame", format="csv", header=TRUE)\n'
SPEC = ('jspec = "{\\"ids\\": true, \\"recode\\": [1, 2], \\"dummycode\\": [2], \\"bin\\": '
        '[{\\"id\\": 4, \\"method\\": \\"equi-width\\", \\"numbins\\": 3}]}"\n')


@pytest.fixture
def wd(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "people.csv").write_text(PEOPLE)
    return tmp_path


@pytest.mark.double_only("value types detected from the double value of each cell (0.1 in float32 needs FP64)")
def test_as_frame_types_and_print(dml_out):
    out = dml_out('X = matrix("1 0.5 1e-10 0 -3 123456789 1e20 0.1 2", rows=3, cols=3)\n'
                  'print(toString(as.frame(X)))\n'
                  'print(toString(as.frame(matrix("1 0 0 1", rows=2, cols=2))))\n'
                  'print(toString(as.frame(matrix("1 3000000000 -0.0 NaN", rows=2, cols=2))))\n'
                  'F = as.frame(matrix("1 2 3 4", rows=2, cols=2))\n'
                  'print(toString(cbind(F, as.frame(matrix("1.5 2.5", rows=2, cols=1)))))\n')
    assert out == ("# FRAME: nrow = 3, ncol = 3\n# C1 C2 C3\n# FP32 FP32 FP64\n"
                   "1.0 0.5 0.000\n0.0 -3.0 123456789.000\n1.0E20 0.1 2.000\n\n"
                   "# FRAME: nrow = 2, ncol = 2\n# C1 C2\n# BOOLEAN BOOLEAN\nTRUE FALSE\nFALSE TRUE\n\n"
                   "# FRAME: nrow = 2, ncol = 2\n# C1 C2\n# BOOLEAN FP32\nTRUE 3.0E9\nFALSE NaN\n\n"
                   "# FRAME: nrow = 2, ncol = 3\n# C1 C2 C3\n# INT32 INT32 FP32\n1 2 1.5\n3 4 2.5\n\n")


def test_read_index_bind_print(wd, dml_out):
    out = dml_out(READ + 'print(toString(F))\nprint(toString(F[2:3, 2:3]))\n'
                  'print(toString(rbind(F[1,], F[4,])))\nprint(toString(F, rows=2, cols=2))\n'
                  'print(toString(as.matrix(F[,3:4])))\nprint(as.scalar(F[1,1]))\n'
                  'H = rbind(as.frame(matrix("1 2", rows=1, cols=2)), as.frame(matrix("1.5 2", rows=1, cols=2)))\n'
                  'print(toString(H))\nG = F\nG[2,1] = ""\nprint(toString(G[1:2,1]))\n')
    assert out == ("# FRAME: nrow = 4, ncol = 4\n# name city age score\n# STRING STRING STRING STRING\n"
                   "ann NY 30 1.5\nbob LA 40 2.5\ncid NY 50 3.5\ndan SF 60 10\n\n"
                   "# FRAME: nrow = 2, ncol = 2\n# city age\n# STRING STRING\nLA 40\nNY 50\n\n"
                   "# FRAME: nrow = 2, ncol = 4\n# name city age score\n# STRING STRING STRING STRING\n"
                   "ann NY 30 1.5\ndan SF 60 10\n\n"
                   "# FRAME: nrow = 4, ncol = 4\n# name city\n# STRING STRING\nann NY\nbob LA\n\n"
                   "30.000 1.500\n40.000 2.500\n50.000 3.500\n60.000 10.000\n\nann\n"
                   "# FRAME: nrow = 2, ncol = 2\n# C1 C2\n# FP32 INT32\n1.0 2\n1.5 2\n\n"
                   "# FRAME: nrow = 2, ncol = 1\n# name\n# STRING\nann\n\n\n")


def test_detect_schema_and_typed_read(wd, dml_out):
    out = dml_out(READ + 'print(toString(detectSchema(F)))\n'
                  'F2 = read("people.csv", data_type="frame", format="csv", header=TRUE, '
                  'schema="STRING,STRING,INT64,FP64")\nprint(toString(F2))\n')
    assert out == ("# FRAME: nrow = 1, ncol = 4\n# C1 C2 C3 C4\n# STRING STRING STRING STRING\n"
                   "STRING STRING INT32 FP32\n\n"
                   "# FRAME: nrow = 4, ncol = 4\n# name city age score\n# STRING STRING INT64 FP64\n"
                   "ann NY 30 1.500\nbob LA 40 2.500\ncid NY 50 3.500\ndan SF 60 10.000\n\n")


ENCODED = ("1.000 1.000 0.000 0.000 30.000 1.000\n2.000 0.000 1.000 0.000 40.000 1.000\n"
           "3.000 1.000 0.000 0.000 50.000 1.000\n4.000 0.000 0.000 1.000 60.000 3.000\n\n")


def test_transform_encode_apply_decode(wd, dml_out):
    out = dml_out(READ + SPEC + '[X, M] = transformencode(target=F, spec=jspec)\n'
                  'print(toString(X))\nprint(toString(M))\n'
                  'print(toString(transformapply(target=F, spec=jspec, meta=M)))\n'
                  'print(toString(transformdecode(target=X, spec=jspec, meta=M)))\n')
    # metadata rows follow java.util.HashMap iteration order; codes follow first appearance
    assert out == (ENCODED +
                   "# FRAME: nrow = 4, ncol = 4\n# name city age score\n# STRING STRING STRING STRING\n"
                   "ann\u00b71 SF\u00b73 null 1.5\u00b74.333333333333334\n"
                   "dan\u00b74 LA\u00b72 null 4.333333333333334\u00b77.166666666666667\n"
                   "bob\u00b72 NY\u00b71 null 7.166666666666667\u00b710.0\n"
                   "cid\u00b73 null null null\n\n" + ENCODED +
                   # SystemDS 3.4 leaves recoded, not dummycoded columns null when any column is dummycoded
                   "# FRAME: nrow = 4, ncol = 4\n# name city age score\n# STRING STRING FP64 STRING\n"
                   "null NY 30.000 2.916666666666667\nnull LA 40.000 2.916666666666667\n"
                   "null NY 50.000 2.916666666666667\nnull SF 60.000 8.583333333333334\n\n")


def test_transform_by_names(wd, dml_out):
    out = dml_out(READ + 'jspec = "{\\"recode\\": [\\"name\\", \\"city\\"]}"\n'
                  '[X, M] = transformencode(target=F, spec=jspec)\nprint(toString(X))\n'
                  'print(toString(M))\nprint(toString(transformdecode(target=X, spec=jspec, meta=M)))\n')
    assert out == ("1.000 1.000 30.000 1.500\n2.000 2.000 40.000 2.500\n3.000 1.000 50.000 3.500\n"
                   "4.000 3.000 60.000 10.000\n\n"
                   "# FRAME: nrow = 4, ncol = 4\n# name city age score\n# STRING STRING STRING STRING\n"
                   "ann\u00b71 SF\u00b73 null null\ndan\u00b74 LA\u00b72 null null\n"
                   "bob\u00b72 NY\u00b71 null null\ncid\u00b73 null null null\n\n"
                   "# FRAME: nrow = 4, ncol = 4\n# name city age score\n# STRING STRING FP64 FP64\n"
                   "ann NY 30.000 1.500\nbob LA 40.000 2.500\ncid NY 50.000 3.500\ndan SF 60.000 10.000\n\n")


def test_frame_errors(wd, dml):
    out, err, rc = dml('K = as.frame(matrix("1.5 2 3 4", rows=2, cols=2))\nK[1,1] = "abc"\nprint(toString(K))\n')
    assert rc != 0 and "cannot store STRING values in the FP32 column 1" in err
    out, err, rc = dml(READ + 'print(toString(as.matrix(F)))\n')
    assert rc != 0 and "'ann', which is not a number" in err
    out, err, rc = dml(READ + '[X, M] = transformencode(target=F, spec="{\\"recode\\": [\\"nope\\"]}")\n'
                       'print(sum(X))\n')
    assert rc != 0 and "column 'nope'" in err


def test_frame_one_index_and_cbind_names(dml_out):
    # reference output (SystemDS 3.4): F[i] selects row i like F[i, ] (also on the left), and
    # cbind keeps the column names unless they would repeat, then C1, C2, ...
    out = dml_out('''F = frame(["a","b","c","d","e","f"], rows=3, cols=2)
print(toString(F[2]))
F[2] = frame(["x","y"], rows=1, cols=2)
print(toString(F[2:3]))
G = map(F[,1], "x -> x + \\"z\\"")
jspec = "{ids: true, recode: [1]}"
[X, M] = transformencode(target=F[,2], spec=jspec)
D = transformdecode(target=X, spec=jspec, meta=M)
print(toString(colnames(cbind(G, D))))
print(toString(colnames(cbind(F, F))))
''')
    assert out == ("# FRAME: nrow = 1, ncol = 2\n# C1 C2\n# STRING STRING\nc d\n\n"
                   "# FRAME: nrow = 2, ncol = 2\n# C1 C2\n# STRING STRING\nx y\ne f\n\n"
                   "# FRAME: nrow = 1, ncol = 2\n# C1 C2\n# STRING STRING\nC1 C2\n\n"
                   "# FRAME: nrow = 1, ncol = 4\n# C1 C2 C3 C4\n# STRING STRING STRING STRING\n"
                   "C1 C2 C3 C4\n\n")


def test_recode_ids_past_the_last_column_are_skipped(dml_out):
    # reference output: SystemDS ignores recode ids beyond ncol (titanic's tfspec names the label)
    out = dml_out('''F = frame(["a","1","c","2","a","3"], rows=3, cols=2)
[X, M] = transformencode(target=F, spec="{ids: true, recode: [1, 3]}")
print(toString(X))
print(toString(M))
X4 = transformapply(target=F, spec="{ids: true, recode: [1, 3]}", meta=M)
print(toString(X4))
''')
    assert out == ("1.000 1.000\n2.000 2.000\n1.000 3.000\n\n"
                   "# FRAME: nrow = 2, ncol = 2\n# C1 C2\n# STRING STRING\na\u00b71 null\nc\u00b72 null\n\n"
                   "1.000 1.000\n2.000 2.000\n1.000 3.000\n\n")


def test_bin_edges_read_null_cells_as_zero(wd, dml_out):
    # reference output: the edges of both bin methods count a null cell as 0; the cell codes NaN
    (wd / "nb.csv").write_text("a,b\n5,5\n,\n7,7\n9,9\n3,3\n")
    out = dml_out('F = read("nb.csv", data_type="frame", format="csv", header=TRUE)\n'
                  '[X, M] = transformencode(target=F, spec="{ids: true, bin: [{id: 1, method: '
                  'equi-width, numbins: 3}, {id: 2, method: equi-height, numbins: 2}]}")\n'
                  'print(toString(X))\nprint(toString(M))\n')
    assert out == ("2.000 1.000\nNaN NaN\n3.000 2.000\n3.000 2.000\n1.000 1.000\n\n"
                   "# FRAME: nrow = 3, ncol = 2\n# a b\n# STRING STRING\n"
                   "0.0\u00b73.0 0.0\u00b75.0\n3.0\u00b76.0 5.0\u00b79.0\n6.0\u00b79.0 null\n\n")


@pytest.mark.double_only("prints double digits of decoded bin values")
def test_bin_decode_interpolates_within_the_bin(dml_out):
    # reference output: a code decodes to its bin's centre plus the fraction of the bin width by
    # which it differs from the nearest whole code (code 0: the first bin's lower edge)
    out = dml_out('F = frame(["3","5","7","9","4","6","8","12"], rows=8, cols=1)\n'
                  'jspec = "{ids:true,bin:[{id:1,method:equi-width,numbins:3}]}"\n'
                  '[X, M] = transformencode(target=F, spec=jspec)\n'
                  'Y = matrix("1 2 3 2.5 1.4 2.7 1.5 0.3", rows=8, cols=1)\n'
                  'print(toString(transformdecode(target=Y, spec=jspec, meta=M)))\n')
    assert out == ("# FRAME: nrow = 8, ncol = 1\n# C1\n# STRING\n4.5\n7.5\n10.5\n9.0\n"
                   "5.699999999999999\n9.600000000000001\n6.0\n3.0\n\n")
