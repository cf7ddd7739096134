"""parfor workers as forked processes (POSIX): for bodies that hold the GIL (scalar loops, dmlpy's
builtins written in Python, like solve's Householder QR), where threads cannot run in parallel.

The compiled program is not shipped: each worker is a fork of the driver, so it has the program,
its body function and the driver's variables as they are at the loop. The driver is worker 0 and
works in its own process. Tasks are handed out through a pipe holding their numbers (a read of 4
bytes from a pipe is atomic), so each worker takes the next task when it is free. A forked worker
sends back, through a pipe of its own, the result variables it changed and what it printed; the
driver writes the prints out after its own work (so a worker's prints come after the driver's).

An error in a forked worker stops the other workers from taking new tasks; the driver then runs the
failing iteration itself, so the error is raised with its DML position (if that iteration does not
fail in the driver, the worker's message is raised at the parfor).
"""
from __future__ import annotations

import io
import os
import struct
import sys

from ..errors import DMLRuntimeError
from . import wire

_TOKEN = struct.Struct("<i")
PIPE_TASKS = 16000   # task numbers the pipe holds (64 KiB); more tasks are grouped


def available() -> bool:
    """Whether workers may be forked: on Linux, and not while a -gpu run holds a CUDA context
    (a forked child cannot use its parent's; parfor and paramserv use threads there)."""
    from ..backends import DEVICE
    return hasattr(os, "fork") and sys.platform.startswith("linux") and DEVICE[0] is None


def run(body, iters, env0, env, results, k, todo, worker_flag) -> list:
    """Run the tasks `todo` ([(start, stop)] over `iters`) on k workers (the driver with its
    variables `env`, the others forked, starting from the variables before the loop `env0`);
    each worker's variables."""
    if len(todo) > PIPE_TASKS:   # too many for the pipe: hand them out in groups
        g = -(-len(todo) // PIPE_TASKS)
        todo = [(todo[i][0], todo[min(i + g, len(todo)) - 1][1]) for i in range(0, len(todo), g)]
    rfd, wfd = os.pipe()
    os.write(wfd, b"".join(_TOKEN.pack(t) for t in range(len(todo))))
    os.close(wfd)
    sys.stdout.flush()
    sys.stderr.flush()
    kids = []
    try:
        for _ in range(1, k):
            r, w = os.pipe()
            pid = os.fork()
            if pid == 0:   # the worker: never returns
                os.close(r)
                _child(body, iters, env0, results, todo, rfd, w, worker_flag)
            os.close(w)
            kids.append((pid, r))
        try:
            _work(body, iters, env, todo, rfd)
        except BaseException:
            _drain(rfd)
            raise
        envs, failed = [env], None
        for pid, r in kids:
            msg = _read_all(r)
            os.waitpid(pid, 0)
            try:
                got = wire.loads(msg)
            except Exception:   # noqa: BLE001 - a worker that died without answering
                got = ("error", None, "a parfor worker process ended without a result")
            if got[0] == "ok":
                sys.stdout.write(got[2])
                envs.append({**env0, **got[1]})
            elif failed is None:
                failed = got
        kids = []
    finally:
        for pid, r in kids:   # an error in the driver's own work: the workers stop
            try:
                os.close(r)
                os.waitpid(pid, 0)
            except OSError:
                pass
        os.close(rfd)
    if failed is not None:
        _, j, message = failed
        if j is not None:
            body(iters[j], dict(env0))   # raises with the DML position where it fails again
        raise DMLRuntimeError(f"parfor: an iteration failed in a worker process: {message}")
    return envs


def _work(body, iters, env, todo, rfd, where=None):
    while True:
        b = os.read(rfd, _TOKEN.size)
        if len(b) < _TOKEN.size:
            return
        lo, hi = todo[_TOKEN.unpack(b)[0]]
        for j in range(lo, hi):
            if where is not None:
                where[0] = j
            body(iters[j], env)


def _drain(rfd):
    while len(os.read(rfd, 4096)) > 0:
        pass


def _child(body, iters, env0, results, todo, rfd, w, worker_flag):
    code = 0
    try:
        worker_flag(True)
        out = io.StringIO()
        sys.stdout = out
        env = dict(env0)
        where = [None]
        try:
            _work(body, iters, env, todo, rfd, where)
            changed = {n: env[n] for n, _ in results if n in env and env[n] is not env0.get(n)}
            msg = wire.dumps(("ok", changed, out.getvalue()))
        except BaseException as e:  # noqa: BLE001 - reported to the driver
            _drain(rfd)
            msg = wire.dumps(("error", where[0], str(e) or type(e).__name__))
        view = memoryview(msg)
        while view:
            view = view[os.write(w, view):]
    except BaseException:  # noqa: BLE001
        code = 1
    finally:
        os._exit(code)


def _read_all(fd) -> bytes:
    parts = []
    while True:
        b = os.read(fd, 1 << 20)
        if not b:
            break
        parts.append(b)
    os.close(fd)
    return b"".join(parts)
