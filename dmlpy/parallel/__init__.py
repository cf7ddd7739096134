"""parfor: options (options.py), dependency analysis (deps.py), lowering (lower.py), execution on
one machine's cores (local.py) and result merge (merge.py)."""
