"""Products of a large sparse matrix with dense vectors in SystemDS's order
(dmlpy.kernels.sysds_matmul_csr): the printed digits of SystemDS 3.4 on the same script, and
each kernel against a plain loop written after SystemDS's kernels."""
from __future__ import annotations

import contextlib
import io

import numpy as np
import pytest
import scipy.sparse as sp

from dmlpy.kernels import sysds_matmul_csr as K
from dmlpy.kernels.sysds_matmul import _split

pytestmark = pytest.mark.double_only("SystemDS's double digits")

# each product kind at a size beyond the dense emulation's work bound
SCRIPT = """
A = rand(rows=30000, cols=20000, sparsity=0.002, seed=11)
v = rand(rows=20000, cols=1, min=-1, max=1, seed=12)
y1 = A %*% v
print("mv-short " + as.scalar(y1[1,1]) + " " + as.scalar(y1[17,1]) + " " + as.scalar(y1[29999,1]) + " " + sum(y1))
B = rand(rows=2000, cols=400000, sparsity=0.01, seed=13)
u = rand(rows=400000, cols=1, min=-1, max=1, seed=14)
y2 = B %*% u
print("mv-tall " + as.scalar(y2[1,1]) + " " + as.scalar(y2[1000,1]) + " " + sum(y2))
z = rand(rows=30000, cols=1, min=-1, max=1, sparsity=0.7, seed=15)
g = t(A) %*% z
print("vm " + as.scalar(g[1,1]) + " " + as.scalar(g[555,1]) + " " + as.scalar(g[20000,1]) + " " + sum(g))
h = t(z) %*% A
print("vm2 " + as.scalar(h[1,1]) + " " + as.scalar(h[1,555]) + " " + sum(h))
C = rand(rows=200000, cols=50000, sparsity=0.000002, seed=16)
yc = rand(rows=200000, cols=1, seed=17)
gc = t(C) %*% yc
print("vm-sparse-out " + sum(gc) + " " + max(gc))
q = t(A) %*% (A %*% v)
print("chain " + as.scalar(q[1,1]) + " " + as.scalar(q[777,1]) + " " + sum(q))
wt = rand(rows=30000, cols=1, min=0, max=2, sparsity=0.9, seed=18)
q2 = t(A) %*% (wt * (A %*% v))
print("wchain " + as.scalar(q2[1,1]) + " " + as.scalar(q2[777,1]) + " " + sum(q2))
"""

# printed by SystemDS 3.4 for SCRIPT (2026-12-02)
SYSDS = """\
mv-short -1.2466461761097856 0.9222532996101884 -1.974647686847172 -1558.9223307608454
mv-tall -8.122618813749298 4.857608807027862 -639.463320105554
vm 0.7523882688737467 2.734311159890771 -4.78266484917107 -1199.0505842912378
vm2 0.7523882688737467 2.734311159890771 -1199.0505842912378
vm-sparse-out 4970.718576980199 1.9551062476028305
chain 16.057026390416013 10.526936561088739 -30963.007782429842
wchain 12.558116743559827 13.315201810735815 -37071.27457784894
"""


def test_products_print_systemds_digits():
    import dmlpy
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        dmlpy.run(SCRIPT)
    assert out.getvalue() == SYSDS


# ------------------------------------------------------------------ plain loops after SystemDS
def _dot(vals, cols, v):
    """LibMatrixMult.dotProduct over a row's non-zeros."""
    val = 0.0
    bn = len(vals) % 8
    for t in range(bn):
        val += vals[t] * v[cols[t]]
    for t in range(bn, len(vals), 8):
        g = vals[t] * v[cols[t]]
        for q in range(t + 1, t + 8):
            g += vals[q] * v[cols[q]]
        val += g
    return val


def _rows(x):
    for i in range(x.shape[0]):
        lo, hi = x.indptr[i], x.indptr[i + 1]
        yield i, x.data[lo:hi].tolist(), x.indices[lo:hi].tolist()


def _matrix(m, n, density, seed, nan=False):
    x = sp.random_array((m, n), density=density, format="csr", rng=np.random.default_rng(seed),
                        data_sampler=np.random.default_rng(seed + 1).normal)
    if nan and x.nnz:
        x.data[x.nnz // 2] = np.nan
    x.sort_indices()
    return x


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("unrolled", [True, False])
def test_mv_rows_is_dotproduct_or_sequential(seed, unrolled):
    x = _matrix(300, 500, 0.07, seed)
    v = np.random.default_rng(seed).normal(size=500)
    out = np.zeros(300)
    K.mv_rows(0, 300, x.data, x.indices, x.indptr, v, out, unrolled)
    for i, vals, cols in _rows(x):
        if unrolled:
            want = _dot(vals, cols, v)
        else:
            want = 0.0
            for a, j in zip(vals, cols):
                want += a * v[j]
        assert out[i] == want or (np.isnan(out[i]) and np.isnan(want))


@pytest.mark.parametrize("seed", [4, 5])
def test_vm_is_two_ranges_added_in_order(seed):
    x = _matrix(4001, 300, 0.05, seed)
    y = np.random.default_rng(seed).normal(size=(4001, 1))
    y[::7] = 0.0
    got = K.vm(x, y)
    want = np.zeros(300)
    for lo, hi in _split(4001):          # 2 * 4001 * 300 > 128 Ki: parallel, two ranges
        part = np.zeros(300)
        for k in range(lo, hi):
            if y[k, 0] != 0.0:
                a0, a1 = x.indptr[k], x.indptr[k + 1]
                for t in range(a0, a1):
                    part[x.indices[t]] += y[k, 0] * x.data[t]
        want += part
    assert np.array_equal(got, want)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("seed", [6, 7])
def test_chain_in_two_passes_is_the_fused_loop(seed, weighted):
    x = _matrix(3000, 400, 0.04, seed, nan=True)
    v = np.random.default_rng(seed).normal(size=(400, 1))
    w = np.random.default_rng(seed + 9).normal(size=(3000, 1)) if weighted else None
    if weighted:
        w[::5] = 0.0                 # skipped rows: a NaN row times w = 0 is not added
    got = K.chain(x, v, w)
    want = np.zeros(400)
    for lo, hi in _split(3000):
        part = np.zeros(400)
        for i in range(lo, hi):
            a0, a1 = x.indptr[i], x.indptr[i + 1]
            if a0 == a1 or (weighted and w[i, 0] == 0.0):
                continue
            val = _dot(x.data[a0:a1].tolist(), x.indices[a0:a1].tolist(), v[:, 0])
            if weighted:
                val = val * w[i, 0]
            if val != 0.0:
                for t in range(a0, a1):
                    part[x.indices[t]] += val * x.data[t]
        want += part
    assert np.array_equal(got[:, 0], want, equal_nan=True)
