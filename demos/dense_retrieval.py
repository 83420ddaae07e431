"""Dense retrieval: two encoders trained with in-batch negatives, and ColBERT's late interaction.

A bi-encoder embeds queries and documents separately, so every document vector can be
computed once and indexed; a query is answered by a nearest-neighbour search. It is
trained contrastively: in a batch of B (query, document) pairs, each query's own document is
the positive and the other B - 1 documents are free negatives, and the loss (InfoNCE) is a
cross-entropy over the B x B score matrix whose targets are its diagonal. Without the
negatives nothing stops both encoders from mapping everything to one point.

ColBERT keeps one vector per token instead of one per text and scores by late interaction:
each query token takes its best-matching (max) similarity over the document's tokens, and
the maxima are summed (MaxSim). A single pooled vector can match a query "on average"
without containing any of the query's tokens; MaxSim cannot be fooled that way.

The toy task: each document carries two key words among filler words, and its query writes
the key with synonyms (other token ids), so word overlap finds nothing and the encoders must
learn which query words mean which document words, and that filler means nothing.
"""

import math
from collections.abc import Callable

import torch
import torch.nn.functional as F

from demos.harness import Demo

CONCEPTS = ["dense-retrieval"]

K, FILL, D, TAU = 64, 8, 32, 0.05  # key words, filler words, embedding width, temperature
V = K + FILL  # document vocabulary; query tokens are synonyms with ids V .. V + K - 1
N_TRAIN, N_TEST, B, STEPS = 512, 128, 64, 40


def make_pairs(demo: Demo, n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Documents: 2 key words + 4 filler words. Queries: the key's synonyms, word t -> t + V."""
    gens = [demo.generator(seed + i) for i in range(n)]
    keys = torch.stack([torch.randperm(K, generator=g)[:2] for g in gens]).to(demo.device)
    filler = K + demo.randint(FILL, n, 4, seed=seed + 10_000)
    docs = torch.cat([keys, filler], dim=1)
    queries = keys + V  # a separate id range: no word overlap with documents
    return queries, docs


def encode(table: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
    """Mean-pool token embeddings into one unit vector per text (a bag-of-words bi-encoder)."""
    return F.normalize(table[tokens].mean(dim=1), dim=-1)


def info_nce(q: torch.Tensor, d: torch.Tensor) -> torch.Tensor:
    """In-batch negatives: row i of the B x B cosine matrix should pick column i."""
    scores = q @ d.T / TAU
    labels = torch.arange(q.shape[0], device=q.device)
    return F.cross_entropy(scores, labels)


def positives_only(q: torch.Tensor, d: torch.Tensor) -> torch.Tensor:
    """The broken objective: pull each pair together and push nothing apart."""
    return -(q * d).sum(-1).mean() / TAU


def train(
    demo: Demo, queries: torch.Tensor, docs: torch.Tensor, loss_fn: Callable
) -> tuple[torch.Tensor, torch.Tensor]:
    q_table = (0.1 * demo.randn(V + K, D, seed=1)).requires_grad_(True)  # query tower
    d_table = (0.1 * demo.randn(V, D, seed=2)).requires_grad_(True)  # document tower
    opt = torch.optim.Adam([q_table, d_table], lr=0.05)
    order = torch.randperm(N_TRAIN, generator=demo.generator(3)).to(demo.device)
    for step in range(STEPS):
        idx = order[(step * B) % N_TRAIN :][:B]
        loss = loss_fn(encode(q_table, queries[idx]), encode(d_table, docs[idx]))
        opt.zero_grad()
        loss.backward()
        opt.step()
    return q_table.detach(), d_table.detach()


def recall_at_k(q: torch.Tensor, d: torch.Tensor, k: int) -> float:
    """Fraction of queries whose own document is among the k highest-scoring documents."""
    top = (q @ d.T).topk(k, dim=-1).indices
    return (top == torch.arange(q.shape[0], device=q.device)[:, None]).any(-1).float().mean().item()


def maxsim(q_tokens: torch.Tensor, d_tokens: torch.Tensor) -> torch.Tensor:
    """ColBERT's late interaction: sum over query tokens of the best cosine over doc tokens."""
    sim = F.normalize(q_tokens, dim=-1) @ F.normalize(d_tokens, dim=-1).T  # (Tq, Td)
    return sim.max(dim=-1).values.sum(-1)


def pooled(q_tokens: torch.Tensor, d_tokens: torch.Tensor) -> torch.Tensor:
    """Single-vector scoring: cosine of the mean token embeddings."""
    return F.cosine_similarity(q_tokens.mean(0), d_tokens.mean(0), dim=0)


def run(demo: Demo) -> None:
    train_q, train_d = make_pairs(demo, N_TRAIN, seed=100)
    test_q, test_d = make_pairs(demo, N_TEST, seed=900)

    # 1. Training with in-batch negatives. Chance among B candidates is a loss of ln B; the
    # held-out loss must fall far below it.
    q_table, d_table = train(demo, train_q, train_d, info_nce)
    held_q, held_d = encode(q_table, test_q[:B]), encode(d_table, test_d[:B])
    loss_claim = demo.at_most(
        "held-out InfoNCE after training is below a quarter of ln B (chance)",
        info_nce(held_q, held_d).item(),
        0.25 * math.log(B),
    )
    bq, bd = train(demo, train_q, train_d, positives_only)
    loss_claim.broken(
        "trained on positive pairs only, the scores barely separate right from wrong: it is not",
        info_nce(encode(bq, test_q[:B]), encode(bd, test_d[:B])).item(),
    )

    # 2. Retrieval over all held-out documents: recall@k.
    q_all, d_all = encode(q_table, test_q), encode(d_table, test_d)
    recall_claim = demo.at_least(
        f"recall@1 over {N_TEST} held-out documents is at least 0.8",
        recall_at_k(q_all, d_all, 1),
        0.8,
    )
    untrained_q, untrained_d = 0.1 * demo.randn(V + K, D, seed=1), 0.1 * demo.randn(V, D, seed=2)
    recall_claim.broken(
        "the same towers before training do not",
        recall_at_k(encode(untrained_q, test_q), encode(untrained_d, test_d), 1),
    )
    demo.at_least(
        "recall@5 is at least 0.95",
        recall_at_k(q_all, d_all, 5),
        0.95,
    )
    # Word overlap is useless here: queries use synonym ids, so every document scores 0.
    overlap = (test_q[:, :, None] == test_d[:, None, :]).sum((1, 2))
    demo.equal(
        "queries share no token ids with any document", int(overlap.sum()), 0, illustration=True
    )

    # 3. MaxSim against single-vector pooling. Document A contains the query's three tokens
    # plus two unrelated ones; document B's tokens average exactly to the query's mean
    # embedding while none of them is close to any single query token.
    emb = F.normalize(demo.randn(8, D, seed=7), dim=-1)
    query = emb[:3]
    doc_a = torch.cat([emb[:3], emb[3:5]])
    mean = query.mean(0)
    spread = demo.randn(4, D, seed=8)
    spread = spread - spread.mean(0)  # zero-mean offsets keep B's mean equal to the query's
    doc_b = mean + 0.6 * spread / spread.norm(dim=-1, keepdim=True)
    margin = demo.at_least(
        "MaxSim ranks the token-matching document above the average-matching one by >= 0.5",
        (maxsim(query, doc_a) - maxsim(query, doc_b)).item(),
        0.5,
    )
    margin.broken(
        "a single pooled vector prefers the average-matching document",
        (pooled(query, doc_a) - pooled(query, doc_b)).item(),
    )
    loop = sum(max(float(F.cosine_similarity(t, u, dim=0)) for u in doc_a) for t in query)
    demo.close(
        "MaxSim equals the explicit sum over query tokens of the best document-token cosine",
        maxsim(query, doc_a).item(),
        loop,
        atol=1e-5,
        rtol=0.0,
    )


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "MaxSim averages over document tokens instead of taking the best one",
        "sim.max(dim=-1).values.sum(-1)",
        "sim.mean(dim=-1).sum(-1)",
    ),
    (
        "InfoNCE targets point at the wrong column",
        "labels = torch.arange(q.shape[0], device=q.device)",
        "labels = torch.arange(q.shape[0], device=q.device).roll(1)",
    ),
]
