"""Stage between analysis and code generation: each expression of a statement becomes op IR
(build.py), the rewrite passes run over it (rewrites.py, fusion in fuse.py), and the result is
lowered to Python code (lower.py). What the IR does not model (indexing, user function calls, list
literals: LEAF nodes) and expressions too tall for one generated line are lowered from the AST.

    text --parse--> AST --analyze--> typed AST --build--> IR --rewrites--> IR --lower--> code
                                                                                    (kernels of
                                                                                     the backend)
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .build import Builder
from .ir import Op, render, walk
from .lower import Lowerer
from .rewrites import PASSES, apply

EXPLAIN = ("code", "ir", "plan")


@dataclass
class PlanOptions:
    disabled: frozenset = frozenset()     # rewrite passes switched off (PASSES names)
    record: bool = False                  # keep (span, IR before, IR after) for --explain
    log: list = field(default_factory=list)
    sizes: list = field(default_factory=list)   # propagate.Record per statement, when recording
    # "single": the run's matrices are float32 (default: DMLPY_PRECISION, else double)
    precision: str = field(default_factory=lambda: _env_precision())
    # "cuda": the program runs with its matrix operations placed on the GPU (-gpu)
    backend: str = "cpu"


def _env_precision() -> str:
    import os
    return "single" if os.environ.get("DMLPY_PRECISION") == "single" else "double"


def options(no_rewrite=(), record=False, precision=None, backend="cpu") -> PlanOptions:
    """Options from --no-rewrite names and the DMLPY_NO_REWRITE environment variable (a comma
    list), and the precision (--precision, else DMLPY_PRECISION, else double)."""
    import os
    names = list(no_rewrite) + [n for n in os.environ.get("DMLPY_NO_REWRITE", "").split(",") if n]
    precision = precision or os.environ.get("DMLPY_PRECISION") or "double"
    if precision not in ("single", "double"):
        from ..errors import DMLValidationError
        raise DMLValidationError(f"unknown precision '{precision}' (single or double)")
    return PlanOptions(disabled=check_disabled(names), record=record, precision=precision,
                       backend=backend)


def check_disabled(names) -> frozenset:
    from ..errors import DMLValidationError
    bad = [n for n in names if n not in PASSES and n != "all"]
    if bad:
        raise DMLValidationError(f"unknown rewrite '{bad[0]}' (rewrites: {', '.join(PASSES)}, all)")
    return frozenset(PASSES) if "all" in names else frozenset(names)


_SKIP = {"as.scalar", "unique"}     # calls whose special forms the code generator keeps


def _skip(analysis):
    def skip(call):
        b = analysis.bound.get(id(call))
        return b is None or b.kind != "builtin" or b.target.name in _SKIP
    return skip


class Planner:
    def __init__(self, cg, options: PlanOptions):
        self.cg = cg
        self.opts = options
        self.skip = _skip(cg.a)
        if options.record and not options.sizes:    # compile-time sizes, for --explain plan
            from .propagate import Propagation
            options.sizes = Propagation(cg.a, self.skip, options.disabled).run()

    def expr(self, e) -> str | None:
        """Code for expression e through the IR (None for a lone leaf: the AST lowers it)."""
        builder = Builder(self.cg.a, self.skip, cse="common-subexpressions" not in self.opts.disabled)
        root = builder.build(e)
        if root.op in (Op.LEAF, Op.CONST, Op.VAR):
            return None
        target = self.cg.target[1] if self.cg.target and self.cg.target[0] is e else None
        new = apply(root, self.opts.disabled, {"target": target})
        if self.opts.record and (new is not root or builder.shared):
            self.opts.log.append((e.span, render(root), render(new), _kernels(new)))
        return Lowerer(self.cg).lower(new)


def _kernels(root) -> list[str]:
    out = []
    for n in walk(root):
        if n.op is Op.FUSED:
            out.append(f"fused kernel: {n.value.describe()}")
        elif n.op in (Op.TSMM_L, Op.TSMM_R):
            out.append("symmetric product (BLAS syrk)")
        elif n.op in (Op.MATMUL_TN, Op.MATMUL_NT):
            out.append("product with a transposed operand (BLAS gemm, no copy)")
        elif n.op is Op.XTXV:
            out.append("t(X) %*% (X %*% v) in one pass (SystemDS's mmchain order)")
        elif n.op is Op.MMCHAIN:
            out.append(f"matrix chain of {len(n.args)} (cheapest order for the shapes at run time)")
        elif n.op is Op.SUMSQ:
            out.append("sum of squares")
        elif n.op is Op.SUMPROD:
            out.append("sum of a product from column and row sums (no product matrix)")
        elif n.op is Op.NARY:
            out.append(f"n-ary {n.value} of {len(n.args)} operands, scalars first (SystemDS's "
                       f"n{n.value}; as written when an operand broadcasts)")
        elif n.op is Op.WMASK:
            out.append(f"masked product ({n.value}) at the non-zeros of a sparse W (no product "
                       "matrix; the operators as written when W is dense)")
    return out
