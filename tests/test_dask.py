"""parfor on a Dask cluster (dmlpy/parallel/dask_run.py, remote.py): a LocalCluster of two worker
processes started by the test; the same scripts give the same results and prints as on one machine."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

distributed = pytest.importorskip("distributed")

import dmlpy  # noqa: E402
from dmlpy.errors import DMLError  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def cluster():
    cl = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None, silence_logs=50)
    c = distributed.Client(cl, set_as_default=False)
    yield c
    c.close()
    cl.close()


def _both(capsys, cluster, script, outputs=(), path=None, **kw):
    """(result, prints) locally, then on the cluster, and the number of parfor tasks the
    cluster ran."""
    run = (lambda **a: dmlpy.run_file(path, outputs=outputs, **a, **kw)) if path else \
        (lambda **a: dmlpy.run(script, outputs=outputs, **a, **kw))
    local = run()
    out_local = capsys.readouterr().out
    with distributed.get_task_stream(client=cluster) as ts:
        remote = run(dask=cluster)
    out_remote = capsys.readouterr().out
    tasks = [t for t in ts.data if str(t.get("key", "")).find("dmlpy-parfor") >= 0]
    return (local, out_local), (remote, out_remote), len(tasks)


MERGE = """
R = matrix(7, 6, 3)
S = matrix(0, 1, 3)
F = as.frame(matrix(1, 2, 2))
L = list(a=2, b=matrix(3, 2, 2))
A = rand(rows=40, cols=40, seed=11) + diag(matrix(40, 40, 1))
parfor (i in 1:6, taskpartitioner=FACTORING) {
  x = solve(A, matrix(i, 40, 1))
  R[i, ] = t(x[1:3, 1]) * as.scalar(L["a"])
  S += matrix(i, 1, 3)
  if (i == 2) { R[i, 2] = 0 }
  print("iteration " + i + " of " + nrow(F))
}
print(toString(R))
print(toString(S))
"""


def test_results_and_prints_match_one_machine(capsys, cluster):
    (lr, lo), (rr, ro), n = _both(capsys, cluster, MERGE, outputs=["R", "S"])
    assert n >= 2                             # FACTORING over 2 workers: several tasks
    assert (lr["R"] == rr["R"]).all() and (lr["S"] == rr["S"]).all()
    assert sorted(lo.splitlines()) == sorted(ro.splitlines())
    # the cluster's prints come in task order, so iteration order
    its = [ln for ln in ro.splitlines() if ln.startswith("iteration")]
    assert its == [f"iteration {i} of 2" for i in range(1, 7)]


def test_sourced_functions_and_nested_parfor(capsys, cluster, tmp_path):
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "f.dml").write_text(
        "g = function(matrix[double] X, int k) return (matrix[double] Y) {\n"
        "  Y = X * k\n"
        "  parfor (j in 1:ncol(Y)) { Y[1, j] = j + k }\n"
        "}\n")
    main = tmp_path / "main.dml"
    main.write_text('source("lib/f.dml") as F\nR = matrix(0, 4, 3)\n'
                    "parfor (i in 1:4) {\n  R[i, ] = colSums(F::g(matrix(1, 2, 3), i))\n}\n"
                    "print(toString(R))\n")
    (lr, lo), (rr, ro), n = _both(capsys, cluster, None, outputs=["R"], path=str(main))
    assert n == 4
    assert (lr["R"] == rr["R"]).all() and lo == ro
    assert rr["R"][2].tolist() == [4 + 3, 5 + 3, 6 + 3]


def test_mode_local_stays_on_this_machine(capsys, cluster):
    (lr, lo), (rr, ro), n = _both(capsys, cluster, "R = matrix(0, 3, 1)\n"
                                  "parfor (i in 1:3, mode=LOCAL) { R[i, 1] = i * i }\n", outputs=["R"])
    assert n == 0 and (rr["R"][:, 0] == [1, 4, 9]).all()


def test_single_precision_on_the_cluster(capsys, cluster):
    script = "R = matrix(0, 4, 2)\nparfor (i in 1:4) { R[i, ] = matrix(1 / (i + 2), 1, 2) }\n"
    (lr, _), (rr, _), n = _both(capsys, cluster, script, outputs=["R"], precision="single")
    assert n == 4 and (lr["R"] == rr["R"]).all() and rr["R"].dtype.name == "float32"


def test_a_failing_iteration_reports_its_dml_position(cluster):
    script = "R = matrix(0, 4, 1)\nparfor (i in 1:4) {\n  x = matrix(1, i, 2)\n" \
             "  R[i, 1] = as.scalar(x[3, 1])\n}\n"
    with pytest.raises(DMLError) as local:
        dmlpy.run(script)
    with pytest.raises(DMLError) as remote:
        dmlpy.run(script, dask=cluster)
    assert str(remote.value) == str(local.value)
    assert "4:" in str(remote.value) or "line 4" in str(remote.value)


def test_a_task_that_fails_twice_stops_the_run(cluster):
    p = dmlpy.prepare("R = matrix(0, 2, 1)\nparfor (i in 1:2) { R[i, 1] = i }\nprint(sum(R))\n")
    p.program.recipe.digest = "0" * 64          # as a worker with another dmlpy version would see it
    p.dask = cluster
    with pytest.raises(DMLError) as e:
        p()
    msg = str(e.value)
    assert "failed twice on the Dask cluster" in msg and "same dmlpy version" in msg


def test_command_line_and_environment(cluster, tmp_path):
    script = tmp_path / "s.dml"
    script.write_text("R = matrix(0, 3, 1)\nparfor (i in 1:3) { R[i, 1] = i + 0.5\n  print(i) }\n"
                      "print(sum(R))\n")
    addr = cluster.scheduler.address
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cli = [sys.executable, "-m", "dmlpy"]
    a = subprocess.run(cli + ["--dask", addr, str(script)], capture_output=True, text=True, env=env,
                       timeout=120)
    b = subprocess.run(cli + [str(script)], capture_output=True, text=True, timeout=120,
                       env={**env, "DMLPY_DASK_SCHEDULER": addr})
    assert a.returncode == 0 and b.returncode == 0, a.stderr + b.stderr
    assert a.stdout == b.stdout == "1\n2\n3\n7.5\n"
    bad = subprocess.run(cli + ["--dask", "tcp://127.0.0.1:9", str(script)], capture_output=True,
                         text=True, env=env, timeout=120)
    assert bad.returncode == 1 and "cannot connect to the Dask scheduler" in bad.stderr
    assert "Traceback" not in bad.stderr


PS = """
grads = function(list[unknown] model, matrix[double] features, matrix[double] labels,
                 list[unknown] hyperparams) return (list[unknown] gradients) {
  W = as.matrix(model[1])
  if (as.scalar(hyperparams["fail"]) == 1 & nrow(features) < 50) { stop("a short batch") }
  gradients = list(t(features) %*% (features %*% W - labels) / nrow(features))
}
agg = function(list[unknown] model, list[unknown] gradients, list[unknown] hyperparams)
    return (list[unknown] model_result) {
  model_result = list(as.matrix(model[1]) - as.scalar(hyperparams["lr"]) * as.matrix(gradients[1]))
}
X = rand(rows=390, cols=4, seed=1)
Y = X %*% matrix("1 2 3 4", 4, 1)
M = paramserv(model=list(matrix(0, 4, 1)), features=X, labels=Y, upd="grads", agg="agg",
  mode="REMOTE_SPARK", utype=$u, freq=$f, epochs=$e, batchsize=50, k=2, scheme=$s,
  hyperparams=list(lr=0.5, fail=$fail), seed=3)
W = as.matrix(M[1])
"""


SCHEMES = ["DISJOINT_CONTIGUOUS", "DISJOINT_ROUND_ROBIN", "DISJOINT_RANDOM", "OVERLAP_RESHUFFLE"]


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("utype, freq", [("BSP", "BATCH"), ("BSP", "EPOCH"), ("ASP", "BATCH"), ("ASP", "EPOCH")])
def test_paramserv_workers_on_the_cluster(capsys, cluster, utype, freq, scheme):
    epochs = 8 if freq == "EPOCH" else 2
    args = {"u": utype, "f": freq, "fail": "0", "s": scheme, "e": str(epochs)}
    local = dmlpy.run(PS, outputs=["W"], args=args)["W"]
    with distributed.get_task_stream(client=cluster) as ts:
        remote = dmlpy.run(PS, outputs=["W"], args=args, dask=cluster)["W"]
    n = sum("dmlpy-paramserv" in str(t.get("key", "")) for t in ts.data)
    rows = 390 if scheme == "OVERLAP_RESHUFFLE" else 195    # each worker's rows
    per_epoch = 1 if freq == "EPOCH" else -(-rows // 50)
    assert n == 2 * per_epoch * epochs          # every segment of both workers ran there
    if utype == "BSP":      # the server applies the workers' pushes in worker order: exact
        assert (local == remote).all()
    else:                   # ASP: in arrival order; both train
        start = float(((dmlpy.run("X = rand(rows=390, cols=4, seed=1)\nY = X %*% matrix(\"1 2 3 4\", 4, 1)\n"
                                  "l = sum(Y^2)", outputs=["l"]))["l"]))
        for w in (local, remote):
            assert float(((w.ravel() - [1, 2, 3, 4]) ** 2).sum()) < 0.1 * start
    assert "runs on this machine" in capsys.readouterr().err    # only the run without a cluster


def test_paramserv_error_on_the_cluster_keeps_its_position(cluster):
    args = {"u": "BSP", "f": "BATCH", "fail": "1", "s": "DISJOINT_CONTIGUOUS", "e": "2"}
    with pytest.raises(DMLError) as local:
        dmlpy.run(PS, args=args)
    with pytest.raises(DMLError) as remote:
        dmlpy.run(PS, args=args, dask=cluster)
    assert str(remote.value) == str(local.value) and "a short batch" in str(remote.value)
