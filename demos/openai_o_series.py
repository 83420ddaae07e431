"""The o-series curves: accuracy linear in log thinking compute, and what each point costs.

OpenAI showed o1's accuracy climbing steadily as thinking time doubled, without giving the
recipe. A toy model reproduces the shape: if each extra unit of thinking is one more
checked attempt, and problems' difficulties are spread over several orders of magnitude,
every doubling of compute buys about the same number of points, so each extra point costs
twice as much as the one before. That is why ARC Prize put cost per task next to o3's score.
"""

import math

import torch

from demos.harness import Demo

CONCEPTS = ["openai-o-series"]


def accuracy(p: torch.Tensor, attempts: int) -> torch.Tensor:
    # Expected share solved when every problem gets `attempts` tries and a checker.
    return (1 - (1 - p) ** attempts).mean()


def union_bound(p: torch.Tensor, attempts: int) -> torch.Tensor:
    # The tempting shortcut: add the attempts' chances, as if they could not overlap.
    return (p * attempts).clamp(max=1.0).mean()


def run(demo: Demo) -> None:
    # Worked by hand: a problem solved half the time is missed by all 3 attempts with
    # chance 0.5^3, so solved with 1 - 0.125 = 0.875; at 10% and 2 attempts, 1 - 0.81 = 0.19.
    half, tenth = demo.tensor([0.5], dtype=torch.float64), demo.tensor([0.1], dtype=torch.float64)
    worked = demo.close(
        "1 - (1 - p)^n: 0.875 for p = 0.5, n = 3 and 0.19 for p = 0.1, n = 2",
        torch.stack([accuracy(half, 3), accuracy(tenth, 2)]),
        demo.tensor([0.875, 0.19], dtype=torch.float64),
    )
    worked.broken(
        "adding the chances (n p) gives 1.0 and 0.2",
        torch.stack([union_bound(half, 3), union_bound(tenth, 2)]),
    )

    # 4000 problems whose one-attempt success rates run log-uniformly from 1e-4 to 1.
    u = (torch.arange(4000, dtype=torch.float64, device=demo.device) + 0.5) / 4000
    p = 10 ** (-4 * u)
    budgets = [2**k for k in range(3, 10)]  # 8 ... 512 attempts
    curve = torch.stack([accuracy(p, n) for n in budgets])
    gains = curve.diff()
    per_doubling = math.log(2) / math.log(1e4)  # the log-uniform prediction, 0.075
    demo.between(
        "every doubling from 8 to 512 adds 0.85-1.1 x ln2 / ln(1e4) accuracy",
        gains.min() / per_doubling,
        0.85,
        1.1,
    )
    straight = demo.between(
        "the largest and smallest gains per doubling stay within 1.2x",
        gains.max() / gains.min(),
        1.0,
        1.2,
    )

    # Negative control: if every problem had the same difficulty, the curve would be an
    # S-shape in log compute (flat, steep, saturated), not a straight line.
    same = torch.full_like(p, 0.01)
    flat = torch.stack([accuracy(same, n) for n in budgets]).diff()
    straight.broken("with equal difficulties they do not", flat.max() / flat.min())

    # The bill: going from n to 2n attempts costs n more attempts per problem, and the
    # gain per doubling is nearly constant, so each extra solved problem costs about twice
    # what the previous doubling's did.
    cost_per_solved = torch.tensor(budgets[:-1], dtype=torch.float64, device=demo.device) / gains
    steps = cost_per_solved[1:] / cost_per_solved[:-1]
    demo.between(
        "each doubling raises the cost per extra solved problem by 1.8x or more",
        steps.min(),
        1.8,
        2.2,
    )
    demo.between("and by 2.2x at most", steps.max(), 1.8, 2.2)

    # Sampling the attempts instead of using the expectation lands on the same curve.
    tries = demo.rand(4000, 32, seed=0, dtype=torch.float64) < p[:, None]
    solved = tries.any(1).double().mean()
    q = 1 - (1 - p) ** 32
    demo.close(
        "32 sampled attempts per problem match the expected accuracy",
        solved,
        accuracy(p, 32),
        atol=5 * math.sqrt(float((q * (1 - q)).mean()) / 4000),
    )

    # Train-time and test-time compute trade: RL that makes every attempt 4x likelier to
    # succeed lands where 4x more attempts would have (for the many hard problems).
    trained = (4 * p).clamp(max=1.0)
    for n in (16, 64):
        demo.close(
            f"4x better attempts at n = {n} match 4x more attempts",
            accuracy(trained, n),
            accuracy(p, 4 * n),
            atol=0.01,
        )


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "add up the attempts' chances instead of compounding failures",
        "return (1 - (1 - p) ** attempts).mean()",
        "return (p * attempts).clamp(max=1.0).mean()",
    ),
    (
        "spread the success rates uniformly instead of log-uniformly",
        "p = 10 ** (-4 * u)",
        "p = 1 - u",
    ),
]
