"""Re-record expected.json from the SystemDS reference (needs the reference):

    python tests/data/dml_builtins_ml/record_expected.py [case ...]

Runs each case of tests/test_dml_builtins_ml.py (its PRELUDE + snippet)
through SystemDS and stores the numbers printed under each `### key` marker
(and the values of `NAME,...,value` statistics lines).
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
import test_dml_builtins_ml as T  # noqa: E402

SYSDS = os.environ.get("SYSDS", "/work/shared/reference/sysds")
OUT = HERE / "expected.json"
SCRIPTS = subprocess.run([SYSDS, "--scripts-dir"], capture_output=True, text=True).stdout.strip()


def run(name):
    with tempfile.NamedTemporaryFile("w", suffix=".dml", delete=False) as f:
        f.write(T.reference_text(name))
    # SystemDS resolves scripts/builtin/ against the working directory, so
    # run in its own scripts folder (not inside this repository)
    p = subprocess.run([SYSDS, "-f", f.name], capture_output=True, text=True, cwd=SCRIPTS)
    os.unlink(f.name)
    text = p.stdout + p.stderr
    if "An Error Occurred" in text or "Exception" in text:
        return name, None, text
    return name, T.parse_output(p.stdout), text


def main():
    names = sys.argv[1:] or sorted(T.ALL_CASES)
    data = json.loads(OUT.read_text()) if OUT.exists() else {}
    with ThreadPoolExecutor(2) as ex:
        for name, blocks, text in ex.map(run, names):
            if blocks is None:
                print(f"FAILED {name}:\n{text[-3000:]}")
                continue
            data[name] = blocks
            print(f"ok {name}: {', '.join(f'{k}[{len(v)}]' for k, v in blocks.items())}")
    OUT.write_text(json.dumps(dict(sorted(data.items())), indent=1) + "\n")


if __name__ == "__main__":
    main()
