"""Dropout: zero a fraction p of activations, scale the rest by 1/(1-p), and switch off in eval.

Each training step sees a different thinned network, so no unit can count on any
other being there. Scaling the survivors by 1/(1-p) ("inverted dropout") keeps
every activation's expected value unchanged, which is why evaluation can simply
turn dropout off without rescaling anything.
"""

import torch
import torch.nn.functional as F

from demos.harness import Demo

CONCEPTS = ["dropout"]


def dropout(x: torch.Tensor, p: float, training: bool, generator: torch.Generator) -> torch.Tensor:
    """Inverted dropout written out: keep each unit with probability 1 - p, then rescale."""
    if not training:
        return x  # evaluation uses the whole network, with nothing to undo
    keep = torch.rand(x.shape, generator=generator).to(x.device) >= p
    return x * keep / (1 - p)


def run(demo: Demo) -> None:
    p, n = 0.3, 200_000
    ones = torch.ones(n, device=demo.device)
    out = dropout(ones, p, True, demo.generator(0))

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
    # PyTorch's own dropout (its masks come from the global generator, so only the values
    # it can produce are comparable): the same two values, 0 and 1/(1-p).
    torch.manual_seed(0)
    demo.close(
        "the values it produces are those of F.dropout",
        out.unique(),
        F.dropout(ones, p, training=True).unique(),
    )

    # Inverted scaling keeps the expectation: average 4000 independent draws per feature
    # and compare with the input, in units of the Monte Carlo standard error. A kept unit
    # is x / (1-p) with probability 1-p, so one draw has variance x^2 p / (1-p).
    draws = 4000
    x = demo.randn(64, seed=1)
    thinned = dropout(x.expand(draws, 64), p, True, demo.generator(1))
    stderr = x.abs() * (p / (1 - p) / draws) ** 0.5

    def worst_z(estimate: torch.Tensor) -> torch.Tensor:
        return ((estimate.mean(0) - x) / stderr).abs().max()

    unbiased = demo.at_most(
        "the mean of dropout(x) over draws is x: every feature within 5 standard errors",
        worst_z(thinned),
        5.0,
    )
    # Negative control: the same masks without the 1/(1-p) scale shrink x to (1-p) x.
    unbiased.broken(
        "without 1/(1-p) the mean is (1-p) x, many errors away", worst_z(thinned * (1 - p))
    )

    # At evaluation time dropout does nothing at all: a layer followed by dropout computes
    # exactly what the layer alone does, with no rescaling to undo.
    W = demo.randn(64, 32, seed=2)
    demo.close(
        "in eval mode a layer with dropout equals the layer without it",
        dropout(torch.relu(x @ W), p, False, demo.generator(3)) @ W.T,
        torch.relu(x @ W) @ W.T,
    )


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    ("drop the 1/(1-p) rescaling", "return x * keep / (1 - p)", "return x * keep"),
    ("keep units with probability p instead of 1 - p", ">= p", "< p"),
    ("leave dropout on in evaluation", "if not training:", "if False:"),
]
