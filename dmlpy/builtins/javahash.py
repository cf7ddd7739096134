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


def string_hash(s: str) -> int:
    """Java's String.hashCode (over UTF-16 code units), as an unsigned 32-bit int."""
    h = 0
    units = s.encode("ascii") if s.isascii() else [
        int.from_bytes(b, "big") for b in _pairs(s.encode("utf-16-be", "surrogatepass"))]
    for c in units:
        h = (31 * h + c) & 0xFFFFFFFF
    return h


def _pairs(b: bytes):
    return (b[i:i + 2] for i in range(0, len(b), 2))


def string_map_order(keys) -> list:
    """Positions of the distinct string `keys` (first occurrence of each) in the order a Java
    HashMap<String, ...> filled with put() in this order iterates them: by bin, each bin in
    insertion order (a resize splits bins keeping their relative order)."""
    cap = 16
    first: dict = {}
    for i, k in enumerate(keys):
        first.setdefault(k, i)
    spread = {}
    bins: dict = {}
    for k in first:
        h = string_hash(k)
        spread[k] = h ^ (h >> 16)
        b = spread[k] & (cap - 1)
        bins[b] = bins.get(b, 0) + 1
        old = cap
        if bins[b] > 8 and cap < 64:      # a long bin in a small table resizes instead of treeifying
            cap *= 2
        if len(spread) > cap * 3 // 4:
            cap *= 2
        if cap != old:
            bins = {}
            for s in spread.values():
                bins[s & (cap - 1)] = bins.get(s & (cap - 1), 0) + 1
    return sorted(first.values(), key=lambda i: (spread[keys[i]] & (cap - 1), i))
