"""Putting a written data file and its .mtd in place without ever losing what the user did not ask
to replace, and without leaving a data file next to metadata that describes other data.

Names beside a target `x` (all hidden, all ending in the writing process's id):
  .x.dmlpy-tmp-<pid>       the new data while it is written       .x.mtd.dmlpy-tmp-<pid>  its new .mtd
  .x.dmlpy-old-<pid>       the previous data (a hard link, or a replaced part-file directory)
  .x.mtd.dmlpy-old-<pid>   the previous .mtd
Leftovers of a process that no longer runs (killed mid-write) are removed by the next write of `x`.

What may be replaced: a regular file or a symbolic link (the link itself, never its target), an
empty directory, or a directory of SystemDS part files (`0-m-00000`, `part-00000`, `_SUCCESS`,
`.crc` files; SystemDS writes large or binary data that way). Any other directory is refused with an
error; so is anything that is neither a file, a link nor a directory (devices, pipes, sockets).
SystemDS itself deletes any directory it writes over, whatever it holds; dmlpy does not.

The replacement (`commit`) moves the old .mtd aside first, then the data into place, then the new
.mtd; if any step fails, the steps done are undone, so `x` and `x.mtd` are either the old pair or
the new pair (or absent: when there was no old data, or when the file system has no hard links and
the old data was already overwritten). A run killed between two of these renames leaves `x` without
its .mtd; `recovered_mtd` finds the one that belongs to the data in place, until the next write of
`x` tidies up.
"""
from __future__ import annotations

import os
import re
import shutil
import stat

from ..errors import OpError

_PART = re.compile(r"(part-\d+.*|\d+-[mr]-\d+.*|_SUCCESS|\..*\.crc|.*\.crc)")
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def side_name(path: str, kind: str, pid: int | None = None) -> str:
    d, b = os.path.split(path)
    return os.path.join(d, f".{b}.dmlpy-{kind}-{os.getpid() if pid is None else pid}")


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    if pid == os.getpid():
        return False      # our own leftovers: this process is not writing that name now
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError, OverflowError):
        return True       # someone else's process (or we cannot tell): leave its files alone
    return True


def _lstat(path):
    try:
        return os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None


def is_part_dir(path: str) -> bool:
    """An empty directory or one holding only SystemDS part files (all regular files)."""
    try:
        with os.scandir(path) as it:
            for e in it:
                if not _PART.fullmatch(e.name) or not e.is_file(follow_symlinks=False):
                    return False
    except OSError:
        return False
    return True


# directory -> (its mtime when this process last looked, the dmlpy side files it held then): a
# directory that has not changed since is not listed again (a loop writing many files into one
# folder would otherwise list it once per write)
_SEEN: dict[str, tuple[tuple, list[str]]] = {}


def _stamp(d):
    st = os.stat(d)
    return st.st_mtime_ns, st.st_ino, st.st_dev


def _side_files(d):
    try:
        stamp = _stamp(d)
    except OSError:
        return []
    seen = _SEEN.get(os.path.abspath(d))
    if seen is not None and seen[0] == stamp:
        return seen[1]
    try:
        return [n for n in os.listdir(d) if ".dmlpy-" in n]
    except OSError:
        return []


def clean_stale(path: str) -> list[str]:
    """Remove the hidden leftovers of earlier writes of `path` by processes that no longer run;
    the dmlpy side files left in the directory (for `remember`)."""
    d, b = os.path.split(path)
    d = d or "."
    pat = re.compile(re.escape(f".{b}") + r"(\.mtd)?\.dmlpy-(tmp|old)-(\d+)")
    names = _side_files(d)
    keep = []
    for name in names:
        m = pat.fullmatch(name)
        if m is None or _alive(int(m.group(3))):
            keep.append(name)
            continue
        p = os.path.join(d, name)
        st = _lstat(p)
        try:
            if st is None:
                continue
            if stat.S_ISDIR(st.st_mode):
                if m.group(2) == "old" and not m.group(1) and is_part_dir(p):
                    shutil.rmtree(p)
                else:
                    keep.append(name)
            elif stat.S_ISREG(st.st_mode) or stat.S_ISLNK(st.st_mode):
                os.remove(p)
        except OSError:
            keep.append(name)
    _SEEN.pop(os.path.abspath(d), None)
    return keep


def remember(path: str, side_files: list[str]) -> None:
    """After a write of `path` that left no side files of its own: the directory holds `side_files`
    (from `clean_stale`), so until it changes again it need not be listed."""
    d = os.path.dirname(path) or "."
    if len(_SEEN) > 256:
        _SEEN.clear()
    try:
        _SEEN[os.path.abspath(d)] = (_stamp(d), side_files)
    except OSError:
        pass


def check_target(path: str, what: str = "write()") -> None:
    """Refuse early (before any data is written) a target that may not be replaced."""
    for p, is_mtd in ((path, False), (path + ".mtd", True)):
        st = _lstat(p)
        if st is None or stat.S_ISREG(st.st_mode) or stat.S_ISLNK(st.st_mode):
            continue
        if stat.S_ISDIR(st.st_mode):
            if is_mtd:
                raise OpError(f"{what}: cannot write '{p}': a directory of that name exists")
            if not is_part_dir(p):
                raise OpError(f"{what}: refusing to replace the directory '{p}': it holds files that "
                              f"are not SystemDS part files (dmlpy replaces only an empty directory or "
                              f"a directory of part files); remove it or write to another name")
            continue
        raise OpError(f"{what}: refusing to write '{p}': it exists and is not a regular file or a directory")


def open_tmp(path: str):
    """A new hidden temporary file beside `path`, opened for writing (binary): (file object, name)."""
    tmp = side_name(path, "tmp")
    st = _lstat(tmp)
    if st is not None:
        if stat.S_ISDIR(st.st_mode):
            raise OSError(21, "a directory is in the way", tmp)
        os.remove(tmp)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o666)
    return os.fdopen(fd, "wb"), tmp


def _quiet(fn, *args):
    try:
        fn(*args)
        return True
    except OSError:
        return False


def commit(path: str, tmp_data: str, tmp_mtd: str | None) -> None:
    """Put tmp_data at `path` and tmp_mtd (None: the format has no metadata, so any old .mtd goes)
    at `path`.mtd, all or nothing."""
    mtd = path + ".mtd"
    old_mtd = old_data = old_dir = None
    placed = lost = False
    try:
        check_target(path)
        if _lstat(mtd) is not None:
            old_mtd = side_name(mtd, "old")
            os.replace(mtd, old_mtd)
        st = _lstat(path)
        if st is not None and stat.S_ISDIR(st.st_mode):
            old_dir = side_name(path, "old")
            os.replace(path, old_dir)
        elif st is not None and stat.S_ISREG(st.st_mode):
            old_data = side_name(path, "old")
            if _lstat(old_data) is not None:
                os.remove(old_data)
            try:
                os.link(path, old_data)       # keeps the old data without copying it
            except OSError:
                old_data = None               # no hard links here: a failure can only remove the new data
                lost = True
        os.replace(tmp_data, path)
        placed = True
        if tmp_mtd is not None:
            os.replace(tmp_mtd, mtd)
    except BaseException:
        # undo what was done; a backup that cannot be put back stays (hidden) rather than be lost
        if placed:
            if old_data is not None:
                _quiet(os.replace, old_data, path)
            else:
                _quiet(os.remove, path)
                if old_dir is not None:
                    _quiet(os.replace, old_dir, path)
        else:
            if old_data is not None:
                _quiet(os.remove, old_data)     # a second name of the data still in place
            if old_dir is not None:
                _quiet(os.replace, old_dir, path)
        if old_mtd is not None:
            if placed and lost:
                _quiet(os.remove, old_mtd)      # its data is gone: no .mtd without its data
            else:
                _quiet(os.replace, old_mtd, mtd)
        raise
    _cleanup(old_data, old_mtd, old_dir)


def _cleanup(old_data, old_mtd, old_dir):
    for p in (old_data, old_mtd):
        if p is not None:
            _quiet(os.remove, p)
    if old_dir is not None:
        shutil.rmtree(old_dir, ignore_errors=True)


def recovered_mtd(path: str) -> str | None:
    """The .mtd of the data now at `path` when a killed write left it aside: the previous .mtd if the
    new data never got into place, the new one if it did. None when there is nothing to recover."""
    d, b = os.path.split(path)
    pat = re.compile(re.escape(f".{b}.mtd") + r"\.dmlpy-(tmp|old)-(\d+)")
    found = {}
    try:
        with os.scandir(d or ".") as it:
            for e in it:
                m = pat.fullmatch(e.name)
                if m is not None and e.is_file(follow_symlinks=False):
                    found.setdefault(int(m.group(2)), {})[m.group(1)] = e.path
    except OSError:
        return None
    for pid, kinds in found.items():
        if _alive(pid) or "old" not in kinds and "tmp" not in kinds:
            continue
        data_placed = _lstat(side_name(path, "tmp", pid)) is None
        if data_placed and "tmp" in kinds:
            return kinds["tmp"]
        if not data_placed and "old" in kinds:
            return kinds["old"]
    return None
