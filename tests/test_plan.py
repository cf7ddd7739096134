"""The IR stage (dmlpy/plan): each rewrite on its own, fusion and its fallbacks, in-place updates and
value semantics, --explain ir/plan and --no-rewrite."""
import numpy as np
import pytest

import dmlpy
from dmlpy.compile import compile_program
from dmlpy.api import from_dml, to_dml
from dmlpy.plan import PASSES, PlanOptions


def plan_of(src, disabled=()):
    """The (before, after) IR of every expression the rewrites changed."""
    opts = PlanOptions(disabled=frozenset(disabled), record=True)
    compile_program(src, outputs=["r"] if "r = " in src else None, plan=opts)
    return opts.log


def ops_after(src, only):
    """Ops of the IR after running the single pass `only` (all others off)."""
    log = plan_of(src, disabled=[p for p in PASSES if p != only])
    return [after for _, _, after, _ in log]


def run(src, disabled=(), outputs=("r",), inputs=None):
    """Run src with these rewrite passes off; its outputs as the API gives them."""
    inputs = inputs or {}
    p = compile_program(src, inputs={k: None for k in inputs}, outputs=list(outputs),
                        plan=PlanOptions(disabled=frozenset(disabled)))
    res = p(*(to_dml(v, k) for k, v in inputs.items()))
    return {k: from_dml(v) for k, v in res.items()}


M = "X = rand(rows=60, cols=50, seed=1) - 0.5\nY = rand(rows=60, cols=50, seed=2)\n"


# ------------------------------------------------------------------ each rewrite on its own
def test_constant_folding():
    [after] = ops_after(M + "r = X * (2 * 3 + 1)", "constant-folding")
    assert "7" in after and "+(" not in after
    assert run(M + "r = sum(X * (2 * 3 + 1))")["r"] == pytest.approx(
        run(M + "r = sum(X * 7)")["r"], rel=1e-15)


def test_constant_folding_keeps_java_integer_rules():
    # 2^62 * 4 overflows: the error must still come at run time, with its message
    assert plan_of("r = 4611686018427387904 * 4\nprint(r)") == []
    out = run("a = 7 %/% 2 + 5 %% 3\nr = a / 2", outputs=("r",))
    assert out["r"] == 2.5


def test_identities():
    for expr in ("X * 1", "1 * X", "X + 0", "0 + X", "X - 0", "X / 1", "-(-X)", "t(t(X))"):
        [after] = ops_after(M + f"r = {expr}", "identities")
        assert after == "X", expr
    assert run(M + "r = sum(t(t(X)) * 1 + 0)")["r"] == run(M + "r = sum(X)")["r"]


def test_identities_leave_scalars_alone():
    # -0.0 + 0 is 0.0: on scalars the addition stays
    log = plan_of("x = -0.0\nr = x + 0\nprint(r)", disabled=["fusion"])
    assert [span.line for span, *_ in log] == [1]       # only the literal -0.0 is folded


@pytest.mark.double_only("sum of squares widens float32 cells, X^2 rounds them first: agree to 1e-9, not 1e-14")
def test_sum_of_squares():
    for expr in ("sum(X^2)", "sum(X * X)"):
        [after] = ops_after(M + f"r = {expr}", "sum-of-squares")
        assert after.startswith("%0 = sumsq(X)")
    a = run(M + "r = sum(X^2)", disabled=["fusion"])["r"]
    b = run(M + "r = sum(X^2)", disabled=list(PASSES))["r"]
    assert a == pytest.approx(b, rel=1e-14)


@pytest.mark.double_only("rewritten and plain products compared at 1e-13")
def test_symmetric_products():
    [a] = ops_after(M + "r = t(X) %*% X", "symmetric-products")
    [b] = ops_after(M + "r = X %*% t(X)", "symmetric-products")
    [c] = ops_after(M + "r = t(X) %*% Y", "symmetric-products")
    [d] = ops_after(M + "r = X %*% t(Y)", "symmetric-products")
    assert "tsmm_left(X)" in a and "tsmm_right(X)" in b and "matmul_tn(X, Y)" in c
    assert "matmul_nt(X, Y)" in d
    for expr in ("t(X) %*% X", "t(X) %*% Y", "X %*% t(X)", "X %*% t(Y)"):
        on = run(M + f"r = {expr}")["r"]
        big = "X = rand(rows=300, cols=250, seed=1)\nY = rand(rows=300, cols=250, seed=2)\n"
        np.testing.assert_allclose(run(big + f"r = {expr}")["r"],
                                   run(big + f"r = {expr}", disabled=list(PASSES))["r"], rtol=1e-12)
        off = run(M + f"r = {expr}", disabled=list(PASSES))["r"]
        np.testing.assert_allclose(on, off, rtol=1e-13, atol=1e-13)


def test_transposed_product_keeps_the_dimension_error():
    src = "X = rand(rows=3, cols=4)\nY = rand(rows=5, cols=2)\nr = t(X) %*% Y\nprint(sum(r))"
    from dmlpy.errors import DMLError
    with pytest.raises(DMLError, match=r"4x3 %\*% 5x2"):
        dmlpy.run(src)
    src = "X = rand(rows=3, cols=4)\nY = rand(rows=5, cols=2)\nr = X %*% t(Y)\nprint(sum(r))"
    with pytest.raises(DMLError, match=r"3x4 %\*% 2x5"):
        dmlpy.run(src)


def test_row_col_means():
    [a] = ops_after(M + "r = rowSums(X) / ncol(X)", "row-col-means")
    [b] = ops_after(M + "r = colSums(X) / nrow(X)", "row-col-means")
    assert "rowMeans(X)" in a and "colMeans(X)" in b
    np.testing.assert_allclose(run(M + "r = rowSums(X) / ncol(X)")["r"],
                               run(M + "r = rowMeans(X)")["r"], rtol=1e-15)


def test_matrix_chain():
    src = ("A = rand(rows=100, cols=80, seed=1)\nB = rand(rows=80, cols=90, seed=2)\n"
           "v = rand(rows=90, cols=1, seed=3)\n")
    [after] = ops_after(src + "r = A %*% B %*% v", "matrix-chain")
    assert after.startswith("%0 = mmchain(A, B, v)")
    from dmlpy.runtime.planops import chain_ok
    A, B, v = np.zeros((100, 80)), np.zeros((80, 90)), np.zeros((90, 1))
    assert chain_ok(A, B, v) == (0, (1, 2))           # B %*% v first: 7,200 + 8,000 multiply-adds
    assert chain_ok(v.T, B.T, A.T) == ((0, 1), 2)
    assert chain_ok(A, v, B) is None                   # shapes that do not fit: as written
    on = run(src + "r = A %*% B %*% v")["r"]
    np.testing.assert_allclose(on, run(src + "r = A %*% (B %*% v)", disabled=list(PASSES))["r"],
                               rtol=1e-15)
    with pytest.raises(dmlpy.DMLError, match=r"100x80 %\*% 90x1"):
        dmlpy.run(src + "r = A %*% v %*% B\nprint(sum(r))")


@pytest.mark.double_only("rewritten and plain sums compared at 1e-13")
def test_sum_of_product():
    [after] = ops_after(M + "r = sum(X %*% t(Y))", "sum-of-product")
    assert "sum_product(X, %0)" in after and "%*%" not in after and "matmul" not in after
    log = plan_of(M + "r = sum(X %*% t(Y)) + sum(t(X) %*% X)")     # after the other passes too
    assert "matmul" not in log[0][2] and "tsmm" not in log[0][2]
    assert run(M + "r = sum(X %*% t(Y))")["r"] == pytest.approx(
        run(M + "r = sum(X %*% t(Y))", disabled=list(PASSES))["r"], rel=1e-13)


def test_common_subexpressions_are_computed_once():
    opts = PlanOptions(record=True, disabled=frozenset(["fusion"]))
    p = compile_program(M + "r = (X %*% t(Y)) + (X %*% t(Y))\nprint(sum(r))", outputs=["r"],
                        plan=opts)
    assert p.source.count("_matmul(") + p.source.count("_mm_") == 1
    r1 = run(M + "r = (X %*% t(Y)) + (X %*% t(Y))", disabled=["fusion"])["r"]
    r2 = run(M + "r = 2 * (X %*% t(Y))", disabled=list(PASSES))["r"]
    np.testing.assert_allclose(r1, r2, rtol=1e-15)


def test_random_calls_are_never_merged():
    r = run("r = sum(rand(rows=10, cols=10) - rand(rows=10, cols=10))")["r"]
    assert r != 0.0


# ------------------------------------------------------------------ fusion
CHAINS = [
    "sum((X - mean(X))^2 * Y + exp(-X))",
    "0.9 * X - 0.01 * (Y + 0.0005 * X)",
    "sum(abs(X) * sqrt(Y))",
    "mean(sigmoid(X) + log(Y))",
    "min(X * Y - 1)", "max(X / (Y + 1))",
    "(X > 0) * Y + (X <= 0) * 0.5 * Y",
    "sum((X != 0) & (Y > 0.5) | !(X < 0))",
    "round(X * 10) + floor(Y * 3) - ceil(X) + sign(X)",
    "X ^ 3 + Y ^ 0.5",
    "X / (Y * 0) + 1",                  # division by zero: Inf and NaN, no error
    "(X * 0) ^ -1 - 1 + (X - X) / 0",
    "max(X, 0) * 2 + min(Y, 0.5)",      # relu-like cell-wise min and max
    "rowSums(X * Y + 1)", "colSums(exp(X) - Y)",
]


BROADCASTS = [   # right operands that are row or column vectors
    ("v = rand(rows=1, cols=50, seed=5)", "X * 2 - 3 * v + v", True),
    ("v = rand(rows=60, cols=1, seed=5)", "(X - v) / (1 + v) + Y", True),
    ("v = rand(rows=60, cols=1, seed=5)", "rowSums((X - v) ^ 2)", True),
    ("v = rand(rows=1, cols=50, seed=5)", "colSums(exp(X - v))", True),
    ("v = rand(rows=1, cols=50, seed=5)", "X + (v * 2) + 1", False),  # v is a left operand
]


@pytest.mark.double_only("fused and operator-by-operator compared at 1e-13")
@pytest.mark.parametrize("expr", CHAINS)
def test_fused_chain_equals_operator_by_operator(expr):
    log = plan_of(M + f"r = {expr}\nprint(toString(r))")
    assert any("fused" in after for _, _, after, _ in log), log
    on = run(M + f"r = {expr}")["r"]
    off = run(M + f"r = {expr}", disabled=["fusion"])["r"]
    np.testing.assert_allclose(on, off, rtol=1e-13, atol=0, equal_nan=True)


@pytest.mark.double_only("fused and operator-by-operator compared at 1e-13")
@pytest.mark.parametrize("setup,expr,fused", BROADCASTS)
def test_fused_broadcasts(setup, expr, fused):
    from dmlpy.kernels import fused as K
    calls = []
    orig = K.run

    def spy(*a):
        calls.append(tuple(a[2]))
        return orig(*a)
    K.run = spy
    try:
        on = run(M + setup + f"\nr = {expr}")["r"]
    finally:
        K.run = orig
    off = run(M + setup + f"\nr = {expr}", disabled=["fusion"])["r"]
    np.testing.assert_allclose(on, off, rtol=1e-13)
    assert bool(calls) == fused and all(k in (0, 1, 2) for c in calls for k in c)


def test_fusion_falls_back_for_small_matrices():
    src = "X = rand(rows=3, cols=4, seed=3)\nr = sum(X * 2 + exp(X))"
    assert run(src)["r"] == run(src, disabled=["fusion"])["r"]


def test_fusion_keeps_error_positions(dml):
    src = "X = rand(rows=80, cols=40)\nY = rand(rows=40, cols=80)\nZ = X * 2 + Y * 3\nprint(sum(Z))"
    out, err, rc = dml(src)
    assert rc == 1 and "<string>:3:5" in err and "mismatch in dimensions" in err


def test_explain_ir_and_plan(capsys):
    from dmlpy.cli import run_cli
    src = M + "r = sum((X - mean(X))^2 * Y + exp(-X))\nprint(r > 0)"
    assert run_cli(None, src, {}, explain="plan") == 0
    out = capsys.readouterr().out
    assert "fused kernel: r0=sub(M0, s0), r1=sq(r0), r2=mul(r1, M1)" in out and "-> sum" in out
    assert run_cli(None, src, {}, explain="ir") == 0
    out = capsys.readouterr().out
    assert "before: %0 = mean(X)" in out and "after:" in out and "fused[" in out


def test_no_rewrite_option(capsys):
    from dmlpy.cli import main
    with pytest.raises(SystemExit) as e:
        main.main(args=["--no-rewrite", "nonsense", "-s", "print(1)"], prog_name="dmlpy")
    assert e.value.code == 1 and "unknown rewrite 'nonsense'" in capsys.readouterr().err


@pytest.mark.double_only("each pass off compared with all on at 1e-12")
def test_every_pass_is_switchable():
    src = M + "r = sum(t(t(X)) * 1 + 0) + sum(X^2) + sum(t(X) %*% X) + sum(rowSums(X) / ncol(X))" \
        " + sum(X %*% t(Y) %*% X) + sum(X %*% t(X))"
    full = run(src)["r"]
    for name in PASSES:
        assert run(src, disabled=[name])["r"] == pytest.approx(full, rel=1e-12), name


def test_sum_of_product_keeps_the_product_error(dml):
    out, err, rc = dml("y = sum(matrix(1, rows=2, cols=2) %*% matrix(1, rows=3, cols=3))\nprint(y)")
    assert rc == 1 and "<string>:1:9" in err and "invalid dimensions for matrix multiplication" in err


def test_dead_code_and_common_subexpressions_are_switchable():
    # dead code: an unused assignment is not computed (its error never happens) unless switched off
    src = "Y = matrix(1, rows=2, cols=2)\nx = as.scalar(Y[5, 1])\nr = 1"
    assert run(src)["r"] == 1
    with pytest.raises(dmlpy.DMLError):
        run(src, disabled=["dead-code"])
    opts = PlanOptions(record=True, disabled=frozenset(["fusion", "common-subexpressions"]))
    compile_program(M + "r = (X %*% t(Y)) + (X %*% t(Y))", outputs=["r"], plan=opts)
    [(_, before, _, _)] = opts.log
    assert before.count("%*%") == 2      # no node shared: the product is computed twice


# ------------------------------------------------------------------ in place, value semantics
ALIASING = [
    # (script, outputs that must keep their old values)
    ("A = X\nX = X * 2 + 1\nr = sum(A)", 0),
    ("L = list(X)\nX = X * 2 + 1\nr = sum(as.matrix(L[1]))", 0),
    ("f = function(matrix[double] M) return (double s) { M = M * 2 + 1; s = sum(M) }\n"
     "s = f(X)\nr = sum(X)", 0),
    ("for (i in 1:3) { B = X\nX = X * 0.5 + 1 }\nr = sum(B) - sum((X - 1) * 2)", 0),
    ("S = list(a=X, b=X)\nX = X + X * 3\nr = sum(as.matrix(S['a'])) - sum(as.matrix(S['b']))", None),
    ("Z = X[1:60, ]\nX = X * 3 - 2\nr = sum(Z)", 0),
]


@pytest.mark.parametrize("src,_", ALIASING)
def test_in_place_updates_never_change_another_holder(src, _):
    on = run(M + "X0 = X\n" + src + "\nr = r - sum(X0)")["r"]
    off = run(M + "X0 = X\n" + src + "\nr = r - sum(X0)", disabled=list(PASSES))["r"]
    assert on == pytest.approx(off, rel=1e-13, abs=1e-9)


def test_sourced_function_does_not_change_callers_matrix(tmp_path):
    lib = tmp_path / "lib.dml"
    lib.write_text("upd = function(matrix[double] X, matrix[double] v) return (matrix[double] X) {\n"
                   "  X = X + 0.5 * v - 1\n}\n")
    src = f'source("{lib}") as lib\n' + M + "X2 = lib::upd(X, Y)\nr = sum(X) - sum(X2)"
    on = run(src)["r"]
    off = run(src, disabled=list(PASSES))["r"]
    assert on == pytest.approx(off, rel=1e-13)


def test_api_inputs_are_never_overwritten():
    X = np.random.default_rng(1).random((100, 100))
    keep = X.copy()
    res = dmlpy.run("X = X * 2 + 1\nX = X + X\nr = sum(X)", inputs={"X": X}, outputs=["r", "X"])
    np.testing.assert_array_equal(X, keep)
    single = res["X"].dtype == np.float32        # --precision single: float32 cells and sums
    assert res["r"] == pytest.approx(((keep * 2 + 1) * 2).sum(), rel=1e-6 if single else 1e-13)


def test_loop_updates_run_in_place():
    from dmlpy.kernels import fused as K
    seen = []
    orig = K.run

    def spy(prog, mats, kinds, shape, scal, out, agg):
        if out is not None and out.size:
            seen.append(any(m.base is not None and m.base is out.base for m in mats))
        return orig(prog, mats, kinds, shape, scal, out, agg)
    K.run = spy
    try:
        r = run(M + "for (i in 1:4) { X = X * 0.5 + Y }\nr = sum(X)")["r"]
    finally:
        K.run = orig
    assert seen and all(seen)
    assert r == pytest.approx(run(M + "for (i in 1:4) { X = X * 0.5 + Y }\nr = sum(X)",
                                  disabled=list(PASSES))["r"], rel=1e-13)


def test_ir_is_a_dag_with_types():
    log = plan_of(M + "r = sum((X + Y) * (X + Y))", disabled=["fusion"])
    [(_, before, after, _)] = log
    assert before.count("+(X, Y)") == 1 and ": matrix" in before
    assert "sumsq" in after


# ------------------------------------------------------------------ backends and buffers
def test_backend_lookup():
    from dmlpy import backends
    from dmlpy.errors import DMLError
    cpu = backends.get("cpu")
    assert cpu.name == "cpu" and cpu.is_matrix(np.zeros((2, 2))) and not cpu.is_matrix(1.0)
    assert set(cpu.kernels) >= {"fused", "matmul", "matmul_tn", "tsmm_left", "sumsq"}
    with pytest.raises(DMLError, match="unknown backend"):
        backends.get("tpu")
    with pytest.raises(DMLError, match="cuda backend is not available"):
        backends.get("cuda")


def test_buffer_pool_reuses_only_dead_buffers():
    from dmlpy.backends import bufpool
    a = bufpool.empty((400, 400))
    b = bufpool.empty((400, 400))
    assert a is not b
    ida = id(a)
    del a
    c = bufpool.empty((400, 400))
    assert id(c) == ida                      # a died: its buffer comes back
    view = c[:10]
    del c
    d = bufpool.empty((400, 400))
    assert d.base is None and not np.shares_memory(d, view)   # a view keeps c alive
    small = bufpool.empty((3, 3))
    assert small.shape == (3, 3)


@pytest.mark.parametrize("expr", CHAINS[:4] + ["rowSums(X * Y + 1)", "X * 2 - 0.5 * Y"])
def test_fused_chains_in_single_precision(expr):
    src = M + f"r = {expr}"

    def single(disabled):
        p = compile_program(src, outputs=["r"], plan=PlanOptions(disabled=frozenset(disabled),
                                                                 precision="single"))
        return from_dml(p()["r"])
    on, off = single(()), single(["fusion"])
    if isinstance(on, np.ndarray):
        assert on.dtype == np.float32 and off.dtype == np.float32
    np.testing.assert_allclose(on, off, rtol=2e-6)


TOTALS = [   # (rows, cols, expression): sums and means taken inside the fused kernel
    (400, 300, "sum((X - mean(X))^2 * Y + exp(-X))"),
    (400, 300, "mean(sigmoid(X) * Y - 0.25)"),
    (401, 257, "sum(X * Y + 1e15) - sum(X ^ 2)"),       # parts of unequal length, large terms
    (300, 1, "sum(X * 3 + Y)"),                         # one column: never held sparse
    (1, 5000, "mean(X - Y * 2)"),                       # one row: one part
    (60, 50, "sum(X * Y + 2)"),                         # few cells: one part
    (400, 300, "sum((X > 0.3) * Y)"),                   # mostly zeros: SystemDS holds it sparse
    (400, 300, "sum(X / (Y > 0.5) + 1)"),               # Inf and NaN cells
    (400, 300, "mean(exp(X * 800))"),                   # overflow to Inf
]


@pytest.mark.double_only("fused and builtin sums compared at 1e-13")
@pytest.mark.parametrize("rows,cols,expr", TOTALS)
def test_fused_sums_add_as_the_builtins_do(rows, cols, expr):
    """A fused sum or mean equals, to the bit, the builtin on the written-out cells."""
    from dmlpy.kernels import fused as K
    setup = (f"X = rand(rows={rows}, cols={cols}, seed=1) - 0.5\n"
             f"Y = rand(rows={rows}, cols={cols}, seed=2)\n")
    calls = []
    orig = K.run_parts

    def spy(*a):
        calls.append(a[5])
        return orig(*a)
    K.run_parts = spy
    try:
        on = run(setup + f"r = {expr}")["r"]
    finally:
        K.run_parts = orig
    assert calls or rows * cols < 2048
    agg, inner = expr.split("(", 1)
    inner = inner.rsplit(")", 1)[0] if agg in ("sum", "mean") and expr.count(" - sum") == 0 \
        else None
    if inner is not None:      # the same cells written out (still fused), then the builtin
        written = run(setup + f"Z = {inner}\nr = {agg}(Z)")["r"]
        assert on == written or (np.isnan(on) and np.isnan(written))
    off = run(setup + f"r = {expr}", disabled=["fusion"])["r"]
    assert on == pytest.approx(off, rel=1e-13, nan_ok=True)
