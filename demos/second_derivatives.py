"""Second derivatives: the Hessian's curvatures tell saddles from minima and power Newton's method.

The gradient says which way is downhill; the second derivatives say how the slope
itself changes, i.e. how the surface curves. Collected into the symmetric Hessian
matrix H, they give the best local quadratic f(x + d) ~ f + g.d + d.H.d / 2, whose
error shrinks like |d|^3. H's eigenvalues are the curvatures along its eigenvectors:
all positive at a minimum, mixed signs at a saddle. Their ratio, the condition
number, is what makes gradient descent slow on a narrow valley, and what Newton's
step x - H^-1 g undoes, landing on a quadratic's minimum in one step.
"""

import math
from collections.abc import Callable

import torch

from demos.harness import Demo

CONCEPTS = ["second-derivatives"]


def bump(p: torch.Tensor) -> torch.Tensor:
    """f(x, y) = x exp(-x^2 - y^2), the worked example of d2l's Hessians section."""
    x, y = p[0], p[1]
    return x * torch.exp(-(x**2) - y**2)


def bump_hessian(x: float, y: float) -> list[list[float]]:
    """Its Hessian by hand: e^(-x^2-y^2) [[4x^3 - 6x, 4x^2 y - 2y], [4x^2 y - 2y, 4xy^2 - 2x]]."""
    e = math.exp(-(x**2) - y**2)
    off = e * (4 * x**2 * y - 2 * y)
    return [[e * (4 * x**3 - 6 * x), off], [off, e * (4 * x * y**2 - 2 * x)]]


def cubic(p: torch.Tensor) -> torch.Tensor:
    """f(x, y) = x^3 + y^3 - 3xy: flat at (0, 0) and at (1, 1); H = [[6x, -3], [-3, 6y]]."""
    x, y = p[0], p[1]
    return x**3 + y**3 - 3 * x * y


def gradient(f: Callable[[torch.Tensor], torch.Tensor], p: torch.Tensor) -> torch.Tensor:
    p = p.detach().requires_grad_()
    (g,) = torch.autograd.grad(f(p), p)
    return g


def hessian(f: Callable[[torch.Tensor], torch.Tensor], p: torch.Tensor) -> torch.Tensor:
    return torch.autograd.functional.hessian(f, p.detach())


def run(demo: Demo) -> None:
    f64 = {"dtype": torch.float64, "device": demo.device}

    # 1. Autograd differentiates twice and matches the Hessian worked out by hand.
    points = [(-1.0, 0.0), (0.3, -0.4), (0.8, 1.1)]
    demo.close(
        "autograd's Hessian of x exp(-x^2-y^2) equals the hand-derived one at 3 points",
        torch.stack([hessian(bump, torch.tensor(p, **f64)) for p in points]),
        torch.tensor([bump_hessian(*p) for p in points], **f64),
    )

    # 2. Classify critical points of x^3 + y^3 - 3xy by the Hessian's eigenvalues.
    # At (0, 0): H = [[0, -3], [-3, 0]], eigenvalues -3 and 3, a saddle.
    # At (1, 1): H = [[6, -3], [-3, 6]], eigenvalues 3 and 9, a minimum.
    origin, one = torch.zeros(2, **f64), torch.ones(2, **f64)
    demo.close(
        "the gradient vanishes at (0, 0) and (1, 1)",
        torch.stack([gradient(cubic, origin), gradient(cubic, one)]),
        torch.zeros(2, 2, **f64),
    )
    curvatures, directions = torch.linalg.eigh(hessian(cubic, origin))
    demo.close(
        "at (0, 0) the Hessian's eigenvalues are -3 and 3: a saddle", curvatures, [-3.0, 3.0]
    )
    demo.close(
        "at (1, 1) they are 3 and 9: a minimum",
        torch.linalg.eigvalsh(hessian(cubic, one)),
        [3.0, 9.0],
    )
    # An eigenvalue is the second derivative along its eigenvector. Measure it without
    # autograd, by a central second difference: the saddle curves down one way, up the other.
    t = 1e-3
    along = torch.stack(
        [(cubic(t * v) - 2 * cubic(origin) + cubic(-t * v)) / t**2 for v in directions.T]
    )
    demo.close(
        "second differences along the eigenvectors measure curvatures -3 and +3",
        along,
        [-3.0, 3.0],
        atol=1e-6,
    )

    # 3. The second-order Taylor expansion. With step h along a unit direction u, dropping
    # the curvature term leaves an error of order h^2 (halving h cuts it ~4x); keeping
    # h^2 u.H.u / 2 leaves order h^3 (~8x).
    p0 = torch.tensor([0.3, -0.4], **f64)
    u = demo.randn(2, seed=0, dtype=torch.float64)
    u = u / u.norm()
    g0, H0 = gradient(bump, p0), hessian(bump, p0)

    def taylor_errors(h: float, half: float = 0.5) -> tuple[torch.Tensor, torch.Tensor]:
        exact = bump(p0 + h * u)
        first = bump(p0) + h * (g0 @ u)
        second = first + half * h**2 * (u @ H0 @ u)
        return (exact - first).abs(), (exact - second).abs()

    (e1, e2), (e1_half, e2_half) = taylor_errors(0.02), taylor_errors(0.01)
    demo.between("halving h cuts the first-order error ~4x", e1 / e1_half, 3.5, 4.5)
    third = demo.between("halving h cuts the second-order error ~8x", e2 / e2_half, 7.0, 9.0)
    # Leave the 1/2 out of the quadratic term and the error is back to order h^2.
    (_, bad), (_, bad_half) = taylor_errors(0.02, half=1.0), taylor_errors(0.01, half=1.0)
    third.broken("without the 1/2 it shrinks only ~4x", bad / bad_half)

    # 4. A narrow valley: a quadratic 0.5 x.A.x - b.x whose curvatures are 1 and 100, along
    # axes turned by 30 degrees, with its minimum placed at x* = (1, -2).
    def valley(kappa: float) -> tuple[torch.Tensor, torch.Tensor]:
        c, s = math.cos(math.pi / 6), math.sin(math.pi / 6)
        Q = torch.tensor([[c, -s], [s, c]], **f64)
        return Q @ torch.diag(torch.tensor([1.0, kappa], **f64)) @ Q.T, Q

    A, _ = valley(100.0)
    x_star = torch.tensor([1.0, -2.0], **f64)
    b = A @ x_star

    def quadratic(x: torch.Tensor) -> torch.Tensor:
        return 0.5 * x @ A @ x - b @ x

    x0 = torch.tensor([-3.0, 4.0], **f64)

    H = hessian(quadratic, x0)
    eig = torch.linalg.eigvalsh(H)
    demo.close("the condition number L/mu of the valley's Hessian is 100", eig[-1] / eig[0], 100.0)

    # Newton's step minimises the local quadratic model exactly: x - H^-1 g. On a quadratic
    # the model is the function itself, so one step lands on the minimum.
    newton = x0 - torch.linalg.solve(H, gradient(quadratic, x0))
    lands = demo.close("one Newton step lands on x* = (1, -2)", newton, x_star, atol=1e-10, rtol=0)
    # Keeping only the Hessian's diagonal, a common cheap approximation, ignores how the
    # valley is turned and misses x*.
    diagonal = x0 - gradient(quadratic, x0) / torch.diagonal(H)
    lands.broken("a step with only the diagonal of H misses it", diagonal)

    # Gradient descent with the largest safe-and-simple step 1/L. Along the steep axis that
    # step is exact; along the flat one each step only removes a fraction mu/L = 1/kappa of
    # the error, so reaching a 1e-8 relative error takes about kappa ln(1e8) steps.
    def descent_steps(kappa: float, tol: float = 1e-8) -> tuple[int, float]:
        A, Q = valley(kappa)
        b = A @ x_star
        x, start = x0.clone(), (x0 - x_star).norm()
        steps = 0
        while (x - x_star).norm() > tol * start:
            x = x - (A @ x - b) / kappa  # step 1/L, with L = kappa and mu = 1
            steps += 1
        # The prediction: after one step only the flat component is left, shrinking by
        # (1 - 1/kappa) per step, from its size |Q[:, 0] . (x0 - x*)|.
        flat = (Q[:, 0] @ (x0 - x_star)).abs()
        predicted = math.log(tol * start / flat) / math.log(1 - 1 / kappa)
        return steps, predicted

    steps_100, predicted_100 = descent_steps(100.0)
    demo.at_least(
        "gradient descent at step 1/L needs over 1000 steps (kappa = 100)", steps_100, 1000
    )
    demo.between(
        "its step count is kappa-driven: measured / log(tol) / log(1 - 1/kappa)",
        steps_100 / predicted_100,
        0.99,
        1.01,
    )
    steps_10, _ = descent_steps(10.0)
    demo.between("10x the condition number costs ~10x the steps", steps_100 / steps_10, 9.0, 12.0)

    # 5. Beyond quadratics Newton converges quadratically: near the minimum (1, 1) of the
    # cubic, each error is about the square of the one before (digits double each step).
    def newton_errors(fresh_hessian: bool) -> torch.Tensor:
        p = torch.tensor([1.3, 0.8], **f64)
        H_start = hessian(cubic, p)
        errors = [(p - one).norm()]
        for _ in range(5):
            H_k = hessian(cubic, p) if fresh_hessian else H_start
            p = p - torch.linalg.solve(H_k, gradient(cubic, p))
            errors.append((p - one).norm())
        return torch.stack(errors)

    errors = newton_errors(fresh_hessian=True)
    demo.at_most("Newton on the cubic reaches (1, 1) within 1e-12 in 5 steps", errors[-1], 1e-12)
    useful = errors[:-1] > 1e-7  # ratios of errors near rounding say nothing
    squares = demo.at_most(
        "each Newton error <= 2 x (previous error)^2",
        (errors[1:][useful] / errors[:-1][useful] ** 2).max(),
        2.0,
    )
    # Reusing the Hessian of the starting point (a stale Hessian) converges only linearly.
    stale = newton_errors(fresh_hessian=False)
    stale_useful = stale[:-1] > 1e-7
    squares.broken(
        "with the starting point's Hessian it does not",
        (stale[1:][stale_useful] / stale[:-1][stale_useful] ** 2).max(),
    )


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "drop the 1/2 of the second-order Taylor term",
        "half: float = 0.5",
        "half: float = 1.0",
    ),
    (
        "a Newton step without H^-1 (a plain gradient step)",
        "newton = x0 - torch.linalg.solve(H, gradient(quadratic, x0))",
        "newton = x0 - gradient(quadratic, x0)",
    ),
    (
        "keep the starting point's Hessian",
        "H_k = hessian(cubic, p) if fresh_hessian else H_start",
        "H_k = H_start",
    ),
]
