"""The AlexNet example scripts (scripts/nn/examples) at toy scale: 16x16 images, a narrow network."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EX = ROOT / "scripts" / "nn" / "examples"
TOY = ["C=1", "H=16", "W=16", "classes=4", "n=64", "nval=32", "epochs=1", "width=0.0625",
       "fc=16", "conv1_size=3", "conv1_stride=1", "conv1_pad=1", "pool_pad=1", "lrn=FALSE"]


def run(script, *args):
    p = subprocess.run([sys.executable, "-m", "dmlpy", str(EX / script), "-nvargs", *TOY, *args],
                       capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert p.returncode == 0, p.stdout + p.stderr
    return p.stdout


def test_imagenet_alexnet_trains_and_writes_metrics(tmp_path):
    out = tmp_path / "metrics.csv"
    stdout = run("imagenet_alexnet.dml", "epochs=2", "batch=16", "use_bn=TRUE", "lr=0.05",
                 f"out={out}")
    assert "epoch 1/2" in stdout and "epoch 2/2" in stdout and "top-5" in stdout
    lines = out.read_text().strip().splitlines()
    assert lines[0] == "epoch,lr,train_loss,train_top1,train_top5,val_loss,val_top1,val_top5,seconds"
    assert len(lines) == 3 and all(len(l.split(",")) == 9 for l in lines)


def test_lars_example_prints_the_table(tmp_path):
    out = tmp_path / "lars.csv"
    stdout = run("Example-ImageNet_AlexNet_LARS.dml", "batches=16,32", f"tmpdir={tmp_path}",
                 f"out={out}")
    table = stdout[stdout.index("batch | optimizer"):].splitlines()
    rows = [l for l in table[1:] if "|" in l]
    assert [r.split("|")[0].strip() for r in rows] == ["16", "16", "32", "32"]
    assert [r.split("|")[1].strip() for r in rows] == ["sgd_momentum", "lars"] * 2
    assert rows[0].split("|")[-1].strip() == "1.0"          # speed-up of the first batch size
    assert len(out.read_text().strip().splitlines()) == 5


def test_optimizers_example_prints_the_summary(tmp_path):
    stdout = run("Example-ImageNet_AlexNet_Optimizers.dml", "batch=32", "lr_adam=0.003")
    table = stdout[stdout.index("optimizer    | lr"):].splitlines()
    names = [l.split("|")[0].strip() for l in table[1:] if "|" in l]
    assert names == ["sgd", "sgd_momentum", "adam", "lars", "lamb", "tvlars"]
    assert "best: top-1 " in stdout and ", time " in stdout


def test_lars_digits_quick_run():
    """The real-data study's smoke run (scikit-learn is an optional dependency)."""
    import importlib.util
    import subprocess
    import sys
    from pathlib import Path
    if importlib.util.find_spec("sklearn") is None:
        import pytest
        pytest.skip("scikit-learn is not installed")
    root = Path(__file__).resolve().parent.parent
    r = subprocess.run([sys.executable, str(root / "examples" / "lars_digits" / "run.py"), "--quick"],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
