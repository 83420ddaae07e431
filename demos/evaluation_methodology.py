"""Evaluation methodology: how much a benchmark score can move by chance, and how to tell.

A model's accuracy on n test items is an estimate of its accuracy on the population of
items the benchmark stands for. Each item is a coin flip with the model's true accuracy p,
so the score has standard error sqrt(p (1 - p) / n): four times the items for half the
error bar. We check three consequences by simulation:

  1. the spread of scores across many benchmark draws matches that formula, and shrinks
     like 1 / sqrt(n);
  2. a bootstrap 95% interval (resample the n items with replacement, take the 2.5% and
     97.5% quantiles of the resampled scores) contains the true accuracy about 95% of the
     time; a one-standard-error interval does not;
  3. two models scored on the SAME items should be compared item by item (a paired test):
     items differ far more in difficulty than the models do, and pairing cancels that
     shared difficulty. An unpaired test, which treats the two score lists as independent,
     misses a real 4-point gain most of the time.
"""

import math

import torch

from demos.harness import Demo

CONCEPTS = ["evaluation-methodology"]

P_TRUE = 0.7  # the model's true accuracy
RUNS = 2000  # simulated benchmarks


def standard_error(p: float, n: int) -> float:
    """Binomial standard error of an accuracy measured on n items."""
    return math.sqrt(p * (1 - p) / n)


def simulated_spread(demo: Demo, n: int, seed: int) -> torch.Tensor:
    """Standard deviation of the accuracy over RUNS benchmarks of n items each."""
    correct = demo.rand(RUNS, n, seed=seed) < P_TRUE
    return correct.double().mean(1).std()


def bootstrap_scores(demo: Demo, n: int) -> torch.Tensor:
    """For 500 simulated benchmarks of n items, 300 bootstrap resamples of each one's score."""
    trials, resamples = 500, 300
    observed = (demo.rand(trials, n, seed=10) < P_TRUE).double().mean(1)
    # Resampling n 0/1 items with replacement draws the count of correct ones from
    # Binomial(n, observed accuracy): the same distribution, without building n indices.
    counts = observed[:, None].expand(trials, resamples).contiguous()
    gen = demo.generator(11)
    return torch.binomial(torch.full_like(counts, n).cpu(), counts.cpu(), generator=gen) / n


def coverage(resampled: torch.Tensor, lo_q: float, hi_q: float) -> torch.Tensor:
    """How often the interval between two quantiles of the resampled scores contains P_TRUE."""
    q = torch.tensor([lo_q, hi_q], dtype=torch.float64)
    lo, hi = torch.quantile(resampled, q, dim=1)
    return ((lo <= P_TRUE) & (hi >= P_TRUE)).double().mean()


def detection_rate(demo: Demo, paired: bool) -> torch.Tensor:
    """Fraction of 300 simulated comparisons where a z-test finds B better (|z| > 1.96)."""
    reps, n = 300, 500
    # Each item has a difficulty u shared by both models; B solves every item A solves
    # plus the next 4% of harder ones. Small independent noise keeps them from being
    # perfectly correlated.
    u = demo.rand(reps, n, seed=20, dtype=torch.float64)
    a = (u + 0.05 * demo.randn(reps, n, seed=21, dtype=torch.float64) < 0.60).double()
    b = (u + 0.05 * demo.randn(reps, n, seed=22, dtype=torch.float64) < 0.64).double()
    diff = (b - a).mean(1)
    # Paired: the standard error of the per-item differences. Unpaired: two independent
    # samples, whose variances add, and the shared difficulty stays in.
    se = (b - a).std(1) / math.sqrt(n) if paired else (a.var(1) / n + b.var(1) / n).sqrt()
    return ((diff / se).abs() > 1.96).double().mean()


def run(demo: Demo) -> None:
    # 1. The error bar of an accuracy. With 2000 simulated benchmarks the spread itself is
    # known to about 1.6% (1/sqrt(2 * 2000)); 5% is about 3 sigma of room.
    spreads = {n: simulated_spread(demo, n, seed) for n, seed in ((100, 0), (400, 1))}
    for n, measured in spreads.items():
        spread = demo.close(
            f"spread of accuracy over benchmarks of {n} items = sqrt(p(1-p)/n)",
            measured,
            standard_error(P_TRUE, n),
            rtol=0.05,
            atol=0.0,
        )
    spread.broken(
        "the variance p(1-p)/n, mistaken for the error bar, does not match", spreads[400] ** 2
    )
    ratio = demo.between(
        "four times the items halves the error bar (ratio of spreads, n=100 vs n=400)",
        spreads[100] / spreads[400],
        1.8,
        2.2,
    )
    ratio.broken("the ratio of the variances is 4, not 2", (spreads[100] / spreads[400]) ** 2)

    # 2. Bootstrap coverage over 500 simulated benchmarks of 100 items. Monte Carlo error
    # of a 95% coverage from 500 trials is about 1%; [0.90, 0.99] leaves 4 sigma.
    resampled = bootstrap_scores(demo, 100)
    covers = demo.between(
        "a 95% bootstrap interval covers the true accuracy about 95% of the time",
        coverage(resampled, 0.025, 0.975),
        0.90,
        0.99,
    )
    covers.broken(
        "a one-standard-error interval (16% to 84%) covers it only about 68% of the time",
        coverage(resampled, 0.16, 0.84),
    )

    # 3. Paired against unpaired, on the same items.
    paired = demo.at_least(
        "a paired test finds the 4-point gain in at least 90% of comparisons",
        detection_rate(demo, paired=True),
        0.9,
    )
    paired.broken(
        "an unpaired test on the same scores misses it most of the time",
        detection_rate(demo, paired=False),
    )


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "the standard error without its square root",
        "return math.sqrt(p * (1 - p) / n)",
        "return p * (1 - p) / n",
    ),
    (
        "the bootstrap resamples fewer items than the benchmark has",
        "return torch.binomial(torch.full_like(counts, n)",
        "return 4 * torch.binomial(torch.full_like(counts, n // 4)",
    ),
    (
        "the paired test uses the unpaired standard error",
        "se = (b - a).std(1) / math.sqrt(n)",
        "se = (a.var(1) / n + b.var(1) / n).sqrt()",
    ),
]
