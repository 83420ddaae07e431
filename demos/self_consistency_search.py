"""Self-consistency and search: voting helps only when the right answer is the most common one.

Sampling n reasoning paths and voting on their final answers turns a model that is right
with probability p into one that is right with the chance a Binomial(n, p) majority is
correct: better than p when p > 1/2, worse when p < 1/2. Votes are counted on exact
strings, so final answers must be normalised before they can agree.
"""

import math
from collections import Counter

import torch

from demos.harness import Demo

CONCEPTS = ["self-consistency-search"]


def majority_accuracy(p: float, n: int) -> float:
    # Exact: the vote is right when more than half of n (odd) independent samples are.
    return sum(math.comb(n, k) * p**k * (1 - p) ** (n - k) for k in range(n // 2 + 1, n + 1))


def simulate_vote(
    demo: Demo, p: float, n: int, trials: int, seed: int, wrong_answers: int
) -> float:
    """Monte Carlo plurality vote: answer 0 is right, wrong samples spread over the rest."""
    right = demo.rand(trials, n, seed=seed) < p
    answers = torch.where(right, 0, demo.randint(wrong_answers, trials, n, seed=seed + 1) + 1)
    counts = torch.nn.functional.one_hot(answers, wrong_answers + 1).sum(1)
    # A tie counts as a loss: the right answer must be strictly ahead of every wrong one.
    wins = counts[:, 0] > counts[:, 1:].max(1).values
    return wins.float().mean().item()


def beam_search(rewards: list[torch.Tensor], branch: int, width: int) -> tuple[torch.Tensor, int]:
    """Best path total found per tree, and how many step scores were computed."""
    trees = rewards[0].shape[0]
    nodes = torch.zeros(trees, 1, dtype=torch.long, device=rewards[0].device)
    score = torch.zeros(trees, 1, device=rewards[0].device)
    cost = 0
    for level in rewards:
        children = nodes[:, :, None] * branch + torch.arange(branch, device=nodes.device)
        children = children.flatten(1)
        child_score = score.repeat_interleave(branch, 1) + torch.gather(level, 1, children)
        cost += children.shape[1]
        score, keep = child_score.topk(min(width, children.shape[1]), dim=1)
        nodes = torch.gather(children, 1, keep)
    return score.max(1).values, cost


def vote(answers: list[str]) -> str:
    """Self-consistency's final answer: the most common one (the earliest seen wins a tie)."""
    return Counter(answers).most_common(1)[0][0]


def normalise(answer: str) -> str:
    """Map the ways one number gets written ("42.0", "forty-two") onto one string."""
    answer = {"forty-two": "42", "forty-one": "41"}.get(answer, answer)
    return str(int(float(answer)))


def run(demo: Demo) -> None:
    # p = 0.6: every larger (odd) number of voters raises the accuracy.
    curve = [majority_accuracy(0.6, n) for n in (1, 3, 5, 9, 15, 31)]
    rises = demo.at_least(
        "with p = 0.6 accuracy rises at every step of n = 1, 3, 5, 9, 15, 31",
        torch.diff(demo.tensor(curve)).min(),
        1e-3,
    )
    # Negative control: when each path is more often wrong (p = 0.4) and the wrong
    # answers agree with each other, voting amplifies the error instead.
    falling = [majority_accuracy(0.4, n) for n in (1, 3, 5, 9, 15, 31)]
    rises.broken("with p = 0.4 it falls instead", torch.diff(demo.tensor(falling)).min())
    # By hand for n = 3: P(at least 2 of 3 right) = 3 p^2 (1 - p) + p^3 = 0.432 + 0.216.
    demo.close("exact majority of 3 with p = 0.6 is 3(0.36)(0.4) + 0.216 = 0.648", curve[1], 0.648)
    demo.close("exact binomial majority with p = 0.6, n = 15 is 0.787", curve[4], 0.7869, atol=1e-4)
    # Monte Carlo with two answers (right or wrong) matches the binomial formula.
    mc = simulate_vote(demo, 0.6, 15, 20000, seed=0, wrong_answers=1)
    sigma = math.sqrt(curve[4] * (1 - curve[4]) / 20000)
    demo.close(
        "simulated 15-way vote matches the binomial within 5 sigma", mc, curve[4], atol=5 * sigma
    )

    # But what matters is the mode: if wrong answers scatter over many values, a right
    # answer seen only 40% of the time still wins most plurality votes.
    scattered = simulate_vote(demo, 0.4, 15, 20000, seed=2, wrong_answers=20)
    demo.at_least(
        "p = 0.4 with scattered wrong answers: plurality of 15 beats 0.85", scattered, 0.85
    )

    # Votes need comparable strings: the same answer written four ways splits the vote,
    # and an answer that happens to be spelt the same way twice wins.
    paths = ["41", "42.0", "forty-two", "41", "42.00", "042"]
    elected = demo.equal(
        "normalised, six paths elect 42 (four votes to two)",
        int(vote(list(map(normalise, paths)))),
        42,
    )
    elected.broken(
        "on raw strings they elect 41, the one answer spelt alike twice", int(vote(paths))
    )

    # Search: beam search over a tree of partial solutions, scored step by step.
    # Greedy (width 1) commits to the best-looking first step and often misses the
    # best full path; a wider beam finds it more often, at the cost of more scored steps.
    depth, branch, trees = 6, 3, 300
    rewards = [demo.rand(trees, branch ** (d + 1), seed=10 + d) for d in range(depth)]
    # Brute force, written independently: leaf i's ancestor at level d is i // 3^(depth-1-d).
    leaves = torch.arange(branch**depth, device=demo.device)
    totals = sum(rewards[d][:, leaves // branch ** (depth - 1 - d)] for d in range(depth))
    best = totals.max(1).values
    found = {w: beam_search(rewards, branch, w) for w in (1, 9, branch**depth)}
    hit = {w: ((v - best).abs() < 1e-5).float().mean().item() for w, (v, _) in found.items()}
    demo.close("full-width beam equals brute force over all 729 paths", found[729][0], best)
    demo.at_least(
        "a 9-wide beam finds the best path far more often than greedy", hit[9] - hit[1], 0.3
    )
    demo.equal(
        "scored steps: 3 per level greedy, 3 + 9 + 4 x 27 at width 9",
        [found[1][1], found[9][1]],
        [18, 120],
    )


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "count a bare half (or less) as a majority",
        "for k in range(n // 2 + 1, n + 1))",
        "for k in range(n // 2, n + 1))",
    ),
    (
        "vote on the raw strings, not the normalised answers",
        "return str(int(float(answer)))",
        "return answer",
    ),
    (
        "misalign children with their parents' running scores",
        "score.repeat_interleave(branch, 1)",
        "score.repeat(1, branch)",
    ),
]
