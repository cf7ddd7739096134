"""Records what SystemDS 3.4 prints for the optimizer and network sections of the porting
drivers, for tests/test_nn_networks.py (which compares dmlpy's shipped scripts/nn with them).

    .venv/bin/python tests/nn/record_networks_reference.py

Needs the reference (shared/reference/sysds). Each driver in DRIVERS runs once under the
reference with its own nn library (sharing tests/test_porting.py's output cache); the sections
chosen by SELECT are written to tests/data/nn_reference_networks/<driver stem>/<section>.txt:
a header line with the SHA-256 of the text that produced them (driver preamble + section), then
the printed lines (those of the blocks that SELECT keeps; SystemDS's alexnet init() also prints
feature-map sizes, which dmlpy's does not, and these lines are dropped).
"""
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))

import test_porting as tp  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from record_reference import section_key, select_blocks  # noqa: E402,F401 (shared with the layer recorder; used by test_nn_networks too)

OUT = ROOT / "tests" / "data" / "nn_reference_networks"
ALL = re.compile(r"")
# driver -> {section: regex of the printed blocks to keep (None: skip the section)};
# sections not named use ALL. The skipped / partial ones pass through an overlapping max-pool
# backward (KNOWN_DMLPY_FAILURES in tests/test_porting.py) or agree to ~1e-8 only.
SELECT = {
    "port_optim.dml": {},
    "port_networks.dml": {"alexnet": re.compile(r"^(model|probs|loss)$"),
                          "resnet18": re.compile(r"^out$"),
                          "resnet34": None, "resnet50": None},
    "port_resnet.dml": {"resnet50/gradients": None},
    "port_alexnet.dml": {},
}
CHATTER = re.compile(r"^(Input dimensions|After \w+:|Final FC input size)")


def selection(driver, name):
    """The block regex for a section, or None when it is not recorded."""
    return SELECT[driver].get(name, ALL)


def main():
    with tempfile.TemporaryDirectory() as d:
        wd = Path(d)
        r = tp.subprocess.run([str(tp.SYSDS), "--scripts-dir"], capture_output=True, text=True)
        scripts = Path(r.stdout.strip().splitlines()[-1])
        (wd / "nn").symlink_to(scripts / "nn")
        (wd / "scripts").symlink_to(scripts)
        for driver in SELECT:
            text = (tp.DRIVERS / driver).read_text()
            pre, secs = tp.split_driver(text)
            ok, out = tp.run_reference(wd, driver, text)
            printed = tp.parse_sections(out) if ok else {}
            folder = OUT / Path(driver).stem
            folder.mkdir(parents=True, exist_ok=True)
            for name, body in secs:
                keep = selection(driver, name) if name != "end" else None
                if keep is None:
                    continue
                if not ok:
                    ok1, out1 = tp.run_reference(wd, f"{Path(driver).stem}_{tp.safe(name)}.dml",
                                                 pre + body + 'print("## end")\n')
                    if not ok1:
                        print(f"{driver} {name}: the reference fails, not recorded")
                        continue
                    lines = tp.parse_sections(out1).get(name, [])
                else:
                    lines = printed.get(name, [])
                lines = select_blocks([x for x in lines if not CHATTER.match(x)], keep)
                (folder / f"{tp.safe(name)}.txt").write_text(
                    f"# sha256 {section_key(pre, body)}\n" + "\n".join(lines) + "\n")
                print(f"{driver} {name}: {len(lines)} lines")


if __name__ == "__main__":
    main()
