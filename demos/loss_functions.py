"""Loss functions: cross-entropy and squared error, what each rewards, how confident mistakes fare.

A loss turns predictions and targets into one number to push down, and its
gradient is all the optimiser ever sees. Squared error is minimised by the mean,
absolute error by the median; cross-entropy keeps a strong gradient on a
confidently wrong answer, while squared error after a sigmoid goes quiet there
and training stalls.
"""

import math

import torch
import torch.nn.functional as F

from demos.harness import Demo

CONCEPTS = ["loss-functions"]


def fix_confident_mistake(demo: Demo, loss_name: str, steps: int = 50) -> torch.Tensor:
    """Gradient descent on one logit that starts at -10 for a positive example."""
    logit, target = demo.tensor(-10.0).requires_grad_(True), demo.tensor(1.0)
    for _ in range(steps):
        if loss_name == "bce":
            loss = F.binary_cross_entropy_with_logits(logit, target)
        else:
            loss = (torch.sigmoid(logit) - target) ** 2
        (grad,) = torch.autograd.grad(loss, logit)
        with torch.no_grad():
            logit -= 1.0 * grad
    return torch.sigmoid(logit.detach())


def run(demo: Demo) -> None:
    V = 10
    logits = demo.randn(32, V, seed=0)
    targets = demo.randint(V, 32, seed=1)

    # Cross-entropy is the negative log-probability the model gives the right class.
    log_probs = torch.log_softmax(logits, dim=-1)
    demo.close(
        "F.cross_entropy = -mean log softmax at the target",
        F.cross_entropy(logits, targets),
        -log_probs[torch.arange(32, device=demo.device), targets].mean(),
    )
    # A model that knows nothing (equal logits) pays ln V per example.
    demo.close(
        "uniform logits cost ln V",
        F.cross_entropy(torch.zeros(32, V, device=demo.device), targets),
        math.log(V),
    )
    # Its gradient with respect to the logits is simply (softmax - one-hot) / batch.
    logits_leaf = logits.clone().requires_grad_(True)
    F.cross_entropy(logits_leaf, targets).backward()
    onehot = F.one_hot(targets, V).float()
    demo.close(
        "d CE / d logits = (softmax - one-hot) / N",
        logits_leaf.grad,
        (torch.softmax(logits, -1) - onehot) / 32,
    )

    # Squared error is minimised by the mean of the targets, absolute error by the median:
    # search over constant predictions c on a grid with step 1e-3.
    y = demo.randn(101, seed=2, dtype=torch.float64) ** 3  # skewed: mean and median differ
    c = torch.linspace(-3, 3, 6001, device=demo.device, dtype=torch.float64)
    best_mse = c[((y[None, :] - c[:, None]) ** 2).mean(1).argmin()]
    best_mae = c[(y[None, :] - c[:, None]).abs().mean(1).argmin()]
    demo.close("the best constant under squared error is the mean", best_mse, y.mean(), atol=1e-3)
    demo.close(
        "the best constant under absolute error is the median", best_mae, y.median(), atol=1e-3
    )

    # A confident mistake: the logit is -10 but the answer is yes. Cross-entropy's gradient
    # is sigmoid(-10) - 1, almost -1; squared error on the sigmoid is scaled by
    # sigmoid'(-10) ~ 5e-5 and barely moves.
    logit = demo.tensor(-10.0).requires_grad_(True)
    F.binary_cross_entropy_with_logits(logit, demo.tensor(1.0)).backward()
    demo.at_least("BCE pushes a logit of -10 with gradient magnitude > 0.5", -logit.grad, 0.5)
    demo.at_least(
        "50 gradient steps on BCE turn p = 0.00005 into p > 0.9",
        fix_confident_mistake(demo, "bce"),
        0.9,
    )
    # Negative control: the same 50 steps with squared error on the probability.
    demo.at_least(
        "50 gradient steps on squared error also turn it into p > 0.9",
        fix_confident_mistake(demo, "mse"),
        0.9,
        negative=True,
    )
