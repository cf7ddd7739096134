"""--explain: the compiled program, as the Python code it was lowered to, with DML line numbers."""
from __future__ import annotations


def explain(program) -> str:
    out = ["# dmlpy explain: generated code (DML file:line on the right)"]
    width = max((len(l) for l in program.source.splitlines()), default=0)
    for i, line in enumerate(program.source.splitlines(), 1):
        span = program.spans.get(i)
        tag = f"  # {span.file}:{span.line}" if span is not None else ""
        out.append(line.ljust(width) + tag if tag else line)
    return "\n".join(out) + "\n"
