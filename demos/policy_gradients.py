"""Policy gradients: REINFORCE estimates the gradient of expected reward from samples alone.

The agent never sees the reward function, only the rewards of actions it tried.
REINFORCE still gets an unbiased gradient: weight each sampled action's score
grad log pi(a) by the reward that followed. Subtracting a baseline that does not
depend on the action keeps it unbiased and cuts its variance; this is the core
that PPO and RLHF build on. The environment here is a 5-armed bandit.
"""

import torch
import torch.nn.functional as F

from demos.harness import Demo

CONCEPTS = ["policy-gradients"]


def run(demo: Demo) -> None:
    K, N = 5, 20_000
    mean_reward = demo.tensor([4.0, 3.0, 5.0, 3.5, 6.0], dtype=torch.float64)
    theta = 0.5 * demo.randn(K, seed=0, dtype=torch.float64)  # policy logits

    def sample(logits: torch.Tensor, n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Pull n arms from softmax(logits); each pull pays its mean plus unit noise."""
        probs = torch.softmax(logits, -1).cpu()
        actions = torch.multinomial(probs, n, replacement=True, generator=demo.generator(seed))
        actions = actions.to(demo.device)
        noise = demo.randn(n, seed=seed + 1, dtype=torch.float64)
        return actions, mean_reward[actions] + noise

    # The exact gradient of J = sum_a pi(a) r(a), which the agent itself cannot compute.
    t = theta.clone().requires_grad_()
    (exact,) = torch.autograd.grad(torch.softmax(t, -1) @ mean_reward, t)

    # The score function: grad log pi(a) for a softmax policy is onehot(a) - pi.
    pi = torch.softmax(theta, -1)
    jac = torch.autograd.functional.jacobian(lambda v: torch.log_softmax(v, -1), theta)
    demo.close(
        "grad log pi(a) = onehot(a) - pi for every arm",
        jac,
        torch.eye(K, device=demo.device, dtype=torch.float64) - pi,
    )

    actions, rewards = sample(theta, N, seed=1)
    score = F.one_hot(actions, K).double() - pi  # (N, K)

    # In practice one backpropagates the surrogate mean(R * log pi(a)); its gradient is
    # the same sample average.
    t = theta.clone().requires_grad_()
    (surrogate,) = torch.autograd.grad((rewards * torch.log_softmax(t, -1)[actions]).mean(), t)
    estimates = rewards[:, None] * score
    demo.close(
        "the surrogate loss's gradient is the REINFORCE average", surrogate, estimates.mean(0)
    )

    def worst_z(per_sample: torch.Tensor) -> torch.Tensor:
        """Largest gap to the exact gradient, in Monte Carlo standard errors."""
        stderr = per_sample.std(0) / N**0.5
        return ((per_sample.mean(0) - exact) / stderr).abs().max()

    demo.at_most(
        "REINFORCE is unbiased: every coordinate within 5 standard errors", worst_z(estimates), 5.0
    )

    # A constant baseline b leaves the mean alone (E[grad log pi] = 0) and shrinks the spread.
    baseline = pi @ mean_reward
    with_baseline = (rewards - baseline)[:, None] * score
    unbiased = demo.at_most(
        "with a baseline it is still unbiased (within 5 standard errors)",
        worst_z(with_baseline),
        5.0,
    )
    # A "baseline" that depends on the action taken (its own mean reward) removes the very
    # signal being estimated, and the estimate is biased towards zero.
    action_dependent = (rewards - mean_reward[actions])[:, None] * score
    unbiased.broken("an action-dependent baseline is biased", worst_z(action_dependent))
    variance_ratio = with_baseline.var(0).sum() / estimates.var(0).sum()
    demo.at_most(
        "the baseline cuts the estimator's variance by more than half", variance_ratio, 0.5
    )

    # Learning from samples alone: 200 steps of gradient ascent with 64 pulls each, using
    # the batch's mean reward as the baseline (the agent does not know the true means).
    logits = theta.clone()
    for step in range(200):
        acts, rew = sample(logits, 64, seed=100 + 2 * step)
        pull_score = F.one_hot(acts, K).double() - torch.softmax(logits, -1)
        logits = logits + 0.5 * ((rew - rew.mean())[:, None] * pull_score).mean(0)
    start, best = pi @ mean_reward, mean_reward.max()
    closed = (torch.softmax(logits, -1) @ mean_reward - start) / (best - start)
    demo.at_least("training closes > 75% of the gap to the best arm's reward", closed, 0.75)


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "score without the -pi term (grad of p, not of log p)",
        "score = F.one_hot(actions, K).double() - pi",
        "score = F.one_hot(actions, K).double()",
    ),
    (
        "add the baseline instead of subtracting it",
        "with_baseline = (rewards - baseline)[:, None] * score",
        "with_baseline = (rewards + baseline)[:, None] * score",
    ),
    (
        "step down the gradient instead of up",
        "logits = logits + 0.5 * ((rew - rew.mean())",
        "logits = logits - 0.5 * ((rew - rew.mean())",
    ),
]
