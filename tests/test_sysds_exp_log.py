"""exp, sigmoid and log as SystemDS 3.4 computes them, bit for bit: exp is Commons Math's
FastMath.exp (dmlpy.kernels.fastexp, dmlpy.runtime.fastmath), log Java's Math.log
(dmlpy.kernels.javalog).  The arguments are ones where NumPy's SIMD exp/log (and some where the
C library's) differ from SystemDS in the last bit; matrix, fused (exp(-X) * 2, log(L * 3) + 1)
and scalar forms are all checked against the values SystemDS printed."""
import numpy as np
import pytest

pytestmark = pytest.mark.double_only("compares printed doubles bit for bit")

SCRIPT = """X = matrix("-18.89204968566802 -14.73159700359194 -4.707291191056889 12.294727468075159 -8.015187158968867 16.155542100497655 1.5257325287711296 11.06732457369192 0.43555537866132 8.796375340347723", rows=10, cols=1)
E = exp(X)
F = exp(-X) * 2
S = sigmoid(X)
L = matrix("0.9991700845348739 6.499021067952068 0.42676686134200836 1.9480058872759098 1.011480360834064 0.5401448131286579 0.9171507496033127 0.9707610047876525", rows=8, cols=1)
G = log(L)
H = log(L * 3) + 1
for (i in 1:10) {
  x = as.scalar(X[i,1])
  print("exp " + i + " " + as.scalar(E[i,1]) + " " + exp(x) + " " + as.scalar(F[i,1]) + " " + as.scalar(S[i,1]) + " " + sigmoid(x))
}
for (i in 1:8) {
  print("log " + i + " " + as.scalar(G[i,1]) + " " + log(as.scalar(L[i,1])) + " " + as.scalar(H[i,1]) + " " + log(as.scalar(L[i,1]), 2))
}
print("edge " + exp(-745.5) + " " + exp(-709.2) + " " + exp(709.7) + " " + exp(710) + " " + exp(-0.0) + " " + exp(0/0) + " " + log(0) + " " + log(-1))
"""

# printed by SystemDS 3.4 for SCRIPT
REF = """exp 1 6.241472619657006E-9 6.241472619657006E-9 3.2043719837865895E8 6.2414725807010255E-9 6.2414725807010255E-9
exp 2 4.000817228457382E-7 4.000817228457382E-7 4998978.673092626 4.0008156278041727E-7 4.0008156278041727E-7
exp 3 0.009029202871267659 0.009029202871267659 221.50349576974443 0.00894840589903086 0.00894840589903086
exp 4 218540.68292773244 218540.68292773244 9.151614121483114E-6 0.9999954242138771 0.9999954242138771
exp 5 3.30406395729874E-4 3.30406395729874E-4 6053.151591033708 3.3029726340155405E-4 3.3029726340155405E-4
exp 6 1.0381564018397026E7 1.0381564018397026E7 1.9264919972133561E-7 0.9999999036754095 0.9999999036754095
exp 7 4.598510877353116 4.598510877353116 0.43492340310635347 0.8213810740200287 0.8213810740200287
exp 8 64043.932598206935 64043.932598206935 3.1228563251220384E-5 0.9999843859621763 0.9999843859621763
exp 9 1.5458213367793423 1.5458213367793423 1.293810579796318 0.6071994583621975 0.6071994583621975
exp 10 6610.2406579690105 6610.2406579690105 3.02560845131847E-4 0.9998487424597388 0.9998487424597388
log 1 -8.302600356218593E-4 -8.302600356218593E-4 2.097782028632488 -0.0011978120360399505
log 2 1.8716515606290791 1.8716515606290791 3.9702638492971887 2.7002224247916615
log 3 -0.8515174070347986 -0.8515174070347986 1.247094881633311 -1.2284799403597328
log 4 0.6668062274313359 0.6668062274313359 2.7654185160994453 0.9619980375490665
log 5 0.011414961553894001 0.011414961553894001 2.1100272502220037 0.01646830842574105
log 6 -0.6159180029151462 -0.6159180029151462 1.4826942857529635 -0.8885818483999156
log 7 -0.08648342590399251 -0.08648342590399251 2.012128862764117 -0.12476920967077812
log 8 -0.02967497405794651 -0.02967497405794651 2.0689373146101633 -0.04281193791190807
edge 0.0 9.96215820288662E-309 1.6549840276802644E308 Infinity 1.0 NaN -Infinity NaN"""


def test_exp_log_as_systemds(dml_out):
    assert dml_out(SCRIPT).strip().splitlines() == REF.splitlines()


def test_tables_agree_with_the_scalar_version():
    from dmlpy.kernels import fastexp as K
    from dmlpy.runtime import fastmath as P
    for i in range(-709, 710, 7):
        assert P.int_entry(i) == (K.INT_A[K.MAX_INT + i], K.INT_B[K.MAX_INT + i]), i
    for j in range(0, 1025, 5):
        assert P.frac_entry(j) == (K.FRAC_A[j], K.FRAC_B[j]), j


def test_array_and_scalar_exp_agree():
    from dmlpy.kernels.fastexp import exp_array
    from dmlpy.runtime.fastmath import fast_exp
    rng = np.random.default_rng(3)
    x = np.concatenate([rng.uniform(-745, 709, 3000), rng.uniform(-2, 2, 3000),
                        [np.nan, np.inf, -np.inf, 0.0, -0.0, -746.5, -709.0, -710.0, 709.9, 710.0]])
    got = exp_array(x)
    want = np.array([fast_exp(v) for v in x])
    assert np.array_equal(got, want, equal_nan=True)
    assert np.all(np.abs(got[:6000] - np.exp(x[:6000])) <= 2.3e-16 * np.exp(x[:6000]))
