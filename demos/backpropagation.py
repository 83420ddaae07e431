"""Backpropagation: the chain rule run backwards, checked by hand, by finite differences, by depth.

The forward pass keeps its intermediate values; the backward pass multiplies local
derivatives from the loss back to every weight. Writing a backward by hand and
checking it against finite differences is how autograd's own rules are tested, and
the same product of local derivatives explains why gradients vanish or explode
with depth unless residual connections give them a shortcut.
"""

import math

import torch
from torch.autograd.function import FunctionCtx

from demos.harness import Demo

CONCEPTS = ["backpropagation"]


class TanhLinear(torch.autograd.Function):
    """y = tanh(x W), with the backward written out; ``broken`` forgets tanh's derivative."""

    @staticmethod
    def forward(ctx: FunctionCtx, x: torch.Tensor, W: torch.Tensor, broken: bool) -> torch.Tensor:
        y = torch.tanh(x @ W)
        ctx.save_for_backward(x, W, y)
        ctx.broken = broken
        return y

    @staticmethod
    def backward(ctx: FunctionCtx, grad_y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, None]:
        x, W, y = ctx.saved_tensors
        grad_z = grad_y if ctx.broken else grad_y * (1 - y**2)  # tanh' = 1 - tanh^2
        return grad_z @ W.T, x.T @ grad_z, None


def jacobians(x: torch.Tensor, W: torch.Tensor, broken: bool) -> tuple[torch.Tensor, torch.Tensor]:
    """The backward's Jacobian w.r.t. x, and a central-difference estimate of it."""
    analytic = torch.autograd.functional.jacobian(lambda v: TanhLinear.apply(v, W, broken), x)
    numeric = torch.zeros_like(analytic)  # (rows, out, rows, in)
    h = 1e-6
    for i in range(x.numel()):
        step = torch.zeros_like(x)
        step.view(-1)[i] = h
        diff = torch.tanh((x + step) @ W) - torch.tanh((x - step) @ W)
        numeric.view(*diff.shape, -1)[..., i] = diff / (2 * h)
    return analytic, numeric


def run(demo: Demo) -> None:
    # A hand-written backward against finite differences, in float64 as gradcheck does.
    x = demo.randn(3, 4, seed=0, dtype=torch.float64)
    W = demo.randn(4, 5, seed=1, dtype=torch.float64)
    analytic, numeric = jacobians(x, W, False)
    matches = demo.close("the hand-written backward matches finite differences", analytic, numeric)
    # Negative control: drop tanh's local derivative and the chain rule is broken.
    matches.broken("a backward without tanh' does not", jacobians(x, W, True)[0], numeric)

    def gradcheck(broken: bool) -> int:
        inputs = (x.detach().requires_grad_(), W.detach().requires_grad_())

        def f(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
            return TanhLinear.apply(a, b, broken)

        return int(torch.autograd.gradcheck(f, inputs, raise_exception=False))

    accepted = demo.equal("torch.autograd.gradcheck accepts it", gradcheck(False), 1)
    accepted.broken("gradcheck rejects the backward without tanh'", gradcheck(True))

    # Backprop by hand through a two-layer network with a squared-error loss.
    x = demo.randn(8, 3, seed=2, dtype=torch.float64)
    y = demo.randn(8, 2, seed=3, dtype=torch.float64)
    params = [
        demo.randn(*s, seed=4 + i, dtype=torch.float64)
        for i, s in enumerate([(3, 6), (6,), (6, 2), (2,)])
    ]
    W1, b1, W2, b2 = (p.requires_grad_() for p in params)
    h = torch.tanh(x @ W1 + b1)  # forward, keeping h for the backward
    out = h @ W2 + b2
    ((out - y) ** 2).mean().backward()
    with torch.no_grad():
        d_out = 2 * (out - y) / out.numel()  # dL/d out
        d_W2, d_b2 = h.T @ d_out, d_out.sum(0)
        d_z = (d_out @ W2.T) * (1 - h**2)  # back through W2, then tanh
        d_W1, d_b1 = x.T @ d_z, d_z.sum(0)
    demo.close(
        "manual backprop through two layers equals autograd",
        torch.cat([g.flatten() for g in (d_W1, d_b1, d_W2, d_b2)]),
        torch.cat([p.grad.flatten() for p in (W1, b1, W2, b2)]),
    )

    # Depth: through 30 orthogonal layers scaled by g the gradient is multiplied by g^30,
    # so it vanishes for g < 1 and explodes for g > 1.
    depth = 30
    Qs = [
        torch.linalg.qr(demo.randn(16, 16, seed=100 + i, dtype=torch.float64))[0]
        for i in range(depth)
    ]
    for g in (0.8, 1.2):
        v = demo.randn(4, 16, seed=7, dtype=torch.float64).requires_grad_()
        h = v
        for Q in Qs:
            h = g * h @ Q
        upstream = demo.randn(4, 16, seed=8, dtype=torch.float64)
        h.backward(upstream)
        demo.close(
            f"with gain {g} the gradient norm grows by {g}^30 = {g**depth:.3g}",
            torch.log(v.grad.norm() / upstream.norm()),
            demo.tensor(depth * math.log(g), dtype=torch.float64),
            atol=1e-9,
        )

    # A residual path h + f(h) adds an identity to every local Jacobian, so the same
    # shrinking layers no longer starve the input of gradient.
    def kept_fraction(residual: bool) -> torch.Tensor:
        v = demo.randn(4, 16, seed=7, dtype=torch.float64).requires_grad_()
        h = v
        for Q in Qs:
            f = torch.tanh(0.2 * h @ Q)  # each layer alone shrinks gradients about 5-fold
            h = h + f if residual else f
        upstream = demo.randn(4, 16, seed=8, dtype=torch.float64)
        h.backward(upstream)
        return v.grad.norm() / upstream.norm()

    kept = demo.at_least(
        "with residual connections the input keeps > 10% of the gradient norm",
        kept_fraction(True),
        0.1,
    )
    kept.broken("without them it keeps far less", kept_fraction(False))


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "forget tanh's local derivative in the hand-written backward",
        "grad_z = grad_y if ctx.broken else grad_y * (1 - y**2)",
        "grad_z = grad_y",
    ),
    (
        "drop the factor 2 from the derivative of the squared error",
        "d_out = 2 * (out - y) / out.numel()",
        "d_out = (out - y) / out.numel()",
    ),
    ("drop the residual shortcut", "h = h + f if residual else f", "h = f"),
]
