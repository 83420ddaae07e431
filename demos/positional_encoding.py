"""Sinusoidal positional encoding: position as sines and cosines, so an offset is a rotation.

Self-attention on its own cannot tell word order: permute the tokens and the outputs are just
permuted. The original transformer adds PE(p), pairs of sin and cos of p at geometrically
spaced frequencies. Moving k positions rotates each pair by a fixed angle, whatever p is,
so the dot product of two encodings depends only on how far apart they are.
"""

import torch

from demos.harness import Demo

CONCEPTS = ["positional-encoding"]


def sinusoids(positions: torch.Tensor, d: int) -> torch.Tensor:
    freqs = 10000.0 ** (-torch.arange(0, d, 2, dtype=positions.dtype, device=positions.device) / d)
    angles = positions[:, None] * freqs  # (P, d/2)
    return torch.stack([angles.sin(), angles.cos()], dim=-1).flatten(1)  # sin, cos interleaved


def self_attention(x: torch.Tensor) -> torch.Tensor:
    return torch.softmax(x @ x.T / x.shape[-1] ** 0.5, dim=-1) @ x


def run(demo: Demo) -> None:
    d, k = 16, 5
    p = torch.arange(50, dtype=torch.float64, device=demo.device)
    pe, shifted = sinusoids(p, d), sinusoids(p + k, d)

    # A shift by k is one block-diagonal rotation R_k, the same for every position:
    # (sin(a + b), cos(a + b)) = [[cos b, sin b], [-sin b, cos b]] (sin a, cos a).
    b = k * 10000.0 ** (-torch.arange(0, d, 2, dtype=torch.float64, device=demo.device) / d)
    blocks = torch.stack(
        [torch.stack([b.cos(), b.sin()], -1), torch.stack([-b.sin(), b.cos()], -1)], -2
    )
    R = torch.block_diag(*blocks)
    demo.close("PE(p + 5) = R_5 PE(p) with one R_5 for all 50 positions", pe @ R.T, shifted)

    # Hence PE(p) . PE(p + k) is the same for every p: sum_i cos(k w_i).
    dots = (pe * shifted).sum(-1)
    demo.close("PE(p) . PE(p + 5) is the same at every p", dots, b.cos().sum().expand(50))
    demo.close(
        "every encoding has squared norm d/2", (pe * pe).sum(-1), torch.full_like(dots, d / 2)
    )

    # Negative control: learned-style absolute vectors (random here) carry no such structure.
    table = demo.randn(60, d, seed=0, dtype=torch.float64)
    random_dots = (table[:50] * table[k : k + 50]).sum(-1)
    demo.close(
        "random absolute embeddings also give a p-independent dot product",
        random_dots,
        random_dots.mean().expand(50),
        negative=True,
    )

    # Why any of this is needed: without positions, attention is permutation-equivariant.
    x = demo.randn(8, d, seed=1, dtype=torch.float64)
    perm = torch.randperm(8, generator=demo.generator(2)).to(demo.device)
    demo.close(
        "without PE, permuting the tokens only permutes the outputs",
        self_attention(x[perm]),
        self_attention(x)[perm],
    )
    pos = sinusoids(torch.arange(8, dtype=torch.float64, device=demo.device), d)
    demo.close(
        "with PE added, permuting the tokens still only permutes the outputs",
        self_attention(x[perm] + pos),
        self_attention(x + pos)[perm],
        negative=True,
    )
