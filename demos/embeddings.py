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


def run(demo: Demo) -> None:
    V, d = 15, 8
    W = demo.randn(V, d, seed=0).requires_grad_()
    ids = demo.tensor([3, 7, 3, 11], dtype=torch.long)

    # A lookup is a one-hot row times the table.
    one_hot = F.one_hot(ids, V).float()
    demo.close("F.embedding equals one_hot(ids) @ W", F.embedding(ids, W), one_hot @ W)

    # Backward through a lookup touches only the rows that were used; a row used twice
    # collects the sum of both upstream gradients (one_hot^T @ upstream).
    upstream = demo.randn(4, d, seed=1)
    (F.embedding(ids, W) * upstream).sum().backward()
    touched = W.grad.abs().sum(1) > 0
    demo.equal("only rows 3, 7 and 11 get gradient", touched, one_hot.sum(0) > 0)
    demo.close(
        "the gradient is one_hot^T @ upstream: row 3 sums its two uses",
        W.grad,
        one_hot.T @ upstream,
    )

    # Word vectors from co-occurrence. Words 0-4, 5-9 and 10-14 form three topics (say pets,
    # vehicles, fruit); 400 four-word sentences each keep to one topic, except that each word
    # has a 20% chance of being any word at all. Factorising the pointwise mutual information
    # log p(a, b) / (p(a) p(b)) of words sharing a sentence gives 3-d vectors.
    g = demo.generator(2)
    topic = torch.randint(3, (400, 1), generator=g)
    word = topic * 5 + torch.randint(5, (400, 4), generator=g)
    noise = torch.rand(400, 4, generator=g) < 0.2
    word = torch.where(noise, torch.randint(V, (400, 4), generator=g), word).to(demo.device)
    bags = F.one_hot(word, V).sum(1).float()
    counts = bags.T @ bags - torch.diag((bags * bags).sum(0))  # pairs in a sentence, no self
    p = counts / counts.sum()
    pmi = torch.log(p / (p.sum(1, keepdim=True) * p.sum(0, keepdim=True)))
    U, S, _ = torch.linalg.svd(pmi.fill_diagonal_(0.0))
    vectors = U[:, :3] * S[:3]

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
    q = F.normalize(vectors, dim=1)
    ranked = (q @ F.normalize(vectors, dim=1).T).argsort(dim=1)
    rescaled = (q @ F.normalize(vectors * scale, dim=1).T).argsort(dim=1)
    demo.equal("cosine rankings are unchanged when vectors are rescaled", rescaled, ranked)

    # Negative control: the raw dot product ranks long vectors first.
    dot = (q @ vectors.T).argsort(dim=1)
    dot_rescaled = (q @ (vectors * scale).T).argsort(dim=1)
    demo.equal("dot-product rankings are unchanged too", dot_rescaled, dot, negative=True)
