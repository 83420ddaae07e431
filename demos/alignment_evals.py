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


def paired_z(deploy: torch.Tensor, evaluation: torch.Tensor) -> torch.Tensor:
    """z statistic of the per-task difference: deployment-style minus eval-style success."""
    d = deploy.float() - evaluation.float()
    return d.mean() / (d.std() / len(d) ** 0.5)


def run(demo: Demo) -> None:
    p = 0.6 * demo.rand(500, seed=0)  # per-attempt success chance on each task

    # Elicitation: one try per task versus best of five tries.
    honest_eval = attempts(demo, p, 5, seed=1)
    single, best_of_5 = honest_eval[:, 0].float().mean(), honest_eval.any(1).float().mean()
    demo.at_most(
        "one try per task scores >= 0.1 under the 0.5 threshold", single, THRESHOLD - MARGIN
    )
    demo.at_least("best of 5 tries scores >= 0.1 over it", best_of_5, THRESHOLD + MARGIN)

    # An honest model behaves the same whether a prompt looks like a test or like real use.
    honest_deploy = attempts(demo, p, 5, seed=2)
    z_honest = paired_z(honest_deploy.any(1), honest_eval.any(1))
    demo.at_most(
        "an honest model's eval and deployment scores agree (|z| <= 4)", z_honest.abs(), 4.0
    )

    # A sandbagger spots eval formatting and keeps only a fifth of its skill there.
    sandbag_eval = attempts(demo, 0.2 * p, 5, seed=3).any(1)
    sandbag_deploy = attempts(demo, p, 5, seed=4).any(1)
    demo.at_most(
        "even with 5 tries the sandbagger scores >= 0.1 under the threshold on the eval",
        sandbag_eval.float().mean(),
        THRESHOLD - MARGIN,
    )
    demo.at_least(
        "while in deployment it scores >= 0.1 over it",
        sandbag_deploy.float().mean(),
        THRESHOLD + MARGIN,
    )
    demo.at_least("the paired test flags it (z >= 5)", paired_z(sandbag_deploy, sandbag_eval), 5.0)
    # Negative control: the same test on the honest model raises no flag.
    demo.at_least("the paired test flags the honest model (z >= 5)", z_honest, 5.0, negative=True)
