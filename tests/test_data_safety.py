"""write() never loses what the user did not ask to replace (issue 13): directories, temporaries of
killed runs, the data/.mtd pair, device nodes; and large writes are streamed in blocks of rows with
SystemDS's exact number texts (recorded from SystemDS 3.4)."""
import os
import signal
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from dmlpy.errors import OpError
from dmlpy.runtime import io, safewrite, textout
from dmlpy.runtime.frame import double_str

ROOT = Path(__file__).resolve().parent.parent


def _hidden(d):
    return sorted(p.name for p in Path(d).iterdir() if p.name.startswith("."))


# ---------------------------------------------------------------------- directories
def test_trailing_slash_names_the_file_and_an_empty_dir_is_replaced(tmp_path):
    # SystemDS 3.4: write(X, "d/") leaves a file 'd' where the (empty or absent) directory was
    X = np.array([[1.0, 2.0], [3.0, 4.0]])
    (tmp_path / "d1").mkdir()
    io.write(X, f"{tmp_path}/d1/", "csv")
    io.write(X, f"{tmp_path}/new/", "csv")
    for name in ("d1", "new"):
        assert (tmp_path / name).is_file()
        assert (tmp_path / name).read_text() == "1.0,2.0\n3.0,4.0\n"
        assert (tmp_path / f"{name}.mtd").is_file()
        np.testing.assert_array_equal(io.read(str(tmp_path / name)), X)
    assert _hidden(tmp_path) == []


def test_a_directory_with_user_files_is_never_deleted(tmp_path, dml):
    d = tmp_path / "results"
    (d / "sub").mkdir(parents=True)
    (d / "notes.txt").write_text("keep me")
    (d / "sub" / "part-00000").write_text("1,2\n")
    for target in (f"{d}/", str(d)):
        out, err, rc = dml(f'write(matrix(1, rows=2, cols=2), "{target}", format="csv")')
        assert rc == 1 and "refusing to replace the directory" in err, err
        assert "Traceback" not in err
    assert (d / "notes.txt").read_text() == "keep me"
    assert (d / "sub" / "part-00000").read_text() == "1,2\n"
    assert not (tmp_path / "results.mtd").exists() and _hidden(tmp_path) == []


def test_a_systemds_part_file_directory_is_replaced(tmp_path):
    # the layout SystemDS 3.4 writes for a binary 3000x1000 matrix (plus Hadoop's marker and checksums)
    d = tmp_path / "B"
    d.mkdir()
    for name in ("0-m-00000", "0-m-00001", ".0-m-00000.crc", "_SUCCESS"):
        (d / name).write_bytes(b"\0\1")
    (tmp_path / "B.mtd").write_text('{"data_type": "matrix", "format": "binary"}')
    io.write(np.eye(2), str(d), "text")
    assert d.is_file() and d.read_text() == "1 1 1.0\n2 2 1.0\n"
    np.testing.assert_array_equal(io.read(str(d)), np.eye(2))
    assert _hidden(tmp_path) == []


def test_root_and_dot_are_not_file_names(tmp_path, monkeypatch):
    with pytest.raises(OpError, match="is a directory"):
        io.write(1.0, "/")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "f.txt").write_text("x")
    with pytest.raises(OpError, match="refusing to replace the directory"):
        io.write(1.0, ".")
    assert (tmp_path / "f.txt").read_text() == "x"


# ---------------------------------------------------------------------- non-regular files
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_no_path_replaces_a_pipe_or_a_socket(tmp_path):
    import socket
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    os.mkfifo(tmp_path / "data.mtd")
    (tmp_path / "link").symlink_to(fifo)
    part = tmp_path / "parts"
    part.mkdir()
    os.mkfifo(part / "part-00000")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(tmp_path / "sock"))
    try:
        for target, why in ((fifo, "not a regular file"), (tmp_path / "data", "not a regular file"),
                            (tmp_path / "link", "not a regular file"), (tmp_path / "sock", "not a regular file"),
                            (part, "refusing to replace the directory")):
            with pytest.raises(OpError, match=why):
                io.write(np.ones((2, 2)), str(target), "csv")
        # the same checks guard the final replacement itself (a pipe planted after the first check)
        fh, tmp = safewrite.open_tmp(str(tmp_path / "late"))
        fh.close()
        os.mkfifo(tmp_path / "late")
        with pytest.raises(OpError, match="not a regular file"):
            safewrite.commit(str(tmp_path / "late"), tmp, None)
    finally:
        sock.close()
    for p in (fifo, tmp_path / "data.mtd", part / "part-00000", tmp_path / "late"):
        assert stat.S_ISFIFO(os.lstat(p).st_mode)
    assert stat.S_ISSOCK(os.lstat(tmp_path / "sock").st_mode)


def test_a_symlink_is_replaced_not_written_through(tmp_path):
    target = tmp_path / "target.csv"
    target.write_text("precious\n")
    (tmp_path / "out.csv").symlink_to(target)
    io.write(np.ones((1, 2)), str(tmp_path / "out.csv"), "csv")
    assert target.read_text() == "precious\n"
    assert (tmp_path / "out.csv").read_text() == "1.0,1.0\n" and not (tmp_path / "out.csv").is_symlink()


# ---------------------------------------------------------------------- temporaries of killed runs
def _dead_pid():
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def test_a_killed_write_leaves_the_old_pair_and_its_temporary_is_cleaned(tmp_path):
    path = tmp_path / "x.csv"
    io.write(np.zeros((2, 2)) + 7, str(path), "csv")
    script = textwrap.dedent(f"""
        import os, signal, numpy as np
        from dmlpy.runtime import io, textout
        blocks = textout.csv_block
        n = [0]
        def killing(B, sep):
            n[0] += 1
            if n[0] == 40:
                os.kill(os.getpid(), signal.SIGKILL)
            return blocks(B, sep)
        textout.csv_block = killing
        textout.BLOCK_CELLS = 100
        io.write(np.ones((2000, 10)), {str(path)!r}, "csv")
    """)
    r = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True)
    assert r.returncode == -signal.SIGKILL, r.stderr
    left = _hidden(tmp_path)
    assert len(left) == 1 and left[0].startswith(".x.csv.dmlpy-tmp-")
    assert (tmp_path / left[0]).stat().st_size > 0            # the partial data
    np.testing.assert_array_equal(io.read(str(path)), np.zeros((2, 2)) + 7)   # the old pair is intact
    io.write(np.ones((3, 1)), str(path), "csv")
    assert _hidden(tmp_path) == []
    np.testing.assert_array_equal(io.read(str(path)), np.ones((3, 1)))


def test_only_temporaries_of_dead_processes_are_removed(tmp_path):
    dead, live = _dead_pid(), os.getppid()
    names = [f".m.dmlpy-tmp-{dead}", f".m.mtd.dmlpy-tmp-{dead}", f".m.dmlpy-old-{dead}",
             f".m.dmlpy-tmp-{live}", f".other.dmlpy-tmp-{dead}", f".m.dmlpy-tmpx-{dead}"]
    for n in names:
        (tmp_path / n).write_text("partial")
    io.write(np.ones((1, 1)), str(tmp_path / "m"), "text")
    assert _hidden(tmp_path) == sorted(names[3:])


# ---------------------------------------------------------------------- the data/.mtd pair
@pytest.mark.parametrize("kill_at, expect", [(1, "old"), (2, "old"), (3, "new")])
def test_a_run_killed_between_the_renames_still_reads_a_matching_pair(tmp_path, kill_at, expect):
    path = str(tmp_path / "m")
    old, new = np.array([[1.0, 0.0], [0.0, 2.0]]), np.arange(6.0).reshape(2, 3)
    io.write(old, path, "text")
    script = textwrap.dedent(f"""
        import os, signal, numpy as np
        from dmlpy.runtime import io
        real, calls = os.replace, []
        def killing(src, dst):
            calls.append(src)
            if len(calls) == {kill_at}:
                os.kill(os.getpid(), signal.SIGKILL)
            return real(src, dst)
        os.replace = killing
        io.write(np.arange(6.0).reshape(2, 3), {path!r}, "csv", True, ";")
    """)
    r = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True)
    assert r.returncode == -signal.SIGKILL, r.stderr
    np.testing.assert_array_equal(io.read(path), old if expect == "old" else new)
    io.write(np.ones((1, 1)), path, "text")                 # the next write tidies up
    assert _hidden(tmp_path) == []
    np.testing.assert_array_equal(io.read(path), np.ones((1, 1)))


@pytest.mark.parametrize("fail_at", [1, 2, 3])
def test_a_failed_replacement_keeps_the_old_pair(tmp_path, monkeypatch, fail_at):
    path = str(tmp_path / "m")
    old = np.array([[1.0, 0.0], [0.0, 2.0]])
    io.write(old, path, "text")            # old pair: ijv data, its .mtd gives the dimensions
    real = os.replace
    calls = []

    def flaky(src, dst):
        calls.append((src, dst))
        if len(calls) == fail_at:
            raise OSError(5, "Input/output error")
        return real(src, dst)

    monkeypatch.setattr(os, "replace", flaky)
    with pytest.raises(OpError, match="cannot write"):
        io.write(np.arange(6.0).reshape(2, 3), path, "csv", True, ";")
    monkeypatch.setattr(os, "replace", real)
    np.testing.assert_array_equal(io.read(path), old)
    assert io.read_mtd(path)["format"] == "text"
    assert _hidden(tmp_path) == []


def test_a_failed_replacement_without_hard_links_leaves_no_mixed_pair(tmp_path, monkeypatch):
    path = str(tmp_path / "m")
    io.write(np.eye(2), path, "text")
    real = os.replace

    def no_link(src, dst):
        raise OSError(1, "Operation not permitted")

    def flaky(src, dst):
        if dst.endswith(".mtd") and ".dmlpy-tmp-" in src:
            raise OSError(28, "No space left on device")
        return real(src, dst)

    monkeypatch.setattr(os, "link", no_link)
    monkeypatch.setattr(os, "replace", flaky)
    with pytest.raises(OpError):
        io.write(np.ones((3, 3)), path, "csv")
    monkeypatch.undo()
    # the old data could not be kept, so neither file is there (never new data beside the old .mtd)
    assert not os.path.exists(path) and not os.path.exists(path + ".mtd")
    assert _hidden(tmp_path) == []


def test_mm_removes_the_stale_mtd_and_a_mtd_directory_is_refused(tmp_path):
    path = str(tmp_path / "m")
    io.write(np.eye(2), path, "csv")
    io.write(np.eye(2), path, "mm")
    assert not os.path.exists(path + ".mtd")
    np.testing.assert_array_equal(io.read(path), np.eye(2))
    (tmp_path / "q.mtd").mkdir()
    with pytest.raises(OpError, match="directory"):
        io.write(np.eye(2), str(tmp_path / "q"), "csv")
    assert not (tmp_path / "q").exists() and (tmp_path / "q.mtd").is_dir()


# ---------------------------------------------------------------------- streamed number texts
# written by SystemDS 3.4 for this matrix (see the test): csv, text, mm, libsvm
_X = [[0, 1, -2.5, 0.001], [1e-4, 1e7, 9999999, 123456789.125],
      [1e-300, 3, 0, 7], [0.1, float("inf"), -0.00012345, float("nan")]]
_REF = {
    "csv": "0,1.0,-2.5,0.001\n1.0E-4,1.0E7,9999999.0,1.23456789125E8\n1.0E-300,3.0,0,7.0\n"
           "0.1,Infinity,-1.2345E-4,NaN\n",
    "text": "1 2 1.0\n1 3 -2.5\n1 4 0.001\n2 1 1.0E-4\n2 2 1.0E7\n2 3 9999999.0\n2 4 1.23456789125E8\n"
            "3 1 1.0E-300\n3 2 3.0\n3 4 7.0\n4 1 0.1\n4 2 Infinity\n4 3 -1.2345E-4\n4 4 NaN\n",
    "libsvm": "0.001,2:1.0,3:-2.5\n1.23456789125E8,1:1.0E-4,2:1.0E7,3:9999999.0\n7.0,1:1.0E-300,2:3.0\n"
              "NaN,1:0.1,2:Infinity,3:-1.2345E-4\n",
}
_REF["mm"] = "%%MatrixMarket matrix coordinate real general\n4 4 14\n" + _REF["text"]


@pytest.mark.parametrize("block", [1, 3, 1 << 18])
@pytest.mark.parametrize("fmt", ["csv", "text", "mm", "libsvm"])
def test_number_texts_match_systemds_in_any_block_size(tmp_path, monkeypatch, fmt, block):
    monkeypatch.setattr(textout, "BLOCK_CELLS", block)
    io.write(np.array(_X), str(tmp_path / "m"), fmt)
    assert (tmp_path / "m").read_text() == _REF[fmt]


def _cellwise(X, fmt, sep=","):
    """The plain per-cell definition of the formats (Double.toString; 0 for zero in csv)."""
    lines = []
    for i, row in enumerate(X.tolist()):
        if fmt == "csv":
            lines.append(sep.join("0" if v == 0 else double_str(v) for v in row))
        elif fmt == "text":
            lines += [f"{i + 1} {j + 1} {double_str(v)}" for j, v in enumerate(row) if v != 0]
        else:
            lines.append(sep.join([double_str(row[-1])] + [f"{j + 1}:{double_str(v)}"
                                                           for j, v in enumerate(row[:-1]) if v != 0]))
    return "".join(line + "\n" for line in lines)


@pytest.mark.parametrize("fmt", ["csv", "text", "libsvm"])
def test_mid_size_writes_are_streamed_and_exact(tmp_path, monkeypatch, fmt):
    rng = np.random.default_rng(7)
    X = rng.random((300, 17))
    X[rng.random(X.shape) < 0.2] = 0.0
    X[:, 3] = np.round(X[:, 3] * 1000)
    X[5, 5], X[6, 6], X[7, 7], X[8, 8] = 1e-5, 3e12, -np.inf, np.nan
    X[9, :] = 1234567.875               # the first sentinel textout would use: it must pick another
    X[10, 2] = 1234567.8751
    sizes = []
    real = textout._row_blocks

    def spy(n, m):
        for lo, hi in real(n, m):
            sizes.append(hi - lo)
            yield lo, hi

    monkeypatch.setattr(textout, "BLOCK_CELLS", 17 * 8)
    monkeypatch.setattr(textout, "_row_blocks", spy)
    io.write(X, str(tmp_path / "m"), fmt)
    assert (tmp_path / "m").read_text() == _cellwise(X, fmt)
    assert len(sizes) == 38 and max(sizes) == 8
    if fmt != "libsvm":
        np.testing.assert_array_equal(io.read(str(tmp_path / "m")), X)


def test_bulk_number_texts_equal_double_to_string_at_every_magnitude():
    rng = np.random.default_rng(3)
    v = np.concatenate([rng.random(6) * np.float64(10.0) ** e for e in range(-323, 308)] +
                       [np.ldexp(1.0, np.arange(-1074, 1024, 7)), rng.integers(-10**9, 10**9, 300) * 1.0,
                        np.array([1e7, 1e-3, 1e-4, 2.0**53, 2.0**53 - 1, 1e16, 5e-324, np.nan, np.inf,
                                  1.7976931348623157e308, 1.0000000000000002e7, 0.0001000000000000001])])
    v = v[v != 0] * np.where(rng.random(v[v != 0].size) < 0.5, -1.0, 1.0)
    assert textout.java_strings(v) == [double_str(x) for x in v.tolist()]
