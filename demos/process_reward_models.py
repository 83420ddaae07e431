"""Process rewards: scoring every step finds the first mistake that an outcome score cannot place.

An outcome reward says only whether the final answer is right: one bit per solution, and it
is fooled by two mistakes that cancel. A process reward scores each step, so it points at
the first wrong step, rejects right answers reached by wrong reasoning, and can rank
candidate solutions without knowing the reference answer. Here the steps are arithmetic,
so a program can check them exactly, as verifiable rewards do.
"""

import torch

from demos.harness import Demo

CONCEPTS = ["process-reward-models"]

STEPS = 6


def make_problems(demo: Demo, n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Start values and operands; even operands are added, odd ones multiply."""
    start = demo.randint(9, n, seed=seed) + 1
    operand = demo.randint(4, n, STEPS, seed=seed + 1) + 2  # 2..5
    return start, operand


def apply(value: torch.Tensor, operand: torch.Tensor) -> torch.Tensor:
    return torch.where(operand % 2 == 0, value + operand, value * operand)


def solve(
    start: torch.Tensor, operand: torch.Tensor, error_at: torch.Tensor, delta: torch.Tensor
) -> torch.Tensor:
    """Written-out intermediate values; step error_at is off by delta, later steps are
    computed correctly from the wrong value (error_at = -1 means no mistake)."""
    values, v = [], start
    for i in range(STEPS):
        v = apply(v, operand[:, i]) + torch.where(error_at == i, delta, 0)
        values.append(v)
    return torch.stack(values, 1)


def step_scores(start: torch.Tensor, operand: torch.Tensor, values: torch.Tensor) -> torch.Tensor:
    # The process scorer: 1 where a step follows from the previous value, else 0.
    previous = torch.cat([start[:, None], values[:, :-1]], 1)
    return (values == apply(previous, operand)).long()


def run(demo: Demo) -> None:
    n = 300
    start, operand = make_problems(demo, n, seed=0)
    reference = solve(start, operand, torch.full_like(start, -1), start)[:, -1]

    # One planted mistake per solution, at a random step.
    error_at = demo.randint(STEPS, n, seed=2)
    delta = demo.randint(3, n, seed=3) + 1
    flawed = solve(start, operand, error_at, delta)
    scores = step_scores(start, operand, flawed)
    first_wrong = (1 - scores).argmax(1)
    located = demo.equal(
        "the step scorer finds the planted mistake in all 300", first_wrong, error_at
    )
    # An outcome score has nothing to localise with, so the best it can do is blame the
    # step where the wrong answer appears, the last one.
    located.broken(
        "blaming the last step, as an outcome score must, does not",
        torch.full_like(error_at, STEPS - 1),
    )
    outcome = (flawed[:, -1] == reference).long()
    demo.equal("the outcome scorer marks all 300 as wrong", outcome.sum(), 0)

    # Two mistakes that cancel: a wrong middle step, then a last step "corrected" to the
    # right answer. Compare each scorer's mean reward on honest and lucky solutions.
    early = error_at < STEPS - 1
    lucky = flawed[early].clone()
    lucky[:, -1] = reference[early]
    honest = solve(start, operand, torch.full_like(start, -1), start)[early]
    s_e, o_e = start[early], operand[early]
    prm_gap = (
        (step_scores(s_e, o_e, honest).min(1).values - step_scores(s_e, o_e, lucky).min(1).values)
        .float()
        .mean()
    )
    separates = demo.at_least("the step scorer separates honest from lucky solutions", prm_gap, 0.5)
    orm_gap = (
        (honest[:, -1] == reference[early]).float() - (lucky[:, -1] == reference[early]).float()
    ).mean()
    separates.broken("the outcome reward does not", orm_gap)

    # Best-of-8 without a reference answer: each candidate is right with chance 0.3;
    # ranking by the lowest step score picks a right one whenever one exists.
    k = 8
    right = demo.rand(n, k, seed=4) < 0.3
    err = torch.where(right, -1, demo.randint(STEPS, n, k, seed=5))
    cand = solve(
        start.repeat_interleave(k),
        operand.repeat_interleave(k, 0),
        err.flatten(),
        (demo.randint(3, n * k, seed=6) + 1),
    )
    prm = step_scores(start.repeat_interleave(k), operand.repeat_interleave(k, 0), cand)
    pick = prm.min(1).values.view(n, k).float().argmax(1)
    picked_right = cand[:, -1].view(n, k).gather(1, pick[:, None])[:, 0] == reference
    demo.equal(
        "the process score's pick is right exactly when some candidate is",
        picked_right,
        right.any(1),
    )
    best = demo.at_least(
        "that beats a single sample's 0.3 by far", picked_right.float().mean(), 0.8
    )
    best.broken("taking the first candidate does not", right[:, 0].float().mean())


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "check the first step against itself instead of the start value",
        "previous = torch.cat([start[:, None], values[:, :-1]], 1)",
        "previous = torch.cat([values[:, :1], values[:, :-1]], 1)",
    ),
    (
        "rank candidates by their last step's score only",
        "pick = prm.min(1).values.view(n, k).float().argmax(1)",
        "pick = prm[:, -1].view(n, k).float().argmax(1)",
    ),
]
