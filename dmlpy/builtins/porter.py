"""PorterStemmer.stem for map() lambdas: the Porter suffix-stripping stemmer in the variant
SystemDS 3.4 ships (its step-2/3 suffix tables are tried in java.util.HashMap order, and the
first suffix that matches decides, even when its measure condition then keeps the word)."""
from __future__ import annotations

_STEP2 = [("ational", "ate"), ("tional", "tion"), ("enci", "ence"), ("anci", "ance"), ("izer", "ize"),
          ("bli", "ble"), ("alli", "al"), ("entli", "ent"), ("eli", "e"), ("ousli", "ous"),
          ("ization", "ize"), ("ation", "ate"), ("ator", "ate"), ("alism", "al"), ("iveness", "ive"),
          ("fulness", "ful"), ("ousness", "ous"), ("aliti", "al"), ("iviti", "ive"), ("biliti", "ble"),
          ("log", "logi"), ("icate", "ic"), ("ative", ""), ("alize", "al"), ("iciti", "ic"), ("ical", "ic")]
_STEP3 = [("icate", "ic"), ("ative", ""), ("alize", "al"), ("iciti", "ic"), ("ical", "ic"), ("ful", ""),
          ("ness", "")]
_STEP4A = ["al", "ance", "ence", "er", "ic", "able", "ible", "ant", "ement", "ment", "ent"]
_STEP4B = ["ou", "ism", "ate", "iti", "ous", "ive", "ize"]
_ORDERED: dict = {}


def _ordered(table):
    key = id(table)
    if key not in _ORDERED:
        from .frames import hashmap_order
        rep = dict(table)
        _ORDERED[key] = [(k, rep[k]) for k in hashmap_order([k for k, _ in table])]
    return _ORDERED[key]


def _cons(w, i):
    c = w[i]
    if c in "aeiou":
        return False
    if c == "y":
        return i == 0 or not _cons(w, i - 1)
    return True


def _measure(w):
    m, prev = 0, False
    for i in range(len(w)):
        if _cons(w, i):
            if not prev and i:
                m += 1
            prev = True
        else:
            prev = False
    return m


def _double_cons(w):
    n = len(w) - 1
    return n >= 1 and w[n] == w[n - 1] and _cons(w, n)


def _cvc(w):
    n = len(w) - 1
    if len(w) < 3 or not _cons(w, n) or _cons(w, n - 1) or not _cons(w, n - 2):
        return False
    return w[n] not in "wxy"


def _vowel_before(w, suffix):
    return any(not _cons(w, i) for i in range(len(w) - len(suffix)))


def _swap(w, suffix, rep, min_m):
    """None when w lacks the suffix; else w, with the suffix replaced if measure(stem) > min_m."""
    if not w.endswith(suffix):
        return None
    stem = w[:len(w) - len(suffix)]
    return stem + rep if _measure(stem) > min_m else w


def _first(w, pairs, min_m):
    for suf, rep in pairs:
        r = _swap(w, suf, rep, min_m)
        if r is not None:
            return r
    return w


def _step1(w):
    if w.endswith("sses"):
        w = w[:-2]
    elif w.endswith("ies"):
        w = w[:-3] + "i"
    elif w.endswith("s") and not w.endswith("ss"):
        w = w[:-1]
    cut = False
    if w.endswith("eed"):
        if _measure(w) > 1:
            w = w[:-1]
    elif w.endswith("ed") and _vowel_before(w, "ed"):
        w, cut = w[:-2], True
    elif w.endswith("ing") and _vowel_before(w, "ing"):
        w, cut = w[:-3], True
    if cut:
        if w.endswith(("at", "bl", "iz")):
            w += "e"
        if _double_cons(w) and w[-1] not in "lsz":
            w = w[:-1]
        elif _measure(w) == 1 and _cvc(w):
            w += "e"
    if w.endswith("y") and _vowel_before(w, "y"):
        w = w[:-1] + "i"
    return w


def _step4(w):
    for suf in _STEP4A:
        r = _swap(w, suf, "", 1)
        if r is not None:
            return r
    if len(w) > 4 and w[-4] in "st":
        r = _swap(w, "ion", "", 1)
        if r is not None:
            return r
    for suf in _STEP4B:
        r = _swap(w, suf, "", 1)
        if r is not None:
            return r
    return w


def _step5(w):
    stem = w[:-1] if w.endswith("e") else w
    if w.endswith("e") and _measure(w) > 1:
        w = stem
    if w.endswith("e") and _measure(w) == 1 and not _cvc(stem):
        w = stem
    if w.endswith("l") and _double_cons(w) and _measure(w) > 1:
        w = w[:-1]
    return w


def stem(word):
    if not isinstance(word, str):
        from .javalambda import LambdaError
        raise LambdaError("map(): PorterStemmer.stem() needs a String")
    w = str(word)
    if len(w) < 3:
        return w
    w = _step1(w)
    w = _first(w, _ordered(_STEP2), 0) if w else w
    w = _first(w, _ordered(_STEP3), 0) if w else w
    w = _step4(w)
    return _step5(w) if w else w
