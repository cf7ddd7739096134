"""Re-record expected.json from the SystemDS reference (needs the reference):

    python tests/data/dml_builtins_pipe/record_expected.py [case ...]

Runs each case of tests/test_dml_builtins_pipe.py (its PRELUDE + snippet)
through SystemDS and stores the numbers printed under each `### key` marker
and the strings under each `$$$ key` marker.
"""
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))
sys.path.insert(0, str(HERE.parent / "dml_builtins"))
import test_dml_builtins_pipe as T  # noqa: E402
from record_expected import record  # noqa: E402  (the shared recorder of tests/data/dml_builtins)

OUT = HERE / "expected.json"


if __name__ == "__main__":
    record(OUT, sys.argv[1:] or sorted(T.ALL_CASES), T.reference_text, T.parse_output)
