"""paramserv's forked workers under BSP: worker 0 computes in the driver and only workers 1..k-1
are forked (a BSP round waits for every worker, so the driver would otherwise only wait); the
driver's kernel threads are limited while the processes run and restored after. The results of
every transport are the same (test_paramserv checks them against the threads' and SystemDS's)."""
import os
import re

import pytest

from test_paramserv import FNS, LINEAR, _numbers


def _forks(monkeypatch):
    """Record the pids of the processes forked from here on."""
    from dmlpy.parallel import procs
    if not procs.available():
        pytest.skip("no fork here")
    monkeypatch.setenv("DMLPY_PARAMSERV_WORKERS", "processes")
    made, fork = [], os.fork

    def counting():
        pid = fork()
        if pid:
            made.append(pid)
        return pid

    monkeypatch.setattr(os, "fork", counting)
    return made


def _reaped(pid) -> bool:
    """The worker has exited and been waited for: at once after an error, within moments after
    training (a thread of the driver reaps them)."""
    import time
    end = time.monotonic() + 10
    while time.monotonic() < end:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.01)
    return False


@pytest.mark.parametrize("utype, k, forks", [("BSP", 2, 1), ("BSP", 3, 2), ("ASP", 2, 2)])
def test_bsp_forks_all_workers_but_the_first(dml_out, monkeypatch, utype, k, forks):
    from dmlpy.kernels import pool
    made = _forks(monkeypatch)
    before = pool.NTHREADS
    out = dml_out(LINEAR + f"m2 = paramserv(model=model, features=X, labels=Y, {FNS}, "
                  f"utype=\"{utype}\", freq=\"BATCH\", epochs=3, batchsize=2, k={k})\n"
                  "print(loss(m2, X, Y) / loss(model, X, Y))\n")
    assert len(made) == forks and all(_reaped(p) for p in made)
    assert pool.NTHREADS == before
    ratio = _numbers(out)
    assert len(ratio) == 1 and 0 < ratio[0] < 0.8


def test_error_of_the_worker_in_the_driver_has_its_position(dml, monkeypatch):
    """Worker 0's second batch (rows 4 to 6) fails in the driver: the error has its DML position
    and the forked worker is ended."""
    from dmlpy.kernels import pool
    made = _forks(monkeypatch)
    before = pool.NTHREADS
    script = LINEAR.replace("  n = nrow(features)\n", "  n = nrow(features)\n"
                            "  x = as.scalar(features[1, 1])\n"
                            "  if (x > 0.7 & x < 0.8) stop(\"row four\")\n") + \
        f"m2 = paramserv(model=model, features=X, labels=Y, {FNS}, utype=\"BSP\", " \
        "freq=\"BATCH\", epochs=1, batchsize=3, k=2)\nprint(sum(as.matrix(m2[1])))\n"
    out, err, rc = dml(script)
    assert rc == 1 and out == "" and "row four" in err and "Traceback" not in err
    assert re.search(r":9:26: error: ", err.splitlines()[0]), err
    assert len(made) == 1 and all(_reaped(p) for p in made) and pool.NTHREADS == before
