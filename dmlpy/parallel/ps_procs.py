"""paramserv's workers as forked processes (Linux; the transport interface is in ps_run).

Each worker is a fork of the driver made when training starts, so it already has the compiled
program, the DML functions and its own part of the rows: none of these are shipped. What goes
between the driver and a worker (ps_link: a frame on a pipe, the message in a shared buffer when
it fits; wire.py's format, never pickle, written and read by ps_codec's fast path), per segment
of batches: to the worker the segment's batch range and the model it goes on with (encoded once
per model: BSP sends one model to every worker); back the value it pushes (gradients, or its
model with modelAvg) and what it printed, which the driver writes out when the value arrives.

Under BSP, worker 0 computes in the driver and only workers 1..k-1 are forked: a round waits for
every worker, so the driver would otherwise only wait; this saves a process, a transfer of the
model and one of the gradients per round. The driver computes its segment after waking the
others, which wait on an eventfd rather than on their pipe: a pipe's wake-up tells Linux the
writer is about to sleep, so the woken worker would be queued on the driver's core, behind it.
When every process has a core, the side that waits (the driver for the workers' gradients, a
worker for the next model) polls for up to `spin_seconds` before it sleeps.

Under ASP the server's aggregation and validation run in the workers (ps_shared): each applies
its own pushes to a model in shared memory, one at a time, and goes through the rest of its plan
without waiting for the driver, which only writes out what they print and reads the model at the
end. Such a worker answers only when it has printed something, at the end of its plan or after an
error (each answer counts the segments it covers), so the driver is not woken for every push.

A worker (and the driver, while it computes worker 0) limits BLAS and dmlpy's kernel threads to
cores/k, and runs a parfor inside the DML functions serially. The driver's objects are frozen
for the garbage collector while forking (gc.freeze): a worker's collections (rare here) never
visit them, so their pages stay shared. An error in a worker comes back as its message; the
driver stops the other workers and computes the failed segment itself, from the same model, so
the error is raised with its DML position (should it not fail again there, the worker's message
is raised).

The first batch of a gradients function new to this process is computed by the driver before
the fork (see Forked.start): its kernels are compiled once for every later fork, and the time it
takes says whether processes pay (automatic mode keeps the workers of a run too small to gain from
them as threads). The segment goes on from those gradients where it is computed (a forked worker
has them from the fork), so only one batch is computed before the others start. A later call
of the same function (the same definition, compiled to the same code, on data of the same type:
a script run again by the Python API included) forks at once, with that timing.

The workers are reaped by a thread once training is over (their exit takes a few milliseconds
that the driver does not wait for); after an error, before the error is raised.
"""
from __future__ import annotations

import io
import os
import select
import signal
import sys
import time

from ..errors import DMLRuntimeError, OpError
from . import ps_codec, ps_link
from .ps_worker import answer, compute, first_gradient, plan, segments

_DIED = "it ended without a result (killed?)"
_WARM: dict = {}            # gradients function (_warm_key) -> seconds per row it took here
MIN_WORK = 0.3              # seconds of work in all, and
MIN_SEGMENT = 0.002         # seconds per segment, below which automatic mode keeps threads


class Forked:
    """auto: fall back to worker threads when the work looks too small to gain from processes
    (see `worth_forking`); otherwise always fork. in_driver: worker 0 computes in the driver
    itself (for BSP, whose rounds wait for every worker anyway) and only workers 1..k-1 fork."""

    def __init__(self, tasks, epochs: int = 1, auto: bool = False, in_driver: bool = False,
                 server=None):
        from .options import cores
        self.tasks, self.epochs, self.auto = tasks, epochs, auto
        self.threads = max(1, cores() // len(tasks))
        self.first = 1 if in_driver and len(tasks) > 1 else 0   # the first forked worker
        # seconds a waiting side polls before it sleeps: only where every process has a core
        self.spin = spin_seconds() if self.first and len(tasks) <= cores() else 0.0
        self.queued = None        # (model, seg, first batch's gradients or None) of worker 0
                                  # when it computes in the driver
        self.limits = None        # the driver's kernel and BLAS threads before forking
        self.kids: dict = {}      # worker -> (pid, ps_link.Link to the worker, Link from it)
        self.bells: dict = {}     # worker -> eventfd that wakes it (None: the pipe wakes it)
        self.sent: dict = {}      # worker -> (model, seg) it is computing
        self.done: list = []      # (worker, value) computed in the driver before the workers
                                  # turned out too small for processes (then threads)
        self.ready: list = []     # (worker, Applied) answered by a worker's earlier message
        self.forked = False
        self.inner = None         # the worker threads that replace the processes
        self.last = (None, b"")   # the last model sent, and its encoding
        self.server = server      # ASP's: the workers apply their pushes (ps_shared)
        self.shared = None        # ps_shared.SharedModel once forked
        self.started = [0] * len(tasks)   # segments started per worker

    def _fork(self, model, head=(None, None)):
        """Fork the workers; head: (worker, the gradients of the first batch of its first
        segment, computed here) or (None, None)."""
        import gc
        self.forked = True
        self._encode(model)
        size = 4 * len(self.last[1]) + (1 << 20)    # shared buffers: room for the models and
                                                    # what comes back (gradients, or a model)
        if self.server is not None and not self.first:
            from .ps_shared import SharedModel
            try:
                self.shared = SharedModel(self.server, model, self.last[1])
            except (OSError, ImportError):  # no shared lock here: the server applies the pushes
                self.shared = None
        _preload()
        if self.first:
            from ..kernels import pool
            self.limits = _limit_threads(min(pool.NTHREADS, self.threads))
        sys.stdout.flush()
        sys.stderr.flush()
        mine: list = []
        gc.freeze()     # the driver's objects: never scanned by a worker's collector (no copies)
        try:
            for w in range(self.first, len(self.tasks)):
                down_r, down_w = ps_link.pair(size)
                up_r, up_w = ps_link.pair(size)
                bell = _BELL[0] = _eventfd() if self.first else None
                pid = os.fork()
                if pid == 0:      # the worker: never returns
                    for fd in mine + [down_w.fd, up_r.fd]:
                        os.close(fd)
                    _child(self.tasks[w], self.threads, down_r, up_w, self.spin, self.shared,
                           self.epochs, head[1] if head[0] == w else None)
                os.close(down_r.fd)
                os.close(up_w.fd)
                mine += [down_w.fd, up_r.fd] + ([bell] if bell is not None else [])
                self.kids[w] = (pid, down_w, up_r)
                self.bells[w] = bell
        except BaseException:
            self.close(abort=True)
            raise
        finally:
            gc.unfreeze()

    def start(self, w, model, seg):
        if self.inner is not None:
            return self.inner.start(w, model, seg)
        self.started[w] += 1
        first = None        # the gradients of the segment's first batch, computed here
        if not self.forked:
            task = self.tasks[w]
            key = (_warm_key(task.upd), str(getattr(task.features, "dtype", "")))
            if key not in _WARM:
                # the first batch of these functions in this process runs here: the kernels
                # they use get compiled (or loaded) once, in the driver, not in every worker;
                # the segment goes on from its gradients wherever it is computed
                t0 = time.perf_counter()
                first = first_gradient(task, model, seg)
                _WARM[key] = (time.perf_counter() - t0) / max(1, _rows(task, (seg[0], seg[0] + 1)))
            if self.auto and not worth_forking(_WARM[key], self.tasks, self.epochs):
                from .ps_threads import Threads
                self.inner = Threads(self.tasks)
                if first is None:
                    return self.inner.start(w, model, seg)
                self.done.append((w, compute(task, model, *seg, first=first)))
                return
            self._fork(model, (w, first))
        if w < self.first:          # computed in the driver by wait(), once the others run
            self.queued = (model, seg, first)
            return
        self.sent[w] = (model, seg)
        if model is None:           # a worker that applies its pushes goes on by itself
            return
        self._encode(model)
        try:
            # the batch range, and the segment's place in the worker's plan (ps_shared: the
            # worker goes on by itself from there)
            head = ps_codec.dumps(list(seg) + [self.started[w] - 1])
            self.kids[w][1].send(head, inline=True)
            self.kids[w][1].send(self.last[1])
            if self.bells.get(w) is not None:
                os.eventfd_write(self.bells[w], 1)
        except OSError:             # the worker has died
            self.close(abort=True)
            raise DMLRuntimeError(f"paramserv: a worker process failed: {_DIED}") from None

    def _encode(self, model):
        if self.last[0] is not model:     # BSP sends one model to every worker: encode it once
            try:
                self.last = (model, ps_codec.dumps(model))
            except TypeError as e:
                raise OpError(f"paramserv: the model cannot be sent to a worker process ({e}); "
                              "DMLPY_PARAMSERV_WORKERS=threads runs the workers as threads") from None

    def wait(self):
        if self.done:
            return self.done.pop(0)
        if self.inner is not None:
            return self.inner.wait()
        if self.ready:                      # answered by an earlier message
            w, value = self.ready.pop(0)
            self.sent.pop(w, None)
            return w, value
        if self.queued is not None:
            from .local import _set_worker, in_worker
            (model, seg, first), self.queued = self.queued, None
            was = in_worker()
            _set_worker(True)             # a parfor inside runs serially, as in the processes
            try:
                return 0, compute(self.tasks[0], model, *seg, first=first)
            finally:
                _set_worker(was)
        fds = {self.kids[w][2].fd: w for w in sorted(self.sent)}
        ready = _poll(list(fds), self.spin)
        w = fds[min(ready, key=lambda fd: fds[fd])]
        msg = self.kids[w][2].recv()
        model, seg = self.sent.pop(w)
        try:
            got = ps_codec.loads(msg) if msg is not None else None
        except Exception:  # noqa: BLE001 - a garbled answer
            got = None
        if got is None:
            got = ("error", _DIED, "")
        if got[0] == "applied":             # got[1] segments, applied by the worker
            from .ps_shared import Applied
            sys.stdout.write(got[2])
            self.ready += [(w, Applied())] * (int(got[1] or 1) - 1)
            return w, Applied()
        if got[0] == "agg-error":           # the aggregation or validation failed there
            sys.stdout.write(got[2])
            self.shared.apply_after_failure(got[3], lambda: self.close(abort=True))
            raise DMLRuntimeError(f"paramserv: a worker process failed: {got[1]}")
        if len(got) > 3:                    # the model the worker computed from
            model = got[3]
        if len(got) > 4:                    # and the segment (it went on by itself)
            seg = tuple(got[4])
        return w, answer(self, self.tasks[w], model, seg, got[:3], "process")

    def finish(self, server):
        """At the end of training: the server's model is the shared one (ps_shared)."""
        if self.shared is not None:
            server.model, server.syncs = self.shared.final()

    def close(self, abort=False):
        if self.inner is not None:
            self.inner.close(abort)
        self.queued = None
        if self.limits is not None:
            _limit_threads(*self.limits)      # BLAS's None: it cannot be set (no change)
            self.limits = None
        kids, self.kids = list(self.kids.values()), {}
        bells, self.bells = [b for b in self.bells.values() if b is not None], {}
        for fd in bells:
            try:
                os.eventfd_write(fd, 1)      # a worker waiting on it goes on to its closed pipe
                os.close(fd)
            except OSError:
                pass
        for pid, down, up in kids:
            if abort:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            for link in (down, up):
                try:
                    os.close(link.fd)
                except OSError:
                    pass
        pids = [pid for pid, _, _ in kids]
        if abort:
            _reap(pids)
        elif pids:      # they exit on their closed pipes: the driver goes on meanwhile
            import threading
            t = threading.Thread(target=_reap, args=(pids,), name="dmlpy-reap", daemon=True)
            t.start()
            _REAPERS[:] = [r for r in _REAPERS if r.is_alive()] + [t]
        self.sent = {}
        self.ready = []


_REAPERS: list = []     # the threads reaping workers after training


def reaped():
    """Wait until every worker process of this process's trainings has been reaped."""
    while _REAPERS:
        _REAPERS.pop().join()


def _reap(pids):
    for pid in pids:
        try:
            os.waitpid(pid, 0)
        except OSError:
            pass


def _warm_key(upd):
    """The gradients function as the same DML function compiled again would be (a script run
    again in this process, as by the Python API): where it is defined and its compiled code."""
    span = getattr(upd.info.fdef, "span", None)
    code = getattr(upd.fn, "__code__", None)
    if span is None or code is None:
        return id(upd.fn)
    return (span.file, span.line, span.col, upd.info.fdef.name, code.co_code)


SPIN = 0.006        # seconds: see spin_seconds


def spin_seconds() -> float:
    """How long a BSP side that waits for the other polls before it sleeps (DMLPY_PARAMSERV_SPIN,
    seconds; 0: never). Waking a sleeping process took 0.1 to 0.2 ms here, with a tail of
    several milliseconds in one round in six (the other core's virtual CPU halted and was
    rescheduled by the host); a round's waits are shorter than SPIN: the worker's for the
    server's update, the driver's for the slower worker."""
    try:
        return max(0.0, float(os.environ.get("DMLPY_PARAMSERV_SPIN", SPIN)))
    except ValueError:
        return SPIN


def _poll(fds, seconds):
    """The fds of `fds` ready to read: polled for up to `seconds`, then waited for."""
    if seconds > 0:
        end = time.perf_counter() + seconds
        while True:
            ready, _, _ = select.select(fds, [], [], 0)
            if ready or time.perf_counter() > end:
                break
        if ready:
            return ready
    return select.select(fds, [], [])[0]


_BELL = [None]      # the eventfd of the worker being forked (its wake-up; None: the pipe)


def _eventfd():
    try:
        return os.eventfd(0)
    except (AttributeError, OSError):
        return None


def _limit_threads(kernels, blas=None):
    """Set the driver's kernel threads to `kernels` and BLAS's to `blas` (default: as many);
    returns the settings before (BLAS's None where it cannot be set), to restore them."""
    from ..kernels import pool
    from .blas import set_threads
    old = pool.NTHREADS
    pool.NTHREADS = kernels
    return old, set_threads(kernels if blas is None else blas)


def _rows(task, seg) -> int:
    lo, hi = seg
    return min(hi * task.batchsize, task.features.shape[0]) - lo * task.batchsize


def worth_forking(per_row: float, tasks, epochs: int) -> bool:
    """Whether processes pay: the whole run's work (at `per_row` seconds per row, measured on
    the first segment) is at least MIN_WORK and a segment at least MIN_SEGMENT; below that the
    workers' start and the round trips through the pipes cost more than they save."""
    rows = sum(t.features.shape[0] for t in tasks) * epochs
    segment = min(_rows(t, segments(t)[0]) for t in tasks)
    return per_row * rows >= MIN_WORK and per_row * segment >= MIN_SEGMENT


PRELOAD = ("sysds_matmul", "dnn", "fused", "kahan_parts", "rowindex")


def _preload():
    """Import the compiled kernels' modules in the driver before forking (once per process): a
    worker would otherwise import them (numba, about half a second) for every paramserv call."""
    import importlib
    for name in PRELOAD:
        try:
            importlib.import_module(f"dmlpy.kernels.{name}")
        except ImportError:
            pass


def _child(task, threads, down, up, spin, shared=None, epochs=1, first=None):
    """A worker process: computes the segments it is sent until its pipe closes. With a shared
    model (ASP, ps_shared) it applies each push itself and goes on through the rest of its plan
    without waiting for the driver (see _segment). first: the gradients of the first batch of its
    first segment, computed by the driver before the fork."""
    code = 0
    bell = _BELL[0]
    try:
        from ..kernels import pool
        from .blas import set_threads
        from .local import _set_worker
        _set_worker(True)                 # a parfor inside the DML functions runs serially
        set_threads(threads)
        pool.NTHREADS = min(pool.NTHREADS, threads)
        out = io.StringIO()
        sys.stdout = out
        todo = plan(task, epochs) if shared is not None else None
        while True:
            if bell is not None:
                _poll([bell], spin)
                os.eventfd_read(bell)
            msg = down.recv()
            if msg is None:
                break
            head = ps_codec.loads(msg)
            model = ps_codec.loads(down.recv())
            if shared is None:
                _segment(task, model, tuple(head[:2]), up, out, None, first=first)
                first = None
                continue
            held = 0        # segments applied that the driver has not been told of yet
            for i in range(head[2], len(todo)):
                model, held = _segment(task, model, todo[i], up, out, shared, held,
                                       quiet=i < len(todo) - 1, first=first)
                first = None
                if model is None:
                    break
    except BaseException:  # noqa: BLE001 - the driver sees the pipe close
        code = 1
    finally:
        os._exit(code)


def _segment(task, model, seg, up, out, shared, held=0, quiet=False, first=None):
    """Compute one segment and answer it (shared: apply the push first); (the model the worker
    goes on with, None after an error; the segments applied and not yet answered). A worker
    that applies its pushes answers only when it has printed something, at the end of its plan
    (quiet False) or after an error, each answer counting the segments it covers: the driver
    is not woken for every push."""
    goes_on = None
    try:
        value = compute(task, model, *seg, first=first)
    except BaseException as e:  # noqa: BLE001 - reported to the driver
        reply = ("error", str(e) or type(e).__name__)
        extra = (model, list(seg)) if shared is not None else ()
    else:
        reply, extra = ("ok", value), ()
        if shared is not None:
            try:
                goes_on = shared.apply(value)
                reply = ("applied", held + 1)
            except BaseException as e:  # noqa: BLE001 - the driver applies it again
                reply, extra = ("agg-error", str(e) or type(e).__name__), (value,)
    printed = out.getvalue()
    if goes_on is not None and quiet and not printed:
        return goes_on, held + 1
    out.seek(0)
    out.truncate()
    try:
        payload = ps_codec.dumps(reply + (printed,) + extra)
    except TypeError as e:
        payload = ps_codec.dumps(("error", f"its result cannot be sent back ({e})", printed))
        goes_on = None
    # a worker that goes on by itself may answer again before the driver has read this answer:
    # through the pipe, so that the shared buffer is only written by its last answer (an error)
    up.send(payload, inline=goes_on is not None)
    return goes_on, 0
