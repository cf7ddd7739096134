"""Where files named in source() are found: the sourcing file's folder (or the folder set by setwd),
the working directory, then the DML library shipped with dmlpy (scripts/)."""
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


def resolve(path: str, base_dir: Path | None) -> Path | None:
    """The file a source() statement means, or None."""
    p = Path(path)
    if p.is_absolute():
        return p if p.is_file() else None
    for folder in (base_dir, Path.cwd(), scripts_dir()):
        if folder is None:
            continue
        cand = folder / p
        if cand.is_file():
            return cand
    return None
