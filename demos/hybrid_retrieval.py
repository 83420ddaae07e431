"""Hybrid retrieval: BM25 finds exact codes, dense search finds paraphrases, rank fusion joins them.

BM25 scores a document by the rare query words it contains, with term frequency
that saturates and a penalty for long documents. Dense search compares meaning
vectors and so matches synonyms, but a product code it never saw is just noise
to it. Reciprocal rank fusion merges the two lists using ranks alone, so it
needs no calibration between score scales; adding raw scores does.
"""

import math

import torch

from demos.harness import Demo

CONCEPTS = ["hybrid-retrieval"]

DOCS = [
    "laptop battery drains fast after the update",
    "replace battery pack xr-7731 in the charging dock",
    "phone screen cracked after a drop",
    "battery battery battery tips for any device battery life",
    "notebook keyboard keys stuck after a spill",
    "charging dock cable frays near the plug",
]
# Synonyms share a meaning vector in the toy dense encoder.
SYNONYMS = {"notebook": "laptop", "dies": "drains", "quickly": "fast", "power": "battery"}


def bm25(query: list[str], docs: list[list[str]], k1: float = 1.2, b: float = 0.75) -> list[float]:
    n, avgdl = len(docs), sum(map(len, docs)) / len(docs)
    scores = []
    for doc in docs:
        score = 0.0
        for term in query:
            df = sum(term in d for d in docs)
            idf = math.log((n - df + 0.5) / (df + 0.5) + 1.0)  # rare words weigh most
            tf = doc.count(term)
            score += idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * len(doc) / avgdl))
        scores.append(score)
    return scores


def dense(demo: Demo, query: list[str], docs: list[list[str]]) -> torch.Tensor:
    vocab = sorted({SYNONYMS.get(w, w) for d in [*docs, query] for w in d})
    table = demo.randn(len(vocab), 32, seed=7)  # one random meaning vector per concept

    def embed(words: list[str]) -> torch.Tensor:
        v = table[[vocab.index(SYNONYMS.get(w, w)) for w in words]].mean(0)
        return v / v.norm()

    return torch.stack([embed(d) for d in docs]) @ embed(query)


def rrf(*score_lists: torch.Tensor, k: int = 60) -> torch.Tensor:
    fused = torch.zeros_like(score_lists[0])
    for scores in score_lists:
        ranks = torch.empty_like(scores)
        ranks[scores.argsort(descending=True, stable=True)] = torch.arange(
            1, len(scores) + 1, dtype=scores.dtype, device=scores.device
        )
        fused += 1.0 / (k + ranks)  # only the rank enters, never the score itself
    return fused


def run(demo: Demo) -> None:
    docs = [d.split() for d in DOCS]

    # A worked BM25 score, by hand: document 1 ("replace battery pack xr-7731 in the charging
    # dock", 8 words; the six documents average 44 / 6 words) for the query "xr-7731 battery".
    #   idf(xr-7731) = ln(1 + (6 - 1 + 0.5) / (1 + 0.5)) = ln(4.667) = 1.54045   (1 document)
    #   idf(battery) = ln(1 + (6 - 3 + 0.5) / (3 + 0.5)) = ln 2 = 0.69315        (3 documents)
    #   each word appears once: tf part = 2.2 / (1 + 1.2 (0.25 + 0.75 * 8 / 7.333)) = 0.96414
    #   score = (1.54045 + 0.69315) * 0.96414 = 2.153503
    code_query = ["xr-7731", "battery"]
    code_bm25 = demo.tensor(bm25(code_query, docs))
    demo.close(
        "BM25 of document 1 matches the hand-worked 2.153503", code_bm25[1], 2.153503, atol=1e-5
    )
    demo.equal("BM25 ranks the xr-7731 document first", code_bm25.argmax(), 1)

    # Term frequency saturates: a word said five times is worth far less than five
    # mentions, which keeps keyword-stuffed document 3 from swamping the ranking.
    same_length = [["battery"] + ["x"] * 4, ["battery"] * 5, ["y"] * 5]
    tf_curve = demo.tensor(bm25(["battery"], same_length))
    demo.at_most("5 mentions score under k1 + 1 = 2.2x one mention", tf_curve[1] / tf_curve[0], 2.2)

    # A paraphrase: BM25 grabs the one literal match ("notebook"), the wrong document;
    # the dense encoder knows notebook = laptop and dies = drains.
    para_query = ["notebook", "power", "dies", "quickly"]
    demo.equal(
        "BM25 ranks the keyboard document first", demo.tensor(bm25(para_query, docs)).argmax(), 4
    )
    demo.equal(
        "dense search ranks the laptop document first", dense(demo, para_query, docs).argmax(), 0
    )

    # Fusion: for both queries, RRF puts the right document in its top two.
    hits = []
    for query, target in ((code_query, 1), (para_query, 0)):
        fused = rrf(demo.tensor(bm25(query, docs)), dense(demo, query, docs))
        hits.append(int((fused.argsort(descending=True)[:2] == target).any()))
    demo.equal("RRF keeps both targets in its top 2", hits, [1, 1])

    # RRF sees only ranks, so BM25 in other units (x0.02) leaves the fused ranking as it was.
    dense_scores = dense(demo, code_query, docs)
    invariant = demo.equal(
        "the RRF ranking is unchanged by rescaling BM25 x0.02",
        rrf(code_bm25 * 0.02, dense_scores).argsort(descending=True),
        rrf(code_bm25, dense_scores).argsort(descending=True),
    )
    # A weighted sum of raw scores depends on their scale: shrink BM25 and dense wins.
    invariant.broken(
        "a linear fusion of raw scores is not",
        (0.5 * code_bm25 * 0.02 + 0.5 * dense_scores).argsort(descending=True),
        (0.5 * code_bm25 + 0.5 * dense_scores).argsort(descending=True),
    )


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "drop the inverse document frequency",
        "score += idf * tf * (k1 + 1)",
        "score += tf * (k1 + 1)",
    ),
    (
        "drop the document-length normalisation",
        "k1 * (1 - b + b * len(doc) / avgdl)",
        "k1",
    ),
    (
        "fuse the raw scores instead of the ranks",
        "fused += 1.0 / (k + ranks)",
        "fused += scores",
    ),
]
