"""What the builtin tests share (tests/test_dml_builtins*.py and their record_expected.py scripts
under tests/data/dml_builtins*/): reading the values recorded from SystemDS 3.4 and comparing a
dmlpy run with them; and, for the record scripts, running the cases on the reference.

A case's output is parsed into blocks, {key: [floats]} (see parse_blocks); a key that starts with
`$` holds strings, compared exactly; numbers are compared within (relative, absolute) tolerances.
"""
from __future__ import annotations

import functools
import json
import math
import os
import re
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
TOLERANCE = (1e-9, 1e-11)   # (relative, absolute) where a case names none

_NUM = re.compile(r"^[-+]?(\d+\.?\d*([eE][-+]?\d+)?|\.\d+([eE][-+]?\d+)?|NaN|Infinity|inf|nan)$")


def parse_blocks(text):
    """Marker-delimited blocks -> {key: [floats]}."""
    blocks, cur = {}, None
    for line in text.splitlines():
        if line.startswith("### "):
            cur = line[4:].strip()
            blocks[cur] = []
        elif cur is not None:
            toks = line.split()
            if toks and all(_NUM.match(t.lstrip("-+")) or _NUM.match(t) for t in toks):
                blocks[cur].extend(float(t.replace("Infinity", "inf")) for t in toks)
            elif toks:
                cur = None
    return blocks


def close(a, b, rel=1e-9, abs_=1e-11):
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= max(abs_, rel * max(abs(a), abs(b)))


def compare(got, want, rel=1e-9, abs_=1e-11):
    """Problems of the numeric blocks `got` against `want` (an empty list when they agree)."""
    problems = []
    for key, w in want.items():
        g = got.get(key)
        if g is None:
            problems.append(f"{key}: missing")
        elif len(g) != len(w):
            problems.append(f"{key}: {len(g)} values, expected {len(w)}")
        else:
            bad = [(j, a, b) for j, (a, b) in enumerate(zip(g, w)) if not close(a, b, rel, abs_)]
            if bad:
                problems.append(f"{key}: {len(bad)} mismatches, first {bad[:3]}")
    return problems


def check(got, want, rel=1e-9, abs_=1e-11):
    """compare() for the numeric blocks, plus exact equality for the `$` (string) blocks."""
    problems = compare(got, {k: v for k, v in want.items() if not k.startswith("$")}, rel, abs_)
    problems += [f"{k}: got {got.get(k)}, expected {v}" for k, v in want.items()
                 if k.startswith("$") and got.get(k) != v]
    return problems


def single_precision() -> bool:
    """Whether the suite runs dmlpy in single precision (pytest --precision single)."""
    return os.environ.get("DMLPY_PRECISION") == "single"


def cases(names, double_only=None):
    """pytest parameters for the case names; those in double_only (name -> reason) are marked
    double_only (skipped under --precision single)."""
    import pytest
    double_only = double_only or {}
    return [pytest.param(n, marks=pytest.mark.double_only(double_only[n])) if n in double_only
            else n for n in names]


def assert_matches(got, want, tolerance=None, ignore=()):
    """Assert that a case's blocks agree with those recorded (keys in `ignore` left out). Under
    --precision single only the blocks, their sizes and the strings are checked: the recorded
    numbers are SystemDS's doubles, which float32 runs meet only to ~1e-7 (iterative builtins
    much less), so the numbers are compared in double precision only (the test is then skipped)."""
    want = {k: v for k, v in want.items() if k not in ignore}
    if single_precision():
        problems = check(got, want, math.inf, math.inf)     # NaN and infinities still agree
        assert not problems, "\n".join(problems)
        import pytest
        pytest.skip("double only: numbers recorded from SystemDS in double precision "
                    "(single precision: blocks, sizes and strings checked)")
    problems = check(got, want, *(tolerance or TOLERANCE))
    assert not problems, "\n".join(problems)


@functools.lru_cache(maxsize=None)
def _load(path: str) -> dict:
    return json.loads(Path(path).read_text())


def load_expected(path) -> dict:
    """The recorded blocks of every case in an expected.json, read once (shared: do not change)."""
    return _load(str(path))


# ------------------------------------------------------------------ recording (needs the reference)
SYSDS = os.environ.get("SYSDS", "/work/shared/reference/sysds")


@functools.lru_cache(maxsize=None)
def _scripts_dir() -> str:
    return subprocess.run([SYSDS, "--scripts-dir"], capture_output=True, text=True).stdout.strip()


def run_reference(name, text, parse):
    """(name, parsed blocks or None, output) of one script run on the reference."""
    with tempfile.NamedTemporaryFile("w", suffix=".dml", delete=False) as f:
        f.write(text)
    # run in SystemDS's own scripts folder: SystemDS resolves scripts/builtin/ against the working
    # directory (it would pick up dmlpy's scripts inside the repository) and source("nn/...") too
    p = subprocess.run([SYSDS, "-f", f.name], capture_output=True, text=True, cwd=_scripts_dir())
    os.unlink(f.name)
    text = p.stdout + p.stderr
    if "An Error Occurred" in text or "Exception" in text:
        return name, None, text
    return name, parse(p.stdout), text


def record(out, names, text_of, parse):
    """Run the named cases on the reference (two at a time) and merge their blocks into `out`."""
    data = json.loads(out.read_text()) if out.exists() else {}
    with ThreadPoolExecutor(2) as ex:
        for name, blocks, text in ex.map(lambda n: run_reference(n, text_of(n), parse), names):
            if blocks is None:
                print(f"FAILED {name}:\n{text[-3000:]}")
                continue
            data[name] = blocks
            print(f"ok {name}: {', '.join(f'{k}[{len(v)}]' for k, v in blocks.items())}")
    out.write_text(json.dumps(dict(sorted(data.items())), indent=1) + "\n")


def record_slice(module_name: str, out: Path, names) -> None:
    """The body of a slice's record_expected.py: re-record the named cases of the test module
    (all when none are named) with its reference_text and parse_output."""
    import importlib
    T = importlib.import_module(module_name)
    record(out, list(names) or sorted(T.ALL_CASES), T.reference_text, T.parse_output)
