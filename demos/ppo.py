"""PPO: the clipped surrogate stops pushing once the probability ratio leaves [1 - eps, 1 + eps].

PPO maximises min(rho A, clip(rho, 1 - eps, 1 + eps) A), with rho = pi_new / pi_old. When
an action is already more likely than before and good (A > 0, rho > 1 + eps), or already
less likely and bad (A < 0, rho < 1 - eps), the gradient is exactly zero, so several epochs
on one batch cannot run away; in the other two corners it still pushes back. RLHF also
subtracts a KL penalty, usually estimated per sample with k3 = (r - 1) - log r, which is
never negative, unlike the plain -log r.
"""

from collections.abc import Callable

import torch

from demos.harness import Demo

CONCEPTS = ["ppo"]

EPS = 0.2
Surrogate = Callable[[torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]


def surrogate(logp: torch.Tensor, logp_old: torch.Tensor, adv: torch.Tensor) -> torch.Tensor:
    ratio = (logp - logp_old).exp()
    return torch.min(ratio * adv, ratio.clamp(1 - EPS, 1 + EPS) * adv)


def unclipped(logp: torch.Tensor, logp_old: torch.Tensor, adv: torch.Tensor) -> torch.Tensor:
    """The broken variant: the plain policy-gradient surrogate rho A, with no clip."""
    return (logp - logp_old).exp() * adv


def clip_only(logp: torch.Tensor, logp_old: torch.Tensor, adv: torch.Tensor) -> torch.Tensor:
    """The other broken variant: the clipped term alone, without the pessimistic min."""
    return (logp - logp_old).exp().clamp(1 - EPS, 1 + EPS) * adv


def ppo_bandit(demo: Demo, objective_of: Surrogate = surrogate) -> torch.Tensor:
    """PPO on a 6-armed bandit; returns the expected true reward of the final policy.

    Each iteration samples a batch from pi_old, then takes 4 epochs of gradient ascent
    on the clipped surrogate minus a k3 KL penalty to the starting policy.
    """
    reward = demo.tensor([0.0, 0.2, 0.5, 1.0, 0.3, 0.1])
    ref = torch.zeros(6, device=demo.device).log_softmax(-1)
    logits = torch.zeros(6, device=demo.device)
    for it in range(15):
        old = logits.log_softmax(-1)
        a = torch.multinomial(old.exp().cpu(), 256, replacement=True, generator=demo.generator(it))
        a = a.to(demo.device)
        r = reward[a] + 0.3 * demo.randn(256, seed=100 + it)  # noisy reward-model scores
        # Advantage: how much better than this batch's average each sample scored.
        adv = (r - r.mean()) / (r.std() + 1e-8)
        for _ in range(4):
            logits.requires_grad_()
            logp = logits.log_softmax(-1)
            log_r = ref[a] - logp[a]
            k3 = (log_r.exp() - 1 - log_r).mean()
            objective = objective_of(logp[a], old[a], adv).mean() - 0.05 * k3
            (grad,) = torch.autograd.grad(objective, logits)
            logits = (logits + 1.0 * grad).detach()
    return (logits.softmax(-1) * reward).sum()


def run(demo: Demo) -> None:
    # The worked example, eps = 0.2: the four corners plus the inside of the clip range.
    #   rho = 1.5, A = +1: min(1.5, 1.2)   =  1.2   (good action, already pushed: clipped)
    #   rho = 0.5, A = -1: min(-0.5, -0.8) = -0.8   (bad action, already pushed: clipped)
    #   rho = 0.5, A = +1: min(0.5, 0.8)   =  0.5   (good but less likely: unclipped)
    #   rho = 1.5, A = -1: min(-1.5, -1.2) = -1.5   (bad but more likely: unclipped)
    #   rho = 1.0, A = +2: min(2.0, 2.0)   =  2.0
    ratio = demo.tensor([1.5, 0.5, 0.5, 1.5, 1.0])
    adv = demo.tensor([1.0, -1.0, 1.0, -1.0, 2.0])
    logp, logp_old = ratio.log().requires_grad_(), torch.zeros(5, device=demo.device)
    worked = demo.close(
        "the clipped surrogate gives the hand-worked [1.2, -0.8, 0.5, -1.5, 2.0]",
        surrogate(logp, logp_old, adv),
        [1.2, -0.8, 0.5, -1.5, 2.0],
    )
    worked.broken("without the clip (rho A) it does not", unclipped(logp, logp_old, adv))
    worked.broken("without the min (clipped term only) it does not", clip_only(logp, logp_old, adv))

    # d(rho A)/d(log pi) = rho A where the unclipped term is the one taken, and 0 where the
    # clipped (constant) term wins: zero exactly in the two corners where PPO stops pushing.
    def grad_of(objective: Surrogate) -> torch.Tensor:
        return torch.autograd.grad(objective(logp, logp_old, adv).sum(), logp)[0]

    grad = grad_of(surrogate)
    corners = demo.equal(
        "in the clipped corners (A > 0, rho > 1.2; A < 0, rho < 0.8) the gradient is exactly 0",
        grad[:2],
        [0.0, 0.0],
    )
    corners.broken("without the clip those corners still get gradient", grad_of(unclipped)[:2])
    pushes = demo.close(
        "elsewhere it is rho A: 0.5 and -1.5 in the other corners, 2 inside",
        grad[2:],
        [0.5, -1.5, 2.0],
    )
    pushes.broken("without the min the other two corners are silenced too", grad_of(clip_only)[2:])

    # KL estimators from samples of the policy, with r = pi_ref(x) / pi(x).
    policy, ref = demo.randn(10, seed=0).log_softmax(-1), demo.randn(10, seed=1).log_softmax(-1)
    x = torch.multinomial(
        policy.exp().cpu(), 100_000, replacement=True, generator=demo.generator(2)
    )
    log_r = (ref - policy)[x.to(demo.device)]
    k1, k3 = -log_r, log_r.exp() - 1 - log_r
    exact = (policy.exp() * (policy - ref)).sum()
    positive = demo.at_least("k3 = (r - 1) - log r is non-negative on every sample", k3.min(), 0.0)
    positive.broken("k1 = -log r is negative on some samples", k1.min())
    sigma = k3.std() / len(k3) ** 0.5
    demo.at_most(
        "k3's mean is within 5 sigma of the exact KL", (k3.mean() - exact).abs() / sigma, 5.0
    )

    # The loop: starting from uniform (expected reward 0.35), PPO moves onto the best arm.
    learns = demo.at_least(
        "PPO lifts the expected reward from 0.35 to >= 0.8", ppo_bandit(demo), 0.8
    )
    learns.broken(
        "ascending the surrogate of the negated advantage does not",
        ppo_bandit(demo, lambda lp, old, a: surrogate(lp, old, -a)),
    )


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "drop the clip",
        "torch.min(ratio * adv, ratio.clamp(1 - EPS, 1 + EPS) * adv)",
        "torch.min(ratio * adv, ratio * adv)",
    ),
    (
        "take the max instead of the pessimistic min",
        "return torch.min(ratio",
        "return torch.max(ratio",
    ),
    (
        "flip the advantage's sign",
        "adv = (r - r.mean()) / (r.std() + 1e-8)",
        "adv = (r.mean() - r) / (r.std() + 1e-8)",
    ),
]
