"""Reading a .mtd metadata file's JSON as SystemDS does: its reader also accepts a trailing comma
before a closing brace or bracket (some of SystemDS's own data sets have one)."""
from __future__ import annotations

import json


def _drop_trailing_commas(text):
    """text with every ',' that closes an object or array (only blanks before the '}' or ']')
    removed; commas inside strings are kept."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if c == '"':                              # copy a whole string, escapes included
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append(text[i:j + 1])
            i = j + 1
            continue
        if c == ",":
            j = i + 1
            while j < n and text[j] in " \t\r\n":
                j += 1
            if j < n and text[j] in "}]":
                i += 1
                continue
        out.append(c)
        i += 1
    return "".join(out)


def parse_mtd_text(text):
    """A .mtd file's JSON. SystemDS's metadata reader accepts a trailing comma before '}' or ']'
    (some of its own data sets have one), so a strict parse that fails is retried without them."""
    try:
        return json.loads(text)
    except ValueError:
        relaxed = _drop_trailing_commas(text)
        if relaxed == text:
            raise
        return json.loads(relaxed)
