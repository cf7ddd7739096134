"""Launch geometry of the CUDA kernels, and whether they run on numba's CUDA simulator.

The simulator (NUMBA_ENABLE_CUDASIM=1, read by numba when it is first imported) runs every thread
of a block as a Python thread, so under it the blocks are kept small; on a device they have the
sizes the kernels are tuned for. Nothing here imports numba.cuda: the values come from the
environment, which numba reads the same way.
"""
from __future__ import annotations

import os

SIM = os.environ.get("NUMBA_ENABLE_CUDASIM", "0") not in ("", "0")

TPB = 16 if SIM else 256            # threads per block of the 1-D kernels (a power of two)
MAX_BLOCKS = 4 if SIM else 2048     # blocks of a grid-stride launch (reductions: partials)
TILE = 4 if SIM else 16             # the GEMM's square tile (TILE x TILE threads per block)
TTILE = 4 if SIM else 32            # the transpose's square tile
MAX_REGS = 16                       # working registers of the fused kernel (per thread)
MAX_INPUTS = 8                      # matrices one fused program reads (as on the CPU)


def blocks_for(n: int, tpb: int = TPB) -> int:
    """Blocks of a grid-stride launch over n items."""
    return max(1, min(MAX_BLOCKS, (n + tpb - 1) // tpb))

# bytes of device memory one operation of a -gpu run may use (DMLPY_GPU_MEMORY; default: what the
# device has free, and 1 GiB under the simulator); an operation beyond it runs on the CPU
MEMORY_LIMIT = int(os.environ.get("DMLPY_GPU_MEMORY", 0) or 0) or None
SIM_MEMORY = 1 << 30
