"""Drift monitoring: KS and PSI statistics flag shifted embeddings and stay quiet on a fresh sample.

A deployed model fails quietly when live inputs stop looking like the data it
was evaluated on. Comparing this week's prompt embeddings with a reference week,
one coordinate at a time, catches that covariate shift. Watching only averages
misses a change in spread, and no input statistic at all can see concept drift,
where the inputs stay the same but the right answers change.
"""

import math
from collections.abc import Callable

import torch

from demos.harness import Demo

CONCEPTS = ["drift-monitoring"]


def ks_statistic(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Two-sample Kolmogorov-Smirnov: the largest gap between the two empirical CDFs."""
    a, b = a.sort().values, b.sort().values
    grid = torch.cat([a, b])
    cdf_a = torch.searchsorted(a, grid, right=True) / len(a)
    cdf_b = torch.searchsorted(b, grid, right=True) / len(b)
    return (cdf_a - cdf_b).abs().max()


def psi(ref: torch.Tensor, cur: torch.Tensor, bins: int = 10) -> torch.Tensor:
    """Population stability index over the reference's decile bins."""
    edges = torch.quantile(ref, torch.linspace(0, 1, bins + 1, device=ref.device)[1:-1])
    p = torch.bincount(torch.bucketize(ref, edges), minlength=bins) / len(ref)
    q = torch.bincount(torch.bucketize(cur, edges), minlength=bins) / len(cur)
    p, q = p.clamp_min(1e-4), q.clamp_min(1e-4)
    return ((q - p) * (q / p).log()).sum()


def worst(
    stat: Callable[[torch.Tensor, torch.Tensor], torch.Tensor], ref: torch.Tensor, cur: torch.Tensor
) -> torch.Tensor:
    """Test each embedding coordinate separately and report the largest statistic."""
    return torch.stack(
        [stat(ref[:, j].contiguous(), cur[:, j].contiguous()) for j in range(ref.shape[1])]
    ).max()


def run(demo: Demo) -> None:
    n, d = 2000, 8
    reference = demo.randn(n, d, seed=0)  # last month's prompt embeddings
    same = demo.randn(n, d, seed=1)  # this week, nothing changed
    shifted = demo.randn(n, d, seed=2)
    shifted[:, 3] += 0.8  # a new kind of prompt moves one direction
    # KS critical value at a strict alpha = 1e-6 per coordinate (about a 5-sigma alarm):
    # sqrt(-ln(alpha / 2) / 2) * sqrt((n + m) / (n m)).
    critical = math.sqrt(-math.log(1e-6 / 2) / 2) * math.sqrt(2 / n)

    demo.at_most(
        "KS stays under the alpha=1e-6 critical value with no drift",
        worst(ks_statistic, reference, same),
        critical,
    )
    demo.at_least(
        "KS exceeds the critical value on the shifted week",
        worst(ks_statistic, reference, shifted),
        critical,
    )
    # PSI rules of thumb: under 0.1 stable, over 0.25 a major shift.
    demo.at_most("PSI stays under 0.05 with no drift", worst(psi, reference, same), 0.05)
    demo.at_least(
        "PSI exceeds 0.25, the usual major-shift mark", worst(psi, reference, shifted), 0.25
    )

    # A change of spread with the mean unchanged: KS sees it through the CDF's shape.
    wider = demo.randn(n, d, seed=3)
    wider[:, 5] *= 2.0
    demo.at_least("KS flags a 2x wider spread", worst(ks_statistic, reference, wider), critical)
    # Negative control: a monitor that z-tests only each coordinate's mean misses it.
    z_mean = (wider.mean(0) - reference.mean(0)) / (wider.var(0) / n + reference.var(0) / n).sqrt()
    demo.at_least(
        "a mean-only z-test flags the wider spread (|z| >= 4.9)",
        z_mean.abs().max(),
        4.9,
        negative=True,
    )

    # Concept drift: this week's inputs are the unshifted sample that passed both tests
    # above, but the right label has flipped wherever coordinate 1 is positive. Only
    # grading a sample of live outputs can catch it.
    model_says = same[:, 0] > 0  # the deployed classifier, perfect last month
    labels_now = torch.where(same[:, 1] > 0, ~model_says, model_says)
    accuracy_now = (model_says == labels_now).float().mean()
    demo.between("graded live accuracy falls from 1.0 to about 0.5", accuracy_now, 0.45, 0.55)
