"""Re-record expected.json from the SystemDS reference (needs the reference):

    python tests/data/dml_builtins_slice/record_expected.py [case ...]

Runs each case of tests/test_dml_builtins_slice.py (its PRELUDE + snippet) through SystemDS and
stores the numbers printed under each `### key` marker.
"""
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))
from reference_util import record_slice  # noqa: E402  (the recorder shared by every slice)

if __name__ == "__main__":
    record_slice("test_dml_builtins_slice", HERE / "expected.json", sys.argv[1:])
