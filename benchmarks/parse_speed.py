"""Parse time of a 1,000-line DML script after the first run (the analysed grammar is cached)."""
import time

import os
import tempfile

from dmlpy.parse import _parse, parse


def script(n_blocks=250):
    lines = []
    for i in range(n_blocks):
        lines += [f"x{i} = {i} + 2 * y - z / 3",
                  f"if (x{i} > 3) {{ print(x{i}) }} else {{ q = q + 1 }}",
                  f"M[{i % 7 + 1}, ] = t(N[, 1:3]) %*% W",
                  "s = sum(X) + max(Y) + f(a, b=2)"]
    return "\n".join(lines)


def best(f, n=5):
    runs = []
    for _ in range(n):
        t0 = time.perf_counter()
        f()
        runs.append(time.perf_counter() - t0)
    return min(runs) * 1000


def main():
    os.environ["DMLPY_CACHE_DIR"] = tempfile.mkdtemp()
    text = script()
    t0 = time.perf_counter()
    parse(text)
    first = (time.perf_counter() - t0) * 1000
    print(f"1,000-line script ({len(text)} chars):")
    print(f"  first parse (Lark LALR, cached grammar analysis): {first:.1f} ms")
    print(f"  Lark parse again (no AST cache):                 {best(lambda: _parse(text, 'x.dml')):.1f} ms")
    print(f"  parse again (AST cache hit):                      {best(lambda: parse(text)):.1f} ms")


if __name__ == "__main__":
    main()
