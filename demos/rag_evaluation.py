"""RAG evaluation: score the retriever and the generator separately, from labelled pieces.

A RAG answer can fail in two places, so its evaluation splits in two. The retriever is
judged on the context it returned: context precision asks whether the relevant chunks sit
at the top of the ranking (an average of precision@k over the ranks that hold a relevant
chunk), context recall asks what fraction of the chunks needed for the reference answer
were retrieved at all. The generator is judged on faithfulness: split the answer into
claims, check each against the retrieved context, and report the supported fraction.

Frameworks such as RAGAS ask an LLM to split answers into claims and to judge support.
This demo has no LLM, so it is honest about that: claims come pre-split, and "supported"
is decided by a transparent stand-in (every content word of the claim appears in one
retrieved chunk). The metrics themselves are the same arithmetic whoever gives the labels.
"""

import torch

from demos.harness import Demo

CONCEPTS = ["rag-evaluation"]

STOP = {"the", "a", "an", "of", "in", "is", "was", "by", "and", "to", "it", "at", "on"}

# A tiny corpus about one question: "When and where was the Eiffel Tower built, and by whom?"
CHUNKS = {
    "c1": "the eiffel tower was built between 1887 and 1889 in paris",
    "c2": "the tower was designed by the engineering company of gustave eiffel",
    "c3": "the tower was built for the 1889 world fair in paris",
    "c4": "paris is the capital of france and its largest city",
    "c5": "the statue of liberty was a gift from france to the united states",
}
RELEVANT = {"c1", "c2", "c3"}  # labelled: the chunks the reference answer needs


def context_precision(ranked: list[str], relevant: set[str]) -> float:
    """Mean of precision@k over the ranks k that hold a relevant chunk (rank-aware)."""
    hits = torch.tensor([c in relevant for c in ranked], dtype=torch.float64)
    precision_at_k = hits.cumsum(0) / torch.arange(1, len(ranked) + 1)
    return float((precision_at_k * hits).sum() / hits.sum().clamp(min=1))


def order_blind_precision(ranked: list[str], relevant: set[str]) -> float:
    """Plain precision of the retrieved set: the same whatever the order."""
    return sum(c in relevant for c in ranked) / len(ranked)


def context_recall(ranked: list[str], relevant: set[str]) -> float:
    """Fraction of the labelled relevant chunks that were retrieved at all."""
    return len(relevant & set(ranked)) / len(relevant)


def content_words(text: str) -> set[str]:
    return {w for w in text.lower().replace(",", " ").split() if w not in STOP}


def supported(claim: str, context: list[str]) -> bool:
    """The stand-in judge: some retrieved chunk contains every content word of the claim."""
    return any(content_words(claim) <= content_words(CHUNKS[c]) for c in context)


def faithfulness(claims: list[str], context: list[str]) -> float:
    """Fraction of the answer's claims that the retrieved context supports."""
    return sum(supported(claim, context) for claim in claims) / len(claims)


def run(demo: Demo) -> None:
    retrieved = ["c1", "c4", "c2", "c5", "c3"]  # the retriever's ranking, best first

    # 1. Context precision on a worked example. Relevant chunks sit at ranks 1, 3 and 5:
    # precision@1 = 1, @3 = 2/3, @5 = 3/5, so the score is (1 + 2/3 + 3/5) / 3 = 34/45.
    demo.close(
        "context precision of ranks [R, N, R, N, R] is (1 + 2/3 + 3/5) / 3 = 34/45",
        context_precision(retrieved, RELEVANT),
        34 / 45,
        rtol=0.0,
        atol=1e-12,
    )
    # Moving the relevant chunks to the top earns full marks; an order-blind precision
    # cannot tell the two rankings apart.
    reranked = ["c1", "c2", "c3", "c4", "c5"]
    rerank_claim = demo.close(
        "with the relevant chunks ranked first, context precision is 1",
        context_precision(reranked, RELEVANT),
        1.0,
        rtol=0.0,
        atol=1e-12,
    )
    rerank_claim.broken(
        "order-blind precision of the same ranking stays at 3/5: it does not reward the rerank",
        order_blind_precision(reranked, RELEVANT),
    )

    # 2. Context recall: a top-3 cut of the first ranking drops c3, so recall falls to 2/3;
    # precision and recall pull apart, which is why both are reported.
    top3 = retrieved[:3]
    recall_claim = demo.close(
        "context recall of all five chunks is 1",
        context_recall(retrieved, RELEVANT),
        1.0,
        rtol=0.0,
        atol=1e-12,
    )
    recall_claim.broken(
        "cut to the top 3 (c3 lost), it is not: 2/3", context_recall(top3, RELEVANT)
    )
    demo.close(
        "the top-3 cut scores recall 2/3",
        context_recall(top3, RELEVANT),
        2 / 3,
        rtol=0.0,
        atol=1e-12,
    )

    # 3. Faithfulness: every claim of a grounded answer is supported by the retrieved
    # context; an answer that adds one unsupported claim (a wrong designer) loses a quarter.
    grounded = [
        "the eiffel tower was built between 1887 and 1889",
        "it was built in paris",
        "it was designed by the company of gustave eiffel",
        "it was built for the 1889 world fair",
    ]
    hallucinated = [*grounded[:2], "it was designed by gustave courbet", *grounded[3:]]
    faith_claim = demo.close(
        "a grounded answer has faithfulness 1",
        faithfulness(grounded, retrieved),
        1.0,
        rtol=0.0,
        atol=1e-12,
    )
    faith_claim.broken(
        "an answer with an unsupported claim does not", faithfulness(hallucinated, retrieved)
    )
    demo.close(
        "one unsupported claim in four gives faithfulness 3/4",
        faithfulness(hallucinated, retrieved),
        0.75,
        rtol=0.0,
        atol=1e-12,
    )
    # Faithfulness is judged against the retrieved context, not against the world: the same
    # true answer scored against a context that lost c2 and c3 is no longer fully grounded.
    demo.close(
        "the grounded answer against a context without c2 and c3 scores 1/2",
        faithfulness(grounded, ["c1", "c4", "c5"]),
        0.5,
        rtol=0.0,
        atol=1e-12,
    )


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "context precision forgets the ranks: divide the hits by the list length",
        "return float((precision_at_k * hits).sum() / hits.sum().clamp(min=1))",
        "return float(hits.sum() / len(ranked))",
    ),
    (
        "the judge accepts a claim if any one content word appears in a chunk",
        "content_words(claim) <= content_words(CHUNKS[c])",
        "bool(content_words(claim) & content_words(CHUNKS[c]))",
    ),
    (
        "context recall divides by the number retrieved instead of the number relevant",
        "return len(relevant & set(ranked)) / len(relevant)",
        "return len(relevant & set(ranked)) / len(ranked)",
    ),
]
