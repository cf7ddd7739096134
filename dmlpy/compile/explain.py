"""--explain: the compiled program, as the Python code it was lowered to (with DML line numbers), or
what the IR stage did: each rewritten expression's IR before and after the rewrites (ir), or the
kernels the rewrites chose (plan)."""
from __future__ import annotations


def explain(program, what: str = "code", log=()) -> str:
    if what == "ir":
        out = ["# dmlpy explain ir: expressions the rewrites changed (before -> after)"]
        for span, before, after, _ in log:
            out += [f"{span.file}:{span.line}:{span.col}", f"  before: {before}", f"  after:  {after}"]
        return "\n".join(out) + "\n"
    if what == "plan":
        out = ["# dmlpy explain plan: kernels chosen by the rewrites"]
        for span, _, _, kernels in log:
            for k in kernels:
                out.append(f"{span.file}:{span.line}:{span.col}: {k}")
        return "\n".join(out) + "\n"
    out = ["# dmlpy explain: generated code (DML file:line on the right)"]
    width = max((len(l) for l in program.source.splitlines()), default=0)
    for i, line in enumerate(program.source.splitlines(), 1):
        span = program.spans.get(i)
        tag = f"  # {span.file}:{span.line}" if span is not None else ""
        out.append(line.ljust(width) + tag if tag else line)
    return "\n".join(out) + "\n"
