"""Rewrites of the op IR: an ordered list of small passes, each a pattern and its replacement, each
switchable by name (`--no-rewrite NAME`). They change speed, not results, beyond the last bits of
rounding where SystemDS's own rewrites change them the same way (sum of squares, the symmetric
products, rowMeans). The rewrites that change printed results are SystemDS's and live in
dmlpy/compile/rewrites.py.

A pass is a function (node, ctx) -> node, applied bottom-up: the node's arguments are already
rewritten when it is called; returning another node replaces it.
"""
from __future__ import annotations

from .. import types as T
from .ir import Node, Op, walk


def _const(n: Node, *values) -> bool:
    return n.op is Op.CONST and type(n.value) in (int, float) and n.value in values \
        and not (type(n.value) is float and n.value != n.value)


def _num_const(n: Node) -> bool:
    return n.op is Op.CONST and type(n.value) in (int, float, bool)


# ------------------------------------------------------------------ passes
_FOLDABLE = {Op.ADD, Op.SUB, Op.MUL, Op.DIV, Op.POW, Op.MOD, Op.IDIV, Op.LT, Op.LE, Op.GT, Op.GE,
             Op.EQ, Op.NE, Op.AND, Op.OR, Op.NEG, Op.NOT}


def constant_folding(n: Node, ctx) -> Node:
    """Scalar operators whose operands are constants, computed once at compile time with the
    runtime's own operators (Java's integer and double rules)."""
    if n.op not in _FOLDABLE or not n.args or not all(_num_const(a) for a in n.args) \
            or not n.type.is_numeric_scalar:
        return n
    from ..runtime import ops
    try:
        if len(n.args) == 2:
            v = ops.BINARY[n.op.value](n.args[0].value, n.args[1].value)
        else:
            v = ops.UNARY["-" if n.op is Op.NEG else "!"](n.args[0].value)
    except Exception:       # an error (integer overflow) is raised when the program runs
        return n
    if type(v) not in (int, float, bool) or T.of_value(v) != n.type:
        return n
    return Node(Op.CONST, (), n.type, n.span, v)


def identities(n: Node, ctx) -> Node:
    """X * 1, 1 * X, X / 1, X + 0, 0 + X, X - 0, -(-X), t(t(X)) on matrices: X itself."""
    a = n.args
    if not n.is_matrix:
        return n
    x = None
    if n.op is Op.MUL:
        x = a[0] if _const(a[1], 1) else a[1] if _const(a[0], 1) else None
    elif n.op is Op.DIV and _const(a[1], 1):
        x = a[0]
    elif n.op is Op.ADD:
        x = a[0] if _const(a[1], 0) else a[1] if _const(a[0], 0) else None
    elif n.op is Op.SUB and _const(a[1], 0):
        x = a[0]
    elif n.op in (Op.NEG, Op.T) and a[0].op is n.op:
        x = a[0].args[0]
    return x if x is not None and x.type == n.type else n


def sum_of_squares(n: Node, ctx) -> Node:
    """sum(X^2) and sum(X * X): one pass, no X^2 in memory."""
    if n.op is Op.SUM and len(n.args) == 1:
        x = n.args[0]
        if x.is_matrix and (x.op is Op.POW and _const(x.args[1], 2) and x.args[0].is_matrix
                            or x.op is Op.MUL and x.args[0] is x.args[1] and x.args[0].is_matrix):
            return Node(Op.SUMSQ, (x.args[0],), n.type, n.span)
    return n


def symmetric_products(n: Node, ctx) -> Node:
    """t(X) %*% X and X %*% t(X): one symmetric product (BLAS syrk), no transposed copy;
    t(A) %*% B and A %*% t(B): the product with the operand read transposed."""
    if n.op is not Op.MATMUL or not n.args[0].is_matrix or not n.args[1].is_matrix:
        return n
    a, b = n.args
    if a.op is Op.T and a.args[0] is b:
        return Node(Op.TSMM_L, (b,), n.type, n.span)
    if b.op is Op.T and b.args[0] is a:
        return Node(Op.TSMM_R, (a,), n.type, n.span)
    if a.op is Op.T and a.args[0].is_matrix and b.op is not Op.T:
        return Node(Op.MATMUL_TN, (a.args[0], b), n.type, n.span)
    if b.op is Op.T and b.args[0].is_matrix and a.op is not Op.T:
        return Node(Op.MATMUL_NT, (a, b.args[0]), n.type, n.span)
    return n


def minus_product(n: Node, ctx) -> Node:
    """(-A) %*% B and A %*% (-B) as -(A %*% B), as SystemDS reorders them (the same value: a
    negation is exact), so that its product patterns (t(X) %*% y, mmchain) apply to A %*% B."""
    if n.op is not Op.MATMUL or not all(a.is_matrix for a in n.args):
        return n
    a, b = n.args
    if a.op is Op.NEG and a.args[0].is_matrix:
        a = a.args[0]
    elif b.op is Op.NEG and b.args[0].is_matrix:
        b = b.args[0]
    else:
        return n
    inner = Node(Op.MATMUL, (a, b), n.type, n.span, n.value, n.literal, dict(n.meta))
    inner = symmetric_products(vector_chain(inner, ctx), ctx)
    return Node(Op.NEG, (inner,), n.type, n.span)


def vector_chain(n: Node, ctx) -> Node:
    """t(X) %*% (X %*% v) and t(X) %*% (w * (X %*% v)): one kernel (planops.vector_chain), as
    SystemDS's mmchain, whose order of additions it follows; the tree as written otherwise."""
    if n.op is not Op.MATMUL or n.args[0].op is not Op.T:
        return n
    x, b = n.args[0].args[0], n.args[1]
    w = None
    if b.op is Op.MUL and b.args[1].op is Op.MATMUL:
        w, b = b.args
    if not (b.op is Op.MATMUL and b.args[0] is x and x.is_matrix and b.args[1].is_matrix
            and (w is None or w.is_matrix)):
        return n
    args = (x, b.args[1]) if w is None else (x, b.args[1], w)
    return Node(Op.XTXV, args, n.type, n.span, meta={"unfused": n})


def matrix_chain(n: Node, ctx) -> Node:
    """A product of three or more matrices, A %*% B %*% C however parenthesised, multiplied in the
    order that costs the fewest multiply-adds for the shapes it meets at run time (as SystemDS
    orders its chains)."""
    if n.op is not Op.MATMUL or not all(a.is_matrix for a in n.args):
        return n
    ops = []
    for a in n.args:
        if a.op is Op.MMCHAIN:
            ops.extend(a.args)
        elif a.op is Op.MATMUL and all(x.is_matrix for x in a.args):
            ops.extend(a.args)
        else:
            ops.append(a)
    if len(ops) < 3:
        return n
    return Node(Op.MMCHAIN, tuple(ops), n.type, n.span, meta={"unfused": _unchained(n)})


def _unchained(n: Node) -> Node:
    """The product tree as written (chains nested below were flattened already)."""
    args = tuple(a.meta["unfused"] if a.op is Op.MMCHAIN else a for a in n.args)
    return Node(n.op, args, n.type, n.span, n.value, n.literal)


def sum_of_product(n: Node, ctx) -> Node:
    """sum(A %*% B) as sum(t(colSums(A)) * rowSums(B)) (planops.sum_of_product): no product
    matrix."""
    if n.op is not Op.SUM or len(n.args) != 1:
        return n
    p = n.args[0]
    from ..builtins.registry import lookup
    m = T.MATRIX_T

    def t(x):
        return Node(Op.T, (x,), m, n.span, lookup("t"))
    # the product may have been rewritten below already (this runs after symmetric-products)
    if p.op is Op.MATMUL:
        a, b = p.args
    elif p.op is Op.MATMUL_NT:
        a, b = p.args[0], t(p.args[1])
    elif p.op is Op.MATMUL_TN:
        a, b = t(p.args[0]), p.args[1]
    elif p.op is Op.TSMM_L:
        a, b = t(p.args[0]), p.args[0]
    elif p.op is Op.TSMM_R:
        a, b = p.args[0], t(p.args[0])
    else:
        return n
    if not (a.is_matrix and b.is_matrix):
        return n
    # at the product's position: when the shapes do not fit, the product's error is reported
    return Node(Op.SUMPROD, (a, b), n.type, p.span)


def _masked_parts(e: Node):
    """(kind, A, B, X) when e is A %*% t(B), A %*% t(B) - X, X - A %*% t(B) or one of the
    differences squared; else None."""
    sq = ""
    prod = (Op.MATMUL_NT, Op.MATMUL)

    def tail(p):        # A %*% B (B not transposed): the kernel reads t(B)
        return "" if p.op is Op.MATMUL_NT else "/nn"
    if e.op is Op.POW and _const(e.args[1], 2) and e.args[0].op is Op.SUB:
        e, sq = e.args[0], "2"
    if e.op in prod and not sq:
        return "p" + tail(e), e.args[0], e.args[1], None
    if e.op is Op.SUB and all(a.is_matrix for a in e.args):
        p, x = e.args
        if p.op in prod:
            return "pmx" + sq + tail(p), p.args[0], p.args[1], x
        if x.op in prod:
            return "xmp" + sq + tail(x), x.args[0], x.args[1], p
    return None


def masked_product(n: Node, ctx) -> Node:
    """W * (A %*% t(B)), W * (A %*% t(B) - X), W * (X - A %*% t(B)) and the differences squared
    (either operand order of `*`; A %*% B likewise): when W is sparse at run time, computed at
    W's non-zeros only (dmlpy.sparse.masked, SystemDS's wsloss/wdivmm), never forming the dense
    product; the operators as written otherwise."""
    if n.op is not Op.MUL or not n.is_matrix or not all(a.is_matrix for a in n.args):
        return n
    for wi in (0, 1):
        w, e = n.args[wi], n.args[1 - wi]
        parts = _masked_parts(e)
        if parts is None or not all(p.is_matrix for p in parts[1:] if p is not None):
            continue
        kind, a, b, x = parts
        args = (w, a, b) if x is None else (w, a, b, x)
        inner = [1, 2] if x is None else ([1, 2, 3] if kind.startswith("p") else [3, 1, 2])
        order = [0] + inner if wi == 0 else inner + [0]
        return Node(Op.WMASK, args, n.type, n.span, kind, meta={"unfused": n, "order": order})
    return n


def row_col_means(n: Node, ctx) -> Node:
    """rowSums(X) / ncol(X) as rowMeans(X), colSums(X) / nrow(X) as colMeans(X)."""
    if n.op is not Op.DIV:
        return n
    a, b = n.args
    for sums, count, means in ((Op.ROWSUMS, Op.NCOL, "rowMeans"), (Op.COLSUMS, Op.NROW, "colMeans")):
        if a.op is sums and b.op is count and b.args[0] is a.args[0]:
            from ..builtins.registry import lookup
            return Node(Op.ROWMEANS if means == "rowMeans" else Op.COLMEANS, (a.args[0],),
                        n.type, n.span, lookup(means))
    return n


def nary_chains(root: Node) -> Node:
    """SystemDS's foldMultipleMinMaxOperations for + and *: a matrix + (or *) whose operand is
    another + (*) used nowhere else becomes one n-ary operation over the operands in their
    written order, which SystemDS computes scalars first: init = 0 (1), init op s for each
    scalar, then the matrices one after the other (`A + B + s` is (s + A) + B, `A + (B + C)` is
    (A + B) + C). SystemDS folds only operands of one size (no broadcast vector): at run time
    the chain is computed that way when every matrix operand has the result's shape, and as
    written otherwise. Chains whose order would not change (left-nested, no scalar) stay.
    Not followed: SystemDS's DAG spans a statement block, so an inner sum that another statement
    of the block also computes (A + B in `x = A + B + 1; y = A + B + v`) is shared there and
    not folded; dmlpy sees one statement and folds it."""
    uses: dict[int, int] = {}
    for n in walk(root):
        for a in n.args:
            uses[id(a)] = uses.get(id(a), 0) + 1
    new: dict[int, Node] = {}

    def flat(n: Node, op) -> tuple[list, bool]:
        """(operands, reordered) of the chain under n (n itself: an op node, matrix-typed)."""
        out, moved = [], False
        for i, a in enumerate(n.args):
            if a.op is op and a.is_matrix and uses.get(id(a), 0) == 1:
                sub, m = flat(a, op)
                out.extend(sub)
                moved = moved or m or i == 1
            else:
                out.append(new.get(id(a), a))
        return out, moved

    for orig in walk(root):
        n = _with_new_args(orig, new)
        if n.op in (Op.ADD, Op.MUL) and n.is_matrix and \
                any(a.op is n.op and a.is_matrix and uses.get(id(a), 0) == 1 for a in orig.args):
            ops, moved = flat(orig, n.op)
            if moved or any(not o.is_matrix for o in ops):
                n = Node(Op.NARY, tuple(ops), n.type, n.span, n.op.value,
                         meta={"unfused": n, "orig": tuple(ops)})
        new[id(orig)] = n
    return new[id(root)]


# name -> pass, in the order they run; all but fusion (a whole-DAG pass, fuse.py) run bottom-up
PASSES = {      # in order; None: a pass that runs elsewhere (named here so it can be switched off)
    "dead-code": None,                  # dmlpy/compile/dead.py, before code generation
    "common-subexpressions": None,      # dmlpy/plan/build.py, while the IR is built
    "constant-folding": constant_folding,
    "identities": identities,
    "sum-of-squares": sum_of_squares,
    "minus-product": minus_product,
    "vector-chain": vector_chain,
    "symmetric-products": symmetric_products,
    "masked-product": masked_product,
    "row-col-means": row_col_means,
    "matrix-chain": matrix_chain,
    "sum-of-product": sum_of_product,
    "nary-chains": None,                # nary_chains, a whole-DAG pass before fusion
    "fusion": None,
}


def apply(root: Node, disabled=frozenset(), ctx=None) -> Node:
    """The enabled passes in order: the bottom-up ones together in one walk (at each node, each
    pass in turn), then fusion over the whole DAG."""
    fns = [fn for name, fn in PASSES.items() if fn is not None and name not in disabled]
    if fns:
        root = _bottom_up(root, fns, ctx)
    if "nary-chains" not in disabled:
        root = nary_chains(root)
    if "fusion" not in disabled:
        from .fuse import fuse
        root = fuse(root, (ctx or {}).get("target"))
    return root


def _with_new_args(n: Node, new: dict) -> Node:
    """n, or a copy of it over the replacements (new: id of a node -> its replacement) of its
    arguments."""
    if not n.args:
        return n
    args = tuple(new.get(id(a), a) for a in n.args)
    if all(x is y for x, y in zip(args, n.args)):
        return n
    return Node(n.op, args, n.type, n.span, n.value, n.literal, dict(n.meta))


def _bottom_up(root: Node, fns, ctx) -> Node:
    new: dict[int, Node] = {}
    for orig in walk(root):
        n = _with_new_args(orig, new)
        if n.args:
            for fn in fns:
                n = fn(n, ctx)
        new[id(orig)] = n
    return new[id(root)]
