"""Sinusoidal positional encoding: position as sines and cosines, so an offset is a rotation.

Self-attention on its own cannot tell word order: permute the tokens and the outputs are just
permuted. The original transformer adds PE(p), pairs of sin and cos of p at geometrically
spaced frequencies: PE(p, 2i) = sin(p / 10000^(2i/d)), PE(p, 2i+1) = cos(p / 10000^(2i/d)).
Moving k positions rotates each pair by a fixed angle, whatever p is, so the dot product
of two encodings depends only on how far apart they are.
"""

from collections.abc import Callable

import torch

from demos.harness import Demo

CONCEPTS = ["positional-encoding"]


def sinusoids(positions: torch.Tensor, d: int) -> torch.Tensor:
    freqs = 10000.0 ** (-torch.arange(0, d, 2, dtype=positions.dtype, device=positions.device) / d)
    angles = positions[:, None] * freqs  # (P, d/2)
    return torch.stack([angles.sin(), angles.cos()], dim=-1).flatten(1)  # sin, cos interleaved


def add_positions(x: torch.Tensor) -> torch.Tensor:
    """What the transformer's input layer does: token vectors plus the encoding of 0, 1, ..."""
    positions = torch.arange(len(x), dtype=x.dtype, device=x.device)
    return x + sinusoids(positions, x.shape[-1])


def self_attention(x: torch.Tensor) -> torch.Tensor:
    return torch.softmax(x @ x.T / x.shape[-1] ** 0.5, dim=-1) @ x


def run(demo: Demo) -> None:
    # Worked example, d = 4: the two frequencies are 1 and 10000^(-2/4) = 0.01, so position 2
    # is (sin 2, cos 2, sin 0.02, cos 0.02), the numbers below written out from a calculator.
    demo.close(
        "PE(2) with d = 4 is (sin 2, cos 2, sin 0.02, cos 0.02)",
        sinusoids(demo.tensor([2.0], dtype=torch.float64), 4)[0],
        [0.9092974268256817, -0.4161468365471424, 0.01999866669333308, 0.9998000066665778],
        rtol=0,
        atol=1e-12,
    )

    d, k = 16, 5
    p = torch.arange(50, dtype=torch.float64, device=demo.device)
    pe, shifted = sinusoids(p, d), sinusoids(p + k, d)

    # A shift by k is one block-diagonal rotation R_k, the same for every position:
    # (sin(a + b), cos(a + b)) = [[cos b, sin b], [-sin b, cos b]] (sin a, cos a).
    # The angles b = k w_i come from the frequencies written another way: w_i = exp(-2i ln(1e4)/d).
    i = torch.arange(d // 2, dtype=torch.float64, device=demo.device)
    b = k * torch.exp(-2 * i * torch.log(torch.tensor(10000.0, dtype=torch.float64)) / d)
    blocks = torch.stack(
        [torch.stack([b.cos(), b.sin()], -1), torch.stack([-b.sin(), b.cos()], -1)], -2
    )
    R = torch.block_diag(*blocks)
    demo.close("PE(p + 5) = R_5 PE(p) with one R_5 for all 50 positions", pe @ R.T, shifted)

    # Hence PE(p) . PE(p + k) is the same for every p: sum_i cos(k w_i).
    dots = (pe * shifted).sum(-1)
    relative = demo.close(
        "PE(p) . PE(p + 5) is sum_i cos(5 w_i) at every p", dots, b.cos().sum().expand(50)
    )
    # Negative control: learned-style absolute vectors (random here) carry no such structure.
    table = demo.randn(60, d, seed=0, dtype=torch.float64)
    random_dots = (table[:50] * table[k : k + 50]).sum(-1)
    relative.broken(
        "random absolute embeddings give no p-independent dot product",
        random_dots,
        random_dots.mean().expand(50),
    )

    # Why any of this is needed: without positions, attention is permutation-equivariant.
    x = demo.randn(8, d, seed=1, dtype=torch.float64)
    perm = torch.randperm(8, generator=demo.generator(2)).to(demo.device)
    equivariant = demo.close(
        "without PE, permuting the tokens only permutes the outputs",
        self_attention(x[perm]),
        self_attention(x)[perm],
    )
    equivariant.broken(
        "with PE added, it changes the outputs themselves",
        self_attention(add_positions(x[perm])),
        self_attention(add_positions(x))[perm],
    )

    # So a summary of the sequence (the mean output) can tell a sentence from a shuffle of
    # it only when positions are added.
    def order_sensitivity(embed: Callable[[torch.Tensor], torch.Tensor]) -> torch.Tensor:
        before = self_attention(embed(x)).mean(0)
        after = self_attention(embed(x[perm])).mean(0)
        return (before - after).abs().max()

    sees_order = demo.at_least(
        "with PE, the pooled output of a shuffled sequence differs by > 0.05",
        order_sensitivity(add_positions),
        0.05,
    )
    sees_order.broken("without PE it does not", order_sensitivity(lambda t: t))


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "frequencies 10000^(+2i/d): the exponent's sign flipped",
        "10000.0 ** (-torch.arange(0, d, 2,",
        "10000.0 ** (torch.arange(0, d, 2,",
    ),
    (
        "positions counted from 1: every encoding one step off",
        "angles = positions[:, None] * freqs",
        "angles = (positions[:, None] + 1) * freqs",
    ),
    (
        "forget to add the encoding to the tokens",
        "return x + sinusoids(positions, x.shape[-1])",
        "return x",
    ),
]
