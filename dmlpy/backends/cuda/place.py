"""Placement of a `-gpu` run's operations (issue 9).

While a program compiled for the cuda backend runs, dmlpy.backends.DEVICE[0] holds a Placement.
The runtime's dispatch points (the matrix operators of dmlpy.runtime.matrix, the plan's operations
in dmlpy.runtime.planops, and every builtin through `guard`) hand it their operands first:

- an operation with a device form (dmlpy.backends.cuda.devops) runs on the GPU when its operands
  fit in device memory; host operands are copied over (one counted transfer each) and the result
  is a DeviceMatrix: it stays on the device for the next operation;
- any other operation gets host copies of its device operands (counted transfers; a DeviceMatrix
  keeps its host copy, so a value is brought back once) and runs on the CPU; the fallback and
  its reason are recorded;
- scalars, strings, lists, frames and printing stay on the host.

A DeviceMatrix is never changed in place: every device operation makes a new one (left indexing
copies on the device), so its host copy, once made, stays valid. `--stats` prints the device time
per operation (measured with a device synchronisation after each), the transfers in both
directions with their bytes, and the operations that ran on the CPU with why.
"""
from __future__ import annotations

import contextlib
import sys
import time

import numpy as np


class _Cpu:
    """What a device form answers when the operation must run on the CPU after all (it does not
    fit in device memory): the reason is recorded already."""
    __slots__ = ()

    def __repr__(self):
        return "CPU"


CPU = _Cpu()


class DeviceMatrix:
    """A matrix in device memory (a CuPy or numba.cuda 2-D array, C-contiguous, of the run's
    dtype), with the host copy once one was made."""
    __slots__ = ("d", "shape", "dtype", "_host")
    ndim = 2

    def __init__(self, d, host=None):
        self.d = d
        self.shape = (int(d.shape[0]), int(d.shape[1]))
        self.dtype = np.dtype(d.dtype)
        self._host = host

    @property
    def size(self) -> int:
        return self.shape[0] * self.shape[1]

    @property
    def nbytes(self) -> int:
        return self.size * self.dtype.itemsize

    @property
    def flat(self):
        """The cells on the host (a 1x1 matrix used as a scalar, the `flat[0]` pattern)."""
        return host(self, "scalar use").flat

    def __repr__(self):
        return f"DeviceMatrix({self.shape[0]}x{self.shape[1]}, {self.dtype})"


def host(v, why: str):
    """v with device matrices brought to the host (lists: their elements), for an operation that
    runs on the CPU (why: its name)."""
    t = type(v)
    if t is DeviceMatrix:
        if v._host is None:
            P = _active()
            v._host = P.download(v) if P is not None else _to_host(v.d)
        return v._host
    if t.__name__ == "DMLList":
        from ...runtime.values import DMLList
        if any(type(x) is DeviceMatrix or type(x).__name__ == "DMLList" for x in v.values):
            return DMLList([host(x, why) for x in v.values], v.names)
    return v


def _to_host(d):
    from . import arrays
    return arrays.to_host(d)


def _active():
    from .. import DEVICE
    return DEVICE[0]


UPLOADS = 64        # host matrices whose device copies are kept


def _free_refs() -> int:
    """getrefcount() in _sweep of a host array held only by its upload entry."""
    d = {0: (np.empty(1), None)}
    for k, (x, dm) in d.items():
        return sys.getrefcount(x)
    return 0


_FREE = _free_refs()


class Placement:
    """Where a run's operations go, and what that cost (the --stats report)."""

    def __init__(self, backend, timed: bool = False, limit: int | None = None):
        self.b = backend
        self.timed = timed                    # synchronise and time each device operation
        self.limit = limit                    # bytes one operation may use (None: ask the device)
        self.h2d = [0, 0]                     # transfers to the device: count, bytes
        self.d2h = [0, 0]                     # and back
        self.ops: dict[str, list] = {}        # device operation -> [count, seconds]
        self.cpu: dict[tuple, int] = {}       # (operation, reason) -> count, ran on the CPU
        self._uploads: dict[int, tuple] = {}  # id(host array) -> (it, its DeviceMatrix)

    # ---------------------------------------------------------------- transfers
    def upload(self, x) -> DeviceMatrix:
        """A host matrix (NumPy array) on the device, in the run's dtype. The copy is kept with
        a reference to x while x is held elsewhere (a variable, a list): the reference keeps x
        from being written in place (the runtime writes into a matrix only when nothing else
        holds it) or recycled, so a cached copy is never stale."""
        if type(x) is DeviceMatrix:
            return x
        hit = self._uploads.get(id(x))
        if hit is not None and hit[0] is x:
            return hit[1]
        if type(x).__name__ == "csr_array":     # no sparse kernels on the device: dense there
            from ...sparse import densify
            x = densify(x, "the GPU")
        d = self.b.matrix(x)
        self.h2d[0] += 1
        self.h2d[1] += int(d.size) * np.dtype(d.dtype).itemsize
        dm = DeviceMatrix(d, x if np.dtype(x.dtype) == np.dtype(d.dtype) else None)
        if len(self._uploads) >= UPLOADS:
            self._sweep()
        self._uploads[id(x)] = (x, dm)
        return dm

    def _sweep(self):
        """Forget the uploads whose host array nobody else holds any more, and the oldest ones
        while more than half the slots are taken."""
        for k in [k for k, (x, dm) in self._uploads.items()
                  if sys.getrefcount(x) <= _FREE + (dm._host is x)]:
            del self._uploads[k]
        while len(self._uploads) > UPLOADS // 2:
            del self._uploads[next(iter(self._uploads))]

    def download(self, v: DeviceMatrix):
        h = np.ascontiguousarray(_to_host(v.d))
        self.d2h[0] += 1
        self.d2h[1] += h.nbytes
        return h

    def fits(self, nbytes: int) -> bool:
        """Whether an operation touching nbytes of device memory may run there."""
        limit = self.limit
        if limit is None:
            limit = self._free()
        return nbytes <= limit

    def _free(self) -> int:
        from . import config
        if config.MEMORY_LIMIT is not None:
            return config.MEMORY_LIMIT
        if config.SIM:
            return config.SIM_MEMORY
        try:
            if self.b.xp is not None:
                free, _ = self.b.xp.cuda.runtime.memGetInfo()
                return int(free + self.b.xp.get_default_memory_pool().free_bytes())
            from numba import cuda
            free, _ = cuda.current_context().get_memory_info()
            return int(free)
        except Exception:       # noqa: BLE001 - no answer: let the operation try
            return 1 << 62

    def run(self, form, name, *args):
        """(result, args) of an operation of the runtime: form(self, *args) on the device, or,
        where it answers NotImplemented or CPU, NotImplemented and the arguments as host values
        for the CPU code (recorded: no GPU kernel, or why it did not fit)."""
        r = form(self, *args)
        if r is CPU:
            return NotImplemented, [host(a, name) for a in args]
        if r is NotImplemented:
            if any(_is_matrix(a) for a in args):
                self.on_cpu(name, "no GPU kernel for these operands")
            return r, [host(a, name) for a in args]
        return r, args

    # ---------------------------------------------------------------- bookkeeping
    def on_cpu(self, op: str, reason: str):
        key = (op, reason)
        self.cpu[key] = self.cpu.get(key, 0) + 1

    @contextlib.contextmanager
    def on_device(self, op: str):
        t0 = time.perf_counter() if self.timed else 0.0
        yield
        if self.timed:
            self.b.synchronize()
            rec = self.ops.get(op)
            if rec is None:
                rec = self.ops[op] = [0, 0.0]
            rec[0] += 1
            rec[1] += time.perf_counter() - t0

    def report(self) -> str:
        lines = [f"GPU: {self.b.device}",
                 f"  transfers to the device: {self.h2d[0]} ({_mb(self.h2d[1])}), "
                 f"to the host: {self.d2h[0]} ({_mb(self.d2h[1])})"]
        if self.ops:
            lines.append(f"  {'device operation':<30} {'time (s)':>10} {'count':>8}")
            for op, (n, s) in sorted(self.ops.items(), key=lambda kv: -kv[1][1]):
                lines.append(f"  {op:<30} {s:>10.4f} {n:>8}")
        if self.cpu:
            lines.append("  ran on the CPU:")
            for (op, why), n in sorted(self.cpu.items(), key=lambda kv: (-kv[1], kv[0])):
                lines.append(f"    {op} x{n}: {why}")
        return "\n".join(lines)


def _mb(n: int) -> str:
    return f"{n / 1e6:.3f} MB"


# ------------------------------------------------------------------ builtins
# builtins that only carry their arguments (lists): device matrices pass through unchanged
CARRY = frozenset({"list", "as.list", "remove", "exists", "ifdef"})
# builtins whose implementation asks the placement itself (dmlpy.builtins.dnn)
ASKS = frozenset({"conv2d", "conv2d_backward_filter", "conv2d_backward_data", "max_pool",
                  "avg_pool", "max_pool_backward", "avg_pool_backward", "bias_add",
                  "bias_multiply", "batch_norm2d", "batch_norm2d_backward", "lstm",
                  "lstm_backward"})
# why a builtin with a matrix argument runs on the host, where that is not "no GPU kernel"
HOST_REASONS = {"print": "output is written on the host", "toString": "output is made on the host",
                "write": "output is written on the host", "as.scalar": "scalars live on the host",
                "castAsScalar": "scalars live on the host"}


def guard(bi):
    """The implementation of builtin bi for a program that runs on the cuda backend: its device
    form where one exists and applies, else the CPU implementation on host copies."""
    from . import devops
    name = bi.name
    # (the DNN builtins and the list builtins take device matrices as they are)
    impl = bi.raw if name in ASKS or name in CARRY else bi.impl
    form = devops.BUILTINS.get(name)
    carry = name in CARRY or name in ASKS
    reason = HOST_REASONS.get(name, "no GPU kernel")

    def run(args, call):
        P = _active()
        if P is None or carry:
            return call(args)
        if form is not None:
            r = form(P, *args)
            if r is CPU:
                return call([host(a, name) for a in args])
            if r is not NotImplemented:
                return r
        if any(_is_matrix(a) for a in args):
            P.on_cpu(name, reason)
            args = [host(a, name) for a in args]
        return call(args)

    if bi.named_variadic:
        def guarded_named(args, names):
            return run(args, lambda a: impl(a, names))
        return guarded_named

    def guarded(*args):
        return run(args, lambda a: impl(*a))
    return guarded


def _is_matrix(v, depth=0) -> bool:
    t = type(v)
    if t is DeviceMatrix or t is np.ndarray:
        return True
    return t.__name__ == "DMLList" and depth < 8 and any(_is_matrix(x, depth + 1) for x in v.values)


def activate(stats=None):
    """Start placing this run's operations on the GPU (a -gpu program's session); returns what
    deactivate needs. Raises the backend's DMLError when no GPU is usable."""
    from .. import DEVICE, get
    P = Placement(get("cuda"), timed=stats is not None)
    if stats is not None:
        stats.sections.append(P.report)
    old = DEVICE[0]
    DEVICE[0] = P
    return (old, P)


def deactivate(token):
    from .. import DEVICE
    DEVICE[0] = token[0]
    token[1]._uploads.clear()
