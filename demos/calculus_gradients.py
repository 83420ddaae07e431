"""Gradients: the vector of partial derivatives, the steepest way uphill, chained by the chain rule.

The gradient collects one partial derivative per input and points where the function
rises fastest, with the rate of rise as its length. The chain rule multiplies local
derivatives through a composition, which is all backpropagation does, and gradient
descent takes repeated small steps the other way.
"""

import math

import torch

from demos.harness import Demo

CONCEPTS = ["calculus-gradients"]


def bowl(p: torch.Tensor) -> torch.Tensor:
    return (p**2).sum(-1)  # f(x, y) = x^2 + y^2


def descend(w: torch.Tensor, lr: float, steps: int) -> torch.Tensor:
    """Plain gradient descent on the bowl, the gradient taken by autograd."""
    for _ in range(steps):
        w = w.detach().requires_grad_()
        (g,) = torch.autograd.grad(bowl(w), w)
        w = w - lr * g
    return w.detach()


def run(demo: Demo) -> None:
    # The worked example: grad(x^2 + y^2) = (2x, 2y), which is [6, 8] at (3, 4).
    p = demo.tensor([3.0, 4.0], dtype=torch.float64).requires_grad_()
    (grad,) = torch.autograd.grad(bowl(p), p)
    demo.close("grad of x^2 + y^2 at (3, 4) is [6, 8]", grad, [6.0, 8.0])

    # Of all unit directions u, the slope g . u is largest along g itself, and equals |g| = 10.
    # Measure each direction's slope by a small central difference, without autograd.
    theta = torch.linspace(0, 2 * math.pi, 3601, device=demo.device, dtype=torch.float64)
    u = torch.stack([theta.cos(), theta.sin()], -1)
    h, x = 1e-4, p.detach()
    slopes = (bowl(x + h * u) - bowl(x - h * u)) / (2 * h)
    best = u[slopes.argmax()]
    demo.close("the steepest direction is grad / |grad| = [0.6, 0.8]", best, [0.6, 0.8], atol=2e-3)
    demo.close("the steepest slope is |grad| = 10", slopes.max(), 10.0, atol=1e-5)

    # The chain rule: for f(x) = sin(exp(x^2)) the derivative is cos(exp(x^2)) exp(x^2) 2x,
    # the product of the three local derivatives; autograd multiplies exactly these.
    x = demo.tensor([-0.7, 0.2, 0.9], dtype=torch.float64).requires_grad_()
    torch.sin(torch.exp(x**2)).sum().backward()
    inner = torch.exp(x.detach() ** 2)
    chain = torch.cos(inner) * inner * 2 * x.detach()
    product = demo.close("the chain-rule product equals autograd", chain, x.grad)
    # The classic slip: differentiate the outer functions and forget the innermost factor 2x.
    product.broken("without the innermost factor 2x it does not", chain / (2 * x.detach()))

    # Finite differences: the central difference's error is O(h^2), so halving h divides
    # it by 4; the one-sided forward difference is only O(h) and halves.
    def errors(h: float) -> tuple[torch.Tensor, torch.Tensor]:
        x0 = demo.tensor(0.5, dtype=torch.float64)
        f = lambda t: torch.sin(torch.exp(t**2))  # noqa: E731
        exact = torch.cos(torch.exp(x0**2)) * torch.exp(x0**2) * 2 * x0
        central = (f(x0 + h) - f(x0 - h)) / (2 * h)
        forward = (f(x0 + h) - f(x0)) / h
        return (central - exact).abs(), (forward - exact).abs()

    (c1, f1), (c2, f2) = errors(1e-3), errors(5e-4)
    quartered = demo.between(
        "halving h cuts the central-difference error about 4x (O(h^2))", c1 / c2, 3.8, 4.2
    )
    quartered.broken("the one-sided forward difference does not: it is only O(h)", f1 / f2)
    demo.between("halving h cuts the forward-difference error about 2x (O(h))", f1 / f2, 1.9, 2.1)

    # Gradient descent on the bowl: each step w <- w - 0.1 * 2w shrinks w by a factor 0.8.
    start = demo.tensor([3.0, 4.0], dtype=torch.float64)
    descent = demo.close(
        "20 steps of gradient descent shrink |w| to 5 * 0.8^20",
        descend(start, lr=0.1, steps=20).norm(),
        demo.tensor(5 * 0.8**20, dtype=torch.float64),
    )
    # A negative learning rate steps along +g and climbs the bowl, by 1.2 a step.
    descent.broken("stepping up the gradient (lr = -0.1) does not", descend(start, -0.1, 20).norm())


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "the central difference made one-sided",
        "central = (f(x0 + h) - f(x0 - h)) / (2 * h)",
        "central = (f(x0 + h) - f(x0)) / h",
    ),
    ("step up the gradient instead of down", "w = w - lr * g", "w = w + lr * g"),
    (
        "directional slope without the 2h denominator",
        "slopes = (bowl(x + h * u) - bowl(x - h * u)) / (2 * h)",
        "slopes = (bowl(x + h * u) - bowl(x - h * u)) / h",
    ),
]
