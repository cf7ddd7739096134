"""Re-record expected.json from the SystemDS reference (needs the reference):

    python tests/data/dml_builtins/record_expected.py [case ...]

Runs each case of tests/test_dml_builtins.py (PRELUDE + snippet) through
SystemDS and stores the numbers printed under each `### key` marker.
"""
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))
import test_dml_builtins as T  # noqa: E402
from reference_util import record  # noqa: E402  (shared with the other slices' recorders)

OUT = HERE / "expected.json"


def reference_text(name):
    text = T.PRELUDE + T.ALL_CASES[name]
    if name == "softmax":
        # SystemDS 3.4's own softmax builtin fails to resolve its source()d
        # nn layer; record the nn layer it delegates to instead
        text = 'source("nn/layers/softmax.dml") as sm\n' + text.replace("softmax(", "sm::forward(")
    return text


if __name__ == "__main__":
    record(OUT, sys.argv[1:] or sorted(T.ALL_CASES), reference_text, T.parse_blocks)
