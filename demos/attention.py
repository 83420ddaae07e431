"""Attention: softmax(Q K^T / sqrt(d)) V, written out and checked against PyTorch's kernel.

Each query scores every key by a dot product, the scores become weights
through a softmax, and the output is the weighted mean of the values. The
1/sqrt(d) scale keeps the scores' spread near one whatever the head size;
without it the softmax saturates onto a single key.
"""

import math

import torch
import torch.nn.functional as F

from demos.harness import Demo

CONCEPTS = ["attention"]


def attention(
    q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, scale: bool = True
) -> torch.Tensor:
    scores = q @ k.transpose(-2, -1)
    if scale:
        scores = scores / math.sqrt(q.shape[-1])
    return torch.softmax(scores, dim=-1) @ v


def entropy(weights: torch.Tensor) -> torch.Tensor:
    return -(weights * weights.clamp_min(1e-30).log()).sum(-1).mean()


def run(demo: Demo) -> None:
    q, k, v = (demo.randn(2, 16, 64, seed=s) for s in range(3))

    # On a GPU, float32 SDPA runs a fused kernel (TF32 is off, see the runner) that
    # computes the softmax online and sums in another order: a few float32 ulps
    # (1.2e-7) times the 16 to 64 terms summed, for outputs of size about 1, so 2e-5.
    kernel = demo.close(
        "naive attention equals F.scaled_dot_product_attention",
        attention(q, k, v),
        F.scaled_dot_product_attention(q, k, v),
        atol=2e-5 if demo.on_gpu else 1e-5,
    )
    kernel.broken("without the 1/sqrt(d) scale it does not", attention(q, k, v, scale=False))

    weights = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(64), dim=-1)
    demo.close("each query's weights sum to one", weights.sum(-1), torch.ones(2, 16))

    # Keys and values are a set: shuffling them together changes nothing.
    perm = torch.randperm(16, generator=demo.generator(3)).to(demo.device)
    demo.close(
        "permuting keys and values together leaves the output unchanged",
        attention(q, k[:, perm], v[:, perm]),
        attention(q, k, v),
        atol=1e-5,
    )

    # The worked example: with d_k = 64, raw dot products of unit-variance vectors
    # have a spread of about sqrt(64) = 8; dividing by 8 brings it back to about 1.
    raw = (q @ k.transpose(-2, -1)).std()
    demo.between("unscaled scores spread about sqrt(64) = 8", raw, 6.5, 9.5)
    demo.between("scaled scores spread about 1", raw / 8, 0.8, 1.2)

    # Why the scale matters: scaled weights stay spread over the keys (entropy near
    # its maximum, log 16); unscaled, the softmax collapses onto one or two keys.
    spread = demo.at_least(
        "with 1/sqrt(d) the weights keep over half their maximum entropy",
        entropy(weights) / math.log(16),
        0.5,
    )
    spread.broken(
        "without it they do not",
        entropy(torch.softmax(q @ k.transpose(-2, -1), dim=-1)) / math.log(16),
    )


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    ("drop the 1/sqrt(d) scale", "scores = scores / math.sqrt(q.shape[-1])", "scores = scores"),
    (
        "softmax over the queries instead of the keys",
        "torch.softmax(scores, dim=-1) @ v",
        "torch.softmax(scores, dim=-2) @ v",
    ),
]
