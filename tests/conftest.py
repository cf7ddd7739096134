import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("DMLPY_SHARED", ROOT.parent / "shared"))


def pytest_addoption(parser):
    parser.addoption("--precision", choices=["double", "single"], default=None,
                     help="run every dmlpy of the suite (CLI subprocesses, run_cli, dmlpy.run, "
                          "compile_program, the conformance runner) in this precision; single "
                          "skips the tests marked double_only")


def pytest_configure(config):
    # the one switch: DMLPY_PRECISION is read by dmlpy.plan (options() and PlanOptions()), which
    # every in-process run goes through, and subprocesses inherit it
    precision = config.getoption("--precision")
    if precision:
        os.environ["DMLPY_PRECISION"] = precision


def single_precision() -> bool:
    return os.environ.get("DMLPY_PRECISION") == "single"


def pytest_collection_modifyitems(config, items):
    if not single_precision():
        return
    for item in items:
        mark = item.get_closest_marker("double_only")
        if mark is not None:
            reason = mark.args[0] if mark.args else "needs double precision"
            item.add_marker(pytest.mark.skip(reason=f"double only: {reason}"))


def run_dml(text, args=None, capsys=None):
    """Run DML text through the CLI path in-process; returns (stdout, stderr, exit status)."""
    from dmlpy.cli import run_cli
    rc = run_cli(None, text, {k: str(v) for k, v in (args or {}).items()})
    out, err = capsys.readouterr()
    return out, err, rc


@pytest.fixture
def dml(capsys):
    def go(text, args=None):
        return run_dml(text, args, capsys)
    return go


@pytest.fixture
def dml_out(capsys):
    """Run DML text that must succeed; returns its stdout."""
    def go(text, args=None):
        out, err, rc = run_dml(text, args, capsys)
        assert rc == 0, err
        return out
    return go


@pytest.fixture(scope="module")
def expected(request):
    """The values recorded from SystemDS for the test module's cases: the JSON file its
    EXPECTED_FILE names (read once per file and shared: do not change it)."""
    from reference_util import load_expected
    return load_expected(request.module.EXPECTED_FILE)
