#!/usr/bin/env python3
"""The ten slowest builtins of dmlpy's own library against SystemDS 3.4, timed in the same run.

Drives SystemDS's own builtin test scripts through the harness sysds_builtin_tests.py (its cases,
inputs, command lines and output comparison are reused, not restated):

  1. start-up: the wall time of a script that only does print(1), for dmlpy and the reference;
  2. ranking: every selected case runs on dmlpy with its own scripts/builtin (the harness's
     --library dmlpy), its wall time and pass/fail recorded; or the times come from a JSON the
     harness wrote (--rank-from, e.g. `sysds_builtin_tests.py --library dmlpy --json r.json`);
  3. the slowest case of each builtin (a case's builtin: its name up to the first '/') is ranked by
     dmlpy's time, and the top ten are run again, the reference and dmlpy one after the other, so
     that both see the same machine load.

Wall time is the whole process; "net" subtracts the measured start-up of the same system (the time
inside the script is not reported by either system in a comparable way). The machine's load
average is recorded with each measurement: on a shared machine, read the figures with it.

    .venv/bin/python benchmarks/builtin_bench.py --limit 40            # rank the first 40 cases
    .venv/bin/python benchmarks/builtin_bench.py --rank-from r.json --json bench.json
    .venv/bin/python benchmarks/builtin_bench.py -k lm -k kmeans --top 5 --repeat 3

The last table, with what was done where a builtin was slower: docs/builtins_speed.md.
"""
from __future__ import annotations

import argparse
import concurrent.futures as cf
import json
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import sysds_builtin_tests as H  # noqa: E402


def load() -> float:
    return round(os.getloadavg()[0], 2)


_BUILTIN: dict[str, str] = {}
CALL_RE = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*\(")


def builtin_of(case) -> str:
    """The SystemDS DML-bodied builtin a case exercises: of those its script calls, the one whose
    name begins the test's name (longest, ignoring case and '_'), else the first called, else the
    test's name (the case name up to the first '/')."""
    from dmlpy.builtins.docs import SYSTEMDS_DML
    test = case.name.split("/")[0]
    if case.script not in _BUILTIN:
        path = H.src_root() / H.SCRIPT_DIR / case.script
        text = path.read_text(errors="replace") if path.exists() else ""
        names = set(SYSTEMDS_DML)
        called = list(dict.fromkeys(n for n in CALL_RE.findall(text) if n in names))
        key = test.replace("image_", "img_").replace("_", "").lower()
        prefix = [n for n in called if key.startswith(n.replace("_", "").lower())]
        _BUILTIN[case.script] = max(prefix, key=len) if prefix else (called[0] if called else test)
    return _BUILTIN[case.script]


# ------------------------------------------------------------------ start-up
def dmlpy_cmd(script: Path) -> list[str]:
    lib = [] if H.OWN_LIBRARY else ["--builtin-path", str(H.BUILTINS)]
    return [str(H.DMLPY)] + lib + ["-f", str(script)]


def startup(runs: int) -> dict:
    """Median and min wall time of print(1) on each system (interleaved runs)."""
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "startup.dml"
        script.write_text("print(1)\n")
        times: dict[str, list[float]] = {"dmlpy": [], "reference": []}
        for _ in range(runs):
            for who, cmd in (("reference", [str(H.REF), "-f", str(script)]), ("dmlpy", dmlpy_cmd(script))):
                res = H.run_one(cmd, tmp, Path(tmp) / f"out-{who}")
                if res["rc"] != 0 or res["stdout"].strip().split("\n")[0].strip() != "1":
                    raise RuntimeError(f"{who} cannot run print(1): {H.dml_error(res)}")
                times[who].append(res["secs"])
    return {who: {"median": round(statistics.median(t), 2), "min": min(t), "runs": t}
            for who, t in times.items()}


# ------------------------------------------------------------------ ranking
def rank_by_running(cases, jobs: int) -> list[dict]:
    """run_case of the harness on each case (dmlpy against the cached reference outputs)."""
    out = []
    with cf.ThreadPoolExecutor(max_workers=jobs) as ex:
        futs = {ex.submit(H.run_case, c): c for c in cases}
        for f in cf.as_completed(futs):
            c = futs[f]
            try:
                r = f.result()
            except Exception as e:        # a harness problem for one case must not stop the rest
                r = {"name": c.name, "script": c.script, "status": "fail", "reason": f"harness: {e!r}"}
            r["load"] = load()
            out.append(r)
            print(f"[{len(out)}/{len(cases)}] {c.name}: {r.get('secs', '-')} s {r['status']} "
                  f"{r.get('reason', '')[:80]}", file=sys.stderr, flush=True)
    return out


def rank_from(path: Path, cases) -> list[dict]:
    names = {c.name for c in cases}
    return [r for r in json.loads(Path(path).read_text())["results"] if r["name"] in names]


def slowest(results: list[dict], cases, top: int) -> list[tuple]:
    """The slowest case of each builtin among those dmlpy ran to the end: [(case, result)]."""
    by_name = {c.name: c for c in cases}
    best: dict[str, tuple] = {}
    for r in results:
        c = by_name.get(r["name"])
        if c is None or "secs" not in r or r.get("reason", "").startswith(("dmlpy error", "dmlpy timeout")):
            continue
        b = builtin_of(c)
        if b not in best or r["secs"] > best[b][1]["secs"]:
            best[b] = (c, r)
    return sorted(best.values(), key=lambda cr: -cr[1]["secs"])[:top]


# ------------------------------------------------------------------ timing
def time_case(case, repeat: int) -> dict:
    """Wall times of the reference and of dmlpy on one case, run one after the other."""
    base, inputs, _ = H.ref_runs(case, runs=1)     # inputs (and a cached reference run)
    ref, own, loads = [], [], []
    for _ in range(repeat):
        loads.append(load())
        r = H.run_one(H.ref_command(case, inputs, base / "bench-ref"), H.src_root(), base / "bench-ref")
        g, _ = H.dmlpy_run(case, base, inputs)
        for who, res, into in (("reference", r, ref), ("dmlpy", g, own)):
            if res["rc"] != 0:
                raise RuntimeError(f"{case.name}: {who} failed: {H.dml_error(res)[:100]}")
            into.append(res["secs"])
    return {"ref": min(ref), "dmlpy": min(own), "ref_runs": ref, "dmlpy_runs": own, "load": loads}


def ratio(a: float, b: float) -> float | None:
    return round(a / b, 2) if b > 0 else None


def table(rows: list[dict], up: dict) -> str:
    su_d, su_r = up["dmlpy"]["median"], up["reference"]["median"]
    head = (f"{'#':>2}  {'builtin':<22} {'case':<28} {'dmlpy s':>8} {'ref s':>7} {'ratio':>6}  "
            f"{'dmlpy net':>9} {'ref net':>7} {'net ratio':>9}  {'load':>5}  check")
    lines = [f"start-up (print(1), median): dmlpy {su_d:.2f} s, reference {su_r:.2f} s; "
             f"net = wall - start-up", head, "-" * len(head)]
    for i, r in enumerate(rows, 1):
        nr = "" if r["net_ratio"] is None else f"{r['net_ratio']:.2f}"
        lines.append(f"{i:>2}  {r['builtin'][:22]:<22} {r['case'][:28]:<28} {r['dmlpy']:>8.2f} "
                     f"{r['ref']:>7.2f} {r['ratio']:>6.2f}  {r['dmlpy_net']:>9.2f} {r['ref_net']:>7.2f} "
                     f"{nr:>9}  {max(r['load']):>5.1f}  {r['status']}")
    return "\n".join(lines)


def markdown(rows: list[dict], up: dict, started: str, load_start, load_end) -> str:
    """The table as Markdown (for docs/builtins_speed.md)."""
    su_d, su_r = up["dmlpy"]["median"], up["reference"]["median"]
    out = [f"Run of {started} on {os.cpu_count()} cores; load average (1 min) {load_start[0]:.1f} at the "
           f"start, {load_end[0]:.1f} at the end. Start-up (`print(1)`, median): dmlpy {su_d:.2f} s, "
           f"SystemDS {su_r:.2f} s.", "",
           "| # | builtin | case | dmlpy s | SystemDS s | ratio | dmlpy net | SystemDS net | net ratio "
           "| load | check |",
           "|--:|---|---|--:|--:|--:|--:|--:|--:|--:|---|"]
    for i, r in enumerate(rows, 1):
        nr = "-" if r["net_ratio"] is None else f"{r['net_ratio']:.2f}"
        out.append(f"| {i} | {r['builtin']} | {r['case']} | {r['dmlpy']:.2f} | {r['ref']:.2f} | "
                   f"{r['ratio']:.2f} | {r['dmlpy_net']:.2f} | {r['ref_net']:.2f} | {nr} | "
                   f"{max(r['load']):.1f} | {r['status']} |")
    return "\n".join(out) + "\n"


def main(argv=None) -> int:
    from sysds_builtin_cases import CASES
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-k", action="append", default=[], help="cases whose name contains this")
    ap.add_argument("--limit", type=int, help="rank at most this many cases (the first ones)")
    ap.add_argument("--top", type=int, default=10, help="builtins to time (default 10)")
    ap.add_argument("--repeat", type=int, default=1, help="timed runs per system and case (min is kept)")
    ap.add_argument("--startup-runs", type=int, default=3)
    ap.add_argument("-j", type=int, default=1, help="parallel cases while ranking (default 1)")
    ap.add_argument("--rank-from", help="take dmlpy's times from this harness JSON instead of running")
    ap.add_argument("--library", choices=("systemds", "dmlpy"), default="dmlpy",
                    help="builtin library for dmlpy (default: dmlpy's own scripts/builtin)")
    ap.add_argument("--json", help="write the measurements here")
    ap.add_argument("--markdown", help="write the table as Markdown here")
    a = ap.parse_args(argv)
    H.OWN_LIBRARY = a.library == "dmlpy"
    H.RUNS = 1                      # the ranking needs one reference run (cached), not two
    why = H.available()
    if why:
        print(f"cannot run: {why}", file=sys.stderr)
        return 2
    H.src_root()
    cases = [c for c in H.select(CASES, a.k) if H.is_cached(c)]
    if a.limit:
        cases = cases[:a.limit]
    started = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    load_start = os.getloadavg()
    print(f"{started}; load average {load_start[0]:.1f} {load_start[1]:.1f} {load_start[2]:.1f} on "
          f"{os.cpu_count()} cores; {len(cases)} cached cases", file=sys.stderr, flush=True)
    up = startup(a.startup_runs)
    print(f"start-up: {json.dumps({k: v['median'] for k, v in up.items()})}", file=sys.stderr, flush=True)
    ranked = rank_from(Path(a.rank_from), cases) if a.rank_from else rank_by_running(cases, a.j)
    rows = []
    for case, r in slowest(ranked, cases, a.top):
        try:
            t = time_case(case, a.repeat)
        except RuntimeError as e:
            print(f"skipped: {e}", file=sys.stderr, flush=True)
            continue
        row = {"builtin": builtin_of(case), "case": case.name, "status": r["status"],
               "reason": r.get("reason", ""), "rank_secs": r["secs"], **t}
        row["ratio"] = ratio(row["dmlpy"], row["ref"])
        row["dmlpy_net"] = round(max(0.0, row["dmlpy"] - up["dmlpy"]["median"]), 2)
        row["ref_net"] = round(max(0.0, row["ref"] - up["reference"]["median"]), 2)
        row["net_ratio"] = ratio(row["dmlpy_net"], row["ref_net"]) if row["ref_net"] >= 0.05 else None
        rows.append(row)
        print(f"timed {case.name}: dmlpy {row['dmlpy']} s, reference {row['ref']} s",
              file=sys.stderr, flush=True)
    rows.sort(key=lambda r: -r["dmlpy"])
    load_end = os.getloadavg()
    print(table(rows, up))
    print(f"\nranked {len(ranked)} cases; load average at start {load_start[0]:.1f}, at end "
          f"{load_end[0]:.1f} ({os.cpu_count()} cores)")
    if a.markdown:
        Path(a.markdown).write_text(markdown(rows, up, started, load_start, load_end))
    if a.json:
        Path(a.json).write_text(json.dumps({
            "started": started, "cores": os.cpu_count(), "load_start": load_start, "load_end": load_end,
            "library": a.library, "startup": up, "top": rows,
            "ranked": sorted(({"name": r["name"], "secs": r.get("secs"), "status": r["status"],
                               "reason": r.get("reason", ""),
                               "deterministic": r.get("deterministic")} for r in ranked),
                             key=lambda r: -(r["secs"] or 0))}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
