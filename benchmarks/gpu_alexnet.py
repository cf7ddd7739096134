"""An AlexNet training step for benchmarks/gpu.py, built from the CUDA backend's kernels, and the
same step in PyTorch.

The network of nn/networks/alexnet.dml without batch normalisation and without dropout (both
sides alike): five convolutions (96 11x11 stride 4 pad 2; 256 5x5 pad 2; 384, 384, 256 3x3
pad 1), each with a bias and ReLU, max pools 3x3 stride 2 after the 1st, 2nd and 5th, then
fully connected layers 9216 -> 4096 -> 4096 -> classes with ReLU between them, softmax and the
cross-entropy loss; one step is the forward pass, the backward pass and the LARS update of every
parameter (62.4M at 224x224 and 1000 classes). Matrices are laid out as in DML: images N x
C*H*W, filters F x C*k*k, fully connected weights D x M (x %*% W + b).

`toy=True` shrinks the channels and the image (the layer structure stays) for the simulator.
"""
from __future__ import annotations

import numpy as np

from gpu_common import Lars, Program, torch_lars


def layout(toy):
    """(convs, image size, classes, fc width, channels in): convs as (F, k, stride, pad, pooled)."""
    if toy:
        return ([(2, 11, 4, 2, True), (3, 5, 1, 2, True), (3, 3, 1, 1, False),
                 (3, 3, 1, 1, False), (2, 3, 1, 1, True)], 63, 5, 6, 1)
    return ([(96, 11, 4, 2, True), (256, 5, 1, 2, True), (384, 3, 1, 1, False),
             (384, 3, 1, 1, False), (256, 3, 1, 1, True)], 224, 1000, 4096, 3)


def init(toy, seed=0):
    """The parameters as host arrays (float64): [W1, b1, ..., W5, b5, W6, b6, W7, b7, W8, b8]."""
    convs, hw, classes, width, C = layout(toy)
    rng = np.random.default_rng(seed)
    params = []
    H = hw
    for F, k, s, p, pooled in convs:
        params.append(rng.normal(0, np.sqrt(2.0 / (C * k * k)), (F, C * k * k)))
        params.append(np.zeros((F, 1)))
        H = (H + 2 * p - k) // s + 1
        if pooled:
            H = (H - 3) // 2 + 1
        C = F
    D = C * H * H
    for din, dout in ((D, width), (width, width), (width, classes)):
        params.append(rng.normal(0, np.sqrt(2.0 / din), (din, dout)))
        params.append(np.zeros((1, dout)))
    return params


def data(toy, N, seed=1):
    convs, hw, classes, width, C = layout(toy)
    rng = np.random.default_rng(seed)
    X = rng.uniform(0, 1, (N, C * hw * hw))
    labels = rng.integers(0, classes, N)
    Y = np.zeros((N, classes))
    Y[np.arange(N), labels] = 1.0
    return X, Y, labels


class Step:
    """One training step on the CUDA backend g (its run dtype: float64 or float32)."""

    def __init__(self, g, toy, params, N):
        from dmlpy.backends.cuda import reduce, rows
        self.g, self.toy, self.N = g, toy, N
        self.reduce, self.rows = reduce, rows
        self.convs, self.hw, self.classes, self.width, self.C = layout(toy)
        self.params = [g.matrix(p) for p in params]
        self.vel = [g.zeros(p.shape) for p in params]
        s = (4, 3)
        self.relu = Program.single("MAX2", "X", 0)
        self.relu_back = Program("R = (X > 0) * D", {"X": s, "D": s})
        self.add_row = Program.single("ADD", "X", "b")
        self.dscores = Program("R = (P - Y) / n", {"P": s, "Y": s}, scalars=("n",))
        self.xent = Program("R = sum(Y * log(P + 1e-30))", {"Y": s, "P": s})
        self.lars = Lars()

    def forward(self, X, Y):
        g, N = self.g, self.N
        a, C, H = X, self.C, self.hw
        cache = []
        for i, (F, k, s, p, pooled) in enumerate(self.convs):
            W, b = self.params[2 * i], self.params[2 * i + 1]
            z = self.rows.bias_add(g.conv2d(a, W, N, C, H, H, F, k, k, s, s, p, p), b)
            Hc = (H + 2 * p - k) // s + 1
            r = self.relu(g, X=z)
            cache.append((a, C, H, z, r, Hc))
            a, H, C = r, Hc, F
            if pooled:
                a = g.max_pool(r, N, F, Hc, Hc, 3, 3, 2, 2, 0, 0)
                H = (Hc - 3) // 2 + 1
        fc = []
        base = 2 * len(self.convs)
        for j in range(3):
            W, b = self.params[base + 2 * j], self.params[base + 2 * j + 1]
            z = self.add_row(g, X=g.matmul(a, W), b=b)
            fc.append((a, z))
            a = self.relu(g, X=z) if j < 2 else z
        P = self.rows.softmax(a)
        loss = -self.xent(g, Y=Y, P=P) / N
        return loss, P, cache, fc

    def backward(self, P, Y, cache, fc):
        g, N = self.g, self.N
        grads = [None] * len(self.params)
        base = 2 * len(self.convs)
        d = self.dscores(g, P=P, Y=Y, n=float(N))
        for j in (2, 1, 0):
            a, z = fc[j]
            if j < 2:
                d = self.relu_back(g, X=z, D=d)
            grads[base + 2 * j] = g.matmul_tn(a, d)
            grads[base + 2 * j + 1] = self.reduce.by_col(d, "sum")
            d = g.matmul_nt(d, self.params[base + 2 * j])
        for i in range(len(self.convs) - 1, -1, -1):
            F, k, s, p, pooled = self.convs[i]
            a, C, H, z, r, Hc = cache[i]
            if pooled:
                d = g.max_pool_backward(r, d, N, F, Hc, Hc, 3, 3, 2, 2, 0, 0)
            d = self.relu_back(g, X=z, D=d)
            dims = (N, C, H, H, F, k, k, s, s, p, p)
            grads[2 * i] = g.conv2d_backward_filter(a, d, *dims)
            cols = self.reduce.by_col(d, "sum")                   # 1 x F*Hc*Hc
            grads[2 * i + 1] = self.reduce.by_row(cols.reshape(F, Hc * Hc), "sum")
            if i:
                d = g.conv2d_backward_data(self.params[2 * i], d, *dims)
        return grads

    def update(self, grads):
        for i, (W, dW, v) in enumerate(zip(self.params, grads, self.vel)):
            self.params[i], self.vel[i] = self.lars(self.g, W, dW, v)

    def __call__(self, X, Y):
        loss, P, cache, fc = self.forward(X, Y)
        grads = self.backward(P, Y, cache, fc)
        self.update(grads)
        return loss, grads


class TorchStep:
    """The same step in PyTorch (autograd; the LARS update per parameter, in place)."""

    def __init__(self, torch, device, dtype, toy, params, N):
        self.torch, self.F = torch, torch.nn.functional
        self.convs = layout(toy)[0]
        self.C, self.hw = layout(toy)[4], layout(toy)[1]
        self.params = []
        for i, p in enumerate(params):
            t = torch.tensor(p, dtype=dtype, device=device)
            if i < 2 * len(self.convs):
                if i % 2 == 0:
                    F, k = self.convs[i // 2][:2]
                    t = t.reshape(F, -1, k, k)
                else:
                    t = t.reshape(-1)
            self.params.append(t.requires_grad_(True))
        self.vel = [torch.zeros_like(p) for p in self.params]

    def __call__(self, X, labels):
        torch, F = self.torch, self.F
        a = X.reshape(X.shape[0], self.C, self.hw, self.hw)
        for i, (_, k, s, p, pooled) in enumerate(self.convs):
            a = F.relu(F.conv2d(a, self.params[2 * i], self.params[2 * i + 1], s, p))
            if pooled:
                a = F.max_pool2d(a, 3, 2)
        a = a.reshape(a.shape[0], -1)
        base = 2 * len(self.convs)
        for j in range(3):
            a = torch.addmm(self.params[base + 2 * j + 1], a, self.params[base + 2 * j])
            if j < 2:
                a = F.relu(a)
        loss = F.cross_entropy(a, labels)
        grads = torch.autograd.grad(loss, self.params)
        with torch.no_grad():
            for W, dW, v in zip(self.params, grads, self.vel):
                torch_lars(torch, W, dW, v)
        return loss, grads
