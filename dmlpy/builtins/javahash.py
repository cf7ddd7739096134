"""The iteration order of Java's HashSet<Double>, which SystemDS's unique() returns its values in.

java.util.HashMap keeps a power-of-two table of bins; a key goes to bin (h ^ h >>> 16) & (n - 1)
with h = Double.hashCode (the two halves of its bits XORed).  The table doubles when the size
passes 3/4 of it, and also when a bin grows past 8 entries while the table is under 64 bins.
Iteration walks the bins in order, each in insertion order (bins of more than 8 entries in a
table of 64+ become trees in Java; their order is approximated by insertion order).
"""
from __future__ import annotations

import struct


def double_hash(v: float) -> int:
    if v != v:
        bits = 0x7FF8000000000000
    else:
        bits = struct.unpack(">q", struct.pack(">d", v))[0] & 0xFFFFFFFFFFFFFFFF
    h = (bits ^ (bits >> 32)) & 0xFFFFFFFF
    return h ^ (h >> 16)


def hashset_order(values) -> list:
    """The distinct values (Double.equals: NaN equals NaN, -0.0 differs from 0.0) in the order a
    Java HashSet filled with `values` in this order iterates them."""
    cap = 16
    bins = [[] for _ in range(cap)]
    seen = set()
    size = 0
    for v in values:
        v = float(v)
        key = ("nan",) if v != v else (v, str(v)[0] == "-")
        if key in seen:
            continue
        seen.add(key)
        h = double_hash(v)
        b = bins[h & (cap - 1)]
        b.append((h, v))
        grow = len(b) >= 9 and cap < 64
        size += 1
        if grow or size > cap * 3 // 4:
            cap *= 2
            nb = [[] for _ in range(cap)]
            for old in bins:
                for e in old:
                    nb[e[0] & (cap - 1)].append(e)
            bins = nb
    return [v for b in bins for _, v in b]
