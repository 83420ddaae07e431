"""DPO variants: KTO, ORPO and SimPO each change one thing in DPO's loss.

DPO scores a response by beta * (log pi(y) - log pi_ref(y)), summed over its tokens, and
pushes the chosen response's score above the rejected one's with -log sigmoid(difference).
- KTO drops the pairs: each response is only labelled desirable or not, and its score is
  compared with a reference point z0 through a sigmoid (a prospect-theory value function).
- ORPO drops the reference model: plain SFT on the chosen response plus a penalty
  -log sigmoid(log odds(chosen) - log odds(rejected)), with odds p / (1 - p).
- SimPO drops the reference model too: the score is the policy's AVERAGE per-token
  log-probability (so long answers are not favoured or punished for their length), and
  the chosen one must win by a target margin gamma.
Here each response is a vector of per-token log-probabilities, as a model would give.
"""

import math

import torch
import torch.nn.functional as F

from demos.harness import Demo

CONCEPTS = ["dpo-variants"]

BETA = 0.1  # DPO's and KTO's KL strength
SIMPO_BETA, GAMMA = 2.0, 1.0  # SimPO's reward scale and target margin
ORPO_LAMBDA = 0.1  # weight of ORPO's odds-ratio term next to its SFT term
Z0 = 0.0  # KTO's reference point (the paper estimates it from a batch's KL; fixed here)


def dpo(pw: torch.Tensor, pl: torch.Tensor, rw: torch.Tensor, rl: torch.Tensor) -> torch.Tensor:
    return -F.logsigmoid(BETA * ((pw.sum() - rw.sum()) - (pl.sum() - rl.sum())))


def kto(logp: torch.Tensor, ref: torch.Tensor, desirable: bool) -> torch.Tensor:
    """One unpaired example: 1 - value, value = sigmoid(+-(reward - z0))."""
    reward = BETA * (logp.sum() - ref.sum())
    value = torch.sigmoid(reward - Z0) if desirable else torch.sigmoid(Z0 - reward)
    return 1 - value


def log_odds(logp: torch.Tensor) -> torch.Tensor:
    """log(p / (1 - p)) for p = exp(mean per-token log-prob), computed in log space."""
    mean = logp.mean()
    return mean - torch.log1p(-mean.exp())


def orpo(pw: torch.Tensor, pl: torch.Tensor) -> torch.Tensor:
    sft = -pw.mean()
    return sft + ORPO_LAMBDA * -F.logsigmoid(log_odds(pw) - log_odds(pl))


def simpo_reward(logp: torch.Tensor) -> torch.Tensor:
    return SIMPO_BETA * logp.mean(-1)


def simpo(pw: torch.Tensor, pl: torch.Tensor) -> torch.Tensor:
    return -F.logsigmoid(simpo_reward(pw) - simpo_reward(pl) - GAMMA)


def all_losses(
    pw: torch.Tensor, pl: torch.Tensor, rw: torch.Tensor, rl: torch.Tensor
) -> torch.Tensor:
    """DPO, KTO (chosen as desirable, rejected as undesirable), ORPO and SimPO on one pair."""
    kto_pair = kto(pw, rw, desirable=True) + kto(pl, rl, desirable=False)
    return torch.stack([dpo(pw, pl, rw, rl), kto_pair, orpo(pw, pl), simpo(pw, pl)])


def run(demo: Demo) -> None:
    # A chosen response of 12 tokens and a rejected one of 20, with per-token log-probs
    # under the policy and under the frozen reference (SFT) model.
    chosen, rejected = demo.randn(12, seed=0) * 0.5 - 2.0, demo.randn(20, seed=1) * 0.5 - 2.0
    ref_c, ref_r = demo.randn(12, seed=2) * 0.5 - 2.0, demo.randn(20, seed=3) * 0.5 - 2.0

    # Starting point: when the policy is the reference, every DPO and KTO reward is 0.
    demo.close(
        "policy = reference: DPO loss is ln 2 and each KTO example's is 1/2",
        torch.stack([dpo(ref_c, ref_r, ref_c, ref_r), kto(ref_c, ref_c, True)]),
        demo.tensor([math.log(2), 0.5]),
    )

    # ORPO's odds, computed in log space, are p / (1 - p) of the average token probability.
    p_c, p_r = chosen.mean().exp(), rejected.mean().exp()
    demo.close(
        "ORPO's log odds ratio equals log[(p_c / (1 - p_c)) / (p_r / (1 - p_r))]",
        log_odds(chosen) - log_odds(rejected),
        torch.log((p_c / (1 - p_c)) / (p_r / (1 - p_r))),
    )

    # SimPO is length-normalised: a response and the same tokens said twice get one reward.
    # A summed log-probability (what DPO's reward uses) doubles, so it punishes length.
    twice = torch.cat([chosen, chosen])
    same = demo.close(
        "SimPO's reward is unchanged when a response is repeated twice",
        simpo_reward(twice),
        simpo_reward(chosen),
    )
    same.broken(
        "a summed log-prob reward is not", SIMPO_BETA * twice.sum(), SIMPO_BETA * chosen.sum()
    )

    # Every loss must fall as the chosen response gets likelier, and as the rejected one
    # gets less likely: that is what makes each a preference objective. Measure the largest
    # step change over a grid of shifts; it must be negative for all four losses.
    shifts = torch.linspace(0, 1.5, 16, device=demo.device)

    def worst_step(raise_chosen: bool, swap: bool = False) -> torch.Tensor:
        curve = []
        for s in shifts:
            pw, pl = (chosen + s, rejected) if raise_chosen else (chosen, rejected - s)
            if swap:  # the broken objective: chosen and rejected exchanged
                curve.append(all_losses(pl, pw, ref_r, ref_c))
            else:
                curve.append(all_losses(pw, pl, ref_c, ref_r))
        return torch.stack(curve).diff(dim=0).max()

    falls = demo.at_most(
        "raising the chosen response's log-probs lowers all four losses at every step",
        worst_step(True),
        -1e-6,
    )
    falls.broken("with chosen and rejected swapped they rise", worst_step(True, swap=True))
    demo.at_most(
        "lowering the rejected response's log-probs lowers all four losses at every step",
        worst_step(False),
        -1e-6,
    )

    # SimPO's target margin: a tie in average log-probability still costs log(1 + e^gamma),
    # more than DPO's ln 2 at a tie, so SimPO keeps separating pairs it already orders.
    demo.close(
        "SimPO at a tie costs log(1 + e^gamma)",
        simpo(chosen, chosen),
        math.log1p(math.exp(GAMMA)),
    )


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "SimPO without length normalisation",
        "return SIMPO_BETA * logp.mean(-1)",
        "return SIMPO_BETA * logp.sum(-1)",
    ),
    (
        "ORPO with log-probabilities instead of log odds",
        "return mean - torch.log1p(-mean.exp())",
        "return mean",
    ),
    (
        "KTO scores an undesirable example like a desirable one",
        "torch.sigmoid(Z0 - reward)",
        "torch.sigmoid(reward - Z0)",
    ),
]
