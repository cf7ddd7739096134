"""Compile-time sizes, non-zero estimates and formats of IR values (dmlpy/plan/sizes.py,
propagate.py) and `--explain plan`, which shows them (issue 15).

Recorded from SystemDS 3.4 (`-explain hops`, `[rows,cols,blen,nnz]`, and the .mtd of written
results):
- `A = rand(rows=1001, cols=333, sparsity=0.0137)`: [1001,333,1000,4566]: sparsity * cells,
  truncated (the actual count written was 4734); `matrix(0, rows=30, cols=40)`: nnz 0;
  `matrix(2, ...)`: 1200; `seq(1, 100, 3)`: [34,1,..,-1]; `table(.., .., 12, 15)`: [12,15,..,-1];
  `read` of a .mtd with nnz 77410: [1000,800,1000,77410]; `t(A)` and `abs(A)` keep A's nnz;
  `cbind(A, A)`: the sum.
- The product of two sparse rands, `rand(1000x500, sparsity=0.01) %*% rand(500x800,
  sparsity=0.02)`: SystemDS prints nnz -1 for the product HOP (`ba(+*) ... [1000,800,1000,-1]`);
  its memory estimate takes the worst case (min(1, nnz1/m) * min(1, nnz2/n) = 1: dense, 6 MB
  output) and its runtime the average case 1 - (1 - sa*sb)^k to choose a sparse output. dmlpy
  shows the average case: 800000 * (1 - (1 - 0.01*0.02)^500) = 76137 (the actual count SystemDS
  wrote for that product was 77410). Right indexing and `X * (X > 0.5)` print -1 in SystemDS;
  dmlpy estimates them (scaled count; worst case min of the sparsities).
"""
import json

import numpy as np

from dmlpy.compile import compile_program
from dmlpy.plan import options
from dmlpy.plan.sizes import Size
from dmlpy.sparse import is_sparse

AB = """A = rand(rows=1000, cols=500, sparsity=0.01, seed=1)
B = rand(rows=500, cols=800, sparsity=0.02, seed=2)
"""


def sizes(src, cmdargs=None):
    """{(line, target): value} of the program's statements (the last statement per key)."""
    plan = options(record=True)
    compile_program(src, cmdargs=cmdargs, plan=plan)
    return {(r.span.line, r.target): r.value for r in plan.sizes}


def at(src, line, name):
    return sizes(src)[(line, name)]


def test_rand_matrix_seq_table_sizes_as_systemds():
    s = sizes("A = rand(rows=1001, cols=333, sparsity=0.0137, seed=1)\n"
              "M = matrix(0, rows=30, cols=40)\nN = matrix(2, rows=30, cols=40)\n"
              "S = seq(1, 100, 3)\nT = table(seq(1, 10), seq(1, 10), 12, 15)\n"
              "Z = rand(rows=20, cols=30, min=0, max=0)\nD = rand(rows=20, cols=30)\n"
              "E = diag(S)\nR = matrix(A, rows=333, cols=1001)\nu = seq(10, 1)\n")
    assert s[(1, "A")] == Size(1001, 333, 4566)
    assert s[(2, "M")] == Size(30, 40, 0)
    assert s[(3, "N")] == Size(30, 40, 1200)
    assert s[(4, "S")] == Size(34, 1, 34)       # SystemDS: -1; dmlpy: at most one per row
    assert s[(5, "T")] == Size(12, 15, 10)      # SystemDS: -1; at most one per row of the input
    assert s[(6, "Z")] == Size(20, 30, 0)
    assert s[(7, "D")] == Size(20, 30, 600)
    assert s[(8, "E")] == Size(34, 34, 34)
    assert s[(9, "R")] == Size(333, 1001, 4566)
    assert s[(10, "u")] == Size(10, 1, 10)


def test_product_estimate_average_case():
    s = sizes(AB + "C = A %*% B\nD = t(A) %*% A\nE = A %*% t(A)\nF = t(B) %*% t(A)\n"
                   "G = A %*% matrix(0, rows=500, cols=3)\n")
    assert s[(3, "C")] == Size(1000, 800, 76137)    # 800000 * (1 - (1 - 0.01*0.02)^500)
    # t(A) %*% A (the symmetric product): 250000 * (1 - (1 - 0.01*0.01)^1000)
    assert s[(4, "D")] == Size(500, 500, 23792)
    # A %*% t(A): 1000000 * (1 - (1 - 1e-4)^500)
    assert s[(5, "E")] == Size(1000, 1000, round(1e6 * (1 - (1 - 1e-4) ** 500)))
    assert s[(6, "F")] == Size(800, 1000, 76137)
    assert s[(7, "G")] == Size(1000, 3, 0)          # a product with an empty operand


def test_aggregates_transpose_and_unary():
    s = sizes(AB + "c = colSums(A)\nr = rowSums(A)\nm = colMeans(B)\nT = t(A)\n"
                   "Q = abs(A)\nR = sqrt(A) + 0\nX = exp(A)\nY = -A\nz = rowMaxs(A)\n")
    assert s[(3, "c")] == Size(1, 500, 500)
    assert s[(4, "r")] == Size(1000, 1, 1000)
    assert s[(5, "m")] == Size(1, 800, 800)
    assert s[(6, "T")] == Size(500, 1000, 5000)
    assert s[(7, "Q")] == Size(1000, 500, 5000)
    assert s[(8, "R")] == Size(1000, 500, 5000)     # X + 0 keeps the zeros
    assert s[(9, "X")] == Size(1000, 500, 500000)
    assert s[(10, "Y")] == Size(1000, 500, 5000)
    assert s[(11, "z")] == Size(1000, 1, -1)


def test_elementwise_estimates():
    s = sizes(AB + "C = B[1:500, 1:500]\nM = A[1:500, ] * C\nP = A[1:500, ] + C\n"
                   "Q = A + 1\nG = A > 0.5\nE = A == 0\nN = A / 0\nK = A * (A > 0.5)\n"
                   "V = A * rowSums(A)\nH = A / matrix(2, rows=1000, cols=500)\nW = A ^ 2\n")
    # A[1:500, ]: 2500 of 250000 cells (0.01); C: 5000 (0.02)
    assert s[(4, "M")] == Size(500, 500, 2500)      # worst case: min(0.01, 0.02)
    assert s[(5, "P")] == Size(500, 500, 7500)      # worst case: 0.01 + 0.02
    assert s[(6, "Q")] == Size(1000, 500, 500000)   # 0 + 1 is not 0: dense
    assert s[(7, "G")] == Size(1000, 500, 5000)     # 0 > 0.5 is false: A's count at most
    assert s[(8, "E")] == Size(1000, 500, 500000)
    assert s[(9, "N")] == Size(1000, 500, 500000)   # 0/0 is NaN
    assert s[(10, "K")] == Size(1000, 500, 5000)
    assert s[(11, "V")] == Size(1000, 500, 5000)    # broadcast column: min(0.01, 1.0)
    assert s[(12, "H")] == Size(1000, 500, 5000)    # 0.01 + (1 - 1): SystemDS's division estimate
    assert s[(13, "W")] == Size(1000, 500, 5000)
    # one operand twice: its own count where 0 op 0 is 0 (not the worst case of two matrices)
    s = sizes(AB + "S = A + A\nT = A * A\nU = A == A\n")
    assert s[(3, "S")] == Size(1000, 500, 5000)
    assert s[(4, "T")] == Size(1000, 500, 5000)
    assert s[(5, "U")] == Size(1000, 500, 500000)


def test_indexing_and_binding():
    s = sizes(AB + "F = A[1:100, 3:50]\nx = A[5, ]\ny = A[, 2]\nG = cbind(A, A)\n"
                   "H = rbind(A, B[1:10, 1:500])\nI = A[, ]\nk = 7\nJ = A[k:(k + 9), 1:k]\n")
    assert s[(3, "F")] == Size(100, 48, 48)         # 4800 cells at 0.01
    assert s[(4, "x")] == Size(1, 500, 5)
    assert s[(5, "y")] == Size(1000, 1, 10)
    assert s[(6, "G")] == Size(1000, 1000, 10000)
    assert s[(7, "H")] == Size(1010, 500, 5100)
    assert s[(8, "I")] == Size(1000, 500, 5000)
    assert s[(10, "J")] == Size(10, 7, 1)           # 70 cells at 0.01, rounded


def test_left_indexing_worst_case():
    s = sizes(AB + "A[1:10, 1:10] = matrix(1, rows=10, cols=10)\nA[1, 1] = 7\nA[1:2, ] = 0\n"
                   "C = A\n")
    assert s[(3, "A")] == Size(1000, 500, 5100)
    assert s[(4, "A")] == Size(1000, 500, 5101)
    assert s[(5, "A")] == Size(1000, 500, 6101)     # a scalar fills 1000 cells: + 1000 at most
    assert s[(6, "C")] == Size(1000, 500, 6101)


def test_constants_carry_sizes():
    plan = options(record=True)
    compile_program(AB + "n = nrow(A) * 2\nZ = rand(rows=n, cols=ncol(B), sparsity=0.001)\n"
                    "m = n + $k\nY = matrix(1, rows=m, cols=1)\nA += 1\n", cmdargs={"k": "5"},
                    plan=plan)
    s = {(r.span.line, r.target): r.value for r in plan.sizes}
    assert s[(4, "Z")] == Size(2000, 800, 1600)
    assert s[(6, "Y")] == Size(2005, 1, 2005)
    assert s[(7, "A")] == Size(1000, 500, 500000)


def test_branches_and_loops():
    src = AB + """if (sum(A) > 3) { P = A * 2 } else { P = A * 3 }
P2 = P
if (sum(A) > 3) { Q = A } else { Q = B }
Q2 = Q
if (sum(A) > 3) { R = A } else { R = A + 1 }
R2 = R
Z = rand(rows=10, cols=10)
for (i in 1:3) {
  W = Z * 2
  Z = cbind(Z, Z[, 1])
}
Z2 = Z
X = A
i = 0
while (i < 3) {
  X = X * 2
  i = i + 1
  T = A[1:i, ]
}
X2 = X
"""
    s = sizes(src)
    assert s[(4, "P2")] == Size(1000, 500, 5000)    # both branches agree
    assert s[(6, "Q2")] == Size(-1, -1, -1)         # they differ in everything
    assert s[(8, "R2")] == Size(1000, 500, -1)      # they differ in the count
    # the loop changes Z's columns: unknown after the loop and inside its body
    assert s[(11, "W")] == Size(10, -1, -1)
    assert s[(12, "Z")] == Size(10, -1, -1)
    assert s[(14, "Z2")] == Size(10, -1, -1)
    assert s[(18, "X")] == Size(1000, 500, 5000)    # X * 2 keeps X's size: still known
    assert s[(20, "T")] == Size(-1, 500, -1)        # i changes in the loop
    assert s[(22, "X2")] == Size(1000, 500, 5000)


def test_functions_are_unknown():
    s = sizes(AB + """f = function(matrix[double] M) return (matrix[double] O) {
  O = M %*% M
  N = rand(rows=3, cols=4)
}
O = f(A)
[U, V] = g(A)
U2 = U
g = function(matrix[double] M) return (matrix[double] U, matrix[double] V) { U = t(M); V = M }
""")
    assert s[(7, "O")] == Size(-1, -1, -1)
    assert s[(9, "U2")] == Size(-1, -1, -1)
    assert s[(4, "O")] == Size(-1, -1, -1)          # the body: its parameters unknown
    assert s[(5, "N")] == Size(3, 4, 12)


def test_read_uses_the_mtd(tmp_path):
    f = tmp_path / "X.csv"
    f.write_text("1,0\n")
    (tmp_path / "X.csv.mtd").write_text(json.dumps(
        {"data_type": "matrix", "value_type": "double", "rows": 3000, "cols": 2000,
         "nnz": 77410, "format": "csv"}))
    p = str(f)
    s = sizes(f'X = read("{p}")\nY = read("{p}", rows=5, cols=7)\nZ = read("{tmp_path}/none.csv",'
              ' format="csv", rows=4, cols=6)\nC = X %*% t(X)\n')
    assert s[(1, "X")] == Size(3000, 2000, 77410)
    assert s[(2, "Y")] == Size(5, 7, 35)            # the arguments win; nnz capped at the cells
    assert s[(3, "Z")] == Size(4, 6, -1)
    assert s[(4, "C")].rows == 3000 and s[(4, "C")].cols == 3000


def test_format_by_the_runtime_rule(monkeypatch):
    monkeypatch.delenv("DMLPY_SPARSE_MIN_CELLS", raising=False)
    big = Size(2000, 1000, 20000)               # 2M cells >= 2^20, 1% non-zeros
    assert big.format() == "sparse"
    assert Size(2000, 1000, 800000).format() == "dense"     # 40%: dense
    assert Size(1000, 500, 5000).format() == "dense"        # under 2^20 cells
    assert Size(2000000, 1, 10).format() == "dense"         # one column: always dense
    assert Size(2000, 1000, -1).format() == "?"
    assert Size(-1, 1000, 5).format() == "?"
    assert Size(100, -1, -1).format() == "?"
    monkeypatch.setenv("DMLPY_SPARSE_MIN_CELLS", "16")
    assert Size(1000, 500, 5000).format() == "sparse"
    assert Size(3, 3, 0).format() == "dense"                # 9 cells under 16: dense at any nnz
    assert Size(3, 3, -1).format() == "dense"


FORMAT_CASES = """A = rand(rows=60, cols=40, sparsity=0.05, seed=3)
B = rand(rows=40, cols=50, sparsity=0.04, seed=4)
D = rand(rows=60, cols=40, seed=5)
R1 = A
R2 = A %*% B
R3 = t(A)
R4 = A * D
R5 = A + 1
R6 = exp(A)
R7 = colSums(A)
R8 = A[1:30, ]
R9 = cbind(A, A)
R10 = A %*% D[1:40, ]
R11 = abs(A) * 2
R12 = A + D
R13 = t(A) %*% A
R14 = rbind(A, D)
"""


def test_estimated_format_matches_the_runtime(monkeypatch):
    import dmlpy
    monkeypatch.setenv("DMLPY_SPARSE_MIN_CELLS", "16")
    names = [f"R{i}" for i in range(1, 15)]
    s = sizes(FORMAT_CASES)
    got = dmlpy.run(FORMAT_CASES, outputs=names)
    want = {"R1": "sparse", "R2": "sparse", "R3": "sparse", "R4": "sparse", "R5": "dense",
            "R6": "dense", "R7": "dense", "R8": "sparse", "R9": "sparse", "R10": "dense",
            "R11": "sparse", "R12": "dense", "R13": "sparse", "R14": "dense"}
    for line, name in enumerate(names, 4):
        est = s[(line, name)]
        fmt = "sparse" if is_sparse(got[name]) else "dense"
        assert est.format() == fmt == want[name], (name, est, fmt)
        assert (est.rows, est.cols) == np.shape(got[name]), name


def test_explain_plan_shows_sizes(capsys, monkeypatch):
    from dmlpy.cli import run_cli
    monkeypatch.delenv("DMLPY_SPARSE_MIN_CELLS", raising=False)
    src = ("X = rand(rows=2000, cols=1000, sparsity=0.01, seed=1)\nG = t(X) %*% X + 1\n"
           "for (i in 1:2) { X = cbind(X, X[, 1]) }\nn = nrow(X) * 2\nprint(sum(G) + sum(X) + n)\n")
    assert run_cli(None, src, {}, explain="plan") == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].startswith("# dmlpy explain plan")
    assert "<string>:1:1: X [2000 x 1000, nnz=20000, sparse]" in lines
    # 1000 x 1000 at 1 - (1 - 1e-4)^2000
    est = round(1e6 * (1 - (1 - 1e-4) ** 2000))
    assert "<string>:2:1: G [1000 x 1000, nnz=1000000, dense]" in lines
    assert f"  %0 = tsmm_left [1000 x 1000, nnz={est}, dense]" in lines
    assert "<string>:2:5: symmetric product (BLAS syrk)" in lines
    assert "<string>:3:18: X [2000 x -1, nnz=-1, ?]" in lines
    assert "  %0 = index [2000 x 1, nnz=-1, dense]" in lines
    assert "<string>:4:1: n = 4000" in lines     # nrow(X) of a known size: a constant
    # the statement comes before its kernel lines
    assert lines.index("<string>:2:1: G [1000 x 1000, nnz=1000000, dense]") < \
        lines.index("<string>:2:5: symmetric product (BLAS syrk)")
    assert run_cli(None, src, {}, explain="ir") == 0
    lines = capsys.readouterr().out.splitlines()
    i = lines.index("<string>:2:5")
    assert lines[i + 2] == "  after:  %0 = tsmm_left(X) : matrix; %1 = +(%0, 1) : matrix"
    assert lines[i + 3] == (f"  sizes:  %0 [1000 x 1000, nnz={est}, dense]; "
                            "%1 [1000 x 1000, nnz=1000000, dense]")


def test_explain_plan_odd_scripts_do_not_fail(capsys):
    from dmlpy.cli import run_cli
    src = ("X = matrix(\"1 2 3 4\", rows=2, cols=2)\nL = list(X, 2)\nZ = as.matrix(L[1])\n"
           "n = as.integer(as.scalar(X[1, 1]))\nW = X[1:n, ]\nF = as.frame(X)\n"
           "print(toString(W) + toString(Z) + nrow(F))\n")
    assert run_cli(None, src, {}, explain="plan") == 0
    out = capsys.readouterr().out
    assert "<string>:1:1: X [2 x 2, nnz=-1, dense]" in out
    assert "<string>:3:1: Z [-1 x -1, nnz=-1, ?]" in out
    assert "<string>:5:1: W [-1 x 2, nnz=-1, ?]" in out
