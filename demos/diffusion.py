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

    # Monte Carlo: run the chain step by step on many copies of one data point x_0 = 2.
    m, x0, stop = 20_000, 2.0, 500
    gen = demo.generator(0)
    x = torch.full((m,), x0, dtype=torch.float64, device=demo.device)
    broken = x.clone()
    for t in range(stop):
        eps = torch.randn(m, generator=gen, dtype=torch.float64).to(demo.device)
        x = (1 - betas[t]).sqrt() * x + betas[t].sqrt() * eps
        broken = broken + betas[t].sqrt() * eps  # forgot to shrink the signal
    mean, var = float(abar[stop - 1].sqrt() * x0), float(1 - abar[stop - 1])
    # The mean's standard error is sqrt(var / m), the variance's about var * sqrt(2 / m).
    se_mean, se_var = (var / m) ** 0.5, var * (2 / m) ** 0.5
    demo.close("mean of x_500 matches sqrt(abar) x_0", x.mean(), mean, atol=5 * se_mean)
    demo.close("variance of x_500 matches 1 - abar", x.var(), var, atol=5 * se_var)
    # Negative control: adding noise without scaling x down keeps the mean at x_0.
    demo.close(
        "unscaled noising also matches sqrt(abar) x_0",
        broken.mean(),
        mean,
        atol=5 * se_mean,
        negative=True,
    )

    # One jump: sample x_t directly, then invert with the very noise that made it.
    x0s = demo.randn(8, 3, 16, 16, seed=1, dtype=torch.float64)
    noise = demo.randn(8, 3, 16, 16, seed=2, dtype=torch.float64)
    a = abar[299]
    xt = a.sqrt() * x0s + (1 - a).sqrt() * noise
    demo.close(
        "x_0 = (x_t - sqrt(1 - abar) eps) / sqrt(abar)",
        (xt - (1 - a).sqrt() * noise) / a.sqrt(),
        x0s,
    )
    # Negative control: with a fresh noise draw (a useless noise predictor) it fails.
    fresh = demo.randn(8, 3, 16, 16, seed=3, dtype=torch.float64)
    demo.close(
        "inverting with the wrong noise also recovers x_0",
        (xt - (1 - a).sqrt() * fresh) / a.sqrt(),
        x0s,
        atol=0.1,
        negative=True,
    )
