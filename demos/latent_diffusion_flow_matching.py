"""Flow matching: learn a velocity field that carries noise to data along straight lines.

Pick a noise sample x0 ~ N(0, 1) and a data sample x1, and join them by the straight path
x_t = (1 - t) x0 + t x1. Its velocity is the constant x1 - x0, so one Euler step of size 1
already lands on x1. A network v(x, t) cannot see which pair a point came from, so it is
trained by plain regression on that conditional target, E ||v(x_t, t) - (x1 - x0)||^2; the
minimiser is the average of x1 - x0 over all pairs passing through x at time t (the marginal
velocity), and integrating dx/dt = v(x, t) from t = 0 to 1 turns noise into data.

Latent diffusion and DiT run exactly this kind of generative process, but on the latents of
a pretrained autoencoder rather than on pixels; the toy here is 1-D so that every quantity has
a closed form. For N(0, 1) noise and N(m, s^2) data the marginal velocity is
v*(x, t) = m + (t s^2 - (1 - t)) / ((1 - t)^2 + t^2 s^2) * (x - t m), and its flow maps each
noise sample x0 to m + s x0.
"""

from collections.abc import Callable

import torch

from demos.harness import Demo

CONCEPTS = ["latent-diffusion-flow-matching"]

M, S = 2.0, 0.5  # the data distribution N(M, S^2); the noise is N(0, 1)
DEGREE = 6  # polynomial-in-t coefficients of the learned field v(x, t) = a(t) + b(t) x


def true_velocity(x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """The marginal velocity E[x1 - x0 | x_t = x] for Gaussian noise and Gaussian data."""
    var_t = (1 - t) ** 2 + t**2 * S**2
    return M + (t * S**2 - (1 - t)) / var_t * (x - t * M)


def features(x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """A field linear in x with polynomial-in-t coefficients: [t^k, x t^k] for k <= DEGREE."""
    powers = torch.stack([t**k for k in range(DEGREE + 1)], dim=-1)
    return torch.cat([powers, x[:, None] * powers], dim=-1)


def fit_velocity(demo: Demo, n: int, wrong_target: bool = False) -> torch.Tensor:
    """Conditional flow matching as least squares: regress v(x_t, t) on x1 - x0."""
    x0 = demo.randn(n, seed=1, dtype=torch.float64)
    x1 = M + S * demo.randn(n, seed=2, dtype=torch.float64)
    t = demo.rand(n, seed=3, dtype=torch.float64)
    xt = (1 - t) * x0 + t * x1  # a point on the straight path from noise to data
    target = x1 - x0  # that path's constant velocity
    if wrong_target:
        target = x1  # the broken variant: regress on the data point, not the direction
    return torch.linalg.lstsq(features(xt, t), target[:, None]).solution[:, 0]


def integrate(x: torch.Tensor, velocity: Callable, steps: int) -> torch.Tensor:
    """Euler steps of dx/dt = v(x, t) from t = 0 to t = 1."""
    dt = 1.0 / steps
    for i in range(steps):
        t = torch.full_like(x, i * dt)
        x = x + dt * velocity(x, t)
    return x


def run(demo: Demo) -> None:
    dt64 = torch.float64

    # 1. A single pair: the conditional velocity x1 - x0 is constant along the straight path,
    # so one Euler step of size 1 goes from the noise sample exactly to the data sample.
    x0 = demo.randn(1000, seed=10, dtype=dt64)
    x1 = M + S * demo.randn(1000, seed=11, dtype=dt64)
    one_step = demo.close(
        "one Euler step along the conditional velocity x1 - x0 lands on x1",
        integrate(x0, lambda x, t: x1 - x0, steps=1),
        x1,
        rtol=0.0,
        atol=1e-12,
    )
    one_step.broken("stepping with velocity x1 instead lands elsewhere", x0 + x1)

    # 2. The exact marginal field maps noise to data: each x0 to m + s x0 (its ODE is solved
    # by Euler with 1000 steps up to an O(1/steps) error, ~2.6e-3 here).
    moved = integrate(x0, true_velocity, steps=1000)
    demo.close(
        "integrating the exact marginal velocity sends each x0 to M + S x0",
        moved,
        M + S * x0,
        rtol=0.0,
        atol=1e-2,
    )

    # 3. Train (here: least squares, the exact minimiser of the flow matching loss over the
    # field's family) on 20,000 random (x0, x1, t) triples, then sample from fresh noise.
    coef = fit_velocity(demo, 20_000)

    def learned(x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        return features(x, t) @ coef

    # Compare on a grid where x_t actually has mass: within 2 std of its mean at each t.
    grid_z = torch.linspace(-2, 2, 21, dtype=dt64, device=demo.device)
    grid_t = torch.linspace(0.05, 0.95, 19, dtype=dt64, device=demo.device)
    gz, gt = torch.meshgrid(grid_z, grid_t, indexing="ij")
    gx = gt * M + gz * ((1 - gt) ** 2 + gt**2 * S**2).sqrt()
    demo.close(
        "where x_t has mass, the learned field matches the marginal velocity within 0.25",
        learned(gx.flatten(), gt.flatten()),
        true_velocity(gx.flatten(), gt.flatten()),
        rtol=0.0,
        atol=0.25,  # measured ~0.13: a degree-6 polynomial fitted to noisy regression targets
    )

    noise = demo.randn(5_000, seed=20, dtype=dt64)
    samples = integrate(noise, learned, steps=100)
    stats = torch.stack([samples.mean(), samples.std()])
    # The sample mean and std of 5,000 draws have standard errors ~0.007 and ~0.005; the
    # fitted field and 100 Euler steps add small biases. 0.05 leaves several standard errors.
    moments = demo.close(
        "5,000 samples from the learned flow have the data's mean M and std S within 0.05",
        stats,
        torch.tensor([M, S], dtype=dt64, device=demo.device),
        rtol=0.0,
        atol=0.05,
    )
    wrong = fit_velocity(demo, 20_000, wrong_target=True)
    bad = integrate(noise, lambda x, t: features(x, t) @ wrong, steps=100)
    moments.broken(
        "a field regressed on x1 instead of x1 - x0 does not",
        torch.stack([bad.mean(), bad.std()]),
    )
    moments.broken(
        "nor does the untrained starting point, the noise itself",
        torch.stack([noise.mean(), noise.std()]),
    )


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "regress on the data point instead of the path's velocity",
        "target = x1 - x0  #",
        "target = x1  #",
    ),
    (
        "reverse the interpolation, so t = 0 is data and t = 1 is noise",
        "xt = (1 - t) * x0 + t * x1  #",
        "xt = t * x0 + (1 - t) * x1  #",
    ),
]
