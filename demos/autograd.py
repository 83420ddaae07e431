"""Autograd: backward() fills .grad with exact derivatives, adds to what is there, and skips detach.

Every operation on a tensor with requires_grad=True is recorded; backward() walks
that record in reverse and adds each leaf's derivative into its .grad. Because it
adds, a training loop must zero the gradients every step; no_grad() stops the
recording, and detach() cuts one tensor out of it. Most hand-written-loop bugs are one
of these three.
"""

import torch

from demos.harness import Demo

CONCEPTS = ["autograd"]


def fit(demo: Demo, zero_grad: bool, steps: int = 100) -> torch.Tensor:
    """Gradient descent on least squares; returns the distance from the true weights."""
    X = demo.randn(64, 3, seed=0, dtype=torch.float64)
    w_true = demo.tensor([2.0, -1.0, 0.5], dtype=torch.float64)
    y = X @ w_true
    w = torch.zeros(3, dtype=torch.float64, device=demo.device, requires_grad=True)
    for _ in range(steps):
        loss = ((X @ w - y) ** 2).mean()
        loss.backward()
        with torch.no_grad():  # the update itself must not become part of the graph
            w -= 0.1 * w.grad
        if zero_grad:
            w.grad.zero_()
    return (w.detach() - w_true).norm()


def run(demo: Demo) -> None:
    # The checklist example: y = x^2 + 2x at x = 3 has dy/dx = 2x + 2 = 8.
    x = demo.tensor(3.0, dtype=torch.float64).requires_grad_()
    (x**2 + 2 * x).backward()
    demo.close("x.grad for y = x^2 + 2x at x = 3 is 8", x.grad, 8.0)
    # A second backward adds another 8 to the 8 already there: .grad accumulates.
    y_again = x**2 + 2 * x
    y_again.backward()
    adds = demo.close("after a second backward without zeroing x.grad is 16", x.grad, 16.0)
    # Had backward overwritten .grad, the second pass would leave 8, as it does after zeroing.
    fresh = demo.tensor(3.0, dtype=torch.float64).requires_grad_()
    (fresh**2 + 2 * fresh).backward()
    fresh.grad.zero_()
    (fresh**2 + 2 * fresh).backward()
    adds.broken("with .grad zeroed between the passes it reads 8", fresh.grad)

    # On a vector function autograd matches the derivative worked out by hand.
    v = demo.randn(10, seed=1, dtype=torch.float64).requires_grad_()
    (torch.sin(v) * torch.exp(v)).sum().backward()
    by_hand = (torch.cos(v) + torch.sin(v)) * torch.exp(v)  # product rule
    rule = demo.close("d/dv sum(sin v exp v) = (cos v + sin v) exp v", v.grad, by_hand.detach())
    rule.broken("the product rule's second term dropped: cos v exp v", torch.cos(v) * torch.exp(v))

    # detach() treats a value as a constant: in y = v * v.detach() only one factor is
    # differentiated, so the gradient is v instead of 2v.
    v.grad = None
    (v * v.detach()).sum().backward()
    cut = demo.close("through v * v.detach() the gradient is v, not 2v", v.grad, v.detach())
    both = v.detach().clone().requires_grad_()
    (both * both).sum().backward()
    cut.broken("without detach both factors are differentiated: 2v", both.grad)

    # no_grad() records nothing: the result has no history to differentiate.
    with torch.no_grad():  # nothing below is recorded
        quiet = v * 2
    recorded = demo.equal(
        "under no_grad the result has no grad_fn", int(quiet.grad_fn is not None), 0
    )
    recorded.broken("outside it, it has one", int((v * 2).grad_fn is not None))

    # Why zero_grad exists: without it, each step uses the sum of all past gradients,
    # which acts like momentum with no friction and circles the answer for ever.
    converges = demo.at_most(
        "with zeroed gradients 100 steps recover the weights", fit(demo, True), 1e-6
    )
    converges.broken("without zeroing they do not", fit(demo, False))


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    ("forget to zero the gradient each step", "w.grad.zero_()", "w.grad.mul_(1.0)"),
    ("forget detach()", "(v * v.detach()).sum().backward()", "(v * v).sum().backward()"),
    (
        "record the block that should not be recorded",
        "with torch.no_grad():  # nothing below is recorded",
        "with torch.enable_grad():  # nothing below is recorded",
    ),
]
