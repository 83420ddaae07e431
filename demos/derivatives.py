"""Derivatives: the power rule, the slope of a loss, and the limits of the difference quotient.

A derivative is the slope of a function at a point: how much the output moves per
tiny nudge of the input. The power rule gives d/dx x^n = n x^(n-1) without limits,
and the sign of a loss's slope tells gradient descent which way to move a weight.
Estimating it numerically needs care, because floating point punishes a too-small h.
"""

from collections.abc import Callable

import torch

from demos.harness import Demo

CONCEPTS = ["derivatives"]


def slope(f: Callable[[torch.Tensor], torch.Tensor], x: float, demo: Demo) -> torch.Tensor:
    """The derivative of f at x, by autograd."""
    t = demo.tensor(x, dtype=torch.float64).requires_grad_()
    (grad,) = torch.autograd.grad(f(t), t)
    return grad


def power_rule(n: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """d/dx x^n = n x^(n-1): bring the exponent down, then lower it by one."""
    return n * x ** (n - 1)


def step(w: float, slope: torch.Tensor, lr: float) -> torch.Tensor:
    """One gradient-descent step: move against the slope, downhill."""
    return w - lr * slope


def run(demo: Demo) -> None:
    # The worked examples: d/dx x^3 = 3x^2 is 12 at x = 2 and 0.75 at x = 0.5.
    demo.close("d/dx x^3 at x = 2 is 12", slope(lambda x: x**3, 2.0, demo), 12.0)
    demo.close("d/dx x^3 at x = 0.5 is 0.75", slope(lambda x: x**3, 0.5, demo), 0.75)

    # The power rule n x^(n-1), checked for n = 1..5 at several points.
    xs = demo.tensor([-1.5, -0.3, 0.7, 1.0, 2.0], dtype=torch.float64)
    powers = torch.arange(1, 6, device=demo.device, dtype=torch.float64)[:, None]
    leaf = xs.expand(5, 5).clone().requires_grad_()
    (leaf**powers).sum().backward()  # each entry depends only on its own x, so .grad is d/dx
    rule = demo.close(
        "the power rule n x^(n-1) equals autograd's slope", power_rule(powers, xs), leaf.grad
    )
    # The slip people make: multiply by n but forget to lower the exponent.
    rule.broken("n x^n, with the exponent left as it was, does not", powers * xs**powers)

    # The loss L(w) = (w - 4)^2 has slope 2(w - 4): +12 at w = 10, -2 at w = 3.
    def loss(w: torch.Tensor) -> torch.Tensor:
        return (w - 4) ** 2

    g10, g3 = slope(loss, 10.0, demo), slope(loss, 3.0, demo)
    demo.close("dL/dw at w = 10 is 12", g10, 12.0)
    demo.close("dL/dw at w = 3 is -2", g3, -2.0)
    # A step against the slope moves w towards the minimum at 4 from either side.
    lr = 0.1
    demo.close(
        "a step from w = 10 moves down to 8.8",
        step(10.0, g10, lr),
        demo.tensor(8.8, dtype=torch.float64),
    )
    uphill = demo.close(
        "a step from w = 3 moves up to 3.2",
        step(3.0, g3, lr),
        demo.tensor(3.2, dtype=torch.float64),
    )
    uphill.broken("a step along the slope instead moves away, to 2.8", 3.0 + lr * g3)

    # The difference quotient (f(x + h) - f(x)) / h approaches the slope as h shrinks,
    # until rounding error (about 1e-16 / h in float64) takes over.
    def quotient_error(h: float) -> torch.Tensor:
        x = demo.tensor(2.0, dtype=torch.float64)
        estimate = ((x + h) ** 3 - x**3) / h
        return (estimate - 12.0).abs()

    # Its error is (f(x+h) - f(x))/h - f'(x) = 3x h + h^2 = 6h + h^2 at x = 2: first order in h.

    demo.between(
        "with h = 1e-3 the estimate is off by about 6h", quotient_error(1e-3), 3e-3, 1.2e-2
    )
    small = demo.at_most("with h = 1e-7 it is within 1e-5", quotient_error(1e-7), 1e-5)
    # Too small an h: the subtraction cancels almost every digit of f(x + h) - f(x).
    small.broken("with h = 1e-15 it is not", quotient_error(1e-15))


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    ("forget to lower the exponent", "return n * x ** (n - 1)", "return n * x**n"),
    ("step up the slope instead of down", "return w - lr * slope", "return w + lr * slope"),
    (
        "divide the difference by 2h, as if it were a central difference",
        "estimate = ((x + h) ** 3 - x**3) / h",
        "estimate = ((x + h) ** 3 - x**3) / (2 * h)",
    ),
]
