"""Loss functions: cross-entropy and squared error, what each rewards, how confident mistakes fare.

A loss turns predictions and targets into one number to push down, and its
gradient is all the optimiser ever sees. Cross-entropy is the negative log of the
probability the softmax gives the right class; written by hand it needs the
log-softmax's normaliser and, to survive large logits, a shift by the row's
maximum. Squared error is minimised by the mean, absolute error by the median;
cross-entropy keeps a strong gradient on a confidently wrong answer, while
squared error after a sigmoid goes quiet there and training stalls.
"""

import math

import torch
import torch.nn.functional as F

from demos.harness import Demo

CONCEPTS = ["loss-functions"]


def cross_entropy(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Mean over rows of -log softmax(logits)[target], written out."""
    # Softmax is unchanged by adding a constant to a row, so subtract the row's maximum:
    # the largest exponent is then e^0 and nothing overflows, however large the logits.
    shifted = logits - logits.max(-1, keepdim=True).values
    log_probs = shifted - shifted.exp().sum(-1, keepdim=True).log()  # log-softmax
    picked = log_probs.gather(-1, targets[:, None]).squeeze(-1)
    return -picked.mean()


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
    # The worked example: logits [2, 1, 0.1] give softmax [0.659, 0.242, 0.099], so with
    # class 0 correct the loss is -ln 0.659 = ln(e^2 + e + e^0.1) - 2 = 0.41703.
    example = demo.tensor([[2.0, 1.0, 0.1]])
    worked = demo.close(
        "CE of logits [2, 1, 0.1] with class 0 correct is 0.41703 (by hand)",
        cross_entropy(example, demo.tensor([0], dtype=torch.long)),
        0.4170300163,
    )
    # Forgetting the minus sign turns a loss into a reward for the right answer.
    worked.broken(
        "without the minus sign it is -0.41703",
        -cross_entropy(example, demo.tensor([0], dtype=torch.long)),
    )

    V = 10
    logits = demo.randn(32, V, seed=0)
    targets = demo.randint(V, 32, seed=1)
    rows = torch.arange(32, device=demo.device)

    # The hand-written loss against PyTorch's fused kernel on a random batch.
    reference = demo.close(
        "hand-written cross-entropy equals F.cross_entropy on 32 rows of 10 logits",
        cross_entropy(logits, targets),
        F.cross_entropy(logits, targets),
    )
    # Dropping the log-softmax leaves -logit[target]: not a log-probability at all.
    reference.broken(
        "scoring the raw logit at the target (no log-softmax) does not",
        -logits[rows, targets].mean(),
    )

    # Logits near 1000: e^1000 is inf in float32 (its limit is e^88.7), so only the
    # max-shifted form stays finite; the same shift inside F.cross_entropy agrees.
    demo.close(
        "with 1000 added to every logit it still equals F.cross_entropy",
        cross_entropy(logits + 1000, targets),
        F.cross_entropy(logits + 1000, targets),
    )

    # A model that knows nothing (equal logits) pays ln V per example.
    demo.close(
        "uniform logits cost ln V",
        cross_entropy(torch.zeros(32, V, device=demo.device), targets),
        math.log(V),
    )
    # Its gradient with respect to the logits is simply (softmax - one-hot) / batch.
    logits_leaf = logits.clone().requires_grad_(True)
    cross_entropy(logits_leaf, targets).backward()
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
    recovers = demo.at_least(
        "50 gradient steps on BCE turn p = 0.00005 into p > 0.9",
        fix_confident_mistake(demo, "bce"),
        0.9,
    )
    recovers.broken(
        "the same 50 steps on squared error of the probability do not",
        fix_confident_mistake(demo, "mse"),
    )


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    ("flip the loss's sign", "return -picked.mean()", "return picked.mean()"),
    (
        "drop the max shift before exponentiating",
        "shifted = logits - logits.max(-1, keepdim=True).values",
        "shifted = logits",
    ),
    (
        "drop the log-softmax normaliser",
        "log_probs = shifted - shifted.exp().sum(-1, keepdim=True).log()",
        "log_probs = shifted",
    ),
]
