"""The CUDA backend (issue 9): matrices as device arrays (CuPy's when CuPy is installed, else
numba.cuda's), kernels in numba.cuda, matrix products through cuBLAS (CuPy) or a tiled GEMM.

`available()` says whether a GPU is usable and, if not, why; `backend()` (what
dmlpy.backends.get("cuda") calls) refuses with that reason as a DMLError. numba's CUDA
simulator (NUMBA_ENABLE_CUDASIM=1 before numba is imported) counts as usable: it is how the
kernels are tested without a GPU (slowly: kernels run in Python).

Modules: place (where a -gpu run's operations go: DeviceMatrix, transfers, fallbacks, --stats),
devops (the device forms of the runtime's operations), config (launch geometry), arrays
(allocation and block copies without CuPy), fused (the fused element-wise program), reduce (full,
row and column reductions), trees (block reductions, compensated sums), linalg (transpose, GEMM),
rows (bias_add, bias_multiply, softmax), conv (conv2d and its backward passes: im2col + GEMM),
pool (max/avg pooling and backward), norm (batch_norm2d and backward), lstm (lstm and backward),
dnn_common (what those four share), backend (the backend object: the DNN kernels are its methods).
"""
from __future__ import annotations

from . import config


def _cupy():
    """CuPy when it is installed and sees a device (never under the simulator), else None."""
    if config.SIM:
        return None
    try:
        import cupy
        cupy.cuda.runtime.getDeviceCount()
        return cupy
    except Exception:       # not installed, or installed for another CUDA, or no device
        return None


def available() -> tuple[bool, str]:
    """(usable, description): the device (or the simulator) when usable, else the reason."""
    try:
        from numba import cuda
    except Exception as e:      # numba without its CUDA part, or a broken install
        return False, f"numba.cuda cannot be imported ({type(e).__name__}: {e})"
    if config.SIM:
        return True, "numba's CUDA simulator (NUMBA_ENABLE_CUDASIM=1; kernels run in Python)"
    try:
        if not cuda.is_available():
            try:
                cuda.detect()
            except Exception:
                pass
            return False, _why(cuda)
        dev = cuda.get_current_device()
        name = dev.name.decode() if isinstance(dev.name, bytes) else str(dev.name)
        return True, f"{name} (compute capability {dev.compute_capability[0]}." \
                     f"{dev.compute_capability[1]})"
    except Exception as e:
        return False, f"the CUDA driver failed: {str(e).strip().splitlines()[0]}"


def _why(cuda) -> str:
    try:
        cuda.cudadrv.driver.driver.get_device_count()
    except Exception as e:
        msg = " ".join(str(e).split())
        if "driver library cannot be found" in msg or "driver" in msg.lower():
            return "no CUDA driver found (is an NVIDIA driver installed?)"
        return f"the CUDA driver failed: {msg[:200]}"
    return "no CUDA-capable GPU found"


def backend():
    from ...errors import DMLError
    ok, why = available()
    if not ok:
        raise DMLError(f"the cuda backend is not available: {why}")
    from .backend import CUDA
    return CUDA(why, _cupy())


def require(fallback: bool) -> str:
    """What `dmlpy -gpu` (--backend cuda) runs on: "cuda" when a GPU (or the simulator) is
    usable; else a DMLError saying why, or, with fallback (--gpu-fallback), a note on stderr
    and "cpu"."""
    import sys
    from ...errors import DMLError
    ok, why = available()
    if ok:
        return "cuda"
    reason = f"no usable GPU: {why}"
    if not fallback:
        raise DMLError(f"-gpu: {reason}; --gpu-fallback runs the script on the CPU instead")
    sys.stderr.write(f"dmlpy: -gpu: {reason}; running on the CPU (--gpu-fallback)\n")
    return "cpu"
