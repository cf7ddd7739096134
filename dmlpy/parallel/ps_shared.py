"""ASP with forked workers: each worker applies its own pushes to a model kept in shared memory.

Under ASP the server applies every push as it comes and the pushing worker goes on with the
model right after its own update. With the server in the driver, every push was a round trip:
the gradients to the driver, the driver woken, the aggregation there, the model back, the worker
woken; and the driver was a third process on the cores the workers compute on. SystemDS's local
parameter server does it otherwise: a worker thread calls the server's synchronized push, so the
aggregation runs in the worker, one worker at a time. Here the same, across processes:

- The model lives in a shared buffer (an anonymous shared mapping made before the fork) with a
  count of the updates applied, guarded by a lock shared by the processes.
- A push (`SharedModel.apply`, in the worker or in the driver): take the lock, read the model,
  call the aggregation function on it, count the update, validate after every epoch of updates
  as the server does (Server.asp_apply), write the new model, release the lock. The worker goes on
  with the model it wrote, so nothing comes back to it from the driver.
- The driver only hands out the segments and writes out what the workers printed; when training
  ends, the model is read from the buffer.

An error in the aggregation or validation function comes back with the gradients; the driver
stops the workers and applies them itself, so the error is raised at its DML position.
"""
from __future__ import annotations

import mmap
import struct

from ..errors import OpError
from . import ps_codec

_HEAD = struct.Struct("<qq")    # updates applied, bytes of the encoded model


class Applied:
    """A push its worker applied itself: the worker goes on with the model it wrote, so the
    server releases it with none."""
    __slots__ = ()


class SharedModel:
    def __init__(self, server, model, encoded: bytes):
        import multiprocessing
        self.server = server
        self.lock = multiprocessing.Lock()
        self.buf = mmap.mmap(-1, _HEAD.size + 8 * len(encoded) + (1 << 20))
        self._write(encoded, server.syncs)

    def _write(self, encoded: bytes, syncs: int):
        end = _HEAD.size + len(encoded)
        if end > len(self.buf):
            raise OpError(f"paramserv: the model grew to {len(encoded)} bytes, beyond the room its "
                          "worker processes share (DMLPY_PARAMSERV_WORKERS=threads has no limit)")
        self.buf[_HEAD.size:end] = encoded
        _HEAD.pack_into(self.buf, 0, syncs, len(encoded))

    def _read(self):
        syncs, n = _HEAD.unpack_from(self.buf, 0)
        return ps_codec.loads(memoryview(self.buf)[_HEAD.size:_HEAD.size + n]), syncs

    def apply(self, gradients):
        """Apply one push to the shared model; the new model."""
        s = self.server
        with self.lock:
            model, syncs = self._read()
            syncs += 1
            model = s.asp_apply(model, syncs, gradients)
            try:
                encoded = ps_codec.dumps(model)
            except TypeError as e:
                raise OpError(f"paramserv: the model cannot be shared with the worker processes "
                              f"({e}); DMLPY_PARAMSERV_WORKERS=threads runs the workers as "
                              "threads") from None
            self._write(encoded, syncs)
        return model

    def final(self):
        """The model and its count of updates, once no worker applies any more."""
        return self._read()

    def apply_after_failure(self, gradients, stop):
        """Apply a push whose aggregation failed in a worker: `stop()` ends the workers (called
        holding the lock, so that none is stopped while it writes the model); raises the error
        with its DML position, or returns when it does not fail here."""
        held = self.lock.acquire(timeout=30)
        try:
            stop()
            if not held:
                return
            try:
                model, syncs = self._read()
            except Exception:  # noqa: BLE001 - unreadable: the worker's message is raised instead
                return
            self.server.asp_apply(model, syncs + 1, gradients)
        finally:
            if held:
                self.lock.release()
