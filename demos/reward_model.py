"""Reward model: a scalar head trained on pairwise preferences with the Bradley-Terry loss.

Under Bradley-Terry, P(chosen beats rejected) = sigmoid(r_chosen - r_rejected), so the loss
for one pair is -log sigmoid(r_chosen - r_rejected). Only score differences enter it: a
constant offset is invisible (its gradient is zero), which is why rewards are
normalised before RL. Trained on noisy simulated comparisons, the head recovers the
direction of the labellers' hidden reward; trained on coin-flip labels, it recovers nothing.
"""

import math

import torch
import torch.nn.functional as F
from torch import nn

from demos.harness import Demo

CONCEPTS = ["reward-model"]

D, PAIRS = 16, 4000


def bt_loss(chosen: torch.Tensor, rejected: torch.Tensor) -> torch.Tensor:
    return -F.logsigmoid(chosen - rejected).mean()


def fit(demo: Demo, x_chosen: torch.Tensor, x_rejected: torch.Tensor) -> nn.Linear:
    """Gradient descent on the Bradley-Terry loss of a linear scalar head."""
    torch.manual_seed(0)
    head = nn.Linear(D, 1).to(demo.device)  # stands in for the SFT model's new scalar head
    for _ in range(100):
        loss = bt_loss(head(x_chosen).squeeze(-1), head(x_rejected).squeeze(-1))
        grads = torch.autograd.grad(loss, list(head.parameters()))
        with torch.no_grad():
            for p, g in zip(head.parameters(), grads, strict=True):
                p -= 1.0 * g
    return head


def run(demo: Demo) -> None:
    # The checklist's pair: chosen scores 1.0, rejected 0.0.
    demo.close(
        "loss(1.0, 0.0) = log(1 + e^-1) = 0.3133",
        bt_loss(demo.tensor([1.0]), demo.tensor([0.0])),
        math.log(1 + math.exp(-1)),
    )
    scores = demo.randn(8, seed=0)
    demo.close("equal rewards give ln 2", bt_loss(scores, scores), math.log(2))
    demo.close(
        "adding 5 to every score leaves the loss unchanged",
        bt_loss(scores + 5, scores.flip(0) + 5),
        bt_loss(scores, scores.flip(0)),
    )

    # Simulated labellers: each response is a feature vector; they prefer the one with
    # higher hidden reward w* . x, noisily, with probability sigmoid of the difference.
    w_true = demo.randn(D, seed=1)
    a, b = demo.randn(PAIRS, D, seed=2), demo.randn(PAIRS, D, seed=3)
    a_wins = demo.rand(PAIRS, seed=4) < torch.sigmoid((a - b) @ w_true)
    x_chosen = torch.where(a_wins[:, None], a, b)
    x_rejected = torch.where(a_wins[:, None], b, a)

    head = fit(demo, x_chosen, x_rejected)
    cosine = F.cosine_similarity(head.weight[0], w_true, dim=0)
    recovers = demo.at_least(
        "the learned head points along the true reward (cos >= 0.95)", cosine, 0.95
    )

    # The bias is a constant offset on every score: it cancels in r_chosen - r_rejected.
    loss = bt_loss(head(x_chosen).squeeze(-1), head(x_rejected).squeeze(-1))
    (bias_grad,) = torch.autograd.grad(loss, head.bias)
    demo.close("the head's bias gets zero gradient", bias_grad, torch.zeros(1), atol=1e-7, rtol=0)

    # Held-out pairs: the learned scores rank them as the hidden reward does.
    c, d = demo.randn(2000, D, seed=5), demo.randn(2000, D, seed=6)
    with torch.no_grad():
        agree = ((head(c) > head(d)).squeeze(-1) == ((c - d) @ w_true > 0)).float().mean()
    demo.at_least("it orders >= 90% of new pairs as the true reward does", agree, 0.9)

    # Negative control: labels from coin flips carry no preference signal.
    coin = demo.rand(PAIRS, seed=7) < 0.5
    noise = fit(demo, torch.where(coin[:, None], a, b), torch.where(coin[:, None], b, a))
    recovers.broken(
        "trained on coin-flip labels it does not",
        F.cosine_similarity(noise.weight[0], w_true, dim=0),
    )


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "flip the margin: reward the rejected response",
        "return -F.logsigmoid(chosen - rejected).mean()",
        "return -F.logsigmoid(rejected - chosen).mean()",
    ),
    (
        "score the chosen response alone instead of the difference",
        "return -F.logsigmoid(chosen - rejected).mean()",
        "return -F.logsigmoid(chosen).mean()",
    ),
]
