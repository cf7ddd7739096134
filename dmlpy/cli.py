"""The `dmlpy` command: `dmlpy SCRIPT.dml [-args v1 v2 ...] [-nvargs k=v ...]`, SystemDS spellings too."""
from __future__ import annotations

import os
import sys

import click

from . import __version__

# SystemDS's single-dash long flags, spelled the click way
_ALIASES = {"-stats": "--stats", "-explain": "--explain", "-args": "--args", "-nvargs": "--nvargs",
            "-version": "--version", "-help": "--help", "-gpu": "--gpu"}


def _split_rest(rest):
    script, pos, named, mode = None, [], {}, None
    for tok in rest:
        if tok == "--args":
            mode = "args"
        elif tok == "--nvargs":
            mode = "nvargs"
        elif mode == "args":
            pos.append(tok)
        elif mode == "nvargs":
            if "=" not in tok:
                raise click.UsageError(f"-nvargs expects name=value, got '{tok}'")
            k, v = tok.split("=", 1)
            named[k] = v
        elif script is None and not tok.startswith("-"):
            script = tok
        else:
            raise click.UsageError(f"unexpected argument '{tok}'")
    return script, pos, named


@click.command(context_settings={"ignore_unknown_options": True, "help_option_names": ["-h", "--help"]})
@click.option("-f", "file_", metavar="SCRIPT", help="The DML script to run (SystemDS spelling).")
@click.option("-s", "text", metavar="TEXT", help="Run DML given as text, e.g. -s \"print(1+1)\".")
@click.option("--stats", is_flag=True, help="Print time and count per operation, heaviest first.")
@click.option("--explain", type=click.Choice(["code", "ir", "plan"]), default=None,
              help="Print the compiled program before running it: code (the generated Python, "
                   "the default), ir (each rewritten expression's IR before and after the "
                   "rewrites) or plan (the kernels the rewrites chose, and each matrix value's "
                   "compile-time size, non-zero estimate and format).")
@click.option("--precision", type=click.Choice(["double", "single"]), default=None,
              help="Floating-point precision of matrices: double (the default) or single (float32 "
                   "matrices, kernels and BLAS; SystemDS's sysds.floating.point.precision).")
@click.option("--backend", type=click.Choice(["cpu", "cuda"]), default="cpu",
              help="Where matrices live and kernels run: cpu (the default) or cuda (an NVIDIA GPU).")
@click.option("--gpu", is_flag=True, help="Run on the GPU (SystemDS's -gpu): --backend cuda.")
@click.option("--gpu-fallback", "gpu_fallback", is_flag=True,
              help="With -gpu: run on the CPU, with a note, when no GPU is usable.")
@click.option("--no-rewrite", "no_rewrite", multiple=True, metavar="NAME",
              help="Switch off a rewrite pass (constant-folding, identities, sum-of-squares, "
                   "symmetric-products, row-col-means, fusion; all). Repeatable.")
@click.option("--builtin-path", "builtin_path", multiple=True, metavar="DIR",
              help="A folder of DML-bodied builtins (<name>.dml), searched before dmlpy's own, e.g. "
                   "SystemDS's scripts/builtin. Repeatable; DMLPY_BUILTIN_PATH does the same.")
@click.option("--dask", "dask", metavar="ADDRESS",
              help="Run parfor loops on the Dask cluster with this scheduler (tcp://host:8786); "
                   "DMLPY_DASK_SCHEDULER does the same. Needs pip install 'dmlpy[dask]'.")
@click.version_option(__version__, "--version", prog_name="dmlpy")
@click.argument("rest", nargs=-1, type=click.UNPROCESSED)
def main(file_, text, stats, explain, precision, backend, gpu, gpu_fallback, no_rewrite,
         builtin_path, dask, rest):
    """Run a DML (Apache SystemDS) script.

    \b
      dmlpy train.dml -nvargs epochs=10 lr=0.01
      dmlpy -f train.dml -args 10 0.01      ($1, $2 in the script)
      dmlpy -s "print(1 + 1)"
    """
    script, pos, named = _split_rest(rest)
    if file_ and script:
        raise click.UsageError("give the script either with -f or as an argument, not both")
    path = file_ or script
    if not path and text is None:
        raise click.UsageError("no script given (dmlpy SCRIPT.dml, -f SCRIPT.dml or -s TEXT)")
    args = {str(i + 1): v for i, v in enumerate(pos)}
    args.update(named)
    if builtin_path:
        old = os.environ.get("DMLPY_BUILTIN_PATH")
        os.environ["DMLPY_BUILTIN_PATH"] = os.pathsep.join(list(builtin_path) + ([old] if old else []))
    if dask:
        os.environ["DMLPY_DASK_SCHEDULER"] = dask
    sys.exit(run_cli(path, text, args, stats, explain, no_rewrite, precision,
                     "cuda" if gpu else backend, gpu_fallback))


def run_cli(path, text, args, stats=False, explain=None, no_rewrite=(), precision=None,
            backend="cpu", gpu_fallback=False) -> int:
    from .compile import compile_program
    from .errors import DMLError
    from .plan import options
    from .runtime.executor import Stats
    st = Stats() if stats else None
    if explain is True:
        explain = "code"
    try:
        if path is not None and not os.path.isfile(path):
            raise DMLError(f"cannot open the script '{path}': no such file")
        if backend == "cuda":
            from .backends.cuda import require
            backend = require(gpu_fallback)
        plan = options(no_rewrite, record=explain in ("ir", "plan"), precision=precision,
                       backend=backend)
        program = compile_program(text, path, cmdargs=args, stats=st, plan=plan)
        if explain:
            from .compile.explain import explain as render
            sys.stdout.write(render(program, explain, plan.log, plan.sizes))
        program()
    except BrokenPipeError:  # the reader went away (dmlpy x.dml | head): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except DMLError as e:
        sys.stdout.flush()
        if os.environ.get("DMLPY_DEBUG") == "1":
            raise
        sys.stderr.write(e.render() + "\n")
        return 1
    except Exception as e:  # noqa: BLE001 - a bug in dmlpy itself: one line, no traceback
        sys.stdout.flush()
        if os.environ.get("DMLPY_DEBUG") == "1":
            raise
        where = path or "<string>"
        sys.stderr.write(f"{where}: error: internal error in dmlpy ({type(e).__name__}: {e}); "
                         "rerun with DMLPY_DEBUG=1 for the traceback\n")
        return 1
    finally:
        try:
            sys.stdout.flush()
        except BrokenPipeError:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        if st is not None:
            sys.stderr.write(st.report() + "\n")
        if "dmlpy.parallel.dask_run" in sys.modules:
            sys.modules["dmlpy.parallel.dask_run"].close()
    return 0


_EXPLAIN = {"code": "code", "ir": "ir", "plan": "plan", "hops": "ir", "runtime": "plan",
            "recompile_hops": "ir", "recompile_runtime": "plan"}


def _explain_args(argv):
    """`--explain` alone means code; `--explain WHAT` (SystemDS's spelling, hops and runtime too)
    becomes --explain=WHAT, so that a script path after a bare --explain stays the script."""
    out, i = [], 0
    while i < len(argv):
        a = argv[i]
        if a == "--explain":
            nxt = argv[i + 1] if i + 1 < len(argv) else None
            if nxt in _EXPLAIN:
                out.append(f"--explain={_EXPLAIN[nxt]}")
                i += 2
                continue
            a = "--explain=code"
        out.append(a)
        i += 1
    return out


def entry():
    argv = _explain_args([_ALIASES.get(a, a) for a in sys.argv[1:]])
    main.main(args=argv, prog_name="dmlpy")


if __name__ == "__main__":
    entry()
