"""Scaling laws: fit L(N) = E + A N^-alpha, then split a compute budget the Chinchilla way.

Loss falls as a power law in model size down to an irreducible floor E, and the exponent
can be read off a handful of small runs only if that floor is fitted too. With the
Chinchilla fit L(N, D) = E + A/N^alpha + B/D^beta and compute C = 6ND, the loss-optimal
model grows as C^(beta/(alpha+beta)) = C^0.45 and its data as C^0.55: grow both about
equally, which left earlier, larger models such as Gopher short of training tokens.
"""

import torch

from demos.harness import Demo

CONCEPTS = ["scaling-laws"]

# Hoffmann et al. (2022), approach 3: L(N, D) = E + A / N^alpha + B / D^beta.
E, A, B, ALPHA, BETA = 1.69, 406.4, 410.7, 0.34, 0.28


def fit_power_law(N: torch.Tensor, L: torch.Tensor, floors: torch.Tensor) -> torch.Tensor:
    """Fit log(L - E) = log A - alpha log N for each floor E; return alpha of the best fit."""
    y = torch.log(L[None] - floors[:, None])  # (floors, points)
    x = torch.log(N).expand_as(y)
    xm, ym = x.mean(1, keepdim=True), y.mean(1, keepdim=True)
    slope = ((x - xm) * (y - ym)).sum(1) / ((x - xm) ** 2).sum(1)
    intercept = ym.squeeze(1) - slope * xm.squeeze(1)
    fitted = floors[:, None] + torch.exp(intercept[:, None] + slope[:, None] * x)
    best = ((fitted - L) ** 2).sum(1).argmin()  # judge each fit on the loss scale
    return -slope[best]


def chinchilla(N: torch.Tensor, D: torch.Tensor) -> torch.Tensor:
    return E + A / N**ALPHA + B / D**BETA


def run(demo: Demo) -> None:
    f64 = {"dtype": torch.float64, "device": demo.device}

    # Twelve "training runs" from 1e6 to 1e10 parameters on a known law, with 0.5% noise.
    N = torch.logspace(6, 10, 12, **f64)
    noise = torch.exp(0.005 * demo.randn(12, seed=0, dtype=torch.float64))
    L = (1.8 + 400.0 * N**-0.3) * noise
    alpha = fit_power_law(N, L, torch.linspace(0.0, float(L.min()) - 1e-3, 4000, **f64))
    recovers = demo.close(
        "fitting E + A N^-alpha recovers alpha = 0.3 within 10%", alpha, 0.3, rtol=0.1, atol=0
    )
    # Leave out the floor (a straight line in log-log) and the exponent comes out badly
    # wrong, because the curve is flattening towards E.
    recovers.broken("a pure power law (no E) does not", fit_power_law(N, L, torch.zeros(1, **f64)))

    # Compute-optimal allocation: for each budget C, search N on a fine log grid with
    # D = C / (6N), and fit the slope of log N_opt against log C.
    C = torch.logspace(20, 26, 7, **f64)
    grid = torch.logspace(6, 14, 40_001, **f64)
    losses = chinchilla(grid[None], C[:, None] / (6 * grid[None]))
    n_opt = grid[losses.argmin(1)]
    log_c = torch.log(C)
    slope = torch.cov(torch.stack([log_c, torch.log(n_opt)]))[0, 1] / log_c.var()
    demo.close(
        "N_opt grows as C^(beta/(alpha+beta)) = C^0.452",
        slope,
        BETA / (ALPHA + BETA),
        atol=1e-3,
        rtol=0,
    )

    # The closed form: N_opt = G (C/6)^(beta/(alpha+beta)), G = (alpha A / beta B)^(1/(alpha+beta)).
    G = (ALPHA * A / (BETA * B)) ** (1 / (ALPHA + BETA))
    demo.close(
        "the grid search matches the closed-form N_opt to 0.1%",
        n_opt,
        G * (C / 6) ** (BETA / (ALPHA + BETA)),
        rtol=1e-3,
        atol=0,
    )

    # Gopher spent about 6 x 280e9 x 300e9 FLOPs on a 280B model. At that budget the law
    # prefers a smaller model on more tokens, and predicts a lower loss.
    gopher = torch.tensor([6 * 280e9 * 300e9], **f64)
    n_best = G * (gopher / 6) ** (BETA / (ALPHA + BETA))
    demo.at_most(
        "the compute-optimal model at Gopher's budget is under half its size", n_best / 280e9, 0.5
    )
    gopher_loss = chinchilla(torch.tensor(280e9, **f64), torch.tensor(300e9, **f64))
    best_loss = chinchilla(n_best, gopher / (6 * n_best))
    demo.at_least("and its predicted loss is lower by at least 0.01", gopher_loss - best_loss, 0.01)


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "fit without the irreducible floor",
        "torch.linspace(0.0, float(L.min()) - 1e-3, 4000, **f64)",
        "torch.zeros(1, **f64)",
    ),
    (
        "spend compute as C = N D instead of 6 N D",
        "losses = chinchilla(grid[None], C[:, None] / (6 * grid[None]))",
        "losses = chinchilla(grid[None], C[:, None] / grid[None])",
    ),
    (
        "swap the parameter and data exponents",
        "return E + A / N**ALPHA + B / D**BETA",
        "return E + A / N**BETA + B / D**ALPHA",
    ),
]
