"""What the benchmarks that run scripts in child processes share: where dmlpy and the reference
SystemDS are, and one run of a child process with its output, exit status, peak RSS and time."""
from __future__ import annotations

import os
import subprocess
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SYSDS = os.environ.get("SYSDS", os.path.join(os.path.dirname(ROOT), "shared", "reference", "sysds"))
DMLPY = os.path.join(ROOT, ".venv", "bin", "dmlpy")
if not os.path.exists(DMLPY):
    DMLPY = "dmlpy"


def run_process(cmd, timeout, env=None):
    """(stdout + stderr, exit status, peak RSS in MB from wait4, wall seconds) of one child
    process; one running past `timeout` seconds is killed."""
    t = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        p = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env)
        timer = threading.Timer(timeout, p.kill)
        timer.start()
        try:
            _, status, ru = os.wait4(p.pid, 0)
        except KeyboardInterrupt:
            p.kill()
            raise
        finally:
            timer.cancel()
        out.seek(0)
        text = out.read().decode("utf-8", errors="replace")
    return text, os.waitstatus_to_exitcode(status), ru.ru_maxrss / 1024, time.perf_counter() - t
