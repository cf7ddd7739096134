"""Where files named in source() are found: the sourcing file's folder (or the folder set by setwd),
then SystemDS's own order: the working directory, its scripts/ folder, and the DML library shipped
with dmlpy (scripts/, standing in for the library inside SystemDS's jar)."""
from __future__ import annotations

import contextvars
import os
from pathlib import Path


def scripts_dir() -> Path:
    here = Path(__file__).resolve().parent
    for cand in (here.parent / "scripts", here / "_scripts"):
        if (cand / "nn").is_dir() or cand.is_dir():
            return cand
    return here.parent / "scripts"


def builtin_path() -> list[Path]:
    """Folders searched for DML-bodied builtins: DMLPY_BUILTIN_PATH (os.pathsep-separated), then
    the shipped scripts/builtin."""
    dirs = [Path(p) for p in os.environ.get("DMLPY_BUILTIN_PATH", "").split(os.pathsep) if p]
    dirs.append(scripts_dir() / "builtin")
    return dirs


def library_roots() -> list[Path]:
    """Folders that stand in for the library inside SystemDS's jar: the library above each
    `builtin` folder on DMLPY_BUILTIN_PATH (so that SystemDS's own builtins, used from there, find
    the files they source), then dmlpy's shipped scripts/."""
    roots = [d.parent for d in builtin_path()[:-1] if d.name == "builtin"]
    roots.append(scripts_dir())
    return roots


def candidates(path: str, base_dir: Path | None) -> list[Path]:
    """Every place a source() of `path` may mean, in the order they are tried: next to the sourcing
    script (or in the folder set by setwd), then as SystemDS looks: relative to the working
    directory, under scripts/ in the working directory, and in the library it ships (the jar's
    `/path` and `/scripts/path`; dmlpy's shipped scripts/ folder plays the jar's part)."""
    p = Path(path)
    if p.is_absolute():
        return [p]
    cwd = Path.cwd()
    parts = p.parts
    while parts and parts[0] == ".":
        parts = parts[1:]
    out = [base_dir / p] if base_dir is not None else []
    out += [cwd / p, cwd / "scripts" / p]
    for lib in library_roots():
        if parts and parts[0] == "scripts":    # the jar's /scripts/... is the library's root
            out.append(lib.joinpath(*parts[1:]))
        out.append(lib.joinpath(*parts) if parts else lib)
    seen, unique = set(), []
    for c in out:
        key = os.path.normpath(str(c))
        if key not in seen:
            seen.add(key)
            unique.append(c)
    return unique


def resolve_all(path: str, base_dir: Path | None) -> tuple[Path | None, list[Path]]:
    """(the file a source() statement means or None, the places tried)."""
    tried = candidates(path, base_dir)
    for cand in tried:
        if cand.is_file():
            return cand, tried
    return None, tried


def resolve(path: str, base_dir: Path | None) -> Path | None:
    """The file a source() statement means, or None."""
    return resolve_all(path, base_dir)[0]


# ---------------------------------------------------------------- recording what a compile read
# A program run on a cluster is compiled again on each worker (parallel/remote.py), which may not
# have the driver's files or folders. While a compile runs, `Files` records every answer it got from
# the file system (where a source() or builtin name led, and the text of each file parsed); a worker
# replays the record instead of looking at its own disk, so it compiles exactly the driver's program.

_FILES: contextvars.ContextVar = contextvars.ContextVar("dmlpy_compile_files", default=None)


class Files:
    def __init__(self, sources=None, builtins=None, texts=None, folder=None, replay=False):
        self.sources: dict = dict(sources or {})    # "path\0base" -> resolved path or None
        self.builtins: dict = dict(builtins or {})  # builtin name -> its file or None
        self.texts: dict = dict(texts or {})        # file -> text
        self.folder = folder                        # the main script's folder
        self.replay = replay

    def as_dict(self) -> dict:
        return {"sources": self.sources, "builtins": self.builtins, "texts": self.texts,
                "folder": self.folder}


def recording():
    """The Files of the compile running in this context (None outside one)."""
    return _FILES.get()


def record_into(files: Files):
    return _FILES.set(files)


def stop_recording(token) -> None:
    _FILES.reset(token)


def resolve_recorded(path: str, base_dir: Path | None) -> tuple[Path | None, list[Path]]:
    """resolve_all, answered from (and written to) the running compile's record."""
    f = _FILES.get()
    key = f"{path}\0{base_dir}"
    if f is not None and f.replay and key in f.sources:
        got = f.sources[key]
        return (Path(got) if got is not None else None), []
    found, tried = resolve_all(path, base_dir)
    if f is not None:
        f.sources[key] = None if found is None else str(found)
    return found, tried


def find_builtin(name: str) -> Path | None:
    """The file of DML-bodied builtin `name`: the first `<name>.dml` on builtin_path()."""
    f = _FILES.get()
    if f is not None and f.replay and name in f.builtins:
        got = f.builtins[name]
        return Path(got) if got is not None else None
    found = next((p for p in (d / f"{name}.dml" for d in builtin_path()) if p.is_file()), None)
    if f is not None:
        f.builtins[name] = None if found is None else str(found)
    return found


def recorded_text(path) -> str | None:
    """The text of `path` when a replayed record holds it."""
    f = _FILES.get()
    if f is not None and f.replay:
        return f.texts.get(str(path))
    return None


def record_text(path, text: str) -> None:
    f = _FILES.get()
    if f is not None:
        f.texts[str(path)] = text
