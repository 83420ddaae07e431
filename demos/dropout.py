"""Dropout: zero a fraction p of activations, scale the rest by 1/(1-p), and switch off in eval.

Each training step sees a different thinned network, so no unit can count on any
other being there. Scaling the survivors by 1/(1-p) ("inverted dropout") keeps
every activation's expected value unchanged, which is why evaluation can simply
turn dropout off without rescaling anything.
"""

import torch
from torch import nn

from demos.harness import Demo

CONCEPTS = ["dropout"]


def run(demo: Demo) -> None:
    p, n = 0.3, 200_000
    drop = nn.Dropout(p)  # no parameters; train mode by default
    torch.manual_seed(0)  # the masks come from the global generator
    out = drop(torch.ones(n, device=demo.device))

    # Each unit is dropped independently with probability p: the fraction is binomial.
    dropped = (out == 0).double().mean()
    sigma = (p * (1 - p) / n) ** 0.5
    demo.between(
        "the dropped fraction is within 5 sigma of p = 0.3", dropped, p - 5 * sigma, p + 5 * sigma
    )
    demo.close(
        "survivors are scaled by exactly 1/(1-p)",
        out[out != 0],
        torch.full_like(out[out != 0], 1 / (1 - p)),
    )

    # Inverted scaling keeps the expectation: average 4000 independent draws per feature
    # and compare with the input, in units of the Monte Carlo standard error.
    draws = 4000
    x = demo.randn(64, seed=1)
    torch.manual_seed(1)
    mask = (drop(torch.ones(draws, 64, device=demo.device)) != 0).float()  # keep-masks
    stderr = x.abs() * (p / (1 - p) / draws) ** 0.5

    def worst_z(estimate: torch.Tensor) -> torch.Tensor:
        return ((estimate.mean(0) - x) / stderr).abs().max()

    demo.at_most(
        "E[dropout(x)] = x: every feature within 5 standard errors",
        worst_z(mask * x / (1 - p)),
        5.0,
    )
    # Negative control: the same masks without the 1/(1-p) scale shrink x to (1-p) x.
    demo.at_most(
        "without 1/(1-p) the mean is still x within 5 standard errors",
        worst_z(mask * x),
        5.0,
        negative=True,
    )

    # At evaluation time dropout does nothing at all.
    drop.eval()
    demo.equal("in eval mode dropout is the identity", drop(x), x)
