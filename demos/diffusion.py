"""Diffusion: a thousand small noising steps collapse into one closed-form jump that can be undone.

DDPM's forward process scales the signal by sqrt(1 - beta_t) and adds noise of
variance beta_t at each step. Composed, the steps give q(x_t | x_0) =
N(sqrt(abar_t) x_0, (1 - abar_t) I) with abar_t the product of (1 - beta), so
training can jump to any step at once, and knowing the noise recovers x_0.
That is why a network trained to predict the noise is all a sampler needs.
"""

import torch

from demos.harness import Demo

CONCEPTS = ["diffusion"]

T = 1000


def q_sample(x0: torch.Tensor, abar_t: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
    """The closed-form jump: x_t = sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps."""
    return abar_t.sqrt() * x0 + (1 - abar_t).sqrt() * noise


def predict_x0(xt: torch.Tensor, abar_t: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
    """Undo the jump given the noise (in a sampler, the network's prediction of it)."""
    return (xt - (1 - abar_t).sqrt() * noise) / abar_t.sqrt()


def run(demo: Demo) -> None:
    betas = torch.linspace(1e-4, 0.02, T, dtype=torch.float64, device=demo.device)
    abar = torch.cumprod(1 - betas, 0)

    # The schedule ends near pure noise: almost none of x_0 survives to step T.
    demo.at_most("sqrt(abar_T): what is left of the signal at t = 1000", abar[-1].sqrt(), 0.02)

    # Composing the steps exactly: the signal's coefficient c and the noise variance v
    # follow c <- sqrt(1 - beta) c and v <- (1 - beta) v + beta.
    c, v, coefs, variances = 1.0, 0.0, [], []
    for beta in betas.tolist():
        c, v = (1 - beta) ** 0.5 * c, (1 - beta) * v + beta
        coefs.append(c)
        variances.append(v)
    c, v = demo.tensor(coefs, dtype=torch.float64), demo.tensor(variances, dtype=torch.float64)
    demo.close("the steps' signal coefficients compose to sqrt(abar_t)", c, abar.sqrt())
    demo.close("the steps' noise variances compose to 1 - abar_t", v, 1 - abar)

    # Monte Carlo: run the chain step by step on many copies of one data point x_0 = 2,
    # next to the bug of adding each step's noise without shrinking the signal.
    m, x0, stop = 10_000, 2.0, 500
    steps_noise = demo.randn(stop, m, seed=0).double()  # drawn at once: one draw is faster
    x = torch.full((m,), x0, dtype=torch.float64, device=demo.device)
    unshrunk = x.clone()
    for t, eps in enumerate(steps_noise):
        x = (1 - betas[t]).sqrt() * x + betas[t].sqrt() * eps
        unshrunk = unshrunk + betas[t].sqrt() * eps
    mean, var = float(abar[stop - 1].sqrt() * x0), float(1 - abar[stop - 1])
    # The mean's standard error is sqrt(var / m), the variance's about var * sqrt(2 / m).
    se_mean, se_var = (var / m) ** 0.5, var * (2 / m) ** 0.5
    chain_mean = demo.close(
        "mean of x_500 after 500 steps matches sqrt(abar) x_0 (5 standard errors)",
        x.mean(),
        mean,
        atol=5 * se_mean,
    )
    chain_mean.broken("adding noise without scaling x down keeps the mean at x_0", unshrunk.mean())
    demo.close("variance of x_500 matches 1 - abar", x.var(), var, atol=5 * se_var)

    # One jump instead of 500 steps, on fresh noise: the same distribution as the chain's.
    # Two independent samples of 10,000: their means differ by about sqrt(2 var / m).
    jumped = q_sample(torch.full_like(x, x0), abar[stop - 1], demo.randn(m, seed=5).double())
    demo.close(
        "one closed-form jump to t = 500 has the chain's mean (5 standard errors)",
        jumped.mean(),
        x.mean(),
        atol=5 * (2 * var / m) ** 0.5,
    )
    demo.close(
        "and the chain's variance",
        jumped.var(),
        x.var(),
        atol=5 * 2**0.5 * se_var,
    )

    # Knowing the noise undoes the jump exactly: x_0 = (x_t - sqrt(1 - abar) eps) / sqrt(abar).
    x0s = demo.randn(8, 3, 16, 16, seed=1, dtype=torch.float64)
    noise = demo.randn(8, 3, 16, 16, seed=2, dtype=torch.float64)
    a = abar[299]
    xt = q_sample(x0s, a, noise)
    recovered = demo.close("x_0 is recovered from x_t and its noise", predict_x0(xt, a, noise), x0s)
    # With a fresh noise draw (a noise predictor that learned nothing) it is not.
    fresh = demo.randn(8, 3, 16, 16, seed=3, dtype=torch.float64)
    recovered.broken("with the wrong noise it is not", predict_x0(xt, a, fresh))


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "noise each step without shrinking the signal",
        "x = (1 - betas[t]).sqrt() * x + betas[t].sqrt() * eps",
        "x = x + betas[t].sqrt() * eps",
    ),
    (
        "abar instead of sqrt(abar) on the signal in the jump",
        "return abar_t.sqrt() * x0 + (1 - abar_t).sqrt() * noise",
        "return abar_t * x0 + (1 - abar_t).sqrt() * noise",
    ),
    (
        "the product of the betas instead of the alphas",
        "abar = torch.cumprod(1 - betas, 0)",
        "abar = torch.cumprod(betas, 0)",
    ),
]
