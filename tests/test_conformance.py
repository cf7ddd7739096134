"""The public conformance cases (../shared/conformance): SystemDS 3.4's outputs, run with --strict-exit.
All cases run once; every case of a required category must pass."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("DMLPY_SHARED", ROOT.parent / "shared"))
RUNNER = SHARED / "conformance" / "run.py"

# categories every case of which must pass: all of them, including the separately scored `rng`
REQUIRED = ["print", "arith", "logic", "control", "func", "args", "list", "index", "broadcast",
            "cast", "string", "errors", "matrix", "linalg", "agg", "math", "builtins", "io",
            "frame", "rand", "rng", "dnn"]

pytestmark = pytest.mark.skipif(not RUNNER.is_file(), reason="../shared/conformance not present")


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    out = tmp_path_factory.mktemp("conf") / "results.json"
    cmd = [sys.executable, str(RUNNER), "--impl", f"{sys.executable} -m dmlpy -f {{script}} {{nvargs}}",
           "--strict-exit", "--jobs", "2", "--timeout", "120", "--json", str(out)]
    r = subprocess.run(cmd, capture_output=True, text=True)
    print(r.stdout[-3000:])
    return {c["name"]: c for c in json.loads(out.read_text())}


def test_no_category_left_out(results):
    assert {c["category"] for c in results.values()} <= set(REQUIRED)


@pytest.mark.parametrize("category", REQUIRED)
def test_required_category(results, category):
    cases = [c for c in results.values() if c["category"] == category]
    assert cases, f"no cases of category {category}"
    failed = [f"{c['name']}: {c['message']}" for c in cases if c["status"] != "PASS"]
    assert not failed, "\n".join(failed)
