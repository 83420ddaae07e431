"""Red-teaming: a gradient-guided attack (FGSM) breaks a classifier that random noise cannot budge.

A model can score well on its test set and still fail under an attacker who
searches for the inputs that break it. The fast gradient sign method is the
simplest automated attacker: nudge every input coordinate by eps in the
direction that raises the loss. In high dimensions those small nudges add up,
while random nudges of the same size mostly cancel, so random testing alone
overrates a model's robustness.
"""

import torch
import torch.nn.functional as F
from torch import nn

from demos.harness import Demo

CONCEPTS = ["red-teaming"]


def blobs(demo: Demo, n: int, d: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Two Gaussian classes whose means differ by 0.24 in each of d coordinates."""
    y = (demo.rand(n, seed=seed) > 0.5).long()
    return demo.randn(n, d, seed=seed + 1) + 0.12 * (2 * y - 1)[:, None], y


def run(demo: Demo) -> None:
    d, eps = 256, 0.25
    X, y = blobs(demo, 1000, d, seed=0)
    X_test, y_test = blobs(demo, 1000, d, seed=2)

    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(d, 32), nn.ReLU(), nn.Linear(32, 2)).to(demo.device)
    for _ in range(60):
        net.zero_grad()
        F.cross_entropy(net(X), y).backward()
        with torch.no_grad():
            for p in net.parameters():
                p -= 0.5 * p.grad

    with torch.no_grad():
        correct = net(X_test).argmax(1) == y_test
    demo.at_least(
        "the trained classifier is >= 90% accurate on held-out data", correct.float().mean(), 0.9
    )

    # FGSM: one gradient of the loss with respect to the input, then a step of eps along its sign.
    x = X_test.clone().requires_grad_(True)
    F.cross_entropy(net(x), y_test).backward()
    attack = eps * x.grad.sign()
    # Same budget for a random red-teamer: each coordinate moved by +-eps at random.
    noise = eps * demo.randn(1000, d, seed=9).sign()
    demo.close(
        "both perturbations move every coordinate by exactly eps",
        attack.abs(),
        noise.abs(),
        illustration=True,  # eps times a sign, by construction
    )

    def flipped(delta: torch.Tensor) -> torch.Tensor:
        """The fraction of correctly classified test points whose prediction the change flips."""
        with torch.no_grad():
            return (net(X_test + delta).argmax(1) != y_test)[correct].float().mean()

    # eps = 0.25 is a quarter of the per-coordinate noise the classes already have.
    breaks = demo.at_least("FGSM flips >= 80% of correct predictions", flipped(attack), 0.8)
    # The random red-teamer, scored on the attack's claim, finds little; and the classic sign
    # slip, stepping down the loss, only makes the model more sure of itself.
    breaks.broken("random +-eps noise does not", flipped(noise))
    breaks.broken("a step down the gradient (x - eps sign g) does not", flipped(-attack))
    demo.at_most("random +-eps noise flips <= 5% of them", flipped(noise), 0.05)

    # Why: FGSM shifts the logit gap by about eps * ||grad||_1, which grows like d, while
    # random signs shift it by about eps * ||grad||_2, which grows like sqrt(d).
    g = x.grad[correct]
    ratio = (g.abs().sum(1) / g.norm(dim=1)).mean()
    demo.at_least("||grad||_1 / ||grad||_2 is >= sqrt(d) / 2 = 8", ratio, 8.0)


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "step down the loss instead of up",
        "attack = eps * x.grad.sign()",
        "attack = -eps * x.grad.sign()",
    ),
    (
        "take the gradient towards a wrong label",
        "F.cross_entropy(net(x), y_test).backward()",
        "F.cross_entropy(net(x), 1 - y_test).backward()",
    ),
]
