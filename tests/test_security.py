"""What a DML script can never do: run Python code through dmlpy's caches, Numba's caches, the Python
installation or the embedding API's names. Each test is a reproducer of an attack that once worked."""
import os
import stat
import sys
from pathlib import Path

import numpy as np
import pytest

import dmlpy
from dmlpy import cache
from dmlpy.parse import astcache, parse

# A protocol-0 pickle that, when unpickled, runs `touch <marker>`.
def _evil_pickle(marker: Path) -> str:
    return f"cos\nsystem\n(S'touch {marker}'\ntR."


@pytest.fixture
def cache_root(tmp_path, monkeypatch):
    root = tmp_path / "cache"
    monkeypatch.setenv("DMLPY_CACHE_DIR", str(root))
    cache._KEY.clear()
    yield root
    cache._KEY.clear()


def _write_via_dml(dml, target, text="cos\\nsystem\\n"):
    return dml(f'write("{text}", "{target}")')


# ---------------------------------------------------------------------- 1. the AST cache
def test_ast_cache_is_json_and_signed(cache_root):
    text = "x = 1 + 2\nprint(x)\n"
    prog = parse(text, "a.dml")
    entry = astcache.entry_path(text, "a.dml", *_stamp())
    assert entry is not None and entry.is_file() and entry.suffix == ".json"
    mac, _, payload = entry.read_bytes().partition(b"\n")
    assert len(mac) == 64 and payload.startswith(b'["Program"')
    assert parse(text, "a.dml") == prog          # loaded back from the cache, same AST
    assert not list(cache_root.rglob("*.pickle"))
    assert stat.S_IMODE((cache_root / "key").stat().st_mode) == 0o600


def _stamp():
    from dmlpy import __version__
    from dmlpy.parse import cache_stamp
    return cache_stamp(), __version__


def test_planted_cache_entry_is_ignored_not_executed(cache_root, tmp_path):
    marker = tmp_path / "pwned"
    text = "y = 41 + 1\n"
    entry = astcache.entry_path(text, "victim.dml", *_stamp())
    entry.parent.mkdir(parents=True, exist_ok=True)
    # a pickle, a forged JSON AST without the key, and a JSON AST with a wrong signature
    for planted in (_evil_pickle(marker).encode(),
                    b'["Program","victim.dml",["L"],["L"]]',
                    b"0" * 64 + b'\n["Program","victim.dml",["L"],["L"]]'):
        entry.write_bytes(planted)
        prog = parse(text, "victim.dml")
        assert len(prog.statements) == 1           # parsed from the text, the entry ignored
    assert not marker.exists()


def test_old_pickle_cache_names_are_never_read(cache_root, tmp_path):
    """The former cache (<sha1>.pickle files) is not consulted at all."""
    import hashlib
    marker = tmp_path / "pwned"
    text = "z = 3\n"
    (cache_root / "ast").mkdir(parents=True)
    h = hashlib.sha1(text.encode()).hexdigest()
    (cache_root / "ast" / f"{h}.pickle").write_text(_evil_pickle(marker))
    parse(text, "old.dml")
    assert not marker.exists()


def test_lark_cache_lives_in_the_signed_cache_root(cache_root):
    import dmlpy.parse as P
    P._PARSER = None
    P.parser()
    files = list((cache_root / "lark").glob("*.lark"))
    assert len(files) == 1 and files[0].with_suffix(".mac").is_file()
    # a planted grammar cache (no valid digest) is deleted before Lark could load it
    files[0].write_bytes(b"planted")
    P._PARSER = None
    P.parser()
    assert files[0].read_bytes() != b"planted"
    P._PARSER = None


def test_scripts_cannot_write_or_read_the_cache(cache_root, dml):
    cache.key(cache_root)
    for target in (cache_root / "ast" / "x.json", cache_root / "key", cache_root / "lark" / "g.lark"):
        out, err, rc = _write_via_dml(dml, target)
        assert rc == 1 and "refusing to write" in err, err
    out, err, rc = dml(f'x = read("{cache_root / "key"}", data_type="scalar", value_type="string")')
    assert rc == 1 and "refusing to read" in err
    assert (cache_root / "key").stat().st_size == 32


# ---------------------------------------------------------------------- 2. Numba's cache and Python
def test_scripts_cannot_write_numba_or_python_code(dml, tmp_path, monkeypatch):
    import dmlpy.kernels
    kernels = Path(dmlpy.kernels.__file__).parent
    numba_dir = tmp_path / "numba-cache"
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(numba_dir))
    import sysconfig
    targets = [kernels / "__pycache__" / "dnn.conv2d-1.py311.nbi",
               numba_dir / "dnn.conv2d-1.py311.nbi",
               tmp_path / "anywhere" / "__pycache__" / "m.cpython-311.pyc",
               tmp_path / "x.pth",
               Path(sysconfig.get_paths()["purelib"]) / "sitecustomize.py",
               Path(dmlpy.__file__).parent / "evil.py",
               Path(sysconfig.get_paths()["stdlib"]) / "evil.txt"]
    for t in targets:
        out, err, rc = _write_via_dml(dml, t)
        assert rc == 1 and "refusing to write" in err, (t, err)
        assert not t.exists()
    assert not numba_dir.exists()


def test_devices_are_never_replaced(dml):
    out, err, rc = _write_via_dml(dml, "/dev/null")
    assert rc == 1 and "not a regular file" in err
    assert stat.S_ISCHR(os.lstat("/dev/null").st_mode)


def test_ordinary_writes_still_work(dml, tmp_path):
    out, err, rc = dml(f'write(matrix(1, rows=2, cols=2), "{tmp_path}/ok.csv", format="csv")')
    assert rc == 0, err
    assert (tmp_path / "ok.csv").read_text() == "1.0,1.0\n1.0,1.0\n" or (tmp_path / "ok.csv").is_file()


# ---------------------------------------------------------------------- 3. API names
@pytest.mark.parametrize("name", ["X=getattr(__import__('os'),'system')('touch {m}')",
                                  "X): import os; os.system('touch {m}'); (", "a b", "1x", "", "ns::x"])
def test_api_input_names_are_validated(name, tmp_path):
    marker = tmp_path / "pwned"
    name = name.format(m=marker)
    with pytest.raises(dmlpy.DMLError, match="not a DML variable name"):
        dmlpy.run("y = 1", inputs={name: 1.0})
    with pytest.raises(dmlpy.DMLError, match="not a DML variable name"):
        dmlpy.run("y = 1", outputs=[name])
    with pytest.raises(dmlpy.DMLError):
        dmlpy.prepare("y = 1", inputs=[name])
    with pytest.raises(dmlpy.DMLError, match="not a DML name"):
        dmlpy.run("y = 1", args={name: 1})
    assert not marker.exists()


def test_api_args_are_values_not_source():
    res = dmlpy.run('y = $a + 1; z = $s + "!"; n = $n * 2; b = !$b',
                    args={"a": np.float64(2.5), "s": np.str_("q"), "n": np.int64(4), "b": np.bool_(True)},
                    outputs=["y", "z", "n", "b"])
    assert res == {"y": 3.5, "z": "q!", "n": 8, "b": False}
    res = dmlpy.run('print($s)', args={"s": "') ; __import__('os').system('true') ; ('"})
    with pytest.raises(dmlpy.DMLError, match="argument"):
        dmlpy.run("y = $a", args={"a": object()})


def test_dotted_and_namespaced_names_do_not_collide(dml_out):
    out = dml_out("a.b = 1; a_dot_b = 2; a_db = 3; a__b = 4; a_b = 5\n"
                  "print(a.b); print(a_dot_b); print(a_db); print(a__b); print(a_b)\n")
    assert out.split() == ["1", "2", "3", "4", "5"]
    out = dml_out("f.a = function(double x) return (double y) { y = x + 1 }\n"
                  "f_a = function(double x) return (double y) { y = x + 100 }\n"
                  "print(f.a(1)); print(f_a(1))\n")
    assert out.split() == ["2.0", "101.0"]


def test_namespaced_name_as_a_variable(dml_out):
    out = dml_out("a::b = 5\nfor (c::d in 1:2) { a::b = a::b + c::d }\n[p::q, r] = f(1)\nprint(a::b + p::q)\n"
                  "f = function(double x::y) return (double u, double v) { u = x::y; v = 2 }\n")
    assert out.split() == ["9.0"]


def test_scripts_cannot_source_the_cache(cache_root, dml):
    cache.key(cache_root)
    out, err, rc = dml(f'source("{cache_root / "key"}") as k\nprint(1)\n')
    assert rc == 1 and "refusing to source" in err
