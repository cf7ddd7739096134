"""dmlpy: Apache SystemDS's DML, run by Python (NumPy/BLAS, Numba, CUDA)."""
__version__ = "0.1.0"

from .errors import DMLError  # noqa: E402


def __getattr__(name):
    # the API is imported on first use so that `import dmlpy` stays cheap
    if name in ("run", "run_file", "prepare", "Prepared"):
        from . import api
        return getattr(api, name)
    raise AttributeError(f"module 'dmlpy' has no attribute {name!r}")


__all__ = ["run", "run_file", "prepare", "Prepared", "DMLError", "__version__"]
