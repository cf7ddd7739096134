"""Re-record expected.json from the SystemDS reference (needs the reference):

    python tests/data/dml_builtins/record_expected.py [case ...]

Runs each case of tests/test_dml_builtins.py (PRELUDE + snippet) through
SystemDS and stores the numbers printed under each `### key` marker.
"""
import json
import os
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))
import test_dml_builtins as T  # noqa: E402

SYSDS = os.environ.get("SYSDS", "/work/shared/reference/sysds")
OUT = HERE / "expected.json"
SCRIPTS = subprocess.run([SYSDS, "--scripts-dir"], capture_output=True, text=True).stdout.strip()


def reference_text(name):
    text = T.PRELUDE + T.ALL_CASES[name]
    if name == "softmax":
        # SystemDS 3.4's own softmax builtin fails to resolve its source()d
        # nn layer; record the nn layer it delegates to instead
        text = 'source("nn/layers/softmax.dml") as sm\n' + text.replace("softmax(", "sm::forward(")
    return text


def run_case(name, text, parse):
    """(name, parsed blocks or None, output) of one script run on the reference."""
    with tempfile.NamedTemporaryFile("w", suffix=".dml", delete=False) as f:
        f.write(text)
    # run in SystemDS's own scripts folder: SystemDS resolves scripts/builtin/
    # against the working directory (it would pick up dmlpy's scripts inside
    # the repository) and source("nn/...") too
    p = subprocess.run([SYSDS, "-f", f.name], capture_output=True, text=True, cwd=SCRIPTS)
    os.unlink(f.name)
    text = p.stdout + p.stderr
    if "An Error Occurred" in text or "Exception" in text:
        return name, None, text
    return name, parse(p.stdout), text


def record(out, names, text_of, parse):
    """Run the named cases on the reference (two at a time) and merge their blocks into `out`."""
    data = json.loads(out.read_text()) if out.exists() else {}
    with ThreadPoolExecutor(2) as ex:
        for name, blocks, text in ex.map(lambda n: run_case(n, text_of(n), parse), names):
            if blocks is None:
                print(f"FAILED {name}:\n{text[-3000:]}")
                continue
            data[name] = blocks
            print(f"ok {name}: {', '.join(f'{k}[{len(v)}]' for k, v in blocks.items())}")
    out.write_text(json.dumps(dict(sorted(data.items())), indent=1) + "\n")


if __name__ == "__main__":
    record(OUT, sys.argv[1:] or sorted(T.ALL_CASES), reference_text, T.parse_blocks)
