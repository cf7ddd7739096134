"""DML-bodied pipeline builtins (scripts/builtin/*.dml: executePipeline, bandit,
fit_pipeline, apply_pipeline, topk_cleaning, with their shared helpers in
scripts/builtin/internal/pipeline*.dml) checked against values recorded from
SystemDS 3.4 (tests/data/dml_builtins_pipe/expected.json, written by
tests/data/dml_builtins_pipe/record_expected.py; the reference is not needed here).

Same mechanism as test_dml_builtins_clean.py: PRELUDE + a snippet, numbers
under `### key` markers, strings of frames under `$$$ key` markers.
"""
from pathlib import Path

import pytest

from reference_util import assert_matches
from test_dml_builtins_ml import PRELUDE as ML_PRELUDE, parse_output as ml_parse

EXPECTED_FILE = Path(__file__).resolve().parent / "data" / "dml_builtins_pipe" / "expected.json"

# 40 rows: two numeric features (a gap in the first, an outlier in the second), a
# 3-level category and a binary label 1/2; the evaluation function is a seeded-free
# multiLogReg with fixed hyper-parameters (icpt, reg, tol)
PRELUDE = ML_PRELUDE + """
showF = function(String k, Frame[Unknown] F) {
  print("$$$ " + k)
  for (r in 1:nrow(F))
    for (c in 1:ncol(F))
      print("| " + as.scalar(F[r, c]))
  print("$$$")
}
pn = 40
qi = seq(1, pn)
PA = sin(qi) * 3 + qi / 5
PB = cos(2 * qi) * 2
PB[7, 1] = 25
PC = 1 + (sin(5 * qi) > 0.2) + (cos(3 * qi) > 0.5)
Pholes = abs(sin(qi * 13)) > 0.9
PX = cbind(replace(target=PA * (Pholes == 0) + Pholes * 77777, pattern=77777, replacement=NaN), PB, PC)
PY = (PB + sin(7 * qi) > 0.3) + 1
Pmask = matrix("0 0 1", rows=1, cols=3)
PevalHp = matrix("1 0.01 1e-9", rows=1, cols=3)
evalC = function(Matrix[Double] X, Matrix[Double] Y, Matrix[Double] Xtest, Matrix[Double] Ytest,
  Matrix[Double] Xorig=as.matrix(0), Matrix[Double] evalFunHp) return (Matrix[Double] output, Matrix[Double] error)
{
  beta = multiLogReg(X=X, Y=Y, icpt=as.scalar(evalFunHp[1,1]), reg=as.scalar(evalFunHp[1,2]),
    tol=as.scalar(evalFunHp[1,3]), maxi=100, maxii=0, verbose=FALSE)
  [prob, yhat, accuracy] = multiLogRegPredict(Xtest, beta, Ytest, FALSE)
  error = yhat != Ytest
  output = cbind(as.matrix(accuracy), evalFunHp)
}
"""


def _frame_literal(rows, width=None):
    width = width or max(len(r) for r in rows)
    cells = [c for r in rows for c in list(r) + ["0"] * (width - len(r))]
    return "frame([%s], rows=%d, cols=%d)" % (", ".join('"%s"' % c for c in cells), len(rows), width)


# a primitive catalogue in the layout of SystemDS's pipelines/properties/param.csv (no
# header): applyName, name, #params, mask/FD/Y/verbose/data flags, 4 default slots,
# one type per parameter, then min and max per parameter
PARAM = _frame_literal([
    ["imputeByMeanApply", "imputeByMean", "0", "1", "0", "0", "0", "2"],
    ["imputeByMedianApply", "imputeByMedian", "0", "1", "0", "0", "0", "2"],
    ["winsorizeApply", "winsorize", "2", "0", "0", "0", "1", "0", "0.05", "0.95", "0", "0", "FP", "FP", "0.01", "0.1",
     "0.9", "1"],
    ["scaleApply", "scale", "2", "0", "0", "0", "0", "0", "1", "0", "0", "0", "BOOL", "BOOL", "0", "1", "0", "1"],
    ["outlierBySdApply", "outlierBySd", "3", "0", "0", "0", "1", "0", "3", "2", "1", "0", "INT", "INT", "INT", "1", "5",
     "1", "2", "1", "3"],
    ["fillDefaultApply", "fillDefault", "0", "0", "0", "0", "0", "2"],
    ["dummycodingApply", "dummycoding", "0", "1", "0", "0", "0", "2"],
    ["NA", "abstain", "1", "0", "0", "1", "1", "2", "0.75", "0", "0", "0", "FP", "0.6", "0.8"],
], 21)

# primitives by logical step (columns ED, MVI, OTLR, EC, SCALE, CI, DUMMY, DIM)
PRIMITIVES = _frame_literal([
    ["imputeByFd", "imputeByMean", "winsorize", "imputeByMean", "scale", "abstain", "dummycoding", "pca"],
    ["outlierBySd", "imputeByMedian", "outlierBySd", "imputeByMedian", "scale", "abstain", "dummycoding", "pca"],
])

# a 40-row frame: numeric, categorical (strings), numeric, label ("yes"/"no")
FRAME = """
cats = frame(["red", "Green", "blue"], rows=3, cols=1)
Cf = frame("", rows=pn, cols=1)
Yf = frame("", rows=pn, cols=1)
for (r in 1:pn) {
  Cf[r, 1] = cats[as.scalar(PC[r, 1]), 1]
  if (as.scalar(PY[r, 1]) == 2) Yf[r, 1] = "yes"
  else Yf[r, 1] = "no"
}
PF = cbind(cbind(as.frame(PA * (Pholes == 0) + Pholes * 3), Cf), cbind(as.frame(PB), Yf))
Pmeta = frame(["FP64", "STRING", "FP64", "STRING", "0", "1", "0", "1", "0", "1", "0", "1"], rows=3, cols=4)
"""

CASES = {
    "executePipeline": """
pip = frame(["imputeByMean", "outlierBySd", "winsorize", "scale", "dummycoding"], rows=1, cols=5)
af = frame(["imputeByMeanApply", "outlierBySdApply", "winsorizeApply", "scaleApply", "dummycodingApply"], rows=1, cols=5)
hp = matrix("0 0 0 0 1 0 0 0 2  3 2.5 2 1 0 0 0 1 0  2 0.1 0.9 0 0 0 0 1 0  2 1 1 0 0 0 0 0 0  0 0 0 0 1 0 0 0 2",
  rows=5, cols=9)
ml = list(mask=Pmask, schema=frame("FP64", rows=1, cols=3), fd=matrix(0, 1, 3), applyFunc=af)
[a, b, c, d, t, hpp, cbo, ca, st] = executePipeline(pip, PX[1:28, ], PY[1:28, ], PX[29:40, ], PY[29:40, ], ml, hp,
  matrix(0, 1, 5), matrix(0, 1, 5), 5, TRUE, FALSE, 1, 5)
show("Xtrain", a); show("Ytrain", b); show("Xtest", c); show("Ytest", d)
show("hpp", hpp); show("cbo", cbo); show("ca", as.matrix(ca)); show("nstate", as.matrix(length(st)))
""",
    "executePipeline_flags": """
pip = frame(["fillDefault", "imputeByMedian", "outlierBySd", "abstain"], rows=1, cols=4)
af = frame(["fillDefaultApply", "imputeByMedianApply", "outlierBySdApply", "NA"], rows=1, cols=4)
hp = matrix("0 0 0 0 0 0 0 0 2  0 0 0 0 1 0 0 0 2  3 2 1 2 0 0 0 1 1  1 0.7 0 0 0 0 1 1 2", rows=4, cols=9)
Z = PX
Z[3, 3] = NaN
ml = list(mask=Pmask, schema=frame("FP64", rows=1, cols=3), fd=matrix(0, 1, 3), applyFunc=af)
[a, b, c, d, t, hpp, cbo, ca, st] = executePipeline(pipeline=pip, Xtrain=Z[1:30, ], Ytrain=PY[1:30, ],
  Xtest=Z[31:40, ] * 1.5, Ytest=PY[31:40, ], metaList=ml, hyperParameters=hp, flagsCount=5, verbose=FALSE,
  startInd=2, endInd=4)
show("Xtrain", a); show("Ytrain", b); show("Xtest", c)
""",
    # SystemDS's own behaviour kept: "normalize" takes its ranges over the present values,
    # and restoring the untouched (categorical) columns after a numeric-only primitive turns
    # their cells equal to max(primitive output) + 1 into NaN (here the category 2)
    "executePipeline_restore": """
pip = frame(["normalize", "imputeByMean", "forward_fill"], rows=1, cols=3)
af = frame(["normalizeApply", "imputeByMeanApply", "forward_fill"], rows=1, cols=3)
hp = matrix("0 0 0 0 0 0 0 0 0  0 0 0 0 1 0 0 0 2  1 0 0 0 0 0 0 1 2", rows=3, cols=9)
ml = list(mask=Pmask, fd=matrix(0, 1, 3), applyFunc=af)
[a, b, c, d, t, hpp, cbo, ca, st] = executePipeline(pipeline=pip, Xtrain=PX[1:30, ], Ytrain=PY[1:30, ],
  Xtest=PX[31:40, ], Ytest=PY[31:40, ], metaList=ml, hyperParameters=hp, hpForPruning=matrix(0, 1, 3),
  changesByOp=matrix(0, 1, 3), flagsCount=5, verbose=FALSE, startInd=1, endInd=3)
show("Xtrain", replace(target=a, pattern=NaN, replacement=-7)); show("Xtest", replace(target=c, pattern=NaN, replacement=-7))
show("ca", as.matrix(ca))
""",
    "fit_apply_pipeline": FRAME + """
pip = frame(["imputeByMean", "winsorize", "scale", "dummycoding"], rows=1, cols=4)
af = frame(["imputeByMeanApply", "winsorizeApply", "scaleApply", "dummycodingApply"], rows=1, cols=4)
hp = matrix("0 0 0 0 1 0 0 0 2  2 0.1 0.9 0 0 0 0 1 0  2 1 1 0 0 0 0 0 0  0 0 0 0 1 0 0 0 2", rows=1, cols=36)
hp = cbind(as.matrix(36), hp)
[sc, ctr, cts, ex, ist] = fit_pipeline(PF[1:28, ], PF[29:40, ], Pmeta, pip, af, hp, 3, "evalC", PevalHp,
  TRUE, FALSE, FALSE)
E = apply_pipeline(PF[29:40, ], Pmeta, pip, af, hp, TRUE, ex, ist, FALSE)
show("scores", sc); show("cleanTrain", ctr); show("cleanTest", cts); show("applied", E)
""",
    "bandit": """
lp = frame(["imputeByMean", "winsorize", "outlierBySd", "dummycoding"], rows=1, cols=4)
ml = list(mask=Pmask, schema=frame("FP64", rows=1, cols=3), fd=matrix(0, 1, 3), applyFunc=as.frame("NULL"))
[bp, bh, ba, af] = bandit(X_train=PX[1:28, ], Y_train=PY[1:28, ], X_test=PX[29:40, ], Y_test=PY[29:40, ],
  metaList=ml, evaluationFunc="evalC", evalFunHp=PevalHp, lp=lp, lpHp=matrix(0, rows=1, cols=91),
  primitives=as.frame("NULL"), param=%s, k=3, R=6, baseLineScore=50, cv=FALSE, seed=42, verbose=FALSE)
showF("pipelines", bp); show("hp", bh); show("acc", ba); showF("apply", af)
""" % PARAM,
    "bandit_cv": """
lp = frame(["imputeByMedian", "dummycoding", "fillDefault", "dummycoding", "imputeByMean", "dummycoding"], rows=3,
  cols=2)
ml = list(mask=Pmask, schema=frame("FP64", rows=1, cols=3), fd=matrix(0, 1, 3), applyFunc=as.frame("NULL"))
[bp, bh, ba, af] = bandit(X_train=PX, Y_train=PY, X_test=PX, Y_test=PY, metaList=ml, evaluationFunc="evalC",
  evalFunHp=PevalHp, lp=lp, lpHp=matrix(0, rows=1, cols=61), primitives=as.frame("NULL"), param=%s, k=2, R=4,
  baseLineScore=0, cv=TRUE, cvk=2, seed=7, verbose=FALSE)
showF("pipelines", bp); show("hp", bh); show("acc", ba); showF("apply", af)
""" % PARAM,
    # removeEmpty of frames (native, used throughout the pipeline builtins): null and
    # zero cells ("0") are empty, empty strings are not
    "removeEmpty_frame": """
F = frame(["a", "0", "", "b", "0", "0", "c", "d", "0"], rows=3, cols=3)
showF("cols", removeEmpty(target=F, margin="cols"))
showF("rows", removeEmpty(target=F[, 2:3], margin="rows"))
showF("sel", removeEmpty(target=F, margin="rows", select=matrix("1 0 1", rows=3, cols=1)))
""",
    # (metaData passed through removeEmpty: SystemDS 3.4 fails to compile topk_cleaning's
    # string cleaning when the schema's size is known in advance)
    "topk_cleaning": FRAME + """
Pmeta = removeEmpty(target=Pmeta, margin="cols")
[tp, th, ts, ds, eh, af] = topk_cleaning(dataTrain=PF[1:28, ], dataTest=PF[29:40, ], metaData=Pmeta,
  primitives=%s, parameters=%s, refSol=frame(["imputeByMean", "scale", "dummycoding"], rows=1, cols=3),
  evaluationFunc="evalC", evalFunHp=PevalHp, topK=3, resource_val=4, max_iter=5, seed=23, cv=TRUE, cvk=2)
showF("pipelines", tp); show("hp", th); show("scores", ts); show("dirty", as.matrix(ds)); showF("apply", af)
""" % (PRIMITIVES, PARAM),
}

ALL_CASES = dict(CASES)

TOLERANCE = {}


def parse_output(text):
    """Numbers under `### key` markers (as test_dml_builtins_ml) and the cells printed
    under `$$$ key` markers (one `| cell` line each) as the list under `$key`."""
    blocks = ml_parse(text)
    key = None
    for line in text.splitlines():
        if line.startswith("$$$"):
            key = "$" + line[3:].strip() if line[3:].strip() else None
            if key:
                blocks[key] = []
        elif key and line.startswith("| "):
            blocks[key].append(line[2:])
    return blocks


def reference_text(name):
    return PRELUDE + ALL_CASES[name]


@pytest.mark.parametrize("name", sorted(CASES))
def test_against_reference(dml_out, expected, name):
    got = parse_output(dml_out(PRELUDE + ALL_CASES[name]))
    assert_matches(got, expected[name], TOLERANCE.get(name))


@pytest.mark.parametrize("snippet, message", [
    # a primitive missing from the catalogue
    ("""[bp, bh, ba, af] = bandit(X_train=PX, Y_train=PY, X_test=PX, Y_test=PY,
  metaList=list(mask=Pmask, fd=matrix(0, 1, 3), applyFunc=as.frame("NULL")), evaluationFunc="evalC",
  evalFunHp=PevalHp, lp=frame(["imputeByMean", "noSuchOp"], rows=1, cols=2), lpHp=matrix(0, 1, 61),
  primitives=as.frame("NULL"), param=%s, R=2, baseLineScore=0, cv=FALSE, verbose=FALSE)""" % PARAM,
     "primitive 'noSuchOp' is not in the parameter catalogue"),
    # a primitive that is no function
    ("""[a, b, c, d, t, h, o, n, s] = executePipeline(pipeline=frame("noSuchOp", rows=1, cols=1), Xtrain=PX, Ytrain=PY,
  Xtest=PX, Ytest=PY, metaList=list(mask=Pmask, fd=matrix(0, 1, 3), applyFunc=as.frame("NA")),
  hyperParameters=matrix("0 0 0 0 0 0 2", rows=1, cols=7), flagsCount=5, verbose=FALSE, startInd=1, endInd=1)""",
     "noSuchOp"),
])
def test_errors(dml, snippet, message):
    out, err, rc = dml(PRELUDE + snippet + "\n")
    assert rc == 1 and message in out + err, out + err
    assert "Traceback" not in out + err
    assert ".dml:" in err


def test_apply_pipeline_matches_fit(dml_out):
    # apply_pipeline on the training frame reproduces fit_pipeline's cleaned training
    # features when no primitive drops or adds rows (the fitted states are the same)
    out = dml_out(PRELUDE + FRAME + """
pip = frame(["imputeByMean", "winsorize", "scale"], rows=1, cols=3)
af = frame(["imputeByMeanApply", "winsorizeApply", "scaleApply"], rows=1, cols=3)
hp = matrix("0 0 0 0 1 0 0 0 2  2 0.1 0.9 0 0 0 0 1 0  2 1 1 0 0 0 0 0 0", rows=1, cols=27)
hp = cbind(as.matrix(27), hp)
[sc, ctr, cts, ex, ist] = fit_pipeline(PF[1:28, ], PF[29:40, ], Pmeta, pip, af, hp, 2, "evalC", PevalHp)
E = apply_pipeline(testData=PF[1:28, ], metaData=Pmeta, pip=pip, applyFunc=af, hp=hp, exState=ex, iState=ist)
print("### d")
print(max(abs(E - ctr[, 1:ncol(E)])))
print("### shape")
print(nrow(E) + " " + ncol(E) + " " + ncol(ctr))
""")
    got = parse_output(out)
    assert got["d"][0] < 1e-12 and got["shape"] == [28.0, 3.0, 4.0]
