"""DML-bodied builtins of the sampling / relational / dedup / time-series slice
(scripts/builtin/*.dml: set operations, raJoin, smote, arima, ...) checked
against values recorded from SystemDS 3.4
(tests/data/dml_builtins_rel/expected.json, written by
tests/data/dml_builtins_rel/record_expected.py; the reference is not needed here).

Same mechanism as test_dml_builtins_ml.py: PRELUDE + a snippet, numbers under
`### key` markers; every case calls each builtin once (SystemDS 3.4 can answer
a second call in one script with the arguments of the first).
"""
from pathlib import Path

import pytest

from reference_util import assert_matches
from test_dml_builtins import PRELUDE as BASE_PRELUDE
from test_dml_builtins_ml import parse_output

EXPECTED_FILE = Path(__file__).resolve().parent / "data" / "dml_builtins_rel" / "expected.json"

PRELUDE = BASE_PRELUDE + """
A = round(abs(X[, 1:2]) * 2)
K = 1 + (i %% 5)
"""

CASES = {
    "union": """
show("R", union(A[1:10, ], A[8:20, ]))
""",
    "intersect": """
show("R", intersect(K[1:12, ] * 3, round(abs(X[, 1]) * 2)))
""",
    "setdiff": """
show("R", setdiff(round(abs(X[, 1]) * 2), K * 3))
""",
    "symmetricDifference": """
show("R", symmetricDifference(K[1:9, ] * 3, round(abs(X[, 1]) * 2)))
""",
    "raSelection": """
show("lt", raSelection(X=X, col=2, op="<", val=0.5))
""",
    "raSelection_eq": """
show("eq", raSelection(A, 1, "==", 4))
""",
    "raJoin_nested": """
L = cbind(K[1:8, ], X[1:8, 1:2])
R = cbind(X[9:20, 3], K[9:20, ] + (i[9:20, ] %% 2))
show("Y", raJoin(A=L, colA=1, B=R, colB=2, method="nested-loop"))
""",
    "raJoin_sortmerge": """
L = cbind(K[1:8, ], X[1:8, 1:2])
R = cbind(X[9:20, 3], K[9:20, ] + (i[9:20, ] %% 2))
show("Y", raJoin(A=L, colA=1, B=R, colB=2, method="sort-merge"))
""",
    "raJoin_hash": """
L = cbind(seq(1, 5), X[1:5, 1:2])
R = cbind(X[9:20, 3], K[9:20, ])
show("Y", raJoin(A=L, colA=1, B=R, colB=2, method="hash"))
""",
    "raJoin_hash2": """
L = cbind(seq(1, 5), X[1:5, 1:2])
R = cbind(X[9:20, 3], K[9:20, ])
show("Y", raJoin(A=L, colA=1, B=R, colB=2, method="hash2"))
""",
    "raJoin_nomatch": """
Y1 = raJoin(A=cbind(K, X[, 1]), colA=1, B=cbind(K + 10, X[, 2]), colB=1, method="nested-loop")
Y2 = raJoin(A=cbind(K, X[, 1]), colA=1, B=cbind(K + 10, X[, 2]), colB=1, method="sort-merge")
show("dims", as.matrix(nrow(Y1) * 1000 + ncol(Y1) * 100 + nrow(Y2) * 10 + ncol(Y2)))
""",
    "raGroupby_nested": """
show("Y", raGroupby(X=cbind(X[1:11, 1:2], K[1:11, ] * 2), col=3, method="nested-loop"))
""",
    "raGroupby_perm": """
show("Y", raGroupby(X=cbind(K[3:14, ], X[3:14, 2:3]), col=1, method="permutation-matrix"))
""",
    "frameSort": """
F = cbind(map(as.frame(K[1:9, ]), "x -> \\"k\\" + x"), as.frame(X[1:9, 1:2]))
G = frameSort(F=F, mask=matrix("1 0 0", 1, 3))
show("G1", as.matrix(map(G[, 1], "x -> x.substring(1)")))
show("G2", as.matrix(G[, 2:3]))
""",
    "splitBalanced": """
[a, b, c, d] = splitBalanced(X=X, Y=yc, splitRatio=0.6, verbose=TRUE)
show("a", a); show("b", b); show("c", c); show("d", d)
""",
    "underSampling": """
[a, b] = underSampling(X=X, Y=yc, ratio=0.4)
show("a", a); show("b", b)
""",
    "tomeklink": """
[a, b, c] = tomeklink(X=X[, 1:3], y=yb)
show("a", a); show("b", b); show("c", c)
""",
    "ses": """
show("f", ses(x=X[, 1], h=3, alpha=0.3))
""",
    "smote": """
Z = cbind(round(abs(X[1:10, 1:2]) * 3), 1 + (i[1:10, ] %% 3))
show("Y", smote(X=Z, mask=matrix("0 0 1", 1, 3), s=300, k=3, verbose=TRUE))
""",
    "smote_numeric": """
show("Y", smote(X=X[1:12, ], mask=matrix(0, 1, 4), s=200, k=4))
""",
    "smote_replace": """
show("Y", smote(X=X[1:8, 1:3], mask=matrix(0, 1, 3), s=400, k=2))
""",
    "ses_defaults": """
show("f", ses(x=X[, 2], h=0, alpha=1.5))
""",
    "adasyn": """
[a, b] = adasyn(X=X, Y=1 + yb, k=3, seed=13)
show("a", a); show("b", b)
""",
    "arima_ar": """
ts = X[, 1] + X[, 2] / 2
show("B", arima(X=ts, max_func_invoc=60, p=2, d=1, include_mean=TRUE))
""",
    "arima_seasonal": """
ts = X[, 1] + X[, 2] / 2
show("B", arima(X=ts, max_func_invoc=40, p=1, q=1, P=1, Q=1, s=3, D=1))
""",
    "arima_cg": """
ts = X[, 1] + X[, 2] / 2
show("B", arima(X=ts, max_func_invoc=30, p=1, q=2, solver="cg"))
""",
    "matrixProfile": """
ts = sin(i / 2) * 3 + cos(i * 1.3) + i / 10
[P, I] = matrixProfile(ts=ts, window_size=5)
show("P", P); show("I", I)
""",
    "matrixProfile_sampled": """
ts = X[, 1] + X[, 3]
[P, I] = matrixProfile(ts=ts, window_size=3, sample_percent=0.5, is_verbose=TRUE)
show("P", P); show("I", I)
""",
    "outlierByArima": """
ts = X[, 1] * 2
ts[7, 1] = 40
show("Y", outlierByArima(X=ts, k=2, p=2, repairMethod=2))
""",
    "outlierByArima_drop": """
ts = X[, 2] + 3
show("Y", outlierByArima(X=ts, p=1, repairMethod=0))
""",
    "abstain": """
yz = 1 + ((X[, 1] - X[, 2] + 2 * sin(7 * i)) > 1.5)
[a, b] = abstain(X=X, Y=yz, threshold=0.6)
show("n", as.matrix(nrow(a)))
show("a", a); show("b", b)
""",
    "discoverFD": """
Z = cbind(K, 1 + (K > 2), i, matrix(1, n, 1), 1 + (i %% 4 == 0) + (K == 1), 1 + (i %% 3))
show("FD", discoverFD(X=Z, Mask=matrix("1 1 1 1 1 1", 1, 6), threshold=0.6))
""",
    "discoverFD_exact": """
Z = cbind(K, 1 + (K > 2), i, matrix(1, n, 1), 1 + (i %% 4 == 0) + (K == 1), 1 + (i %% 3))
show("FD", discoverFD(X=Z, Mask=matrix("1 1 0 1 1 1", 1, 6), threshold=1))
""",
    # SystemDS's ema needs string columns of exactly nrow entries: a frame
    # read from CSV (a map() result fails there)
    "ema_single": """
F = read("@DATA@/ema_series.csv", data_type="frame", format="csv", header=FALSE)
show("Y", as.matrix(ema(X=F, search_iterations=3, mode="single", freq=4, alpha=0.3, beta=0.5, gamma=0.5)))
""",
    "ema_double": """
F = read("@DATA@/ema_series.csv", data_type="frame", format="csv", header=FALSE)
show("Y", as.matrix(ema(X=F, search_iterations=1, mode="double", freq=4, alpha=0.4, beta=0.2, gamma=0.5)))
""",
    "ema_triple": """
F = read("@DATA@/ema_series.csv", data_type="frame", format="csv", header=FALSE)
show("Y", as.matrix(ema(X=F, search_iterations=2, mode="triple", freq=4, alpha=0.5, beta=0.3, gamma=0.4)))
""",
    "denialConstraints": """
D = read("@DATA@/dc_people.csv", data_type="frame", format="csv")
C = read("@DATA@/dc_rules.csv", data_type="frame", format="csv")
show("W", denialConstraints(D, C))
""",
    "mdedup": """
F = read("@DATA@/md_addresses.csv", data_type="frame", format="csv", header=FALSE)
show("MD", mdedup(F, matrix("1 2", 1, 2), matrix("0.7 0.6", 1, 2), matrix("3", 1, 1), matrix("0.8", 1, 1), FALSE))
""",
    "mdedup_loose": """
F = read("@DATA@/md_addresses.csv", data_type="frame", format="csv", header=FALSE)
show("MD", mdedup(X=F, LHSfeatures=matrix("2", 1, 1), LHSthreshold=matrix("0.5", 1, 1),
  RHSfeatures=matrix("1 3", 1, 2), RHSthreshold=matrix("0.4 0.5", 1, 2), verbose=TRUE))
""",
}

ALL_CASES = dict(CASES)

# (relative, absolute) tolerances where the default does not fit
# matrixProfile's distances sqrt(2w (1 - correlation)) amplify the last-bit
# differences of the dot products (SystemDS's unrolled kernels vs a sequential
# sum) by the cancellation in 1 - correlation: ~1e-13 relative
TOLERANCE = {"matrixProfile": (1e-11, 1e-12), "matrixProfile_sampled": (1e-11, 1e-12)}


DATA_DIR = EXPECTED_FILE.parent


def case_text(name):
    """PRELUDE + the case's snippet, input files resolved in DATA_DIR."""
    return PRELUDE + ALL_CASES[name].replace("@DATA@", str(DATA_DIR))


reference_text = case_text


@pytest.mark.parametrize("name", sorted(CASES))
def test_against_reference(dml_out, expected, name):
    got = parse_output(dml_out(case_text(name)))
    assert_matches(got, expected[name], TOLERANCE.get(name))


def test_dedup_finds_exact_duplicates(dml_out):
    # SystemDS 3.4's dedup finds nothing (its tokenizer call yields no known
    # words) and prefixes both results with row 1, so nothing can be recorded;
    # with orthogonal embeddings only rows with the same known words match,
    # whatever the random hyperplanes are
    out = dml_out(PRELUDE + """
F = read("@DATA@/dedup_rows.csv", data_type="frame", format="csv", header=FALSE)
V = read("@DATA@/dedup_vocab.csv", data_type="frame", format="csv", header=FALSE)
G = diag(matrix(1, 8, 1)) * 2 + 0.1
[U, D] = dedup(X=F, gloveMatrix=G, vocab=V)
[U2, D2] = dedup(X=F, gloveMatrix=G, vocab=V, similarityMeasure="euclidean", threshold=-0.01)
[U3, D3] = dedup(X=F[3:4, ], gloveMatrix=G, vocab=V)
print("### first"); print(toString(as.matrix(map(U[, 1], "x -> x.length()"))))
print("### dup"); print(toString(as.matrix(map(D[, 1], "x -> x.length()"))))
print("### dims"); print(toString(as.matrix(
  nrow(U) * 1000 + nrow(D) * 100 + nrow(U2) * 10 + nrow(D2) + 1e4 * (nrow(U3) * 10 + nrow(D3)))))
""".replace("@DATA@", str(DATA_DIR)))
    got = parse_output(out)
    assert got["first"] == [9.0, 8.0, 10.0]        # red apple, blue car, green tree
    assert got["dup"] == [10.0, 8.0, 10.0, 8.0]    # rows 2, 5, 6, 7
    assert got["dims"] == [200000 + 3000 + 400 + 30 + 4]


def test_adasyn_without_new_rows(dml_out):
    # beta = 0 asks for no synthetic rows: X and Y come back unchanged
    out = dml_out(PRELUDE + """
[a, b] = adasyn(X=X, Y=1 + yb, k=2, beta=0, seed=3)
show("d", as.matrix(sum(abs(a - X)) + sum(abs(b - 1 - yb)) + 100 * (nrow(a) - n)))
""")
    assert parse_output(out)["d"] == [0.0]


@pytest.mark.double_only("recursion residuals below 1e-12")
def test_garch_fit_properties(dml_out):
    # start point and restarts are unseeded: check what every run satisfies
    out = dml_out(PRELUDE + """
ts = sin(i * 1.7) * (1 + (i %% 5) / 3)
[Xf, Vf, a0, ar, vc] = garch(X=ts, kmax=15, momentum=0.5, start_stepsize=0.1, end_stepsize=0.001,
  start_vicinity=0.5, end_vicinity=0.0, sim_seed=7, verbose=FALSE)
rec = a0 + ar * Xf[1:(n - 1), ]^2 + vc * Vf[1:(n - 1), ]
z = rand(rows=1, cols=1, pdf="normal", seed=7)
show("feasible", as.matrix((a0 > 0) & (ar > 0) & (vc > 0) & (ar + vc < 1)))
show("recursion", as.matrix(max(abs(rec - Vf[2:n, ]) / Vf[2:n, ])))
show("start", as.matrix(abs(Vf[1, 1] - a0 / (1 - ar - vc)) / Vf[1, 1]))
show("first", as.matrix(abs(Xf[1, 1] - as.scalar(z) * sqrt(as.scalar(Vf[1, 1])))))
show("dims", as.matrix(nrow(Xf) * 100 + nrow(Vf)))
""")
    got = parse_output(out)
    assert got["feasible"] == [1.0] and got["dims"] == [2424.0]
    assert got["recursion"][0] < 1e-12 and got["start"][0] < 1e-12 and got["first"][0] < 1e-12


@pytest.mark.parametrize("snippet, message", [
    ("R = raJoin(A=A, colA=1, B=A, colB=2, method=\"hash\")", "keys of A must be distinct"),
    ("R = raJoin(A=A, colA=1, B=A, colB=2, method=\"merge\")", "unknown method"),
    ("R = raGroupby(X=A, col=3, method=\"nested-loop\")", "out of range"),
    ("Y = smote(X=X, mask=matrix(0, 1, 3))", "column mismatch"),
    ("[a, b] = adasyn(X=X, Y=1 + (i > 12), dth=0.4)", "Class imbalance not large enough"),
    ("B = arima(X=y, p=1, solver=\"lu\")", "unknown solver"),
    ("Y = outlierByArima(X=y, p=1, k=9)", "should be in range 1-7"),
    ("FD = discoverFD(X=A, Mask=matrix(1, 1, 2), threshold=2)", "threshold required in interval"),
    ("F = ema(X=as.frame(y), search_iterations=1, mode=\"quad\", freq=2, alpha=0.1, beta=0.1, gamma=0.1)",
     "unknown mode"),
    ("F = ema(X=as.frame(y), search_iterations=1, mode=\"triple\", freq=3, alpha=0.1, beta=0.1, gamma=0.1)",
     "even freq"),
    ("[P, I] = matrixProfile(ts=y, window_size=30)", "window_size must be"),
    ("R = intersect(X, y)", "must be column vectors"),
    ("Y = smote(X=X[1:3, ], mask=matrix(0, 1, 4), k=3)", "can not pick 3 nearest neighbours"),
    ("W = denialConstraints(as.frame(X), as.frame(X[1, ]))", "need a header row"),
    ("G = frameSort(F=as.frame(X), mask=matrix(1, 1, 5))", "at most 4 entries"),
    ("R = union(X, y)", "same number of columns"),
    ("B = arima(X=y)", "at least one of p, P, q, Q"),
])
def test_errors(dml, snippet, message):
    out, err, rc = dml(PRELUDE + snippet)
    assert rc == 1 and message in err, err
