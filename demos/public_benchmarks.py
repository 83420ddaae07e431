"""Public benchmarks: pass@k done right, bootstrap error bars, and graders that move the score.

A benchmark score is an estimate from a finite set of items, so it needs an error bar
before two models can be ranked; resampling the items (the bootstrap) gives one. HumanEval
reports pass@k from n samples per problem with an unbiased estimator, and how answers are
extracted and matched (MMLU's letter format) can shift a score as much as a model upgrade.
"""

import itertools
import math
import re

import torch

from demos.harness import Demo

CONCEPTS = ["public-benchmarks"]


def pass_at_k(n: int, c: int, k: int) -> float:
    # Chance that k of the n samples, drawn without replacement, include a passing one.
    return 1.0 - math.comb(n - c, k) / math.comb(n, k)


def plug_in_pass_at_k(n: int, c: int, k: int) -> float:
    # The biased shortcut: treat the k samples as independent draws with rate c / n.
    return 1.0 - (1 - c / n) ** k


def bootstrap_ci(correct: torch.Tensor, resamples: int, size: int, seed: int) -> torch.Tensor:
    """95% percentile intervals for each row's accuracy (rows are separate benchmarks)."""
    n = correct.shape[1]
    g = torch.Generator().manual_seed(seed)
    idx = torch.randint(n, (resamples, size), generator=g).to(correct.device)
    # Each resample draws `size` items with replacement; counting how often each item was
    # drawn turns every resampled mean into one matrix product.
    counts = torch.zeros(resamples, n, device=correct.device).scatter_add_(
        1, idx, torch.ones(resamples, size, device=correct.device)
    )
    means = correct @ counts.T / size
    return torch.quantile(means, torch.tensor([0.025, 0.975], device=correct.device), dim=1).T


def run(demo: Demo) -> None:
    # Worked example: 2 of 10 samples pass the unit tests. pass@5 counts the 5-subsets
    # of the samples that contain a pass: 1 - C(8,5)/C(10,5) = 1 - 56/252 = 7/9.
    passed = [1, 1, 0, 0, 0, 0, 0, 0, 0, 0]
    subsets = list(itertools.combinations(passed, 5))
    enumerated = sum(any(s) for s in subsets) / len(subsets)
    f64 = {"device": demo.device, "dtype": torch.float64}  # exact counts deserve float64
    demo.close(
        "pass@1 with 2 of 10 passing is 0.2",
        torch.tensor(pass_at_k(10, 2, 1), **f64),
        torch.tensor(0.2, **f64),
    )
    unbiased = demo.close(
        "pass@5 closed form equals enumeration (7/9)",
        torch.tensor(pass_at_k(10, 2, 5), **f64),
        torch.tensor(enumerated, **f64),
    )
    # The plug-in 1 - (1 - c/n)^k = 1 - 0.8^5 = 0.672 underestimates it.
    unbiased.broken(
        "the plug-in estimate 1 - (1 - c/n)^k does not",
        torch.tensor(plug_in_pass_at_k(10, 2, 5), **f64),
    )

    # Bootstrap error bars: 200 independent 100-item benchmarks for a model whose true
    # accuracy is 0.7. The interval's half-width should match sqrt(p(1-p)/n) * 1.96.
    n, p = 100, 0.7
    correct = (demo.rand(200, n, seed=1) < p).float()
    ci = bootstrap_ci(correct, resamples=400, size=n, seed=2)
    half = (ci[:, 1] - ci[:, 0]).mean() / 2
    demo.close(
        "bootstrap half-width is about 1.96 sqrt(p(1-p)/n) = 0.09",
        half,
        1.96 * math.sqrt(p * (1 - p) / n),
        rtol=0.15,
    )
    covered = ((ci[:, 0] <= p) & (p <= ci[:, 1])).float().mean()
    coverage = demo.between(
        "the 95% bootstrap interval covers the true accuracy ~95% of the time", covered, 0.88, 0.995
    )
    # Negative control: resampling as if the benchmark had 10x the items makes the
    # interval ~3x too narrow, and it misses the truth about half the time.
    narrow = bootstrap_ci(correct, resamples=400, size=10 * n, seed=3)
    covered_narrow = ((narrow[:, 0] <= p) & (p <= narrow[:, 1])).float().mean()
    coverage.broken("an interval that overstates n does not", covered_narrow)

    # Scoring details: the same 400 multiple-choice replies, graded by strict match on
    # the bare letter and by a grader that extracts the letter first.
    choice_right = demo.rand(400, seed=4) < 0.7
    styles = demo.randint(4, 400, seed=5)
    replies = []
    for right, style in zip(choice_right.tolist(), styles.tolist(), strict=True):
        letter = "B" if right else "C"
        replies.append(["{}", "({})", "Answer: {}", "The answer is {}."][style].format(letter))
    strict = sum(r == "B" for r in replies) / 400
    extract = [re.search(r"\b([A-D])\b", r) for r in replies]
    lenient = sum(m is not None and m.group(1) == "B" for m in extract) / 400
    truth = choice_right.double().mean()
    grader = demo.close(
        "the extracting grader recovers the model's true accuracy", lenient, truth, atol=1e-6
    )
    grader.broken("strict matching on the bare letter does not", strict)
    demo.at_least("strict matching costs the same model over 25 points", lenient - strict, 0.25)


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "use the biased plug-in estimator for pass@k",
        "return 1.0 - math.comb(n - c, k) / math.comb(n, k)",
        "return 1.0 - (1 - c / n) ** k",
    ),
    (
        "forget to resample: every bootstrap replicate is the data itself",
        "idx = torch.randint(n, (resamples, size), generator=g)",
        "idx = (torch.arange(size).repeat(resamples, 1) % n)",
    ),
    (
        "grade only an exact bare letter",
        'r"\\b([A-D])\\b"',
        'r"^([A-D])$"',
    ),
]
