"""tokenize(target=F, spec=json, max_tokens=n): SystemDS's text tokenizer on a frame.

A spec names an algorithm (`algo`: "split" on a regex, or "ngram" over the split tokens, either of
whole documents or of the characters of each token), an output representation (`out`: "count",
"position" or "hash"), the 1-based `id_cols` copied into each output row and the 1-based
`tokenize_col` holding the text; `format_wide` and `apply_padding` choose the layout.

Matching SystemDS 3.4 exactly, including its quirks:
- "count" lists each document's distinct tokens in Java HashMap iteration order (bucket of the
  String hash, then insertion), unless out_params.sort_alpha is true;
- a token's position is Java's `indexOf(token, start of the previous token)` + 1;
- a multi-word n-gram prints as "('w1', 'w2')" (with the double quotes);
- "hash" maps String.hashCode mod num_features (default 2^20); long rows hold hash+1 and count in
  ascending hash order, wide rows hold the count of hash 0 .. max_tokens-1;
- padding rows are (keys, "", -1) for count, (keys, -1, "") for position, (keys, 0, 0) for hash;
- id columns become STRING columns (their text as Java's toString).
"""
from __future__ import annotations

from .. import types as T
from ..errors import OpError
from .registry import builtin

FN = "tokenize"


# ----------------------------------------------------------------- Java emulation
def _java_hash(s: str) -> int:
    """Java's String.hashCode (over UTF-16 code units), as a signed 32-bit int."""
    h = 0
    if s.isascii():
        for c in s.encode("ascii"):
            h = (31 * h + c) & 0xFFFFFFFF
    else:
        b = s.encode("utf-16-be", "surrogatepass")
        for i in range(0, len(b), 2):
            h = (31 * h + ((b[i] << 8) | b[i + 1])) & 0xFFFFFFFF
    return h - (1 << 32) if h & 0x80000000 else h


def _hashmap_order(keys):
    """Keys (distinct, in insertion order) in the iteration order of a java.util.HashMap that
    received them by put() in that order: by bucket, then insertion order within a bucket
    (a resize splits each bucket keeping relative order, so this holds at every capacity)."""
    cap = 16
    spread = []
    bins: dict = {}
    for k in keys:
        h = _java_hash(k) & 0xFFFFFFFF
        sh = h ^ (h >> 16)
        spread.append(sh)
        b = sh & (cap - 1)
        bins[b] = bins.get(b, 0) + 1
        old = cap
        if bins[b] > 8 and cap < 64:       # treeifyBin on a small table resizes instead
            cap *= 2
        if len(spread) > cap * 3 // 4:     # ++size > threshold
            cap *= 2
        if cap != old:
            bins = {}
            for s in spread:
                bins[s & (cap - 1)] = bins.get(s & (cap - 1), 0) + 1
    order = sorted(range(len(keys)), key=lambda i: (spread[i] & (cap - 1), i))
    return [keys[i] for i in order]


def _java_sorted(keys):
    """Strings in Java compareTo order (UTF-16 code units)."""
    if all(k.isascii() for k in keys):
        return sorted(keys)
    return sorted(keys, key=lambda k: k.encode("utf-16-be", "surrogatepass"))


def _split_java(text, regex):
    """Java's text.split(regex) pieces, empty ones dropped (the tokenizer skips them anyway)."""
    pieces, last = [], 0
    for m in regex.finditer(text):
        if m.end() == 0:
            continue
        pieces.append(text[last:m.start()])
        last = m.end()
    pieces.append(text[last:])
    return [p for p in pieces if p != ""]


# ----------------------------------------------------------------- the spec
def _get(obj, key, kind, default, where="spec"):
    if not isinstance(obj, dict) or key not in obj:
        return default
    v = obj[key]
    try:
        if kind is bool:
            if isinstance(v, bool):
                return v
            if isinstance(v, str) and v.lower() in ("true", "false"):
                return v.lower() == "true"
            raise ValueError
        if kind is int:
            if isinstance(v, bool):
                raise ValueError
            if isinstance(v, (int, float)):
                return int(v)
            return int(str(v).strip())
        if kind is str:
            if isinstance(v, str):
                return v
            if isinstance(v, (dict, list)) or v is None:
                raise ValueError
            return str(v)
    except (ValueError, TypeError):
        pass
    raise OpError(f"{FN}(): {where} field '{key}' is not a {kind.__name__}: {v!r}")


class _Spec:
    def __init__(self, text, max_tokens):
        import json
        if not isinstance(text, str):
            raise OpError(f"{FN}() expects the spec as a string")
        try:
            js = json.loads(text)
        except ValueError as e:
            raise OpError(f"{FN}(): invalid JSON spec: {e}") from None
        if not isinstance(js, dict):
            raise OpError(f"{FN}(): the spec must be a JSON object")
        for key in ("algo", "out", "tokenize_col", "id_cols"):
            if key not in js:
                raise OpError(f"{FN}(): the spec has no '{key}'")
        self.algo = _get(js, "algo", str, None)
        ap = js.get("algo_params")
        op = js.get("out_params")
        if ap is not None and not isinstance(ap, dict):
            raise OpError(f"{FN}(): 'algo_params' must be a JSON object")
        if op is not None and not isinstance(op, dict):
            raise OpError(f"{FN}(): 'out_params' must be a JSON object")
        self.out = _get(js, "out", str, None)
        self.tokenize_col = _get(js, "tokenize_col", int, None)
        ids = js["id_cols"]
        if not isinstance(ids, list):
            raise OpError(f"{FN}(): 'id_cols' must be a JSON array")
        self.id_cols = [_get({"c": c}, "c", int, None, "id_cols") for c in ids]
        self.wide = _get(js, "format_wide", bool, False)
        self.padding = _get(js, "apply_padding", bool, False)
        if self.algo not in ("split", "ngram"):
            raise OpError(f"{FN}(): algorithm {{algo={self.algo}}} is not supported")
        if self.out not in ("count", "position", "hash"):
            raise OpError(f"{FN}(): output representation {{out={self.out}}} is not supported")
        regex = _get(ap, "regex", str, r"\s+", "algo_params")
        import re
        try:
            self.regex = re.compile(regex)
        except re.error as e:
            raise OpError(f"{FN}(): invalid regex {regex!r}: {e}") from None
        self.min_gram = _get(ap, "min_gram", int, 1, "algo_params") if self.algo == "ngram" else 1
        self.max_gram = _get(ap, "max_gram", int, 2, "algo_params") if self.algo == "ngram" else 1
        nt = _get(ap, "ngram_type", str, "document", "algo_params").lower() if self.algo == "ngram" else ""
        if self.algo == "ngram" and nt not in ("document", "token"):
            raise OpError(f"{FN}(): invalid ngram type, choose between 'token' and 'document'")
        self.ngram_type = nt
        self.sort_alpha = _get(op, "sort_alpha", bool, False, "out_params") if self.out == "count" else False
        self.num_features = _get(op, "num_features", int, 1 << 20, "out_params") if self.out == "hash" else 0
        if self.out == "hash" and self.num_features <= 0:
            raise OpError(f"{FN}(): num_features must be positive, got {self.num_features}")
        if self.out == "count" and self.wide:
            raise OpError(f"{FN}(): wide format is not supported for the count representation")
        self.max_tokens = max_tokens


# ----------------------------------------------------------------- tokens
def _tokens(text, spec):
    """A document's tokens as (text, 0-based start) pairs."""
    if text is None:
        return []
    toks, cur = [], 0
    for piece in _split_java(text, spec.regex):
        idx = text.find(piece, cur)
        cur = idx
        toks.append((piece, idx))
    if spec.algo != "ngram":
        return toks
    out = []
    if spec.ngram_type == "document":
        for n in range(spec.min_gram, spec.max_gram + 1):
            for i in range(len(toks) - n + 1):
                sub = toks[i:i + n]
                if n == 1:
                    out.append(sub[0])
                elif n == 0:
                    out.append(("", None))
                else:
                    out.append(("\"('" + "', '".join(t for t, _ in sub) + "')\"", sub[0][1]))
    else:
        for word, start in toks:
            for n in range(spec.min_gram, spec.max_gram + 1):
                for i in range(len(word) - n + 1):
                    out.append((word[i:i + n], start + i))
    return out


# ----------------------------------------------------------------- the builtin
def _r_tokenize(types, args):
    return T.FRAME_T


@builtin("tokenize", "target, spec, max_tokens", rule=_r_tokenize)
def tokenize(target, spec, max_tokens):
    """Tokenize a text column of a frame (split / ngram) into counts, positions or hashes."""
    from ..runtime.frame import Frame
    from ..runtime.values import type_name
    if not isinstance(target, Frame):
        raise OpError(f"{FN}() expects a frame as target, got a {type_name(target)}")
    if isinstance(max_tokens, bool) or not isinstance(max_tokens, (int, float)):
        raise OpError(f"{FN}() expects a number as max_tokens, got a {type_name(max_tokens)}")
    if max_tokens != int(max_tokens):
        raise OpError(f"{FN}(): max_tokens must be an integer, got {max_tokens}")
    mt = int(max_tokens)
    if mt < 0:
        raise OpError(f"{FN}(): max_tokens must not be negative, got {mt}")
    sp = _Spec(spec, mt)
    F = target
    for c in sp.id_cols + [sp.tokenize_col]:
        if not 1 <= c <= F.ncol:
            raise OpError(f"{FN}(): column {c} is out of range [1, {F.ncol}]")
    if not sp.id_cols:
        raise OpError(f"{FN}(): the spec needs at least one id column")
    k = len(sp.id_cols)
    rows = []
    for i in range(F.nrow):
        keys = [F.str_cell(i, c - 1) for c in sp.id_cols]
        toks = _tokens(F.str_cell(i, sp.tokenize_col - 1), sp)
        rows.extend(_apply(keys, toks, sp))
    schema = _schema(sp, k)
    cols = [Frame.column([r[j] for r in rows], vt) for j, vt in enumerate(schema)]
    return Frame(cols, schema, nrow=len(rows))


def _schema(sp, k):
    s = ["STRING"] * k
    if sp.out == "count":
        return s + ["STRING", "INT64"]
    if sp.out == "position":
        return s + (["STRING"] * sp.max_tokens if sp.wide else ["INT64", "STRING"])
    return s + ["INT64"] * (sp.max_tokens if sp.wide else 2)


def _apply(keys, toks, sp):
    """The output rows of one document."""
    mt = sp.max_tokens
    out = []
    if sp.out == "count":
        counts: dict = {}
        for t, _ in toks:
            counts[t] = counts.get(t, 0) + 1
        distinct = list(counts)
        distinct = _java_sorted(distinct) if sp.sort_alpha else _hashmap_order(distinct)
        out = [keys + [t, counts[t]] for t in distinct[:mt]]
        if sp.padding:
            out += [keys + ["", -1]] * (mt - len(out))
        return out
    if sp.out == "position":
        if sp.wide:
            vals = [t for t, _ in toks[:mt]]
            vals += ([""] if sp.padding else [None]) * (mt - len(vals))
            return [keys + vals]
        if any(start is None for _, start in toks[:mt]):
            raise OpError(f"{FN}(): an empty n-gram (min_gram 0) has no position")
        out = [keys + [start + 1, t] for t, start in toks[:mt]]
        if sp.padding:
            out += [keys + [-1, ""]] * (mt - len(out))
        return out
    nf = sp.num_features
    hc: dict = {}
    for t, _ in toks:
        h = _java_hash(t) % nf
        hc[h] = hc.get(h, 0) + 1
    if sp.wide:
        return [keys + [hc.get(p, 0) for p in range(mt)]]
    out = [keys + [h + 1, hc[h]] for h in sorted(hc)[:mt]]
    if sp.padding:
        out += [keys + [0, 0]] * (mt - len(out))
    return out
