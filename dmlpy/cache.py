"""dmlpy's on-disk caches and the places a DML script may never write.

Caches live under one root (DMLPY_CACHE_DIR, default ~/.cache/dmlpy; "off" disables them). Nothing
read back from there is trusted as it stands: every entry carries an HMAC-SHA256 made with a key that
is created once per cache root (mode 0600) and that DML scripts can neither read nor write, since
`read()`/`write()` refuse the cache root (see `check_write_path`). Cached ASTs are JSON, never pickles.

`check_write_path` is the one gate for every file a script writes: it refuses dmlpy's caches, Numba's
caches, the installed dmlpy package with its grammar and DML library, the Python installation's
import directories (site-packages, the standard library), byte-code folders and files Python or
Numba would load as code, and anything that exists but is neither a regular file nor a directory.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import stat
from pathlib import Path

_KEY: dict[str, bytes] = {}
_CODE_SUFFIXES = (".pyc", ".pyo", ".nbi", ".nbc", ".pth", ".so", ".pyd")


def root() -> Path | None:
    """The cache root, or None when caching is off."""
    r = os.environ.get("DMLPY_CACHE_DIR") or os.path.join(os.path.expanduser("~"), ".cache", "dmlpy")
    if r == "off":
        return None
    return Path(r)


def key(base: Path) -> bytes | None:
    """The secret of this cache root (created on first use, readable by the owner only)."""
    k = _KEY.get(str(base))
    if k is not None:
        return k
    path = base / "key"
    try:
        base.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "wb") as fh:
                fh.write(os.urandom(32))
        st = os.lstat(path)
        if not stat.S_ISREG(st.st_mode) or st.st_size != 32:
            return None
        with open(path, "rb") as fh:
            k = fh.read()
    except OSError:
        return None
    _KEY[str(base)] = k
    return k


def sign(k: bytes, name: str, payload: bytes) -> str:
    return hmac.new(k, name.encode("utf-8") + b"\0" + payload, hashlib.sha256).hexdigest()


def _current_key() -> bytes | None:
    base = root()
    return key(base) if base is not None else None


def _read(path: Path) -> bytes | None:
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except OSError:
        return None


def store(path: Path, payload: bytes) -> None:
    """Write one signed cache entry atomically; a failure leaves no entry."""
    k = _current_key()
    if k is None:
        return
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with open(tmp, "wb") as fh:
            fh.write(sign(k, path.name, payload).encode("ascii") + b"\n" + payload)
        os.replace(tmp, path)
    except OSError:
        try:
            os.remove(tmp)
        except OSError:
            pass


def load(path: Path) -> bytes | None:
    """The payload of a cache entry whose signature checks, else None."""
    k = _current_key()
    data = _read(path) if k is not None else None
    if data is None:
        return None
    mac, _, payload = data.partition(b"\n")
    if not hmac.compare_digest(mac, sign(k, path.name, payload).encode("ascii")):
        return None
    return payload


def file_mac(path: Path) -> str | None:
    """The keyed digest of a whole file (for caches written by other libraries, e.g. Lark's)."""
    k = _current_key()
    data = _read(path) if k is not None else None
    return sign(k, path.name, data) if data is not None else None


# ---------------------------------------------------------------------- protected places
_ROOTS: dict[tuple, list] = {}


def _protected_roots() -> list[str]:
    """The protected folders (resolved), memoised per value of the variables they depend on."""
    env = tuple(os.environ.get(v) for v in ("DMLPY_CACHE_DIR", "NUMBA_CACHE_DIR", "PYTHONPYCACHEPREFIX",
                                            "HOME"))
    got = _ROOTS.get(env)
    if got is None:
        got = _ROOTS[env] = _compute_roots()
    return got


def _compute_roots() -> list[str]:
    import sysconfig
    pkg = Path(__file__).resolve().parent
    roots = [pkg, pkg.parent / "grammar", pkg.parent / "scripts"]
    r = root()
    roots.append(r if r is not None else Path(os.path.expanduser("~")) / ".cache" / "dmlpy")
    roots.append(Path(os.path.expanduser("~")) / ".cache" / "numba")
    for var in ("NUMBA_CACHE_DIR", "PYTHONPYCACHEPREFIX"):
        if os.environ.get(var):
            roots.append(Path(os.environ[var]))
    for name in ("stdlib", "platstdlib", "purelib", "platlib"):
        try:
            p = sysconfig.get_paths().get(name)
        except (KeyError, ValueError):  # pragma: no cover - odd installations
            p = None
        if p:
            roots.append(Path(p))
    try:
        import site
        roots.extend(Path(p) for p in site.getsitepackages())
        roots.append(Path(site.getusersitepackages()))
    except (AttributeError, ValueError):  # pragma: no cover - virtualenv's old site module
        pass
    out = []
    for p in roots:
        try:
            out.append(os.path.realpath(p))
        except (OSError, ValueError):
            continue
    return out


def _inside(path: str, top: str) -> bool:
    return path == top or path.startswith(top.rstrip(os.sep) + os.sep)


def protected_reason(path: str) -> str | None:
    """Why a script may not write (or replace) `path`, or None when it may."""
    try:
        real = os.path.realpath(path)
    except (OSError, ValueError):
        return "the path cannot be resolved"
    parts = Path(real).parts
    if "__pycache__" in parts:
        return "it is a Python byte-code cache folder"
    if real.lower().endswith(_CODE_SUFFIXES):
        return "files of this kind are loaded as code by Python or Numba"
    for top in _protected_roots():
        if _inside(real, top):
            return f"it lies inside '{top}', which belongs to dmlpy or to the Python installation"
    try:
        st = os.lstat(real)
    except OSError:
        return None
    if not (stat.S_ISREG(st.st_mode) or stat.S_ISDIR(st.st_mode)):
        return "it exists and is not a regular file or a directory"
    return None


def check_write_path(path: str, what: str = "write()") -> None:
    """Raise OpError when a DML script may not write `path` (or its .mtd)."""
    from .errors import OpError
    for p in (path, path.rstrip("/\\") + ".mtd"):
        why = protected_reason(p)
        if why is not None:
            raise OpError(f"{what}: refusing to write '{p}': {why}")


def protected_read_reason(path: str) -> str | None:
    """Why a script may not read (or source) `path`: only dmlpy's own cache is off limits."""
    r = root()
    if r is None:
        return None
    try:
        real = os.path.realpath(path)
        top = os.path.realpath(r)
    except (OSError, ValueError):
        return None
    return f"it lies inside dmlpy's cache '{top}'" if _inside(real, top) else None


def check_read_path(path: str, what: str = "read()") -> None:
    """Scripts may read anything the user can, except dmlpy's own cache (its key and entries)."""
    from .errors import OpError
    why = protected_read_reason(path)
    if why is not None:
        raise OpError(f"{what}: refusing to read '{path}': {why}")
