"""The cases of sysds_builtin_tests.py: SystemDS's builtin test scripts with the arguments and
inputs their Java tests pass (restated by hand from reading the tests; sizes are sometimes
reduced to keep a run short).  Arguments are one string: `{X}` is the path of input X,
`{out:B}` the path of output B, `{data:path}` a file under src/test/resources/datasets.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np


# ------------------------------------------------------------------ input generators
class Gen:
    def key(self):
        return repr(self)


@dataclass(frozen=True)
class R(Gen):
    """Uniform random rows x cols in [lo, hi] with the given sparsity (fixed seed); rounded if rnd."""
    rows: int
    cols: int
    lo: float = 0.0
    hi: float = 1.0
    sp: float = 1.0
    seed: int = 7
    rnd: bool = False

    def make(self):
        g = np.random.default_rng(self.seed)
        X = g.uniform(self.lo, self.hi, (self.rows, self.cols))
        if self.sp < 1.0:
            X[g.random((self.rows, self.cols)) >= self.sp] = 0.0
        return np.floor(X + 0.5) if self.rnd else X


@dataclass(frozen=True)
class M(Gen):
    """A literal matrix (tuple of row tuples)."""
    rows: tuple

    def make(self):
        return np.array(self.rows, dtype=float)


@dataclass(frozen=True)
class Seq(Gen):
    n: int

    def make(self):
        return np.arange(1, self.n + 1, dtype=float).reshape(-1, 1)


@dataclass(frozen=True)
class Ints(Gen):
    """Random integers lo..hi (inclusive)."""
    rows: int
    cols: int
    lo: int
    hi: int
    seed: int = 7

    def make(self):
        g = np.random.default_rng(self.seed)
        return g.integers(self.lo, self.hi + 1, (self.rows, self.cols)).astype(float)


@dataclass(frozen=True)
class Fn(Gen):
    """Named custom generator (the name is its cache key)."""
    name: str
    fn: object = field(compare=False, repr=False)

    def key(self):
        return f"Fn({self.name})"

    def make(self):
        return self.fn()


@dataclass(frozen=True)
class Frm(Gen):
    """A frame: rows of cells and a schema."""
    rows: tuple
    schema: tuple

    def make(self):
        return ("frame", self.rows, self.schema)


# ------------------------------------------------------------------ cases
@dataclass
class Case:
    name: str
    script: str
    args: str
    inputs: dict = field(default_factory=dict)
    tol: float = 1e-9
    stdout: bool = True

    def outputs(self):
        return re.findall(r"\{out:([^{}]+)\}", self.args)


CASES: list[Case] = []


def case(name, script, args, tol=1e-9, stdout=True, **inputs):
    CASES.append(Case(name, script if script.endswith(".dml") else script + ".dml", args, inputs,
                      tol, stdout))


def _blobs(n, k, d, seed):
    g = np.random.default_rng(seed)
    centers = g.uniform(-10, 10, (k, d))
    return centers[np.arange(n) % k] + g.normal(0, 0.8, (n, d))


def _classes(n, k, seed):
    g = np.random.default_rng(seed)
    return (np.arange(n) % k + 1).astype(float)[g.permutation(n)].reshape(-1, 1)


def _edges(n, m, seed):
    g = np.random.default_rng(seed)
    pairs = {(n - 1, n)}                 # the max id names the vertex count
    while len(pairs) < m:                # a simple graph: no self loops, no repeated edges
        a, b = sorted(g.integers(1, n + 1, 2).tolist())
        if a != b:
            pairs.add((a, b))
    return np.array(sorted(pairs), dtype=float)


def _linear(n, d, seed, noise=0.1):
    g = np.random.default_rng(seed)
    X = g.uniform(0, 1, (n, d))
    return X, X @ g.uniform(-2, 2, (d, 1)) + g.normal(0, noise, (n, 1))


# --- basic statistics / utilities
for n, sp, s in ((50, 1.0, 7), (200, 0.7, 8), (100, 0.3, 9)):
    case(f"correlationMatrix/{n}-{sp}", "correlationMatrix", "-args {A} {out:B}", A=R(n, 10, -1, 1, sp, s))
    case(f"dist/{n}-{sp}", "dist", "-args {A} {out:B}", A=R(n, 10, -1, 1, sp, s))
for n, s in ((20, 3), (100, 4)):
    case(f"normalize/{n}", "normalize", "-args {X} {out:Y}", X=R(n, 5, -3, 7, 1.0, s))
    case(f"normalizeAll/{n}", "normalizeAll", "-args {X} {out:Y}", X=R(n, 5, -3, 7, 1.0, s))
    case(f"normalizeListEval/{n}", "normalizeListEval", "-args {X} {out:Y}", X=R(n, 5, -3, 7, 1.0, s))
    case(f"normalizeListEvalAll/{n}", "normalizeListEvalAll", "-args {X} {out:Y}", X=R(n, 5, -3, 7, 1.0, s))
for c, sc in (("TRUE", "TRUE"), ("FALSE", "TRUE"), ("TRUE", "FALSE"), ("FALSE", "FALSE")):
    case(f"scale/{c}-{sc}", "scale", "-args {X} %s %s {out:Y}" % (c, sc), X=R(40, 6, -5, 5, 0.9, 11))
case("scaleRobust/50", "scaleRobust", "-args {X} {out:Y}", X=R(50, 4, -5, 5, 1.0, 12))
case("sigmoid/matrix", "sigmoid", "-args {X} {out:Y}", X=R(20, 10, -5, 5, 0.9, 3))
case("sigmoid/scalar", "sigmoid", "-args {X} {out:Y}", X=M(((0.7,),)))
for mg in ("rows", "cols", "none"):
    case(f"logsumexp/{mg}", "logsumexp", "-args {M} %s {out:O}" % mg, M=R(20, 8, -3, 3, 1.0, 5))
for n in (1, 2):
    case(f"softmax{n}", f"softmax{n}", "-args {X} 1e-10 {out:Y}", X=R(30, 10, -3, 3, 1.0, n))
case("toOneHot/5", "toOneHot", "-args {X} 5 {out:Y}", X=Ints(20, 1, 1, 5, 3))
case("toOneHot/9", "toOneHot", "-args {X} 9 {out:Y}", X=Ints(20, 1, 1, 5, 4))
case("winsorize/100", "winsorize", "-args {X} {out:Y}", X=R(100, 3, 1, 100, 1.0, 7))
case("winsorizeMain/100", "winsorizeMain", "-args {X} {out:Y}", X=R(100, 3, 1, 100, 1.0, 8))
case("multipleBuiltins/100", "multipleBuiltins", "-args {X} {out:Y}", X=R(100, 3, 1, 100, 1.0, 9))
for opp in ("TRUE", "FALSE"):
    case(f"outlier/{opp}", "outlier", "-args {X} %s {out:Y}" % opp, X=R(30, 5, 1, 100, 1.0, 4))
for k, rep in ((1.5, 0), (1.5, 1), (2, 2), (3, 1)):
    case(f"outlier_by_IQR/{k}-{rep}", "outlier_by_IQR", "-args {X} %s %s 10 {out:Y}" % (k, rep),
         X=R(60, 4, 1, 100, 1.0, 21))
    case(f"outlier_by_sd/{k}-{rep}", "outlier_by_sd", "-args {X} %s %s 10 {out:Y}" % (k, rep),
         X=R(60, 4, 1, 100, 1.0, 22))
for t in (1, 2, 5):
    case(f"ses/{t}", "ses", "-args %d 0.%d {out:Y}" % (10 * t, t + 1))
for mc, sym in (("lm", "lm"), ("lmCG", "lmCG"), ("lmDS", "lmDS")):
    for n, d, sp in ((100, 10, 1.0), (60, 20, 0.7)):
        X, y = _linear(n, d, n + d)
        case(f"{mc}/{n}x{d}", mc, "-args {X} {y} {out:C}", X=Fn(f"lin{n}x{d}X", lambda X=X: X),
             y=Fn(f"lin{n}x{d}y", lambda y=y: y))
case("lmpredict/100x10", "lmpredict", "-args {X} {y} {P} {out:Y}", X=R(100, 10, 0, 1, 1.0, 1),
     y=R(100, 1, 0, 10, 1.0, 2), P=R(20, 10, 0, 1, 1.0, 3))
case("lasso/100x10", "lasso", "-args {X} {y} {out:w}", X=R(100, 10, 0, 1, 1.0, 4), y=R(100, 1, 0, 1, 1.0, 5))
for k in (2, 4):
    case(f"cvlm/k{k}", "cvlm", "-args {X} {y} %d {out:Y} {out:B}" % k, X=R(100, 10, 0, 1, 0.8, 7),
         y=R(100, 1, 0, 1, 0.8, 8))
case("steplm/50x5", "steplm", "-args {X} {y} {out:C} {out:S}", X=R(50, 5, 0, 1, 1.0, 3), y=R(50, 1, 0, 10, 1.0, 4))

# --- set operations
for n, s in ((10, 1), (40, 2)):
    for op in ("intersect", "union", "setdiff", "symmetricDifference"):
        case(f"{op}/{n}", op, "-args {A} {B} {out:R}", A=Ints(n, 1, 1, 20, s), B=Ints(n, 1, 1, 20, s + 10))

# --- classification metrics
AUC = [((0, 0, 0, 1, 1, 1), (0.1, 0.2, 0.3, 0.4, 0.55, 0.56)),
       ((0, 1, 0, 1, 0, 1), (0.1, 0.5, 0.2, 0.55, 0.3, 0.56)),
       ((0, 0, 1, 0, 1, 1), (0.1, 0.2, 0.3, 0.4, 0.5, 0.55)),
       ((-1, -1, 1, -1, 1, 1), (0.1, 0.2, 0.3, 0.4, 0.5, 0.55)),
       ((0, 0, 1, 0, 1, 1, 0, 1), (0.1, 0.2, 0.2, 0.21, 0.7, 0.7, 0.7, 0.7)),
       ((0, 0, 1, 0, 1, 1, 0, 1, 0), (0.1, 0.2, 0.2, 0.21, 0.7, 0.7, 0.7, 0.7, 0.9)),
       ((0, 0, 0, 1, 0, 1, 1, 0, 1), (0.9, 0.1, 0.2, 0.2, 0.21, 0.7, 0.7, 0.7, 0.7)),
       ((0, 0, 1, 0, 1, 1, 0, 1, 0, 0, 0), (0.1, 0.2, 0.2, 0.21, 0.7, 0.7, 0.7, 0.7, 0.9, 0.9, 0.99))]
for i, (y, p) in enumerate(AUC):
    case(f"auc/{i + 1}", "auc", "-args {Yt} {Pt} {out:C}", Yt=M((y,)), Pt=M((p,)))
CONF = [(((2,),), ((2,),)), (((1,),), ((2,),)), (((1,),), ((6,),)), (((9,),), ((1,),)),
        (((1,), (1,), (1,), (1,)), ((1,), (2,), (3,), (4,))), (((1,), (2,), (3,), (4,)), ((1,), (1,), (1,), (1,)))]
for i, (y, p) in enumerate(CONF):
    case(f"confusionMatrix/{i + 2}", "confusionMatrix", "-nvargs P={P} Y={Y} out_file={out:B}", P=M(p), Y=M(y))
case("confusionMatrix/1", "confusionMatrix", "-nvargs P={P} Y={Y} out_file={out:B}",
     P=R(1000, 1, 1, 2, 1.0, 6, True), Y=R(1000, 1, 1, 2, 1.0, 7, True))
for i, s in enumerate((1, 2, 3)):
    case(f"mcc/{i}", "mcc", "-nvargs predictions={P} labels={L} mattCorrCoeff={out:C}",
         P=Ints(50, 1, 0, 1, s), L=Ints(50, 1, 0, 1, s + 5))

# --- clustering / neighbours
for k, runs in ((3, 1), (4, 3)):
    case(f"kmeans/k{k}r{runs}", "kmeans", "-nvargs X={X} k=%d runs=%d max_iter=50 eps=1e-6 C={out:C} Y={out:Y}" % (k, runs),
         X=Fn(f"blobs300-{k}", lambda k=k: _blobs(300, k, 3, k)))
    case(f"kmeansPredict/k{k}r{runs}", "kmeansPredict", "-nvargs X={X} k=%d runs=%d max_iter=50 eps=1e-6 res={out:r}" % (k, runs),
         X=Fn(f"blobs300-{k}", lambda k=k: _blobs(300, k, 3, k)))
case("dbscan/blobs", "dbscan", "-nvargs X={A} Y={out:B} eps=1 minPts=5", A=Fn("blobs200-3", lambda: _blobs(200, 3, 2, 5)))
case("dbscan/uniform", "dbscan", "-nvargs X={A} Y={out:B} eps=0.3 minPts=3", A=R(100, 2, 0, 2, 1.0, 9))
case("dbscanApply/blobs", "dbscanApply", "-nvargs X={A} Y={B} Z={out:C} eps=1 minPts=5",
     A=Fn("blobs200-3", lambda: _blobs(200, 3, 2, 5)), B=Fn("blobs20-3", lambda: _blobs(20, 3, 2, 5)))
case("knn/100x20", "knn", "-nvargs in_X={X} in_T={T} in_CL={CL} in_continuous=1 in_k=3 out_NNR={out:NNR} out_PR={out:PR}",
     X=R(100, 20, 0, 1, 1.0, 75), T=R(3, 20, 0, 1, 1.0, 65), CL=Ints(100, 1, 1, 3, 5))
case("knnbf/150x80", "knnbf", "-nvargs in_X={X} in_T={T} in_k=21 out_B={out:B}",
     X=R(150, 80, 0, 1, 0.9, 255), T=R(15, 80, 0, 1, 1.0, 65))
case("knnbfReference/150x80", "knnbfReference", "-nvargs in_X={X} in_T={T} in_CL={CL} in_k=21 out_B={out:B}",
     X=R(150, 80, 0, 1, 0.9, 255), T=R(15, 80, 0, 1, 1.0, 65), CL=Ints(150, 1, 1, 3, 5))
for k in (1, 2):
    case(f"knnGraph/k{k}", "knnGraph", "-nvargs in_X={X} in_k=%d out_G={out:G}" % k,
         X=M(((1., 1., 1., 1., 0.), (1., 1., 1., 0., 0.), (0., 0., 0., 1., 1.), (0., 0., 1., 1., 0.))))
for n, maxi in ((11, 0), (30, 0), (30, 100)):
    case(f"ConnectedComponents/{n}-{maxi}", "ConnectedComponents", "-args {X} %d {out:R}" % maxi,
         X=Fn(f"simple-edges{n}", lambda n=n: _edges(n, n // 2, n)))
case("cooccurrenceMatrix/test", "cooccurrenceMatrix", "-nvargs input={data:GloVe/coocMatrixTest.csv} maxTokens=20 "
     "windowSize=2 distanceWeighting=FALSE symmetric=TRUE out_file={out:C}")
for tc, sep, sd in (("cluster", "TRUE", "FALSE"), ("sub_cluster", "FALSE", "FALSE"), ("normal", "TRUE", "TRUE")):
    case(f"quantizeByCluster/{tc}-{sep}-{sd}", "quantizeByCluster",
         "-nvargs codes={out:codes} codebook={out:codebook} pq_distortion={out:pq} k_distortion={out:kd} "
         "is_orthogonal={out:orth} clusters=4 test_case=%s rows=40 cols=8 subspaces=2 k=4 runs=3 max_iter=100 "
         "eps=1e-10 vectors_per_cluster=10 sep=%s space_decomp=%s" % (tc, sep, sd), tol=1e-6)
for src in (1, 2, 3):
    case(f"shortestPath/{src}", "shortestPathTest", "-args {X} %d {out:C}" % src,
         X=M(((0, 2, 5, 5), (0, 0, 0, 0), (0, 1, 0, 0), (0, 0, 0, 0))))
for m in ("gini", "entropy"):
    case(f"impurityMeasures/{m}", "impurityMeasures", "-args {X} {Y} {R} %s {out:IM}" % m,
         X=M(((1, 1), (2, 1), (1, 2), (2, 2))), Y=M(((1,), (2,), (1,), (2,))), R=M(((1, 1),)))

# --- regression / classification models
for inc, mx in ((0, 10), (1, 10), (2, 10)):
    for nc in (2, 4):
        case(f"MultiLogReg/icpt{inc}-{nc}cls", "MultiLogReg",
             "-nvargs X={X} Y={Y} output={out:betas} inc=%d tol=0.1 reg=1.0 maxOut=%d maxIn=2 verbose=FALSE" % (inc, mx),
             X=R(150, 20, 0, 1, 0.3, 5), Y=Fn(f"cls150-{nc}", lambda nc=nc: _classes(150, nc, 3)), tol=1e-6)
case("multiLogRegPredict/100", "multiLogRegPredict", "-args {X} {Y} {Xt} {Yt} {out:acc}",
     X=R(100, 5, 0, 1, 1.0, 1), Y=Fn("cls100-3", lambda: _classes(100, 3, 4)),
     Xt=R(30, 5, 0, 1, 1.0, 2), Yt=Fn("cls30-3", lambda: _classes(30, 3, 5)))
for inc, lam in (("FALSE", 1.0), ("TRUE", 1.0), ("TRUE", 100)):
    case(f"l2svm/{inc}-{lam}", "l2svm", "-nvargs X={X} Y={Y} model={out:model} inc=%s eps=0.001 lam=%s max=10" % (inc, lam),
         X=R(200, 20, 0, 100, 0.7, 10), Y=Fn("pm1-200", lambda: np.sign(np.random.default_rng(2).uniform(-1, 1, (200, 1)))))
    case(f"multisvm/{inc}-{lam}", "multisvm", "-nvargs X={X} Y={Y} model={out:model} inc=%s eps=0.001 lam=%s max=10" % (inc, lam),
         X=R(200, 20, 0, 100, 0.7, 10), Y=Fn("cls200-3", lambda: _classes(200, 3, 6)))
case("multisvmPredict/3", "multisvmPredict", "-nvargs X={X} W={W} YRaw={out:YRaw} Y={out:Y}",
     X=R(20, 4, 0, 1, 1.0, 3), W=R(4, 3, -1, 1, 1.0, 4))
for lap in (1, 2):
    case(f"NaiveBayes/laplace{lap}", "NaiveBayes", "-args {X} {Y} 5 %d {out:prior} {out:cond}" % lap,
         X=R(50, 10, 0, 10, 1.0, 8, True), Y=Fn("cls50-5", lambda: _classes(50, 5, 9)))
    case(f"NaiveBayesPredict/laplace{lap}", "NaiveBayesPredict", "-args {X} {Y} 5 %d {out:YRaw} {out:Y}" % lap,
         X=R(50, 10, 0, 10, 1.0, 8, True), Y=Fn("cls50-5", lambda: _classes(50, 5, 9)))
for k in (3, 5):
    case(f"GaussianClassifier/{k}cls", "GaussianClassifier",
         "-args {X} {Y} 1e-9 {out:priors} {out:means} {out:determinants} {out:invcovs}",
         X=R(80, 5, 0, 100, 1.0, k), Y=Fn(f"cls80-{k}", lambda k=k: _classes(80, k, k)), tol=1e-7)
case("GaussianClassifierPrediction/iris", "GaussianClassifierPrediction",
     "-args {data:iris/iris.csv} 1e-9 {out:trueLabels} {out:predLabels}")
X6 = ((7, 1, 1, 2, 2, 1), (7, 2, 2, 3, 2, 1), (7, 3, 1, 4, 1, 1), (7, 4, 2, 5, 3, 1), (7, 5, 3, 6, 5, 1), (7, 6, 5, 1, 4, 1))
# alsDS solves 10x10 systems of rank <= 6 regularised by 1e-6 (condition ~1e12): its factors are
# rounding noise at 1e-5 in SystemDS itself.  Measured on the reference: the same script with the
# right-hand sides computed as t(X[i,] %*% (V * k)) / k (equal but for the last bit) moves U by up
# to 6.5e-6 (k = 3), 8.1e-6 (k = 5), 1.1e-5 (k = 7) relative; dmlpy's U is 8.6e-6 from it.
ALS_TOL = {"alsDS": 3e-5}
for alg in ("alsCG", "alsDS", "als"):
    case(f"als/{alg}", "als", "-args {X} %s {out:U} {out:V}" % alg, X=M(X6), tol=ALS_TOL.get(alg, 1e-6))
ALSX = ((1, 1), (2, 2), (3, 3), (4, 4), (5, 5))
ALSL = tuple((1, 2, 3, 4, 5) for _ in range(5))
case("alsPredict", "alsPredict", "-args {X} {L} {R} {out:Y}", X=M(ALSX), L=M(ALSL), R=M(ALSL))
case("alsTopkPredict", "alsTopkPredict", "-args {X} {L} {R} {out:Y}", X=M(ALSX), L=M(ALSL), R=M(ALSL))
for r in (2, 3):
    case(f"GNMF/r{r}", "GNMF", "-args {X} {out:W} {out:H} %d 10" % r, X=R(60, 40, 1, 10, 0.5, 7))
    case(f"PNMF/r{r}", "PNMF", "-args {X} {out:W} {out:H} %d 10" % r, X=R(60, 40, 1, 10, 0.5, 7))
for n in (10, 30):
    for mode in ("DS", "CG"):
        extra = " 0.000001 %d" % n if mode == "CG" else ""
        case(f"cspline/{mode}-{n}", "cspline", "-args {X} {Y} 4.5 {out:pred_y} %s%s" % (mode, extra),
             X=Seq(n), Y=R(n, 1, 0, 5, 1.0, n))
for pp, d, q in ((1, 0, 0), (0, 0, 1), (2, 0, 1)):
    case(f"arima/{pp}{d}{q}", "arima", "-nvargs X={col} max_func_invoc=20 p=%d d=%d q=%d P=0 D=0 Q=0 s=24 "
         "include_mean=1 useJacobi=1 model={out:model}" % (pp, d, q), col=R(30, 1, 1, 5, 0.9, 54321), tol=1e-6)
for kmax, mom, st, en in ((50, 0.0, 0.1, 0.001), (50, 0.5, 0.25, 0.0001)):
    case(f"garch/{mom}", "garch", "-nvargs X={col} kmax=%d momentum=%s start_stepsize=%s end_stepsize=%s "
         "start_vicinity=0.5 end_vicinity=0.0 model={out:model}" % (kmax, mom, st, en),
         col=R(100, 1, -1, 1, 1.0, 54321), tol=1e-6)
# The log links' last iteration prints log_l_change ~1e-11 (the difference of two log-likelihoods
# ~3.8e2 summed over 200 rows) and rho = log_l_change / predicted change: rounding noise in
# SystemDS itself.  Measured on the reference with the same data in other row orders (reversed,
# halves swapped, a mod-101 shuffle; nothing else changed): gaussian-log's last log_l_change
# 1.6712E-11 (as given) / 1.6769E-11 / 1.6996E-11 / 1.6655E-11 and rho 1.1527 / 1.1566 / 1.1723 /
# 1.1488 (2% apart; dmlpy 1.7053E-11, rho 1.1762); poisson-log's 2.0748E-12 / 2.1316E-12 /
# 2.1032E-12 / 2.1032E-12, rho 0.9875 / 1.0146 / 1.001 / 1.001 (dmlpy 2.1032E-12, rho 1.001).
# The fitted betas agree to 1e-15.  Hence tol 3e-2 for those two.
GLM_TOL = {"gaussian-log": 3e-2, "poisson-log": 3e-2}
for nm, dfam, vpow, link, lpow in (("gaussian-log", 1, 0.0, 1, 0.0), ("poisson-log", 1, 1.0, 1, 0.0),
                                    ("gaussian-id", 1, 0.0, 1, 1.0)):
    case(f"glm/{nm}", "glmTest", "-nvargs X={X} Y={Y} B={out:B} dfam=%d vpow=%s link=%d lpow=%s yneg=0.0 icpt=0 "
         "disp=0.0 reg=0.0 tol=1e-12 moi=200 mii=0" % (dfam, vpow, link, lpow),
         X=R(200, 5, 0, 1, 1.0, 31), Y=R(200, 1, 1, 3, 1.0, 32, True), tol=GLM_TOL.get(nm, 1e-6))
DT_X = ((3, 1, 2, 1, 5), (2, 1, 2, 2, 4), (1, 1, 1, 3, 3), (4, 2, 1, 4, 2), (2, 2, 1, 5, 1))
case("decisionTree/default", "decisionTree", "-args {X} {Y} {R} {out:M}", X=M(DT_X),
     Y=M(((2.0,), (1.0,), (1.0,), (2.0,), (1.0,))), R=M(((1.0, 1.0, 2.0, 1.0, 1.0, 1.0),)))
DTP = [(DT_X, ((1.0, 2.0, 0.0, 1.0, 0.0, 2.0),)),
       (((3, 1, 2, 1), (2, 1, 2, 6), (1, 1, 1, 3), (9, 2, 1, 7), (2, 2, 1, 1)),
        ((4, 5, 0, 2, 1, 7, 0, 0, 0, 0, 0, 2, 0, 1),)),
       (((1, 1, 1), (1, 1, 7), (1, 5, 1), (1, 5, 7)),
        ((1, 5, 2, 4, 2, 4, 3, 6, 3, 6, 3, 6, 3, 6, 0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8),))]
for i, (x, m) in enumerate(DTP):
    for strat in ("TT", "GEMM"):
        case(f"decisionTreePredict/{i + 1}-{strat}", "decisionTreePredict", "-args {M} {X} %s {out:Y}" % strat,
             M=M(m), X=M(x))
for depth, leafs, trees, imp in ((1, 1, 1, "gini"), (5, 5, 3, "gini"), (10, 2, 5, "entropy")):
    case(f"randomForest/{depth}-{trees}-{imp}", "randomForestTest",
         "-args {X} {Y} %d %d %d %s {out:M}" % (depth, leafs, trees, imp),
         X=R(100, 7, 0, 10, 1.0, 7), Y=Fn("cls100-2", lambda: _classes(100, 2, 11)))
for dt, maxv in ((1, 1.0), (2, 1.0), (1, 0.6)):
    case(f"decisionTreeRealData1/titanic-{dt}-{maxv}", "decisionTreeRealData1",
         "-args {data:titanic/titanic.csv} {data:titanic/tfspec.json} %d %s {out:R}" % (dt, maxv))
case("decisionTreeRealData2/wine-1", "decisionTreeRealData2",
     "-args {data:wine/winequality-red-white.csv} {data:wine/tfspec.json} 1 1.0 {out:R}")
case("decisionTreeRealData3/wine-1", "decisionTreeRealData3",
     "-args {data:wine/winequality-red-white.csv} {data:wine/tfspec.json} 1 1.0 {out:R}")
case("decisionTreeRealData4/eeg-1", "decisionTreeRealData4", "-args {data:EEG.csv} {data:EEG_tfspec.json} 1 1.0 {out:R}")
XGX = ((4.5, 1, 2), (1.5, 2, 3), (3.5, 1, 1), (5.0, 2, 2), (2.0, 1, 3), (7.0, 2, 1), (6.0, 1, 2), (0.5, 2, 3))
case("xgboost_regression/8", "xgboost_regression", "-args {X} {y} {R} 0 0 {out:M}", X=M(XGX),
     y=M(((4.5,), (2.1,), (3.3,), (6.0,), (2.2,), (8.1,), (7.7,), (0.9,))), R=M(((1.0, 2.0, 2.0),)))
case("xgboost_classification/8", "xgboost_classification", "-args {X} {y} {R} 0 0 {out:M}", X=M(XGX),
     y=M(((1,), (0,), (1,), (1,), (0,), (1,), (1,), (0,))), R=M(((1.0, 2.0, 2.0),)))
case("pca/k2", "pca", "-args {X} 2 {out:PC} {out:V}", X=Ints(50, 4, 1, 4, 3), tol=1e-6)
case("pca2/k3", "pca2", "-args {X} 3 {out:PC} {out:V}", X=Ints(50, 4, 1, 4, 4), tol=1e-6)
case("pca4/k2", "pca4", "-args {X} 2 {out:PC} {out:V}", X=Ints(50, 4, 1, 4, 5), tol=1e-6)
case("pca5/k2", "pca5", "-args {X} 2 {out:PC} {out:V}", X=Ints(50, 4, 1, 4, 6), tol=1e-6)
case("ppca/k2", "ppca", "-args {X} 2 {out:PC} {out:V}", X=R(50, 6, 0, 1, 1.0, 7), tol=1e-6)

# --- data cleaning
for opt in ("locf", "nocb"):
    case(f"na_locf/{opt}", "na_locfTest", "-nvargs X={X} option=%s O={out:O}" % opt, X=R(20, 4, 1, 9, 0.6, 3, True))
for bins in (2, 4):
    case(f"statsNA/{bins}", "statsNATest", "-nvargs X={X} bins=%d Out={out:Out}" % bins, X=R(40, 1, 1, 9, 0.7, 5))
case("stratstats/20", "stratstats", "-nvargs X={X} O={out:O}", X=Ints(20, 3, 1, 3, 5))
FDX = [(X6, ((0, 1, 1, 0, 1, 1),), 0.8),
       (((1, 1, 1, 1, 1), (2, 1, 2, 2, 1), (3, 2, 1, 1, 1), (4, 2, 2, 2, 1), (5, 3, 3, 1, 1)), ((1, 1, 1, 1, 1),), 0.8),
       (((1, 1), (2, 1), (3, 2), (2, 2), (4, 2), (5, 3)), ((0, 1),), 0.8),
       (((1, 1, 1, 1, 1, 1, 2), (2, 1, 2, 2, 1, 2, 2), (3, 2, 1, 1, 1, 3, 2), (4, 2, 2, 2, 1, 4, 2),
         (5, 3, 3, 1, 1, 5, 1)), ((0, 1, 1, 1, 0, 1, 1),), 0.8),
       (X6, ((0, 1, 1, 0, 1, 1),), 0.6)]
for i, (x, m, th) in enumerate(FDX):
    case(f"functional_dependency/{i + 1}", "functional_dependency", "-args {X} {M} %s {out:B}" % th, X=M(x), M=M(m))
for n in ("meanImputation", "medianImputation"):
    case(f"{n}/salaries", n, "-args {data:Salaries.csv} {out:Y}")
case("imputeByKNN/salaries", "imputeByKNN", "-args {data:Salaries.csv} dist dist_missing dist_sample 42 0.9 "
     "{out:v1} {out:v2} {out:v3}")
case("denial_constraints", "denial_constraints",
     "-nvargs input={data:Salaries_testDenialConstraints.csv} dc={data:DenialConstraints.csv} M={out:Mx}")
for p, rep in ((2, 1), (3, 2)):
    case(f"outlierByArima/p{p}-r{rep}", "outlierByArima", "-nvargs X={X} p=%d repairMethod=%d outputfilename={out:Y}" % (p, rep),
         X=Fn("sine60", lambda: (np.sin(np.arange(60) / 3.0) + np.where(np.arange(60) % 17 == 5, 4.0, 0.0)).reshape(-1, 1)),
         tol=1e-6)
case("matrix_profile/w4", "matrix_profile", "-nvargs TS={TS} MP={out:MP} MPI={out:MPI} window_size=4 sample_percent=1.0 is_verbose=FALSE",
     TS=Fn("sine100", lambda: np.sin(np.arange(100) * 0.05 * 2 * np.pi).reshape(-1, 1)))
case("ampute/diabetes-25", "ampute", "-args {data:diabetes/diabetes.csv} {out:O} 42 true 0.25 false")
case("ampute/diabetes-50", "ampute", "-args {data:diabetes/diabetes.csv} {out:O} 42 true 0.5 false")


def _typo_words(n=160, seed=4):
    """A one-column string frame: a few frequent words, some with typos (swapped, changed, added or
    dropped letters) and wrong capitals."""
    g = np.random.default_rng(seed)
    words = ["station", "railway", "harbour", "library", "museum", "theatre", "garden", "bakery"]
    out = []
    for k in range(n):
        w = words[int(g.integers(0, len(words)))]
        r = g.random()
        i = int(g.integers(1, len(w) - 1))
        if r < 0.03:
            w = w[:i] + w[i + 1] + w[i] + w[i + 2:]
        elif r < 0.06:
            w = w[:i] + "xq"[k % 2] + w[i + 1:]
        elif r < 0.08:
            w = w[:i] + "e" + w[i:]
        elif r < 0.10:
            w = w[:i] + w[i + 1:]
        elif r < 0.15:
            w = w.capitalize()
        out.append((w,))
    return ("frame", tuple(out), ("STRING",))


for ft in (0.1, 0.05):
    case(f"correct_typos/{ft}", "correct_typos",
         "-nvargs X={X} Y={out:Y} frequency_threshold=%s distance_threshold=3 is_verbose=FALSE" % ft,
         X=Fn("typo_words160", _typo_words))

# (the all-numeric variant's zero mask is written as an empty file, which the reference rejects;
# mice's linear models are fitted on one-hot columns plus an intercept, singular but for reg=1e-7,
# so the imputed values agree to ~1e-8)
case("mice/mix", "mice", "-nvargs X={data:ChickWeight.csv} Mask={M} iteration=3 dataN={out:N} dataC={out:C}",
     M=M(((0, 0, 1, 1, 0),)), tol=1e-6)

# --- relational algebra, matching
RAX = ((1, 2, 3), (4, 3, 3), (7, 2, 9), (1, 3, 1))
for op, val in (("==", 3), ("<", 3), (">=", 2), ("!=", 2)):
    case(f"raSelection/{op}", "raSelection", "-args {X} 2 %s %s {out:R}" % (op, val), X=M(RAX))
for meth in ("nested-loop", "sort-merge", "hash"):
    case(f"raJoin/{meth}", "raJoin", "-args {A} 1 {B} 1 %s {out:R}" % meth,
         A=M(((1, 10), (2, 20), (3, 30), (2, 21))), B=M(((2, 5), (3, 6), (4, 7), (2, 8))))
for meth in ("nested-loop", "permutation-matrix"):
    case(f"raGroupby/{meth}", "raGroupby", "-args {X} 1 %s {out:R}" % meth,
         X=M(((1, 10, 100), (2, 20, 200), (1, 11, 101), (3, 30, 300), (2, 21, 201))))
RM = [(((2, 3, 1), (1, 3, 2), (3, 1, 3)), ((1, 2, 0), (3, 1, 2), (0, 1, 2)), ((2,), (3,), (2,))),
      (((2, 1, 3), (1, 2, 3), (1, 3, 2)), ((3, 1, 2), (2, 1, 3), (3, 2, 1)), ((1,), (1,), (1,)))]
for i, (r, h, c) in enumerate(RM):
    case(f"residencymatch/{i + 1}", "residencymatch", "-args {R} {H} {C} {out:M}", R=M(r), H=M(h), C=M(c))
SM = [(((2, 1, 3), (1, 2, 3), (1, 3, 2)), ((3, 1, 2), (2, 1, 3), (3, 2, 1))),
      (((1, 2, 3, 4), (2, 1, 4, 3), (3, 4, 1, 2), (4, 3, 2, 1)), ((4, 3, 2, 1), (3, 4, 1, 2), (2, 1, 4, 3), (1, 2, 3, 4)))]
for i, (p, a) in enumerate(SM):
    for ordered in ("TRUE", "FALSE"):
        case(f"stablemarriage/{i + 1}-{ordered}", "stablemarriage", "-args {P} {A} %s {out:O}" % ordered, P=M(p), A=M(a))

# --- images (width x height matrices of grey values)
for w, h, s in ((12, 12, 1), (16, 10, 2)):
    img = R(h, w, 0, 255, 1.0, s)
    tag = f"{w}x{h}"
    case(f"image_brightness/{tag}", "image_brightness", "-nvargs in_file={A} out_file={out:B}", A=img)
    case(f"image_crop/{tag}", "image_crop", "-nvargs in_file={A} out_file={out:B} size=0.5 width=%d height=%d "
         "x_offset=2 y_offset=1" % (w, h), A=img)
    case(f"image_cutout/{tag}", "image_cutout", "-nvargs in_file={A} out_file={out:B} width=%d height=%d x=3 y=2 "
         "w=4 h=5 fill_color=7" % (w, h), A=img)
    case(f"image_invert/{tag}", "image_invert", "-nvargs in_file={A} out_file={out:B} width=%d height=%d max_value=255"
         % (w, h), A=img)
    case(f"image_mirror/{tag}", "image_mirror", "-nvargs in_file={A} x_out_file={out:X} y_out_file={out:Y}", A=img)
    case(f"image_posterize/{tag}", "image_posterize", "-nvargs in_file={A} out_file={out:B} width=%d height=%d bits=3"
         % (w, h), A=img)
    case(f"image_rotate/{tag}", "image_rotate", "-nvargs in_file={A} out_file={out:B} width=%d height=%d angle=0.7 "
         "fill_value=128" % (w, h), A=img)
    case(f"image_shear/{tag}", "image_shear", "-nvargs in_file={A} out_file={out:B} width=%d height=%d shear_x=0.2 "
         "shear_y=0.1 fill_value=128" % (w, h), A=img)
    case(f"image_transform/{tag}", "image_transform", "-nvargs in_file={A} out_file={out:B} width=%d height=%d "
         "out_w=%d out_h=%d a=1.1 b=0.1 c=1 d=0.05 e=0.9 f=2 fill_value=0" % (w, h, w + 2, h + 1), A=img)
    case(f"image_translate/{tag}", "image_translate", "-nvargs in_file={A} out_file={out:B} width=%d height=%d "
         "offset_x=2.5 offset_y=-1.5 out_w=%d out_h=%d fill_value=9" % (w, h, w, h), A=img)
    case(f"image_sample_pairing/{tag}", "image_sample_pairing", "-nvargs in_file1={A} in_file2={B} out_file={out:C} "
         "width=%d height=%d weight=0.3" % (w, h), A=img, B=R(h, w, 0, 255, 1.0, s + 100))
    n = w * h
    lin = R(4, n, 0, 255, 1.0, s + 7)
    case(f"image_mirror_linearized/{tag}", "image_mirror_linearized",
         "-nvargs in_file={A} img_rows=%d img_cols=%d x_out_file={out:X} y_out_file={out:Y} "
         "x_out_reshape_file={out:XR} y_out_reshape_file={out:YR}" % (h, w), A=lin)
    case(f"image_crop_linearized/{tag}", "image_crop_linearized",
         "-nvargs in_file={A} out_file={out:B} x_offset=1 y_offset=2 cols=%d rows=4 s_cols=%d s_rows=%d new_w=5 new_h=4"
         % (n, w, h), A=lin)
    case(f"image_cutout_linearized/{tag}", "image_cutout_linearized",
         "-nvargs in_file={A} out_file={out:B} width=%d height=4 x=2 y=3 w=3 h=4 s_cols=%d s_rows=%d fill_color=5"
         % (n, w, h), A=lin)
    case(f"image_posterize_linearized/{tag}", "image_posterize_linearized",
         "-nvargs in_file={A} out_file={out:B} width=%d height=4 bits=2" % n, A=lin)
    case(f"image_rotate_linearized/{tag}", "image_rotate_linearized",
         "-nvargs in_file={A} out_file={out:B} width=%d height=4 angle=0.7 fill_value=128 s_cols=%d s_rows=%d"
         % (n, w, h), A=lin)
    case(f"image_shear_linearized/{tag}", "image_shear_linearized",
         "-nvargs in_file={A} out_file={out:B} width=%d height=4 shear_x=0.2 shear_y=0.1 fill_value=128 s_cols=%d s_rows=%d"
         % (n, w, h), A=lin)
    case(f"image_transform_linearized/{tag}", "image_transform_linearized",
         "-nvargs in_file={A} out_file={out:B} width=%d height=4 out_w=%d out_h=%d a=1.1 b=0.1 c=1 d=0.05 e=0.9 f=2 "
         "fill_value=0 s_cols=%d s_rows=%d" % (n, w, h, w, h), A=lin)
    case(f"image_translate_linearized/{tag}", "image_translate_linearized",
         "-nvargs in_file={A} fill_value=9 orig_h=%d orig_w=%d offset_x=2 offset_y=-1 out_w=%d out_h=%d "
         "x_out_file={out:X} x_out_reshape_file={out:XR}" % (h, w, w, h), A=lin)
    case(f"image_sample_pairing_linearized/{tag}", "image_sample_pairing_linearized",
         "-nvargs in_file={A} in_file_second={B} value=0.4 x_out_file={out:X} x_out_reshape_file={out:XR}",
         A=lin, B=R(1, n, 0, 255, 1.0, s + 9))

# --- scripts that only print or write a scalar
case("WoE_test", "WoE_test", "-args {out:B}")
case("frequencyEncode_test", "frequencyEncode_test", "-args {out:B}")
case("differenceStatistics/1", "differenceStatistics", "-args {A} {B}", A=R(100, 5, -3, 3, 1.0, 1342),
     B=R(100, 5, -3, 3, 1.0, 1343))
case("wer", "wer", "-args {out:W}")
for r, c in ((100, 10), (1000, 3)):
    case(f"split/{r}x{c}", "split", "-nvargs rows=%d cols=%d" % (r, c))
    case(f"splitBalanced/{r}x{c}", "splitBalanced", "-nvargs rows=%d cols=%d split=0.7 out={out:O}" % (r, c))
for t in ("prepare_mask_for_permutation", "prepare_mask_for_partial_permutation",
          "prepare_mask_for_partitioned_permutation", "compute_means_from_predictions",
          "compute_phis_from_prediction_means"):
    case(f"shapExplainerUnit/{t}", "shapExplainerUnit", "-args %s {out:R} {out:E}" % t)
case("shapExplainerComponent", "shapExplainerComponent", "-args {out:R} {out:E}")
case("tomeklink/20", "tomeklink", "-args {X} {y} {out:D}", X=R(20, 3, 0, 1, 1.0, 4), y=Ints(20, 1, 1, 2, 5))
SQ = [((4,),), ((1, 1), (1, 1)), ((1, 0), (0, 1)), ((1, 2), (2, 13)),
      ((3.69, 8.58, 6.54), (8.58, 38.64, 33.30), (6.54, 33.3, 54.89)),
      ((62, 14, 16, 70), (14, 17, 12, 29), (16, 12, 27, 22), (70, 29, 22, 93))]
for i, x in enumerate(SQ):
    for strat in ("COMMON", "DML"):
        case(f"SQRTMatrix/{strat}-{i + 1}", "SQRTMatrix", "-args {X} %s {out:Y}" % strat, X=M(x), tol=1e-8)
for ds in ("diabetes", "titanic"):
    case(f"adasynRealData/{ds}-none", "adasynRealData",
         "-args {data:%s/%s.csv} {data:%s/tfspec.json} FALSE 4 {out:R}" % (ds, ds, ds))
case("slicefinderPrep/oe", "slicefinderPrep", "-args {data:Salaries.csv} oe {out:X} {out:e}")
case("slicefinderPrep/raw", "slicefinderPrep", "-args {data:Salaries.csv} raw {out:X} {out:e}")
case("sliceLineRealData/salaries", "sliceLineRealData", "-args {data:Salaries.csv} {data:Salaries_tfspec.json} {out:acc} {out:val}")
for k, tp, sel in ((4, 1, "TRUE"), (4, 2, "FALSE")):
    X = Ints(100, 4, 1, 3, 4)
    case(f"slicefinder/{tp}-{sel}", "slicefinder", "-args {X} {e} %d %d %s FALSE {out:TR}" % (k, tp, sel),
         X=X, e=R(100, 1, 0, 1, 1.0, 5))
    case(f"incSliceLine/{tp}-{sel}", "incSliceLine", "-args {X} {e} %d %d %s FALSE {out:TR}" % (k, tp, sel),
         X=X, e=R(100, 1, 0, 1, 1.0, 5))
case("smote/4", "smote", "-nvargs X={X} S=200 M={M} K=3 Z={out:Sum} T={T}", X=R(20, 4, 1, 10, 1.0, 1, True),
     M=M(((1, 0, 1, 0),)), T=R(20, 4, 20, 30, 1.0, 3, True))
case("tSNE/2d", "tSNE", "-nvargs X={X} Y={out:Y} reduced_dims=2 perplexity=5 lr=300 momentum=0.9 max_iter=100 "
     "tol=1e-5 seed=7 is_verbose=FALSE print_iter=10", X=Fn("blobs30-3", lambda: _blobs(30, 3, 4, 9)), tol=1e-6)
case("km/greenwood", "km", "-nvargs O={out:O} M={out:M} T={out:T} T_GROUPS_OE={out:TG} n=10 l=2.0 v=1.5 p=0.8 g=2 "
     "s=1 f=10 sd=7 alpha=0.05 err_type=greenwood conf_type=log test_type=none")
case("km/peto", "km", "-nvargs O={out:O} M={out:M} T={out:T} T_GROUPS_OE={out:TG} n=10 l=2.0 v=1.5 p=0.8 g=2 "
     "s=1 f=10 sd=7 alpha=0.05 err_type=peto conf_type=plain test_type=none")
case("cox/50", "cox", "-nvargs M={out:M} S={out:S} T={out:T} COV={out:COV} RT={out:RT} XO={out:XO} n=50 l=2.0 "
     "v=1.5 p=0.8 m=10 sp=0.5 sd=7 alpha=0.05 tol=0.000001 moi=100 mii=0", tol=1e-6)
case("ffNeuralNetwork", "ffNeuralNetwork", "-args {data:synthetic_classification.csv} {out:acc}")
case("deepWalk/caveman", "deepWalk", "-nvargs GRAPH={data:caveman_4_20.ijv} WINDOW_SIZE=3 EMBEDDING_SIZE=4 "
     "WALKS_PER_VERTEX=2 WALK_LENGTH=5 OUT_FILE={out:B}")
for h1, h2, ep in ((8, 3, 2), (6, 2, 3)):
    case(f"autoencoder_2layer/{h1}-{h2}", "autoencoder_2layer",
         "-nvargs X={X} W1_rand={W1} W2_rand={W2} W3_rand={W3} W4_rand={W4} order_rand={O} H1=%d H2=%d EPOCH=%d "
         "OBJ=FALSE BATCH=16 STEP=1e-5 DECAY=0.95 MOMENTUM=0.9 W1_out={out:W1} b1_out={out:b1} W2_out={out:W2} "
         "b2_out={out:b2} W3_out={out:W3} b3_out={out:b3} W4_out={out:W4} b4_out={out:b4} hidden_out={out:H}"
         % (h1, h2, ep), X=R(40, 10, 0, 1, 1.0, 27), W1=R(h1, 10, 0, 1, 1.0, 800), W2=R(h2, h1, 0, 1, 1.0, 900),
         W3=R(h1, h2, 0, 1, 1.0, 589), W4=R(10, h1, 0, 1, 1.0, 150), O=R(40, 1, 0, 1, 1.0, 143), tol=1e-6)
for g, model, init in ((3, "VVV", "random"), (3, "EEE", "kmeans"), (3, "VVI", "random"), (3, "VII", "kmeans")):
    case(f"GMM/{model}-{init}", "GMM", "-args {data:iris/iris.csv} %d %s %s 50 1e-6 1e-4 42 {out:B} {out:O}"
         % (g, model, init), tol=1e-6)
case("GMM_Predict/VII", "GMM_Predict", "-args {data:iris/iris.csv} 3 VII kmeans 50 1e-6 1e-5 42 {out:O}")
for nm in ("GridSearchLM", "GridSearchLM2", "GridSearchLMCV"):
    case(nm, nm, "-args {X} {y} {out:R} FALSE", X=R(400, 20, 0, 1, 0.8, 7), y=R(400, 1, 1, 1, 1.0, 1))
case("GridSearchMLogreg", "GridSearchMLogreg", "-args {X} {y} {out:R} FALSE", X=R(400, 20, 0, 1, 0.8, 7),
     y=R(400, 1, 1, 3, 1.0, 1))
for nm in ("HyperbandLM", "HyperbandLM2", "HyperbandLM3"):
    case(nm, nm, "-args {X} {y} {out:R}", X=R(300, 20, 0, 1, 0.8, 3), y=R(300, 1, 0, 1, 0.8, 7))

# --- frames (transform specs, map lambdas, string cleaning)
DATES = Frm((("1", "a", "2021-01-05"), ("2", "b", "2021-02-17"), ("3", "c", "05/03/2021"), ("4", "d", "2021-04-30"),
             ("5", "e", "2021-12-31")), ("INT64", "STRING", "STRING"))
for t, v in (("DOMINANT", 0), ("DOMINANT_DAY", 1), ("TIMESTAMP", 0), ("ADD_HOURS", 3)):
    case(f"date_processing/{t}", "date_processing", "-nvargs F={F} Y={out:Y} valToAdd=%d test=%s" % (v, t), F=DATES)
case("porterStemmer/dictionary", "porterStemmerTest", "-args {data:stemming/dictionary.csv} {out:S} {out:E}")


# ------------------------------------------------------------------ known differences (issue 14)
# Deterministic cases that still fail, with what the difference was traced to (2026-12-01);
# summary() prints the note next to a failing case.  Not excused: they still count as failures.
KNOWN = {
    "autoencoder_2layer/8-3": "SystemDS inconsistency: after X = table(seq, order(...)) %*% X its "
                              "means = colSums(X)/n come out n times too small (0.012 for data in "
                              "[0, 1]; right in other contexts), so X is not standardized; dmlpy's "
                              "means are colSums(X)/n",
    "autoencoder_2layer/6-2": "SystemDS inconsistency: see autoencoder_2layer/8-3",
    "ffNeuralNetwork": "seed=-1: random initial weights in both systems (the reference's accuracy "
                       "is stable only because its model predicts one class)",
}
