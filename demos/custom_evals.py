"""Custom evals: catch test items leaked into training data, and debias an LLM judge by swapping.

A private eval set is only worth something if the model never trained on it and
its grader is trustworthy. Long n-gram overlap with the training corpus flags a
copied test item, where single-word overlap flags everything. An LLM judge that
favours whichever answer is shown first disagrees with people; asking it twice
with the order swapped and averaging cancels that bias before its scores count.
"""

import torch

from demos.harness import Demo

CONCEPTS = ["custom-evals"]


def ngram_overlap(item: list[int], corpus_ngrams: set[tuple[int, ...]], n: int) -> float:
    """The fraction of an item's n-grams that also occur somewhere in the training corpus."""
    grams = [tuple(item[i : i + n]) for i in range(len(item) - n + 1)]
    return sum(g in corpus_ngrams for g in grams) / len(grams)


def judge(demo: Demo, first: torch.Tensor, second: torch.Tensor, seed: int) -> torch.Tensor:
    """A toy LLM judge: sees the quality gap through noise, plus a bonus for the first answer."""
    noise = 0.3 * demo.randn(*first.shape, seed=seed)
    return first - second + 0.5 + noise  # > 0 means "the first answer is better"


def run(demo: Demo) -> None:
    # Contamination: a 4,000-token training corpus and 20 test items of 40 tokens;
    # item 7 was pasted into the corpus verbatim.
    corpus = demo.randint(100, 4000, seed=0).tolist()
    tests = demo.randint(100, 20, 40, seed=1).tolist()
    corpus[1000:1040] = tests[7]

    def overlaps(n: int) -> torch.Tensor:
        grams = {tuple(corpus[i : i + n]) for i in range(len(corpus) - n + 1)}
        return demo.tensor([ngram_overlap(item, grams, n) for item in tests])

    eight = overlaps(8)
    demo.close("every 8-gram of the copied item is in the training data", eight[7], 1.0)
    clean = torch.cat([eight[:7], eight[8:]])
    demo.at_most("clean items share at most 5% of their 8-grams with the corpus", clean.max(), 0.05)
    demo.equal("8-gram overlap flags exactly the copied item", (eight > 0.5).nonzero().ravel(), [7])
    # Negative control: unigram overlap cannot tell leaked from clean, since every token id
    # occurs somewhere in 4,000 tokens of text; every clean item looks contaminated.
    one = overlaps(1)
    demo.at_most(
        "unigram overlap leaves clean items under 5% overlap",
        torch.cat([one[:7], one[8:]]).max(),
        0.05,
        negative=True,
    )

    # LLM-as-judge: 4,000 answer pairs with hidden qualities; human labels see them with noise.
    qa, qb = demo.randn(4000, seed=2), demo.randn(4000, seed=3)
    human_a_wins = (qa - qb + 0.3 * demo.randn(4000, seed=4)) > 0
    one_order = judge(demo, qa, qb, seed=5) > 0
    # Ask again with the order swapped and average: the position bonus cancels exactly.
    swapped = (judge(demo, qa, qb, seed=5) - judge(demo, qb, qa, seed=6)) / 2 > 0
    agree_one = (one_order == human_a_wins).float().mean()
    agree_swap = (swapped == human_a_wins).float().mean()
    demo.at_least(
        "swap-averaging raises agreement with humans by 3 points", agree_swap - agree_one, 0.03
    )

    # On pairs of equal quality a fair judge prefers the first answer half the time.
    tie = torch.zeros(4000, device=demo.device)
    fair = ((judge(demo, tie, tie, seed=7) - judge(demo, tie, tie, seed=8)) / 2 > 0).float().mean()
    demo.between("the swap-averaged judge picks the first of equal answers ~50%", fair, 0.46, 0.54)
    # Negative control: asked once, the judge picks the first-shown answer ~95% of the time.
    biased = (judge(demo, tie, tie, seed=7) > 0).float().mean()
    demo.between(
        "the single-order judge picks the first of equal answers ~50%",
        biased,
        0.46,
        0.54,
        negative=True,
    )
