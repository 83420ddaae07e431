"""Embeddings: a lookup table of vectors, learned from context, searched by cosine similarity.

Inside a model an embedding layer is just a matrix with one row per token, and looking a
token up is multiplying its one-hot vector by that matrix, so only the rows used get
gradient. Vectors built from co-occurrence put words used in the same contexts close
together, and ranking by cosine ignores vector length, which a raw dot product does not.
"""

import torch
import torch.nn.functional as F

from demos.harness import Demo

CONCEPTS = ["embeddings"]


def lookup_grad(V: int, ids: torch.Tensor, upstream: torch.Tensor) -> torch.Tensor:
    """The backward of a lookup, by hand: add each position's upstream gradient to its row.

    A row looked up twice must collect both contributions, so this is an index_add
    (a scatter-add), not an assignment.
    """
    grad = torch.zeros(V, upstream.shape[1], device=upstream.device)
    return grad.index_add_(0, ids, upstream)


def pmi_vectors(word: torch.Tensor, V: int, dim: int) -> torch.Tensor:
    """Word vectors from sentences: factorise the pointwise mutual information of co-occurrence.

    PMI(a, b) = log p(a, b) / (p(a) p(b)) is how much more often a and b share a sentence
    than chance would put them together; dividing by the marginals stops frequent words
    from looking similar to everything.
    """
    bags = F.one_hot(word, V).sum(1).float()
    counts = bags.T @ bags - torch.diag((bags * bags).sum(0))  # pairs in a sentence, no self
    p = counts / counts.sum()
    pmi = torch.log(p / (p.sum(1, keepdim=True) * p.sum(0, keepdim=True)))
    U, S, _ = torch.linalg.svd(pmi.fill_diagonal_(0.0))
    return U[:, :dim] * S[:dim]


def cosine_ranking(queries: torch.Tensor, keys: torch.Tensor) -> torch.Tensor:
    """For each query, the keys from least to most similar by cosine."""
    return (F.normalize(queries, dim=1) @ F.normalize(keys, dim=1).T).argsort(dim=1)


def run(demo: Demo) -> None:
    V, d = 15, 8
    W = demo.randn(V, d, seed=0).requires_grad_()
    ids = demo.tensor([3, 7, 3, 11], dtype=torch.long)

    # A lookup is a one-hot row times the table.
    one_hot = F.one_hot(ids, V).float()
    demo.close("F.embedding equals one_hot(ids) @ W", F.embedding(ids, W), one_hot @ W)

    # Backward through a lookup touches only the rows that were used; row 3, used twice,
    # collects the sum of both upstream gradients.
    upstream = demo.randn(4, d, seed=1)
    (F.embedding(ids, W) * upstream).sum().backward()
    demo.equal(
        "only rows 3, 7 and 11 get gradient",
        W.grad.abs().sum(1) > 0,
        torch.isin(torch.arange(V, device=demo.device), ids),
    )
    scatter = demo.close(
        "the hand-written scatter-add backward equals autograd's",
        lookup_grad(V, ids, upstream),
        W.grad,
    )
    # Negative control: writing each gradient into its row keeps only one of row 3's uses.
    copied = torch.zeros(V, d, device=demo.device).index_copy_(0, ids, upstream)
    scatter.broken("assigning instead of adding loses row 3's first use", copied)

    # Word vectors from co-occurrence. Words 0-4, 5-9 and 10-14 form three topics (say pets,
    # vehicles, fruit); 400 four-word sentences each keep to one topic, except that each word
    # has a 20% chance of being any word at all. Factorising their PMI gives 3-d vectors.
    g = demo.generator(2)
    topic = torch.randint(3, (400, 1), generator=g)
    word = topic * 5 + torch.randint(5, (400, 4), generator=g)
    noise = torch.rand(400, 4, generator=g) < 0.2
    word = torch.where(noise, torch.randint(V, (400, 4), generator=g), word)
    vectors = pmi_vectors(word.to(demo.device), V, 3)

    cos = F.normalize(vectors, dim=1) @ F.normalize(vectors, dim=1).T
    same = torch.block_diag(*[torch.ones(5, 5, device=demo.device)] * 3).bool()
    off_diag = ~torch.eye(V, dtype=torch.bool, device=demo.device)
    demo.at_least("words of one topic have mean cosine >= 0.8", cos[same & off_diag].mean(), 0.8)
    demo.at_most("words of different topics have mean cosine <= 0.3", cos[~same].mean(), 0.3)
    nearest = cos.masked_fill(~off_diag, -2.0).argmax(1)
    hits = same[torch.arange(V, device=demo.device), nearest].float().mean()
    demo.at_least("at least 90% of words have a same-topic nearest neighbour", hits, 0.9)

    # Semantic search: rank the words for each query by similarity to it. Rescaling the
    # stored vectors (as a longer or more frequent document might be) must not matter.
    scale = demo.rand(V, 1, seed=3) * 9 + 1
    ranked = cosine_ranking(vectors, vectors)
    invariant = demo.equal(
        "cosine rankings are unchanged when the stored vectors are rescaled",
        cosine_ranking(vectors, vectors * scale),
        ranked,
    )
    # Negative control: the raw dot product ranks long vectors first.
    invariant.broken(
        "dot-product rankings change",
        (vectors @ (vectors * scale).T).argsort(dim=1),
        (vectors @ vectors.T).argsort(dim=1),
    )


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "assign the lookup's gradient instead of adding it",
        "return grad.index_add_(0, ids, upstream)",
        "return grad.index_copy_(0, ids, upstream)",
    ),
    (
        "rank by the raw dot product, without normalising the stored vectors",
        "@ F.normalize(keys, dim=1).T).argsort(dim=1)",
        "@ keys.T).argsort(dim=1)",
    ),
    (
        "log co-occurrence without dividing by the marginals (not PMI)",
        "pmi = torch.log(p / (p.sum(1, keepdim=True) * p.sum(0, keepdim=True)))",
        "pmi = torch.log(p)",
    ),
]
