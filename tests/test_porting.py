"""Porting tests: SystemDS's OWN DML nn library (layers, optimizers, util) runs unmodified through
dmlpy and gives the reference's numbers.

The drivers in tests/porting/*.dml source the files of the reference's library (unpacked by
`shared/reference/sysds --scripts-dir`), run forward/backward/update on fixed inputs and print the
results. Each driver is a preamble plus self-contained sections opened by print("## <name>"); the
test runs every driver once under the reference and once under dmlpy (section by section when the
whole run fails, so that one broken file does not hide the others) and compares the numbers of each
section with a relative tolerance of 1e-9.

Neither engine accepts a non-literal path in source(), so the drivers source "nn/..." and both
engines run in a scratch directory in which nn/ and scripts/ link to the reference's library
(SystemDS's layers source both "nn/..." and "scripts/nn/util.dml").

Skipped when the reference is not installed (no ~/.cache/dmlpy-reference/venv, no java, or no
shared/reference/sysds) or when DMLPY_PORTING=0. Reference outputs are cached under
~/.cache/dmlpy-reference/porting/, keyed by the driver text, so repeated runs cost only dmlpy's time.
"""
import hashlib
import math
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DRIVERS = ROOT / "tests" / "porting"
SHARED = Path(os.environ.get("DMLPY_SHARED", ROOT.parent / "shared"))
SYSDS = SHARED / "reference" / "sysds"
REF_HOME = Path(os.environ.get("DMLPY_REFERENCE_HOME", Path.home() / ".cache" / "dmlpy-reference"))
RTOL = 1e-9
ATOL = 1e-11          # toString(..., decimal=12) rounds at 1e-12

SECTION = re.compile(r'^print\("## ([\w./-]+)"\)\s*$', re.M)

# sections that dmlpy cannot run yet: name -> reason (kept in step with the coverage table)
KNOWN_DMLPY_FAILURES = {
    "mbconv/skip": "SystemDS's mbconv.dml normalises the output convolution with the depthwise "
                   "stage's 4-channel statistics; with Fout=2 dmlpy's batch_norm2d_backward stops "
                   "on the 4x1 cache_mean (gamma 2x1), the reference silently runs on",
    "alexnet": "max_pool_backward with overlapping windows (3x3, stride 2) where one maximum is "
               "shared by several windows: dmlpy keeps the last window's gradient, the reference "
               "loses some contributions (neither accumulates); conv1/conv2 gradients differ",
    **{f"resnet{n}": "forward agrees; backward goes through the stem's overlapping 3x3/2 max-pool, where "
                     "SystemDS's max_pool_backward drops some windows' gradients (see alexnet)"
       for n in (18, 50)},
    "resnet50/gradients": "agrees to ~1e-8 relative only: two images through 50 batch-normalised "
                          "layers (stage 4 normalises 2 values per channel) amplify the summation "
                          "order (BLAS vs SystemDS's loops); at 16x16 the outputs differ in the "
                          "first digit",
    "resnet34": "forward agrees to 1.3e-9 relative, just past the 1e-9 tolerance: summation order "
                "(BLAS vs SystemDS's loops) accumulated through 34 layers",
}


def reference_available():
    if os.environ.get("DMLPY_PORTING", "1") == "0":
        return False, "DMLPY_PORTING=0"
    if not SYSDS.exists():
        return False, f"no reference launcher at {SYSDS}"
    if not (REF_HOME / "venv").is_dir():
        return False, f"reference not installed ({REF_HOME / 'venv'} missing)"
    if shutil.which("java") is None:
        return False, "java not found"
    return True, ""


AVAILABLE, WHY = reference_available()
pytestmark = pytest.mark.skipif(not AVAILABLE, reason=WHY)


def split_driver(text):
    """(preamble, [(name, section text)]) of a driver."""
    marks = list(SECTION.finditer(text))
    if not marks:
        return text, []
    pre = text[:marks[0].start()]
    secs = []
    for i, m in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        secs.append((m.group(1), text[m.start():end]))
    return pre, secs


def driver_sections():
    out = []
    for path in sorted(DRIVERS.glob("*.dml")):
        _, secs = split_driver(path.read_text())
        out += [(path.name, name) for name, _ in secs if name != "end"]
    return out


def parse_sections(stdout):
    """Section name -> printed lines (up to the next section marker)."""
    res, cur = {}, None
    for line in stdout.splitlines():
        m = re.match(r"^## ([\w./-]+)\s*$", line)
        if m:
            cur = m.group(1)
            res[cur] = []
        elif cur is not None and line.strip():
            if line.startswith("SystemDS Statistics") or line.startswith("Total execution time"):
                cur = None
                continue
            res[cur].append(line.rstrip())
    return res


# ---------------------------------------------------------------- running the engines

_cache = {}


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    """Scratch directory with nn/ and scripts/ linked to the reference's library."""
    r = subprocess.run([str(SYSDS), "--scripts-dir"], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    scripts = Path(r.stdout.strip().splitlines()[-1])
    assert (scripts / "nn" / "layers" / "affine.dml").exists(), scripts
    d = tmp_path_factory.mktemp("porting")
    (d / "nn").symlink_to(scripts / "nn")
    (d / "scripts").symlink_to(scripts)
    return d


def run_reference(workdir, name, text, depends=()):
    """(ok, stdout) of the reference on a driver text; cached on disk by the text and the
    contents of the files in `depends`."""
    material = name + "\0" + text + "".join("\0" + Path(f).read_text() for f in depends)
    key = hashlib.sha256(material.encode()).hexdigest()[:20]
    store = REF_HOME / "porting" / f"{Path(name).stem}-{key}.out"
    if store.exists():
        out = store.read_text()
        return not out.startswith("#FAILED\n"), out.removeprefix("#FAILED\n")
    f = workdir / f"ref_{name}"
    f.write_text(text)
    r = subprocess.run([str(SYSDS), "-f", f.name], cwd=workdir, capture_output=True, text=True,
                       timeout=900)
    out = r.stdout
    ok = r.returncode == 0 and "An Error Occurred" not in out and "## end" in out
    if not ok:
        out = out + "\n" + r.stderr[-3000:]
    store.parent.mkdir(parents=True, exist_ok=True)
    store.write_text(("" if ok else "#FAILED\n") + out)
    return ok, out


def run_dmlpy(workdir, fname, text):
    f = workdir / fname
    f.write_text(text)
    r = subprocess.run([sys.executable, "-m", "dmlpy", f.name], cwd=workdir, capture_output=True,
                       text=True, timeout=900, env={**os.environ, "PYTHONPATH": str(ROOT)})
    return r.returncode, r.stdout, r.stderr


def safe(name):
    return re.sub(r"[^\w.-]", "_", name)


def results(workdir, driver):
    """Per driver, cached: (reference sections, reference errors, dmlpy sections, dmlpy errors).
    An engine that fails on the whole driver is run again section by section (preamble + section)."""
    if driver in _cache:
        return _cache[driver]
    text = (DRIVERS / driver).read_text()
    pre, secs = split_driver(text)
    secs = [(n, b) for n, b in secs if n != "end"]
    stem = Path(driver).stem

    ok, out = run_reference(workdir, driver, text)
    ref_err = {}
    if ok:
        ref = parse_sections(out)
    else:
        ref = {}
        for name, body in secs:
            ok1, out1 = run_reference(workdir, f"{stem}_{safe(name)}.dml", pre + body + 'print("## end")\n')
            ref[name] = parse_sections(out1).get(name, [])
            if not ok1:
                ref_err[name] = out1[-1500:]

    rc, out, err = run_dmlpy(workdir, f"dmlpy_{driver}", text)
    errors = {}
    if rc == 0 and "## end" in out:
        mine = parse_sections(out)
    else:
        mine = {}
        for name, body in secs:
            rc, out, err = run_dmlpy(workdir, f"dmlpy_{stem}_{safe(name)}.dml", pre + body)
            mine[name] = parse_sections(out).get(name, [])
            if rc != 0:
                errors[name] = (err.strip() or out.strip())[-1500:]
    _cache[driver] = (ref, ref_err, mine, errors)
    return _cache[driver]


# ---------------------------------------------------------------- comparing

def _num(tok):
    try:
        return float(tok)
    except ValueError:
        return None


def compare_lines(ref, mine):
    """Messages for the differences between two lists of printed lines (empty when they agree)."""
    msgs = []
    if len(ref) != len(mine):
        msgs.append(f"{len(mine)} lines printed, the reference printed {len(ref)}")
    for i, (a, b) in enumerate(zip(ref, mine)):
        ta, tb = a.split(), b.split()
        if len(ta) != len(tb):
            msgs.append(f"line {i + 1}: reference {a!r}, dmlpy {b!r}")
            continue
        for x, y in zip(ta, tb):
            fx, fy = _num(x), _num(y)
            if fx is None or fy is None:
                if x != y:
                    msgs.append(f"line {i + 1}: reference {a!r}, dmlpy {b!r}")
                    break
                continue
            if math.isnan(fx) and math.isnan(fy):
                continue
            if fx == fy:
                continue
            if not abs(fx - fy) <= RTOL * max(abs(fx), abs(fy)) + ATOL:
                msgs.append(f"line {i + 1}: reference {x} vs dmlpy {y}  ({a[:60]!r})")
                break
        if len(msgs) > 10:
            break
    return msgs


# ---------------------------------------------------------------- the tests

def test_every_library_file_is_covered():
    """Every layer, optimizer and util file of the reference's nn library has a section."""
    r = subprocess.run([str(SYSDS), "--scripts-dir"], capture_output=True, text=True, timeout=600)
    nn = Path(r.stdout.strip().splitlines()[-1]) / "nn"
    wanted = {p.stem for p in (nn / "layers").glob("*.dml")} | {p.stem for p in (nn / "optim").glob("*.dml")}
    wanted.add("util")
    have = {name.split("/")[0] for _, name in driver_sections()}
    assert not sorted(wanted - have), f"files without a porting section: {sorted(wanted - have)}"


@pytest.mark.double_only("numbers of the reference run in double (rel 1e-9)")
@pytest.mark.parametrize("driver,section", driver_sections(),
                         ids=[f"{d[:-4]}:{s}" for d, s in driver_sections()])
def test_section_agrees_with_reference(workdir, driver, section):
    ref, ref_err, mine, errors = results(workdir, driver)
    if section in ref_err:
        pytest.skip(f"the reference itself fails on {section}: "
                    + " ".join(ref_err[section].split())[-300:])
    assert ref.get(section), f"the reference printed nothing in section {section}"
    known = KNOWN_DMLPY_FAILURES.get(section)
    if section in errors:
        if known:
            pytest.xfail(known)
        pytest.fail(f"dmlpy failed in section {section}:\n{errors[section]}")
    msgs = compare_lines(ref[section], mine.get(section, []))
    if msgs and known:
        pytest.xfail(known)
    assert not msgs, f"section {section} differs:\n" + "\n".join(msgs)


# ---------------------------------------------------------------- dmlpy's own library files

OWN_OPTIMIZERS = ("sgd", "sgd_momentum", "sgd_nesterov", "adagrad", "rmsprop", "adam", "adamw",
                  "lars", "lars_util", "scaled_gd", "shampoo")

OWN_NETWORKS = """
source("nn/networks/lenet.dml") as lenet
source("nn/networks/resnet_small.dml") as resnet_small
X = rand(rows=6, cols=2*9*7, seed=1)
Y = table(seq(1, 6), seq(1, 6) %% 3 + 1, 6, 3)
X = X + Y %*% rand(rows=3, cols=2*9*7, seed=2)
print("## lenet")
model = lenet::init(2, 9, 7, 3, 42, 3, 4, 8)
vels = lenet::init_optim(model)
for (it in 1:3) {
  [l, grads, probs] = lenet::gradients(X, Y, model, 2, 9, 7, 1e-3, 1.0, 1)
  [model, vels] = lenet::update(model, grads, vels, 0.05, 0.9)
  print("loss " + l)
}
print(toString(lenet::predict(X, model, 2, 9, 7, 4), decimal=12))
print("## resnet_small")
[model, emas] = resnet_small::init(2, 9, 7, 3, 42, 2)
vels = resnet_small::init_optim(model)
for (it in 1:3) {
  [l, grads, probs, emas] = resnet_small::gradients(X, Y, model, emas, 2, 9, 7, 1e-3)
  [model, vels] = resnet_small::update(model, grads, vels, 0.05, 0.9)
  print("loss " + l)
}
print(toString(resnet_small::predict(X, model, emas, 2, 9, 7, 4), decimal=12))
print("## end")
"""


@pytest.fixture(scope="module")
def mixed_workdir(workdir, tmp_path_factory):
    """nn/layers from the reference's library, nn/optim and nn/networks from dmlpy's."""
    scripts = (workdir / "scripts").resolve()
    d = tmp_path_factory.mktemp("porting_mixed")
    (d / "nn").mkdir()
    (d / "nn" / "layers").symlink_to(scripts / "nn" / "layers")
    (d / "nn" / "util.dml").symlink_to(scripts / "nn" / "util.dml")
    (d / "nn" / "optim").symlink_to(ROOT / "scripts" / "nn" / "optim")
    (d / "nn" / "networks").symlink_to(ROOT / "scripts" / "nn" / "networks")
    (d / "scripts").symlink_to(scripts)
    return d


@pytest.mark.double_only("numbers of the reference run in double (rel 1e-9)")
def test_own_optimizers_give_the_reference_library_numbers(workdir, mixed_workdir):
    """dmlpy's scripts/nn/optim files, run through dmlpy, reproduce what the reference prints for
    its own optimizer files in port_optim.dml."""
    ref, ref_err, _, _ = results(workdir, "port_optim.dml")
    pre, secs = split_driver((DRIVERS / "port_optim.dml").read_text())
    text = pre + "".join(b for n, b in secs if n in OWN_OPTIMIZERS) + 'print("## end")\n'
    rc, out, err = run_dmlpy(mixed_workdir, "own_optim.dml", text)
    assert rc == 0, err
    mine = parse_sections(out)
    for name in OWN_OPTIMIZERS:
        assert name not in ref_err
        msgs = compare_lines(ref[name], mine.get(name, []))
        assert not msgs, f"{name}:\n" + "\n".join(msgs)


@pytest.mark.double_only("numbers of the reference run in double (rel 1e-9)")
def test_own_networks_run_on_the_reference_layers(mixed_workdir):
    """lenet.dml and resnet_small.dml only use the layer interfaces of SystemDS's library: the
    reference runs them on its own layers and prints the numbers dmlpy prints for them."""
    nets = ROOT / "scripts" / "nn" / "networks"
    ok, out = run_reference(mixed_workdir, "own_networks.dml", OWN_NETWORKS,
                            depends=[nets / "lenet.dml", nets / "resnet_small.dml",
                                     ROOT / "scripts" / "nn" / "optim" / "sgd_momentum.dml"])
    assert ok, out[-2000:]
    ref = parse_sections(out)
    rc, out, err = run_dmlpy(mixed_workdir, "own_networks.dml", OWN_NETWORKS)
    assert rc == 0, err
    mine = parse_sections(out)
    for name in ("lenet", "resnet_small"):
        assert ref[name]
        msgs = compare_lines(ref[name], mine.get(name, []))
        assert not msgs, f"{name}:\n" + "\n".join(msgs)


# ---------------------------------------------------------------- dmlpy's own nn/networks files

OWN_NETWORK_DRIVERS = ("port_networks.dml", "port_resnet.dml", "port_alexnet.dml")
# SystemDS's alexnet.dml prints the feature-map sizes from init(); dmlpy's stays quiet
ALEXNET_CHATTER = re.compile(r"^(Input dimensions|After \w+:|Final FC input size)")
_own_cache = {}


def own_network_sections():
    out = []
    for driver in OWN_NETWORK_DRIVERS:
        _, secs = split_driver((DRIVERS / driver).read_text())
        out += [(driver, name) for name, _ in secs if name != "end"]
    return out


def own_results(mixed_workdir, driver):
    """dmlpy on a driver with dmlpy's nn/networks and nn/optim (the reference's layers):
    (sections, errors), section by section when the whole run fails."""
    if driver in _own_cache:
        return _own_cache[driver]
    text = (DRIVERS / driver).read_text()
    rc, out, err = run_dmlpy(mixed_workdir, f"own_{driver}", text)
    errors = {}
    if rc == 0 and "## end" in out:
        mine = parse_sections(out)
    else:
        pre, secs = split_driver(text)
        mine = {}
        for name, body in secs:
            if name == "end":
                continue
            rc, out, err = run_dmlpy(mixed_workdir, f"own_{Path(driver).stem}_{safe(name)}.dml",
                                     pre + body)
            mine[name] = parse_sections(out).get(name, [])
            if rc != 0:
                errors[name] = (err.strip() or out.strip())[-1500:]
    _own_cache[driver] = (mine, errors)
    return _own_cache[driver]


@pytest.mark.double_only("numbers of the reference run in double (rel 1e-9)")
@pytest.mark.parametrize("driver,section", own_network_sections(),
                         ids=[f"own-{d[:-4]}:{s}" for d, s in own_network_sections()])
def test_own_networks_give_the_reference_library_numbers(workdir, mixed_workdir, driver, section):
    """dmlpy's scripts/nn/networks (resnet*, resnet_util, alexnet) print the numbers of SystemDS's
    own files: those of the reference, or, where the engines differ (the overlapping max-pool
    backward of KNOWN_DMLPY_FAILURES) or the reference stops, those of SystemDS's files run
    through dmlpy."""
    ref, ref_err, lib, lib_err = results(workdir, driver)
    mine, errors = own_results(mixed_workdir, driver)
    assert section not in errors, f"dmlpy's networks failed in {section}:\n{errors[section]}"
    assert mine.get(section), f"nothing printed in {section}"
    if section in ref_err or section in KNOWN_DMLPY_FAILURES:
        if section in lib_err or not lib.get(section):
            pytest.skip(f"neither the reference nor its library under dmlpy runs {section}")
        expected, source = lib[section], "SystemDS's library under dmlpy"
    else:
        expected, source = ref[section], "the reference"
    expected = [line for line in expected if not ALEXNET_CHATTER.match(line)]
    msgs = compare_lines(expected, mine[section])
    assert not msgs, f"{section} differs from {source}:\n" + "\n".join(msgs)
