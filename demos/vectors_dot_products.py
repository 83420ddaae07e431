"""Vectors and dot products: length, direction, and why cosine similarity ignores length.

A vector's length comes from Pythagoras and its direction from dividing by that
length. The dot product sums matching products and equals |a| |b| cos(angle), so it
grows with both alignment and length; cosine similarity divides the lengths out.
Embedding search and attention scores are built on exactly these two numbers.
"""

import math

import torch
import torch.nn.functional as F

from demos.harness import Demo

CONCEPTS = ["vectors-dot-products"]


def dot(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return (a * b).sum(-1)  # multiply matching entries, add them up


def length(v: torch.Tensor) -> torch.Tensor:
    return dot(v, v).sqrt()  # Pythagoras in any number of dimensions


def cosine(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return dot(a, b) / (length(a) * length(b))


def run(demo: Demo) -> None:
    # The worked example: [3, 4] has length sqrt(9 + 16) = 5 and points along [0.6, 0.8].
    v = demo.tensor([3.0, 4.0])
    demo.close("the length of [3, 4] is 5", length(v), 5.0)
    unit = v / length(v)
    demo.close("normalising [3, 4] gives [0.6, 0.8]", unit, [0.6, 0.8])

    # A dot product multiplies matching entries and adds them up.
    a, b = demo.tensor([1.0, 2.0, 2.0]), demo.tensor([2.0, 0.0, 1.0])
    demo.close("[1, 2, 2] . [2, 0, 1] = 2 + 0 + 2 = 4", dot(a, b), 4.0)
    demo.close("their cosine is 4 / (3 sqrt 5)", cosine(a, b), 4 / (3 * math.sqrt(5)))

    # Geometry: put a at angle alpha and b at angle beta (any lengths); the dot product only
    # sees the angle between them: a . b = |a| |b| cos(alpha - beta).
    alpha = demo.rand(8, seed=2, dtype=torch.float64) * 2 * math.pi
    beta = demo.rand(8, seed=3, dtype=torch.float64) * 2 * math.pi
    r1, r2 = 2.0, 3.5
    a2 = r1 * torch.stack([alpha.cos(), alpha.sin()], -1)
    b2 = r2 * torch.stack([beta.cos(), beta.sin()], -1)
    demo.close(
        "a . b = |a| |b| cos(angle between them)",
        dot(a2, b2),
        r1 * r2 * torch.cos(alpha - beta),
        atol=1e-12,
    )
    # At 90 degrees the cosine, and so the dot product, is zero.
    perpendicular = dot(demo.tensor([1.0, 2.0]), demo.tensor([-2.0, 1.0]))
    demo.close("[1, 2] and [-2, 1] are perpendicular", perpendicular, 0.0)

    # Against PyTorch's own kernel on 64-dimensional vectors.
    x, y = demo.randn(64, seed=0), demo.randn(64, seed=1)
    demo.close("cosine matches F.cosine_similarity", cosine(x, y), F.cosine_similarity(x, y, 0))

    # Ranking documents for a query: one is well aligned but short, one is long but off-axis.
    query = demo.tensor([1.0, 0.0])
    docs = demo.tensor([[0.9, 0.1], [3.0, 4.0]])  # cosines about 0.99 and 0.6
    ranks = demo.equal("cosine ranks the aligned document first", cosine(docs, query).argmax(), 0)
    # The raw dot product lets the long vector win on length alone (3.0 against 0.9).
    ranks.broken("the raw dot product does not", dot(docs, query).argmax())

    # Scaling a vector leaves its cosine unchanged but scales its dot product.
    invariant = demo.close(
        "cosine(10 x, y) = cosine(x, y)", cosine(10 * x, y), cosine(x, y), rtol=1e-5
    )
    invariant.broken("the dot product is not: (10 x) . y != x . y", dot(10 * x, y), dot(x, y))


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    ("forget the square root in the length", "return dot(v, v).sqrt()", "return dot(v, v)"),
    (
        "divide by one length only",
        "return dot(a, b) / (length(a) * length(b))",
        "return dot(a, b) / length(a)",
    ),
    (
        "average the products instead of adding them",
        "return (a * b).sum(-1)",
        "return (a * b).mean(-1)",
    ),
]
