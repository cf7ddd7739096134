"""Where files named in source() are found: the sourcing file's folder (or the folder set by setwd),
then SystemDS's own order: the working directory, its scripts/ folder, and the DML library shipped
with dmlpy (scripts/, standing in for the library inside SystemDS's jar)."""
from __future__ import annotations

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
