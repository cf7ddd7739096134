"""conv_layer.dml under dmlpy and SystemDS 3.4 (when ../shared/reference/sysds is there), and the same
ops in PyTorch fp64 on the CPU (when torch is installed), in one run. Prints seconds per pass and ratios.

    python benchmarks/run_conv_layer.py [--N 32] [--passes 3] [--no-reference]
"""
import argparse
import re
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REF = HERE.parent.parent / "shared" / "reference" / "sysds"
OPS = ["conv2d", "max_pool", "max_pool_backward", "conv2d_backward_filter", "conv2d_backward_data", "pass"]


def parse(out):
    res = {}
    for op in OPS:
        m = re.search(rf"^{op} ([0-9.Ee+-]+)$", out, re.M)
        if m:
            res[op] = float(m.group(1))
    return res


def run_dml(cmd, N, passes):
    r = subprocess.run(cmd + [str(HERE / "conv_layer.dml"), "-nvargs", f"N={N}", f"passes={passes}"],
                       capture_output=True, text=True)
    if r.returncode != 0 or "An Error Occurred" in r.stdout:
        sys.exit(f"failed: {' '.join(cmd)}\n{r.stdout}\n{r.stderr}")
    return parse(r.stdout)


def run_torch(N, passes, C=96, H=27, F=256, K=5, pad=2):
    try:
        import torch
        import torch.nn.functional as Fn
    except ImportError:
        return None
    torch.manual_seed(0)
    X = (torch.rand(N, C, H, H, dtype=torch.float64) * 2 - 1).requires_grad_()
    W = ((torch.rand(F, C, K, K, dtype=torch.float64) - 0.5) * 0.1).requires_grad_()
    t = {op: 0.0 for op in OPS}
    for p in range(passes + 1):
        t0 = time.perf_counter()
        out = Fn.conv2d(X, W, padding=pad)
        t1 = time.perf_counter()
        outd = out.detach().requires_grad_()
        P = Fn.max_pool2d(outd, 3, 2)
        t2 = time.perf_counter()
        (dout,) = torch.autograd.grad(P, outd, P.detach() * 0.001)
        t3 = time.perf_counter()
        dW = torch.nn.grad.conv2d_weight(X, W.shape, dout, padding=pad)
        t4 = time.perf_counter()
        dX = torch.nn.grad.conv2d_input(X.shape, W, dout, padding=pad)
        t5 = time.perf_counter()
        if p:
            for op, dt in zip(OPS, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4)):
                t[op] += dt / passes
        del dW, dX
    t["pass"] = sum(t[op] for op in OPS[:-1])
    return t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--N", type=int, default=32)
    ap.add_argument("--passes", type=int, default=3)
    ap.add_argument("--no-reference", action="store_true")
    a = ap.parse_args()
    cols = {"dmlpy": run_dml([sys.executable, "-m", "dmlpy"], a.N, a.passes)}
    if REF.exists() and not a.no_reference:
        cols["SystemDS"] = run_dml([str(REF), "-f"], a.N, a.passes)
    tt = run_torch(a.N, a.passes)
    if tt:
        cols["torch fp64"] = tt
    names = list(cols)
    print(f"AlexNet conv2 layer, N={a.N}, seconds per pass ({a.passes} passes after a warm-up)")
    print(f"{'op':<24}" + "".join(f"{n:>12}" for n in names) +
          "".join(f"{n + '/dmlpy':>18}" for n in names[1:]))
    for op in OPS:
        vals = [cols[n].get(op, float('nan')) for n in names]
        print(f"{op:<24}" + "".join(f"{v:>12.4f}" for v in vals) +
              "".join(f"{v / vals[0]:>18.2f}" for v in vals[1:]))


if __name__ == "__main__":
    main()
