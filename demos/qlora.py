"""QLoRA: a frozen base stored as 4-bit NF4 codes, with a LoRA adapter trained through it.

NF4 places its 16 levels at quantiles of a normal distribution, because trained weights are
roughly normal; after scaling each block of 64 by its absmax, that wastes fewer levels than
evenly spaced 4-bit integers. Two codes pack into a byte, so the base costs about half a
byte per weight instead of two. In the forward pass the codes are dequantised on the fly,
and gradients flow through them into the 16/32-bit adapter while the codes never change.
"""

import torch
from torch import nn

from demos._training import adam
from demos.harness import Demo

CONCEPTS = ["qlora"]

BLOCK = 64
# bitsandbytes' published NF4 table, which the construction below should reproduce.
NF4_TABLE = [
    -1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453,
    -0.28444138169288635, -0.18477343022823334, -0.09105003625154495, 0.0,
    0.07958029955625534, 0.16093020141124725, 0.24611230194568634, 0.33791524171829224,
    0.44070982933044434, 0.5626170039176941, 0.7229568362236023, 1.0,
]  # fmt: skip


def nf4_levels(device: torch.device) -> torch.Tensor:
    """8 positive and 7 negative normal quantiles plus an exact zero, scaled to [-1, 1]."""
    offset = (1 - 1 / 30 + 1 - 1 / 32) / 2  # keeps the extreme quantiles finite
    pos = torch.special.ndtri(torch.linspace(offset, 0.5, 9, dtype=torch.float64)[:-1])
    neg = -torch.special.ndtri(torch.linspace(offset, 0.5, 8, dtype=torch.float64)[:-1])
    levels = torch.cat([pos, neg, torch.zeros(1, dtype=torch.float64)]).sort().values
    return (levels / levels.abs().max()).float().to(device)


def quantise(w: torch.Tensor, levels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per block of 64: scale by absmax, snap to the nearest level, pack two codes a byte."""
    blocks = w.reshape(-1, BLOCK)
    absmax = blocks.abs().amax(1, keepdim=True)
    codes = ((blocks / absmax)[..., None] - levels).abs().argmin(-1).to(torch.uint8).flatten()
    return codes[0::2] << 4 | codes[1::2], absmax


def dequantise(
    packed: torch.Tensor, absmax: torch.Tensor, levels: torch.Tensor, shape: torch.Size
) -> torch.Tensor:
    codes = torch.stack([packed >> 4, packed & 15], dim=1).flatten().long()
    return (levels[codes].reshape(-1, BLOCK) * absmax).reshape(shape)


def nearest_level_reference(w: torch.Tensor, levels: torch.Tensor) -> torch.Tensor:
    """What quantise-then-dequantise must give, found another way: no packing, no argmin.

    The levels are sorted, so the nearest one is found by bucketing w / absmax between
    the midpoints of neighbouring levels.
    """
    blocks = w.reshape(-1, BLOCK)
    absmax = blocks.abs().amax(1, keepdim=True)
    midpoints = (levels[1:] + levels[:-1]) / 2
    index = torch.bucketize((blocks / absmax).contiguous(), midpoints)
    return (levels[index] * absmax).reshape(w.shape)


def fit_adapter(
    demo: Demo,
    packed: torch.Tensor,
    absmax: torch.Tensor,
    levels: torch.Tensor,
    x: torch.Tensor,
    y: torch.Tensor,
    a_init: float,
) -> float:
    """Train LoRA (r = 4) over the 4-bit base; returns the final over the initial loss."""
    shape = torch.Size([y.shape[1], x.shape[1]])
    torch.manual_seed(0)
    A = nn.Parameter(a_init * torch.randn(4, shape[1], device=demo.device))
    B = nn.Parameter(torch.zeros(shape[0], 4, device=demo.device))
    losses = []

    def loss_at(_: int) -> torch.Tensor:
        base = dequantise(packed, absmax, levels, shape)  # on the fly, as QLoRA does
        loss = (x @ base.T + x @ A.T @ B.T - y).pow(2).mean()
        losses.append(float(loss.detach()))
        return loss

    adam([A, B], loss_at, 100, lr=0.03)  # only the adapter is trained
    return losses[-1] / losses[0]


def run(demo: Demo) -> None:
    levels = nf4_levels(demo.device)
    demo.close(
        "normal quantiles reproduce the published NF4 table",
        levels,
        demo.tensor(NF4_TABLE),
        atol=1e-6,
        rtol=0,
    )

    # Quantise a normally distributed weight matrix block by block, with NF4 and with
    # plain absmax int4 (round(7 w / absmax), levels k / 7 for k = -7..7).
    int4 = torch.arange(-7, 8, device=demo.device) / 7

    def error(weights: torch.Tensor, table: torch.Tensor) -> torch.Tensor:
        p, a = quantise(weights, table)
        return (weights - dequantise(p, a, table, weights.shape)).pow(2).mean()

    w = 0.05 * demo.randn(64, 128, seed=0)
    gain = 1 - error(w, levels) / error(w, int4)
    nf4_wins = demo.at_least("on normal weights NF4 has >= 14% less error than int4", gain, 0.14)
    # Negative control: NF4's bet on normality. On uniformly spread weights it loses.
    flat = 0.1 * demo.rand(64, 128, seed=4) - 0.05
    nf4_wins.broken("on uniform weights it does not", 1 - error(flat, levels) / error(flat, int4))

    # The round trip through packed 4-bit codes is exactly nearest-level rounding.
    packed, absmax = quantise(w, levels)
    w_nf4 = dequantise(packed, absmax, levels, w.shape)
    demo.equal(
        "dequantise(quantise(w)) is w rounded to the nearest NF4 level of its block",
        w_nf4,
        nearest_level_reference(w, levels),
    )
    # Storage: half a byte per weight plus one fp32 absmax per 64 weights; 16-bit takes 2.
    per_weight = (packed.nbytes + absmax.nbytes) / w.numel()
    demo.close(
        "4-bit storage is 0.5625 bytes per weight (70B: ~39 GB, not 140)", per_weight, 0.5625
    )

    # QLoRA fine-tuning: the target is the full-precision weight plus a rank-4 change.
    delta = demo.randn(64, 4, seed=1) @ demo.randn(4, 128, seed=2) * 0.02
    x = demo.randn(256, 128, seed=3)
    y = x @ (w + delta).T
    before = packed.clone()
    ratio = fit_adapter(demo, packed, absmax, levels, x, y, a_init=0.1)
    trains = demo.at_most("a LoRA adapter on the 4-bit base cuts the loss 10x", ratio, 0.1)
    # Only A and B are handed to the optimiser, so the codes cannot change: shown, not claimed.
    demo.equal(
        "the packed 4-bit codes are untouched by training", packed, before, illustration=True
    )
    # The loss left is the quantisation error, which a rank-4 adapter cannot fully undo.
    floor = (x @ (w - w_nf4).T).pow(2).mean() / (x @ (w_nf4 - w - delta).T).pow(2).mean()
    demo.at_most(
        "it ends within 2x of the loss the quantisation error alone sets", ratio / floor, 2.0
    )
    # Negative control: start A at zero as well as B. Each then gets zero gradient
    # (dL/dA goes through B, dL/dB through A), so nothing trains.
    trains.broken(
        "with A = B = 0 at the start nothing trains",
        fit_adapter(demo, packed, absmax, levels, x, y, a_init=0.0),
    )


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "unpack the two nibbles of a byte in the wrong order",
        "torch.stack([packed >> 4, packed & 15], dim=1)",
        "torch.stack([packed & 15, packed >> 4], dim=1)",
    ),
    (
        "forget to rescale by the block's absmax when dequantising",
        "return (levels[codes].reshape(-1, BLOCK) * absmax).reshape(shape)",
        "return levels[codes].reshape(shape)",
    ),
    (
        "initialise A to zero as well as B",
        "x, y, a_init=0.1)",
        "x, y, a_init=0.0)",
    ),
]
