"""Fuzz test: mutated DML scripts (a fixed seed) never give an internal error or a raw Python message.

Seeds are the DML programs of the test suite itself (the .dml files under tests/, the whole programs
among the DML snippets in the test modules) and the public conformance cases when ../shared is
present. Each mutant gets 1-3 mutations (numbers replaced by extreme values; names, operators, tokens
or lines swapped, duplicated or deleted; a name wrapped in a call or indexed; random characters
inserted; the text truncated), is compiled and run in-process with a time budget (a SIGALRM timer),
with its output discarded and its address space capped. A second test calls every native builtin
with odd arguments (NaN, empty matrices, lists, frames, strings, huge numbers). A program may fail,
but only with a DML error: `file:line:col: error: message`, no Python exception class or Python
wording, no `object at 0x`, no traceback, no generated name (v_x, f0_f), no "internal error", and no
NumPy warning.

Run more mutants by hand: python tests/test_fuzz.py [COUNT] [SEED]
"""
from __future__ import annotations

import ast as pyast
import io
import os
import random
import re
import signal
import sys
import warnings
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

resource = pytest.importorskip("resource")  # POSIX only, as SIGALRM

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("DMLPY_SHARED", ROOT.parent / "shared"))
COUNT = 600
SEED = 20261201
BUDGET_S = 1.0          # per mutant; a mutant that runs longer is stopped (not a failure)
MAX_SEED_CHARS = 6000   # larger programs mostly run out of time and teach little

RAW = re.compile(r"\b(TypeError|ValueError|KeyError|AttributeError|IndexError|ZeroDivisionError|"
                 r"OverflowError|RecursionError|AssertionError|UnboundLocalError|NameError|"
                 r"NotImplementedError|RuntimeError|MemoryError|UnicodeDecodeError|UnicodeEncodeError|"
                 r"LinAlgError|StopIteration|TokenError|FloatingPointError|OSError|SystemError)\b"
                 r"|object at 0x|Traceback|internal error|ndarray|numpy|tuple index|NoneType|DMLList"
                 r"|object has no attribute|object is not|unsupported operand|invalid literal for"
                 r"|positional argument|could not convert|codec can.t|only 0-dimensional|truth value of"
                 r"|with base 10|could not be broadcast|missing \d+ required")
GENERATED_NAME = re.compile(r"\b(?:v_[A-Za-z0-9_]+|f[0-9]+_[A-Za-z0-9_]+|_blk[0-9]+|_t[0-9]+)\b")
EXTREMES = ["1e300", "-1e300", "NaN", "Inf", "-1", "0", "9223372036854775807", "-9223372036854775807",
            "1e-300", "2147483648", "0.5", "100000", "-0.0", "3", "-Inf", "1e20", "2", "-3"]
NOISE = list("()[]{},;:=+-*/%^!&|<>\"'$#.\\@?~`") + ["\n", "\t", "é", "\u2028", "if", "for", "1e",
                                                       "%*%", "::", "function", "TRUE", "x", "\x00"]
TOKEN = re.compile(r"\s+|[A-Za-z_][A-Za-z0-9_.]*|[0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?"
                   r"|\"(?:[^\"\\\n]|\\.)*\"|%[*/%]?%?|.", re.S)
STATS: dict = {}  # outcome -> count, for the report of a run by hand
NUMBER = re.compile(r"(?<![A-Za-z0-9_.$])[0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?")


class Timeout(KeyboardInterrupt):
    """Raised by the timer; a KeyboardInterrupt, so that the executor lets it through."""


class _Sink(io.TextIOBase):
    """Discards output (a mutant may print in a loop), keeping only its size."""

    def __init__(self):
        self.size = 0

    def writable(self):
        return True

    def write(self, s):
        self.size += len(s)
        return len(s)


def seeds() -> list[tuple[str, str]]:
    """(name, text) of every seed program, in a fixed order."""
    out = []
    for p in sorted((ROOT / "tests").rglob("*.dml")):
        out.append((str(p.relative_to(ROOT)), p.read_text(encoding="utf-8")))
    for p in sorted((ROOT / "tests").glob("test_*.py")):
        if p.name == Path(__file__).name:
            continue
        try:
            tree = pyast.parse(p.read_text(encoding="utf-8"))
        except SyntaxError:
            continue
        for node in pyast.walk(tree):
            if isinstance(node, pyast.Constant) and isinstance(node.value, str) and (
                    "print(" in node.value or "=" in node.value and "\n" in node.value) \
                    and "import " not in node.value:
                out.append((f"{p.name}:{node.lineno}", node.value))
    cases = SHARED / "conformance" / "cases"
    if cases.is_dir():
        for p in sorted(cases.glob("*.dml")):
            out.append((f"conformance/{p.name}", p.read_text(encoding="utf-8")))
    return [(n, t) for n, t in out if 0 < len(t) <= MAX_SEED_CHARS and _parses(t)]


def _parses(text: str) -> bool:
    """Only whole programs make seeds (the test modules also hold fragments and bad programs)."""
    from dmlpy.errors import DMLError
    from dmlpy.parse import parse
    try:
        parse(text, "<seed>")
        return True
    except DMLError:
        return False


OPERATORS = ["+", "-", "*", "/", "^", "%%", "%/%", "%*%", "<", "<=", ">", ">=", "==", "!=", "&", "|",
             "!", "=", ":", ","]
KEYWORDS = {"if", "else", "for", "while", "parfor", "in", "function", "return", "source", "as",
            "setwd", "externalFunction", "implemented", "Integer", "Double", "Boolean", "String",
            "Matrix", "Frame", "List", "int", "double", "boolean", "string", "matrix", "frame", "list",
            "TRUE", "FALSE"}
# mutation kind -> weight: most keep the program well-formed, so that it reaches analysis and run
KINDS = [0] * 3 + [1] * 3 + [2] * 2 + [3] * 10 + [4] * 30 + [5] * 20 + [6] * 10 + [7] * 3 + [8] * 3 \
    + [9] * 10 + [10] * 8
WRAPPERS = ["t", "as.scalar", "as.matrix", "as.frame", "as.list", "toString", "sum", "nrow", "rev",
            "as.integer", "list", "round", "-", "!", "is.na", "length", "typeof", "diag", "cumsum"]
INDEXES = ["[1]", "[1, ]", "[, 2]", "[0, 0]", "[NaN]", "[2:1, ]", "[1, 1:3]", '["a"]', "[-1, 1]"]


def mutate(text: str, rng: random.Random) -> str:
    for _ in range(rng.choice((1, 1, 1, 2, 3))):
        kind = rng.choice(KINDS)
        toks = TOKEN.findall(text)
        lines = text.split("\n")
        if kind == 5:                   # a name becomes another name of the program
            names = [i for i, t in enumerate(toks) if (t[:1].isalpha() or t[:1] == "_")
                     and t not in KEYWORDS]
            if names:
                toks[rng.choice(names)] = toks[rng.choice(names)]
                text = "".join(toks)
        elif kind == 6:                 # an operator becomes another
            ops = [i for i, t in enumerate(toks) if t in OPERATORS]
            if ops:
                toks[rng.choice(ops)] = rng.choice(OPERATORS)
                text = "".join(toks)
        elif kind in (9, 10):           # a name gets wrapped in a call or indexed
            names = [i for i, t in enumerate(toks) if (t[:1].isalpha() or t[:1] == "_")
                     and t not in KEYWORDS]
            if names:
                i = rng.choice(names)
                if kind == 9:
                    toks[i] = f"{rng.choice(WRAPPERS)}({toks[i]})"
                else:
                    toks[i] = toks[i] + rng.choice(INDEXES)
                text = "".join(toks)
        elif kind == 0 and toks:        # delete a token
            del toks[rng.randrange(len(toks))]
            text = "".join(toks)
        elif kind == 1 and toks:        # duplicate a token
            i = rng.randrange(len(toks))
            toks.insert(i, toks[i])
            text = "".join(toks)
        elif kind == 2 and len(toks) > 1:  # swap two tokens
            i, j = rng.randrange(len(toks)), rng.randrange(len(toks))
            toks[i], toks[j] = toks[j], toks[i]
            text = "".join(toks)
        elif kind == 3 and len(lines) > 1:  # delete, duplicate or swap lines
            i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
            op = rng.randrange(3)
            if op == 0:
                del lines[i]
            elif op == 1:
                lines.insert(i, lines[j])
            else:
                lines[i], lines[j] = lines[j], lines[i]
            text = "\n".join(lines)
        elif kind == 4:                 # a number becomes an extreme value
            nums = [m for m in NUMBER.finditer(text)]
            if nums:
                m = rng.choice(nums)
                text = text[:m.start()] + rng.choice(EXTREMES) + text[m.end():]
        elif kind == 7:                 # random characters
            pos = rng.randrange(len(text) + 1)
            text = text[:pos] + "".join(rng.choice(NOISE) for _ in range(rng.randint(1, 3))) + text[pos:]
        elif kind == 8:                 # truncate
            text = text[:rng.randrange(len(text) + 1)]
    return text


def run_one(text: str, budget: float = BUDGET_S) -> str | None:
    """None when the mutant ran, failed with a proper DML error, or ran out of time; otherwise
    what is wrong."""
    from dmlpy.compile import compile_program
    from dmlpy.errors import DMLError

    def on_alarm(signum, frame):
        raise Timeout()

    old = signal.signal(signal.SIGALRM, on_alarm)
    sink = _Sink()
    try:
        signal.setitimer(signal.ITIMER_REAL, budget)
        with redirect_stdout(sink), redirect_stderr(sink), warnings.catch_warnings(record=True) as ws:
            warnings.simplefilter("always")
            compile_program(text, None)()
        for w in ws:
            if issubclass(w.category, RuntimeWarning) or "dmlpy" in str(w.filename):
                return f"warning printed: {w.filename}:{w.lineno}: {w.category.__name__}: {w.message}"
    except Timeout:
        STATS["timeout"] = STATS.get("timeout", 0) + 1
        return None
    except DMLError as e:
        signal.setitimer(signal.ITIMER_REAL, 0)
        msg = "\n".join([d.message for d in e.diagnostics] + [what for what, _ in e.stack])
        STATS[type(e).__name__] = STATS.get(type(e).__name__, 0) + 1
        if RAW.search(msg):
            return f"raw Python message: {msg}"
        for name in GENERATED_NAME.findall(msg):
            if name not in text:
                return f"generated name in message: {msg}"
        if e.span is None:
            return f"error without a position: {msg}"
        return None
    except Exception as e:  # noqa: BLE001 - exactly what this test looks for
        return f"internal error {type(e).__name__}: {e}"
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    STATS["ran"] = STATS.get("ran", 0) + 1
    return None


def mutants(count: int = COUNT, seed: int = SEED):
    rng = random.Random(seed)
    pool = seeds()
    for k in range(count):
        name, text = pool[rng.randrange(len(pool))]
        yield k, name, mutate(text, rng)


class _Limits:
    """Caps the address space (a mutant may ask for a huge matrix: it must fail with a DML error,
    not take the machine's memory) and keeps the cwd in a temporary folder (mutants may write)."""

    def __init__(self, tmp: Path):
        self.tmp = tmp

    def __enter__(self):
        from dmlpy.builtins import registry
        registry.all_names()  # every builtin module imported now, never half-way when a timer fires
        self.cwd = os.getcwd()
        os.chdir(self.tmp)
        self.rlimit = resource.getrlimit(resource.RLIMIT_AS)
        try:
            with open("/proc/self/statm") as fh:
                used = int(fh.read().split()[0]) * resource.getpagesize()
        except OSError:
            used = 0
        cap = used + (3 << 30) + 2 * 512 * 1024 * 1024   # room for two deep-compile stacks
        hard = self.rlimit[1]
        if used and (hard == resource.RLIM_INFINITY or cap < hard):
            resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
        return self

    def __exit__(self, *exc):
        resource.setrlimit(resource.RLIMIT_AS, self.rlimit)
        os.chdir(self.cwd)


@pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="needs SIGALRM")
def test_mutants_give_dml_errors_only(tmp_path):
    problems = []
    with _Limits(tmp_path):
        for k, name, text in mutants():
            bad = run_one(text)
            if bad is not None:
                problems.append(f"--- mutant {k} of {name}:\n{text[:1500]}\n>>> {bad[:1500]}")
    assert not problems, f"{len(problems)} of {COUNT} mutants:\n" + "\n".join(problems[:10])


# ------------------------------------------------------------------ every builtin, odd arguments
ARGUMENTS = ["1", "0", "-1", "2.5", "NaN", "Inf", "-Inf", "1e300", "TRUE", '"abc"', '""', '"r"', '"c"',
             "matrix(0, rows=0, cols=3)", "matrix(0, rows=3, cols=0)", "matrix(1, rows=2, cols=2)",
             'matrix("1 2 3 4 5 6", rows=2, cols=3)', "matrix(NaN, rows=2, cols=2)", "seq(1, 3)",
             "matrix(-1, rows=3, cols=1)", "list(1, 2)", "list()", 'list(a=1, b="x")',
             "as.frame(matrix(1, 2, 2))", "9223372036854775807", "100000", "-5"]
NOT_CALLED = {"print", "stop", "assert", "write", "sleep"}
CALLS_PER_BUILTIN = 3


def builtin_calls(per: int = CALLS_PER_BUILTIN, seed: int = SEED):
    """Scripts calling every native builtin with arguments drawn from ARGUMENTS."""
    from dmlpy.builtins import registry
    rng = random.Random(seed)
    for name in registry.all_names():
        b = registry.lookup(name)
        if name in NOT_CALLED or b is None:
            continue
        if b.variadic or b.named_variadic:
            lo, hi = b.min_args, max(b.min_args, 4)
        else:
            lo = sum(1 for p in b.params if p not in b.defaults)
            hi = max(lo, min(len(b.params), 5))
        for _ in range(per):
            args = ", ".join(rng.choice(ARGUMENTS) for _ in range(rng.randint(lo, hi)))
            if b.nret > 1:
                outs = ", ".join(f"r{i}" for i in range(b.nret))
                yield f"[{outs}] = {name}({args})\nprint(toString(r0))\n"
            elif b.nret == 0:
                yield f"{name}({args})\n"
            else:
                yield f"r = {name}({args})\nprint(toString(r))\n"


@pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="needs SIGALRM")
def test_builtins_with_odd_arguments_give_dml_errors_only(tmp_path):
    problems, n = [], 0
    with _Limits(tmp_path):
        for text in builtin_calls():
            n += 1
            bad = run_one(text, 2.0)
            if bad is not None:
                problems.append(f"--- {text.strip()}\n>>> {bad[:800]}")
    assert not problems, f"{len(problems)} of {n} calls:\n" + "\n".join(problems[:10])


if __name__ == "__main__":  # python tests/test_fuzz.py [COUNT] [SEED]
    import tempfile
    import time
    sys.path.insert(0, str(ROOT))
    n = int(sys.argv[1]) if len(sys.argv) > 1 else COUNT
    s = int(sys.argv[2]) if len(sys.argv) > 2 else SEED
    t0 = time.time()
    found = 0
    with tempfile.TemporaryDirectory() as d, _Limits(Path(d)):
        for k, name, text in mutants(n, s):
            bad = run_one(text)
            if bad is not None:
                found += 1
                print(f"--- mutant {k} of {name}:\n{text[:800]}\n>>> {bad[:800]}\n", flush=True)
    print(f"{found} problems in {n} mutants, {time.time() - t0:.1f} s; outcomes {STATS}")
