#!/usr/bin/env python3
"""Run SystemDS 3.4's own builtin test scripts, unchanged, on the reference and on dmlpy.

SystemDS tests every DML-bodied builtin with a script under src/test/scripts/functions/builtin/,
driven by a Java test that writes the inputs and passes the arguments.  The table of cases in
sysds_builtin_cases.py restates what those Java tests pass (written by hand from reading them);
this module generates the inputs with fixed seeds, runs each script on the reference (twice, to
spot nondeterminism; outputs cached under ~/.cache/dmlpy-sds-builtin) and on dmlpy with
SystemDS's builtin library on --builtin-path, and compares the written outputs and the printed
output with the conformance tolerances.

    .venv/bin/python benchmarks/sysds_builtin_tests.py            # all cases, summary table
    .venv/bin/python benchmarks/sysds_builtin_tests.py -k lm -v   # cases whose name contains 'lm'
    ... --list | --refresh (re-run the reference) | -j 2 | --json results.json

Needs the fetched repository (fetch github:apache/systemds; DMLPY_SDS_REPO overrides the git dir),
the reference launcher (/work/shared/reference/sysds; DMLPY_SDS_REF) and its unpacked builtin
library (DMLPY_SDS_BUILTINS).  Nothing of SystemDS is copied into this repository: scripts and
data sets are read out of the git directory into the cache at run time.
"""
from __future__ import annotations

import argparse
import concurrent.futures as cf
import hashlib
import json
import math
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
ROOT = HERE.parent

REPO = Path(os.environ.get("DMLPY_SDS_REPO", "/work/.mirror/apache+systemds/repo"))
REF = Path(os.environ.get("DMLPY_SDS_REF", "/work/shared/reference/sysds"))
BUILTINS = Path(os.environ.get("DMLPY_SDS_BUILTINS", "/root/.cache/dmlpy-reference/jar/scripts/builtin"))
CACHE = Path(os.environ.get("DMLPY_SDS_CACHE", Path.home() / ".cache" / "dmlpy-sds-builtin"))
DMLPY = Path(os.environ.get("DMLPY_BIN", ROOT / ".venv" / "bin" / "dmlpy"))
SCRIPT_DIR = "src/test/scripts/functions/builtin"
DATA_DIR = "src/test/resources/datasets"
TIMEOUT = int(os.environ.get("DMLPY_SDS_TIMEOUT", "300"))
REL, ABS = 1e-9, 1e-15          # the conformance runner's defaults
NEAR = 1e-6                     # a failure within this is reported as "numeric (near)"
RUNS = 2                        # reference runs per case (2: the second checks determinism)
OWN_LIBRARY = False             # --library dmlpy: run without SystemDS's builtin library


def available() -> str | None:
    """None when everything the harness needs is here, else why not."""
    for what, p in (("SystemDS git dir", REPO), ("reference", REF), ("builtin library", BUILTINS),
                    ("dmlpy", DMLPY)):
        if not p.exists():
            return f"{what} not found at {p}"
    return None


# ------------------------------------------------------------------ the source tree (cache)
def src_root() -> Path:
    """The scripts and data sets of the fetched repository, extracted once into the cache."""
    root = CACHE / "src"
    stamp = root / ".extracted"
    if stamp.exists():
        return root
    names = subprocess.run(["git", "-C", str(REPO), "ls-tree", "-r", "--name-only", "HEAD", "--",
                            SCRIPT_DIR, DATA_DIR], capture_output=True, text=True, check=True).stdout
    for name in names.split():
        dst = root / name
        dst.parent.mkdir(parents=True, exist_ok=True)
        r = subprocess.run(["git", "-C", str(REPO), "show", f"HEAD:{name}"], capture_output=True)
        if r.returncode == 0:          # a few large blobs are absent from the snapshot
            dst.write_bytes(r.stdout)
    stamp.write_text("ok\n")
    return root


# ------------------------------------------------------------------ inputs
def write_matrix(path: Path, X) -> None:
    """A matrix as SystemDS's text (i j v) format with its .mtd, as writeInputMatrixWithMTD does."""
    X = np.atleast_2d(np.asarray(X, dtype=float))
    rows, cols = X.shape
    ii, jj = np.nonzero(X)
    with open(path, "w") as fh:
        for i, j in zip(ii, jj):
            fh.write(f"{i + 1} {j + 1} {float(X[i, j])!r}\n")
    mtd = {"data_type": "matrix", "value_type": "double", "rows": rows, "cols": cols,
           "nnz": int(len(ii)), "format": "text"}
    Path(str(path) + ".mtd").write_text(json.dumps(mtd, indent=1) + "\n")


def write_frame(path: Path, rows, schema) -> None:
    """A frame as csv (no header) with its .mtd and schema."""
    with open(path, "w") as fh:
        for r in rows:
            fh.write(",".join("" if v is None else str(v) for v in r) + "\n")
    mtd = {"data_type": "frame", "rows": len(rows), "cols": len(schema), "format": "csv",
           "header": False, "sep": ",", "schema": ",".join(schema)}
    Path(str(path) + ".mtd").write_text(json.dumps(mtd, indent=1) + "\n")


def make_inputs(case, where: Path) -> None:
    where.mkdir(parents=True, exist_ok=True)
    for name, gen in case.inputs.items():
        val = gen.make()
        if isinstance(val, tuple) and val and val[0] == "frame":
            write_frame(where / name, val[1], val[2])
        else:
            write_matrix(where / name, val)


# ------------------------------------------------------------------ running
ARG_RE = re.compile(r"\{(out:|data:)?([^{}]+)\}")


def expand_args(case, inputs: Path, outputs: Path, data: Path) -> list[str]:
    def sub(m):
        kind, name = m.group(1), m.group(2)
        if kind == "out:":
            return str(outputs / name)
        if kind == "data:":
            return str(data / name)
        return str(inputs / name)
    return [ARG_RE.sub(sub, tok) for tok in case.args.split()]


def run_one(cmd, cwd, outdir: Path):
    if outdir.exists():
        shutil.rmtree(outdir)
    outdir.mkdir(parents=True)
    t0 = time.time()
    try:
        p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT,
                           stdin=subprocess.DEVNULL)
        rc, out, err = p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired as e:
        rc, out, err = "timeout", (e.stdout or b"").decode("utf8", "replace") if isinstance(e.stdout, bytes) else (e.stdout or ""), ""
    res = {"rc": rc, "stdout": out, "stderr": err[-4000:], "secs": round(time.time() - t0, 2)}
    (outdir / "_run.json").write_text(json.dumps(res))
    return res


def case_key(case) -> str:
    src = (src_root() / SCRIPT_DIR / case.script)
    text = src.read_bytes() if src.exists() else b""
    h = hashlib.sha1(text + repr((case.args, sorted((k, v.key()) for k, v in case.inputs.items())))
                     .encode()).hexdigest()
    return h[:16]


def ref_command(case, inputs: Path, outdir: Path) -> list[str]:
    """The reference's command line for a case (run in src_root())."""
    root = src_root()
    return [str(REF), "-f", str(root / SCRIPT_DIR / case.script)] + \
        expand_args(case, inputs, outdir, root / DATA_DIR)


def ref_runs(case, refresh=False, runs=2):
    """The reference's runs (cached, each separately): list of (result, outdir); the second run
    (for the determinism check) is made only when runs=2, and is absent from the list otherwise."""
    root = src_root()
    base = CACHE / "runs" / f"{re.sub(r'[^A-Za-z0-9_.-]', '_', case.name)}-{case_key(case)}"
    inputs = base / "in"
    if refresh and base.exists():
        shutil.rmtree(base)
    if not (inputs / ".made").exists():
        make_inputs(case, inputs)
        (inputs / ".made").write_text("ok\n")
    out = []
    for k in ("ref1", "ref2")[:runs]:
        o = base / k
        if not (o / "_run.json").exists():
            run_one(ref_command(case, inputs, o), root, o)
    for k in ("ref1", "ref2"):
        if (base / k / "_run.json").exists():
            out.append((json.loads((base / k / "_run.json").read_text()), base / k))
    return base, inputs, out


def is_cached(case) -> bool:
    base = CACHE / "runs" / f"{re.sub(r'[^A-Za-z0-9_.-]', '_', case.name)}-{case_key(case)}"
    return (base / "ref1" / "_run.json").exists()


def dmlpy_run(case, base: Path, inputs: Path):
    root = src_root()
    # OWN_LIBRARY: dmlpy's shipped scripts/builtin only (issue 12); else SystemDS's on the path
    out = base / ("dmlpy-own" if OWN_LIBRARY else "dmlpy")
    lib = [] if OWN_LIBRARY else ["--builtin-path", str(BUILTINS)]
    cmd = [str(DMLPY)] + lib + ["-f", str(root / SCRIPT_DIR / case.script)] + \
        expand_args(case, inputs, out, root / DATA_DIR)
    return run_one(cmd, root, out), out


# ------------------------------------------------------------------ reading outputs
def _read_text(path: Path) -> str | None:
    if path.is_dir():
        parts = sorted(p for p in path.iterdir() if p.name.startswith("part-") or p.name[:1].isdigit())
        return "".join(p.read_text(errors="replace") for p in parts)
    if path.exists():
        try:
            return path.read_text()
        except UnicodeDecodeError:
            return None
    return None


def read_output(path: Path):
    """('matrix', ndarray) | ('frame', rows of strings) | ('scalar', str) | ('missing',) | ('binary',)."""
    text = _read_text(path)
    if text is None:
        return ("binary",) if path.exists() else ("missing",)
    mtd = {}
    mp = Path(str(path) + ".mtd")
    if mp.exists():
        try:
            mtd = json.loads(mp.read_text())
        except ValueError:
            mtd = {}
    fmt, dt = mtd.get("format", "text"), mtd.get("data_type", "scalar" if not mtd else "matrix")
    if fmt == "binary":
        return ("binary",)
    if dt == "scalar":
        return ("scalar", text.strip())
    if dt == "matrix" and fmt == "text":
        X = np.zeros((int(mtd.get("rows", 0)), int(mtd.get("cols", 0))))
        for line in text.split("\n"):
            f = line.split()
            if len(f) == 3:
                i, j = int(f[0]) - 1, int(f[1]) - 1
                if i < 0 or j < 0:        # the placeholder cell of an empty matrix
                    continue
                if i >= X.shape[0] or j >= X.shape[1]:
                    X = np.pad(X, ((0, max(0, i + 1 - X.shape[0])), (0, max(0, j + 1 - X.shape[1]))))
                X[i, j] = float(f[2])
        return ("matrix", X)
    sep = mtd.get("sep", ",")
    lines = [l for l in text.split("\n") if l != ""]
    if mtd.get("header"):
        lines = lines[1:]
    rows = [l.split(sep) for l in lines]
    if dt == "matrix":
        try:
            return ("matrix", np.array([[float(v) if v.strip() else 0.0 for v in r] for r in rows]))
        except ValueError:
            pass
    return ("frame", rows)


# ------------------------------------------------------------------ comparing
def _num(s):
    try:
        return float(s)
    except (TypeError, ValueError):
        return None


def _close(a: float, b: float, rel: float, abs_: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return math.isclose(a, b, rel_tol=rel, abs_tol=abs_)


def _max_err(A, B) -> float:
    """Max relative error over finite cells (0 when identical)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        d = np.abs(A - B) / np.maximum(np.maximum(np.abs(A), np.abs(B)), 1e-300)
    d = d[np.isfinite(d)]
    return float(d.max()) if d.size else 0.0


def compare_value(e, g, rel, abs_):
    """None when equal, else a short reason."""
    if e[0] in ("missing", "binary"):
        return None                    # nothing to compare against
    if g[0] == "missing":
        return "output missing"
    if e[0] == "matrix" and g[0] == "matrix":
        A, B = e[1], g[1]
        if A.shape != B.shape:
            return f"shape {A.shape} vs {B.shape}"
        same = np.vectorize(lambda a, b: _close(a, b, rel, abs_), otypes=[bool])(A, B) if A.size else np.array(True)
        if np.all(same):
            return None
        near = np.vectorize(lambda a, b: _close(a, b, NEAR, NEAR * 1e-3), otypes=[bool])(A, B)
        kind = "numeric (near)" if np.all(near) else "values differ"
        return f"{kind}: max rel err {_max_err(A, B):.2g}"
    if e[0] == "scalar" and g[0] == "scalar":
        a, b = _num(e[1]), _num(g[1])
        if a is not None and b is not None:
            if _close(a, b, rel, abs_):
                return None
            kind = "numeric (near)" if _close(a, b, NEAR, NEAR * 1e-3) else "values differ"
            return f"{kind}: scalar {e[1]} vs {g[1]}"
        return None if e[1].strip().lower() == g[1].strip().lower() else f"scalar {e[1][:30]!r} vs {g[1][:30]!r}"
    if e[0] == "frame" or g[0] == "frame":
        er = e[1].tolist() if e[0] == "matrix" else e[1]
        gr = g[1].tolist() if g[0] == "matrix" else g[1]
        if len(er) != len(gr):
            return f"rows {len(er)} vs {len(gr)}"
        for r1, r2 in zip(er, gr):
            if len(r1) != len(r2):
                return f"cols {len(r1)} vs {len(r2)}"
            for a, b in zip(r1, r2):
                x, y = _num(a), _num(b)
                if x is not None and y is not None:
                    if not _close(x, y, rel, abs_):
                        return f"values differ: {a} vs {b}"
                elif str(a) != str(b):
                    return f"cell {str(a)[:20]!r} vs {str(b)[:20]!r}"
        return None
    return f"kind {e[0]} vs {g[0]}"


NOISE = [re.compile(p) for p in (
    r"^SystemDS Statistics", r"^Total ", r"^Number of ", r"^Cache ", r"^JIT ", r"^Heavy hitter",
    r"^\s*#\s+Instruction", r"^\s*\d+\s+\S+\s+[\d.]+\s+\d+\s*$",
    r"^\d{2}/\d{2}/\d{2} \d{2}:\d{2}:\d{2} (TRACE|DEBUG|INFO|WARN|ERROR|FATAL) ",
    r"^(TRACE|DEBUG|INFO|WARN|FATAL) +\[?[\w.$-]+\]?:? ", r"^WARNING: ")]


def clean(text: str) -> list[str]:
    lines = [l.rstrip() for l in text.replace("\r\n", "\n").split("\n")
             if not any(r.match(l) for r in NOISE)]
    while lines and not lines[-1]:
        lines.pop()
    return lines


NUM_RE = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?|NaN|-?Infinity")


def compare_stdout(e: list[str], g: list[str], rel, abs_):
    if len(e) != len(g):
        return f"printed {len(g)} lines, reference {len(e)}"
    for i, (a, b) in enumerate(zip(e, g)):
        if a == b:
            continue
        if NUM_RE.sub("#", a) != NUM_RE.sub("#", b):
            return f"printed line {i + 1}: {b[:60]!r} vs {a[:60]!r}"
        for x, y in zip(NUM_RE.findall(a), NUM_RE.findall(b)):
            fx, fy = float(x.replace("Infinity", "inf")), float(y.replace("Infinity", "inf"))
            if not _close(fx, fy, rel, abs_):
                near = _close(fx, fy, NEAR, NEAR * 1e-3)
                return f"printed {'numbers (near)' if near else 'line'} {i + 1}: {y} vs {x}"
    return None


def ref_failed(res) -> bool:
    return res["rc"] != 0 or "An Error Occurred" in res["stdout"] or "Exception" in res["stderr"][:2000] \
        and "ERROR" in res["stderr"]


def dml_error(res) -> str:
    text = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", res["stderr"] + "\n" + res["stdout"])
    m = re.search(r"error: (.*)", text)
    if m:
        return m.group(1).strip()
    tail = [l for l in text.strip().split("\n") if l.strip()]
    return tail[-1].strip() if tail else f"exit {res['rc']}"


# ------------------------------------------------------------------ one case
def run_case(case, refresh=False) -> dict:
    base, inputs, runs = ref_runs(case, refresh, RUNS)
    (r1, o1) = runs[0]
    res = {"name": case.name, "script": case.script}
    if ref_failed(r1):
        res.update(status="ref-error", reason="reference fails: " + dml_error(r1)[:100])
        return res
    outs = case.outputs()
    if len(runs) > 1:
        (r2, o2) = runs[1]
        det = all(compare_value(read_output(o1 / n), read_output(o2 / n), REL, ABS) is None for n in outs)
        stdout_det = clean(r1["stdout"]) == clean(r2["stdout"])
        res["deterministic"] = det and not ref_failed(r2)
    else:                       # determinism not checked yet (one reference run cached)
        stdout_det = True
        res["deterministic"] = True
        res["unchecked"] = True
    g, og = dmlpy_run(case, base, inputs)
    res["secs"] = g["secs"]
    if g["rc"] == "timeout":
        res.update(status="fail", reason=f"dmlpy timeout ({TIMEOUT}s)")
        return res
    if g["rc"] != 0:
        res.update(status="fail", reason="dmlpy error: " + dml_error(g)[:160])
        return res
    rel, abs_ = case.tol, case.tol * 1e-6
    for n in outs:
        why = compare_value(read_output(o1 / n), read_output(og / n), rel, abs_)
        if why:
            res.update(status="fail", reason=f"output {n}: {why}")
            return res
    if case.stdout and stdout_det:
        why = compare_stdout(clean(r1["stdout"]), clean(g["stdout"]), rel, abs_)
        if why:
            res.update(status="fail", reason=why)
            return res
    res.update(status="pass", reason="" if stdout_det or not case.stdout else "(stdout varies; not compared)")
    return res


# ------------------------------------------------------------------ report
def group_reason(r: str) -> str:
    r = re.sub(r"'[^']*'", "'…'", r)
    r = re.sub(r"\d+(\.\d+)?(e-?\d+)?", "N", r)
    r = re.sub(r"^output \S+: ", "output: ", r)
    return r[:90]


def summary(results: list[dict], out=sys.stdout) -> dict:
    from sysds_builtin_cases import KNOWN
    w = max([len(r["name"]) for r in results] + [10])
    for r in sorted(results, key=lambda r: r["name"]):
        flag = "" if r.get("deterministic", True) else " [nondet]"
        if r["status"] == "fail" and r["name"] in KNOWN:
            flag += f" [known: {KNOWN[r['name']]}]"
        print(f"{r['name']:<{w}}  {r['status']:<9} {r.get('reason', '')}{flag}", file=out)
    det = [r for r in results if r["status"] != "ref-error" and r.get("deterministic")]
    passed = [r for r in det if r["status"] == "pass"]
    scripts = {r["script"] for r in results}
    print(f"\ncases: {len(results)} from {len(scripts)} scripts; reference errors: "
          f"{sum(r['status'] == 'ref-error' for r in results)}; nondeterministic: "
          f"{sum(1 for r in results if r['status'] != 'ref-error' and not r.get('deterministic'))}",
          file=out)
    rate = 100.0 * len(passed) / max(1, len(det))
    print(f"deterministic cases: {len(det)}; passed: {len(passed)} ({rate:.1f}%)", file=out)
    unchecked = sum(1 for r in results if r.get("unchecked"))
    if unchecked:
        print(f"({unchecked} cases have one cached reference run: determinism not checked)", file=out)
    groups: dict[str, list[str]] = {}
    for r in results:
        if r["status"] == "fail":
            groups.setdefault(group_reason(r["reason"]), []).append(r["name"])
    if groups:
        print("\nfailures by reason:", file=out)
        for g, names in sorted(groups.items(), key=lambda kv: -len(kv[1])):
            print(f"  {len(names):3d}  {g}\n       {', '.join(sorted(names))[:300]}", file=out)
    return {"cases": len(results), "deterministic": len(det), "passed": len(passed), "rate": rate}


def select(cases, patterns):
    if not patterns:
        return cases
    return [c for c in cases if any(p in c.name for p in patterns)]


def main(argv=None) -> int:
    from sysds_builtin_cases import CASES
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-k", action="append", default=[], help="run cases whose name contains this")
    ap.add_argument("-v", "--verbose", action="store_true",
                    help="accepted for symmetry with pytest (each case is always reported)")
    ap.add_argument("-j", type=int, default=2, help="parallel cases (default 2)")
    ap.add_argument("--refresh", action="store_true", help="re-run the reference (ignore the cache)")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--ref-only", action="store_true", help="only fill the reference cache")
    ap.add_argument("--json", help="write the results here")
    ap.add_argument("--cached-only", action="store_true",
                    help="only the cases whose reference run is already cached")
    ap.add_argument("--recheck", action="store_true",
                    help="with --runs 1: make the second reference run for the failing cases")
    ap.add_argument("--runs", type=int, choices=(1, 2), default=2,
                    help="reference runs per case (default 2: the second checks determinism)")
    ap.add_argument("--library", choices=("systemds", "dmlpy"), default="systemds",
                    help="builtin library for dmlpy: SystemDS's on --builtin-path (default) or "
                         "dmlpy's own scripts/builtin only")
    a = ap.parse_args(argv)
    global RUNS, OWN_LIBRARY
    RUNS = a.runs
    OWN_LIBRARY = a.library == "dmlpy"
    cases = select(CASES, a.k)
    if a.list:
        for c in cases:
            print(c.name, c.script, c.args)
        return 0
    why = available()
    if why:
        print(f"cannot run: {why}", file=sys.stderr)
        return 2
    src_root()
    if a.cached_only:
        cases = [c for c in cases if is_cached(c)]
    results = []
    job = (lambda c: (ref_runs(c, a.refresh, a.runs), {"name": c.name})[1]) if a.ref_only else \
        (lambda c: run_case(c, a.refresh))
    with cf.ThreadPoolExecutor(max_workers=a.j) as ex:
        futs = {ex.submit(job, c): c for c in cases}
        for f in cf.as_completed(futs):
            c = futs[f]
            try:
                r = f.result()
            except Exception as e:       # a harness problem for one case must not stop the rest
                r = {"name": c.name, "script": c.script, "status": "fail", "reason": f"harness: {e!r}"}
            results.append(r)
            print(f"[{len(results)}/{len(cases)}] {c.name}: {r.get('status', 'ref cached')} "
                  f"{r.get('reason', '')}", file=sys.stderr, flush=True)
    if a.ref_only:
        return 0
    if a.recheck:
        # a second reference run only where dmlpy disagrees with the first (a case that passes
        # agrees with the reference, which makes its nondeterminism implausible)
        RUNS = 2
        again = [c for c in cases for r in results
                 if r["name"] == c.name and r["status"] == "fail" and r.get("unchecked")]
        with cf.ThreadPoolExecutor(max_workers=a.j) as ex:
            redo = dict(zip([c.name for c in again], ex.map(lambda c: run_case(c), again)))
        results = [redo.get(r["name"], r) for r in results]
    s = summary(results)
    if a.json:
        Path(a.json).write_text(json.dumps({"summary": s, "results": results}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
