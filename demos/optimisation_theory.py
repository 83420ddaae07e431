"""Optimisation theory: step size against curvature, saddle points, and momentum on a narrow valley.

On a quadratic, gradient descent with step 1/L shrinks the error by at least
(1 - mu/L) per step, mu and L being the smallest and largest curvatures, and any
step above 2/L diverges. Saddle points have gradient zero like minima but a
Hessian with a negative eigenvalue; a little noise carries descent off them.
Momentum turns the slow (1 - mu/L) rate into roughly (1 - 2 sqrt(mu/L)).
"""

import math

import torch

from demos.harness import Demo

CONCEPTS = ["optimisation-theory"]


def descend(
    A: torch.Tensor, x: torch.Tensor, lr: float, steps: int, beta: float = 0.0
) -> list[torch.Tensor]:
    """Heavy-ball gradient descent on f(x) = x^T A x / 2 (plain descent when beta = 0)."""
    path, velocity = [x], torch.zeros_like(x)
    for _ in range(steps):
        velocity = beta * velocity - lr * (A @ x)
        x = x + velocity
        path.append(x)
    return path


def run(demo: Demo) -> None:
    # A quadratic with curvatures (eigenvalues) mu = 1 and 10 ... 100 = L, in random directions.
    f64 = {"device": demo.device, "dtype": torch.float64}
    mu, L = 1.0, 100.0
    Q, _ = torch.linalg.qr(demo.randn(10, 10, seed=0, dtype=torch.float64))
    curvatures = torch.cat([torch.ones(1, **f64), torch.logspace(1, 2, 9, **f64)])
    A = Q @ torch.diag(curvatures) @ Q.T
    x0 = demo.randn(10, seed=1, dtype=torch.float64)

    # With step 1/L each step multiplies every eigen-component by (1 - lambda/L), so the
    # distance to the minimum shrinks by at most (1 - mu/L) per step, and in the end by exactly
    # that, once only the flattest direction is left.
    norms = torch.stack([p.norm() for p in descend(A, x0, 1 / L, 300)])
    ratios = norms[1:] / norms[:-1]
    demo.at_most(
        "every step shrinks the error by at least 1 - mu/L = 0.99", ratios.max(), 1 - mu / L + 1e-9
    )
    demo.close(
        "the late steps shrink it by exactly 1 - mu/L",
        ratios[-1],
        torch.tensor(1 - mu / L, **f64),
        atol=1e-9,
    )

    # Along the sharpest direction, f = (L/2) x^2 and each step multiplies x by (1 - lr L):
    # it shrinks for lr < 2/L and grows for lr > 2/L.
    def growth(lr: float) -> torch.Tensor:
        path = descend(A, x0, lr, 50)
        return path[-1].norm() / x0.norm()

    stable = demo.at_most("with step 1.9/L gradient descent converges", growth(1.9 / L), 0.5)
    stable.broken("with step 2.1/L it diverges", growth(2.1 / L))

    # Heavy-ball momentum with its textbook tuning: lr = 4/(sqrt L + sqrt mu)^2 and
    # beta = ((sqrt k - 1)/(sqrt k + 1))^2, k = L/mu, converges at about 0.82 per step here.
    k = L / mu
    beta = ((math.sqrt(k) - 1) / (math.sqrt(k) + 1)) ** 2
    lr_hb = 4 / (math.sqrt(L) + math.sqrt(mu)) ** 2
    plain = descend(A, x0, 1 / L, 150)[-1].norm() / x0.norm()
    heavy = descend(A, x0, lr_hb, 150, beta)[-1].norm() / x0.norm()
    # Plain descent is left with the flattest component of x0, shrunk by 0.99^150 = 0.22.
    flattest = (Q[:, 0] @ x0).abs() / x0.norm()
    demo.close(
        "after 150 plain steps the error is 0.99^150 of the flat part",
        plain,
        flattest * 0.99**150,
        rtol=1e-4,
    )
    fast = demo.at_most("after 150 momentum steps it is below 1e-8", heavy, 1e-8)
    fast.broken("after 150 plain steps it is not", plain)

    # A saddle: f(x, y) = x^2 + y^4/4 - y^2/2 is flat at (0, 0), where the Hessian has one
    # positive and one negative eigenvalue; the minima sit at y = +-1 with f = -1/4.
    def f(p: torch.Tensor) -> torch.Tensor:
        return p[0] ** 2 + p[1] ** 4 / 4 - p[1] ** 2 / 2

    hessian = torch.autograd.functional.hessian(f, torch.zeros(2, **f64))
    demo.close(
        "the Hessian at the saddle has eigenvalues -1 and 2",
        torch.linalg.eigvalsh(hessian),
        [-1.0, 2.0],
    )

    def minimise(noise: float) -> torch.Tensor:
        p = torch.tensor([1.0, 0.0], **f64)  # starting exactly on the saddle's attracting line
        kicks = demo.randn(200, 2, seed=2, dtype=torch.float64) * noise
        for t in range(200):
            p = p.requires_grad_()
            (g,) = torch.autograd.grad(f(p), p)
            p = (p - 0.1 * g + kicks[t]).detach()
        return f(p)

    escapes = demo.close(
        "with small noise descent escapes the saddle to f = -1/4", minimise(1e-3), -0.25, atol=1e-3
    )
    escapes.broken("without noise it stays on the saddle at f = 0", minimise(0.0))


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "drop the momentum term, keeping momentum's larger step",
        "velocity = beta * velocity - lr * (A @ x)",
        "velocity = -lr * (A @ x)",
    ),
    (
        "climb the gradient instead of descending it",
        "velocity = beta * velocity - lr * (A @ x)",
        "velocity = beta * velocity + lr * (A @ x)",
    ),
    (
        "descend without the noise kicks",
        "p = (p - 0.1 * g + kicks[t]).detach()",
        "p = (p - 0.1 * g).detach()",
    ),
]
