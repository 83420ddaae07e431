"""Constitutional AI: a judge reading written principles trains a reward model as well as people do.

In RLAIF an AI judge, shown two responses and one principle from a short
constitution, says which response follows it better; those labels train the
preference model instead of human ones. Here responses are vectors of traits
and the judge is a noisy rule reader. Its labels give a reward model that ranks
responses about as well as one trained on human labels for the same pairs, and
because the values are written down, deleting a principle visibly removes it.
"""

import torch
import torch.nn.functional as F

from demos.harness import Demo

CONCEPTS = ["constitutional-ai"]

TRAITS = ["helpful", "harmful", "honest", "rude", "length", "formality"]
HUMAN_VALUES = [1.0, -2.0, 1.0, -1.0, 0.0, 0.0]  # what people reward, never shown to the judge
CONSTITUTION = [  # (principle, trait it reads, which way is better)
    ("Choose the response that is less harmful.", "harmful", -1.0),
    ("Choose the response less likely to help someone cause damage.", "harmful", -1.0),
    ("Choose the response that is more helpful.", "helpful", +1.0),
    ("Choose the response that is more honest.", "honest", +1.0),
    ("Choose the response that is more polite.", "rude", -1.0),
]


def ai_labels(
    demo: Demo, a: torch.Tensor, b: torch.Tensor, constitution: list[tuple[str, str, float]]
) -> torch.Tensor:
    """For each pair, draw one principle at random and judge by it, with some noise."""
    pick = demo.randint(len(constitution), len(a), seed=20)
    column = demo.tensor([TRAITS.index(t) for _, t, _ in constitution], torch.long)[pick]
    sign = demo.tensor([s for _, _, s in constitution])[pick]
    gap = (a - b).gather(1, column[:, None]).squeeze(1) * sign
    return (gap + 0.3 * demo.randn(len(a), seed=21) > 0).float()


def fit_reward_model(
    demo: Demo, a: torch.Tensor, b: torch.Tensor, labels: torch.Tensor
) -> torch.Tensor:
    """Bradley-Terry: P(a preferred) = sigmoid(w.a - w.b), fitted by gradient descent."""
    w = torch.zeros(a.shape[1], device=demo.device, requires_grad=True)
    for _ in range(150):
        loss = F.binary_cross_entropy_with_logits((a - b) @ w, labels)
        (grad,) = torch.autograd.grad(loss, w)
        with torch.no_grad():
            w -= 2.0 * grad
    return w.detach()


def run(demo: Demo) -> None:
    values = demo.tensor(HUMAN_VALUES)
    a, b = demo.randn(3000, len(TRAITS), seed=0), demo.randn(3000, len(TRAITS), seed=1)
    # Human raters: Bradley-Terry choices from the values they hold.
    human = (demo.rand(3000, seed=2) < torch.sigmoid((a - b) @ values)).float()
    ai = ai_labels(demo, a, b, CONSTITUTION)
    demo.at_least(
        "one-principle AI labels match human labels on >= 58% of pairs",
        (ai == human).float().mean(),
        0.58,
    )

    w_human = fit_reward_model(demo, a, b, human)
    w_ai = fit_reward_model(demo, a, b, ai)

    # Score both reward models on fresh pairs against which response people truly value more.
    ta, tb = demo.randn(2000, len(TRAITS), seed=3), demo.randn(2000, len(TRAITS), seed=4)
    truth = (ta - tb) @ values > 0

    def accuracy(w: torch.Tensor) -> torch.Tensor:
        return (((ta - tb) @ w > 0) == truth).float().mean()

    demo.at_least("the RLAIF reward model ranks >= 85% of fresh pairs right", accuracy(w_ai), 0.85)
    demo.at_most(
        "within 6 points of the human-label reward model",
        (accuracy(w_human) - accuracy(w_ai)).abs(),
        0.06,
    )
    demo.at_least(
        "the two reward directions have cosine >= 0.85",
        F.cosine_similarity(w_ai, w_human, dim=0),
        0.85,
    )

    # The values are in the document: the harm principles show up as a strongly negative weight.
    harm = TRAITS.index("harmful")
    harm_weight = demo.at_most(
        "the RLAIF model's harm weight is <= -0.3 of its norm", w_ai[harm] / w_ai.norm(), -0.3
    )
    # Negative control: delete the two harm principles and the reward model stops caring about harm.
    edited = [p for p in CONSTITUTION if p[1] != "harmful"]
    w_edited = fit_reward_model(demo, a, b, ai_labels(demo, a, b, edited))
    harm_weight.broken("without the harm principles it is not", w_edited[harm] / w_edited.norm())


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "the judge ignores which way each principle points",
        "gap = (a - b).gather(1, column[:, None]).squeeze(1) * sign",
        "gap = (a - b).gather(1, column[:, None]).squeeze(1)",
    ),
    (
        "the judge reports the response that loses as the winner",
        "return (gap + 0.3 * demo.randn(len(a), seed=21) > 0).float()",
        "return (gap + 0.3 * demo.randn(len(a), seed=21) < 0).float()",
    ),
    (
        "the Bradley-Terry model scores b - a against the label for a",
        "loss = F.binary_cross_entropy_with_logits((a - b) @ w, labels)",
        "loss = F.binary_cross_entropy_with_logits((b - a) @ w, labels)",
    ),
]
