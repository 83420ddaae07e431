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
            h = BETA * (logits.log_softmax(-1) - reference)  # implicit rewards
            loss = -(win * F.logsigmoid(h[:, None] - h[None, :])).mean()
            (grad,) = torch.autograd.grad(loss, logits)
            logits = (logits - 20.0 * grad).detach().requires_grad_()
        return logits.detach().softmax(-1)

    optimum = (ref + reward / BETA).softmax(-1)
    demo.close("DPO's fit equals pi_ref exp(r / beta) / Z", fit(ref), optimum, atol=1e-3, rtol=0)

    # Negative control: leave out the reference model (implicit reward beta log pi).
    # The fit drifts to softmax(r / beta) and forgets what the SFT model preferred.
    flat = torch.zeros(K, device=demo.device)
    demo.close(
        "without pi_ref it also equals pi_ref exp(r / beta) / Z",
        fit(flat),
        optimum,
        atol=1e-3,
        rtol=0,
        negative=True,
    )
