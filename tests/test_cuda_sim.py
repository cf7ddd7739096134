"""The CUDA backend's kernels against the CPU backend on numba's CUDA simulator (no GPU needed).

The simulator must be switched on before numba.cuda is first imported, so the kernels run in a
subprocess (tests/cuda_sim_worker.py, started once for the module) that saves the CUDA and the
CPU result of every case; the tests here compare them: float64 within 1e-12 relative, float32
within 1e-5, NaN where NaN, the same dtype. Sums on the GPU are compensated tree sums
(backends/cuda/trees.py), as accurate as the CPU's Kahan sums. The DNN kernels' cases are in tests/cuda_sim_dnn.py.
With DMLPY_CUDA_ON_DEVICE=1 the worker runs the same cases on a real GPU instead
(benchmarks/gpu.py does that).
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import cuda_sim_worker as W  # noqa: E402

# DMLPY_CUDA_ON_DEVICE=1: the worker runs the cases on the GPU instead of the simulator
ON_DEVICE = os.environ.get("DMLPY_CUDA_ON_DEVICE", "0") not in ("", "0")


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    path = tmp_path_factory.mktemp("cuda_sim") / "results.npz"
    env = {k: v for k, v in os.environ.items() if k != "DMLPY_PRECISION"}
    if ON_DEVICE:           # the same cases on a real GPU (benchmarks/gpu.py sets this)
        env.pop("NUMBA_ENABLE_CUDASIM", None)
    else:
        env["NUMBA_ENABLE_CUDASIM"] = "1"
    p = subprocess.run([sys.executable, str(HERE / "cuda_sim_worker.py"), str(path)], env=env,
                       cwd=HERE.parent, capture_output=True, text=True,
                       timeout=900 if ON_DEVICE else 300)   # (on a device: JIT compiles)
    assert p.returncode == 0, p.stderr[-4000:]
    with np.load(path) as d:
        return {k: d[k] for k in d.files}


def _cases(results, prefix):
    names = sorted(k[:-4] for k in results if k.startswith(prefix) and k.endswith("|gpu"))
    assert names, f"no results for {prefix}"
    return names


def _close(results, name, scaled=False):
    """scaled: for results that are sums of products added in another order than on the CPU
    (GEMMs, per-channel sums), the error is also allowed that tolerance relative to the largest
    magnitude of the result (a cell near zero by cancellation keeps only that accuracy)."""
    g, c = results[name + "|gpu"], results[name + "|cpu"]
    assert g.shape == c.shape, (name, g.shape, c.shape)
    assert g.dtype == c.dtype or c.ndim == 0, (name, g.dtype, c.dtype)
    single = g.dtype == np.float32
    rtol = 1e-5 if single else 1e-12
    finite = np.abs(c[np.isfinite(c)]).astype(np.float64)
    atol = rtol * finite.max() if scaled and finite.size else 0
    np.testing.assert_allclose(g.astype(np.float64), c.astype(np.float64),
                               rtol=rtol, atol=atol, equal_nan=True, err_msg=name)
    return g


def test_runs_on_the_simulator(results):
    assert ("simulator" in str(results["device"])) != ON_DEVICE


@pytest.mark.parametrize("precision", ["double", "single"])
def test_every_expression_made_a_fused_program(results, precision):
    assert results[f"captured/{precision}"].tolist() == [1] * len(W.FUSED)


@pytest.mark.parametrize("precision", ["double", "single"])
def test_fused_programs_of_the_planner(results, precision):
    names = _cases(results, f"fused/{precision}/")
    assert len(names) == len(W.FUSED)
    for n in names:
        g = _close(results, n)
        assert g.dtype == (np.float32 if precision == "single" else np.float64) or g.ndim == 0


def test_fused_special_values(results):
    """exp overflow, log/sqrt of negatives and zero, NaN and infinite inputs, rounding halves."""
    for i, e in enumerate(W.FUSED):
        if "Z" in e or "400" in e or "log(X)" in e:
            g = results[f"fused/double/{i}.1|gpu"]
            assert not np.isfinite(g).all(), e     # the case does reach the special values
            _close(results, f"fused/double/{i}.1")


def test_fused_register_pressure(results):
    assert bool(results["fused/registers/15/on_gpu"])
    assert not bool(results["fused/registers/17/on_gpu"])    # ran on the CPU, same values
    for live in (15, 17):
        _close(results, f"fused/registers/{live}")


@pytest.mark.parametrize("prefix", ["reduce/float64/", "reduce/float32/"])
def test_reductions(results, prefix):
    names = _cases(results, prefix)
    assert len(names) == 21
    for n in names:
        _close(results, n)


@pytest.mark.parametrize("prefix", ["linalg/float64/", "linalg/float32/"])
def test_transpose_and_products(results, prefix):
    names = _cases(results, prefix)
    assert {n.split("/")[-1] for n in names} == {"transpose", "matmul", "matmul_tn",
                                                 "matmul_nt", "tsmm_left"}
    for n in names:
        _close(results, n)


@pytest.mark.parametrize("prefix", ["rows/float64/", "rows/float32/"])
def test_bias_and_softmax(results, prefix):
    for n in _cases(results, prefix):
        _close(results, n)


def test_allocation_and_conversion(results):
    for n in _cases(results, "alloc/"):
        g = results[n + "|gpu"]
        np.testing.assert_array_equal(g, results[n + "|cpu"], err_msg=n)
        assert g.dtype == results[n + "|cpu"].dtype, n
    assert results["alloc/identity"].all()


def test_registers_are_reused():
    """compact() renumbers working registers to reuse dead ones; the CPU kernel runs the
    compacted program to the same values."""
    from dmlpy.backends.cuda.fused import compact
    from dmlpy.kernels import fused as K
    # M0 and s0 (operands 0, 1); r2 = M0*s0, r3 = r2+M0, r4 = exp(r3), r5 = r4-r2, out = r5*r5
    prog = [(K.MUL, 2, 0, 1), (K.ADD, 3, 2, 0), (K.EXP, 4, 3, -1), (K.SUB, 5, 4, 2),
            (K.MUL, -1, 5, 5)]
    small, nregs = compact(prog, 1, 1)
    assert nregs == 2 and small[:, 1].max() <= 3
    x = np.random.default_rng(3).uniform(-1, 1, (6, 4))
    a, b = np.empty(24), np.empty(24)
    K.run(np.array(prog, np.int64), (x.ravel(),), [0], x.shape, np.array([0.7]), a, K.AGG_NONE)
    K.run(small, (x.ravel(),), [0], x.shape, np.array([0.7]), b, K.AGG_NONE)
    assert a.tolist() == b.tolist()


def test_unusable_gpu_is_a_clear_error():
    """Without a GPU (and without the simulator) the backend says why, as a DMLError."""
    from dmlpy import backends
    from dmlpy.backends import cuda
    from dmlpy.errors import DMLError
    ok, why = cuda.available()
    if ok:
        pytest.skip(f"a GPU is usable here: {why}")
    assert why
    with pytest.raises(DMLError, match="cuda backend is not available: " + re.escape(why)):
        backends.get("cuda")


def test_kernels_compile_for_a_device(monkeypatch):
    """Every kernel type-checks in numba's nopython CUDA mode and compiles to PTX for sm_90 (the
    simulator runs them as Python and checks no types). Needs NVVM (the CUDA toolkit's
    compiler library), not a GPU: the device functions are typed for sm_90 without a driver."""
    from numba import cuda, types as T
    from numba.cuda import dispatcher
    try:
        from numba.cuda.cudadrv import nvvm
        nvvm.NVVM()
    except Exception as e:      # noqa: BLE001 - no CUDA toolkit here
        pytest.skip(f"NVVM is not available: {e}")
    from dmlpy.backends.cuda import arrays, config, fused, linalg, reduce, rows

    class Device:
        compute_capability = (9, 0)
    monkeypatch.setattr(dispatcher, "get_current_device", lambda: Device())
    assert not config.SIM
    i64, f64, b1 = T.int64, T.float64, T.boolean

    def arr(dt, nd=1):
        return T.Array(dt, nd, "C")
    for dt in (T.float64, T.float32):
        nd = np.dtype(str(dt))
        other = T.float32 if dt == T.float64 else T.float64
        L, R, W, A = linalg._kernels(nd), reduce._kernels(), rows._kernels(), arrays._kernels()
        for k, sig in (
                (fused._kernel(nd), (arr(i64, 2), i64, i64, arr(i64), arr(dt), i64, i64, i64,
                                     arr(dt), arr(f64)) + (arr(dt),) * 8),
                (L["gemm"], (arr(dt, 2), arr(dt, 2), arr(dt, 2), b1, b1)),
                (L["transpose"], (arr(dt, 2), arr(dt, 2))),
                (R["full"], (arr(dt), i64, i64, arr(f64))),
                (R["rows"], (arr(dt, 2), i64, arr(dt))), (R["cols"], (arr(dt, 2), i64, arr(dt))),
                (R["row_index"], (arr(dt, 2), b1, arr(dt))),
                (W["bias"], (arr(dt, 2), arr(dt), i64, b1, arr(dt, 2))),
                (W["softmax"], (arr(dt, 2), arr(dt, 2))),
                (A["fill"], (arr(dt), dt, i64)), (A["eye"], (arr(dt), i64)),
                (A["arange"], (arr(dt), i64)), (A["copy"], (arr(dt), arr(other), i64)),
                (A["block"], (arr(dt, 2), arr(dt, 2)) + (i64,) * 6),
                (A["fill_block"], (arr(dt, 2), dt) + (i64,) * 4)):
            ptx, _ = cuda.compile_ptx(k.py_func, sig, cc=(9, 0))
            assert ".entry" in ptx


# ------------------------------------------------------------------ DNN kernels
DNN_CASES = {  # kernel -> the outputs it is compared on (cases x outputs)
    "conv2d": 4, "conv2d_backward_filter": 4, "conv2d_backward_data": 4,
    "max_pool": 6, "avg_pool": 5, "max_pool_backward": 6, "avg_pool_backward": 5,
    "batch_norm2d": 20, "batch_norm2d_backward": 6, "lstm": 20, "lstm_backward": 25,
}
POOLING = ("max_pool", "avg_pool", "max_pool_backward", "avg_pool_backward")


@pytest.mark.parametrize("precision", ["double", "single"])
@pytest.mark.parametrize("kernel", sorted(DNN_CASES))
def test_dnn_kernels(results, kernel, precision):
    """Every DNN kernel against the CPU kernel: pooling bit for bit (each cell is computed in
    the CPU's order, SystemDS's routing of shared maxima included), the rest within the sums'
    tolerance (products and per-channel sums add in another order)."""
    names = _cases(results, f"dnn/{precision}/{kernel}/")
    assert len(names) == DNN_CASES[kernel]
    for n in names:
        if kernel in POOLING and not ON_DEVICE:    # (a device may contract a*b+c to an FMA)
            g, c = results[n + "|gpu"], results[n + "|cpu"]
            assert g.dtype == c.dtype == (np.float32 if precision == "single" else np.float64)
            np.testing.assert_array_equal(g, c, err_msg=n)
        else:
            _close(results, n, scaled=True)


def test_dnn_cases_reach_the_special_cases(results):
    """The pooling cases do reach SystemDS's special cases: all-padding windows (-DBL_MAX, -inf
    in float32), NaN inputs, an all-zero input (all-zero results), and windows sharing a
    maximum whose gradients are not summed (routing by the last write)."""
    assert (results["dnn/double/max_pool/all_padding|cpu"] == -np.finfo(np.float64).max).any()
    assert np.isneginf(results["dnn/single/max_pool/all_padding|cpu"]).any()
    assert np.isnan(results["dnn/double/max_pool/nonsquare|cpu"]).any()
    for k in ("max_pool", "max_pool_backward"):
        assert not results[f"dnn/double/{k}/zeros|gpu"].any()
    # overlapping windows sharing maxima: summing their gradients would give other values
    for case in ("n1_c1_pad", "long_rows"):
        n = f"dnn/double/max_pool_backward/{case}"
        assert not np.allclose(results[n + "/summed"], results[n + "|cpu"]), case


def test_dnn_errors_are_the_cpu_kernels(results):
    """Bad shapes, strides and modes: the same ValueError (message) as the CPU kernels."""
    names = [k for k in results if k.startswith("dnn/errors/")]
    assert len(names) == 10
    for n in names:
        cpu, gpu = results[n].tolist()
        assert cpu != "no error" and cpu == gpu, (n, cpu, gpu)


def test_dnn_kernels_compile_for_a_device(monkeypatch):
    """The DNN kernels type-check in nopython CUDA mode and compile to PTX for sm_90 (as
    test_kernels_compile_for_a_device; needs NVVM, not a GPU)."""
    from numba import cuda, types as T
    from numba.cuda import dispatcher
    try:
        from numba.cuda.cudadrv import nvvm
        nvvm.NVVM()
    except Exception as e:      # noqa: BLE001 - no CUDA toolkit here
        pytest.skip(f"NVVM is not available: {e}")
    from dmlpy.backends.cuda import conv, dnn_common, lstm, norm, pool

    class Device:
        compute_capability = (9, 0)
    monkeypatch.setattr(dispatcher, "get_current_device", lambda: Device())
    i64, f64, b1 = T.int64, T.float64, T.boolean

    def arr(dt, nd=1):
        return T.Array(dt, nd, "C")
    ints = (i64,)
    idx = arr(i64)
    for dt in (T.float64, T.float32):
        nd = np.dtype(str(dt))
        Cv, Pl, Nm, Ls = (m._kernels(nd) for m in (conv, pool, norm, lstm))
        D = dnn_common.kernels()
        m2, v1, s2 = arr(dt, 2), arr(dt), arr(f64, 2)
        for k, sig in (
                (D["copy_cols"], (m2, i64, m2, i64, i64)),
                (D["copy_flat"], (v1, i64, v1, i64, i64)), (D["add_into"], (v1, v1, i64)),
                (D["nonzero"], (v1, i64, arr(T.int32))),
                (Cv["im2col"], (m2,) + ints * 13 + (m2,)),
                (Cv["swap"], (m2, m2) + ints * 4 + (b1,)),
                (Cv["col2im"], (m2,) + ints * 13 + (m2,)),
                (Pl["pool"], (m2,) + ints * 11 + (b1, m2)),
                (Pl["avg_back"], (m2,) + ints * 11 + (m2,)),
                (Pl["argmax"], (m2,) + ints * 11 + (arr(i64, 2),)),
                (Pl["order"], (arr(i64, 2), i64, i64, arr(i64, 3), idx, idx, idx, idx)),
                (Pl["max_back"], (m2,) + ints * 8 + (idx, idx, idx, m2)),
                (Nm["stats"], (m2, i64, i64, v1, v1)),
                (Nm["moments"], (v1, v1, i64, v1, v1, f64, f64, b1, v1, v1, v1, v1)),
                (Nm["apply"], (m2, i64, i64, v1, v1, v1, v1, m2)),
                (Nm["back_sums"], (m2, m2, i64, i64, v1, v1, v1, s2)),
                (Nm["back_coef"], (s2, f64, v1, v1, s2)),
                (Nm["back_dx"], (m2, m2, i64, i64, v1, v1, v1, s2, f64, m2)),
                (Ls["cell"], (m2, m2, i64, i64, m2, m2, i64, m2, b1, m2, m2, m2)),
                (Ls["cell_back"], (m2, b1, i64, b1, m2, i64, m2, m2, m2, m2, i64, m2)),
                (Ls["by_step"], (m2, i64, i64, i64, m2))):
            ptx, _ = cuda.compile_ptx(k.py_func, sig, cc=(9, 0))
            assert ".entry" in ptx


def test_gpu_benchmark_without_a_gpu():
    """benchmarks/gpu.py says why it cannot run (exit 1, no traceback): no usable GPU, or the
    simulator without --smoke."""
    from dmlpy.backends import cuda
    ok, why = cuda.available()
    if ok:
        pytest.skip(f"a GPU is usable here: {why}")
    script = str(HERE.parent / "benchmarks" / "gpu.py")
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_ENABLE_CUDASIM"}
    for extra, says in (({}, "gpu.py: no usable GPU: " + why),
                        ({"NUMBA_ENABLE_CUDASIM": "1"}, "--smoke runs the script")):
        p = subprocess.run([sys.executable, script], env={**env, **extra}, capture_output=True,
                           text=True, timeout=120, cwd=HERE.parent)
        assert p.returncode == 1 and says in p.stderr and "Traceback" not in p.stderr, p.stderr


def test_gpu_flag_without_a_usable_gpu_backend(capsys):
    """-gpu ends with a clear error (exit 1, no traceback) when no GPU is usable (here: no
    device, and not the simulator); --gpu-fallback runs on the CPU instead."""
    from dmlpy.cli import run_cli
    assert run_cli(None, "print(1 + 1)", {}, backend="cuda") == 1
    out = capsys.readouterr()
    assert out.out == "" and "error: -gpu: " in out.err and "--gpu-fallback" in out.err
    assert "Traceback" not in out.err
    assert run_cli(None, "print(1 + 1)", {}, backend="cuda", gpu_fallback=True) == 0
    out = capsys.readouterr()
    assert out.out == "2\n" and "running on the CPU (--gpu-fallback)" in out.err


def test_gpu_flag_spellings():
    for flags, rc in ((["-gpu"], 1), (["--backend", "cuda"], 1), (["-gpu", "--gpu-fallback"], 0),
                      (["--backend", "cpu"], 0)):
        p = subprocess.run([sys.executable, "-m", "dmlpy", *flags, "-s", "print(6 * 7)"],
                           capture_output=True, text=True, timeout=60, cwd=HERE.parent)
        assert p.returncode == rc, (flags, p.stderr)
        assert p.stdout == ("42\n" if rc == 0 else ""), flags
        assert "Traceback" not in p.stderr
