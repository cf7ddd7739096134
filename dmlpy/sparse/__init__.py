"""Sparse matrices (issue 15): a matrix value is either a dense NumPy array or, when it is large and
sparse enough, a `scipy.sparse.csr_array` (CSR, data float64, or float32 under --precision single).

This module is the one place that decides the format of a value (`choose`) and that turns a sparse
value dense (`densify`), with a memory check that fails with a DML error instead of a MemoryError.
Operations that keep sparsity live in the stage modules of this package; everything else asks
`densify` for a dense operand.

The format follows SystemDS's rule (sparse below 40% non-zeros, never for a single column), with
one addition: a matrix of fewer than `min_cells()` cells stays dense, since NumPy on a small dense
array is faster than any sparse kernel and prints the same.
"""
from __future__ import annotations

import os

import numpy as np

SPARSITY_MAX = 0.4            # SystemDS's MatrixBlock.SPARSITY_TURN_POINT
_MIN_CELLS_DEFAULT = 1 << 20  # cells below which a matrix stays dense
_WARM_MIN_NNZ = 1 << 16       # non-zeros from which choose starts loading the sums kernel (warm.py)


def _sp():
    import scipy.sparse as sp
    return sp


def is_sparse(v) -> bool:
    """Whether v is a sparse matrix value (cheap: no scipy import for dense values)."""
    t = type(v)
    return t.__module__.startswith("scipy.sparse") and t.__name__ == "csr_array"


def sorted_csr(x):
    """x itself when each row's column indexes are in order (scipy knows it, or checks once),
    else a sorted copy: for the kernels that visit a row's entries in column order."""
    return x if x.has_sorted_indices else x.sorted_indices()


def min_cells() -> int:
    """Cells below which matrices stay dense: DMLPY_SPARSE_MIN_CELLS (tests set it low), else 2^20."""
    v = os.environ.get("DMLPY_SPARSE_MIN_CELLS", "").strip()
    try:
        return max(0, int(v)) if v else _MIN_CELLS_DEFAULT
    except ValueError:
        return _MIN_CELLS_DEFAULT


def prefer_sparse(rows: int, cols: int, nnz: int) -> bool:
    """SystemDS's choice (sparse below 40% non-zeros, not for a single column) for a matrix of at
    least min_cells() cells."""
    cells = rows * cols
    return (cols > 1 and cells >= max(1, min_cells()) and nnz < SPARSITY_MAX * cells
            and _on_host())


def _on_host() -> bool:
    """Sparse values live in host memory: on another backend (cuda) every matrix stays dense."""
    from .. import backends
    return backends._active[0] == "cpu"


def available_memory() -> int:
    """Bytes of memory available now (MemAvailable of /proc/meminfo; 8 GiB where unknown)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 8 << 30


def _gb(n: float) -> str:
    return f"{n / 1e9:.1f} GB"


def check_dense_fits(rows: int, cols: int, what: str, itemsize: int = 8) -> None:
    """Raise a DML error when a dense rows x cols matrix would not fit in the memory available."""
    need = rows * cols * itemsize
    have = available_memory()
    if need > 0.8 * have:
        from ..errors import DMLRuntimeError
        raise DMLRuntimeError(f"{what}: a dense {rows}x{cols} matrix needs {_gb(need)}, more than the "
                              f"{_gb(have)} of memory available")


# densify calls that turned a sparse value dense: (what, rows, cols, nnz), in order (tests and
# benchmarks read it to prove a workload never densifies its big operand); DMLPY_SPARSE_TRACE=1
# also prints each one on stderr
DENSIFIED: list = []


def densify(v, what: str = "this operation"):
    """A dense NumPy array for a matrix value (v itself when it is dense)."""
    if not is_sparse(v):
        return v
    r, c = v.shape
    check_dense_fits(r, c, what, v.dtype.itemsize)
    if len(DENSIFIED) < 10000:
        DENSIFIED.append((what, r, c, int(v.nnz)))
    if os.environ.get("DMLPY_SPARSE_TRACE"):
        import sys
        print(f"dmlpy: densify {what}: {r}x{c}, {v.nnz} non-zeros", file=sys.stderr)
    return v.toarray()


def choose(v):
    """The value in the format SystemDS's rule picks: a csr_array stays sparse when prefer_sparse
    says so, else becomes dense; a dense array stays dense (converting dense to sparse costs a full
    pass, so callers that know the result is sparse build it sparse)."""
    if is_sparse(v):
        r, c = v.shape
        if prefer_sparse(r, c, v.nnz):
            if v.nnz >= _WARM_MIN_NNZ:
                from .warm import warm      # the sums' kernel loaded ahead, in the background
                warm(v)
            return v
        if r * c < max(1, min_cells()) or c <= 1:
            return v.toarray()      # small or a column: dense by the rule, not a densification
        return densify(v, "a result with 40% or more non-zeros")
    return v


def nnz(v) -> int:
    return int(v.nnz) if is_sparse(v) else int(np.count_nonzero(v))


def sparsify(v):
    """A dense matrix as a csr_array when prefer_sparse says so (a full pass to count), else v;
    for results computed densely that SystemDS would hold sparse (e.g. a parfor merge)."""
    if type(v).__name__ != "ndarray" or type(v).__module__ != "numpy" or v.ndim != 2:
        return v
    r, c = v.shape
    if r * c < max(1, min_cells()) or c <= 1:
        return v
    n = int(np.count_nonzero(v))
    if not prefer_sparse(r, c, n):
        return v
    return _sp().csr_array(v)
