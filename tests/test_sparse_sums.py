"""The fast sparse sums (dmlpy.kernels.sparse_sums, through dmlpy.sparse.aggs): sum, sum of squares,
colSums and rowSums give, bit for bit, what the part-by-part kernels give (kahan_parts' dense-part
kernel over each part's run of CSR values; sparse_kahan's row loops for column and row sums), which
test_sparse_ops checks against the dense emulation of SystemDS's order. Cases for each path of the
kernels: part counts that are not a multiple of eight, stored zeros (SystemDS skips them),
infinities, NaN, sums that overflow, float32 values. And the background load of the kernel
(dmlpy.sparse.warm)."""
import numpy as np
import pytest
import scipy.sparse as sp

from dmlpy.kernels import sparse_kahan
from dmlpy.kernels.kahan_parts import _group_range
from dmlpy.runtime.kahan import _kadd_cols, join_sums
from dmlpy.sparse import aggs


def _part_total(x, square):
    """sum over the parts, one part after the other (the kernel dense sums use)."""
    lo, hi = aggs._parts(x, True)
    P = len(lo)
    S, C, N, NZ = np.zeros(P), np.zeros(P), np.zeros(P), np.zeros(P)
    for attempt in (0, 1):
        ip = x.indptr.astype(np.int64)
        _group_range(0, (P + 3) // 4, P, aggs._data(x), ip[lo], ip[hi] - ip[lo], False, square,
                     False, S, C, N, NZ)
        if attempt or int(NZ.sum()) == x.nnz:
            break
        x = aggs._no_stored_zeros(x)
    return join_sums(list(zip(S.tolist(), C.tolist())))


def _row_loop_col_sums(x):
    n, m = x.shape
    lo, hi = aggs._parts(x, False)
    SC = np.zeros((len(lo), m, 2))
    sparse_kahan.col_sums_parts_sc(0, len(lo), aggs._data(x), x.indices, x.indptr, lo, hi, SC)
    s, c = SC[0, :, 0], SC[0, :, 1]
    for p in range(1, len(lo)):
        s, c = _kadd_cols(s, c, SC[p, :, 0], SC[p, :, 1])
    return s.reshape(1, m)


def _matrix(n, m, density, seed, kind):
    rng = np.random.default_rng(seed)
    x = sp.random_array((n, m), density=density, format="csr", rng=rng)
    x.data = (x.data - 0.5) * 10.0 ** rng.integers(-5, 8, x.nnz)
    if kind == "zeros":
        x.data[::3] = 0.0           # stored zeros
    elif kind == "inf":
        x.data[1], x.data[-2] = np.inf, -np.inf
    elif kind == "nan":
        x.data[2] = np.nan
    elif kind == "overflow":
        x.data *= 1e305
    elif kind == "float32":
        x = x.astype(np.float32)
    return x


SHAPES = [(7, 3, 0.5), (320, 100, 0.2), (500, 100, 0.2), (3000, 200, 0.05), (50000, 300, 0.01),
          (9, 100000, 0.001), (2000, 50, 0.01), (20000, 40000, 0.002)]
# 1 part; 10 parts (8 + 2); 16; 16; 16 over two threads; wide; many empty rows; two wide row
# parts
KINDS = ["plain", "zeros", "inf", "nan", "overflow", "float32"]


def _same(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return a.shape == b.shape and np.array_equal(a.view(np.int64), b.view(np.int64))


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("shape", SHAPES, ids=[f"{n}x{m}" for n, m, _ in SHAPES])
def test_sums_bit_for_bit(shape, kind):
    with np.errstate(all="ignore"):
        x = _matrix(*shape, seed=sum(shape[:2]), kind=kind)
        for square in (False, True):
            assert _same(aggs.total(x, square), _part_total(x, square)), square
        assert _same(aggs.col_sums(x), _row_loop_col_sums(x))
        want = np.zeros(x.shape[0])
        sparse_kahan.row_sums_range(0, x.shape[0], aggs._data(x), x.indptr, want)
        assert _same(aggs.row_sums(x), want.reshape(-1, 1))


def test_part_counts_reach_the_eight_lane_paths():
    # the shapes above give one part, a group of eight plus a partial group, and two full groups
    counts = {n: len(aggs._parts(_matrix(n, m, d, 1, "plain"), True)[0]) for n, m, d in SHAPES[1:4]}
    assert counts == {320: 10, 500: 16, 3000: 16}


def test_background_load_of_the_sums_kernel(monkeypatch):
    from dmlpy.kernels import sparse_sums
    from dmlpy.sparse import choose, warm
    x = sp.random_array((2000, 1000), density=0.05, format="csr", rng=np.random.default_rng(3))
    monkeypatch.setenv("DMLPY_SPARSE_MIN_CELLS", "16")
    aggs.total(x)       # the cache holds the kernel (a first run ever compiles it here)
    assert warm._cached(sparse_sums.sums)
    loads = []
    real = warm._load
    monkeypatch.setattr(warm, "_load", lambda *dts: loads.append(dts) or real(*dts))
    for setting, started in (("0", 0), ("1", 1)):
        monkeypatch.setenv("DMLPY_SPARSE_WARM", setting)
        monkeypatch.setattr(warm, "_started", set())
        monkeypatch.setattr(warm, "_threads", [])
        assert choose(x) is x
        assert choose(x) is x       # once per process and dtypes
        assert len(warm._threads) == started
        warm.join()
        assert not any(t.is_alive() for t in warm._threads)
    from dmlpy.kernels import kahan_parts, sysds_matmul_csr
    assert loads == [(sparse_sums, kahan_parts, sysds_matmul_csr, x.data.dtype, x.indices.dtype,
                      x.indptr.dtype)]
    small = sp.random_array((200, 100), density=0.05, format="csr", rng=np.random.default_rng(4))
    monkeypatch.setattr(warm, "_started", set())
    choose(small)
    assert not warm._started        # too few non-zeros to be worth a thread


def test_rand_starts_the_background_load_once_its_generator_is_loaded(monkeypatch):
    """A sparse rand starts the loads as its generation begins (after its own kernels are loaded,
    so that the thread never holds Numba's lock ahead of them), for the dtypes it makes."""
    from dmlpy.kernels import pool
    from dmlpy.sparse import create, rand_kernels
    calls = []

    def record(nnz, dt, it, pt):
        calls.append((nnz, np.dtype(dt), np.dtype(it), np.dtype(pt),
                      any(k[0] == id(rand_kernels.fill_bands) for k in pool._warm)))

    monkeypatch.setattr(create, "warm_types", record)
    monkeypatch.setenv("DMLPY_SPARSE_MIN_CELLS", "16")
    x = create.rand(3000, 2000, sparsity=0.05, seed=11)
    assert x is not None and len(calls) == 1
    nnz, dt, it, pt, fill_loaded = calls[0]
    assert fill_loaded                      # the generator's fill kernel was loaded first
    assert nnz >= x.nnz and (dt, it, pt) == (x.data.dtype, x.indices.dtype, x.indptr.dtype)


def test_col_sums_zero_their_fresh_pairs():
    """colSums hands the kernel uninitialised pairs (np.empty): each part is zeroed in the kernel;
    a run after garbage was left in reused memory gives the same sums."""
    x = sp.random_array((5000, 300), density=0.02, format="csr", rng=np.random.default_rng(5))
    want = x.toarray().sum(axis=0)
    for _ in range(3):
        junk = np.full(10 * 2 * 300 * 8, np.nan)       # memory the next np.empty may reuse
        del junk
        np.testing.assert_allclose(aggs.col_sums(x).ravel(), want, rtol=1e-12)
