"""Generates docs/builtins.md from the registry: every native builtin of SystemDS 3.4 with its status.

    python -m dmlpy.builtins.docs            # rewrites docs/builtins.md
"""
from __future__ import annotations

import sys
from pathlib import Path

# The native (not DML-bodied) builtins of SystemDS 3.4 (its Builtins enum, plus the data and
# statement functions its parser handles itself).
SYSTEMDS_NATIVE = (
    'abs', 'acos', 'applySchema', 'asin', 'atan', 'avg_pool', 'avg_pool_backward', 'batch_norm2d',
    'batch_norm2d_backward', 'bias_add', 'bias_multiply', 'bitwAnd', 'bitwOr', 'bitwXor',
    'bitwShiftL', 'bitwShiftR', 'as.logical', 'as.double', 'as.frame', 'as.integer', 'as.list',
    'as.matrix', 'as.scalar', 'cbind', 'ceil', 'cholesky', 'colCountDistinct', 'colMaxs',
    'colMeans', 'colMins', 'colnames', 'colProds', 'colSds', 'colSums', 'colVars', 'compress',
    'quantize_compress', 'conv2d', 'conv2d_backward_filter', 'conv2d_backward_data', 'cos', 'cosh',
    'cov', 'cummax', 'cummin', 'cumprod', 'cumsum', 'cumsumprod', 'decompress', 'det',
    'detectSchema', 'diag', 'dropInvalidType', 'dropInvalidLength', 'eigen', 'exists', 'exp',
    'eval', 'evalList', 'fft', 'fft_linearized', 'floor', 'freplicate', 'getCategoricalMask',
    'ifelse', 'ifft', 'ifft_linearized', 'interQuantile', 'inv', 'interQuartileMean', 'is.na',
    'is.nan', 'is.infinite', 'length', 'lineage', 'list', 'local', 'log', 'lstm', 'lstm_backward',
    'lu', 'map', 'max', 'max_pool', 'max_pool_backward', 'mean', 'median', 'min', 'moment', 'ncol',
    'nrow', 'outer', 'ppred', 'prod', 'qr', 'quantile', 'range', 'rbind', 'rowClassMeet', 'remove',
    'rev', 'roll', 'round', 'rowCountDistinct', 'rowcumsum', 'rowIndexMax', 'rowIndexMin',
    'rowMaxs', 'rowMeans', 'rowMins', 'rowProds', 'rowSds', 'rowSums', 'rowVars', 'sample', 'sd',
    'seq', 'sign', 'sin', 'sinh', 'solve', 'stft', 'sqrt', 'sqrtMatrixJava', 'sum', 'svd', 'table',
    'tan', 'tanh', 'trace', 't', 'typeof', 'var', 'valueSwap', 'xor', 'autoDiff', 'cdf',
    'contains', 'countDistinct', 'countDistinctApprox', 'rowCountDistinctApprox',
    'colCountDistinctApprox', 'aggregate', 'icdf', 'lower.tri', 'order', 'paramserv', 'pchisq',
    'pexp', 'pf', 'pnorm', 'pt', 'qchisq', 'qexp', 'qf', 'qnorm', 'qt', 'replace', 'removeEmpty',
    'time', 'tokenize', 'toString', 'transformapply', 'transformcolmap', 'transformdecode',
    'transformencode', 'transformmeta', 'unique', 'upper.tri', 'einsum', 'matrix', 'rand', 'read',
    'write', 'print', 'stop', 'assert', 'ifdef',
)

# What dmlpy does not implement, and why.
NOT_IMPLEMENTED = {
    "compress": "compression is a SystemDS storage optimisation; dmlpy keeps dense NumPy arrays",
    "decompress": "compression is a SystemDS storage optimisation; dmlpy keeps dense NumPy arrays",
    "quantize_compress": "compression is a SystemDS storage optimisation",
    "lineage": "lineage tracing is a SystemDS runtime feature",
    "local": "federated-data helper",
    "paramserv": "SystemDS's parameter server (distributed training) is not part of dmlpy",
    "autoDiff": "lineage-based automatic differentiation of SystemDS",
    "rowClassMeet": "internal helper of SystemDS's cleaning pipelines",
    "getCategoricalMask": "internal helper of SystemDS's cleaning pipelines",
    "applySchema": "frame schema internals not yet supported",
    "dropInvalidType": "frame cleaning internals not yet supported",
    "dropInvalidLength": "frame cleaning internals not yet supported",
    "freplicate": "frame replication internals not yet supported",
    "tokenize": "text tokenisation of frames (split/ngram algorithms) is not implemented yet",
    "transformcolmap": "not yet supported",
    "transformmeta": "reads an on-disk transform-metadata folder that nothing in DML 3.4 writes",
    "countDistinctApprox": "approximate counting not yet supported (use countDistinct)",
    "rowCountDistinctApprox": "approximate counting not yet supported (use rowCountDistinct)",
    "colCountDistinctApprox": "approximate counting not yet supported (use colCountDistinct)",
    "fft": "not yet supported", "ifft": "not yet supported", "fft_linearized": "not yet supported",
    "ifft_linearized": "not yet supported", "stft": "not yet supported",
    "einsum": "not yet supported", "valueSwap": "not yet supported", "evalList": "not yet supported",
    "interQuantile": "not yet supported",
    "range": "SystemDS 3.4 itself rejects it (\"Unsupported function RANGE\")",
}
SPECIAL = {"ifdef": "compiler", "exists": "compiler", "eval": "compiler"}


def render() -> str:
    from .registry import all_names, lookup
    have = set(all_names())
    rows, done = [], 0
    for name in sorted(SYSTEMDS_NATIVE, key=str.lower):
        if name in have or name in SPECIAL:
            b = lookup(name)
            how = SPECIAL.get(name) or (f"`{b.name}`" if b and b.name != name else "native")
            status, note = "implemented", how
            done += 1
        else:
            status, note = "not implemented", NOT_IMPLEMENTED.get(name, "missing")
        rows.append(f"| `{name}` | {status} | {note} |")
    extra = sorted(n for n in have if n not in SYSTEMDS_NATIVE)
    head = [
        "# Builtin functions",
        "",
        "Generated by `python -m dmlpy.builtins.docs` from dmlpy's builtin registry.",
        "",
        f"Native builtins of SystemDS 3.4: {done} of {len(SYSTEMDS_NATIVE)} implemented.",
        "DML-bodied builtins (SystemDS's `scripts/builtin/<name>.dml`) are found on the builtin search path:",
        "dmlpy ships its own versions under `scripts/builtin/`, and `DMLPY_BUILTIN_PATH` adds folders",
        "(for example SystemDS's own `scripts/builtin`).",
        "",
        "| builtin | status | notes |",
        "|---|---|---|",
    ]
    tail = ["", "Also registered (aliases and dmlpy additions): " + ", ".join(f"`{n}`" for n in extra), ""]
    shipped = sorted(p.stem for p in (Path(__file__).resolve().parents[2] / "scripts" / "builtin").glob("*.dml"))
    if shipped:
        tail += ["DML-bodied builtins shipped in `scripts/builtin/`: " + ", ".join(f"`{n}`" for n in shipped), ""]
    return "\n".join(head + rows + tail)


def main(argv=None):
    out = Path(__file__).resolve().parents[2] / "docs" / "builtins.md"
    out.parent.mkdir(exist_ok=True)
    out.write_text(render())
    print(f"wrote {out}")


if __name__ == "__main__":
    main(sys.argv[1:])
