"""Prompting: the same frozen model does better with better examples, and only an eval set can tell.

A prompt is the one input we control without training. Here the "model" is a fixed
in-context learner: it labels a query by attending to the labelled examples placed in its
prompt. Adding examples, and choosing ones that resemble the query, raises accuracy with
no weight changing. But a real improvement of a few points is invisible in a handful of
outputs; it takes hundreds of held-out items to see it reliably.
"""

import torch

from demos.harness import Demo

CONCEPTS = ["prompting"]

D, POOL, TEST = 8, 4000, 2000


def model(examples_x: torch.Tensor, examples_y: torch.Tensor, query: torch.Tensor) -> torch.Tensor:
    """A frozen in-context learner: each query attends to its own prompt's examples and
    takes a similarity-weighted vote of their labels. With no examples it says class 0."""
    if examples_x.shape[1] == 0:
        return torch.zeros(query.shape[0], dtype=torch.long, device=query.device)
    scores = torch.einsum("qd,qkd->qk", query, examples_x) * 0.5
    vote = (torch.softmax(scores, -1) * (2 * examples_y.float() - 1)).sum(-1)
    return (vote > 0).long()


def run(demo: Demo) -> None:
    w = demo.randn(D, seed=0)  # the task: label = whether x . w > 0, unknown to the model
    pool_x = demo.randn(POOL, D, seed=1)
    pool_y = (pool_x @ w > 0).long()
    test_x = demo.randn(TEST, D, seed=2)
    test_y = (test_x @ w > 0).long()

    def right(idx: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """Per-item correctness when query i's prompt holds the pool examples idx[i]."""
        ys = pool_y[idx] if labels is None else labels
        return (model(pool_x[idx], ys, test_x) == test_y).float()

    zero = right(torch.zeros(TEST, 0, dtype=torch.long, device=demo.device)).mean()
    shots = {k: right(demo.randint(POOL, TEST, k, seed=10 + k)) for k in (4, 16, 32, 64)}
    helps = demo.at_least(
        "64 random examples beat the zero-shot prompt by 0.15+", shots[64].mean() - zero, 0.15
    )
    # Examples labelled by an unrelated rule teach nothing about this task.
    idx = demo.randint(POOL, TEST, 64, seed=42)
    w_other = demo.randn(D, seed=3)
    w_other = w_other - (w_other @ w) / (w @ w) * w  # orthogonal to the real rule
    unrelated = right(idx, (pool_x[idx] @ w_other > 0).long()).mean()
    helps.broken("64 examples of a different task do not", unrelated - zero)

    # Choosing the examples: the 4 pool items most like the query beat 4 random ones.
    near = right((test_x @ pool_x.T).topk(4, dim=1).indices)
    demo.at_least(
        "4 retrieved examples beat 4 random ones by 0.1+", near.mean() - shots[4].mean(), 0.1
    )

    # A prompt change worth a few points (16 -> 32 examples), judged on 5 items versus
    # 1000: how often does the better prompt come out strictly ahead?
    gain = shots[32].mean() - shots[16].mean()
    demo.between("going from 16 to 32 examples gains 2-10 points", gain, 0.02, 0.1)
    g = torch.Generator().manual_seed(5)
    ahead = {}
    for size in (5, 1000):
        picks = torch.randint(TEST, (1000, size), generator=g).to(demo.device)
        ahead[size] = (shots[32][picks].sum(1) > shots[16][picks].sum(1)).float().mean()
    demo.at_least(
        "on 5 items the worse prompt ties or wins in over 40% of checks", 1 - ahead[5], 0.4
    )
    demo.at_least("on 1000 items the better prompt is ahead in over 95%", ahead[1000], 0.95)


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "the model ignores what its prompt's examples look like",
        'scores = torch.einsum("qd,qkd->qk", query, examples_x) * 0.5',
        'scores = torch.einsum("qd,qkd->qk", query, examples_x) * 0.0',
    ),
    (
        "retrieve the least similar examples",
        "topk(4, dim=1).indices",
        "topk(4, dim=1, largest=False).indices",
    ),
]
