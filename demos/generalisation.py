"""Generalisation: a model is judged on data it never saw, and held-out data picks its capacity.

Fit polynomials of rising degree to 30 noisy samples of a smooth curve. Training
error can only fall as the degree grows, because each model contains the one
before; past some degree the extra freedom is spent on fitting the noise, and the
error on fresh data rises again. A validation set, kept out of the fit, finds the
degree where it turns; a test set, touched once at the very end, says how good
that choice really is. An L2 (ridge) penalty is the other knob: it keeps a
high-degree model but shrinks its coefficients, and the train/validation gap closes.
"""

import math

import torch

from demos.harness import Demo

CONCEPTS = ["generalisation"]

SIGMA = 0.3  # the noise's standard deviation: no predictor beats SIGMA^2 on fresh data
DEGREES = range(16)


def truth(x: torch.Tensor) -> torch.Tensor:
    return torch.sin(math.pi * x) * torch.exp(-x)


def features(x: torch.Tensor, degree: int) -> torch.Tensor:
    """The columns 1, x, x^2, ..., x^degree: a polynomial is linear in its coefficients."""
    return x[:, None] ** torch.arange(degree + 1, device=x.device)


def fit(x: torch.Tensor, y: torch.Tensor, degree: int, ridge: float = 0.0) -> torch.Tensor:
    """Coefficients w minimising |X w - y|^2 + ridge |w|^2, by least squares in float64."""
    X = features(x, degree)
    # Rows sqrt(ridge) * I with targets 0 add exactly ridge * |w|^2 to the squared error.
    eye = torch.eye(degree + 1, dtype=x.dtype, device=x.device)
    A = torch.cat([X, math.sqrt(ridge) * eye])
    b = torch.cat([y, torch.zeros(degree + 1, dtype=x.dtype, device=x.device)])
    return torch.linalg.lstsq(A.cpu(), b[:, None].cpu(), driver="gelsd").solution[:, 0].to(x)


def mse(w: torch.Tensor, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return ((features(x, len(w) - 1) @ w - y) ** 2).mean()


def run(demo: Demo) -> None:
    def sample(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
        x = demo.rand(n, seed=seed, dtype=torch.float64) * 2 - 1
        return x, truth(x) + SIGMA * demo.randn(n, seed=seed + 1, dtype=torch.float64)

    # Three independent draws from the same distribution: one to fit, one to choose, one to
    # report. The test set is large so that its error is close to the true expected error.
    train, val, test = sample(30, seed=1), sample(50, seed=3), sample(2000, seed=5)

    fits = [fit(*train, degree) for degree in DEGREES]
    train_err = torch.stack([mse(w, *train) for w in fits])
    val_err = torch.stack([mse(w, *val) for w in fits])
    test_err = torch.stack([mse(w, *test) for w in fits])
    noise = SIGMA**2

    # Capacity: the degree-d polynomials include every lower degree, so the least-squares
    # training error can never go up as d grows. It is the wrong number to choose d by.
    demo.at_most(
        "training error never rises with the degree (largest step up)",
        (train_err[1:] - train_err[:-1]).max(),
        1e-9,
    )
    # Underfitting: a straight line cannot follow the curve, so even its training error is
    # well above the noise floor. Overfitting: degree 15 fits its 30 points better than the
    # true curve could, which means it has learned some of the noise.
    demo.at_least("degree 1 underfits: training error / sigma^2", train_err[1] / noise, 1.25)
    demo.at_most("degree 15 fits the noise: training error / sigma^2", train_err[15] / noise, 0.5)

    # Validation error is U-shaped: high for too simple (bias), high for too flexible
    # (variance), lowest in between.
    chosen = int(val_err.argmin())
    demo.between("the validation-chosen degree is an interior one", chosen, 2, 12)
    demo.at_least(
        "both ends' validation error is over 3x the minimum's",
        torch.minimum(val_err[0], val_err[15]) / val_err[chosen],
        3.0,
    )

    # The test set, used once: the validation-chosen degree is within 25% of the best test
    # error any degree reaches, and close to the noise floor sigma^2.
    best_test = test_err.min()
    near_best = demo.at_most(
        "choosing on validation: test error / best test error", test_err[chosen] / best_test, 1.25
    )
    demo.at_most("its test error / sigma^2", test_err[chosen] / noise, 1.5)
    # Negative control: choosing the degree by training error always picks the largest
    # model, and its test error is many times the best.
    by_train = int(train_err.argmin())
    near_best.broken("choosing on training error is not", test_err[by_train] / best_test)

    # Regularisation as a knob: keep degree 15 but penalise |w|^2, with the strength picked on
    # the validation set like the degree was.
    lambdas = [10.0**k for k in range(-6, 2)]
    ridge_fits = [fit(*train, 15, ridge=lam) for lam in lambdas]
    ridge_train = torch.stack([mse(w, *train) for w in ridge_fits])
    ridge_val = torch.stack([mse(w, *val) for w in ridge_fits])
    pick = int(ridge_val.argmin())
    lam, w_ridge = lambdas[pick], ridge_fits[pick]

    # An independent check of the penalty: the ridge solution solves the normal equations
    # (X^T X + lambda I) w = X^T y, written out here without least squares.
    X = features(train[0], 15)
    eye = torch.eye(16, dtype=torch.float64, device=demo.device)
    normal = torch.linalg.solve(X.T @ X + lam * eye, X.T @ train[1])
    demo.close(
        "ridge fit solves (X^T X + lambda I) w = X^T y", w_ridge, normal, rtol=1e-6, atol=1e-8
    )

    # Turning the knob up costs training fit at every step ...
    demo.at_least(
        "each 10x step up in lambda raises ridge's training error (smallest ratio)",
        (ridge_train[1:] / ridge_train[:-1]).min(),
        1.03,
    )
    # ... and buys generalisation: the gap between validation and training error shrinks.
    gap_plain = val_err[15] - train_err[15]
    gap_ridge = ridge_val[pick] - ridge_train[pick]
    demo.at_least(
        "ridge narrows degree 15's train/validation gap by over 5x", gap_plain / gap_ridge, 5.0
    )
    demo.at_most("ridge degree 15: test error / sigma^2", mse(w_ridge, *test) / noise, 2.0)


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "choose the degree by training error instead of validation error",
        "chosen = int(val_err.argmin())",
        "chosen = int(train_err.argmin())",
    ),
    (
        "choose the ridge strength by training error",
        "pick = int(ridge_val.argmin())",
        "pick = int(ridge_train.argmin())",
    ),
    (
        "penalty rows of lambda instead of sqrt(lambda): the penalty becomes lambda^2 |w|^2",
        "A = torch.cat([X, math.sqrt(ridge) * eye])",
        "A = torch.cat([X, ridge * eye])",
    ),
]
