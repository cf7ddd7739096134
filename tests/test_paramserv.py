"""paramserv: BSP/ASP/SBP x BATCH/EPOCH/NBATCHES x the four partitioning schemes on small models.

The recorded values come from the reference, Apache SystemDS 3.4.0 (`sysds -f`), on the linear
model below (deterministic cases only: one worker, or two workers under BSP, whose two-term
gradient sums do not depend on the order of arrival). The last digits differ by the rounding of
the matrix products (Java's vs NumPy's), hence the 1e-14 tolerance.
"""
import re

import numpy as np
import pytest

LINEAR = '''
gradients = function(list[unknown] model, list[unknown] hyperparams, matrix[double] features,
                     matrix[double] labels) return (list[unknown] gradients) {
  W = as.matrix(model[1])
  b = as.matrix(model[2])
  err = features %*% W + sum(b) - labels
  n = nrow(features)
  gradients = list(t(features) %*% err / n, as.matrix(sum(err) / n))
}
aggregation = function(list[unknown] model, list[unknown] hyperparams, list[unknown] gradients)
    return (list[unknown] modelResult) {
  lr = as.double(as.scalar(hyperparams["lr"]))
  modelResult = list(as.matrix(model[1]) - lr * as.matrix(gradients[1]),
                     as.matrix(model[2]) - lr * as.matrix(gradients[2]))
}
loss = function(list[unknown] model, matrix[double] X, matrix[double] Y) return (double l) {
  l = sum((X %*% as.matrix(model[1]) + sum(as.matrix(model[2])) - Y)^2) / nrow(X)
}
X = sin(matrix(seq(1, 40), rows=10, cols=4) / 40 * 7)
Y = X %*% matrix("1 -2 0.5 3", rows=4, cols=1) + 0.25
model = list(matrix(0, 4, 1), matrix(0, 1, 1))
hp = list(lr=0.1)
'''
FNS = 'upd=".defaultNS::gradients", agg=".defaultNS::aggregation", hyperparams=hp'
PRINT = '\nprint(toString(t(as.matrix(m2[1])), decimal=16) + toString(as.matrix(m2[2]), decimal=16))\n'


def _numbers(text):
    return [float(v) for v in re.findall(r"-?\d+\.\d+(?:E-?\d+)?", text)]


def _run(dml_out, call):
    return _numbers(dml_out(LINEAR + f"m2 = paramserv(model=model, features=X, labels=Y, {FNS}, "
                            f"{call})" + PRINT))


# (arguments, W' and b as SystemDS 3.4 prints them)
REFERENCE = [
    ('utype="BSP", freq="BATCH", epochs=3, batchsize=4, k=1',
     [0.3863990738723519, 0.4783312776866961, 0.5556519331804383, 0.6159991323065203,
      0.3208363432575752]),
    ('utype="BSP", freq="EPOCH", epochs=3, batchsize=4, k=1',
     [0.3863990738723520, 0.4783312776866962, 0.5556519331804382, 0.6159991323065203,
      0.3208363432575753]),
    ('utype="BSP", freq="BATCH", epochs=3, batchsize=3, k=2, scheme="DISJOINT_CONTIGUOUS"',
     [0.4139936258441930, 0.5284171201442880, 0.6266990977914011, 0.7058373468616539,
      0.2369662158718046]),
    ('utype="BSP", freq="EPOCH", epochs=3, batchsize=3, k=2, scheme="DISJOINT_ROUND_ROBIN"',
     [0.4443759211010646, 0.5495762860473831, 0.6379887869462699, 0.7069126940121317,
      0.2907361717815113]),
    ('utype="BSP", freq="BATCH", epochs=2, batchsize=2, k=2, scheme="DISJOINT_ROUND_ROBIN", '
     'modelAvg=TRUE',
     [0.3345307844850388, 0.4015269430951363, 0.4562576894172648, 0.4970511676021141,
      0.2634186391150130]),
    ('utype="BSP", freq="EPOCH", epochs=2, batchsize=2, k=2, scheme="DISJOINT_CONTIGUOUS", '
     'modelAvg=TRUE',
     [0.2944594987108843, 0.3783939086699477, 0.4507695493436503, 0.5093755676678710,
      0.1784520699860780]),
    ('utype="ASP", freq="BATCH", epochs=2, batchsize=2, k=1',
     [0.3937521074340681, 0.4960997218139079, 0.5832930165929516, 0.6526685049800826,
      0.2786457304802601]),
]


@pytest.mark.double_only("compares 16 digits with SystemDS")
@pytest.mark.parametrize("call, want", REFERENCE, ids=[str(i) for i in range(len(REFERENCE))])
def test_matches_reference(dml_out, call, want):
    assert _run(dml_out, call) == pytest.approx(want, abs=1e-14)


def test_every_mode_and_scheme_trains(dml_out):
    """BSP/ASP/SBP x BATCH/EPOCH/NBATCHES x the four schemes, three workers: the loss falls."""
    script = LINEAR + '''
l0 = loss(model, X, Y)
for (u in 1:3) { for (f in 1:3) { for (s in 1:4) {
  ut = "BSP"
  if (u == 2) ut = "ASP"
  if (u == 3) ut = "SBP"
  fr = "BATCH"
  if (f == 2) fr = "EPOCH"
  if (f == 3) fr = "NBATCHES"
  sc = "DISJOINT_CONTIGUOUS"
  if (s == 2) sc = "DISJOINT_ROUND_ROBIN"
  if (s == 3) sc = "DISJOINT_RANDOM"
  if (s == 4) sc = "OVERLAP_RESHUFFLE"
  m2 = paramserv(model=model, features=X, labels=Y, upd="gradients", agg="aggregation",
                 hyperparams=hp, utype=ut, freq=fr, scheme=sc, epochs=4, batchsize=2, k=3,
                 nbatches=2, seed=7)
  print(ut + " " + fr + " " + sc + " " + (loss(m2, X, Y) / l0))
}}}
'''
    lines = dml_out(script).strip().splitlines()
    assert len(lines) == 36
    for line in lines:
        ratio = float(line.split()[-1])
        assert 0 < ratio < 0.8, line


@pytest.mark.double_only("compares to 1e-12")
def test_bsp_one_worker_is_minibatch_sgd(dml_out):
    """BSP with k=1 (any frequency: EPOCH pushes the sum of the gradients it applied locally)
    is plain mini-batch SGD over the rows in order."""
    script = LINEAR + '''
W = matrix(0, 4, 1)
b = matrix(0, 1, 1)
for (e in 1:3) {
  for (i in seq(1, 10, 3)) {
    j = min(i + 2, 10)
    g = gradients(list(W, b), hp, X[i:j, ], Y[i:j, ])
    W = W - 0.1 * as.matrix(g[1])
    b = b - 0.1 * as.matrix(g[2])
  }
}
m1 = paramserv(model=model, features=X, labels=Y, upd="gradients", agg="aggregation",
               hyperparams=hp, utype="BSP", freq="BATCH", epochs=3, batchsize=3, k=1, seed=42)
m2 = paramserv(model=model, features=X, labels=Y, upd="gradients", agg="aggregation",
               hyperparams=hp, utype="BSP", freq="EPOCH", epochs=3, batchsize=3, k=1)
m3 = paramserv(model=model, features=X, labels=Y, upd="gradients", agg="aggregation",
               hyperparams=hp, utype="ASP", freq="BATCH", epochs=3, batchsize=3, k=1)
ms = list(m1, m2, m3)
for (i in 1:3) {
  m = as.list(ms[i])
  print(max(abs(as.matrix(m[1]) - W)) + " " + max(abs(as.matrix(m[2]) - b)))
}
print(sum(abs(W)))
'''
    out = _numbers(dml_out(script))
    assert max(out[:6]) <= 1e-12
    assert out[6] > 0.5      # the model did move


def test_seeded_schemes_repeat_and_differ(dml_out):
    script = LINEAR + '''
for (s in 1:2) {
  sc = "DISJOINT_RANDOM"
  if (s == 2) sc = "OVERLAP_RESHUFFLE"
  for (i in 1:3) {
    seed = 3 + as.integer(i == 3)
    m2 = paramserv(model=model, features=X, labels=Y, upd="gradients", agg="aggregation",
                   hyperparams=hp, utype="BSP", freq="BATCH", scheme=sc, epochs=2, batchsize=2,
                   k=2, seed=seed)
    print(toString(t(as.matrix(m2[1])), decimal=16))
  }
}
'''
    lines = [line for line in dml_out(script).splitlines() if line]
    assert len(lines) == 6
    assert lines[0] == lines[1] and lines[0] != lines[2]
    assert lines[3] == lines[4] and lines[3] != lines[5]


def test_uneven_parts_finish(dml_out):
    """Parts with different numbers of batches (SystemDS's BSP hangs here): workers that are
    done leave the rounds. 10 rows over 3 workers, contiguous: 4, 4 and 2 rows."""
    out = _run(dml_out, 'utype="BSP", freq="BATCH", epochs=3, batchsize=3, k=3')
    assert len(out) == 5 and all(np.isfinite(out))


def test_two_layer_net_with_nn_layers(dml_out):
    script = '''
source("nn/layers/affine.dml") as affine
source("nn/layers/relu.dml") as relu
source("nn/layers/l2_loss.dml") as l2
grads = function(list[unknown] model, matrix[double] features, matrix[double] labels)
    return (list[unknown] gradients) {
  [W1, b1, W2, b2] = list_parts(model)
  h = affine::forward(features, W1, b1)
  a = relu::forward(h)
  out = affine::forward(a, W2, b2)
  dout = l2::backward(out, labels)
  [da, dW2, db2] = affine::backward(dout, a, W2, b2)
  dh = relu::backward(da, h)
  [dx, dW1, db1] = affine::backward(dh, features, W1, b1)
  gradients = list(dW1, db1, dW2, db2)
}
list_parts = function(list[unknown] m) return (matrix[double] W1, matrix[double] b1,
    matrix[double] W2, matrix[double] b2) {
  W1 = as.matrix(m[1]); b1 = as.matrix(m[2]); W2 = as.matrix(m[3]); b2 = as.matrix(m[4])
}
sgd = function(list[unknown] model, list[unknown] gradients, list[unknown] hyperparams)
    return (list[unknown] model2) {
  lr = as.scalar(hyperparams["lr"])
  model2 = list()
  for (i in 1:length(model))
    model2 = append(model2, as.matrix(model[i]) - lr * as.matrix(gradients[i]))
}
X = rand(rows=64, cols=3, min=-1, max=1, seed=11)
Y = rowSums(X^2) - X[, 1]
m0 = list(rand(rows=3, cols=8, seed=1) / 3, matrix(0, 1, 8), rand(rows=8, cols=1, seed=2) / 3,
          matrix(0, 1, 1))
[W1, b1, W2, b2] = list_parts(m0)
l0 = l2::forward(affine::forward(relu::forward(affine::forward(X, W1, b1)), W2, b2), Y)
m = paramserv(model=m0, features=X, labels=Y, upd="grads", agg="sgd", utype="BSP", freq="BATCH",
              epochs=20, batchsize=8, k=2, scheme="DISJOINT_ROUND_ROBIN", hyperparams=list(lr=0.1))
[W1, b1, W2, b2] = list_parts(m)
l1 = l2::forward(affine::forward(relu::forward(affine::forward(X, W1, b1)), W2, b2), Y)
print(l1 / l0)
'''
    ratio = float(dml_out(script).strip())
    assert 0 < ratio < 0.6


def test_validation_runs_after_every_epoch(dml_out):
    script = LINEAR + '''
validate = function(list[unknown] model, matrix[double] val_features, matrix[double] val_labels,
                    list[unknown] hyperparams) return (double loss, double accuracy) {
  loss = sum((val_features %*% as.matrix(model[1]) - val_labels)^2)
  accuracy = 0
  print("validated")
}
m2 = paramserv(model=model, features=X, labels=Y, val_features=X, val_labels=Y, upd="gradients",
               agg="aggregation", val="validate", hyperparams=hp, utype="BSP", freq="EPOCH",
               epochs=3, batchsize=4, k=2)
m3 = paramserv(model=model, features=X, labels=Y, val_features=X, val_labels=Y, upd="gradients",
               agg="aggregation", val="validate", hyperparams=hp, utype="BSP", freq="BATCH",
               epochs=2, batchsize=2, k=2)
'''
    assert dml_out(script).split() == ["validated"] * 5


def test_remote_spark_runs_locally_with_a_notice(dml):
    out, err, rc = dml(LINEAR + f"m2 = paramserv(model=model, features=X, labels=Y, {FNS}, "
                       'mode="REMOTE_SPARK", utype="BSP", epochs=1, k=1)\nprint(length(m2))')
    assert rc == 0 and out.strip() == "2"
    assert err.count("\n") == 1 and "REMOTE_SPARK" in err


def test_sourced_functions_by_alias_and_path(tmp_path, dml_out):
    lib = tmp_path / "linlib.dml"
    lib.write_text(LINEAR.split("loss = function")[0])
    base = LINEAR.split("X = sin")[1]
    out = dml_out(f'source("{lib}") as lin\nX = sin' + base +
                  'a = paramserv(model=model, features=X, labels=Y, upd="lin::gradients", '
                  'agg="lin::aggregation", hyperparams=hp, utype="BSP", epochs=2, k=1)\n'
                  f'b = paramserv(model=model, features=X, labels=Y, upd="{lib}::gradients", '
                  f'agg="{lib}::aggregation", hyperparams=hp, utype="BSP", epochs=2, k=1)\n'
                  'print(sum(abs(as.matrix(a[1]) - as.matrix(b[1]))) + " " + sum(as.matrix(a[1])))')
    diff, total = _numbers(out)
    assert diff == 0 and total != 0


# (arguments, message, what SystemDS says: the same words where it has them)
ERRORS = [
    ('agg="aggregation", epochs=1', "named parameter 'upd' is missing"),
    ('upd="gradients", agg="aggregation"', "named parameter 'epochs' is missing"),
    ('upd="gradients", agg="aggregation", epochs=1, foo=3', "paramserv() has no parameter named 'foo'"),
    ('upd=3, agg="aggregation", epochs=1', "the argument 'upd' must be a string"),
    ('upd="gradients", agg="aggregation", epochs=1, utype="XYZ"',
     "Paramserv function: not support update type 'XYZ'."),
    ('upd="gradients", agg="aggregation", epochs=1, utype="SSP"',
     "Paramserv function: Not support update type SSP."),
    ('upd="gradients", agg="aggregation", epochs=1, freq="X"',
     "Paramserv function: not support 'X' update frequency."),
    ('upd="gradients", agg="aggregation", epochs=1, scheme="X"',
     "Paramserv function: not support data partition scheme 'X'"),
    ('upd="gradients", agg="aggregation", epochs=1, mode="X"',
     "Paramserv function: not support ps execution mode 'X'"),
    ('upd="gradients", agg="aggregation", epochs=0',
     "Paramserv function: The argument 'epochs' could not be less than or equal to 0."),
    ('upd="gradients", agg="aggregation", epochs=1, batchsize=0',
     "Paramserv function: the number of argument 'batchsize' could not be less than or equal to 0."),
    ('upd="gradients", agg="aggregation", epochs=1, utype="SBP", k=2, num_backup_workers=2',
     "Invalid number of backup workers (with #workers=2): #backup-workers=2"),
    ('upd="aggregation", agg="aggregation", epochs=1',
     "The '.defaultNS::aggregation' function should provide an input of 'MATRIX' type named 'features'."),
    ('upd="gradients", agg="gradients", epochs=1, utype="BSP"', "paramserv cannot fill"),
    ('upd="gradients", agg="aggregation", epochs=1, utype="ASP", modelAvg=TRUE',
     'modelAvg=TRUE is not supported with utype="ASP"'),
]


@pytest.mark.parametrize("args, message", ERRORS, ids=[str(i) for i in range(len(ERRORS))])
def test_argument_errors(dml, args, message):
    args = args.replace('"gradients"', '".defaultNS::gradients"').replace(
        '"aggregation"', '".defaultNS::aggregation"')
    script = LINEAR + f"m2 = paramserv(model=model, features=X, labels=Y, hyperparams=hp, {args})\n" \
        "print(sum(as.matrix(m2[1])))\n"
    out, err, rc = dml(script)
    assert rc == 1 and out == ""
    line = LINEAR.count("\n") + 1
    assert re.match(rf"^<[^>]*>:{line}:\d+: error: ", err) or f":{line}:" in err.splitlines()[0], err
    assert message in err
    assert "Traceback" not in err


def test_worker_error_has_the_position_inside_the_function(dml):
    script = LINEAR.replace("  n = nrow(features)\n", '  n = nrow(features)\n'
                            '  if (n < 3) stop("tiny batch")\n') + \
        f"m2 = paramserv(model=model, features=X, labels=Y, {FNS}, utype=\"BSP\", freq=\"BATCH\", " \
        "epochs=2, batchsize=4, k=2)\nprint(sum(as.matrix(m2[1])))\n"
    out, err, rc = dml(script)
    assert rc == 1 and "tiny batch" in err and "Traceback" not in err
    assert re.search(r":8:14: error: ", err.splitlines()[0]), err
    assert "called from the main program" in err


def test_model_averaging_trains(dml_out):
    """modelAvg=TRUE (BSP and SBP; SystemDS has no ASP averaging) with every frequency."""
    script = LINEAR + '''
l0 = loss(model, X, Y)
for (u in 1:2) { for (f in 1:3) {
  ut = "BSP"
  if (u == 2) ut = "SBP"
  fr = "BATCH"
  if (f == 2) fr = "EPOCH"
  if (f == 3) fr = "NBATCHES"
  m2 = paramserv(model=model, features=X, labels=Y, upd="gradients", agg="aggregation",
                 hyperparams=hp, utype=ut, freq=fr, scheme="DISJOINT_ROUND_ROBIN", epochs=4,
                 batchsize=2, k=3, nbatches=2, modelAvg=TRUE)
  print(loss(m2, X, Y) / l0)
}}
'''
    ratios = _numbers(dml_out(script))
    assert len(ratios) == 6 and all(0 < r < 0.8 for r in ratios), ratios


def test_cnn_example_runs(dml_out):
    from pathlib import Path
    text = (Path(__file__).resolve().parent.parent / "examples" / "paramserv_cnn.dml").read_text()
    out = dml_out(text, {"n": 512, "epochs": 2, "k": 2})
    lines = out.strip().splitlines()
    assert lines[2].startswith("BSP: validation loss") and lines[3].startswith("ASP: validation loss")
    before = _numbers(lines[1])[0]
    for line in lines[2:]:
        loss, acc = _numbers(line)[:2]
        assert loss < 0.8 * before and acc > 0.3, line   # chance: 0.2


def test_partition_schemes():
    from dmlpy.parallel.ps_partition import row_sets
    assert [r.tolist() for r in row_sets("DISJOINT_CONTIGUOUS", 10, 3)] == [
        [0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    # SystemDS drops a last part of one row (7 rows, 3 workers: 6 rows); dmlpy keeps it
    assert [r.tolist() for r in row_sets("DISJOINT_CONTIGUOUS", 7, 3)] == [
        [0, 1, 2], [3, 4, 5], [6]]
    assert len(row_sets("DISJOINT_CONTIGUOUS", 2, 5)) == 2       # fewer parts: fewer workers
    assert [r.tolist() for r in row_sets("DISJOINT_ROUND_ROBIN", 10, 3)] == [
        [0, 3, 6, 9], [1, 4, 7], [2, 5, 8]]
    dr = row_sets("DISJOINT_RANDOM", 10, 3, seed=5)
    assert [len(r) for r in dr] == [4, 4, 2]
    assert sorted(np.concatenate(dr).tolist()) == list(range(10))
    assert [r.tolist() for r in dr] == [r.tolist() for r in row_sets("DISJOINT_RANDOM", 10, 3, seed=5)]
    ov = row_sets("OVERLAP_RESHUFFLE", 10, 3, seed=5)
    assert len(ov) == 3 and all(sorted(r.tolist()) == list(range(10)) for r in ov)
    assert ov[0].tolist() != ov[1].tolist()


# ---------------------------------------------------------------- workers in processes
EXAMPLES = __import__("pathlib").Path(__file__).resolve().parent.parent / "examples"
BSP2 = 'utype="BSP", freq="BATCH", epochs=3, batchsize=3, k=2, scheme="DISJOINT_CONTIGUOUS"'


@pytest.mark.double_only("compares 16 digits with SystemDS")
@pytest.mark.parametrize("kind", ["threads", "processes"])
def test_worker_kinds_agree_with_the_reference(dml_out, monkeypatch, kind):
    """Forked workers and worker threads give SystemDS's BSP result (two workers)."""
    from dmlpy.parallel import procs
    if kind == "processes" and not procs.available():
        pytest.skip("no fork here")
    monkeypatch.setenv("DMLPY_PARAMSERV_WORKERS", kind)
    want = dict(REFERENCE)[BSP2]
    assert _run(dml_out, BSP2) == pytest.approx(want, abs=1e-14)


SAME_CALLS = [
    'utype="BSP", freq="EPOCH", epochs=3, batchsize=2, k=3, scheme="DISJOINT_ROUND_ROBIN"',
    'utype="BSP", freq="NBATCHES", nbatches=2, epochs=2, batchsize=2, k=2, scheme="DISJOINT_RANDOM", '
    'seed=4',
    'utype="BSP", freq="BATCH", epochs=2, batchsize=2, k=2, modelAvg=TRUE',
    'utype="BSP", freq="EPOCH", epochs=2, batchsize=3, k=3, scheme="OVERLAP_RESHUFFLE", seed=2, '
    'modelAvg=TRUE',
]


@pytest.mark.parametrize("fresh", [True, False], ids=["first-call", "later-call"])
@pytest.mark.parametrize("call", SAME_CALLS, ids=[str(i) for i in range(len(SAME_CALLS))])
def test_processes_give_the_threads_result(dml_out, monkeypatch, call, fresh):
    """BSP results do not depend on timing: forked workers give the threads' numbers, on the
    first call of the gradients function in this process (its first batch computed before the
    fork, the segment going on from it) and on a later one (forked at once)."""
    from dmlpy.parallel import procs, ps_procs
    if not procs.available():
        pytest.skip("no fork here")
    got = {}
    for kind in ("threads", "processes"):
        monkeypatch.setenv("DMLPY_PARAMSERV_WORKERS", kind)
        if fresh:
            monkeypatch.setattr(ps_procs, "_WARM", {})
        got[kind] = _run(dml_out, call)
    assert got["processes"] == got["threads"] and len(got["threads"]) == 5


@pytest.mark.parametrize("freq", ["BATCH", "EPOCH"])
def test_a_run_too_small_for_processes_goes_on_from_its_first_batch(dml_out, monkeypatch, freq):
    """Automatic mode: the first batch, timed in the driver, says processes do not pay; its
    segment goes on from its gradients and the rest runs on threads, with the threads' result."""
    from dmlpy.parallel import procs, ps_procs
    if not procs.available():
        pytest.skip("no fork here")
    call = f'utype="BSP", freq="{freq}", epochs=2, batchsize=3, k=2'
    monkeypatch.setenv("DMLPY_PARAMSERV_WORKERS", "threads")
    want = _run(dml_out, call)
    monkeypatch.setenv("DMLPY_PARAMSERV_WORKERS", "auto")
    monkeypatch.setattr(ps_procs, "_WARM", {})
    monkeypatch.setattr("os.fork", lambda: pytest.fail("forked for a tiny run"))
    assert _run(dml_out, call) == want and len(want) == 5


@pytest.mark.parametrize("utype", ["ASP", "SBP"])
def test_a_forked_worker_goes_on_from_the_first_batch_computed_before_the_fork(
        dml_out, monkeypatch, utype):
    """On the first call of the gradients function, worker 0's first batch is computed in the
    driver; the forked worker 0 goes on from its gradients (one epoch of 3 batches per push)."""
    from dmlpy.parallel import procs, ps_procs
    if not procs.available():
        pytest.skip("no fork here")
    monkeypatch.setenv("DMLPY_PARAMSERV_WORKERS", "processes")
    monkeypatch.setattr(ps_procs, "_WARM", {})
    counted = LINEAR.replace("  n = nrow(features)\n", "  n = nrow(features)\n  print(\"g\")\n")
    out = dml_out(counted + f"m2 = paramserv(model=model, features=X, labels=Y, {FNS}, "
                  f"utype=\"{utype}\", freq=\"EPOCH\", epochs=4, batchsize=2, k=2)\n"
                  "print(loss(m2, X, Y) / loss(model, X, Y))\n")
    ratio = _numbers(out)
    assert len(ratio) == 1 and 0 < ratio[0] < 0.8
    # every batch computed once: 2 workers x 4 epochs x 3 batches (5 rows each, 2 a batch)
    # (SBP drops a straggler's push, not its computation)
    assert out.splitlines().count("g") == 24


def test_processes_train_asynchronously(dml_out, monkeypatch):
    """ASP and SBP with forked workers (their results depend on the order of arrival)."""
    monkeypatch.setenv("DMLPY_PARAMSERV_WORKERS", "processes")
    script = LINEAR + '''
l0 = loss(model, X, Y)
for (u in 1:2) { for (f in 1:3) {
  ut = "ASP"
  if (u == 2) ut = "SBP"
  fr = "BATCH"
  if (f == 2) fr = "EPOCH"
  if (f == 3) fr = "NBATCHES"
  m2 = paramserv(model=model, features=X, labels=Y, upd="gradients", agg="aggregation",
                 hyperparams=hp, utype=ut, freq=fr, epochs=4, batchsize=2, k=3, nbatches=2)
  print(loss(m2, X, Y) / l0)
}}
'''
    ratios = _numbers(dml_out(script))
    assert len(ratios) == 6 and all(0 < r < 0.8 for r in ratios), ratios


def test_transport_choice(monkeypatch):
    from dmlpy.parallel import procs, ps_run, ps_threads
    from dmlpy.parallel.ps_worker import Task
    tasks = [Task(None, None, np.zeros((100, 3)), np.zeros((100, 1)), None, 10, "BATCH", False)
             for _ in range(2)]
    monkeypatch.setenv("DMLPY_PARAMSERV_WORKERS", "threads")
    assert ps_run.kind() == "threads"
    assert isinstance(ps_run.transport_for(tasks), ps_threads.Threads)
    assert isinstance(ps_run.transport_for(tasks[:1]), ps_threads.Inline)
    if not procs.available():
        return
    from dmlpy.parallel.ps_procs import Forked, worth_forking
    monkeypatch.setenv("DMLPY_PARAMSERV_WORKERS", "processes")
    assert ps_run.kind() == "processes"
    monkeypatch.delenv("DMLPY_PARAMSERV_WORKERS")
    monkeypatch.delenv("DMLPY_PARFOR_WORKERS", raising=False)
    assert ps_run.kind() == "auto"
    t = ps_run.transport_for(tasks, 3)      # forks only when the second segment starts
    assert isinstance(t, Forked) and t.auto
    t.close()
    # 600 rows in all, 10 rows a segment: processes from 0.5 ms a row
    assert not worth_forking(1e-5, tasks, 3) and worth_forking(5e-4, tasks, 3)
    assert not worth_forking(1e-4, tasks, 3)       # 1 ms segments: not worth a round trip


@pytest.mark.parametrize("utype", ["BSP", "ASP"])
def test_prints_of_forked_workers_reach_the_output(dml_out, monkeypatch, utype):
    monkeypatch.setenv("DMLPY_PARAMSERV_WORKERS", "processes")
    script = LINEAR.replace("  n = nrow(features)\n", '  n = nrow(features)\n  print("batch " + n)\n') + \
        f"m2 = paramserv(model=model, features=X, labels=Y, {FNS}, utype=\"{utype}\", " \
        "freq=\"BATCH\", epochs=2, batchsize=3, k=2)\nprint(\"done\")\n"
    lines = dml_out(script).split("\n")
    # 5 rows per worker in batches of 3 and 2, 2 epochs: 8 batches
    assert sorted(lines[:-2]) == ["batch 2"] * 4 + ["batch 3"] * 4 and lines[-2:] == ["done", ""]


def test_error_in_a_forked_worker_has_its_position(dml, monkeypatch):
    """Worker 1's one-row batch fails in its process; the driver re-runs that batch to raise
    the error with its DML position."""
    monkeypatch.setenv("DMLPY_PARAMSERV_WORKERS", "processes")
    script = LINEAR.replace("  n = nrow(features)\n", '  n = nrow(features)\n'
                            '  if (n < 2) stop("one row")\n') + \
        f"m2 = paramserv(model=model, features=X, labels=Y, {FNS}, utype=\"ASP\", freq=\"BATCH\", " \
        "epochs=1, batchsize=3, k=3)\nprint(sum(as.matrix(m2[1])))\n"
    out, err, rc = dml(script)     # rows 4, 4, 2: the third worker's second batch has one row
    assert rc == 1 and out == "" and "one row" in err and "Traceback" not in err
    assert re.search(r":8:14: error: ", err.splitlines()[0]), err


@pytest.mark.double_only("compares to 1e-12")
def test_paramserv_inside_parfor(dml_out):
    """In a parfor worker, paramserv's workers run in that worker (serially)."""
    script = LINEAR + f'''
R = matrix(0, 2, 1)
parfor (i in 1:2) {{
  m2 = paramserv(model=model, features=X, labels=Y, {FNS}, {BSP2})
  R[i, 1] = sum(as.matrix(m2[1]))
}}
print(as.scalar(R[1, 1]) + " " + as.scalar(R[2, 1]))
'''
    a, b = _numbers(dml_out(script))
    assert a == b == pytest.approx(sum(dict(REFERENCE)[BSP2][:4]), abs=1e-12)


# ---------------------------------------------------------------- examples
def test_lenet_lars_example_trains(dml_out):
    text = (EXAMPLES / "paramserv_lenet" / "lenet_lars.dml").read_text()
    out = dml_out(text, {"n": 256, "nv": 128, "side": 8, "classes": 5, "epochs": 4, "noise": 0.3,
                         "batch": 16, "F1": 4, "F2": 8, "N3": 32, "k": 2})
    lines = out.strip().splitlines()
    before = _numbers(lines[1])[0]
    assert lines[2].startswith("BSP: ") and lines[3].startswith("ASP: ")
    for line in lines[2:]:
        loss, acc = _numbers(line)[:2]
        assert loss < 0.6 * before and acc > 0.5, line    # chance: 0.2


def test_distrib_sgd_port_trains(dml_out):
    text = (EXAMPLES / "paramserv_lenet" / "distrib_sgd_dummy.dml").read_text()
    out = dml_out(text, {"N": 64, "Nval": 32, "Ntest": 32, "C": 1, "Hin": 8, "Win": 8,
                         "epochs": 4, "seed": 3})
    lines = out.strip().splitlines()
    assert [line.split(",")[0] for line in lines if line.startswith("Epoch")] == [
        f"Epoch: {e}" for e in range(1, 5)]
    before = _numbers(next(line for line in lines if "before" in line))[0]
    after = _numbers(next(line for line in lines if "after" in line))[0]
    assert after < 0.85 * before          # random labels: the training rows are learnt by heart
    assert lines[-1].startswith("Test Accuracy: ")


def test_digits_example_quick():
    pytest.importorskip("sklearn")
    import subprocess
    import sys
    r = subprocess.run([sys.executable, str(EXAMPLES / "paramserv_lenet" / "digits.py"), "--quick"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    accs = [_numbers(line)[1] for line in r.stdout.splitlines() if line[:4] in ("BSP:", "ASP:")]
    assert len(accs) == 2 and min(accs) > 0.3, r.stdout     # chance: 0.1


def test_codec_reads_and_writes_wire_format():
    """ps_codec (the worker processes' fast path) and wire.py read each other's bytes."""
    from dmlpy.parallel import ps_codec, wire
    from dmlpy.runtime.values import DMLList
    rng = np.random.default_rng(0)
    vals = [rng.random((3, 4)), np.asfortranarray(rng.random((3, 4))), np.zeros((0, 3)),
            np.arange(6).reshape(2, 3), rng.random((5, 2)).astype(np.float32),
            np.array([[True, False]]), rng.random((6, 6))[::2, ::3], 3.5, 7, None, "x", True,
            np.array([[1.5, -2.0]], dtype=">f8")]
    names = [f"p{i}\u00e9" for i in range(len(vals))]
    for enc, dec in ((ps_codec.dumps, wire.loads), (wire.dumps, ps_codec.loads),
                     (ps_codec.dumps, ps_codec.loads)):
        out = dec(enc(("ok", DMLList(vals, None), [1, 2], DMLList(vals[:2], names[:2]))))
        assert out[0] == "ok" and out[2] == [1, 2] and out[1].names is None
        assert out[3].names == names[:2]
        for a, b in zip(vals, out[1].values):
            if isinstance(a, np.ndarray):
                assert a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b)
                assert b.flags.writeable
            else:
                assert a == b and type(a) is type(b)
    frame_col = np.array(["a", None], dtype=object)      # a tag only wire.py reads
    assert ps_codec.loads(ps_codec.dumps([frame_col, 1.0]))[0].tolist() == ["a", None]


def test_a_worker_process_that_dies_is_an_error_at_the_call(dml, monkeypatch):
    import os
    import signal

    from dmlpy.parallel import procs, ps_procs
    if not procs.available():
        pytest.skip("no fork here")
    monkeypatch.setenv("DMLPY_PARAMSERV_WORKERS", "processes")
    child = ps_procs._child

    def dying(task, *args):
        if task.features[0, 0] < 0:       # the second worker's part: rows 6 to 10
            os.kill(os.getpid(), signal.SIGKILL)
        child(task, *args)

    monkeypatch.setattr(ps_procs, "_child", dying)
    script = LINEAR + f"m2 = paramserv(model=model, features=X, labels=Y, {FNS}, utype=\"BSP\", " \
        "freq=\"BATCH\", epochs=2, batchsize=2, k=2)\nprint(sum(as.matrix(m2[1])))\n"
    out, err, rc = dml(script)
    line = LINEAR.count("\n") + 1
    assert rc == 1 and out == "" and "Traceback" not in err
    assert re.search(rf":{line}:\d+: error: paramserv: a worker process failed: it ended", err), err
