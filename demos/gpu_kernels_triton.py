"""GPU kernels: fusion and tiling cut the bytes moved; arithmetic intensity says when that matters.

A GPU kernel reads its inputs from high-bandwidth memory (HBM), computes, and writes its
outputs back. An elementwise chain run as one kernel per operation (PyTorch eager mode)
writes every intermediate out and reads it back in; fused into one kernel (what Triton or
torch.compile generate) it reads x once and writes y once. Elementwise work does a few
flops per byte, far below the ridge point of a modern GPU, so it is memory-bound and the
bytes saved are the time saved. A matrix multiply reuses each loaded number many times; a
kernel that computes C in tiles, keeping a tile of A and of B in fast on-chip memory, reads
A and B fewer times the bigger the tile, which is how it becomes compute-bound.

Here "HBM" is a counter of bytes that every simulated kernel goes through: the kernels run
on the CPU in plain PyTorch (Triton itself needs a GPU), and the counts are exact.
"""

import torch
import torch.nn.functional as F

from demos.harness import Demo

CONCEPTS = ["gpu-kernels-triton"]

H100_RIDGE = 989e12 / 3.35e12  # dense bf16 flop/s over HBM bytes/s: ~295 flops per byte


class HBM:
    """Counts the bytes kernels read from and write to global memory."""

    def __init__(self) -> None:
        self.bytes = 0

    def load(self, t: torch.Tensor) -> torch.Tensor:
        self.bytes += t.numel() * t.element_size()
        return t.clone()

    def store(self, t: torch.Tensor) -> torch.Tensor:
        self.bytes += t.numel() * t.element_size()
        return t.clone()


# The chain y = gelu(x * a + b) * c, four elementwise operations.
OPS = [lambda t: t * 1.5, lambda t: t + 0.25, F.gelu, lambda t: t * 0.5]


def unfused(x: torch.Tensor, hbm: HBM) -> torch.Tensor:
    """One kernel per operation: each loads its input and stores its output."""
    for op in OPS:
        x = hbm.store(op(hbm.load(x)))
    return x


def fused(x: torch.Tensor, hbm: HBM, block: int, spill: bool = False) -> torch.Tensor:
    """One kernel: each program loads a block of x, applies every op on chip, stores once."""
    out = torch.empty_like(x)
    for start in range(0, x.numel(), block):
        t = hbm.load(x[start : start + block])
        for op in OPS:
            t = op(t)
            if spill:  # a broken "fusion" that still writes intermediates out and reads them
                t = hbm.load(hbm.store(t))
        out[start : start + block] = t
    hbm.store(out)
    return out


def tiled_matmul(a: torch.Tensor, b: torch.Tensor, tile: int, hbm: HBM) -> torch.Tensor:
    """C in tile x tile blocks; each step loads one tile of A and one of B (fast memory)."""
    m, k = a.shape
    n = b.shape[1]
    c = torch.empty(m, n, dtype=a.dtype, device=a.device)
    for i in range(0, m, tile):
        for j in range(0, n, tile):
            acc = torch.zeros(min(tile, m - i), min(tile, n - j), dtype=a.dtype, device=a.device)
            for p in range(0, k, tile):
                acc += hbm.load(a[i : i + tile, p : p + tile]) @ hbm.load(
                    b[p : p + tile, j : j + tile]
                )
            c[i : i + tile, j : j + tile] = hbm.store(acc)
    return c


def run(demo: Demo) -> None:
    n = 4096
    x = demo.randn(n, seed=0)

    # 1. Fusion changes where intermediates live, not the answer; and it moves 4x fewer bytes.
    eager, one = HBM(), HBM()
    y_eager, y_fused = unfused(x, eager), fused(x, one, block=256)
    demo.close("the fused kernel's output equals the op-by-op output", y_fused, y_eager)
    moved = demo.equal("fused: x read once, y written once (2 x N x 4 bytes)", one.bytes, 2 * n * 4)
    spilled = HBM()
    fused(x, spilled, block=256, spill=True)
    moved.broken("a kernel that spills its intermediates moves 8 N x 4 bytes", spilled.bytes)
    demo.equal("op by op: 4 kernels x (read + write) = 8 x N x 4 bytes", eager.bytes, 8 * n * 4)

    # 2. Arithmetic intensity (flops per byte moved). Counting each op as one flop per element
    #    (gelu costs more, which changes nothing here): op by op 4N / 32N = 0.125, fused 0.5.
    #    Both are hundreds of times below the ridge: elementwise work is memory-bound.
    fused_intensity = 4 * n / one.bytes
    demo.at_most(
        f"fused elementwise intensity / H100 ridge ({H100_RIDGE:.0f} flops/byte)",
        fused_intensity / H100_RIDGE,
        0.01,
    )

    # 3. Tiling. The tiled product equals torch's; bigger tiles reload A and B fewer times:
    #    bytes = 4 (M K N / T + K N M / T + M N), so intensity grows about linearly with T.
    m = k = nn = 64
    a, b = demo.randn(m, k, seed=1), demo.randn(k, nn, seed=2)
    small, big = HBM(), HBM()
    product = tiled_matmul(a, b, 32, big)
    tiled_matmul(a, b, 8, small)
    exact = demo.close("the tiled matmul equals torch.matmul", product, a @ b, atol=1e-4, rtol=1e-5)
    exact.broken(
        "a tiled matmul that overwrites instead of accumulating over K does not",
        tiled_matmul_overwrite(a, b, 32),
    )
    flops = 2 * m * k * nn
    demo.at_least(
        "intensity with 32 x 32 tiles / with 8 x 8 tiles",
        (flops / big.bytes) / (flops / small.bytes),
        3,
    )
    # At LLM scale (M = N = K = 8192, bf16) the least traffic, each matrix moved once, gives
    # 2 M^3 / (3 M^2 x 2 bytes) = M / 3 ~ 2,700 flops per byte: right of the ridge,
    # compute-bound. Tiles of T reloaded from HBM alone give only ~T / 2, which is why real
    # kernels use large tiles and lean on the L2 cache to approach that bound.
    big_m = 8192
    demo.at_least(
        "8192-cube bf16 matmul, each matrix moved once: intensity / H100 ridge",
        (2 * big_m**3 / (3 * big_m**2 * 2)) / H100_RIDGE,
        1.0,
    )


def tiled_matmul_overwrite(a: torch.Tensor, b: torch.Tensor, tile: int) -> torch.Tensor:
    """The classic tiling bug: each K-tile's product replaces the partial sum."""
    m, n = a.shape[0], b.shape[1]
    c = torch.empty(m, n, dtype=a.dtype, device=a.device)
    for i in range(0, m, tile):
        for j in range(0, n, tile):
            for p in range(0, a.shape[1], tile):
                c[i : i + tile, j : j + tile] = (
                    a[i : i + tile, p : p + tile] @ b[p : p + tile, j : j + tile]
                )
    return c


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "the fused kernel stores every block's result twice over",
        "    hbm.store(out)\n",
        "    hbm.store(out)\n    hbm.store(out)\n",
    ),
    (
        "the tiled matmul skips the last K tile",
        "for p in range(0, k, tile):",
        "for p in range(0, k - tile, tile):",
    ),
]
