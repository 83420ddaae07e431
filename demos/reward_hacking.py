"""Reward hacking: pushing hard on a learned reward model raises, then lowers, the true reward.

A reward model is fitted to human preferences near the responses the model gives
today, and there it is a good guide. Optimising against it moves the policy far
from that data, where the proxy keeps promising more while the real goal gets
worse: Goodhart's law. Here a response has two traits, substance and agreement
with the user; a little agreement pleases raters, a lot of it is sycophancy.
"""

import torch
import torch.nn.functional as F

from demos.harness import Demo

CONCEPTS = ["reward-hacking"]


def true_reward(x: torch.Tensor) -> torch.Tensor:
    """Substance always helps; agreement helps a little, then flattery misleads the user."""
    return x[..., 0] + x[..., 1] - 0.5 * x[..., 1] ** 2


def climb(start: torch.Tensor, direction: torch.Tensor, steps: int = 40) -> torch.Tensor:
    """Gradient ascent on a linear reward: every step moves along its (normalised) gradient."""
    step = 0.2 * direction / direction.norm()
    return start + step * torch.arange(steps + 1, device=start.device)[:, None]


def run(demo: Demo) -> None:
    # Human preference pairs near today's responses, labelled by Bradley-Terry on the true reward.
    a, b = 0.5 * demo.randn(3000, 2, seed=0), 0.5 * demo.randn(3000, 2, seed=1)
    prefers_a = (demo.rand(3000, seed=2) < torch.sigmoid(true_reward(a) - true_reward(b))).float()

    # A linear reward model r(x) = w.x fitted by logistic regression on the pairs.
    w = torch.zeros(2, device=demo.device, requires_grad=True)
    for _ in range(200):
        loss = F.binary_cross_entropy_with_logits((a - b) @ w, prefers_a)
        (grad,) = torch.autograd.grad(loss, w)
        with torch.no_grad():
            w -= 2.0 * grad
    w = w.detach()
    # Near the data, agreement looked as good as substance, so the proxy prizes both alike.
    demo.between(
        "the reward model weighs agreement 0.5-2x as much as substance", w[1] / w[0], 0.5, 2.0
    )

    # Where it was trained the proxy is a good judge of which response is truly better.
    ta, tb = 0.5 * demo.randn(2000, 2, seed=3), 0.5 * demo.randn(2000, 2, seed=4)
    agree = ((ta - tb) @ w > 0) == (true_reward(ta) > true_reward(tb))
    demo.at_least(
        "on held-out pairs the reward model picks the truly better one >= 85%",
        agree.float().mean(),
        0.85,
    )

    # Optimise the policy's typical response against the proxy.
    path = climb(torch.zeros(2, device=demo.device), w)
    proxy, true = path @ w, true_reward(path)
    demo.at_least("the proxy reward rises at every step", (proxy[1:] - proxy[:-1]).min(), 1e-3)
    demo.at_least("the true reward first rises by >= 0.9", true.max() - true[0], 0.9)
    falls = demo.at_least("then falls >= 2 below its peak by the end", true.max() - true[-1], 2.0)

    # Negative control: optimising the true reward itself (its gradient at each step)
    # never gives back what it gained.
    x = torch.zeros(2, device=demo.device, requires_grad=True)
    honest = []
    for _ in range(40):
        (g,) = torch.autograd.grad(true_reward(x), x)
        with torch.no_grad():
            x += 0.2 * g / g.norm().clamp_min(1e-6)
            honest.append(true_reward(x))
    honest = torch.stack(honest)
    falls.broken("optimising the true reward does not", honest.max() - honest[-1])


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "no sycophancy: agreement never hurts the true reward",
        "return x[..., 0] + x[..., 1] - 0.5 * x[..., 1] ** 2",
        "return x[..., 0] + x[..., 1]",
    ),
    (
        "raters' preferences reversed: the Bradley-Terry labels use r(b) - r(a)",
        "torch.sigmoid(true_reward(a) - true_reward(b))",
        "torch.sigmoid(true_reward(b) - true_reward(a))",
    ),
    (
        "gradient descent instead of ascent on the proxy",
        "return start + step * torch.arange(steps + 1, device=start.device)[:, None]",
        "return start - step * torch.arange(steps + 1, device=start.device)[:, None]",
    ),
]
