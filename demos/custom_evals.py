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


def ngrams(tokens: list[int], n: int) -> list[tuple[int, ...]]:
    """Every run of n consecutive tokens: a list of length L has L - n + 1 of them."""
    return [tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]


def overlap(item: list[int], corpus: set[tuple[int, ...]], n: int) -> float:
    """The fraction of an item's n-grams that also occur among the corpus's n-grams."""
    grams = ngrams(item, n)
    return sum(g in corpus for g in grams) / len(grams)


def judge(demo: Demo, first: torch.Tensor, second: torch.Tensor, seed: int) -> torch.Tensor:
    """A toy LLM judge: sees the quality gap through noise, plus a bonus for the first answer."""
    noise = 0.3 * demo.randn(*first.shape, seed=seed)
    return first - second + 0.5 + noise  # > 0 means "the first answer is better"


def swap_averaged(demo: Demo, a: torch.Tensor, b: torch.Tensor, seed: int) -> torch.Tensor:
    """Ask with a first, then with b first, and average the verdicts as seen from a's side.

    The second verdict is about b, so it enters with a minus sign; the position bonus,
    the same in both orders, cancels exactly.
    """
    return (judge(demo, a, b, seed) - judge(demo, b, a, seed + 1)) / 2


def run(demo: Demo) -> None:
    # A worked example small enough to count by hand, with n = 3. The item [1, 2, 3, 4] has
    # two trigrams, (1, 2, 3) and (2, 3, 4); the corpus [9, 1, 2, 3] has (9, 1, 2) and
    # (1, 2, 3). One of the item's two trigrams is in the corpus: overlap 1/2.
    demo.close(
        "overlap of [1, 2, 3, 4] with the corpus [9, 1, 2, 3] at n = 3 is 1/2",
        overlap([1, 2, 3, 4], set(ngrams([9, 1, 2, 3], 3)), 3),
        0.5,
    )

    # Contamination at scale: a 4,000-token training corpus and 20 test items of 40 tokens;
    # item 7 was pasted into the corpus verbatim.
    corpus = demo.randint(100, 4000, seed=0).tolist()
    tests = demo.randint(100, 20, 40, seed=1).tolist()
    corpus[1000:1040] = tests[7]
    eight_grams, unigrams = set(ngrams(corpus, 8)), set(ngrams(corpus, 1))
    eight = demo.tensor([overlap(item, eight_grams, 8) for item in tests])
    demo.close("every 8-gram of the copied item is in the training data", eight[7], 1.0)
    copied = torch.arange(20, device=demo.device) == 7
    flags = demo.equal(
        "8-gram overlap above 50% flags exactly the copied item", eight > 0.5, copied
    )
    # Negative control: unigram overlap cannot tell leaked from clean, since every token id
    # occurs somewhere in 4,000 tokens of text; every item looks contaminated.
    one = demo.tensor([overlap(item, unigrams, 1) for item in tests])
    flags.broken("unigram overlap above 50% flags every item", one > 0.5)

    # LLM-as-judge: 4,000 answer pairs with hidden qualities; human labels see them with noise.
    qa, qb = demo.randn(4000, seed=2), demo.randn(4000, seed=3)
    human_a_wins = (qa - qb + 0.3 * demo.randn(4000, seed=4)) > 0
    one_order = judge(demo, qa, qb, seed=5) > 0
    swapped = swap_averaged(demo, qa, qb, seed=5) > 0
    agree_one = (one_order == human_a_wins).float().mean()
    agree_swap = (swapped == human_a_wins).float().mean()
    demo.at_least("the swap-averaged judge agrees with humans >= 85% of the time", agree_swap, 0.85)
    demo.at_least(
        "swap-averaging raises agreement with humans by 3 points", agree_swap - agree_one, 0.03
    )

    # On pairs of equal quality a fair judge prefers the first answer half the time.
    tie = torch.zeros(4000, device=demo.device)
    fair = (swap_averaged(demo, tie, tie, seed=7) > 0).float().mean()
    balanced = demo.between(
        "the swap-averaged judge picks the first of two equal answers 46-54% of the time",
        fair,
        0.46,
        0.54,
    )
    # Negative control: asked once, the judge picks the first-shown answer ~95% of the time.
    balanced.broken(
        "asked in one order only, it picks the first far more often",
        (judge(demo, tie, tie, seed=7) > 0).float().mean(),
    )


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "n-gram window off by one: the last n-gram is never counted",
        "for i in range(len(tokens) - n + 1)]",
        "for i in range(len(tokens) - n)]",
    ),
    (
        "add the swapped verdict instead of subtracting it",
        "(judge(demo, a, b, seed) - judge(demo, b, a, seed + 1)) / 2",
        "(judge(demo, a, b, seed) + judge(demo, b, a, seed + 1)) / 2",
    ),
]
