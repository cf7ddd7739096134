"""Result merge after a parfor, as SystemDS's local result merge does it.

A result variable (one that existed before the loop and is written in the body) starts from its
value before the loop. Each worker's final value is compared cell by cell with that value and every
cell the worker changed is taken (workers in order, so with check=0 a later worker's write of a
cell wins). An accumulation `R += ...` adds every worker's change instead. Scalars written with
check=0 keep their value from before the loop (SystemDS does not merge scalars). A value that is no
matrix (a list, a frame), or a matrix whose size a worker changed, is taken whole from the last
worker that changed it.
"""
from __future__ import annotations

import numpy as np

from ..runtime.values import is_matrix
from ..sparse import densify, is_sparse, sparsify


def merge(before, after: list, kind: str):
    """The value after the loop of a result variable: `before` the loop, `after` each worker's."""
    changed = [v for v in after if v is not before]
    if kind == "drop" or not changed:
        return before
    if is_sparse(before) or any(is_sparse(v) for v in changed):
        # sparse values merge cell by cell in dense form; the result is sparse again when
        # SystemDS's rule says so
        def dense(v):
            return densify(v, "the merge of a parfor result")
        b = dense(before)
        return sparsify(merge(b, [b if v is before else dense(v) for v in after], kind))
    if not (is_matrix(before) and all(is_matrix(v) and v.shape == before.shape for v in changed)):
        return changed[-1]
    out = np.array(before, copy=True)
    if kind == "accum":
        for v in changed:
            out += v - before
        return out
    for v in changed:
        mask = v != before
        if v.dtype.kind == "f":      # NaN != NaN: a NaN left as it was is no change
            mask &= ~(np.isnan(v) & np.isnan(before))
        out[mask] = v[mask]
    return out
