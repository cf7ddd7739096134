"""Records what SystemDS 3.4 prints for the layer sections of the porting drivers, for
tests/test_nn_layers_ext.py (which compares dmlpy's own scripts/nn library with them).

    .venv/bin/python tests/nn/record_reference.py

Needs the reference (shared/reference/sysds). Each driver in DRIVERS is run once under the
reference with its own nn library (as tests/test_porting.py does, sharing its output cache);
every section named after a file of nn/layers (and the util section) is written to
tests/data/nn_reference/<driver stem>/<section>.txt: a header line with the SHA-256 of the text
that produced it (driver preamble + section), then the printed lines.
"""
import hashlib
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))

import test_porting as tp  # noqa: E402

DRIVERS = ("port_basic.dml", "port_conv.dml", "port_seq.dml", "port_composite.dml")
OUT = ROOT / "tests" / "data" / "nn_reference"


# sections recorded in part or not at all: dmlpy's mbconv.dml deliberately differs from
# SystemDS's after the output convolution (see its header), so only the blocks before
# that are compared; SystemDS's mbconv/skip case mixes 4- and 2-channel shapes.
PARTIAL = {"mbconv": re.compile(r"^(Hout|intermediate_outputs\[([1-9]|1[0-2])\]|batchnorm_updates\[[1-8]\])$")}
SKIPPED = {"mbconv/skip"}


def _is_number(tok: str) -> bool:
    try:
        float(tok)
        return True
    except ValueError:
        return False


def select_blocks(lines, keep):
    """The lines of the printed blocks whose name (the first word of the block's first line;
    lines starting with a number continue the block) matches `keep`; all lines when `keep`
    matches the empty string."""
    if keep.match(""):
        return list(lines)
    out, on = [], False
    for line in lines:
        first = line.split()[0] if line.split() else ""
        if not _is_number(first):
            on = bool(keep.match(first))
        if on:
            out.append(line)
    return out


def section_key(pre: str, body: str) -> str:
    return hashlib.sha256((pre + body).encode()).hexdigest()


def wanted(name: str, layer_stems) -> bool:
    return name.split("/")[0] in layer_stems or name == "util"


def main() -> int:
    ok, why = tp.reference_available()
    if not ok:
        print(f"record_reference: the reference is not available ({why})", file=sys.stderr)
        return 1
    import subprocess
    r = subprocess.run([str(tp.SYSDS), "--scripts-dir"], capture_output=True, text=True, timeout=600)
    scripts = Path(r.stdout.strip().splitlines()[-1])
    layer_stems = {p.stem for p in (scripts / "nn" / "layers").glob("*.dml")}
    with tempfile.TemporaryDirectory() as tmp:
        wd = Path(tmp)
        (wd / "nn").symlink_to(scripts / "nn")
        (wd / "scripts").symlink_to(scripts)
        for driver in DRIVERS:
            text = (tp.DRIVERS / driver).read_text()
            pre, secs = tp.split_driver(text)
            ok, out = tp.run_reference(wd, driver, text)
            if not ok:
                print(f"record_reference: the reference fails on {driver}", file=sys.stderr)
                return 1
            printed = tp.parse_sections(out)
            folder = OUT / Path(driver).stem
            folder.mkdir(parents=True, exist_ok=True)
            for name, body in secs:
                if name == "end" or name in SKIPPED or not wanted(name, layer_stems):
                    continue
                lines = printed[name]
                if name in PARTIAL:
                    lines = select_blocks(lines, PARTIAL[name])
                f = folder / (tp.safe(name) + ".txt")
                f.write_text(f"# sha256 {section_key(pre, body)}\n" + "\n".join(lines) + "\n")
                print(f"wrote {f.relative_to(ROOT)} ({len(lines)} lines)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
