"""Matrix products in SystemDS's order of additions (dmlpy.kernels.sysds_matmul): the values
SystemDS 3.4 printed for products whose BLAS result differs in the last bits.  Inputs are exact
DML expressions (multiples mod 101 over 13), so both systems multiply the same doubles; each
product's kernel (dot, matrix-vector short/tall, vector-matrix, skinny right side, general,
few-rows left side split over the common dimension, columns split, zeros skipped) is named in
the printed label."""
import pytest

pytestmark = pytest.mark.double_only("compares printed doubles bit for bit")

GEN = """gen = function(Integer r, Integer c, Integer s, Integer z) return (Matrix[Double] X) {
  q = seq(1, r*c)
  X = matrix(((q*s) %% 101)/13 - 3.7, rows=r, cols=c)
  if (z == 1) { X = X * matrix(q %% 3 != 0, rows=r, cols=c) }
}
"""

KERNELS = """C = gen(1,37,7,0) %*% gen(37,1,11,0)
print("dot 1 1 " + as.scalar(C[1,1]))
C = gen(1,70000,7,0) %*% gen(70000,1,11,0)
print("dotpar 1 1 " + as.scalar(C[1,1]))
C = gen(7,33,7,0) %*% gen(33,1,11,0)
print("mvshort 1 1 " + as.scalar(C[1,1]))
print("mvshort 4 1 " + as.scalar(C[4,1]))
print("mvshort 7 1 " + as.scalar(C[7,1]))
C = gen(5,3000,7,0) %*% gen(3000,1,11,0)
print("mvtall 1 1 " + as.scalar(C[1,1]))
print("mvtall 3 1 " + as.scalar(C[3,1]))
print("mvtall 5 1 " + as.scalar(C[5,1]))
C = gen(10,7000,7,0) %*% gen(7000,1,11,0)
print("mvtallpar 1 1 " + as.scalar(C[1,1]))
print("mvtallpar 4 1 " + as.scalar(C[4,1]))
print("mvtallpar 10 1 " + as.scalar(C[10,1]))
C = gen(1,37,7,0) %*% gen(37,19,11,0)
print("vm 1 1 " + as.scalar(C[1,1]))
print("vm 1 10 " + as.scalar(C[1,10]))
print("vm 1 16 " + as.scalar(C[1,16]))
C = gen(1,700,7,0) %*% gen(700,300,11,0)
print("vmpar 1 1 " + as.scalar(C[1,1]))
print("vmpar 1 150 " + as.scalar(C[1,150]))
print("vmpar 1 299 " + as.scalar(C[1,299]))
C = gen(1,41,7,1) %*% gen(41,19,11,1)
print("vmzero 1 1 " + as.scalar(C[1,1]))
print("vmzero 1 8 " + as.scalar(C[1,8]))
print("vmzero 1 16 " + as.scalar(C[1,16]))
C = gen(3,40,7,0) %*% gen(40,50,11,0)
print("mm 1 1 " + as.scalar(C[1,1]))
print("mm 2 2 " + as.scalar(C[2,2]))
print("mm 3 49 " + as.scalar(C[3,49]))
C = gen(10,300,7,0) %*% gen(300,200,11,0)
print("shortlhs 1 1 " + as.scalar(C[1,1]))
print("shortlhs 6 19 " + as.scalar(C[6,19]))
print("shortlhs 10 200 " + as.scalar(C[10,200]))
C = gen(9,301,7,1) %*% gen(301,130,11,1)
print("shortlhsz 1 1 " + as.scalar(C[1,1]))
print("shortlhsz 5 71 " + as.scalar(C[5,71]))
print("shortlhsz 9 130 " + as.scalar(C[9,130]))
C = gen(50,30,7,0) %*% gen(30,5,11,0)
print("skinny 1 2 " + as.scalar(C[1,2]))
print("skinny 24 4 " + as.scalar(C[24,4]))
print("skinny 50 5 " + as.scalar(C[50,5]))
C = gen(40,37,7,0) %*% gen(37,70,11,0)
print("mmgen 1 1 " + as.scalar(C[1,1]))
print("mmgen 20 2 " + as.scalar(C[20,2]))
print("mmgen 40 6 " + as.scalar(C[40,6]))
C = gen(30,30,7,0) %*% gen(30,3000,11,0)
print("pm2c 1 1025 " + as.scalar(C[1,1025]))
print("pm2c 15 2528 " + as.scalar(C[15,2528]))
print("pm2c 30 2528 " + as.scalar(C[30,2528]))
C = gen(70,90,7,1) %*% gen(90,60,11,1)
print("mmzpar 1 1 " + as.scalar(C[1,1]))
print("mmzpar 35 53 " + as.scalar(C[35,53]))
print("mmzpar 70 59 " + as.scalar(C[70,59]))
"""

# printed by SystemDS 3.4 for KERNELS: label row col value
KERNELS_REF = """dot 1 1 12.557218934911237
dotpar 1 1 30502.471005916836
mvshort 1 1 17.090118343195265
mvshort 4 1 -14.503372781065085
mvshort 7 1 4.044556213017746
mvtall 1 1 1293.1106508875746
mvtall 3 1 -334.312426035503
mvtall 5 1 805.9035502958573
mvtallpar 1 1 3054.006508875741
mvtallpar 4 1 -166.13668639053316
mvtallpar 10 1 -730.3745562130175
vm 1 1 138.5447928994083
vm 1 10 169.4400591715976
vm 1 16 -73.77828402366862
vmpar 1 1 247.2384615384616
vmpar 1 150 -70.6130177514794
vmpar 1 299 -136.9804733727811
vmzero 1 1 105.10757396449706
vmzero 1 8 -3.1595266272189346
vmzero 1 16 -44.57526627218935
mm 1 1 5.743195266272184
mm 2 2 -35.68639053254437
mm 3 49 -6.434911242603558
shortlhs 1 1 97.63668639053255
shortlhs 6 19 135.2266272189349
shortlhs 10 200 10.961538461538488
shortlhsz 1 1 -42.597573964497045
shortlhsz 5 71 15.25390532544378
shortlhsz 9 130 7.685207100591687
skinny 1 2 6.739644970414194
skinny 24 4 19.142011834319526
skinny 50 5 5.108875739644962
mmgen 1 1 7.870828402366859
mmgen 20 2 33.16254437869823
mmgen 40 6 4.758402366863903
pm2c 1 1025 -0.9591715976331363
pm2c 15 2528 28.113609467455618
pm2c 30 2528 6.495266272189347
mmzpar 1 1 76.85325443786981
mmzpar 35 53 -45.28579881656805
mmzpar 70 59 -53.87278106508877"""

PATTERNS = """X = gen(60, 20, 7, 0)
y = gen(60, 1, 11, 0)
v = gen(20, 1, 13, 0)
w = gen(60, 1, 17, 0)
A = gen(20, 30, 5, 0)
B = gen(40, 30, 3, 0)
r1 = t(X) %*% y
r2 = A %*% t(B)
r3 = t(X) %*% gen(60, 50, 3, 0)
r4 = t(X) %*% (X %*% v)
r5 = t(X) %*% (w * (X %*% v))
r6 = - t(X) %*% y
X2 = gen(300, 120, 7, 0)
v2 = gen(120, 1, 5, 0)
r7 = t(X2) %*% (X2 %*% v2)
idx = matrix("1 7 13 20", rows=4, cols=1)
for (k in 1:4) {
  i = as.integer(as.scalar(idx[k, 1]))
  print("tn " + i + " " + as.scalar(r1[i, 1]) + " " + as.scalar(r6[i, 1]))
  print("nt " + i + " " + as.scalar(r2[i, 2*i]) + " " + as.scalar(r3[i, 2*i+5]))
  print("chain " + i + " " + as.scalar(r4[i, 1]) + " " + as.scalar(r5[i, 1]) + " " + as.scalar(r7[6*i, 1]))
}
p = gen(60, 1, 19, 0)
u = gen(70000, 1, 23, 0)
z = gen(70000, 1, 29, 0)
print("dot " + sum(p * y) + " " + sum(p ^ 2) + " " + sum(u * z) + " " + sum(u ^ 2))
"""

# printed by SystemDS 3.4 for PATTERNS: t(X) %*% y and -t(X) %*% y (SystemDS: t(t(y) %*% X)),
# A %*% t(B), mmchain t(X) %*% (X %*% v) and t(X) %*% (w * (X %*% v)) (serial and split over
# two threads), sum(v1 * v2) and sum(v^2) of column vectors (SystemDS: t(v1) %*% v2)
PATTERNS_REF = """tn 1 -10.257988165680468 10.257988165680468
nt 1 -38.57396449704143 -5.6946745562130205
chain 1 -957.6995857988165 342.5220664192434 -835.4908830223047
tn 7 -51.33195266272189 51.33195266272189
nt 7 -56.71715976331362 -6.123668639053247
chain 7 937.9491169776969 1729.112255138125 2282.7073873463823
tn 13 34.830177514792894 -34.830177514792894
nt 13 78.99585798816568 26.637278106508894
chain 13 878.7444287664995 -1843.8979766464756 152.19723714155512
tn 20 9.072781065088757 -9.072781065088757
nt 20 -23.680473372781073 -7.4183431952662735
chain 20 997.8861219845245 1787.7856958439834 2903.854314974962
dot -28.67396449704141 299.29349112426036 1075.7585798816542 353557.1053254424"""


def test_kernels_as_systemds(dml_out, monkeypatch):
    # every kernel, also those of products above the work bound (which use BLAS by default)
    from dmlpy.runtime import kahan
    monkeypatch.setattr(kahan, "SYSDS_MM_MAX_WORK", 1 << 40)
    assert dml_out(GEN + KERNELS).strip().splitlines() == KERNELS_REF.splitlines()


def test_product_patterns_as_systemds(dml_out, monkeypatch):
    from dmlpy.runtime import kahan
    monkeypatch.setattr(kahan, "SYSDS_MM_MAX_WORK", 1 << 40)
    assert dml_out(GEN + PATTERNS).strip().splitlines() == PATTERNS_REF.splitlines()


def test_empty_operand_gives_zeros(dml_out):
    # SystemDS: a product with an all-zero operand is all zeros (no 0 * Inf = NaN)
    out = dml_out("Z = matrix(0, rows=3, cols=4)\nI = matrix(1/0, rows=4, cols=2)\n"
                  "print(toString(Z %*% I))\nprint(toString(t(I) %*% t(Z)))\n")
    assert out.split() == ["0.000"] * 12


def test_kernel_matches_rounding_free_products():
    # integers: every order gives the exact product, so each path must agree with BLAS
    import numpy as np
    from dmlpy.kernels import sysds_matmul as S
    rng = np.random.default_rng(5)
    for m, cd, n in [(1, 37, 1), (1, 70000, 1), (7, 33, 1), (10, 7000, 1), (1, 700, 300),
                     (10, 300, 200), (50, 30, 5), (40, 37, 70), (30, 30, 3000), (70, 90, 60)]:
        a = rng.integers(-8, 9, (m, cd)).astype(float)
        b = rng.integers(-8, 9, (cd, n)).astype(float)
        assert np.array_equal(S.matmul(a, b), a @ b), (m, cd, n)
    x = rng.integers(-8, 9, (300, 120)).astype(float)
    v = rng.integers(-8, 9, (120, 1)).astype(float)
    w = rng.integers(-8, 9, (300, 1)).astype(float)
    assert np.array_equal(S.chain(x, v, None), x.T @ (x @ v))
    assert np.array_equal(S.chain(x, v, w), x.T @ (w * (x @ v)))


def test_patterns_outside_the_kernels_keep_their_values_and_errors(dml, dml_out):
    # a matrix v (two columns) is no mmchain: the tree as written; shapes that do not fit keep
    # the product's error
    out = dml_out("X = matrix(seq(1, 12), rows=4, cols=3)\nV = matrix(seq(1, 6), rows=3, cols=2)\n"
                  "print(toString(t(X) %*% (X %*% V)))\nprint(sum(-t(X) %*% X[, 1]))\n")
    assert out.split() == ["1780.000", "2344.000", "2030.000", "2672.000", "2280.000", "3000.000",
                           "-564.0"]      # printed by SystemDS 3.4
    out, err, rc = dml("X = matrix(seq(1, 12), rows=4, cols=3)\nv = matrix(1, rows=4, cols=1)\n"
                       "r = t(X) %*% (X %*% v)\nprint(sum(r))\n")
    assert rc == 1 and "invalid dimensions for matrix multiplication" in err


# A held sparse (a third of its cells non-zero: z = 2) times a dense B: SystemDS's sparse-dense
# kernels (dmlpy.kernels.sysds_matmul_sparse), each named in the label
GEN_SPARSE = GEN.replace("  if (z == 1)", "  if (z == 2) { X = X * matrix(q %% 3 == 0, rows=r, cols=c) }\n  if (z == 1)")

SPARSE_LEFT = """C = gen(1,37,7,2) %*% gen(37,1,11,0)
print("sdot 1 1 " + as.scalar(C[1,1]))
C = gen(7,330,7,2) %*% gen(330,1,11,0)
print("smv 1 1 " + as.scalar(C[1,1]))
print("smv 5 1 " + as.scalar(C[5,1]))
C = gen(1,37,7,2) %*% gen(37,19,11,0)
print("svm 1 1 " + as.scalar(C[1,1]))
print("svm 1 10 " + as.scalar(C[1,10]))
C = gen(1,700,7,2) %*% gen(700,300,11,0)
print("svmpar 1 1 " + as.scalar(C[1,1]))
print("svmpar 1 150 " + as.scalar(C[1,150]))
C = gen(3,133,7,2) %*% gen(133,4,11,0)
print("sskinny 1 1 " + as.scalar(C[1,1]))
print("sskinny 3 4 " + as.scalar(C[3,4]))
C = gen(10,300,7,2) %*% gen(300,200,11,0)
print("sshortlhs 1 1 " + as.scalar(C[1,1]))
print("sshortlhs 6 19 " + as.scalar(C[6,19]))
print("sshortlhs 10 200 " + as.scalar(C[10,200]))
C = gen(40,37,7,2) %*% gen(37,70,11,0)
print("smm 1 1 " + as.scalar(C[1,1]))
print("smm 20 2 " + as.scalar(C[20,2]))
C = gen(30,60,7,2) %*% gen(60,1500,11,0)
print("smmwide 1 1025 " + as.scalar(C[1,1025]))
print("smmwide 30 1500 " + as.scalar(C[30,1500]))
"""

# printed by SystemDS 3.4 for SPARSE_LEFT
SPARSE_LEFT_REF = """sdot 1 1 8.828520710059168
smv 1 1 48.65384615384613
smv 5 1 -7.628402366863906
svm 1 1 50.23739644970414
svm 1 10 50.83147928994083
svmpar 1 1 123.71023668639054
svmpar 1 150 -43.26668639053257
sskinny 1 1 16.53337278106508
sskinny 3 4 34.2405325443787
sshortlhs 1 1 32.52248520710059
sshortlhs 6 19 50.713609467455626
sshortlhs 10 200 -1.2585798816568161
smm 1 1 5.09597633136095
smm 20 2 4.215502958579881
smmwide 1 1025 -26.353846153846156
smmwide 30 1500 7.649704142011831"""


def test_sparse_left_kernels_as_systemds(dml_out, monkeypatch):
    from dmlpy.runtime import kahan
    monkeypatch.setattr(kahan, "SYSDS_MM_MAX_WORK", 1 << 40)
    assert dml_out(GEN_SPARSE + SPARSE_LEFT).strip().splitlines() == SPARSE_LEFT_REF.splitlines()


NONFINITE = """p = matrix("1 NaN 3", rows=1, cols=3)
P = matrix(0, rows=3, cols=9)
P[1,1:3] = matrix(1, rows=1, cols=3)
P[2,4:6] = matrix(1, rows=1, cols=3)
P[3,7:9] = matrix(1, rows=1, cols=3)
print(toString(p %*% P))
D = rand(rows=3, cols=9, min=1, max=1)
D[2,1] = 0
print(toString(p %*% D))
S = matrix(seq(1, 40*50), rows=40, cols=50)
S = S * (S %% 5 == 0)
S[3,7] = 1/0
S[5,7] = 2
S[9,8] = 0/0
S[11,9] = -1/0
E = matrix(seq(1, 50*60), rows=50, cols=60) %% 7 - 3
R = S %*% E
print(sum(is.nan(R)) + " " + sum(R == 1/0) + " " + sum(R == -1/0))
print(as.scalar(R[5,1]) + " " + as.scalar(R[3,3]) + " " + as.scalar(R[3,1]) + " " + as.scalar(R[1,1]))
F = t(E) %*% t(S)
print(sum(is.nan(F)) + " " + sum(F == 1/0) + " " + sum(F == -1/0))
G = matrix(seq(1, 30*40), rows=30, cols=40) %% 5 - 2
G[2,3] = 0/0
G[4,5] = 1/0
H = G %*% S
print(sum(is.nan(H)) + " " + sum(H == 1/0) + " " + sum(H == -1/0))
K = G %*% E[1:40,]
print(sum(is.nan(K)) + " " + sum(K == 1/0) + " " + sum(K == -1/0))
"""

# printed by SystemDS 3.4 for NONFINITE: its kernels never multiply by the zeros of an operand it
# holds sparse (P; S: 20% non-zeros) nor, in matrix-matrix and vector-matrix products, by the
# zeros of a dense left operand, so a NaN or Inf reaches only the cells it is multiplied into
# (and Inf * 0 with a counted zero is NaN); t(E) %*% t(S) skips other zeros than S %*% E
NONFINITE_REF = """1.000 1.000 1.000 NaN NaN NaN 3.000 3.000 3.000
NaN NaN NaN NaN NaN NaN NaN NaN NaN
76.0 53.0 51.0
-673.0 Infinity Infinity -75.0
51.0 53.0 51.0
41.0 69.0 0.0
69.0 27.0 24.0"""


def test_nonfinite_cells_as_systemds(dml_out):
    assert [l for l in dml_out(NONFINITE).split("\n") if l] == NONFINITE_REF.split("\n")
