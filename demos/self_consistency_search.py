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


def run(demo: Demo) -> None:
    # Worked example: five sampled paths, final answers already extracted.
    votes = Counter(["42", "42", "41", "42", "40"])
    answer, count = votes.most_common(1)[0]
    demo.equal("five paths vote 42 with a share of 3/5", [int(answer), count], [42, 3])

    # p = 0.6: accuracy climbs with every extra pair of samples.
    curve = [majority_accuracy(0.6, n) for n in (1, 3, 5, 9, 15, 31)]
    demo.at_least(
        "with p = 0.6 accuracy rises at every step of n", torch.diff(demo.tensor(curve)).min(), 1e-3
    )
    demo.close("exact binomial majority with p = 0.6, n = 15 is 0.787", curve[4], 0.7869, atol=1e-4)
    # Monte Carlo with two answers (right or wrong) matches the binomial formula.
    mc = simulate_vote(demo, 0.6, 15, 20000, seed=0, wrong_answers=1)
    sigma = math.sqrt(curve[4] * (1 - curve[4]) / 20000)
    demo.close("simulated 15-way vote matches the binomial", mc, curve[4], atol=5 * sigma)

    # Negative control: when each path is more often wrong (p = 0.4) and the wrong
    # answers agree with each other, voting amplifies the error.
    demo.at_least(
        "with p = 0.4 voting over 15 samples still raises accuracy",
        majority_accuracy(0.4, 15) - 0.4,
        0.0,
        negative=True,
    )

    # But what matters is the mode: if wrong answers scatter over many values, a right
    # answer seen only 40% of the time still wins most plurality votes.
    scattered = simulate_vote(demo, 0.4, 15, 20000, seed=2, wrong_answers=20)
    demo.at_least(
        "p = 0.4 with scattered wrong answers: plurality of 15 beats 0.85", scattered, 0.85
    )

    # Votes need comparable strings: the same answer written three ways splits the vote.
    raw = ["42", "42.0", "forty-two", "41", "41"]
    words = {"forty-two": "42"}

    def normalise(s: str) -> str:
        s = words.get(s, s)
        return str(int(float(s)))

    demo.equal("raw strings elect the wrong answer", int(Counter(raw).most_common(1)[0][0]), 41)
    demo.equal(
        "normalised answers elect the right one",
        int(Counter(map(normalise, raw)).most_common(1)[0][0]),
        42,
    )

    # Search: beam search over a tree of partial solutions, scored step by step.
    # Greedy (width 1) commits to the best-looking first step and often misses the
    # best full path; a wider beam finds it more often, at the cost of more scored steps.
    depth, branch, trees = 6, 3, 300
    rewards = [demo.rand(trees, branch ** (d + 1), seed=10 + d) for d in range(depth)]
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
