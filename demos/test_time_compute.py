"""Test-time compute: best-of-n with a verifier, unbiased pass@k, and when samples stop paying.

With a perfect verifier, n samples solve a problem that one sample solves with probability p
with chance 1 - (1 - p)^n. Real verifiers accept some wrong answers, which caps the gain, and
a problem the model cannot solve gains nothing at all, so a fixed budget is best spent
unevenly: on the prompts where one more sample still moves the odds.
"""

import math

import torch

from demos.harness import Demo

CONCEPTS = ["test-time-compute"]


def best_of_n(demo: Demo, p: float, n: int, false_accept: float, trials: int, seed: int) -> float:
    """Pick a random sample among those the verifier accepts (any sample if none is)."""
    correct = demo.rand(trials, n, seed=seed) < p
    accepted = correct | (demo.rand(trials, n, seed=seed + 1000) < false_accept)
    key = demo.rand(trials, n, seed=seed + 2000) + accepted.float()  # accepted ones rank first
    chosen = key.argmax(1, keepdim=True)
    return correct.gather(1, chosen).float().mean().item()


def pass_at_k(n: int, c: int, k: int) -> float:
    """Chance that k of the n samples, drawn without replacement, include a correct one."""
    return 1 - math.comb(n - c, k) / math.comb(n, k)


def run(demo: Demo) -> None:
    p = 0.15
    # Perfect verifier: the run succeeds if any sample is right.
    for n in (1, 4, 16):
        exact = 1 - (1 - p) ** n
        sigma = math.sqrt(exact * (1 - exact) / 20000)
        demo.close(
            f"best-of-{n} with a perfect verifier matches 1 - (1 - p)^{n} = {exact:.3f}",
            best_of_n(demo, p, n, 0.0, 20000, seed=n),
            exact,
            atol=5 * sigma,
        )

    # pass@k from n = 20 samples with c correct. The estimator 1 - C(n-c, k)/C(n, k) is
    # unbiased: averaged over c ~ Binomial(n, p) it equals 1 - (1 - p)^k exactly.
    n, k = 20, 5
    pmf = [math.comb(n, c) * p**c * (1 - p) ** (n - c) for c in range(n + 1)]
    unbiased = sum(w * pass_at_k(n, c, k) for c, w in enumerate(pmf))
    plug_in = sum(w * (1 - (1 - c / n) ** k) for c, w in enumerate(pmf))
    unbiased, plug_in = (demo.tensor(v, dtype=torch.float64) for v in (unbiased, plug_in))
    truth = demo.tensor(1 - (1 - p) ** k, dtype=torch.float64)
    estimator = demo.close(
        "the unbiased pass@5 estimator averages to 1 - (1 - p)^5", unbiased, truth
    )
    # Plugging c/n into 1 - (1 - p)^k underestimates (Jensen: the curve is concave).
    estimator.broken("the plug-in 1 - (1 - c/n)^k does not", plug_in)

    # A verifier that accepts 10% of wrong answers: as n grows the pick is a random
    # accepted sample, right with chance p / (p + (1 - p) 0.1), not 1.
    ceiling = p / (p + (1 - p) * 0.1)
    noisy = {n: best_of_n(demo, p, n, 0.1, 20000, seed=100 + n) for n in (64, 256)}
    demo.close(f"an imperfect verifier plateaus near {ceiling:.3f}", noisy[256], ceiling, atol=0.03)
    demo.at_most("from 64 to 256 samples it gains under 0.03", noisy[256] - noisy[64], 0.03)

    # A budget of 30 samples over three prompts: easy (p = 0.9), hard (p = 0.05) and
    # one the model cannot solve (p = 0). Expected problems solved for each split:
    ps = demo.tensor([0.9, 0.05, 0.0], dtype=torch.float64)

    def solved(split: torch.Tensor) -> torch.Tensor:
        return (1 - (1 - ps) ** split).sum(-1)

    splits = torch.tensor(
        [[a, b, 30 - a - b] for a in range(31) for b in range(31 - a)], device=demo.device
    ).double()
    best = solved(splits).max()
    # Greedy: give each next sample where it adds the most; optimal since gains shrink.
    split = torch.zeros(3, dtype=torch.float64, device=demo.device)
    for _ in range(30):
        gain = (1 - ps) ** split * ps
        split[gain.argmax()] += 1
    optimal = demo.close(
        "marginal-gain allocation reaches the brute-force optimum", solved(split), best
    )
    demo.equal("and spends nothing on the impossible prompt", split[2], 0.0)
    # The even split, 10 samples each, wastes a third of the budget on the impossible prompt.
    optimal.broken(
        "an even split does not",
        solved(demo.tensor([10.0, 10.0, 10.0], dtype=torch.float64)),
    )


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "the plug-in pass@k instead of the unbiased estimator",
        "return 1 - math.comb(n - c, k) / math.comb(n, k)",
        "return 1 - (1 - c / n) ** k",
    ),
    (
        "pick a sample at random, ignoring the verifier",
        "key = demo.rand(trials, n, seed=seed + 2000) + accepted.float()",
        "key = demo.rand(trials, n, seed=seed + 2000)",
    ),
    (
        "allocate by success chance instead of marginal gain",
        "gain = (1 - ps) ** split * ps",
        "gain = ps.clone()",
    ),
]
