"""Sparse rand() generated straight into CSR (issue 15, dmlpy/sparse/create.py and rand_kernels.py):
two passes per band (count the drawn cells of each row, then write every entry in place), split
over threads. The CSR arrays must be exactly those of the dense generator (kernels/rng_kernels,
SystemDS's stream) with its zeros dropped, whatever the split; the values SystemDS itself computes
from such matrices are recorded below.

REF_SYSDS was printed by Apache SystemDS 3.4.0 (singlenode, 2026-12-02) for the script REF_SCRIPT
(its `s*` results). REF_OLD_SHA holds SHA-256 digests of (indptr, indices, data) as written by the
previous generator of this module (one thread per half, arrays grown and then assembled), recorded
before it was replaced: the new one must give the same arrays, bit for bit.
"""
import hashlib

import numpy as np
import pytest
import scipy.sparse as sp

import dmlpy
from dmlpy.kernels import pool
from dmlpy.kernels import rng_kernels as K
from dmlpy.runtime import rng
from dmlpy.sparse import create, is_sparse

pytestmark = pytest.mark.double_only("float64 values of SystemDS's rand stream")


@pytest.fixture
def small_sparse(monkeypatch):
    """Matrices of any size follow SystemDS's 40% rule (no minimum size)."""
    monkeypatch.setenv("DMLPY_SPARSE_MIN_CELLS", "1")


@pytest.fixture(params=[1, 3], ids=["1thread", "3threads"])
def threads(request, monkeypatch):
    """Bands split over this many threads even for small matrices."""
    monkeypatch.setattr(create, "_BAND_ENTRIES", 1)
    monkeypatch.setattr(pool, "NTHREADS", request.param)
    return request.param


def _same_csr(S, R):
    """S (made by create.rand) holds exactly the arrays of R: same dtypes, same bits."""
    assert is_sparse(S) and S.shape == R.shape
    assert S.indptr.dtype == S.indices.dtype == np.int32 and S.data.dtype == np.float64
    assert S.has_sorted_indices
    assert np.array_equal(S.indptr, R.indptr)
    assert np.array_equal(S.indices, R.indices)
    assert S.data.tobytes() == np.ascontiguousarray(R.data, dtype=np.float64).tobytes()


# rows, cols, sparsity, seed, pdf, min, max, lambda
CASES = [
    (50, 40, 0.1, 3, "uniform", -2.0, 3.0, 1.0),
    (1500, 2300, 0.01, 7, "uniform", 0.0, 1.0, 1.0),       # edge blocks in both directions
    (2100, 1200, 0.2, 11, "normal", 0.0, 1.0, 1.0),        # blocks drawn by coin flips
    (1001, 999, 0.05, 5, "poisson", 0.0, 1.0, 3.5),        # zeros drawn: holes closed
    (3001, 2999, 0.02, 6, "poisson", 0.0, 1.0, 0.3),       # mostly zeros: arrays trimmed
    (3000, 50, 0.3, 9, "uniform", 0.0, 1.0, 1.0),
    (10, 3000, 0.001, 1, "uniform", 0.0, 1.0, 1.0),        # SystemDS's lost leading blocks
    (1001, 1001, 0.0005, 42, "uniform", 1.0, 2.0, 1.0),
    (2500, 2500, 0.39, 13, "poisson", 0.0, 1.0, 1.0),      # just below the 40% turn point
    (2000, 3000, 0.398, 14, "uniform", -1.0, 1.0, 1.0),
    (4001, 1999, 0.02, 15, "uniform", -0.5, 0.5, 1.0),
    (3500, 2500, 0.01, 16, "normal", 0.0, 1.0, 1.0),
    (7, 200000, 0.01, 17, "uniform", 0.0, 1.0, 1.0),       # one band of 200 blocks
    (20000, 3, 0.1, 18, "uniform", 0.0, 1.0, 1.0),         # 20 bands of one narrow block
    (3000, 3000, 1e-7, 19, "uniform", 0.0, 1.0, 1.0),      # nearly empty
    (2000, 2000, 1e-5, 20, "normal", 0.0, 1.0, 1.0),
]


@pytest.mark.parametrize("rows, cols, sparsity, seed, pdf, mn, mx, lam", CASES)
def test_rand_csr_equals_dense_generator(small_sparse, threads, rows, cols, sparsity, seed, pdf,
                                         mn, mx, lam):
    S = create.rand(rows, cols, mn, mx, sparsity, seed, pdf, lam)
    D = rng.rand_matrix(rows, cols, mn, mx, sparsity, seed, pdf, lam)
    _same_csr(S, sp.csr_array(D))


def test_rand_dense_generator_reference_is_nontrivial(small_sparse):
    """The cases above hold entries, zeros drawn (poisson) and several row bands."""
    S = create.rand(3001, 2999, 0.0, 1.0, 0.02, 6, "poisson", 0.3)
    D = rng.rand_matrix(3001, 2999, 0.0, 1.0, 0.02, 6, "poisson", 0.3)
    assert S.nnz == np.count_nonzero(D) == 46611 and S.indptr.shape == (3002,)
    assert S.data.min() == 1.0 and S.data.max() == 6.0
    buf = S.data if S.data.base is None else S.data.base
    assert buf.size == S.nnz            # three quarters of the drawn cells were 0: trimmed


REF_OLD_SHA = {      # case: (nnz, SHA-256 of indptr, indices as int64 and data as float64)
    (20000, 30000, 0.001, 7, "uniform", 0.0, 1.0, 1.0):
        (599448, "7363a78e4cf0a20af9134a94ff4a8857579cc763951ac3cc5a4487a3c922d410"),
    (12001, 9001, 0.01, 3, "normal", 0.0, 1.0, 1.0):
        (1080759, "79b49ee01b166f6f55a717105dc55d17d5d79065404ba975d686a382d01715cc"),
    (9000, 11000, 0.005, 5, "poisson", 0.0, 1.0, 0.4):
        (163471, "b3a2bc2896b5cfc0fd17bf63d997ac9c074e2d70025393c21179bbf8c1b98ae8"),
    (4999, 3001, 0.3, 24, "uniform", -1.0, 1.0, 1.0):
        (4503188, "77f62a5ac03d6a205cae6bcb2e626f1edf9042df15a0978feaeb77c9db935a72"),
}


def _digest(S):
    h = hashlib.sha256()
    for a, dt in ((S.indptr, np.int64), (S.indices, np.int64), (S.data, np.float64)):
        h.update(np.ascontiguousarray(a, dtype=dt).tobytes())
    return h.hexdigest()


@pytest.mark.parametrize("case", list(REF_OLD_SHA), ids=lambda c: f"{c[0]}x{c[1]}-{c[4]}")
def test_rand_csr_equals_previous_generator(threads, case):
    rows, cols, sparsity, seed, pdf, mn, mx, lam = case
    S = create.rand(rows, cols, mn, mx, sparsity, seed, pdf, lam)
    assert is_sparse(S) and S.has_sorted_indices
    assert (S.nnz, _digest(S)) == REF_OLD_SHA[case]


REF_SCRIPT = """A = rand(rows=20000, cols=30000, sparsity=0.001, seed=7)
sA = sum(A)
qA = sum(A^2)
eA = as.scalar(A[1234, 2345])
cA = sum(A[19001:20000, 29001:30000])
iA = sum(rowIndexMax(A[1:500,]))
B = rand(rows=12001, cols=9001, sparsity=0.01, seed=3, pdf="normal")
sB = sum(B)
qB = sum(B^2)
rB = sum(B[12001, ])
kB = sum(B[, 9001])
C = rand(rows=9000, cols=11000, sparsity=0.005, seed=5, pdf="poisson", lambda=0.4)
sC = sum(C)
qC = sum(C^2)
mC = max(C)
D = rand(rows=3000, cols=4000, sparsity=0.39, seed=11, min=-1, max=2)
sD = sum(D)
qD = sum(D^2)
"""
REF_SYSDS = {
    "sA": 299536.6595746808, "qA": 199672.59718352748, "eA": 0.0, "cA": 513.5502480815545,
    "iA": 7878163.0, "sB": -1139.431917179619, "qB": 1078654.539934166,
    "rB": 4.051891147096274, "kB": 8.092310374936801, "sC": 198408.0, "qC": 277746.0,
    "mC": 6.0, "sD": 2336141.403471605, "qD": 4674153.558150948,
}


def test_rand_sparse_values_as_systemds():
    got = dmlpy.run(REF_SCRIPT, outputs=list(REF_SYSDS) + ["A", "C"])
    assert is_sparse(got["A"]) and is_sparse(got["C"])
    assert {k: float(got[k]) for k in REF_SYSDS} == REF_SYSDS


def test_rand_sparse_single_precision(monkeypatch):
    """--precision single: float32 data, the float64 stream rounded once, the same structure."""
    monkeypatch.setattr(create, "_BAND_ENTRIES", 1)
    script = ('X = rand(rows=3001, cols=2999, sparsity=0.02, seed=6, pdf="poisson", lambda=0.3)\n'
              'Y = rand(rows=4001, cols=1999, sparsity=0.02, seed=15, min=-0.5, max=0.5)\n')
    got = dmlpy.run(script, outputs=["X", "Y"], precision="single")
    want = dmlpy.run(script, outputs=["X", "Y"])
    for k in ("X", "Y"):
        g, w = got[k], want[k]
        assert is_sparse(g) and is_sparse(w) and g.data.dtype == np.float32
        assert np.array_equal(g.indptr, w.indptr) and np.array_equal(g.indices, w.indices)
        assert np.array_equal(g.data, w.data.astype(np.float32))


@pytest.mark.parametrize("seed", [7, 0, -1, 123456789012345, -987654321, 2 ** 47 + 5,
                                  -2 ** 63, 2 ** 63 - 1])
def test_block_seeds_kernel(seed):
    want = np.array(rng.block_seeds(seed, 3500, 2100), dtype=np.int64)
    assert np.array_equal(K.block_seeds(seed & 0xFFFFFFFFFFFF, want.shape[0]), want)


def test_rand_result_is_declared_canonical_and_is():
    from dmlpy.sparse import create
    x = create.rand(3000, 2500, sparsity=0.01, seed=5)
    assert x.has_sorted_indices and x.has_canonical_format      # declared by the generator
    y = sp.csr_array((x.data, x.indices, x.indptr), shape=x.shape)  # flags computed afresh
    assert y.has_sorted_indices and y.has_canonical_format
