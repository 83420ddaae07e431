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


def ks_by_definition(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """The same statistic straight from its definition: count below every sample point."""
    grid = torch.cat([a, b])
    below_a = (a[None, :] <= grid[:, None]).sum(1) / len(a)
    below_b = (b[None, :] <= grid[:, None]).sum(1) / len(b)
    return (below_a - below_b).abs().max()


def run(demo: Demo) -> None:
    # Worked example: a = 1..4 and b = 3..6. At t = 2 half of a lies at or below t and
    # none of b; at t = 4 all of a and half of b. The largest CDF gap is 0.5 either way round.
    a, b = demo.tensor([1.0, 2.0, 3.0, 4.0]), demo.tensor([3.0, 4.0, 5.0, 6.0])
    worked = demo.close("KS(b, a) of 1..4 against 3..6 is 0.5", ks_statistic(b, a), 0.5)

    def below(sample: torch.Tensor, grid: torch.Tensor) -> torch.Tensor:
        return (sample[None, :] <= grid[:, None]).float().mean(1)

    grid = torch.cat([a, b])
    one_sided = (below(b, grid) - below(a, grid)).max()  # b's CDF never rises above a's
    worked.broken("without the |.| a gap in a's favour reads 0", one_sided)

    # PSI worked example: reference 0..9 puts one value in each decile (p = 0.1 each); the
    # current sample fills the bins in proportions q = (.2, .2, .1, .1, .1, .1, .1, .05,
    # .025, .025). Only the five uneven bins add: 0.1 ln 2 twice, -0.05 ln(1/2), and
    # -0.075 ln(1/4) twice, which is 0.55 ln 2.
    ref_worked = torch.arange(10.0, device=demo.device)
    counts = torch.tensor([8, 8, 4, 4, 4, 4, 4, 2, 1, 1], device=demo.device)
    cur_worked = ref_worked.repeat_interleave(counts)
    demo.close(
        "PSI of the worked example is 0.55 ln 2", psi(ref_worked, cur_worked), 0.55 * math.log(2)
    )

    n, d = 2000, 8
    reference = demo.randn(n, d, seed=0)  # last month's prompt embeddings
    same = demo.randn(n, d, seed=1)  # this week, nothing changed
    shifted = demo.randn(n, d, seed=2)
    shifted[:, 3] += 0.8  # a new kind of prompt moves one direction
    shifted[:, 6] -= 0.3  # and another drifts the other way

    # The sort-and-search KS equals the pairwise definition, coordinate by coordinate
    # (on the first 500 points of each week, to keep the pairwise count small).
    demo.close(
        "KS by sorting equals KS by definition on all 8 coordinates",
        torch.stack([ks_statistic(reference[:500, j], shifted[:500, j]) for j in range(d)]),
        torch.stack([ks_by_definition(reference[:500, j], shifted[:500, j]) for j in range(d)]),
    )

    # Each monitor's alarm is its statistic over its critical value at a strict alpha = 1e-6
    # per coordinate (about a 5-sigma alarm); it fires at 1 or more.
    # KS: sqrt(-ln(alpha / 2) / 2) * sqrt((n + m) / (n m)).
    ks_critical = math.sqrt(-math.log(1e-6 / 2) / 2) * math.sqrt(2 / n)
    demo.at_most(
        "KS stays under its alpha=1e-6 critical value with no drift",
        worst(ks_statistic, reference, same) / ks_critical,
        1.0,
    )
    demo.at_least(
        "KS exceeds its critical value on the shifted week",
        worst(ks_statistic, reference, shifted) / ks_critical,
        1.0,
    )
    # PSI rules of thumb: under 0.1 stable, over 0.25 a major shift.
    demo.at_most("PSI stays under 0.05 with no drift", worst(psi, reference, same), 0.05)
    demo.at_least(
        "PSI exceeds 0.25, the usual major-shift mark", worst(psi, reference, shifted), 0.25
    )

    # A change of spread with the mean unchanged: KS sees it through the CDF's shape.
    wider = demo.randn(n, d, seed=3)
    wider[:, 5] *= 2.0
    spread = demo.at_least(
        "KS flags a 2x wider spread", worst(ks_statistic, reference, wider) / ks_critical, 1.0
    )
    # A monitor that z-tests only each coordinate's mean, at the same alpha, misses it.
    z_critical = torch.special.ndtri(torch.tensor(1 - 1e-6 / 2, dtype=torch.float64))
    z_mean = (wider.mean(0) - reference.mean(0)) / (wider.var(0) / n + reference.var(0) / n).sqrt()
    spread.broken("a mean-only z-test does not", z_mean.abs().max() / z_critical)

    # Concept drift: this week's inputs are the unshifted sample that passed both tests
    # above, but the right label has flipped wherever coordinate 1 is positive. Only
    # grading a sample of live outputs can catch it.
    model_says = same[:, 0] > 0  # the deployed classifier, perfect last month
    labels_now = torch.where(same[:, 1] > 0, ~model_says, model_says)
    accuracy_now = (model_says == labels_now).float().mean()
    demo.between("graded live accuracy falls from 1.0 to about 0.5", accuracy_now, 0.45, 0.55)


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "one-sided KS: drop the |.|",
        "(cdf_a - cdf_b).abs().max()",
        "(cdf_a - cdf_b).max()",
    ),
    (
        "PSI bins from the current sample, not the reference",
        "torch.quantile(ref,",
        "torch.quantile(cur,",
    ),
    (
        "watch only the first embedding coordinate",
        "for j in range(ref.shape[1])",
        "for j in range(1)",
    ),
]
