"""The dmlpy command: SystemDS's spellings, -s, --stats, --explain, --version."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "dmlpy", *args], capture_output=True, text=True, cwd=cwd)


def test_script_with_args_and_nvargs(tmp_path):
    s = tmp_path / "a.dml"
    s.write_text('print($1 + " " + $2)\nprint(ifdef($n, 0) * 2)\n')
    r = cli(str(s), "-args", "x", "3")
    assert r.returncode == 0 and r.stdout.splitlines()[0] == "x 3"
    r = cli("-f", str(s), "-args", "a", "b", "-nvargs", "n=21")
    assert r.returncode == 0 and r.stdout.splitlines() == ["a b", "42"]


def test_inline_text():
    r = cli("-s", "print(1+1)")
    assert r.returncode == 0 and r.stdout == "2\n"


def test_stats_and_explain():
    r = cli("-stats", "-s", "X = matrix(1, rows=3, cols=3)\nY = X %*% X\nprint(sum(Y))")
    assert r.returncode == 0 and r.stdout == "27.0\n"
    assert "Heavy hitters" in r.stderr and "%*%" in r.stderr and "matrix" in r.stderr
    r = cli("--explain", "-s", "x = 1 + 2\nprint(x)")
    assert r.returncode == 0 and "def __dml_main__" in r.stdout and r.stdout.endswith("3\n")


def test_version_and_help():
    r = cli("--version")
    assert r.returncode == 0 and "dmlpy" in r.stdout
    r = cli("--help")
    assert r.returncode == 0 and "-nvargs" in r.stdout


def test_hello_example():
    r = cli(str(ROOT / "examples" / "hello.dml"), "-nvargs", "n=3")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("Hello from dmlpy!\nsum(Y) = ")


def test_shipped_scripts_are_found_from_anywhere(tmp_path):
    r = cli("-s", 'source("nn/layers/relu.dml") as relu\nX = matrix("-1 2", rows=1, cols=2)\n'
            'print(toString(relu::forward(X)))', cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("0.000 2.000")


def test_builtin_path_option(tmp_path):
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "triple.dml").write_text("triple = function(double x) return (double y) { y = 3 * x }\n")
    r = cli("--builtin-path", str(lib), "-s", "print(triple(2))")
    assert r.returncode == 0 and r.stdout == "6.0\n", r.stderr
    r = cli("-s", "print(triple(2))")
    assert r.returncode == 1 and "unknown function 'triple'" in r.stderr


def test_packaging_ships_every_dml_file():
    """pyproject's package-data globs (dmlpy._scripts) reach every .dml file under scripts/."""
    import re
    text = (ROOT / "pyproject.toml").read_text()
    globs = re.search(r'"dmlpy._scripts" = \[([^\]]*)\]', text).group(1)
    depth = max(g.count("/") for g in re.findall(r'"([^"]+)"', globs))
    files = list((ROOT / "scripts").rglob("*.dml"))
    assert files
    for f in files:
        assert len(f.relative_to(ROOT / "scripts").parts) - 1 <= depth, f
    assert '"dmlpy._grammar" = ["*.lark"]' in text
