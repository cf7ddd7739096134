"""What a running DML program makes known to the builtins it calls: its function table.

eval() and evalList() with a name known only at run time look the name up in the table of the
program that is running. The executor sets the table when a program run starts and puts the
previous one back when it ends (a DML-bodied builtin compiled on first use runs as a program of
its own, nested in its caller's run: see dynload). The table lives in a context variable, so runs
in other threads, or in other asyncio tasks, each see their own; a thread that runs part of a
program for it (parfor workers) must run in a copy of the starting thread's context
(`contextvars.copy_context().run`), as it must for NumPy's error state.

A table maps a function's DML name (`f`, or `ns::f` for a sourced file's function) to
`(callable, parameter types, Function)`; functions of sourced files are in the table of the
program that sources them, so an eval inside a sourced function sees the same names as one in the
main script (as in SystemDS, where an unqualified name means the script's default namespace).
"""
from __future__ import annotations

import contextvars
from collections import ChainMap

_FUNCTIONS: contextvars.ContextVar = contextvars.ContextVar("dmlpy_functions", default=None)
_PROGRAM: contextvars.ContextVar = contextvars.ContextVar("dmlpy_program", default=None)
_EMPTY: dict = {}


def functions():
    """The function table of the program running in this context (empty outside a run)."""
    t = _FUNCTIONS.get()
    return _EMPTY if t is None else t


def enter(table, program=None):
    """Make `table` the running program's table (and `program`, the executor's Program, the one
    running); pass the result to leave() when the run ends."""
    return _FUNCTIONS.set(table), _PROGRAM.set(program)


def program():
    """The Program running in this context (None outside a run); parfor on a cluster ships its
    recipe."""
    return _PROGRAM.get()


def enter_nested(table):
    """Like enter(), for a program run inside another's: its own names first, then the caller's
    (a DML-bodied builtin reached through eval() can call back the caller's functions by name)."""
    outer = _FUNCTIONS.get()
    return _FUNCTIONS.set(table if not outer else ChainMap(table, outer)), None


def leave(token) -> None:
    """Put back the table (and program) current before the matching enter()."""
    functions_token, program_token = token
    _FUNCTIONS.reset(functions_token)
    if program_token is not None:
        _PROGRAM.reset(program_token)
