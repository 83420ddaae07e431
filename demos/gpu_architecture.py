"""GPU architecture: by the roofline, a matmul is memory-bound unless it reuses each byte often.

Tensor cores do about 989 TFLOP/s in bf16 on an H100 SXM, but HBM delivers about
3.35 TB/s, so a kernel needs roughly 300 FLOPs per byte moved (the ridge point) before
arithmetic, not memory, limits it. A batch-1 decoding step multiplies a vector by each
weight matrix, about 1 FLOP per byte: memory-bound. Batching tokens, and tiling so that
each loaded tile is reused from on-chip memory, is how kernels climb the roofline.
"""

import time
from collections.abc import Callable

import torch

from demos.harness import Demo

CONCEPTS = ["gpu-architecture"]

PEAK_FLOPS, HBM_BYTES_PER_S = 989e12, 3.35e12  # H100 SXM: dense bf16, HBM3 bandwidth
RIDGE = PEAK_FLOPS / HBM_BYTES_PER_S  # FLOP per byte where the two roofs meet (~295)
SECTOR_BYTES, WARP = 32, 32  # the unit of a memory transaction; threads that issue together


def matmul_intensity(m: int, k: int, n: int) -> float:
    """FLOPs of an (m,k) @ (k,n) bf16 matmul per byte it must read (A, B) and write (C)."""
    flops = 2 * m * k * n  # one multiply and one add per (i, p, j)
    moved = (m * k + k * n + m * n) * torch.finfo(torch.bfloat16).bits // 8
    return flops / moved


def attainable(intensity: float) -> float:
    """The roofline: FLOP/s are capped by the compute roof or by what the bytes can feed."""
    return min(PEAK_FLOPS, intensity * HBM_BYTES_PER_S)


def flops_only(intensity: float) -> float:
    """The broken model: judge a kernel by its FLOPs alone, as if memory were free."""
    return PEAK_FLOPS


def blocks(size: int, tile: int) -> int:
    """Thread blocks needed to cover `size` rows or columns: round up, the last one partial."""
    return (size + tile - 1) // tile


def floor_blocks(size: int, tile: int) -> int:
    """The classic launch bug: size // tile blocks silently skips a partial last tile."""
    return size // tile


def tiled_matmul(
    a: torch.Tensor, b: torch.Tensor, tile: int, grid: Callable[[int, int], int] = blocks
) -> tuple[torch.Tensor, int]:
    """Blocked matmul, one (i, j) block of C per thread block; counts elements loaded from
    slow memory into the on-chip tile buffers."""
    (m, k), n = a.shape, b.shape[1]
    c, loads = torch.zeros(m, n, device=a.device, dtype=a.dtype), 0
    for i in range(0, grid(m, tile) * tile, tile):
        for j in range(0, grid(n, tile) * tile, tile):
            acc = torch.zeros_like(c[i : i + tile, j : j + tile])  # stays on chip
            for p in range(0, grid(k, tile) * tile, tile):
                a_tile, b_tile = a[i : i + tile, p : p + tile], b[p : p + tile, j : j + tile]
                loads += a_tile.numel() + b_tile.numel()
                acc += a_tile @ b_tile  # each loaded element takes part in `tile` multiply-adds
            c[i : i + tile, j : j + tile] = acc
    return c, loads


def sectors(view: torch.Tensor, rows: torch.Tensor, cols: torch.Tensor) -> int:
    """32-byte sectors a warp touches when thread t reads view[rows[t], cols[t]].

    Memory moves between DRAM and the cores in whole sectors, so a warp whose 32 addresses
    are adjacent (coalesced) needs few of them; scattered addresses need one each."""
    elements = rows * view.stride(0) + cols * view.stride(1)  # the tensor's real layout
    return torch.unique(elements * view.element_size() // SECTOR_BYTES).numel()


def run(demo: Demo) -> None:
    d = 4096  # a 4096-wide layer

    def f64(x: float | list[float]) -> torch.Tensor:  # float64, so the tolerance is 1e-7
        return demo.tensor(x, dtype=torch.float64)

    # Arithmetic intensity, worked by hand. Batch-1 decoding (1, d) @ (d, d) does 2d^2
    # FLOPs over 2(d^2 + 2d) bytes: 4096/4098. A d-token prefill does 2d^3 FLOPs over
    # 2 * 3d^2 bytes: d/3. A batch of 64 tokens: 128 d^2 / 2(d^2 + 128 d) = 64 d / (d + 128).
    intensity = demo.close(
        "bf16 matmul intensities: decode 4096/4098, prefill 4096/3, batch-64 decode 62.06",
        f64([matmul_intensity(1, d, d), matmul_intensity(d, d, d), matmul_intensity(64, d, d)]),
        f64([4096 / 4098, 4096 / 3, 64 * 4096 / 4224]),
    )
    intensity.broken(
        "counting FLOPs per element instead of per byte does not give them",
        f64([2 * d * d / (d * d + 2 * d), 2 * d**3 / (3 * d * d), 128 * d**2 / (d * d + 128 * d)]),
    )
    decode, prefill = matmul_intensity(1, d, d), matmul_intensity(d, d, d)
    demo.at_least(
        "a 4096-token prefill is over 2x past the ridge point: compute-bound", prefill / RIDGE, 2
    )

    # The roofline: batch-1 decoding reaches only intensity x bandwidth = 0.9995 * 3.35e12
    # FLOP/s, 0.34% of the tensor cores' peak. A model that counts FLOPs alone predicts 100%.
    fraction = demo.close(
        "batch-1 decoding attains 0.9995 * 3.35 / 989 = 0.34% of peak",
        f64(attainable(decode) / PEAK_FLOPS),
        f64(4096 / 4098 * 3.35 / 989),
    )
    fraction.broken("a FLOPs-only model says it runs at peak", f64(flops_only(decode) / PEAK_FLOPS))
    demo.close(
        "a 4096-token prefill attains the full peak",
        f64(attainable(prefill) / PEAK_FLOPS),
        f64(1.0),
    )

    # Tiling: a tile x tile block of C accumulates on chip while tiles of A and B stream
    # past. Sizes that are not multiples of the tile need a partial last block; a launch
    # of size // tile blocks skips it and leaves stale zeros in C. (float64, so the only
    # difference from one matmul is the summation order: ~1e-15, far inside 1e-7.)
    a = demo.randn(40, 72, seed=2, dtype=torch.float64)
    b = demo.randn(72, 56, seed=3, dtype=torch.float64)
    tiled = demo.close(
        "a 16x16-tiled matmul of 40x72 by 72x56 equals A @ B", tiled_matmul(a, b, 16)[0], a @ b
    )
    tiled.broken("launching size // tile blocks does not", tiled_matmul(a, b, 16, floor_blocks)[0])

    # Reuse: slow-memory traffic is 2MNK / tile elements, so bigger tiles mean fewer loads.
    # These counts follow from the loop structure itself, so they illustrate, not test.
    a, b = demo.randn(64, 64, seed=4), demo.randn(64, 64, seed=5)
    loads8, loads32 = tiled_matmul(a, b, 8)[1], tiled_matmul(a, b, 32)[1]
    demo.equal("with 8x8 tiles it loads 2MNK/8 elements", loads8, 2 * 64**3 // 8, illustration=True)
    demo.equal("32x32 tiles load 4x fewer", loads8, 4 * loads32, illustration=True)

    # Coalescing: thread t of a warp reads element (0, t) of a row-major float32 matrix.
    # Its 32 * 4 = 128 bytes are adjacent: 128 / 32 = 4 sectors. Walking down a column
    # instead puts each thread 256 * 4 bytes from the next: 32 sectors for the same data.
    x = torch.empty(256, 256, device=demo.device)
    t = torch.arange(WARP, device=demo.device)  # thread t reads column t, or row t
    zero = torch.zeros_like(t)
    row = demo.equal("a warp reading a float32 row touches 4 sectors", sectors(x, zero, t), 4)
    row.broken("one reading a column touches 32, 8x the traffic", sectors(x, t, zero))
    # x.T is a view with strides (1, 256): its rows are x's columns, so the same access
    # pattern is uncoalesced until .contiguous() lays the data out row-major again.
    demo.equal("a row of the view x.T touches 32 sectors", sectors(x.T, zero, t), 32)
    demo.equal("after .contiguous() it is 4 again", sectors(x.T.contiguous(), zero, t), 4)
    half = torch.empty(256, 256, device=demo.device, dtype=torch.bfloat16)
    demo.equal("a bf16 row is 64 bytes: 2 sectors", sectors(half, zero, t), 2)

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


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "judge by FLOPs alone (drop the memory roof)",
        "return min(PEAK_FLOPS, intensity * HBM_BYTES_PER_S)",
        "return PEAK_FLOPS",
    ),
    ("launch size // tile blocks", "return (size + tile - 1) // tile", "return size // tile"),
    (
        "count elements as bytes (forget the element size)",
        "elements * view.element_size() // SECTOR_BYTES",
        "elements // SECTOR_BYTES",
    ),
]
