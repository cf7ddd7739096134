"""parfor options, read as SystemDS 3.4 reads them.

SystemDS takes each option's value as the text of the expression written (`mode=LOCAL`,
`mode="local"`, `par=$k` with the command-line value), and knows ten names: check, par, mode, opt,
taskpartitioner, tasksize, datapartitioner, resultmerge, log, profile. Any other name is an error.
Values: `check` is an integer as written (a quoted "0" is refused, as SystemDS refuses it); `par`
and `tasksize` are integers; mode, opt, taskpartitioner, datapartitioner and resultmerge are names
of SystemDS's enumerations, matched without regard to case or quotes; `log` (a log4j level) and
`profile` accept anything, as in SystemDS.

What dmlpy does with them (documented in docs/parfor.md): `check` switches the dependency analysis;
`par` is the number of worker threads (<= 0 or absent: the core count); `taskpartitioner` and
`tasksize` shape the tasks the workers take; with a Dask cluster given, a parfor runs there unless
its mode is LOCAL (parallel/dask_run.py). opt,
datapartitioner, resultmerge, log and profile are accepted and change nothing.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

from ..parse import ast

NAMES = ("check", "par", "mode", "opt", "taskpartitioner", "tasksize", "datapartitioner",
         "resultmerge", "log", "profile")
ENUMS = {
    "mode": ("LOCAL", "REMOTE_SPARK", "REMOTE_SPARK_DP", "UNSPECIFIED"),
    "taskpartitioner": ("FIXED", "NAIVE", "STATIC", "FACTORING", "FACTORING_CMIN", "FACTORING_CMAX",
                        "UNSPECIFIED"),
    "datapartitioner": ("NONE", "LOCAL", "REMOTE_SPARK", "UNSPECIFIED"),
    "resultmerge": ("LOCAL_MEM", "LOCAL_FILE", "LOCAL_AUTOMATIC", "REMOTE_SPARK", "UNSPECIFIED"),
    "opt": ("NONE", "RULEBASED", "CONSTRAINED", "HEURISTIC"),
}
JAVA_INT = (-(1 << 31), (1 << 31) - 1)


@dataclass(frozen=True)
class ParforOptions:
    check: bool = True
    par: int = 0                    # <= 0: the number of cores
    taskpartitioner: str = "FIXED"
    tasksize: int = 1
    mode: str = "UNSPECIFIED"       # LOCAL: never on a Dask cluster; otherwise there when one is given

    def workers(self) -> int:
        if self.par > 0:
            return self.par
        return cores()


def cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):   # pragma: no cover - platforms without affinity
        return max(1, os.cpu_count() or 1)


def value_text(e, cmdargs: dict):
    """The text SystemDS sees for an option's value (None when it is no simple literal)."""
    if isinstance(e, ast.Name):
        return e.name
    if isinstance(e, ast.IntLit):
        return str(e.value)
    if isinstance(e, ast.FloatLit):
        return repr(e.value)
    if isinstance(e, ast.BoolLit):
        return "TRUE" if e.value else "FALSE"
    if isinstance(e, ast.StrLit):
        return '"' + e.value + '"'
    if isinstance(e, ast.CmdArg):
        v = cmdargs.get(e.name)
        return None if v is None else str(v)
    if isinstance(e, ast.Unary) and e.op == "-" and isinstance(e.operand, ast.IntLit):
        return "-" + str(e.operand.value)
    return None


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    return text


def _java_int(text: str):
    t = text[1:] if text[:1] in "+-" else text
    if not t.isdigit() or not t.isascii():
        return None
    v = int(text)
    return v if JAVA_INT[0] <= v <= JAVA_INT[1] else None


def parse_options(args, cmdargs: dict, error) -> ParforOptions:
    """The options of one parfor; `error(span, message)` reports each bad one."""
    got: dict[str, str] = {}
    for a in args:
        if a.name not in NAMES:
            error(a.span, f"PARFOR: The specified parameter '{a.name}' is no valid parfor parameter.")
            continue
        text = value_text(a.value, cmdargs)
        if text is None:
            error(a.value.span, f"parfor parameter '{a.name}' takes a literal value (a name, number "
                                "or string), not an expression")
            continue
        got[a.name] = text
        bad = _check(a.name, text)
        if bad:
            error(a.value.span, f"Error parsing specified ParFOR parameters: {a.name}={text}: {bad}")
    check = _java_int(got["check"]) if "check" in got else 1
    par = _java_int(_unquote(got["par"])) if "par" in got else 0
    tasksize = _java_int(_unquote(got["tasksize"])) if "tasksize" in got else 1
    tp = _unquote(got.get("taskpartitioner", "FIXED")).upper()
    mode = _unquote(got.get("mode", "UNSPECIFIED")).upper()
    return ParforOptions(check=check != 0 if check is not None else True, par=par or 0,
                         taskpartitioner=tp if tp in ENUMS["taskpartitioner"] else "FIXED",
                         tasksize=tasksize if tasksize is not None else 1, mode=mode)


def _check(name: str, text: str):
    """Why SystemDS refuses this value (None when it takes it)."""
    if name == "check":   # read as written, quotes and all
        return None if _java_int(text) is not None else "an integer is expected"
    value = _unquote(text).upper()
    if name in ("par", "tasksize"):
        return None if _java_int(value) is not None else "an integer is expected"
    if name in ENUMS:
        if value not in ENUMS[name]:
            return "expected one of " + ", ".join(ENUMS[name])
    return None   # log (any log4j level name; others mean DEBUG) and profile (never read)
