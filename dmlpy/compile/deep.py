"""Deeply nested scripts: compilation is recursive (analysis and lowering follow the nesting of
expressions and blocks), so a script nested deeper than Python's default recursion limit is
compiled again on a worker thread with a large stack and a high recursion limit. Everything else
compiles on the caller's thread with nothing changed. The generated code itself is flat (see
codegen's temporaries and block functions), so running it needs no deep recursion.
"""
from __future__ import annotations

import sys
import threading

STACK_BYTES = 512 * 1024 * 1024     # address space reserved for the worker's stack
RECURSION_LIMIT = 150_000           # Python frames; about 50,000 levels of DML nesting


class TooDeep(Exception):
    """Even the worker ran out of recursion: the script is nested beyond any sensible depth."""


def run_deep(fn, *args, **kwargs):
    """fn(*args, **kwargs); if it hits the recursion limit, once more with room to recurse."""
    try:
        return fn(*args, **kwargs)
    except RecursionError:
        pass
    out: dict = {}

    def work():
        old = sys.getrecursionlimit()
        sys.setrecursionlimit(max(old, RECURSION_LIMIT))
        try:
            out["value"] = fn(*args, **kwargs)
        except RecursionError:
            out["error"] = TooDeep()
        except BaseException as e:  # noqa: BLE001 - handed to the calling thread as is
            out["error"] = e
        finally:
            sys.setrecursionlimit(old)

    old_size = threading.stack_size()
    try:
        threading.stack_size(STACK_BYTES)
        worker = threading.Thread(target=work, name="dmlpy-deep-compile", daemon=True)
        worker.start()
    except (ValueError, RuntimeError, MemoryError):
        raise TooDeep() from None
    finally:
        threading.stack_size(old_size)
    worker.join()
    if "error" in out:
        err = out.pop("error")
        raise err
    return out["value"]
