"""Runs DML scripts with backend="cuda" (on numba's CUDA simulator, or a GPU) and with
backend="cpu" in one process, and saves both results of every output into an .npz
(tests/test_gpu_run.py starts this in a subprocess: the simulator must be switched on before
numba.cuda is first imported). Usage: gpu_run_worker.py CASES.json OUT.npz

CASES.json: a list of {"name", "script", "outputs", "precision"}; a list output is saved
element by element (NAME|OUT.i|cpu).
"""
from __future__ import annotations

import json
import sys

import numpy as np


def _save(res, key, tag, v):
    if isinstance(v, dict):
        v = list(v.values())
    if isinstance(v, list):
        for i, x in enumerate(v):
            _save(res, f"{key}.{i}", tag, x)
        return
    res[f"{key}|{tag}"] = np.asarray(v)


def main(spec_path, out_path):
    import dmlpy
    cases = json.loads(open(spec_path).read())
    res = {}
    for c in cases:
        for backend, tag in (("cpu", "cpu"), ("cuda", "gpu")):
            r = dmlpy.run(c["script"], outputs=c["outputs"], precision=c.get("precision"),
                          backend=backend)
            for o in c["outputs"]:
                _save(res, f"{c['name']}|{o}", tag, r[o])
    np.savez(out_path, **res)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
