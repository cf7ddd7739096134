"""One direction of the link between paramserv's driver and a forked worker process: a pipe that
carries each message's frame, and a buffer of shared memory that carries the message itself when
it fits.

A model or gradients list is a third of a megabyte for LeNet, and it crosses every round: through
a pipe that is two copies in the kernel (and the pipe's pages, allocated for every write) plus
the reader's buffer. Through the shared buffer the writer copies the encoded bytes once and the
reader decodes them where they lie (ps_codec copies each array out, so nothing the reader keeps
points into the buffer). The pipe still carries a frame of 8 bytes: it orders the messages, wakes
a reader waiting in select(), and tells a closed link (end of file) from a message.

Frame: a signed 64-bit length. n >= 0: n bytes of message follow on the pipe (a message larger
than the buffer, or no buffer); n < 0: the message is the first -n - 1 bytes of the buffer.

At most one message of a direction lies in the buffer at a time; a message sent ahead of it, to
be read first (the batch range ahead of the model), goes inline. Who may write the buffer when:
the driver writes a worker's down buffer only when it hands that worker its next segment, which
the worker asks for by answering the last one, after it decoded the model; the worker writes its
up buffer only with its answer, after the driver decoded the previous one (the driver decodes an
answer as soon as it reads its frame). A worker that goes on by itself (ASP, ps_shared) answers
inline, and only its last answer (an error) may use the buffer. So a buffer is never written
while its reader decodes it.
"""
from __future__ import annotations

import mmap
import os
import struct

_LEN = struct.Struct("<q")
PIPE_SIZE = 1 << 20         # bytes: Linux lets a pipe hold this much (F_SETPIPE_SZ)


class Link:
    """The writing or the reading end of one direction: `fd` is the pipe's end, `shm` the
    shared buffer (an anonymous shared mapping made before the fork; None: the pipe only)."""

    def __init__(self, fd: int, shm=None):
        self.fd, self.shm = fd, shm

    def send(self, payload: bytes, inline: bool = False) -> None:
        """Write one message (bytes); `inline`: through the pipe, leaving the buffer as it is
        (a short message sent ahead of the one in the buffer)."""
        n = len(payload)
        if not inline and self.shm is not None and n <= len(self.shm):
            self.shm[:n] = payload
            write_all(self.fd, _LEN.pack(-n - 1))
        else:
            write_all(self.fd, _LEN.pack(n) + payload)

    def recv(self):
        """The next message as a bytes-like object (a memoryview of the shared buffer: decode it
        before the next message can arrive), or None at end of file."""
        head = read_exactly(self.fd, _LEN.size)
        if head is None:
            return None
        (n,) = _LEN.unpack(head)
        if n < 0:
            return memoryview(self.shm)[:-n - 1]
        return read_exactly(self.fd, n)


def pair(size: int):
    """A pipe and a shared buffer of `size` bytes (no buffer when size is 0): (reading Link,
    writing Link). Made before forking, each side keeps one and closes the other's fd."""
    r, w = os.pipe()
    grow(w)
    shm = mmap.mmap(-1, size) if size > 0 else None
    return Link(r, shm), Link(w, shm)


def grow(fd):
    try:
        import fcntl
        fcntl.fcntl(fd, getattr(fcntl, "F_SETPIPE_SZ", 1031), PIPE_SIZE)
    except (OSError, ImportError):
        pass


def write_all(fd, data: bytes):
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def read_exactly(fd, n: int):
    """n bytes from fd, or None at end of file."""
    parts, got = [], 0
    while got < n:
        b = os.read(fd, min(n - got, PIPE_SIZE))
        if not b:
            return None
        parts.append(b)
        got += len(b)
    return parts[0] if len(parts) == 1 else b"".join(parts)
