import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("DMLPY_SHARED", ROOT.parent / "shared"))


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
