"""Names of arguments that SystemDS ignores.

SystemDS 3.4 binds the arguments of its plain builtins (abs, cbind, ifelse, max, table, ...; not
the parameterized ones such as removeEmpty or toString, nor the DNN operations) by position
whenever at least one argument is unnamed: `ifelse(c, a, n = b)` passes b as the third argument
and `table(i, j, odim1=n, odim2=m)` passes n and m as the third and fourth. dmlpy binds names
where it can and falls back to this rule only for a call that names no parameter of the builtin
(so that a call correct by name is never rebound).
"""
from __future__ import annotations

from ..parse import ast

# SystemDS's plain builtins (facts: the names its parser treats as such), less the DNN operations
PLAIN = frozenset("""
abs acos applySchema asin atan bitwAnd bitwOr bitwXor bitwShiftL bitwShiftR as.logical
as.boolean as.double as.frame as.integer as.list as.matrix as.scalar castAsScalar cbind append
ceil ceiling cholesky colCountDistinct colMaxs colMeans colMins colnames colProds colSds colSums
colVars compress cos cosh cov cummax cummin cumprod cumsum cumsumprod decompress det
detectSchema diag dropInvalidType dropInvalidLength eigen exp fft fft_linearized floor freplicate
getCategoricalMask ifelse ifft ifft_linearized interQuantile inv inverse interQuartileMean is.na
isNA is.nan isNaN is.infinite isInf length lineage local log lu map max pmax mean avg median min
pmin moment centralMoment ncol nrow outer ppred prod qr quantile range rbind remove rev roll round
rowCountDistinct rowcumsum rowIndexMax rowIndexMin rowMaxs rowMeans rowMins rowProds rowSds
rowSums rowVars sample sd seq sign sin sinh solve stft sqrt sum svd table ctable tan tanh trace tr
t typeof var valueSwap xor time
""".split())


def positional(bi, c: ast.Call) -> ast.Call:
    """The call as SystemDS binds it: without argument names, when `bi` is one of its plain
    builtins, some argument is unnamed and the names do not fit the builtin's parameters."""
    named = [a.name for a in c.args if a.name is not None]
    if not named or len(named) == len(c.args) or bi.name not in PLAIN:
        return c
    if not bi.variadic and all(n in bi.params for n in named):
        return c
    return ast.Call(c.span, c.name, c.namespace, [ast.Arg(a.span, None, a.value) for a in c.args])
