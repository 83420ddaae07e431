"""Probability and information: expectations, Bayes' rule, softmax, entropy, cross-entropy and KL.

A language model outputs a distribution over next tokens, and its loss is the
cross-entropy of that distribution against the data. Cross-entropy splits into the
data's own entropy plus the KL divergence from the data to the model, so it can never
fall below the entropy, and minimising it is minimising KL.
"""

import math

import torch
import torch.nn.functional as F

from demos.harness import Demo

CONCEPTS = ["probability"]


def softmax(z: torch.Tensor) -> torch.Tensor:
    """Straight from the definition: exponentiate, then divide by the total."""
    return z.exp() / z.exp().sum(-1, keepdim=True)


def entropy(p: torch.Tensor) -> torch.Tensor:
    return -(p * p.log()).sum(-1)


def cross_entropy(p: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
    return -(p * q.log()).sum(-1)


def kl(p: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
    return (p * (p / q).log()).sum(-1)


def run(demo: Demo) -> None:
    f64 = {"device": demo.device, "dtype": torch.float64}

    # The worked example: a fair die's expected value is (1 + ... + 6) / 6 = 3.5.
    faces = torch.arange(1, 7, **f64)
    demo.close("a fair die's expected value is 3.5", (faces / 6).sum(), 3.5)
    # Simulation: the mean of n rolls closes in on 3.5, its error shrinking like sqrt(35/12 / n).
    rolls = (demo.randint(6, 100_000, seed=0) + 1).double()
    n = torch.tensor([10, 100, 1_000, 10_000, 100_000], device=demo.device)
    running = rolls.cumsum(0)[n - 1] / n
    se = (35 / 12 / n).sqrt()
    demo.close(
        "the mean of 100,000 rolls is 3.5 to within 5 SE", running[-1], 3.5, atol=5 * se[-1].item()
    )
    demo.at_most(
        "at n = 10 ... 100,000 every running mean is within 5 SE",
        ((running - 3.5).abs() / se).max(),
        5.0,
    )

    # Bayes' rule: a test with 90% sensitivity and 5% false positives for a condition 1% have.
    prior, sens, false_pos = 0.01, 0.9, 0.05
    posterior = prior * sens / (prior * sens + (1 - prior) * false_pos)  # about 0.154
    sick = demo.rand(400_000, seed=1) < prior
    positive = torch.where(
        sick, demo.rand(400_000, seed=2) < sens, demo.rand(400_000, seed=3) < false_pos
    )
    freq = sick[positive].double().mean()
    se = math.sqrt(posterior * (1 - posterior) / int(positive.sum()))
    bayes = demo.between(
        "simulated P(sick | positive) matches Bayes' rule",
        freq,
        posterior - 5 * se,
        posterior + 5 * se,
    )
    # Negative control: confusing P(sick | positive) with P(positive | sick), about 0.9.
    bayes.broken("the simulated P(positive | sick) does not", positive[sick].double().mean())

    # Softmax turns logits into a distribution; adding a constant to every logit changes nothing.
    logits = demo.randn(8, 10, seed=4, dtype=torch.float64)
    probs = softmax(logits)
    demo.close("softmax rows sum to 1", probs.sum(-1), torch.ones(8, **f64))
    formula = demo.close("the formula equals torch.softmax", probs, torch.softmax(logits, -1))
    formula.broken("exp(z) without dividing by the total does not", logits.exp())
    # exp(z + c) = exp(c) exp(z), and the common factor exp(c) cancels in the division.
    shift = demo.close("softmax(z + 7) = softmax(z)", softmax(logits + 7), probs)
    # Negative control: multiplying the logits (a temperature) does change it.
    shift.broken("softmax(2 z) is not softmax(z)", softmax(2 * logits))

    # Cross-entropy against a one-hot target is minus the log-probability of the target.
    targets = demo.randint(10, 8, seed=5)
    demo.close(
        "F.cross_entropy = -mean log softmax at the target",
        F.cross_entropy(logits, targets),
        -torch.log_softmax(logits, -1)[torch.arange(8, device=demo.device), targets].mean(),
    )
    demo.close(
        "uniform logits cost ln 10",
        F.cross_entropy(torch.zeros(8, 10, **f64), targets),
        demo.tensor(math.log(10), dtype=torch.float64),
    )

    # CE(p, q) = H(p) + KL(p || q), and KL >= 0, so the cross-entropy never beats the entropy.
    p = torch.softmax(demo.randn(1000, 10, seed=6, dtype=torch.float64), -1)
    q = torch.softmax(demo.randn(1000, 10, seed=7, dtype=torch.float64), -1)
    demo.close("CE(p, q) = H(p) + KL(p || q)", cross_entropy(p, q), entropy(p) + kl(p, q))
    demo.at_least(
        "CE(p, q) - H(p) >= 0 for 1000 random pairs", (cross_entropy(p, q) - entropy(p)).min(), 0.0
    )
    divergence = demo.close(
        "F.kl_div agrees with the formula", F.kl_div(q.log(), p, reduction="none").sum(-1), kl(p, q)
    )
    # Negative control: KL is not symmetric, so swapping its arguments is a real bug.
    divergence.broken("KL(q || p), arguments swapped, does not", kl(q, p))


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "forget to normalise the softmax",
        "return z.exp() / z.exp().sum(-1, keepdim=True)",
        "return z.exp()",
    ),
    ("invert the ratio inside KL", "(p * (p / q).log())", "(p * (q / p).log())"),
    (
        "leave the false positives out of Bayes' denominator",
        "(prior * sens + (1 - prior) * false_pos)",
        "(prior * sens)",
    ),
]
