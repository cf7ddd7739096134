"""docs/builtins.md: generated from the registry and scripts/builtin, complete, and up to date."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from dmlpy.builtins import docs

REF_BUILTINS = Path("/root/.cache/dmlpy-reference/jar/scripts/builtin")
ROW = re.compile(r"^\| `([^`]+)`(?: \(`[^`]+`\))? \| ([^|]+) \| (.*) \|$")


def rows(text: str) -> dict[str, list[tuple[str, str]]]:
    out: dict[str, list[tuple[str, str]]] = {}
    for line in text.splitlines():
        m = ROW.match(line)
        if m:
            out.setdefault(m.group(1), []).append((m.group(2).strip(), m.group(3).strip()))
    return out


def test_docs_file_is_up_to_date():
    # regenerate with: python -m dmlpy.builtins.docs
    assert docs.doc_path().read_text() == docs.render(), \
        "docs/builtins.md is stale: run python -m dmlpy.builtins.docs"


def test_every_systemds_builtin_listed_once_with_a_status():
    table = rows(docs.render())
    names = set(docs.SYSTEMDS_NATIVE) | set(docs.SYSTEMDS_PARSER) | set(docs.SYSTEMDS_DML)
    assert set(table) == names
    assert len(names) == 170 + 14 + 200           # SystemDS 3.4: enum natives, parser-level, DML
    for name, entries in table.items():
        assert len(entries) == 1, name
        status, note = entries[0]
        assert status == "implemented (native)" or status == "not implemented" or \
            status == f"implemented (DML, scripts/builtin/{name}.dml)", (name, status)
        if status == "not implemented":
            assert len(note) > 10, f"{name}: not implemented without a reason"
        if status.startswith("implemented (DML"):
            assert (Path(docs.__file__).resolve().parents[2] / "scripts" / "builtin"
                    / f"{name}.dml").is_file()


def test_summary_counts_match_the_tables():
    text = docs.render()
    table = rows(text)
    dml = [table[n][0][0] for n in dict.fromkeys(docs.SYSTEMDS_DML)]
    nat = [table[n][0][0] for n in dict.fromkeys(docs.SYSTEMDS_NATIVE)]
    shipped = sum(s.startswith("implemented (DML") for s in dml)
    done = sum(s.startswith("implemented") for s in nat)
    assert f"native builtins {done}/170 implemented" in text
    assert f"DML-bodied builtins {shipped}/200 shipped" in text


def test_status_follows_the_builtin_folder(tmp_path):
    (tmp_path / "abstain.dml").write_text(
        "# mine\nabstain = function(Matrix[Double] X) return (Matrix[Double] Y) { Y = X }\n")
    (tmp_path / "auc.dml").write_text("m_auc = function(Double x) return (Double y) { y = x }\n")
    (tmp_path / "ampute.dml").write_text("helper = function(Double x) return (Double y) { y = x }\n")
    (tmp_path / "myOwn.dml").write_text("myOwn = function(Double x) return (Double y) { y = x }\n")
    text = docs.render(tmp_path)
    table = rows(text)
    assert table["abstain"][0][0] == "implemented (DML, scripts/builtin/abstain.dml)"
    assert table["auc"][0][0] == "implemented (DML, scripts/builtin/auc.dml)"     # SystemDS's m_ prefix
    assert table["ampute"][0] == ("not implemented", "scripts/builtin/ampute.dml does not define `ampute`")
    assert table["als"][0] == ("not implemented", docs.DEFAULT_REASON)
    assert table["xgboostPredict"][0][1] == docs.DML_NOT_IMPLEMENTED["xgboostPredict"]
    assert table["sigmoid"][0][0] == "implemented (native)"          # registry wins over a file
    assert "DML-bodied builtins 2/200 shipped in `scripts/builtin/` (+1 native)" in text
    assert "not SystemDS 3.4 builtins: `myOwn`" in text


def test_documented_differences_and_reasons_name_real_builtins():
    assert set(docs.DIFFERENCES) <= set(docs.SYSTEMDS_DML)
    assert set(docs.DML_NOT_IMPLEMENTED) <= set(docs.SYSTEMDS_DML)
    assert set(docs.NOT_IMPLEMENTED) <= set(docs.SYSTEMDS_NATIVE) | set(docs.SYSTEMDS_PARSER)
    assert all(len(v) > 10 for v in docs.DIFFERENCES.values())


@pytest.mark.skipif(not REF_BUILTINS.is_dir(), reason="SystemDS's builtin library is not unpacked here")
def test_dml_names_match_the_reference_library():
    files = {p.stem for p in REF_BUILTINS.glob("*.dml")}
    # SystemDS 3.4 declares xgboostPredict in its Builtins enum but ships no file for it
    assert files == set(docs.SYSTEMDS_DML) - {"xgboostPredict"}
