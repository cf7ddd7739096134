"""ASP with forked workers (ps_shared): each worker applies its own pushes to a model in shared
memory, one at a time, and goes on without waiting for the driver."""
import re

import pytest

from test_paramserv import FNS, LINEAR, PRINT, _numbers

VALIDATE = '''
validate = function(list[unknown] model, matrix[double] val_features, matrix[double] val_labels,
                    list[unknown] hyperparams) return (double loss, double accuracy) {
  loss = sum((val_features %*% as.matrix(model[1]) - val_labels)^2)
  accuracy = 0
  print("validated")
}
'''


@pytest.fixture
def forked(monkeypatch):
    from dmlpy.parallel import procs
    if not procs.available():
        pytest.skip("no fork here")
    monkeypatch.setenv("DMLPY_PARAMSERV_WORKERS", "processes")


def _workers(monkeypatch, kind):
    monkeypatch.setenv("DMLPY_PARAMSERV_WORKERS", kind)


@pytest.mark.double_only("compares to 1e-12")
@pytest.mark.parametrize("fresh", [True, False], ids=["first-call", "later-call"])
def test_one_epoch_of_two_pushes_is_the_threads_result(dml_out, monkeypatch, forked, fresh):
    """freq=EPOCH, one epoch: both workers compute from the first model and push once; with the
    plain SGD step the order of the two updates only changes the rounding. On the first call of
    the gradients function, worker 0 goes on from its first batch, computed before the fork."""
    from dmlpy.parallel import ps_procs
    if fresh:
        monkeypatch.setattr(ps_procs, "_WARM", {})
    call = (f"m2 = paramserv(model=model, features=X, labels=Y, {FNS}, utype=\"ASP\", "
            "freq=\"EPOCH\", epochs=1, batchsize=2, k=2)" + PRINT)
    got = _numbers(dml_out(LINEAR + call))
    _workers(monkeypatch, "threads")
    want = _numbers(dml_out(LINEAR + call))
    assert len(got) == 5 and got != [0.0] * 5
    assert got == pytest.approx(want, rel=1e-12, abs=1e-14)


@pytest.mark.parametrize("freq", ["BATCH", "EPOCH", "NBATCHES"])
def test_every_frequency_trains(dml_out, forked, freq):
    out = dml_out(LINEAR + f"m2 = paramserv(model=model, features=X, labels=Y, {FNS}, "
                  f"utype=\"ASP\", freq=\"{freq}\", nbatches=2, epochs=4, batchsize=2, k=2)\n"
                  "print(loss(m2, X, Y) / loss(model, X, Y))\n")
    ratio = _numbers(out)
    assert len(ratio) == 1 and 0 < ratio[0] < 0.8


def test_every_update_is_applied_once(dml_out, monkeypatch, forked):
    """An aggregation that counts: the model's second entry is the number of updates applied
    (two workers, 5 rows each in batches of 2: 3 pushes each per epoch, 2 epochs)."""
    from dmlpy.parallel import ps_shared
    made, init = [], ps_shared.SharedModel.__init__

    def counting(self, *args):
        made.append(self)
        init(self, *args)

    monkeypatch.setattr(ps_shared.SharedModel, "__init__", counting)
    script = LINEAR.replace("as.matrix(model[2]) - lr * as.matrix(gradients[2]))",
                            "as.matrix(model[2]) + 1)")
    out = dml_out(script + f"m2 = paramserv(model=model, features=X, labels=Y, {FNS}, "
                  "utype=\"ASP\", freq=\"BATCH\", epochs=2, batchsize=2, k=2)\n"
                  "print(as.scalar(as.matrix(m2[2])))\n")
    assert _numbers(out) == [12.0]
    assert len(made) == 1 and made[0].final()[1] == 12     # the workers shared the model


def test_validation_runs_after_every_epoch_of_updates(dml_out, forked):
    out = dml_out(LINEAR + VALIDATE + "m2 = paramserv(model=model, features=X, labels=Y, "
                  "val_features=X, val_labels=Y, upd=\"gradients\", agg=\"aggregation\", "
                  "val=\"validate\", hyperparams=hp, utype=\"ASP\", freq=\"BATCH\", epochs=3, "
                  "batchsize=2, k=2)\n")
    assert out.split() == ["validated"] * 3


def _asp_fails(dml, script, epochs, message):
    """Run ASP training (2 workers, batches of 2) after `script`: it must fail with `message`,
    print nothing and show no traceback; the error output."""
    out, err, rc = dml(script + f"m2 = paramserv(model=model, features=X, labels=Y, {FNS}, "
                       f"utype=\"ASP\", freq=\"BATCH\", epochs={epochs}, batchsize=2, k=2)\n"
                       "print(sum(as.matrix(m2[1])))\n")
    assert rc == 1 and out == "" and message in err and "Traceback" not in err
    return err


def test_an_error_in_the_aggregation_has_its_position(dml, forked):
    """The fourth update fails in whichever worker applies it: the driver applies it again and
    the error is raised at the aggregation's line."""
    script = LINEAR.replace("  lr = as.double(as.scalar(hyperparams[\"lr\"]))\n",
                            "  lr = as.double(as.scalar(hyperparams[\"lr\"]))\n"
                            "  if (as.scalar(as.matrix(model[2])) < -0.5) stop(\"too far\")\n")
    script = script.replace("as.matrix(model[2]) - lr * as.matrix(gradients[2]))",
                            "as.matrix(model[2]) - 0.2)")
    err = _asp_fails(dml, script, 2, "too far")
    assert re.search(r":\d+:\d+: error: ", err.splitlines()[0]), err
    assert "stop" in "\n".join(err.splitlines()[1:3]), err


def test_an_error_in_a_later_segment_has_its_position(dml, forked):
    """A worker that goes on by itself fails once three updates are applied (the aggregation
    counts them in the model's second entry): the driver computes that batch again from the
    model the worker had."""
    script = LINEAR.replace("as.matrix(model[2]) - lr * as.matrix(gradients[2]))",
                            "as.matrix(model[2]) + 1)")
    script = script.replace("  n = nrow(features)\n", "  n = nrow(features)\n"
                            "  if (as.scalar(as.matrix(model[2])) > 2.5) stop(\"drifted\")\n")
    err = _asp_fails(dml, script, 4, "drifted")
    assert re.search(r":8:\d+: error: ", err.splitlines()[0]), err
