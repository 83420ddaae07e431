"""In-context learning: a frozen attention read-out picks up a new labelling from its prompt.

Every prompt below is a new task: four classes whose centres and label names are drawn
afresh, so nothing about the task can be stored in weights. A fixed attention head that
lets the query attend to the examples and copies their labels classifies well from a few
shots, better with more, and falls to chance when the examples' labels are shuffled.
The answer is then read out as a next-token distribution: temperature near 0 is argmax,
temperature 1 samples the distribution itself.
"""

import torch

from demos.harness import Demo

CONCEPTS = ["in-context-learning"]

P, C, D = 1000, 4, 16  # prompts, classes per task, input dimension


def make_prompts(demo: Demo, shots: int, seed: int) -> tuple[torch.Tensor, ...]:
    """Examples (P, C*shots, D) with labels, and one query per prompt with its label."""
    centres = 0.7 * demo.randn(P, C, D, seed=seed)
    labels = torch.arange(C, device=demo.device).repeat_interleave(shots).expand(P, -1)
    examples = centres.gather(1, labels[..., None].expand(-1, -1, D))
    examples = examples + demo.randn(P, C * shots, D, seed=seed + 1)
    query_label = demo.randint(C, P, seed=seed + 2)
    query = centres[torch.arange(P, device=demo.device), query_label] + demo.randn(
        P, D, seed=seed + 3
    )
    return examples, labels, query, query_label


def answer(examples: torch.Tensor, labels: torch.Tensor, query: torch.Tensor) -> torch.Tensor:
    """Label distribution: attention over examples (score -|q - x|^2 / 16), copying their labels."""
    weights = (-(query[:, None] - examples).pow(2).sum(-1) / 16).softmax(-1)
    votes = torch.nn.functional.one_hot(labels, C).float()
    return (weights[..., None] * votes).sum(1)  # (P, C), each row sums to 1


def accuracy(probs: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    return (probs.argmax(-1) == target).float().mean()


def run(demo: Demo) -> None:
    # Nothing is fitted: the same fixed function handles 1000 unrelated tasks per setting.
    examples, labels, query, target = make_prompts(demo, 1, seed=0)
    one_shot = accuracy(answer(examples, labels, query), target)
    examples, labels, query, target = make_prompts(demo, 8, seed=10)
    eight_probs = answer(examples, labels, query)
    eight_shot = accuracy(eight_probs, target)
    demo.at_least("1-shot accuracy beats chance (0.25) by 0.15", one_shot - 0.25, 0.15)
    demo.at_least("8-shot accuracy is at least 0.1 above 1-shot", eight_shot - one_shot, 0.1)

    # Same inputs, labels shuffled across the examples: the task now lives only in the
    # weights, which know nothing about it, so accuracy falls to chance.
    learns = demo.at_least("8-shot accuracy beats chance by 0.15", eight_shot - 0.25, 0.15)
    order = demo.rand(*labels.shape, seed=5).argsort(-1)  # a fresh shuffle per prompt
    shuffled = labels.gather(1, order)
    learns.broken(
        "with shuffled demo labels it does not",
        accuracy(answer(examples, shuffled, query), target) - 0.25,
    )

    # Reading the answer out. Temperature T scales the logits log p: as T -> 0 the
    # sample is the argmax; at T = 1 samples follow p itself (chi-square, 3 dof).
    probs = eight_probs[eight_probs.max(-1).values < 0.8][0]  # a prompt the model is unsure of
    logits = probs.clamp_min(1e-12).log()

    def draw(p: torch.Tensor, n: int) -> torch.Tensor:
        picks = torch.multinomial(p.cpu(), n, replacement=True, generator=demo.generator(7))
        return picks.to(demo.device)

    def sample(temperature: float, n: int) -> torch.Tensor:
        return draw((logits / temperature).softmax(-1), n)

    cold = sample(1e-3, 1000)
    demo.equal("at T = 0.001 every sample is the argmax", cold, probs.argmax().expand(1000))
    n = 20000

    def chi_square(draws: torch.Tensor) -> torch.Tensor:
        counts = torch.bincount(draws, minlength=C).float()
        return ((counts - n * probs) ** 2 / (n * probs)).sum()

    # 3-dof chi-square: mean 3, 99.99th percentile about 21.
    fits = demo.at_most(
        "at T = 1 sample counts fit p (chi-square)", chi_square(sample(1.0, n)), 21.0
    )
    # A common slip: temperature applied to the probabilities rather than the logits.
    fits.broken("softmax(p / T) at T = 1 does not", chi_square(draw(probs.softmax(-1), n)))


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "attend to the least similar examples",
        "(-(query[:, None] - examples).pow(2).sum(-1) / 16).softmax(-1)",
        "((query[:, None] - examples).pow(2).sum(-1) / 16).softmax(-1)",
    ),
    (
        "multiply the logits by T instead of dividing",
        "(logits / temperature).softmax(-1)",
        "(logits * temperature).softmax(-1)",
    ),
]
