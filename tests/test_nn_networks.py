"""dmlpy's shipped scripts/nn/optim and scripts/nn/networks (ResNet family, resnet_util, SystemDS's
AlexNet interface) against SystemDS 3.4's numbers, and gradient checks of the residual blocks.

* Reference values: the porting drivers tests/porting/port_{optim,networks,resnet,alexnet}.dml
  (written for SystemDS's own library) run through dmlpy on its shipped library; the sections
  recorded by tests/nn/record_networks_reference.py in tests/data/nn_reference_networks must be
  printed again (relative tolerance 1e-9, as in tests/test_porting.py). No reference installation
  is needed. Values that pass through the overlapping max-pool backward (where the engines
  differ, see KNOWN_DMLPY_FAILURES in tests/test_porting.py) are not recorded; with the reference
  installed, tests/test_porting.py compares those with SystemDS's files run through dmlpy.
* Gradient check: tests/nn/gradcheck/gc_resnet.dml (centred differences).
* AlexNet's LARS trainer (unseeded dropout) and the wrappers of the configurable AlexNet.
"""
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from dmlpy.api import run
from dmlpy.cli import run_cli

ROOT = Path(__file__).resolve().parent.parent
DRIVERS = ROOT / "tests" / "porting"
RECORDED = ROOT / "tests" / "data" / "nn_reference_networks"
GRADCHECK = ROOT / "tests" / "nn" / "gradcheck"
RTOL = 1e-9
ATOL = 1e-11


def _recorder():
    spec = importlib.util.spec_from_file_location(
        "record_networks_reference", ROOT / "tests" / "nn" / "record_networks_reference.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


REC = _recorder()
TP = REC.tp          # tests/test_porting.py: driver splitting, parsing, comparing


def recorded_sections():
    return [(folder.name + ".dml", f) for folder in sorted(RECORDED.glob("*"))
            for f in sorted(folder.glob("*.txt"))]


_runs = {}


def shipped_output(driver, tmp_path_factory):
    """(returncode, sections, stderr) of dmlpy on a whole driver with its shipped library (no
    nn/ folder in the working directory), cached per driver."""
    if driver not in _runs:
        wd = tmp_path_factory.mktemp("nn_networks")
        # only the recorded sections (the others are long and compared elsewhere)
        pre, secs = TP.split_driver((DRIVERS / driver).read_text())
        wanted = {f.stem for d, f in recorded_sections() if d == driver}
        text = pre + "".join(b for n, b in secs if TP.safe(n) in wanted) + 'print("## end")\n'
        (wd / driver).write_text(text)
        env = {k: v for k, v in os.environ.items() if k != "DMLPY_BUILTIN_PATH"}
        r = subprocess.run([sys.executable, "-m", "dmlpy", driver], cwd=wd,
                           capture_output=True, text=True, timeout=900,
                           env={**env, "PYTHONPATH": str(ROOT)})
        _runs[driver] = (r.returncode, TP.parse_sections(r.stdout), r.stderr)
    return _runs[driver]


def test_every_optimizer_and_network_file_is_recorded():
    """Every file of dmlpy's nn/optim and nn/networks that SystemDS also has is exercised by a
    recorded section (named after the file, or file/part)."""
    sysds_files = {"adagrad", "adam", "adamw", "lars", "lars_util", "rmsprop", "scaled_gd", "sgd",
                   "sgd_momentum", "sgd_nesterov", "shampoo", "alexnet", "resnet", "resnet18",
                   "resnet_util"}
    names = {f.stem.split("_")[0] if f.stem.startswith(("resnet_", "alexnet_")) else f.stem
             for _, f in recorded_sections()}
    names |= {f.stem for _, f in recorded_sections()}
    assert not sorted(sysds_files - names)


@pytest.mark.double_only("numbers of the reference run in double")
@pytest.mark.parametrize("driver,record", recorded_sections(),
                         ids=[f"{d[:-4]}:{f.stem}" for d, f in recorded_sections()])
def test_shipped_library_prints_the_reference_numbers(driver, record, tmp_path_factory):
    head, *ref = record.read_text().splitlines()
    pre, secs = TP.split_driver((DRIVERS / driver).read_text())
    name = next((n for n, _ in secs if TP.safe(n) == record.stem), None)
    assert name is not None, f"{driver} has no section for {record.name}"
    body = dict(secs)[name]
    if head != f"# sha256 {REC.section_key(pre, body)}":
        pytest.skip(f"{driver} section {name} changed since it was recorded: "
                    "re-run tests/nn/record_networks_reference.py")
    rc, printed, err = shipped_output(driver, tmp_path_factory)
    mine = REC.select_blocks(printed.get(name, []), REC.selection(driver, name))
    assert mine, f"dmlpy printed nothing for {name} (exit {rc}):\n{err[-2000:]}"
    msgs = TP.compare_lines(ref, mine)
    assert not msgs, f"section {name} differs:\n" + "\n".join(msgs)


@pytest.mark.double_only("float64 finite differences")
def test_gradcheck_residual_blocks(capsys):
    rc = run_cli(str(GRADCHECK / "gc_resnet.dml"), None, {})
    out, err = capsys.readouterr()
    assert rc == 0, out + err
    found = dict(re.findall(r"^GRADCHECK (\S+) max_rel_err=(\S+)$", out, re.M))
    assert sorted(found) == ["basic_block", "basic_identity", "bottleneck_block", "reslayer"]
    for block, e in found.items():
        # batch norms in training mode: centred-difference noise ~1e-6 (see gc_resnet.dml)
        assert float(e) < 1e-5, (block, e)


TRAIN = """
source("nn/networks/alexnet.dml") as alexnet
X = sin(matrix(seq(1, 2 * 3 * 67 * 67), rows=2, cols=3 * 67 * 67) * 0.37)
Y = table(seq(1, 2), matrix("1 3", rows=2, cols=1), 2, 3)
[model, losses, accs] = alexnet::train_with_lars(X, Y, X, Y, 3, 67, 67, 3, 2, 2, 0.02, use_bn, 5)
n = length(model)
W8 = as.matrix(model[n - 1])
"""


@pytest.mark.parametrize("use_bn", [False, True])
def test_alexnet_train_with_lars(use_bn):
    """SystemDS's LARS trainer runs (its dropout is unseeded: shapes and ranges only); with batch
    norm the moving averages that forward_with_bn computes end up in the model."""
    res = run(TRAIN, inputs={"use_bn": use_bn}, outputs=["n", "losses", "accs", "W8", "model"])
    assert res["n"] == (36 if use_bn else 16)
    losses, accs = np.asarray(res["losses"]), np.asarray(res["accs"])
    assert losses.shape == (2, 1) and np.all(np.isfinite(losses)) and np.all(losses > 0)
    assert accs.shape == (2, 1) and np.all((accs >= 0) & (accs <= 1))
    assert np.asarray(res["W8"]).shape == (4096, 3)
    if use_bn:
        ema_var1 = np.asarray(res["model"][5])
        assert ema_var1.shape == (96, 1) and not np.allclose(ema_var1, 1.0)


WRAPPERS = """
source("nn/networks/alexnet.dml") as alexnet
source("nn/networks/alexnet_wide.dml") as wide
X = rand(rows=4, cols=2*12*12, seed=5)
Y = table(seq(1, 4), matrix("1 2 3 1", rows=4, cols=1), 4, 3)
[model, arch, emas] = alexnet::init_wide(2, 12, 12, 3, 4, f1=2, f2=3, f3=4, f4=4, f5=3, fc=6,
    use_bn=TRUE, conv1_size=3, conv1_stride=1, conv1_pad=1, pool_pad=1)
[m2, a2, e2] = wide::init(2, 12, 12, 3, 4, f1=2, f2=3, f3=4, f4=4, f5=3, fc=6,
    use_bn=TRUE, conv1_size=3, conv1_stride=1, conv1_pad=1, pool_pad=1)
[p, cache, emas_upd] = alexnet::forward_wide(X, model, arch, emas, "train", 7)
[p2, cache2, emas_upd2] = wide::forward(X, m2, a2, e2, "train", 7)
grads = alexnet::backward_wide(p - Y, cache, model, arch)
grads2 = wide::backward(p2 - Y, cache2, m2, a2)
state = alexnet::init_optim(model, "lamb")
[model, state] = alexnet::update(model, grads, state, arch, "lamb", 0.01, 0, lambda=1e-4)
[loss, top1, top5] = alexnet::evaluate_wide(X, Y, model, arch, emas_upd)
state2 = wide::init_optim(m2, "lamb")
[m2, state2] = wide::update(m2, grads2, state2, arch, "lamb", 0.01, 0, lambda=1e-4)
[loss2, t1, t5] = wide::evaluate(X, Y, m2, a2, emas_upd2)
dW = as.matrix(grads[1])
dW2 = as.matrix(grads2[1])
"""


def test_alexnet_exposes_the_configurable_network():
    """alexnet.dml's init_wide / forward_wide / backward_wide / evaluate_wide / update are
    alexnet_wide.dml's functions."""
    res = run(WRAPPERS, outputs=["p", "p2", "dW", "dW2", "loss", "loss2", "top5", "t5"])
    np.testing.assert_array_equal(res["p"], res["p2"])
    np.testing.assert_array_equal(res["dW"], res["dW2"])
    assert np.asarray(res["p"]).shape == (4, 3)
    assert res["loss"] == res["loss2"] and res["top5"] == res["t5"] == 1.0


def test_alexnet_too_small_input_is_a_clear_error():
    import dmlpy
    with pytest.raises(dmlpy.DMLError) as ei:
        run('source("nn/networks/alexnet.dml") as alexnet\nm = alexnet::init(3, 40, 40, 10, 1)')
    msg = str(ei.value)
    assert "40x40" in msg and "63x63" in msg


SHORTCUT_EMAS = """
source("nn/networks/resnet.dml") as resnet
source("nn/layers/batch_norm2d_old.dml") as bn
g = function(int r, int c, int seed) return (matrix[double] M) {
  M = rand(rows=r, cols=c, pdf="normal", seed=seed)
}
X = g(2, 3 * 16, 1)
W = list(g(2, 3, 2), g(2, 1, 3), g(2, 1, 4), g(2, 18, 5), g(2, 1, 6), g(2, 1, 7),
         g(8, 2, 8), g(8, 1, 9), g(8, 1, 10), g(8, 3, 11), g(8, 1, 12), g(8, 1, 13))
E = list(g(2, 1, 14), 1 + abs(g(2, 1, 15)), g(2, 1, 16), 1 + abs(g(2, 1, 17)),
         g(8, 1, 18), 1 + abs(g(8, 1, 19)), g(8, 1, 20), 1 + abs(g(8, 1, 21)))
[out, Ho, Wo, E_upd, cached, cmv] = resnet::bottleneck_block_forward(X, W, 3, 2, 4, 4, 2, 2, "train", E)
[c4, H4, W4] = resnet::conv1x1_forward(X, as.matrix(W[10]), 3, 8, 4, 4, 2, 2)
[o4, m4, v4, cm4, cv4] = bn::forward(c4, as.matrix(W[11]), as.matrix(W[12]), 8, H4, W4, "train",
    as.matrix(E[7]), as.matrix(E[8]), 0.1, 1e-5)
got_m = as.matrix(E_upd[7])
got_v = as.matrix(E_upd[8])
bn3_m = as.matrix(E_upd[5])
"""


def test_bottleneck_returns_the_shortcut_batch_norm_averages():
    """SystemDS 3.4's bottleneck_block_forward returns the third batch norm's updated moving
    averages in the shortcut's place; dmlpy's returns the shortcut's own (documented in
    resnet.dml)."""
    res = run(SHORTCUT_EMAS, outputs=["got_m", "got_v", "m4", "v4", "bn3_m"])
    np.testing.assert_allclose(res["got_m"], res["m4"], rtol=1e-12)
    np.testing.assert_allclose(res["got_v"], res["v4"], rtol=1e-12)
    assert not np.allclose(res["got_m"], res["bn3_m"])
