"""Reasoning evals: leaked test items inflate scores, and a training-cutoff split exposes it.

When benchmark problems leak into web-scale training data, a model can answer them from
memory, so its score rises without any gain in ability. Two checks catch this: search the
training text for long n-grams of each test item, and compare accuracy on problems
published before and after the model's training cutoff. The n-gram search misses
paraphrased leaks; the cutoff split still sees their effect.
"""

import math

import torch

from demos.harness import Demo

CONCEPTS = ["reasoning-evals"]

N = 13  # n-gram length, as in several contamination reports
VOCAB, ITEM_LEN = 1000, 30


def ngram_hashes(tokens: torch.Tensor) -> torch.Tensor:
    """Hash every N-gram of each row (tokens: rows x length) to one int64."""
    weights = torch.tensor([pow(7919, j, 2**48) for j in range(N)], device=tokens.device)
    grams = tokens.unfold(-1, N, 1)  # rows x windows x N
    return (grams * weights).sum(-1)  # < 13 * 1000 * 2^48, no overflow


def run(demo: Demo) -> None:
    # 1000 problems from before the cutoff, 1000 from after. 400 of the earlier ones were
    # copied verbatim into the training corpus; 200 more were leaked in paraphrase
    # (every third token changed), so no 13-gram of theirs survives.
    n = 1000
    before = demo.randint(VOCAB, n, ITEM_LEN, seed=0)
    after = demo.randint(VOCAB, n, ITEM_LEN, seed=1)
    idx = torch.arange(n, device=demo.device)
    verbatim, paraphrased = idx < 400, (idx >= 400) & (idx < 600)
    reworded = before[paraphrased].clone()
    reworded[:, ::3] = (reworded[:, ::3] + 1) % VOCAB
    web = demo.randint(VOCAB, 300, 100, seed=2)  # unrelated documents
    corpus = torch.cat([web.flatten(), before[verbatim].flatten(), reworded.flatten()])

    seen = ngram_hashes(corpus[None])[0]
    flagged = torch.isin(ngram_hashes(before), seen).any(1)
    demo.equal("13-gram overlap flags exactly the 400 verbatim leaks", flagged, verbatim)
    demo.equal(
        "and none of the 1000 later problems", torch.isin(ngram_hashes(after), seen).any(1).sum(), 0
    )
    demo.equal("paraphrased leaks slip past it (0 of 200 flagged)", flagged[paraphrased].sum(), 0)

    # A model with true skill 0.4 that also answers any leaked problem from memory.
    skill = 0.4

    def score(leaks: torch.Tensor, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
        solves = demo.rand(2 * n, seed=seed) < skill
        return solves[:n] | leaks, solves[n:]

    early_right, late_right = score(verbatim | paraphrased, seed=3)
    early, late = early_right.double().mean(), late_right.double().mean()
    # 600 of 1000 leaked: 0.4 + 0.6 x 0.6 = 0.76; only the 400 unleaked items vary.
    demo.close(
        "pre-cutoff accuracy is inflated to skill + (1 - skill) x leaked share",
        early,
        0.76,
        atol=5 * math.sqrt(400 * skill * (1 - skill)) / n,
    )
    demo.close(
        "post-cutoff accuracy measures the true skill, 0.4",
        late,
        skill,
        atol=5 * math.sqrt(skill * (1 - skill) / n),
    )

    # Dropping the flagged items does not clean the score: 200 of the 600 left are
    # paraphrased leaks, so it sits at 0.4 + 0.6 / 3 = 0.6, not 0.4.
    kept = early_right[~flagged].double().mean()
    demo.close(
        "after n-gram decontamination the pre-cutoff score is still 0.6",
        kept,
        0.6,
        atol=5 * math.sqrt(400 * skill * (1 - skill)) / 600,
    )

    # The cutoff check: a two-proportion z-test on before vs after accuracy.
    def z_gap(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        a, b = a.double().mean(), b.double().mean()
        pooled = (a + b) / 2
        return (a - b) / torch.sqrt(pooled * (1 - pooled) * 2 / n)

    # By hand: 550 vs 500 right out of 1000 each pools to 0.525, with standard error
    # sqrt(0.525 * 0.475 * 2 / 1000) = 0.022333, so z = 0.05 / 0.022333 = 2.2389.
    right = torch.arange(n, device=demo.device)
    demo.close(
        "z for 55% vs 50% on 1000 each is 2.2389 (by hand)",
        z_gap(right < 550, right < 500),
        2.2388683142,
    )

    flags = demo.at_least(
        "the contaminated model's before/after gap is over 4 sigma",
        z_gap(early_right, late_right),
        4.0,
    )
    # A clean model (nothing leaked) must not trip the same test.
    clean = score(torch.zeros(n, dtype=torch.bool, device=demo.device), seed=4)
    flags.broken("a clean model's before/after gap stays under 4 sigma", z_gap(*clean))


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "hash an n-gram by its token sum, so word order is lost and unrelated grams collide",
        "return (grams * weights).sum(-1)",
        "return grams.sum(-1)",
    ),
    (
        "leaked problems are not answered from memory",
        "return solves[:n] | leaks, solves[n:]",
        "return solves[:n], solves[n:]",
    ),
    (
        "z-test without the square root in the standard error",
        "return (a - b) / torch.sqrt(pooled * (1 - pooled) * 2 / n)",
        "return (a - b) / (pooled * (1 - pooled) * 2 / n)",
    ),
]
