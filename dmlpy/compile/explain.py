"""--explain: the compiled program, as the Python code it was lowered to (with DML line numbers), or
what the IR stage did: each rewritten expression's IR before and after the rewrites (ir), or the
kernels the rewrites chose and the compile-time size of every matrix value (plan).

A size is `[rows x cols, nnz=N, format]`, -1 where unknown (SystemDS's `-explain hops` prints
`[rows,cols,blen,nnz]` the same way), nnz an estimate (dmlpy/plan/sizes.py) and the format the
runtime's rule gives that size (sparse, dense, or ? when the size does not decide it)."""
from __future__ import annotations


def explain(program, what: str = "code", log=(), sizes=()) -> str:
    if what == "ir":
        out = ["# dmlpy explain ir: expressions the rewrites changed (before -> after; the sizes "
               "of the matrix values after)"]
        by_expr = {_key(r.expr_span): r for r in sizes if r.expr_span is not None}
        for span, before, after, _ in log:
            out += [f"{span.file}:{span.line}:{span.col}", f"  before: {before}", f"  after:  {after}"]
            r = by_expr.get(_key(span))
            if r is not None and r.values:
                out.append("  sizes:  " + "; ".join(f"{label.split(' = ')[0]} {size}"
                                                    for label, size in r.values))
        return "\n".join(out) + "\n"
    if what == "plan":
        return plan(log, sizes)
    out = ["# dmlpy explain: generated code (DML file:line on the right)"]
    width = max((len(l) for l in program.source.splitlines()), default=0)
    for i, line in enumerate(program.source.splitlines(), 1):
        span = program.spans.get(i)
        tag = f"  # {span.file}:{span.line}" if span is not None else ""
        out.append(line.ljust(width) + tag if tag else line)
    return "\n".join(out) + "\n"


def plan(log, sizes) -> str:
    """The kernels the rewrites chose and each statement's sizes, in the order of the source."""
    out = ["# dmlpy explain plan: kernels chosen by the rewrites; sizes [rows x cols, nnz=N, "
           "sparse|dense|?] (-1: unknown)"]
    entries, files = [], {}

    def key(span, kind):
        files.setdefault(span.file, len(files))
        return (files[span.file], span.line, span.col, kind)
    for r in sizes:
        lines = [f"{_where(r.span)}: {r.target}{_value(r.value)}"]
        if not (len(r.values) == 1 and r.value is r.values[0][1]):
            lines += [f"  {label} {size}" for label, size in r.values]
        entries.append((key(r.span, 0), lines))
    for span, _, _, kernels in log:
        entries.append((key(span, 1), [f"{_where(span)}: {k}" for k in kernels]))
    for _, lines in sorted(entries, key=lambda e: e[0]):
        out.extend(lines)
    return "\n".join(out) + "\n"


def _where(span) -> str:
    return f"{span.file}:{span.line}:{span.col}"


def _value(v) -> str:
    from ..plan.sizes import Size
    if isinstance(v, Size):
        return f" {v}"
    if type(v) in (int, float, bool):
        return f" = {v}"
    return ""


def _key(span):
    return (span.file, span.line, span.col)
