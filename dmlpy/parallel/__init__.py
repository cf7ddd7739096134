"""Parallel execution. parfor: options (options.py), dependency analysis (deps.py), lowering
(lower.py), execution on one machine's cores (local.py with threads, procs.py with forked
processes, blas.py) and result merge (merge.py); see docs/parfor.md. paramserv: paramserv.py and
ps_*.py."""
