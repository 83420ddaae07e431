"""Synthetic instruction data: keep generated instructions diverse, and keep benchmarks out of them.

Self-Instruct grows an instruction set from a few human-written seeds: a model is prompted
with sampled tasks and writes new ones, and each candidate is kept only if it is not too
similar to anything already in the pool (ROUGE-L below 0.7), so the set grows in variety
instead of in paraphrases. Generated data must also be decontaminated: a training example
that shares a long word n-gram (Tülu 3 used 8-grams) with a benchmark question is removed,
otherwise the benchmark measures memory instead of skill.

No language model runs here: the generated candidates are written out below, with
paraphrases and a leaked benchmark question planted among them, and the demo checks that
the two filters find exactly the planted ones.
"""

import torch

from demos.harness import Demo

CONCEPTS = ["synthetic-instruction-data"]


def lcs_length(a: list[str], b: list[str]) -> int:
    """Length of the longest common subsequence of two token lists (dynamic programming)."""
    row = [0] * (len(b) + 1)
    for x in a:
        prev_diag, row[0] = 0, 0
        for j, y in enumerate(b, start=1):
            prev_diag, row[j] = row[j], prev_diag + 1 if x == y else max(row[j], row[j - 1])
    return row[-1]


def rouge_l(candidate: str, reference: str) -> float:
    """ROUGE-L F1: LCS-based precision and recall over word tokens, combined harmonically."""
    c, r = candidate.lower().split(), reference.lower().split()
    lcs = lcs_length(c, r)
    if lcs == 0:
        return 0.0
    precision, recall = lcs / len(c), lcs / len(r)
    return 2 * precision * recall / (precision + recall)


def diversity_filter(pool: list[str], candidates: list[str], threshold: float) -> list[str]:
    """Self-Instruct's rule: add a candidate only if its ROUGE-L with every instruction
    already in the pool (seeds and accepted candidates) is below the threshold."""
    kept = list(pool)
    for cand in candidates:
        if max(rouge_l(cand, old) for old in kept) < threshold:
            kept.append(cand)
    return kept[len(pool) :]


def ngrams(text: str, n: int) -> set[tuple[str, ...]]:
    words = "".join(ch if ch.isalnum() else " " for ch in text.lower()).split()
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def contaminated(train: list[str], benchmark: list[str], n: int) -> list[int]:
    """Indices of training examples sharing at least one word n-gram with any test item."""
    test_grams = set().union(*(ngrams(q, n) for q in benchmark))
    return [i for i, ex in enumerate(train) if ngrams(ex, n) & test_grams]


SEEDS = [
    "Write a haiku about the ocean at night.",
    "Translate the following sentence into French.",
    "Summarize the article below in two sentences.",
    "Classify the sentiment of this movie review as positive or negative.",
]

# What a model might generate in one round: new tasks, and paraphrases of tasks already seen.
CANDIDATES = [
    "List three ways to reduce household energy use.",  # new
    "Write a haiku about the ocean at dawn.",  # paraphrase of a seed
    "Explain the difference between a virus and a bacterium.",  # new
    "Summarize the article below in three sentences.",  # paraphrase of a seed
    "List three ways to reduce energy use at home.",  # paraphrase of the 1st new task
    "Write a Python function that reverses a string.",  # new
    "Classify the sentiment of this product review as positive or negative.",  # paraphrase
    "Suggest a name for a bakery that sells only bread.",  # new
]
NEW_TASKS = [CANDIDATES[i] for i in (0, 2, 5, 7)]

BENCHMARK = [  # test questions of an evaluation set (made up for the demo)
    "Natalia sold clips to 48 of her friends in April and then half as many in May. "
    "How many clips did she sell altogether?",
    "A train leaves the station at 3 pm travelling at 60 miles per hour. "
    "When does it reach a town 150 miles away?",
]
TRAIN = [
    "Explain why the sky is blue in simple terms.",
    # A leaked test item, reworded at the start and the end but with its middle intact.
    "Solve this: Natalia sold clips to 48 of her friends in April and then half as many in May."
    " What is the total?",
    "Write a short story about a lost umbrella.",
    "A bus leaves at 9 am and travels at 40 miles per hour; how far has it gone by noon?",
    "Describe the water cycle for a ten-year-old.",
]


def run(demo: Demo) -> None:
    # 1. ROUGE-L by hand: "the cat sat on the mat" vs "the cat lay on the mat" share the
    # 5-word subsequence "the cat on the mat", so precision = recall = 5/6 and F1 = 5/6.
    demo.close(
        "ROUGE-L('the cat sat on the mat', 'the cat lay on the mat') = 5/6",
        rouge_l("the cat sat on the mat", "the cat lay on the mat"),
        5 / 6,
    )
    # The DP against brute force over all subsequences of a short sequence: the longest
    # subsequence of a that is also a subsequence of b.
    a, b = ["a", "b", "c", "b", "d", "a", "b"], ["b", "d", "c", "a", "b", "a"]

    def is_subsequence(s: list[str], t: list[str]) -> bool:
        it = iter(t)
        return all(tok in it for tok in s)

    brute = max(
        bin(mask).count("1")
        for mask in range(1 << len(a))
        if is_subsequence([a[i] for i in range(len(a)) if mask >> i & 1], b)
    )
    demo.equal("the LCS recurrence equals brute force over all 128 subsequences (4)",
               lcs_length(a, b), brute)  # fmt: skip

    # 2. The diversity filter keeps exactly the four new tasks and drops the four
    # paraphrases (of seeds, and of a task accepted earlier in the same round).
    kept = diversity_filter(SEEDS, CANDIDATES, threshold=0.7)
    keeps_new = demo.equal(
        "ROUGE-L < 0.7 filter keeps exactly the 4 new tasks and drops the 4 paraphrases",
        [CANDIDATES.index(k) for k in kept],
        [CANDIDATES.index(k) for k in NEW_TASKS],
    )
    # Exact-string deduplication, the naive filter, lets every paraphrase through.
    exact = [c for c in CANDIDATES if c not in SEEDS]
    keeps_new.broken(
        "exact-match deduplication keeps all 8, paraphrases included",
        [CANDIDATES.index(k) for k in exact],
    )

    # 3. Decontamination with 8-grams finds the one leaked test item and nothing else,
    # even though its first and last words were changed.
    flagged = contaminated(TRAIN, BENCHMARK, n=8)
    finds_leak = demo.equal(
        "8-gram overlap flags exactly the leaked benchmark question (training example 1)",
        torch.tensor(flagged),
        torch.tensor([1]),
    )
    # Too short an n-gram flags innocent examples that share everyday phrases with the
    # test set ("miles per hour", "leaves at"): 3-grams also flag the bus question.
    finds_leak.broken(
        "3-gram overlap also flags an innocent training example",
        torch.tensor(contaminated(TRAIN, BENCHMARK, n=3)),
    )
    clean = [ex for i, ex in enumerate(TRAIN) if i not in flagged]
    demo.equal(
        "after removal no training example shares an 8-gram with the benchmark",
        len(contaminated(clean, BENCHMARK, n=8)),
        0,
        illustration=True,
    )


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "compare each candidate with the seeds only, not with tasks accepted this round",
        "if max(rouge_l(cand, old) for old in kept) < threshold:",
        "if max(rouge_l(cand, old) for old in pool) < threshold:",
    ),
    (
        "ROUGE-L that forgets recall: precision alone",
        "return 2 * precision * recall / (precision + recall)",
        "return precision",
    ),
    (
        "decontaminate on whole-question equality instead of shared n-grams",
        "return [i for i, ex in enumerate(train) if ngrams(ex, n) & test_grams]",
        "return [i for i, ex in enumerate(train) if ex in benchmark]",
    ),
]
