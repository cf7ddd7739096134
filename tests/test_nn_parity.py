"""The nn interface parity tool (dmlpy/tools/nn_parity.py): unit tests on small made-up library
trees, and the parity of dmlpy's shipped scripts/nn with SystemDS 3.4's library where that is
installed (~/.cache/dmlpy-reference/jar/scripts/nn, or DMLPY_SYSTEMDS_NN).

layers/ and the top-level util.dml must be at full parity; optim/, networks/ and examples/
(worked on by other engineers) are reported as expected failures while they are not.
"""
import os
from pathlib import Path

import pytest

from dmlpy.tools import nn_parity

REF_HOME = Path(os.environ.get("DMLPY_REFERENCE_HOME", Path.home() / ".cache" / "dmlpy-reference"))
SYSTEMDS_NN = Path(os.environ.get("DMLPY_SYSTEMDS_NN", REF_HOME / "jar" / "scripts" / "nn"))
OWN_NN = Path(__file__).resolve().parent.parent / "scripts" / "nn"


def write(root: Path, rel: str, text: str):
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text)


REF_LAYER = """
# a layer
forward = function(matrix[double] X, double p = 0.5, Integer seed = -1, string mode="train")
    return (matrix[double] out, matrix[double] mask) {
  out = X
  mask = X
}
backward = function(matrix[double] dout, matrix[double] X) return (matrix[double] dX) {
  dX = dout
}
init = function(int N) return (matrix[double] W) { W = matrix(0, rows=N, cols=1) }
"""


@pytest.fixture
def trees(tmp_path):
    ref, mine = tmp_path / "ref", tmp_path / "mine"
    write(ref, "layers/a.dml", REF_LAYER)
    write(ref, "layers/b.dml", "f = function(int x) return (int y) { y = x }\n")
    write(ref, "optim/o.dml", "step = function(matrix[double] X, double lr) return (matrix[double] X) { X = X }\n")
    write(ref, "util.dml", "u = function(int x) return (int y) { y = x }\n")
    write(mine, "util.dml", "u = function(int x) return (int y) { y = x }\nextra = function() { print(1) }\n")
    return ref, mine


def entries_by(entries):
    return {(e.file, e.function, e.kind): e for e in entries}


def test_identical_and_missing(trees):
    ref, mine = trees
    write(mine, "layers/a.dml", REF_LAYER.replace("# a layer", "# my own words"))
    entries, notes = nn_parity.compare_trees(ref, mine)
    got = entries_by(entries)
    assert set(got) == {("layers/b.dml", None, "missing file"), ("optim/o.dml", None, "missing file"),
                        ("util.dml", "extra", "extra")}
    c = nn_parity.counts(entries)
    assert c["layers"] == {"missing files": 1, "missing": 1, "differs": 0, "extra": 0}
    assert c["."]["extra"] == 1 and c["."]["missing"] == 0
    assert nn_parity.failing(entries, ["layers", "."])
    assert nn_parity.failing(entries, ["."]) == []
    assert notes == {}


def test_differences_are_named(trees):
    ref, mine = trees
    write(mine, "layers/a.dml", """
forward = function(matrix[double] X, double q = 0.5, int seed = 1, string mode = "train", int extra = 3)
    return (matrix[double] out, double mask) {
  out = X
  mask = 1
}
backward = function(matrix[double] dout) return (matrix[double] dX) { dX = dout }
""")
    write(mine, "layers/b.dml", "f = function(int x) return (int y) { y = x }\n")
    entries, _ = nn_parity.compare_trees(ref, mine)
    got = entries_by(entries)
    fwd = got[("layers/a.dml", "forward", "differs")].details
    assert any("parameter 2" in d and "double p = 0.5" in d and "double q = 0.5" in d for d in fwd)
    assert any("parameter 3 (seed) default" in d and "-1" in d for d in fwd)
    assert any("result 2" in d and "double mask" in d for d in fwd)
    assert not any("extra parameter" in d for d in fwd)      # trailing, with a default: compatible
    assert got[("layers/a.dml", "backward", "differs")].details == ["missing parameter 2: matrix[double] X"]
    assert ("layers/a.dml", "init", "missing") in got
    assert not any(k[0] == "layers/b.dml" for k in got)


def test_defaults_compare_by_value_and_types_are_normalised(tmp_path):
    ref, mine = tmp_path / "ref", tmp_path / "mine"
    write(ref, "layers/x.dml", 'f = function(Matrix[Double] X, Double e = 1e-8, Boolean t = TRUE, '
                               'Integer k = 2) return (Double y) { y = 1 }\n')
    write(mine, "layers/x.dml", 'f = function(matrix[double] X, double e = 0.00000001, boolean t = TRUE, '
                                'int k = 2.0) return (double y) { y = 1 }\n')
    entries, _ = nn_parity.compare_trees(ref, mine)
    assert entries == []


def test_scan_reads_what_the_parser_rejects(tmp_path):
    ref, mine = tmp_path / "ref", tmp_path / "mine"
    text = ('f = function(matrix[double] X, matrix[double] K = matrix("", rows=0, cols=0), int D)\n'
            '    return (matrix[double] Y) {\n  Y = X\n}\n')
    write(ref, "layers/x.dml", text)
    write(mine, "layers/x.dml", text + "this is not DML ((\n")
    entries, notes = nn_parity.compare_trees(ref, mine)
    assert entries == []
    assert list(notes) == ["dmlpy layers/x.dml"] and notes["dmlpy layers/x.dml"].startswith("scan")
    sig = nn_parity.read_with_scan(mine / "layers/x.dml")["f"]
    assert [p.show() for p in sig.params] == [
        "matrix[double] X", 'matrix[double] K = matrix("", rows=0, cols=0)', "int D"]
    assert [r.show() for r in sig.results] == ["matrix[double] Y"]


def test_command_line(trees, capsys):
    ref, mine = trees
    assert nn_parity.main([str(ref), "--dmlpy", str(mine)]) == 1
    out = capsys.readouterr().out
    assert "missing file  layers/b.dml" in out
    assert out.splitlines()[-1].split() == ["total", "3", "5", "0", "1"]
    assert nn_parity.main([str(ref), "--dmlpy", str(mine), "--folder", ".", "--quiet"]) == 0
    assert nn_parity.main([str(tmp := ref / "nope"), "--dmlpy", str(mine)]) == 2
    assert f"'{tmp}' is not a folder" in capsys.readouterr().err


# ---------------------------------------------------------------- against SystemDS's library

OTHERS = {"optim": "NET", "networks": "NET", "examples": "EX"}


@pytest.fixture(scope="module")
def parity():
    if not (SYSTEMDS_NN / "layers").is_dir():
        pytest.skip(f"SystemDS's nn library not found at {SYSTEMDS_NN}")
    entries, notes = nn_parity.compare_trees(SYSTEMDS_NN, OWN_NN)
    return entries, notes


@pytest.mark.parametrize("folder", ["layers", ".", "optim", "networks", "examples"])
def test_shipped_library_has_systemds_interfaces(parity, folder):
    entries, _ = parity
    bad = nn_parity.failing(entries, [folder])
    if bad and folder in OTHERS:
        pytest.xfail(f"{len(bad)} missing/differing in {folder}/ (being ported by {OTHERS[folder]})")
    assert not bad, "\n" + nn_parity.report(bad, {})


def test_systemds_library_is_read_by_the_parser(parity):
    _, notes = parity
    assert not [k for k in notes if k.startswith("SystemDS")], notes
