"""Generative models: fit p(x) by maximum likelihood, sample from it, bound log p(x) by the ELBO.

A generative model is a distribution p_theta(x) over the data itself, not over a
label. Maximum likelihood picks the theta that makes the observed data most
probable; averaged over the data, the negative log-likelihood is the
cross-entropy from the data to the model, so minimising it minimises the KL
divergence to the data. A fitted model generates new data by sampling.

A latent-variable model generates z ~ p(z), then x ~ p(x | z); its likelihood
log p(x) needs an integral over z that is usually intractable. A VAE maximises
instead the evidence lower bound, ELBO(q) = E_q[log p(x | z)] - KL(q(z) || p(z)),
which equals log p(x) - KL(q(z) || p(z | x)): a lower bound for any encoder q,
exact when q is the true posterior. Probabilistic PCA is a latent model in which
every term has a closed form, so the demo can check all of this exactly.
"""

import math

import torch

from demos.harness import Demo

CONCEPTS = ["generative-models"]

LOG_2PI = math.log(2 * math.pi)


def gaussian_log_density(x: torch.Tensor, mean: torch.Tensor, chol: torch.Tensor) -> torch.Tensor:
    """log N(x; mean, L L^T) for each row of x, given the Cholesky factor L."""
    d = x.shape[-1]
    # Whiten the residual: u = L^-1 (x - mean), so |u|^2 is the Mahalanobis distance.
    u = torch.linalg.solve_triangular(chol, (x - mean).T, upper=False).T
    log_det = 2 * chol.diagonal().log().sum()  # log det(L L^T)
    return -0.5 * (d * LOG_2PI + log_det + (u * u).sum(-1))


def cholesky_from(raw: torch.Tensor) -> torch.Tensor:
    """An unconstrained square matrix -> a lower-triangular factor with a positive diagonal."""
    return raw.tril(-1) + torch.diag(raw.diagonal().exp())


def fit_gaussian(
    x: torch.Tensor, steps: int, lr: float, normalised: bool = True
) -> tuple[torch.Tensor, torch.Tensor]:
    """Plain gradient descent on the mean negative log-likelihood of a full-covariance Gaussian."""
    d = x.shape[1]
    mean = torch.zeros(d, dtype=x.dtype, device=x.device, requires_grad=True)
    raw = torch.zeros(d, d, dtype=x.dtype, device=x.device, requires_grad=True)
    for _ in range(steps):
        chol = cholesky_from(raw)
        if normalised:
            nll = -gaussian_log_density(x, mean, chol).mean()
        else:
            # The broken variant: "fit by minimising the Mahalanobis distance", forgetting the
            # log-determinant that keeps the density integrating to one.
            u = torch.linalg.solve_triangular(chol, (x - mean).T, upper=False)
            nll = 0.5 * (u * u).sum(0).mean()
        g_mean, g_raw = torch.autograd.grad(nll, (mean, raw))
        with torch.no_grad():
            mean -= lr * g_mean
            raw -= lr * g_raw
    return mean.detach(), cholesky_from(raw).detach()


def elbo(
    x: torch.Tensor,
    W: torch.Tensor,
    mu: torch.Tensor,
    noise_var: float,
    q_mean: torch.Tensor,
    q_cov: torch.Tensor,
) -> tuple[torch.Tensor, torch.Tensor]:
    """The ELBO of probabilistic PCA for a Gaussian encoder q(z) = N(q_mean, q_cov), in closed form.

    p(z) = N(0, I), p(x | z) = N(W z + mu, noise_var I). The expected log-likelihood
    E_q[log p(x | z)] is log p(x | z = q_mean) less the spread of W z under q. Returns
    the ELBO and, for the negative control, the expected log-likelihood on its own.
    """
    d, k = W.shape
    resid = x - mu - q_mean @ W.T
    expected_loglik = -0.5 * (
        d * (LOG_2PI + math.log(noise_var))
        + (resid * resid).sum(-1) / noise_var
        + (W @ q_cov @ W.T).diagonal(dim1=-2, dim2=-1).sum(-1) / noise_var
    )
    # KL(N(m, S) || N(0, I)) = (tr S + |m|^2 - k - log det S) / 2
    kl = 0.5 * (
        q_cov.diagonal(dim1=-2, dim2=-1).sum(-1)
        + (q_mean * q_mean).sum(-1)
        - k
        - torch.logdet(q_cov)
    )
    return expected_loglik - kl, expected_loglik


def run(demo: Demo) -> None:
    f64 = {"device": demo.device, "dtype": torch.float64}

    # ---- 1. Maximum likelihood for a Gaussian -----------------------------------------------
    # Data from a correlated 2-D Gaussian the model never sees directly.
    n = 1000
    true_mean = demo.tensor([1.0, -2.0], dtype=torch.float64)
    true_chol = torch.linalg.cholesky(demo.tensor([[2.0, 0.8], [0.8, 1.0]], dtype=torch.float64))
    x = true_mean + demo.randn(n, 2, seed=0, dtype=torch.float64) @ true_chol.T

    # The density the model assigns, checked against PyTorch's own implementation.
    probe_chol = cholesky_from(0.3 * demo.randn(2, 2, seed=1, dtype=torch.float64))
    reference = torch.distributions.MultivariateNormal(true_mean, scale_tril=probe_chol)
    demo.close(
        "our Gaussian log-density equals torch.distributions.MultivariateNormal.log_prob",
        gaussian_log_density(x[:50], true_mean, probe_chol),
        reference.log_prob(x[:50]),
    )

    # Gradient descent sees only the NLL and its gradient; the closed-form maximiser is the
    # sample mean and the 1/n (not 1/(n-1)) sample covariance.
    mean, chol = fit_gaussian(x, steps=100, lr=0.5)
    sample_mean = x.mean(0)
    sample_cov = (x - sample_mean).T @ (x - sample_mean) / n
    demo.close(
        "gradient descent on the NLL finds the sample mean", mean, sample_mean, rtol=0, atol=1e-8
    )
    covariance = demo.close(
        "gradient descent on the NLL finds the 1/n sample covariance",
        chol @ chol.T,
        sample_cov,
        rtol=0,
        atol=1e-8,
    )
    # The mean NLL is the cross-entropy from the data to the model. For a Gaussian model it
    # depends on the data only through its mean and covariance, and at the optimum these match,
    # so it equals the fitted Gaussian's own entropy (d/2) log(2 pi e) + (1/2) log det(S):
    # nothing is left of the KL term. Here d = 2 and the number comes from det(S) alone.
    nll = -gaussian_log_density(x, mean, chol).mean()
    demo.close(
        "the NLL at the optimum is the fitted Gaussian's entropy, log(2 pi e) + log det / 2",
        nll,
        math.log(2 * math.pi * math.e) + 0.5 * math.log(float(torch.det(sample_cov))),
        rtol=0,
        atol=1e-8,
    )

    # Negative control: drop the log-determinant and the loss rewards ever wider Gaussians,
    # so the fitted covariance runs away from the data's.
    _, wrong_chol = fit_gaussian(x, steps=100, lr=0.5, normalised=False)
    covariance.broken(
        "without the log-determinant, gradient descent does not", wrong_chol @ wrong_chol.T
    )

    # ---- 2. Sampling: the fitted model generates data with the data's moments ----------------
    m = 40_000
    eps = demo.randn(m, 2, seed=2, dtype=torch.float64)
    samples = mean + eps @ chol.T  # x = mean + L eps has covariance L L^T

    def worst_z(generated: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Largest gaps to the data's mean and covariance, in Monte Carlo standard errors."""
        var = sample_cov.diagonal()
        z_mean = (generated.mean(0) - sample_mean).abs() / (var / m).sqrt()
        # Var of a sample covariance entry: (S_ii S_jj + S_ij^2) / m for Gaussian data.
        se_cov = ((var[:, None] * var[None, :] + sample_cov**2) / m).sqrt()
        z_cov = (torch.cov(generated.T, correction=0) - sample_cov).abs() / se_cov
        return z_mean.max(), z_cov.max()

    z_mean, z_cov = worst_z(samples)
    demo.at_most("samples' mean matches the data's within 5 standard errors", z_mean, 5.0)
    spread = demo.at_most(
        "samples' covariance matches the data's within 5 standard errors", z_cov, 5.0
    )
    # Negative control: eps @ L instead of eps @ L.T, the transposed factor, gives
    # covariance L^T L, which is not the fitted L L^T.
    _, z_cov_wrong = worst_z(mean + eps @ chol)
    spread.broken("sampling with the transposed factor does not", z_cov_wrong)

    # ---- 3. A latent-variable model and its evidence lower bound ----------------------------
    # Probabilistic PCA: z ~ N(0, I_k), x | z ~ N(W z + mu, s2 I_d). Its marginal is
    # N(mu, W W^T + s2 I), so log p(x) is exact, with no integral left to approximate.
    d, k, s2 = 5, 2, 0.3
    W = demo.randn(d, k, seed=3, dtype=torch.float64)
    mu = demo.randn(d, seed=4, dtype=torch.float64)
    z_true = demo.randn(8, k, seed=5, dtype=torch.float64)
    xs = z_true @ W.T + mu + math.sqrt(s2) * demo.randn(8, d, seed=6, dtype=torch.float64)
    marginal = torch.distributions.MultivariateNormal(mu, W @ W.T + s2 * torch.eye(d, **f64))
    log_px = marginal.log_prob(xs)  # (8,)

    # The exact posterior p(z | x) = N(M^-1 W^T (x - mu), s2 M^-1) with M = W^T W + s2 I.
    M = W.T @ W + s2 * torch.eye(k, **f64)
    post_mean = (xs - mu) @ W @ torch.linalg.inv(M)  # M is symmetric
    post_cov = s2 * torch.linalg.inv(M)
    at_posterior, _ = elbo(xs, W, mu, s2, post_mean, post_cov.expand(8, k, k))
    demo.close("with the exact posterior as encoder, ELBO = log p(x)", at_posterior, log_px)

    # Many encoders per data point: random guesses, and small perturbations of the posterior
    # so the bound is tested close to where it becomes tight.
    e = 400
    scale = torch.logspace(-3, 0.5, e, **f64)[:, None, None]  # (e, 1, 1)
    q_mean = post_mean + scale * demo.randn(e, 8, k, seed=7, dtype=torch.float64)
    q_root = torch.linalg.cholesky(post_cov) + scale[..., None] * demo.randn(
        e, 8, k, k, seed=8, dtype=torch.float64
    )
    q_cov = q_root @ q_root.transpose(-2, -1) + 1e-6 * torch.eye(k, **f64)
    bound, expected_loglik = elbo(xs, W, mu, s2, q_mean, q_cov)  # (e, 8)
    lower = demo.at_most(
        "for 3,200 encoders ELBO - log p(x) <= 0: a lower bound", (bound - log_px).max(), 1e-12
    )
    # The gap is exactly the KL from the encoder to the true posterior (torch's own formula).
    gap_kl = torch.distributions.kl_divergence(
        torch.distributions.MultivariateNormal(q_mean, q_cov),
        torch.distributions.MultivariateNormal(post_mean, post_cov),
    )
    demo.close(
        "log p(x) - ELBO = KL(q || p(z | x)) for every encoder",
        log_px - bound,
        gap_kl,
        rtol=1e-9,
        atol=1e-10,
    )
    # Negative control: forget the KL term, i.e. train only E_q[log p(x | z)], and the
    # "bound" climbs above log p(x).
    lower.broken(
        "E_q log p(x | z) without the KL term is not a lower bound",
        (expected_loglik - log_px).max(),
    )

    # How a VAE actually estimates the ELBO: sample z = m + C eps (reparameterised) and average
    # log p(x | z) + log p(z) - log q(z), each an ordinary log-density.
    r = 20_000
    eps_z = demo.randn(r, k, seed=9, dtype=torch.float64)
    pick = 300  # an encoder well off the posterior: its ELBO is 2.3 nats below log p(x)
    one_x, one_m, one_cov = xs[0], q_mean[pick, 0], q_cov[pick, 0]
    one_root = torch.linalg.cholesky(one_cov)
    z = one_m + eps_z @ one_root.T
    noise_chol = math.sqrt(s2) * torch.eye(d, **f64)
    log_w = (
        gaussian_log_density(one_x.expand(r, d), z @ W.T + mu, noise_chol)
        + gaussian_log_density(z, torch.zeros(k, **f64), torch.eye(k, **f64))
        - gaussian_log_density(z, one_m, one_root)
    )
    demo.close(
        "the sampled (reparameterised) ELBO matches the closed form within 5 SE",
        log_w.mean(),
        bound[pick, 0],
        rtol=0,
        atol=5 * float(log_w.std()) / math.sqrt(r),
    )
    # At the exact posterior log p(x, z) - log q(z) = log p(x) for every z: zero variance.
    post_root = torch.linalg.cholesky(post_cov)
    zp = post_mean[0] + eps_z @ post_root.T
    log_w_post = (
        gaussian_log_density(one_x.expand(r, d), zp @ W.T + mu, noise_chol)
        + gaussian_log_density(zp, torch.zeros(k, **f64), torch.eye(k, **f64))
        - gaussian_log_density(zp, post_mean[0], post_root)
    )
    demo.close(
        "at the exact posterior every sample's log p(x, z) - log q(z) equals log p(x)",
        log_w_post,
        log_px[0].expand(r),
    )


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "log det(L L^T) taken as log det L, missing the factor 2",
        "log_det = 2 * chol.diagonal().log().sum()",
        "log_det = chol.diagonal().log().sum()",
    ),
    (
        "add the KL term to the ELBO instead of subtracting it",
        "return expected_loglik - kl,",
        "return expected_loglik + kl,",
    ),
    (
        "sample with the transposed Cholesky factor",
        "samples = mean + eps @ chol.T",
        "samples = mean + eps @ chol",
    ),
]
