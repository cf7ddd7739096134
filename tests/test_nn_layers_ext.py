"""dmlpy's own scripts/nn/layers against SystemDS 3.4's numbers, and gradient checks of the layers
added for parity with SystemDS's library (gelu, selu, silu, softmax2d, the 2-D / softmax
cross-entropy and log-cosh losses, fm, low_rank_affine, conv1d, the depthwise and transposed
convolutions, batch_norm2d_old, bilstm, lstm_staging, attention, multi_attention, bert_layer,
mbconv).

* Reference values: the porting drivers of tests/porting (written for SystemDS's own library)
  are run by dmlpy on its shipped library; every section named after a layer file (and util)
  must print what SystemDS 3.4 printed for it, as recorded in tests/data/nn_reference by
  tests/nn/record_reference.py (relative tolerance 1e-9, as tests/test_porting.py). No reference
  installation is needed. A recording whose driver section has changed since is reported as
  skipped (re-record it).
* Gradient checks of these layers (tests/nn/gradcheck/gc_*_ext.dml, gc_attention.dml,
  gc_mbconv.dml) run with all the others in tests/test_nn_layers.py.
"""
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from test_porting import compare_lines, parse_sections  # the porting tests' own parsing and 1e-9 comparison

ROOT = Path(__file__).resolve().parent.parent
DRIVERS = ROOT / "tests" / "porting"
RECORDED = ROOT / "tests" / "data" / "nn_reference"
GRADCHECK = ROOT / "tests" / "nn" / "gradcheck"


SECTION = re.compile(r'^print\("## ([\w./-]+)"\)\s*$', re.M)


def _load_recorder():
    spec = importlib.util.spec_from_file_location("nn_record_reference", ROOT / "tests" / "nn" / "record_reference.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def split_driver(text):
    marks = list(SECTION.finditer(text))
    pre = text[:marks[0].start()] if marks else text
    secs = {}
    for i, m in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        secs[m.group(1)] = text[m.start():end]
    return pre, secs


def recorded_sections():
    out = []
    for folder in sorted(RECORDED.glob("*")):
        for f in sorted(folder.glob("*.txt")):
            out.append((folder.name + ".dml", f))
    return out


_runs = {}


def dmlpy_output(driver, tmp_path_factory):
    """Sections printed by dmlpy running a whole driver on its shipped library (no nn/ folder in
    the working directory, so source("nn/...") finds scripts/nn), cached per driver."""
    if driver not in _runs:
        wd = tmp_path_factory.mktemp("nn_shipped")
        # no DMLPY_BUILTIN_PATH: a library above a builtin folder named there would be searched
        # before the shipped one
        env = {k: v for k, v in os.environ.items() if k != "DMLPY_BUILTIN_PATH"}
        r = subprocess.run([sys.executable, "-m", "dmlpy", str(DRIVERS / driver)], cwd=wd,
                           capture_output=True, text=True, timeout=600,
                           env={**env, "PYTHONPATH": str(ROOT)})
        _runs[driver] = (r.returncode, parse_sections(r.stdout), r.stderr)
    return _runs[driver]


@pytest.mark.double_only("numbers of the reference run in double")
@pytest.mark.parametrize("driver,record", recorded_sections(),
                         ids=[f"{d[:-4]}:{f.stem}" for d, f in recorded_sections()])
def test_shipped_layers_print_the_reference_numbers(driver, record, tmp_path_factory):
    rec = _load_recorder()
    head, *ref = record.read_text().splitlines()
    pre, secs = split_driver((DRIVERS / driver).read_text())
    name = next((n for n in secs if re.sub(r"[^\w.-]", "_", n) == record.stem), None)
    assert name is not None, f"{driver} has no section for {record.name}"
    if head != f"# sha256 {rec.section_key(pre, secs[name])}":
        pytest.skip(f"{driver} section {name} changed since it was recorded: "
                    "re-run tests/nn/record_reference.py")
    rc, printed, err = dmlpy_output(driver, tmp_path_factory)
    mine = printed.get(name, [])
    if name in rec.PARTIAL:
        mine = rec.select_blocks(mine, rec.PARTIAL[name])
    assert mine or rc == 0, f"dmlpy failed on {driver}:\n{err[-2000:]}"
    msgs = compare_lines(ref, mine)
    assert not msgs, f"section {name} differs:\n" + "\n".join(msgs)


@pytest.mark.double_only("numbers of the reference run in double")
def test_lstm_staging_prints_the_reference_lstm_numbers(tmp_path_factory):
    """SystemDS 3.4 cannot run its own lstm_staging.dml; port_staging.dml feeds it the inputs
    port_seq.dml feeds lstm.dml, so its printed blocks must equal the recorded lstm ones."""
    rec = _load_recorder()
    ref = (RECORDED / "port_seq" / "lstm.txt").read_text().splitlines()[1:]
    rc, printed, err = dmlpy_output("port_staging.dml", tmp_path_factory)
    assert rc == 0, err[-2000:]
    mine = printed["lstm_staging"]
    keep = re.compile(r"^(out_seq|c|dX|dW|db|dout0|dc0|out_last|dX_last|init)$")
    want = rec.select_blocks(ref, keep)
    assert len(want) > 20
    msgs = compare_lines(want, rec.select_blocks(mine, keep))
    assert not msgs, "\n".join(msgs)


# ---------------------------------------------------------------- gradient checks


def test_recorded_reference_covers_every_new_layer():
    """Every layer file dmlpy ships has recorded reference numbers (lstm_staging is checked
    against the lstm ones above)."""
    stems = {p.stem for p in (ROOT / "scripts" / "nn" / "layers").glob("*.dml")}
    recorded = {f.stem for _, f in recorded_sections()}
    assert not sorted(stems - recorded - {"lstm_staging"})
