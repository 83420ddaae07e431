"""RL from verifiable rewards: a program checks each answer, and GRPO learns from groups of them.

A reasoning model is trained on prompts whose answers a program can check: the reward is 1
when the extracted answer is right and 0 otherwise, with no learned reward model to fool.
GRPO samples a group of answers per prompt and scores each against its own group,
A = (r - mean) / std, instead of asking a value network; a KL penalty holds the policy near
a reference. The checker is only as good as what it checks: reward the format alone and
the policy learns the format, not the arithmetic. The policy here is a softmax over six
candidate answers per prompt, which is all a GRPO update ever touches: log-probabilities.
"""

import re
from collections.abc import Callable

import torch

from demos.harness import Demo

CONCEPTS = ["rl-verifiable-rewards"]

PROMPT = re.compile(r"What is (\d+) \+ (\d+)\?")
ANSWER = re.compile(r"<answer>(-?\d+)</answer>")
GROUP, BETA, LR, STEPS = 8, 0.04, 5.0, 40  # group size, KL weight (DeepSeekMath's), step, steps


def checker(prompt: str, text: str) -> float:
    """The verifiable reward: redo the sum from the prompt, compare with the tagged answer."""
    a, b = map(int, PROMPT.fullmatch(prompt).groups())
    found = ANSWER.fullmatch(text.strip())
    return float(found is not None and int(found.group(1)) == a + b)


def format_only(prompt: str, text: str) -> float:
    """A hackable reward: it checks that an answer is tagged, never that it is right."""
    return float(ANSWER.fullmatch(text.strip()) is not None)


def candidates(total: int) -> list[str]:
    """What the toy model can say: the right answer, three slips, two untagged replies."""
    return [
        f"<answer>{total}</answer>",
        f"<answer>{total + 1}</answer>",
        f"<answer>{total - 10}</answer>",
        f"<answer>{total + 10}</answer>",
        f"{total}",
        f"The answer is {total + 1}",
    ]


def group_advantages(r: torch.Tensor, eps: float = 1e-8) -> torch.Tensor:
    """r: (prompts, group). Each answer against its own group: no critic."""
    return (r - r.mean(-1, keepdim=True)) / (r.std(-1, keepdim=True) + eps)


def grpo_loss(
    theta: torch.Tensor,
    picks: torch.Tensor,
    adv: torch.Tensor,
    ref_logp: torch.Tensor | None = None,
    beta: float = 0.0,
    k1: bool = False,
) -> torch.Tensor:
    """-mean(A log pi(answer)) + beta KL(pi || pi_ref). One update per batch, so PPO's ratio
    pi / pi_old is 1 and its clip never acts; what is left is the policy gradient."""
    taken = torch.log_softmax(theta, -1).gather(1, picks)
    loss = -(adv * taken).mean()
    if ref_logp is not None:
        log_ratio = ref_logp.gather(1, picks) - taken
        kl = log_ratio.exp() - 1 - log_ratio  # k3, GRPO's per-sample estimate of the KL
        if k1:  # the plain estimate -log(pi_ref / pi): right on average, but as a loss its
            kl = -log_ratio  # gradient is E_pi[grad log pi] = 0, so it pulls nowhere
        loss = loss + beta * kl.mean()
    return loss


def policy_grad(logits: torch.Tensor, picks: torch.Tensor, adv: torch.Tensor) -> torch.Tensor:
    """The gradient of the policy-gradient part of the loss with respect to the logits."""
    theta = logits.detach().requires_grad_()
    return torch.autograd.grad(grpo_loss(theta, picks, adv), theta)[0]


def train(
    demo: Demo, ref: torch.Tensor, reward: torch.Tensor, beta: float, k1: bool = False
) -> torch.Tensor:
    """GRPO from the reference logits: sample a group per prompt, score it, step."""
    g = demo.generator(11)  # every run sees the same random stream
    logits, ref_logp = ref.clone(), torch.log_softmax(ref, -1)
    for _ in range(STEPS):
        probs = torch.softmax(logits, -1).cpu()
        picks = torch.multinomial(probs, GROUP, True, generator=g).to(ref.device)
        adv = group_advantages(reward.gather(1, picks))
        theta = logits.detach().requires_grad_()
        loss = grpo_loss(theta, picks, adv, ref_logp, beta, k1)
        logits = logits - LR * torch.autograd.grad(loss, theta)[0]
    return logits


def run(demo: Demo) -> None:
    # Worked example: the checker against labels written by hand for one prompt.
    texts = [
        "<answer>42</answer>",
        "<answer>43</answer>",
        "<answer>32</answer>",
        " <answer>42</answer> ",
        "42",
        "The answer is 42",
    ]
    demo.equal(
        "'What is 17 + 25?': the checker rewards exactly the tagged 42s",
        [checker("What is 17 + 25?", t) for t in texts],
        [1.0, 0.0, 0.0, 1.0, 0.0, 0.0],
    )

    # Sixteen sums of two 2-digit numbers; every candidate scored by both rewards.
    a, b = demo.randint(90, 16, seed=0) + 10, demo.randint(90, 16, seed=1) + 10
    prompts = [f"What is {x} + {y}?" for x, y in zip(a.tolist(), b.tolist(), strict=True)]
    answers = [candidates(x + y) for x, y in zip(a.tolist(), b.tolist(), strict=True)]

    def table(score: Callable[[str, str], float]) -> torch.Tensor:
        rows = [[score(p, t) for t in ts] for p, ts in zip(prompts, answers, strict=True)]
        return demo.tensor(rows, dtype=torch.float64)

    verified, formatted = table(checker), table(format_only)

    # The reference (start) policy: prefers tagged slips and untagged replies to the right answer.
    bias = demo.tensor([-0.5, 0.0, 0.0, 0.0, 0.3, 0.3], dtype=torch.float64)
    ref = bias + 0.5 * demo.randn(16, 6, seed=2, dtype=torch.float64)

    def expected(logits: torch.Tensor, reward: torch.Tensor) -> torch.Tensor:
        """Mean reward over prompts, exactly: sum_k pi(k | prompt) reward(prompt, k)."""
        return (torch.softmax(logits, -1) * reward).sum(-1).mean()

    # One sampled batch: a group of 8 answers for each of the 16 prompts.
    g = demo.generator(3)
    picks = torch.multinomial(torch.softmax(ref, -1).cpu(), GROUP, True, generator=g)
    picks = picks.to(demo.device)
    r = verified.gather(1, picks)
    centred = demo.close(
        "group-relative advantages sum to zero in each of the 16 groups",
        group_advantages(r).sum(-1),
        torch.zeros(16, dtype=torch.float64),
        rtol=0,
        atol=1e-9,
    )
    # Normalising over the whole batch, as PPO often does, centres the batch, not each
    # prompt's group: a hard prompt's answers all look bad, an easy one's all good.
    centred.broken("batch-normalised advantages do not", ((r - r.mean()) / r.std()).sum(-1))

    # Rewards on another scale (0/1 -> -2/1, i.e. 3r - 2) give the very same update.
    grad = policy_grad(ref, picks, group_advantages(r))
    invariant = demo.close(
        "the GRPO gradient is unchanged when every reward becomes 3r - 2",
        policy_grad(ref, picks, group_advantages(3 * r - 2)),
        grad,
        rtol=0,
        atol=1e-8,  # equal but for the eps in the denominator
    )
    # REINFORCE with the raw reward as its weight moves with the reward's scale and offset.
    invariant.broken(
        "the raw-reward (REINFORCE) gradient is not",
        policy_grad(ref, picks, 3 * r - 2),
        policy_grad(ref, picks, r),
    )

    # A group where every answer scores the same teaches nothing: zero advantage, zero gradient.
    all_right = torch.zeros(1, GROUP, dtype=torch.long, device=demo.device)  # 8 x the right one
    uniform_group = verified[:1].gather(1, all_right)
    silent = demo.at_most(
        "a group of 8 right answers gives a policy gradient of norm 0",
        policy_grad(ref[:1], all_right, group_advantages(uniform_group)).norm(),
        1e-12,
    )
    # Raw rewards still push on an all-right group: towards what it already says.
    silent.broken(
        "with raw rewards it does not", policy_grad(ref[:1], all_right, uniform_group).norm()
    )
    demo.at_least(
        "while the mixed groups of the batch give a nonzero gradient (norm)", grad.norm(), 1e-3
    )

    # Training: 40 GRPO steps against the checker, from the reference policy.
    start = expected(ref, verified)
    trained = train(demo, ref, verified, BETA)
    demo.at_most("the reference policy is verified right under 20% of the time", start, 0.2)
    learns = demo.at_least(
        "40 GRPO steps on the checker's reward raise verified accuracy by >= 0.5",
        expected(trained, verified) - start,
        0.5,
    )
    # The same training against the format-only reward: it optimises what it checks...
    hacked = train(demo, ref, formatted, BETA)
    demo.at_least(
        "the format-only reward is optimised: its own value rises by >= 0.25",
        expected(hacked, formatted) - expected(ref, formatted),
        0.25,
    )
    # ...which is the format, not the arithmetic.
    learns.broken("on the format-only reward it does not", expected(hacked, verified) - start)

    # The KL penalty holds the policy near the reference: compare a strong one with none.
    def kl(logits: torch.Tensor) -> torch.Tensor:
        logp, ref_logp = torch.log_softmax(logits, -1), torch.log_softmax(ref, -1)
        return (logp.exp() * (logp - ref_logp)).sum(-1).mean()

    unpenalised = kl(train(demo, ref, verified, beta=0.0))
    anchored = demo.at_most(
        "with beta = 0.5 the policy ends <= 0.75x as far (KL) from the reference as with none",
        kl(train(demo, ref, verified, beta=0.5)) / unpenalised,
        0.75,
    )
    # The k1 estimate -log(pi_ref / pi) is right on average, but as a loss it pulls nowhere.
    anchored.broken(
        "with the k1 estimate as the penalty it does not",
        kl(train(demo, ref, verified, beta=0.5, k1=True)) / unpenalised,
    )


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "advantages scaled by the group but not centred",
        "return (r - r.mean(-1, keepdim=True)) / (r.std(-1, keepdim=True) + eps)",
        "return r / (r.std(-1, keepdim=True) + eps)",
    ),
    (
        "flip the sign of the policy-gradient loss",
        "loss = -(adv * taken).mean()",
        "loss = (adv * taken).mean()",
    ),
    (
        "the checker trusts the tagged answer without redoing the sum",
        "int(found.group(1)) == a + b",
        "int(found.group(1)) == int(found.group(1))",
    ),
]
