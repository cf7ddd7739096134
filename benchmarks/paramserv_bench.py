"""paramserv on one machine: the LeNet + LARS example (examples/paramserv_lenet/lenet_lars.dml),
1 worker against 2, with the workers as threads and as forked processes, BSP and ASP.

Every run trains the same model on the same generated images for the same number of epochs
(freq=BATCH, batch 32 per worker); only the paramserv call is timed (the example prints it). With
one worker paramserv computes in the driver (no threads, no processes); with two BSP worker
processes, worker 0 computes in the driver and worker 1 in a forked process. BLAS runs
single-threaded in all runs (OPENBLAS_NUM_THREADS=1, as the two-worker runs set it per worker
anyway), so that
1 and 2 workers compare the workers, not BLAS's own threads. The configurations run interleaved,
--reps rounds of each one after the other, and the table gives each one's best and median seconds,
the speed-up of the bests, and the median over the rounds of the one-worker time divided by the
configuration's time in the same round (the figure least moved by the machine's changing load).
2 worker threads are run with --threads. Each round also runs two separate one-worker trainings
at the same moment: the "ceiling" line gives what two cores give two workers that share nothing
(on this virtual machine two busy cores run each other's batches about 20% slower).

    python benchmarks/paramserv_bench.py [--reps 7] [--threads] [--epochs 3] [--n 1024] [--side 16]

Run it on a quiet machine (it prints the load average before and after): with other work running,
Linux's autogroup scheduling gives this whole session a fixed share of the cores, however many
workers it runs, and the measured speed-up says little. The last columns give the CPU seconds of
the training, in the driver and in the worker processes; under BSP they include the polling of
the side that waits for the other (ps_procs.spin_seconds), so they are not the work alone.
"""
from __future__ import annotations

import os

for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import argparse  # noqa: E402
import contextlib  # noqa: E402
import io  # noqa: E402
import re  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
EXAMPLE = ROOT / "examples" / "paramserv_lenet" / "lenet_lars.dml"


def _usage() -> tuple:
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, kids.ru_utime + kids.ru_stime


CPU: list = []     # (driver, workers) CPU seconds of the last paramserv call


def _measure_drive():
    """Record the CPU seconds of the driver (this process) and of the worker processes (reaped
    when training ends) during every paramserv training."""
    from dmlpy.parallel import paramserv
    inner = paramserv.drive

    def drive(*args, **kw):
        a = _usage()
        try:
            return inner(*args, **kw)
        finally:
            b = _usage()
            CPU[:] = [b[0] - a[0], a[1]]    # the workers': once reaped (train_seconds)

    paramserv.drive = drive


def train_seconds(args: dict, kind: str) -> tuple:
    """(training seconds, validation accuracy, driver CPU s, workers' CPU s) of one run of the
    example."""
    from dmlpy.cli import run_cli
    os.environ["DMLPY_PARAMSERV_WORKERS"] = kind
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = run_cli(str(EXAMPLE), EXAMPLE.read_text(), {k: str(v) for k, v in args.items()})
    if rc != 0:
        raise SystemExit(f"the example failed:\n{err.getvalue()}")
    from dmlpy.parallel.ps_procs import reaped
    reaped()        # a thread reaps the workers after training: their CPU counts from then on
    CPU[1] = _usage()[1] - CPU[1]
    line = [ln for ln in out.getvalue().splitlines() if ln.startswith(args["utypes"] + ":")][0]
    acc = float(re.search(r"accuracy ([0-9.]+)", line).group(1))
    secs = float(re.search(r"\(([0-9.]+) s training\)", line).group(1))
    return secs, acc, CPU[0], CPU[1]


def pair_seconds(args: dict) -> float:
    """Two separate one-worker trainings at the same moment (two forks of this process, started
    together): the seconds the slower one took. Nothing is shared between them, so 2 x the
    one-worker time over this is what the machine gives two workers at best (the ceiling)."""
    go_r, go_w = os.pipe()
    outs, pids = [], []
    for _ in range(2):
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                os.close(go_w)
                os.read(go_r, 1)
                secs = train_seconds({**args, "k": 1}, "threads")[0]
                os.write(w, repr(secs).encode())
                code = 0
            finally:
                os._exit(code)
        os.close(w)
        outs.append(r)
        pids.append(pid)
    os.write(go_w, b"xx")
    got = []
    for r in outs:
        text = os.read(r, 64)
        os.close(r)
        if not text:
            raise SystemExit("a separate run failed")
        got.append(float(text))
    for pid in pids:
        os.waitpid(pid, 0)
    os.close(go_r)
    os.close(go_w)
    return max(got)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--n", type=int, default=1024)
    ap.add_argument("--side", type=int, default=16)
    ap.add_argument("--utypes", default="BSP,ASP")
    ap.add_argument("--widths", default="8,16,64", help="LeNet's F1,F2,N3 (8,16,64)")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--threads", action="store_true", help="also run 2 worker threads")
    a = ap.parse_args(argv)
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; "
          f"{os.cpu_count()} cores")
    _measure_drive()
    f1, f2, n3 = (int(v) for v in a.widths.split(","))
    base = {"n": a.n, "side": a.side, "epochs": a.epochs, "batch": a.batch, "F1": f1, "F2": f2,
            "N3": n3}
    train_seconds({**base, "epochs": 1, "n": 128, "k": 2, "utypes": "BSP"}, "processes")  # warm-up
    print(f"LeNet ({a.widths}) + LARS, {a.n} images {a.side}x{a.side}, {a.epochs} epochs, batch "
          f"{a.batch} per worker; {a.reps} rounds, each running every configuration once "
          f"(interleaved, so that they share the machine's state)")
    kinds = [("1 (in the driver)", 1, "threads")]
    kinds += [("2 threads", 2, "threads")] if a.threads else []
    kinds += [("2 processes", 2, "processes")]
    print(f"{'utype':6} {'workers':18} {'best s':>7} {'median s':>9} {'speed-up':>9} "
          f"{'median ratio':>13} {'accuracy':>9} {'CPU driver':>11} {'CPU workers':>12}")
    for utype in a.utypes.split(","):
        runs = {label: [] for label, _, _ in kinds}
        pairs = []
        for _ in range(a.reps):
            for label, k, kind in kinds:
                runs[label].append(train_seconds({**base, "k": k, "utypes": utype}, kind))
            pairs.append(pair_seconds({**base, "utypes": utype}))
        one_label = kinds[0][0]
        one = min(runs[one_label])
        for label, k, kind in kinds:
            best = min(runs[label])
            med = statistics.median(r[0] for r in runs[label])
            # the ratio of each round's one-worker time to this configuration's in that round
            ratio = statistics.median(o[0] / r[0] for o, r in zip(runs[one_label], runs[label]))
            print(f"{utype:6} {label:18} {best[0]:7.2f} {med:9.2f} {one[0] / best[0]:8.2f}x "
                  f"{ratio:12.2f}x {best[1]:9.3f} {best[2]:11.2f} {best[3]:12.2f}")
            sys.stdout.flush()
        ceiling = statistics.median(2 * o[0] / p for o, p in zip(runs[one_label], pairs))
        print(f"{utype:6} {'ceiling':18} two separate 1-worker trainings at once took "
              f"{statistics.median(pairs):.2f} s (median): 2 x the 1-worker time over that, "
              f"median of the rounds: {ceiling:.2f}x")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
