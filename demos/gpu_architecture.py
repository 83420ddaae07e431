"""GPU architecture: by the roofline, a matmul is memory-bound unless it reuses each byte often.

Tensor cores do about 989 TFLOP/s in bf16 on an H100 SXM, but HBM delivers about
3.35 TB/s, so a kernel needs roughly 300 FLOPs per byte moved (the ridge point) before
arithmetic, not memory, limits it. A batch-1 decoding step multiplies a vector by each
weight matrix, about 1 FLOP per byte: memory-bound. Batching tokens, and tiling so that
each loaded tile is reused from on-chip memory, is how kernels climb the roofline.
"""

import time

import torch

from demos.harness import Demo

CONCEPTS = ["gpu-architecture"]

PEAK_FLOPS, HBM_BYTES_PER_S = 989e12, 3.35e12  # H100 SXM: dense bf16, HBM3 bandwidth
RIDGE = PEAK_FLOPS / HBM_BYTES_PER_S  # FLOP per byte where the two roofs meet (~295)


def matmul_intensity(m: int, k: int, n: int) -> float:
    """FLOPs of an (m,k) @ (k,n) bf16 matmul per byte it must read (A, B) and write (C)."""
    flops = 2 * m * k * n  # one multiply and one add per (i, p, j)
    moved = (m * k + k * n + m * n) * torch.finfo(torch.bfloat16).bits // 8
    return flops / moved


def tiled_matmul(a: torch.Tensor, b: torch.Tensor, tile: int) -> tuple[torch.Tensor, int]:
    """Blocked matmul; counts elements loaded from slow memory into the on-chip tile buffers."""
    m, k = a.shape
    n = b.shape[1]
    c, loads = torch.zeros(m, n, device=a.device, dtype=a.dtype), 0
    for i in range(0, m, tile):
        for j in range(0, n, tile):
            acc = torch.zeros(tile, tile, device=a.device, dtype=a.dtype)  # stays on chip
            for p in range(0, k, tile):
                a_tile, b_tile = a[i : i + tile, p : p + tile], b[p : p + tile, j : j + tile]
                loads += a_tile.numel() + b_tile.numel()
                acc += a_tile @ b_tile  # each loaded element takes part in `tile` multiply-adds
            c[i : i + tile, j : j + tile] = acc
    return c, loads


def run(demo: Demo) -> None:
    d = 4096  # a 4096-wide layer

    decode = matmul_intensity(1, d, d)  # one token through a weight matrix
    demo.between("batch-1 decoding does about 1 FLOP per byte", decode, 0.9, 1.1)
    demo.at_most("so it sits far below the ridge point: memory-bound", decode / RIDGE, 0.1)
    prefill = matmul_intensity(d, d, d)  # a 4096-token prompt at once
    demo.at_least(
        "a 4096-token prefill is over 2x past the ridge: compute-bound", prefill / RIDGE, 2
    )
    # For a batch of M << d tokens, the weights dominate the bytes, so intensity ~ M.
    demo.between(
        "batching 64 decode tokens raises intensity about 64-fold",
        matmul_intensity(64, d, d) / decode,
        50,
        64,
    )

    # Tiling: a tile x tile block of C accumulates on chip while tiles of A and B stream
    # past, so slow-memory traffic is 2MNK / tile elements; bigger tiles mean more reuse.
    a, b = demo.randn(64, 64, seed=2), demo.randn(64, 64, seed=3)
    c8, loads8 = tiled_matmul(a, b, 8)
    c32, loads32 = tiled_matmul(a, b, 32)
    tol = 1e-3 if demo.on_gpu else 1e-4
    demo.close(
        "the tiled matmul equals A @ B at both tile sizes",
        torch.stack([c8, c32]),
        torch.stack([a @ b] * 2),
        atol=tol,
    )
    demo.equal("with 8x8 tiles it loads 2MNK/8 elements", loads8, 2 * 64**3 // 8)
    demo.equal("32x32 tiles load 4x fewer elements than 8x8 tiles", loads8, 4 * loads32)
    demo.equal("FLOPs per loaded element equal the tile size", 2 * 64**3 // loads32, 32)

    # Negative control: believing FLOPs alone decide, call batch-1 decoding compute-bound.
    demo.at_least("batch-1 decoding is compute-bound", decode / RIDGE, 1.0, negative=True)

    if demo.device.type == "cuda":
        big = demo.randn(d, d, seed=4, dtype=torch.bfloat16)
        vec = demo.randn(1, d, seed=5, dtype=torch.bfloat16)

        def flops_per_s(x: torch.Tensor, reps: int) -> float:
            for _ in range(3):
                x @ big
            torch.cuda.synchronize()
            start = time.perf_counter()
            for _ in range(reps):
                x @ big
            torch.cuda.synchronize()
            return 2 * x.shape[0] * d * d * reps / (time.perf_counter() - start)

        demo.at_least(
            "a 4096^3 bf16 matmul achieves over 20x the FLOP/s of a batch-1 GEMV",
            flops_per_s(big, 20) / flops_per_s(vec, 200),
            20,
        )
    else:
        demo.not_claimed(
            "a square bf16 matmul achieves far more FLOP/s than a batch-1 GEMV on a GPU",
            "measured only on a CUDA GPU; CPU timings say nothing about tensor cores or HBM",
        )
