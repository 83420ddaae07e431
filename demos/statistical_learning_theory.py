"""Learning theory: test error = bias^2 + variance + noise, lines shatter 3 points, double descent.

Refitting a model on many fresh training sets splits its expected test error into
bias (how far its average fit is from the truth), variance (how much the fit moves
between training sets) and the noise nobody can remove. Richer models trade bias for
variance, and the VC dimension measures that richness; but past the point where the
model can fit its training set exactly, test error can fall again (double descent).
"""

import itertools
import math

import torch

from demos.harness import Demo

CONCEPTS = ["statistical-learning-theory"]


def separable_labellings(points: torch.Tensor, epochs: int = 40, bias: bool = True) -> int:
    """How many of the 2^n +-1 labellings a line w . x + b can realise (perceptron, batched).
    Without the bias, only lines through the origin: w . x."""
    n = len(points)
    labels = torch.tensor(list(itertools.product([-1.0, 1.0], repeat=n)), dtype=points.dtype)
    labels = labels.to(points.device)  # (2^n, n)
    X = torch.cat([points, torch.ones_like(points[:, :1])], 1)  # (n, 3), bias as a feature
    X = X if bias else X[:, :2]
    w = torch.zeros(len(labels), X.shape[1], dtype=points.dtype, device=points.device)
    for _ in range(epochs):
        for i in range(n):
            wrong = (labels[:, i] * (w @ X[i]) <= 0).to(points.dtype)
            w = w + (wrong * labels[:, i])[:, None] * X[i]  # the perceptron update
    # The perceptron converges exactly when a separating line exists (here within 10 epochs).
    return int(((labels * (w @ X.T)) > 0).all(1).sum())


def random_features_error(demo: Demo, p: int, ridge: float) -> torch.Tensor:
    """Mean test error of ridge (min-norm at ridge = 0) regression on p random ReLU features."""
    d, n = 10, 40
    beta = demo.randn(d, seed=0, dtype=torch.float64) / math.sqrt(d)
    X = demo.randn(n, d, seed=1, dtype=torch.float64)
    X_test = demo.randn(500, d, seed=2, dtype=torch.float64)
    y = X @ beta + 0.2 * demo.randn(n, seed=3, dtype=torch.float64)
    errors = []
    for s in range(10):  # average over 10 draws of the random features
        W = demo.randn(p, d, seed=100 + s, dtype=torch.float64) / math.sqrt(d)
        F, F_test = torch.relu(X @ W.T), torch.relu(X_test @ W.T)
        if ridge == 0:
            a = torch.linalg.pinv(F) @ y  # the smallest-norm a that fits as well as possible
        else:
            eye = torch.eye(n, dtype=torch.float64, device=demo.device)
            a = F.T @ torch.linalg.solve(F @ F.T + ridge * eye, y)
        errors.append(((F_test @ a - X_test @ beta) ** 2).mean())
    return torch.stack(errors).mean()


def run(demo: Demo) -> None:
    # Bias-variance: fit polynomials to 500 training sets of 20 noisy samples of sin(pi x).
    sets, n, sigma = 500, 20, 0.3
    x = demo.rand(sets, n, seed=10, dtype=torch.float64) * 2 - 1
    y = torch.sin(math.pi * x) + sigma * demo.randn(sets, n, seed=11, dtype=torch.float64)
    x_test = torch.linspace(-0.9, 0.9, 50, device=demo.device, dtype=torch.float64)
    truth = torch.sin(math.pi * x_test)
    y_test = truth + sigma * demo.randn(sets, 50, seed=12, dtype=torch.float64)  # fresh noise

    parts = {}
    for degree in (1, 3, 6):
        powers = torch.arange(degree + 1, device=demo.device)
        coef = torch.linalg.lstsq(x[..., None] ** powers, y[..., None]).solution[..., 0]
        pred = coef @ (x_test[:, None] ** powers).T  # (sets, 50): one fit per training set
        squared = (pred - y_test) ** 2
        bias2 = ((pred.mean(0) - truth) ** 2).mean()
        variance = pred.var(0, unbiased=False).mean()
        se = squared.std() / math.sqrt(squared.numel())  # Monte Carlo error of the mean
        parts[degree] = (squared.mean(), bias2, variance, se)

    # The books must balance at every degree, where bias dominates (1) and where
    # variance does (6), each within 5 Monte Carlo standard errors of its test error
    # (degree 6's errors are heavy-tailed, so each degree is judged by its own error bar).
    error, bias2, variance, se = (
        torch.stack(column) for column in zip(*parts.values(), strict=True)
    )
    books = demo.at_most(
        "test error = bias^2 + variance + sigma^2 within 5 SE at degrees 1, 3 and 6",
        ((bias2 + variance + sigma**2 - error).abs() / se).max(),
        5.0,
    )
    # Negative control: leave out the irreducible noise and the books do not balance.
    books.broken("bias^2 + variance alone does not", ((bias2 + variance - error).abs() / se).max())
    demo.at_least("bias^2 falls over 10x from degree 1 to 3", parts[1][1] / parts[3][1], 10.0)
    demo.at_least("variance rises over 10x from degree 3 to 6", parts[6][2] / parts[3][2], 10.0)
    # The reducible error, bias^2 + variance, is U-shaped in the degree.
    reducible = {k: v[1] + v[2] for k, v in parts.items()}
    demo.at_most(
        "degree 3's bias^2 + variance is under half of degree 1's and degree 6's",
        reducible[3] / torch.minimum(reducible[1], reducible[6]),
        0.5,
    )

    # VC dimension of lines in the plane is 3: three points in general position get all 8
    # labellings, but four points at a square's corners miss the two XOR labellings.
    triangle = demo.tensor([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]], dtype=torch.float64)
    square = demo.tensor([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], dtype=torch.float64)
    shatter = demo.equal(
        "lines realise all 8 labellings of 3 points", separable_labellings(triangle), 8
    )
    # Without a bias a line must pass through the origin, where the first point sits:
    # it can never put that point strictly on either side.
    shatter.broken(
        "lines forced through the origin do not", separable_labellings(triangle, bias=False)
    )
    demo.equal(
        "lines realise 14 of the 16 labellings of a square", separable_labellings(square), 14
    )

    # Double descent with 40 training points: min-norm regression on p random features peaks
    # where p = 40 lets it just interpolate, then improves again as p keeps growing.
    under, peak, over = (random_features_error(demo, p, 0.0) for p in (20, 40, 1000))
    spike = demo.at_least("test error at p = n is over 10x that at p = n/2", peak / under, 10.0)
    demo.at_most("at p = 25n it is under half the p = n/2 error", over / under, 0.5)
    # Negative control: a ridge penalty tames the interpolation peak.
    ridge_peak = random_features_error(demo, 40, 0.1) / random_features_error(demo, 20, 0.1)
    spike.broken("with ridge 0.1 there is no such peak", ridge_peak)


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "measure the variance around the truth instead of the mean prediction",
        "variance = pred.var(0, unbiased=False).mean()",
        "variance = ((pred - truth) ** 2).mean()",
    ),
    (
        "drop the bias feature from the perceptron's lines",
        "X = torch.cat([points, torch.ones_like(points[:, :1])], 1)",
        "X = torch.cat([points, torch.zeros_like(points[:, :1])], 1)",
    ),
    (
        "drop the random features' non-linearity",
        "F, F_test = torch.relu(X @ W.T), torch.relu(X_test @ W.T)",
        "F, F_test = X @ W.T, X_test @ W.T",
    ),
]
