"""VAEs and GANs: the Gaussian KL term, the reparameterisation trick, and the GAN's optimal critic.

A VAE's encoder outputs a Gaussian q(z | x) = N(mu, sigma^2) per latent dimension, and its
loss (the negative ELBO) is a reconstruction term plus KL(q || N(0, 1)). That KL has a closed
form, so it needs no sampling. The reconstruction term is an expectation over z ~ q, and its
gradient with respect to mu and sigma is what the reparameterisation trick delivers: write
z = mu + sigma * eps with eps ~ N(0, 1), and the randomness no longer depends on the
parameters, so backpropagation goes straight through the sample. The alternative, the
score-function (REINFORCE) estimator, is also unbiased but far noisier.

A GAN trains a discriminator D to tell data from generated samples and a generator to fool
it: min_G max_D V(D, G) = E_data[log D(x)] + E_G[log(1 - D(x))]. For a fixed generator the
best discriminator is D*(x) = p_data / (p_data + p_g), and at D* the value is
-log 4 + 2 JS(p_data || p_g): the generator is minimising a Jensen-Shannon divergence.
"""

import math
from collections.abc import Callable

import torch

from demos.harness import Demo

CONCEPTS = ["vae-gan"]

N = 50_000  # Monte Carlo samples: standard errors ~ 1/sqrt(N) of the per-sample spread


def gaussian_kl(mu: torch.Tensor, log_var: torch.Tensor) -> torch.Tensor:
    """KL(N(mu, sigma^2) || N(0, 1)) summed over dimensions: the VAE regulariser, closed form."""
    return 0.5 * (mu**2 + log_var.exp() - 1 - log_var).sum()


def log_normal(z: torch.Tensor, mu: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
    return -0.5 * (((z - mu) / sigma) ** 2 + 2 * sigma.log() + math.log(2 * math.pi))


def reparameterised_grads(
    mu: torch.Tensor,
    sigma: torch.Tensor,
    eps: torch.Tensor,
    f: Callable,
    detach_sigma: bool = False,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-sample gradients of f(z), z = mu + sigma * eps, with respect to (mu, sigma).

    Each sample gets its own copy of the parameters, so autograd returns one gradient per
    sample and the demo can measure the estimator's spread, not just its mean.
    """
    mu_s = mu.expand_as(eps).clone().requires_grad_(True)
    sigma_s = sigma.expand_as(eps).clone().requires_grad_(True)
    s = sigma_s.detach() if detach_sigma else sigma_s  # the broken variant: no path to sigma
    z = mu_s + s * eps  # the noise is an input; the parameters enter deterministically
    grads = torch.autograd.grad(f(z).sum(), (mu_s, sigma_s), materialize_grads=True)
    return grads[0], grads[1]


def score_function_grads(
    mu: torch.Tensor, sigma: torch.Tensor, eps: torch.Tensor, f: Callable
) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-sample REINFORCE gradients: f(z) * d log q(z) / d(mu, sigma), with the sample fixed."""
    z = (mu + sigma * eps).detach()  # no gradient flows through the sample itself
    mu_s = mu.expand_as(eps).clone().requires_grad_(True)
    sigma_s = sigma.expand_as(eps).clone().requires_grad_(True)
    score_mu, score_sigma = torch.autograd.grad(log_normal(z, mu_s, sigma_s).sum(), (mu_s, sigma_s))
    return f(z) * score_mu, f(z) * score_sigma


def gan_value(d: torch.Tensor, p_data: torch.Tensor, p_g: torch.Tensor) -> torch.Tensor:
    """V(D, G) on a finite sample space: E_data[log D] + E_G[log(1 - D)]."""
    return (p_data * d.log()).sum() + (p_g * (1 - d).log()).sum()


def js_divergence(p: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
    m = (p + q) / 2
    return 0.5 * (p * (p / m).log()).sum() + 0.5 * (q * (q / m).log()).sum()


def run(demo: Demo) -> None:
    dt = torch.float64  # Monte Carlo averages over 2e5 samples: keep rounding far below noise

    # 1. The KL term in closed form equals its Monte Carlo estimate E_q[log q(z) - log p(z)].
    mu = demo.tensor([0.8, -1.5, 0.3], dtype=dt)
    log_var = demo.tensor([-0.7, 0.4, -2.0], dtype=dt)
    sigma = (0.5 * log_var).exp()
    eps = demo.randn(N, 3, seed=0, dtype=dt)
    z = mu + sigma * eps
    per_sample = (log_normal(z, mu, sigma) - log_normal(z, 0 * mu, 0 * sigma + 1)).sum(-1)
    mc_kl, se = per_sample.mean(), per_sample.std() / math.sqrt(N)
    kl_claim = demo.close(
        "closed-form KL(q || N(0,1)) equals its Monte Carlo estimate within 5 standard errors",
        gaussian_kl(mu, log_var),
        mc_kl,
        atol=float(5 * se),
        rtol=0.0,
    )
    # A common slip: treating log_var as log sigma, so the variance term uses the wrong scale.
    broken_kl = 0.5 * (mu**2 + (2 * log_var).exp() - 1 - log_var).sum()
    kl_claim.broken("with log_var read as log sigma, it does not", broken_kl)

    # 2. Gradient of E_{z ~ N(mu, sigma^2)}[z^2] = mu^2 + sigma^2: exactly (2 mu, 2 sigma).
    def f(z: torch.Tensor) -> torch.Tensor:
        return z**2

    m0, s0 = demo.tensor(1.5, dtype=dt), demo.tensor(0.7, dtype=dt)
    e = demo.randn(N, seed=1, dtype=dt)
    true_grad = torch.stack([2 * m0, 2 * s0])

    def mean_and_se(per_mu: torch.Tensor, per_sigma: torch.Tensor) -> tuple[torch.Tensor, float]:
        est = torch.stack([per_mu.mean(), per_sigma.mean()])
        return est, float(max(per_mu.std(), per_sigma.std()) / math.sqrt(N))

    rep_mu, rep_sigma = reparameterised_grads(m0, s0, e, f)
    reparam, reparam_se = mean_and_se(rep_mu, rep_sigma)
    rep_claim = demo.close(
        "the reparameterised gradient matches the true (2 mu, 2 sigma) within 5 standard errors",
        reparam,
        true_grad,
        atol=5 * reparam_se,
        rtol=0.0,
    )
    # Broken: a sample with no path back to sigma (as if the sampler were a black box).
    broken, _ = mean_and_se(*reparameterised_grads(m0, s0, e, f, detach_sigma=True))
    rep_claim.broken(
        "with sigma detached from the sample, sigma gets no gradient: it does not", broken
    )

    sf_mu, sf_sigma = score_function_grads(m0, s0, e, f)
    sf, sf_se = mean_and_se(sf_mu, sf_sigma)
    demo.close(
        "the score-function estimator is unbiased too: within 5 of its own standard errors",
        sf,
        true_grad,
        atol=5 * sf_se,
        rtol=0.0,
    )
    # Variance is what separates them: the per-sample spread of each estimator.
    demo.at_least(
        "the score-function mu-gradient's variance is at least 4x the reparameterised one's",
        float(sf_mu.var() / rep_mu.var()),
        4.0,
    )
    demo.at_least(
        "and likewise for the sigma-gradient",
        float(sf_sigma.var() / rep_sigma.var()),
        4.0,
    )

    # 3. The GAN value at the optimal discriminator is -log 4 + 2 JS(p_data || p_g).
    p_data = demo.tensor([0.05, 0.25, 0.40, 0.20, 0.10], dtype=dt)
    p_g = demo.tensor([0.30, 0.30, 0.10, 0.10, 0.20], dtype=dt)
    logits = torch.zeros(5, dtype=dt, device=demo.device)
    for _ in range(300):  # the discriminator's inner maximisation, by gradient ascent
        d = torch.sigmoid(logits)
        # dV/dlogit = p_data (1 - D) - p_g D: push D up where data is, down where fakes are.
        logits += 4.0 * (p_data * (1 - d) - p_g * d)
    d_trained = torch.sigmoid(logits)
    d_star = p_data / (p_data + p_g)
    demo.close(
        "a discriminator trained by gradient ascent reaches D* = p_data / (p_data + p_g)",
        d_trained,
        d_star,
        atol=1e-6,
        rtol=0.0,
    )
    js_claim = demo.close(
        "V(D*, G) = -log 4 + 2 JS(p_data || p_g)",
        gan_value(d_star, p_data, p_g),
        -math.log(4) + 2 * js_divergence(p_data, p_g),
        atol=1e-12,
        rtol=0.0,
    )
    half = torch.full_like(p_data, 0.5)
    js_claim.broken(
        "a discriminator stuck at 1/2 gives -log 4 whatever G is: it does not",
        gan_value(half, p_data, p_g),
    )
    demo.close(
        "when the generator matches the data, D* = 1/2 everywhere and V = -log 4",
        gan_value(p_data / (p_data + p_data), p_data, p_data),
        -math.log(4),
        atol=1e-12,
        rtol=0.0,
    )


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    ("drop the log-variance term from the KL", "log_var.exp() - 1 - log_var", "log_var.exp() - 1"),
    (
        "detach sigma inside the reparameterised sample",
        "z = mu_s + s * eps",
        "z = mu_s + s.detach() * eps",
    ),
    (
        "the optimal discriminator with p_g on top",
        "d_star = p_data / (p_data + p_g)",
        "d_star = p_g / (p_data + p_g)",
    ),
]
