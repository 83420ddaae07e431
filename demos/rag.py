"""RAG: retrieve the right chunk with BM25, put it in the prompt, and answer from it with a source.

A retrieval-augmented answer is only as good as what retrieval hands the generator. Here the
documents are split into sentence chunks, scored against the question by BM25 (rare words
count most, repeated words saturate, long chunks are discounted), and a stand-in generator
copies the answer out of the top chunk and cites its document. Counting raw word overlap
instead lets filler words such as "the" and "is" pick the chunk, and the answers go wrong.
"""

import re
from collections.abc import Callable

import torch

from demos.harness import Demo

CONCEPTS = ["rag"]

DOCS = {
    "office-guide": "The office opens at 8am. The wifi password is kiwi-42. "
    "Parking is behind the red building.",
    "hr-policy": "The annual leave allowance is 25. Remote work is allowed on two days a week.",
    "it-faq": "Printers are on the second floor. The vpn client is called tunnelx. "
    "Passwords expire every 90 days.",
    "newsletter": "What is the plan for the year? What is the best way to the top of the year? "
    "The team of the month is the team that is the best of the best.",
}
QUESTIONS = [  # (question, answer, source document)
    ("what is the wifi password", "kiwi-42", "office-guide"),
    ("what is the annual leave allowance", "25", "hr-policy"),
    ("what is the vpn client called", "tunnelx", "it-faq"),
    ("when is it that the office opens", "8am", "office-guide"),
]


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9-]+", text.lower())


def bm25(
    query: list[str], tf: torch.Tensor, vocab: dict[str, int], k1: float = 1.2, b: float = 0.75
) -> torch.Tensor:
    """BM25 of every chunk (rows of the term-count matrix tf) for one query."""
    n, length = tf.shape[0], tf.sum(1)
    df = (tf > 0).sum(0)
    idf = torch.log((n - df + 0.5) / (df + 0.5) + 1.0)
    saturated = tf * (k1 + 1) / (tf + k1 * (1 - b + b * length[:, None] / length.mean()))
    terms = torch.tensor(
        [vocab[w] for w in query if w in vocab], device=tf.device, dtype=torch.long
    )
    return (idf[terms] * saturated[:, terms]).sum(1)


def overlap(query: list[str], tf: torch.Tensor, vocab: dict[str, int]) -> torch.Tensor:
    """The broken retriever: how many times the query's words occur, all words alike."""
    terms = torch.tensor(
        [vocab[w] for w in query if w in vocab], device=tf.device, dtype=torch.long
    )
    return tf[:, terms].sum(1)


def run(demo: Demo) -> None:
    # Ingest: split each document into sentence chunks, remembering where each came from.
    chunks = [(doc, s) for doc, text in DOCS.items() for s in re.split(r"(?<=[.?])\s+", text)]
    vocab = {w: i for i, w in enumerate(sorted({w for _, s in chunks for w in words(s)}))}
    tf = torch.zeros(len(chunks), len(vocab), device=demo.device)
    for row, (_, sentence) in enumerate(chunks):
        for w in words(sentence):
            tf[row, vocab[w]] += 1

    def answer(question: str, scorer: Callable = bm25) -> tuple[str, str, str]:
        best = int(scorer(words(question), tf, vocab).argmax())
        doc, context = chunks[best]
        # Stand-in generator: it copies the last word of its context and cites the source.
        return words(context)[-1], doc, context

    hits, right, cited = [], [], []
    for question, gold, source in QUESTIONS:
        said, doc, context = answer(question)
        hits.append(int(gold in words(context)))
        right.append(int(said == gold))
        cited.append(int(doc == source))
    demo.equal("BM25's top chunk holds the answer for all 4 questions", hits, [1, 1, 1, 1])
    demo.equal("so all 4 answers are right", right, [1, 1, 1, 1])
    demo.equal("and each cites the document it came from", cited, [1, 1, 1, 1])

    # IDF: "the" is in most chunks and carries almost no weight; "wifi" is in one.
    df = (tf > 0).sum(0)
    idf = torch.log((len(chunks) - df + 0.5) / (df + 0.5) + 1.0)
    ratio = idf[vocab["the"]] / idf[vocab["wifi"]]
    demo.at_most("IDF of 'the' is under a quarter of IDF of 'wifi'", ratio, 0.25)

    # Negative control: raw word overlap. The newsletter's filler sentences repeat
    # "what", "is" and "the", so they win, and the generator answers from them.
    broken = [answer(question, overlap)[0] for question, _, _ in QUESTIONS]
    n_right = sum(said == gold for said, (_, gold, _) in zip(broken, QUESTIONS, strict=True))
    demo.at_least("raw word overlap also answers all 4 questions", n_right, 4, negative=True)
