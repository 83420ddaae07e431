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
    # A second backward without zeroing adds another 8 to the 8 already there.
    (x**2 + 2 * x).backward()
    demo.close("after a second backward without zeroing x.grad is 16", x.grad, 16.0)
    demo.close("after a second backward x.grad is still 8", x.grad, 8.0, negative=True)

    # On a vector function autograd matches the derivative worked out by hand.
    v = demo.randn(10, seed=1, dtype=torch.float64).requires_grad_()
    (torch.sin(v) * torch.exp(v)).sum().backward()
    by_hand = (torch.cos(v) + torch.sin(v)) * torch.exp(v)  # product rule
    demo.close("d/dv sum(sin v exp v) = (cos v + sin v) exp v", v.grad, by_hand.detach())

    # detach() treats a value as a constant: in y = v * v.detach() only one factor is
    # differentiated, so the gradient is v instead of 2v.
    v.grad = None
    (v * v.detach()).sum().backward()
    demo.close("through v * v.detach() the gradient is v, not 2v", v.grad, v.detach())

    # no_grad() records nothing: the result has no history to differentiate.
    with torch.no_grad():
        quiet = v * 2
    demo.equal("under no_grad the result does not require grad", int(quiet.requires_grad), 0)
    demo.equal("outside it, it does", int((v * 2).requires_grad), 1)

    # Why zero_grad exists: without it, each step uses the sum of all past gradients,
    # which acts like momentum with no friction and overshoots the answer.
    demo.at_most("with zeroed gradients 100 steps recover the weights", fit(demo, True), 1e-6)
    demo.at_most("without zeroing they recover them too", fit(demo, False), 1e-6, negative=True)
