"""PPO: the clipped surrogate stops pushing once the probability ratio leaves [1 - eps, 1 + eps].

PPO maximises min(rho A, clip(rho, 1 - eps, 1 + eps) A), with rho = pi_new / pi_old. When
an action is already more likely than before and good (A > 0, rho > 1 + eps), or already
less likely and bad (A < 0, rho < 1 - eps), the gradient is exactly zero, so several epochs
on one batch cannot run away; in the other two corners it still pushes back. RLHF also
subtracts a KL penalty, usually estimated per sample with k3 = (r - 1) - log r, which is
never negative, unlike the plain -log r.
"""

import torch

from demos.harness import Demo

CONCEPTS = ["ppo"]

EPS = 0.2


def surrogate(logp: torch.Tensor, logp_old: torch.Tensor, adv: torch.Tensor) -> torch.Tensor:
    ratio = (logp - logp_old).exp()
    return torch.min(ratio * adv, ratio.clamp(1 - EPS, 1 + EPS) * adv)


def run(demo: Demo) -> None:
    # Four corners plus the inside: ratio 1.5 or 0.5 (outside the clip range), or 1.0.
    ratio = demo.tensor([1.5, 0.5, 0.5, 1.5, 1.0])
    adv = demo.tensor([1.0, -1.0, 1.0, -1.0, 2.0])
    logp = ratio.log().requires_grad_()
    (grad,) = torch.autograd.grad(surrogate(logp, torch.zeros_like(logp), adv).sum(), logp)
    demo.equal("A > 0 with rho > 1 + eps: zero gradient", grad[0], 0.0)
    demo.equal("A < 0 with rho < 1 - eps: zero gradient", grad[1], 0.0)
    demo.close("inside the range the gradient is rho * A = 2", grad[4], 2.0)
    # Negative control: in the other two corners the unclipped term still pulls.
    demo.equal("A > 0 with rho < 1 - eps: zero gradient too", grad[2], 0.0, negative=True)
    demo.equal("A < 0 with rho > 1 + eps: zero gradient too", grad[3], 0.0, negative=True)

    # KL estimators from samples of the policy, with r = pi_ref(x) / pi(x).
    policy, ref = demo.randn(10, seed=0).log_softmax(-1), demo.randn(10, seed=1).log_softmax(-1)
    g = demo.generator(2)
    x = torch.multinomial(policy.exp().cpu(), 100_000, replacement=True, generator=g)
    log_r = (ref - policy)[x.to(demo.device)]
    k1, k3 = -log_r, log_r.exp() - 1 - log_r
    exact = (policy.exp() * (policy - ref)).sum()
    demo.at_least("k3 is non-negative on every sample", k3.min(), 0.0)
    sigma = k3.std() / len(k3) ** 0.5
    demo.at_most(
        "k3's mean is within 5 sigma of the exact KL", (k3.mean() - exact).abs() / sigma, 5.0
    )
    demo.at_least("k1 = -log r is non-negative on every sample", k1.min(), 0.0, negative=True)

    # A PPO loop on a 6-armed bandit: sample a batch from pi_old, then 4 epochs of
    # ascent on the clipped surrogate with a k3 KL penalty to the starting policy.
    reward = demo.tensor([0.0, 0.2, 0.5, 1.0, 0.3, 0.1])
    ref_logits = torch.zeros(6, device=demo.device)
    logits = ref_logits.clone()
    for it in range(40):
        old = logits.log_softmax(-1)
        a = torch.multinomial(
            old.exp().cpu(), 256, replacement=True, generator=demo.generator(10 + it)
        )
        a = a.to(demo.device)
        r = reward[a] + 0.3 * demo.randn(256, seed=100 + it)  # noisy reward model scores
        adv = (r - r.mean()) / (r.std() + 1e-8)
        for _ in range(4):
            logits.requires_grad_()
            logp = logits.log_softmax(-1)
            log_r = ref_logits.log_softmax(-1)[a] - logp[a]
            k3 = (log_r.exp() - 1 - log_r).mean()
            objective = surrogate(logp[a], old[a], adv).mean() - 0.05 * k3
            (grad,) = torch.autograd.grad(objective, logits)
            logits = (logits + 1.0 * grad).detach()
    expected = (logits.softmax(-1) * reward).sum()
    demo.at_least("PPO lifts the expected reward from 0.35 to >= 0.8", expected, 0.8)
