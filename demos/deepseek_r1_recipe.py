"""The R1 recipe: rule-based rewards plus GRPO's group-relative advantages, no value network.

DeepSeek-R1 rewards a sampled answer with a program (is the final answer right, is the
output in the required format) rather than a learned judge, and GRPO scores each sample
against the others drawn for the same prompt: subtract the group's mean reward, divide by
its standard deviation. Advantages then sum to zero in every group, and a group where all
samples score alike teaches nothing.
"""

import re

import torch

from demos.harness import Demo

CONCEPTS = ["deepseek-r1-recipe"]

FORMAT = re.compile(r"<think>.+</think>\s*<answer>(.*)</answer>", re.DOTALL)
ANSWER = re.compile(r"<answer>\s*(-?\d+)\s*</answer>")

# Candidate completions for "What is 17 + 25?" and the rewards a person would give them:
# 1 for a right final answer, plus 0.5 for the think-then-answer format.
COMPLETIONS = [
    ("<think>7 + 5 = 12, carry 1; 1 + 2 + 1 = 4</think><answer>42</answer>", 1.5),
    ("<think>17 + 25 = 32</think><answer>32</answer>", 0.5),
    ("<answer>42</answer>", 1.0),
    ("42", 0.0),
    ("<think>20 + 22</think> <answer> 42 </answer>", 1.5),
    ("<think>close to 40</think><answer>43</answer>", 0.5),
    ("<think>let me think</think>", 0.0),
    ("<think>in words</think><answer>forty-two</answer>", 0.5),
]
# The untrained policy's preferences over those completions.
START_LOGITS = [-2.0, 1.0, -2.5, 1.0, -2.0, 1.0, 1.0, 0.5]


def reward(text: str, target: int) -> float:
    match = ANSWER.search(text)
    correct = match is not None and int(match.group(1)) == target
    return float(correct) + 0.5 * float(FORMAT.fullmatch(text) is not None)


def group_advantages(rewards: torch.Tensor, eps: float = 1e-6) -> torch.Tensor:
    """rewards: (groups, samples). Normalise within each group; no learned critic.
    (Some implementations divide by the sample std instead; the signs do not change.)"""
    mean = rewards.mean(-1, keepdim=True)
    std = rewards.std(-1, unbiased=False, keepdim=True)
    return (rewards - mean) / (std + eps)


def train(demo: Demo, table: torch.Tensor, shuffle: bool, seed: int) -> torch.Tensor:
    """GRPO on a policy that picks one of the completions; returns its final probabilities.
    One on-policy update per batch, so the PPO-style ratio is 1 and clipping never acts;
    the KL penalty to a reference model is left out."""
    g = torch.Generator().manual_seed(seed)
    logits = demo.tensor(START_LOGITS)
    logits.requires_grad_(True)
    for _ in range(150):
        probs = torch.softmax(logits, 0)
        picks = torch.multinomial(probs.detach().cpu(), 8 * 4, replacement=True, generator=g)
        picks = picks.view(4, 8).to(demo.device)  # 4 groups of 8 samples each
        r = table[picks]
        if shuffle:  # broken variant: rewards no longer belong to the samples they score
            r = r[:, torch.randperm(8, generator=g).to(demo.device)]
        loss = -(group_advantages(r) * torch.log_softmax(logits, 0)[picks]).mean()
        (grad,) = torch.autograd.grad(loss, logits)
        with torch.no_grad():
            logits -= 0.5 * grad
    return torch.softmax(logits.detach(), 0)


def substring_reward(text: str, target: int) -> float:
    """The lazy checker: the right number anywhere in the text counts, format ignored."""
    return float(str(target) in text)


def run(demo: Demo) -> None:
    # The programmatic checker reproduces the hand-assigned rewards exactly; a lazy one
    # that only looks for "42" somewhere pays the bare "42" and the wrong working alike.
    table = demo.tensor([reward(text, 42) for text, _ in COMPLETIONS])
    intended = demo.tensor([r for _, r in COMPLETIONS])
    checker = demo.equal("the rule-based checker gives the exact intended rewards", table, intended)
    checker.broken(
        "a substring checker does not",
        demo.tensor([substring_reward(text, 42) for text, _ in COMPLETIONS]),
    )

    # Worked example: rewards 1, 0, 0, 1 have mean 0.5 and standard deviation 0.5.
    group = demo.tensor([[1.0, 0.0, 0.0, 1.0]])
    worked = demo.close(
        "rewards [1, 0, 0, 1] give advantages [1, -1, -1, 1]",
        group_advantages(group),
        demo.tensor([[1.0, -1.0, -1.0, 1.0]]),
        atol=1e-5,
    )
    # Dividing without centring leaves every advantage >= 0: nothing is pushed down.
    worked.broken(
        "rewards / std without subtracting the mean do not",
        group / group.std(-1, unbiased=False, keepdim=True),
    )

    # Random groups: advantages sum to zero within each group.
    rewards = demo.randint(2, 64, 8, seed=0).double() + demo.rand(
        64, 8, seed=1, dtype=torch.float64
    )
    centred = demo.close(
        "advantages sum to zero in each of 64 groups",
        group_advantages(rewards).sum(-1),
        torch.zeros(64, device=demo.device, dtype=torch.float64),
        atol=1e-9,
    )
    # Subtracting the batch's mean instead of each group's own mean: a group of easy
    # prompts then gets positive advantage for all its samples, a hard one negative.
    centred.broken(
        "normalising by the batch's mean and std does not",
        ((rewards - rewards.mean()) / rewards.std()).sum(-1),
    )
    demo.equal(
        "a group whose samples all score 1.5 gets zero advantage everywhere",
        group_advantages(torch.full((1, 8), 1.5, device=demo.device)),
        torch.zeros(1, 8, device=demo.device),
    )

    # Training: the policy starts unlikely to write the formatted right answer. (Had it
    # started far likelier to write the bare "<answer>42</answer>", it could settle there:
    # once every sample in a group scores 1.0 the advantages vanish and learning stops.)
    best = table == table.max()
    before = torch.softmax(demo.tensor(START_LOGITS), 0)[best].sum()
    after = train(demo, table, shuffle=False, seed=0)[best].sum()
    demo.at_most("at the start the top-reward answers have under 5% probability", before, 0.05)
    learns = demo.at_least("150 GRPO steps raise it above 90%", after, 0.9)
    # Rewards shuffled within each group no longer belong to the samples they score.
    learns.broken(
        "with rewards shuffled within groups it does not",
        train(demo, table, shuffle=True, seed=0)[best].sum(),
    )


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "subtract the batch mean instead of each group's",
        "mean = rewards.mean(-1, keepdim=True)",
        "mean = rewards.mean()",
    ),
    (
        "drop the format reward from the checker",
        "+ 0.5 * float(FORMAT.fullmatch(text) is not None)",
        "+ 0.0",
    ),
    (
        "flip the sign of the policy-gradient loss",
        "loss = -(group_advantages(r)",
        "loss = (group_advantages(r)",
    ),
]
