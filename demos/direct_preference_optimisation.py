"""DPO: train the policy on preference pairs, using beta log(pi / pi_ref) as the implicit reward.

The KL-regularised RLHF objective is maximised by pi* = pi_ref exp(r / beta) / Z, so the
reward can be written as beta log(pi* / pi_ref) plus a constant that cancels within a pair.
Put that into the Bradley-Terry loss and the policy itself becomes the reward model:
loss = -log sigmoid(beta [log pi/pi_ref (chosen) - log pi/pi_ref (rejected)]). Minimising it
on preferences from a true reward r lands on the same pi* that RLHF with PPO would target.
"""

import math

import torch
import torch.nn.functional as F

from demos.harness import Demo

CONCEPTS = ["direct-preference-optimisation"]

K, BETA = 8, 0.5  # responses to one prompt, KL strength


def dpo_loss(
    logp_w: torch.Tensor, logp_l: torch.Tensor, ref_w: torch.Tensor, ref_l: torch.Tensor
) -> torch.Tensor:
    return -F.logsigmoid(BETA * ((logp_w - ref_w) - (logp_l - ref_l)))


def run(demo: Demo) -> None:
    ref = demo.randn(K, seed=0).log_softmax(-1)  # the SFT model's log-probs of the K responses
    chosen, rejected = 2, 5

    # At the start the policy is the reference: every implicit reward is 0, loss ln 2.
    demo.close(
        "policy = reference gives loss ln 2",
        dpo_loss(ref[chosen], ref[rejected], ref[chosen], ref[rejected]),
        math.log(2),
    )

    # The loss is Bradley-Terry on implicit rewards beta log(pi / pi_ref).
    policy = demo.randn(K, seed=1).log_softmax(-1)
    implicit = BETA * (policy - ref)
    demo.close(
        "DPO equals Bradley-Terry on beta log(pi / pi_ref)",
        dpo_loss(policy[chosen], policy[rejected], ref[chosen], ref[rejected]),
        -F.logsigmoid(implicit[chosen] - implicit[rejected]),
    )

    # Gradient steps on one pair raise the chosen response and lower the rejected one.
    logits = ref.clone().requires_grad_()
    for _ in range(50):
        logp = logits.log_softmax(-1)
        loss = dpo_loss(logp[chosen], logp[rejected], ref[chosen], ref[rejected])
        (grad,) = torch.autograd.grad(loss, logits)
        logits = (logits - 1.0 * grad).detach().requires_grad_()
    tuned = logits.detach().log_softmax(-1)
    demo.at_least("log pi(chosen) rises by >= 1", tuned[chosen] - ref[chosen], 1.0)
    demo.at_most("log pi(rejected) falls by >= 1", tuned[rejected] - ref[rejected], -1.0)

    # All pairs, labelled by a true reward r through Bradley-Terry (soft labels). The
    # minimiser is RLHF's optimum pi_ref exp(r / beta) / Z, with no reward model trained.
    reward = demo.randn(K, seed=2)
    win = torch.sigmoid(reward[:, None] - reward[None, :])  # P(i preferred to j)

    def fit(reference: torch.Tensor) -> torch.Tensor:
        logits = torch.zeros(K, device=demo.device, requires_grad=True)
        for _ in range(150):
            logp = logits.log_softmax(-1)
            # Every ordered pair (i, j), weighted by how often i is the one preferred.
            pair_loss = dpo_loss(
                logp[:, None], logp[None, :], reference[:, None], reference[None, :]
            )
            loss = (win * pair_loss).mean()
            (grad,) = torch.autograd.grad(loss, logits)
            logits = (logits - 20.0 * grad).detach().requires_grad_()
        return logits.detach().softmax(-1)

    optimum = (ref + reward / BETA).softmax(-1)
    matches = demo.close(
        "DPO's fit equals pi_ref exp(r / beta) / Z", fit(ref), optimum, atol=1e-3, rtol=0
    )
    # Leave out the reference model (a uniform pi_ref, so the implicit reward is beta log pi
    # plus a constant): the fit drifts to softmax(r / beta) and forgets what SFT preferred.
    flat = torch.full((K,), -math.log(K), device=demo.device)
    matches.broken("without pi_ref it does not", fit(flat))


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "swap chosen and rejected in the loss",
        "-F.logsigmoid(BETA * ((logp_w - ref_w) - (logp_l - ref_l)))",
        "-F.logsigmoid(BETA * ((logp_l - ref_l) - (logp_w - ref_w)))",
    ),
    (
        "drop the reference model's log-probs",
        "BETA * ((logp_w - ref_w) - (logp_l - ref_l))",
        "BETA * (logp_w - logp_l)",
    ),
    (
        "drop beta",
        "-F.logsigmoid(BETA * ((logp_w - ref_w) - (logp_l - ref_l)))",
        "-F.logsigmoid((logp_w - ref_w) - (logp_l - ref_l))",
    ),
]
