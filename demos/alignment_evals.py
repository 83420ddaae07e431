"""Alignment evals: weak elicitation and sandbagging hide a capability a threshold should catch.

Release frameworks tie safeguards to capability thresholds: if a model solves
enough tasks on a dangerous-capability proxy set, stronger protections apply.
The measured score is only a lower bound: one attempt per task understates
what a persistent user gets, and a model that recognises an evaluation may
underperform on purpose. Here a toy model is run on 500 proxy tasks to show
both, and a paired test across eval-style and deployment-style prompts that
exposes the sandbagger while leaving an honest model alone.
"""

import torch

from demos.harness import Demo

CONCEPTS = ["alignment-evals"]

THRESHOLD = 0.5  # solve half the proxy tasks and stronger safeguards apply
MARGIN = 0.1  # about 5 Monte Carlo sigma with 500 tasks


def attempts(demo: Demo, p: torch.Tensor, k: int, seed: int) -> torch.Tensor:
    """k independent tries per task; True where a try succeeds. Shape (tasks, k)."""
    return demo.rand(len(p), k, seed=seed) < p[:, None]


def elicited(tries: torch.Tensor) -> torch.Tensor:
    """Score with the elicitation a persistent user has: a task counts if any try solves it."""
    return tries.any(1).float().mean()


def paired_z(deploy: torch.Tensor, evaluation: torch.Tensor) -> torch.Tensor:
    """z statistic of the per-task difference: deployment-style minus eval-style success."""
    d = deploy.float() - evaluation.float()
    return d.mean() / (d.std() / len(d) ** 0.5)


def run(demo: Demo) -> None:
    p = 0.6 * demo.rand(500, seed=0)  # per-attempt success chance on each task

    # Elicitation: one try per task versus best of five tries, for an honest model.
    honest_eval = attempts(demo, p, 5, seed=1)
    single = honest_eval[:, 0].float().mean()
    demo.at_most(
        "one try per task scores >= 0.1 under the 0.5 threshold", single, THRESHOLD - MARGIN
    )
    demo.at_least(
        "best of 5 tries scores >= 0.1 over it", elicited(honest_eval), THRESHOLD + MARGIN
    )

    # An honest model behaves the same whether a prompt looks like a test or like real use.
    honest_deploy = attempts(demo, p, 5, seed=2)
    z_honest = paired_z(honest_deploy.any(1), honest_eval.any(1))
    demo.at_most(
        "an honest model's eval and deployment scores agree (|z| <= 4)", z_honest.abs(), 4.0
    )

    # A sandbagger spots eval formatting and keeps only a fifth of its skill there.
    sandbag_eval = attempts(demo, 0.2 * p, 5, seed=3)
    sandbag_deploy = attempts(demo, p, 5, seed=4)
    demo.at_most(
        "even with 5 tries the sandbagger scores >= 0.1 under the threshold on the eval",
        elicited(sandbag_eval),
        THRESHOLD - MARGIN,
    )

    # The evaluation done properly: best of 5 on deployment-style prompts, where the
    # sandbagger sees no test to hide from, shows what it can really do.
    proper = demo.at_least(
        "elicited on deployment-style prompts the sandbagger scores >= 0.1 over the threshold",
        elicited(sandbag_deploy),
        THRESHOLD + MARGIN,
    )
    # The evaluation as it is often run: one try per task on the eval-formatted set.
    proper.broken(
        "one try on eval-formatted prompts, the default harness, does not",
        sandbag_eval[:, 0].float().mean(),
    )

    # The paired test compares each task's deployment-style and eval-style outcomes.
    flag = demo.at_least(
        "the paired deployment-vs-eval test flags the sandbagger (z >= 5)",
        paired_z(sandbag_deploy.any(1), sandbag_eval.any(1)),
        5.0,
    )
    # A test-retest on eval-style prompts only (two fresh runs of the same eval) has no
    # deployment arm: both runs are sandbagged alike and nothing stands out.
    rerun = attempts(demo, 0.2 * p, 5, seed=5)
    flag.broken(
        "a test-retest of the eval against itself does not",
        paired_z(rerun.any(1), sandbag_eval.any(1)),
    )


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "elicit with one try instead of best of k",
        "return tries.any(1).float().mean()",
        "return tries[:, 0].float().mean()",
    ),
    (
        "forget the sqrt(n) in the paired test's standard error",
        "d.mean() / (d.std() / len(d) ** 0.5)",
        "d.mean() / d.std()",
    ),
    (
        "subtract the arms the wrong way round",
        "d = deploy.float() - evaluation.float()",
        "d = evaluation.float() - deploy.float()",
    ),
]
