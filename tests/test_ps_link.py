"""The link between paramserv's driver and a forked worker (ps_link: a pipe for the frames, a
shared buffer for the messages that fit), and the polling of a BSP side that waits (ps_procs)."""
import os

import numpy as np
import pytest

from test_paramserv import FNS, LINEAR, PRINT, _numbers


def test_messages_in_the_buffer_inline_and_too_large():
    from dmlpy.parallel import ps_link
    r, w = ps_link.pair(64)
    try:
        w.send(b"ahead", inline=True)       # read first; the buffer is left as it is
        w.send(b"x" * 40)                   # fits: in the buffer, 8 bytes on the pipe
        assert bytes(r.recv()) == b"ahead"
        got = r.recv()
        assert isinstance(got, memoryview) and bytes(got) == b"x" * 40
        w.send(b"")                         # an empty message in the buffer
        assert bytes(r.recv()) == b""
        big = bytes(range(256)) * 1000      # larger than the buffer: through the pipe
        w.send(big)
        assert bytes(r.recv()) == big
    finally:
        os.close(w.fd)
    assert r.recv() is None                 # end of file
    os.close(r.fd)


def test_without_a_buffer_everything_goes_through_the_pipe():
    from dmlpy.parallel import ps_link
    r, w = ps_link.pair(0)
    assert r.shm is None
    w.send(b"abc")
    assert r.recv() == b"abc"
    os.close(w.fd)
    os.close(r.fd)


def test_a_decoded_value_keeps_nothing_of_the_buffer():
    """ps_codec copies the arrays out: the next message written over the buffer does not change
    a value decoded before."""
    from dmlpy.parallel import ps_codec, ps_link
    r, w = ps_link.pair(1 << 16)
    a = np.arange(12.0).reshape(3, 4)
    w.send(ps_codec.dumps([a, 2.5]))
    first = ps_codec.loads(r.recv())
    w.send(ps_codec.dumps([a * 0 - 1, 0.0]))
    second = ps_codec.loads(r.recv())
    assert np.array_equal(first[0], a) and first[1] == 2.5
    assert np.array_equal(second[0], -np.ones((3, 4)))
    os.close(w.fd)
    os.close(r.fd)


@pytest.mark.parametrize("utype", ["BSP", "ASP"])
def test_a_push_larger_than_the_buffer_crosses_the_pipe(dml_out, monkeypatch, utype):
    """The gradients carry a 1.6 MB matrix (over the shared buffer of a model of a few bytes:
    4 x its size + 1 MB): it goes through the pipe, and the result is the threads' result."""
    from dmlpy.parallel import procs
    if not procs.available():
        pytest.skip("no fork here")
    script = LINEAR.replace("as.matrix(sum(err) / n))", "as.matrix(sum(err) / n), matrix(1, 400, 500))")
    call = (f"m2 = paramserv(model=model, features=X, labels=Y, {FNS}, utype=\"{utype}\", "
            "freq=\"BATCH\", epochs=2, batchsize=2, k=2, scheme=\"DISJOINT_CONTIGUOUS\")" + PRINT)
    got = {}
    for kind in ("threads", "processes"):
        monkeypatch.setenv("DMLPY_PARAMSERV_WORKERS", kind)
        got[kind] = _numbers(dml_out(script + call))
    assert len(got["processes"]) == 5
    if utype == "BSP":                     # ASP's order of arrival may differ
        assert got["processes"] == got["threads"]


def test_only_bsp_sides_with_a_core_each_poll(monkeypatch):
    from dmlpy.parallel import options, ps_procs
    tasks = [object()] * 2
    monkeypatch.delenv("DMLPY_PARAMSERV_SPIN", raising=False)
    monkeypatch.setattr(options, "cores", lambda: 2)
    assert ps_procs.Forked(tasks, in_driver=True).spin == ps_procs.SPIN
    assert ps_procs.Forked(tasks, in_driver=False).spin == 0.0       # ASP: three processes
    assert ps_procs.Forked(tasks * 2, in_driver=True).spin == 0.0    # more workers than cores
    monkeypatch.setattr(options, "cores", lambda: 1)
    assert ps_procs.Forked(tasks, in_driver=True).spin == 0.0
    monkeypatch.setattr(options, "cores", lambda: 2)
    monkeypatch.setenv("DMLPY_PARAMSERV_SPIN", "0")
    assert ps_procs.Forked(tasks, in_driver=True).spin == 0.0
    monkeypatch.setenv("DMLPY_PARAMSERV_SPIN", "0.001")
    assert ps_procs.Forked(tasks, in_driver=True).spin == 0.001
    monkeypatch.setenv("DMLPY_PARAMSERV_SPIN", "soon")
    assert ps_procs.Forked(tasks, in_driver=True).spin == ps_procs.SPIN


@pytest.mark.parametrize("spin", ["0", "0.006"])
def test_bsp_results_do_not_depend_on_polling(dml_out, monkeypatch, spin):
    from dmlpy.parallel import procs
    if not procs.available():
        pytest.skip("no fork here")
    monkeypatch.setenv("DMLPY_PARAMSERV_SPIN", spin)
    call = (f"m2 = paramserv(model=model, features=X, labels=Y, {FNS}, utype=\"BSP\", "
            "freq=\"BATCH\", epochs=3, batchsize=2, k=2, scheme=\"DISJOINT_CONTIGUOUS\")" + PRINT)
    monkeypatch.setenv("DMLPY_PARAMSERV_WORKERS", "processes")
    forked = _numbers(dml_out(LINEAR + call))
    monkeypatch.setenv("DMLPY_PARAMSERV_WORKERS", "threads")
    assert forked == _numbers(dml_out(LINEAR + call))
