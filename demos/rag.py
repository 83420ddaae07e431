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


def index(texts: list[str], device: torch.device) -> tuple[torch.Tensor, dict[str, int]]:
    """The term-count matrix: one row per text, one column per word of the vocabulary."""
    vocab = {w: i for i, w in enumerate(sorted({w for t in texts for w in words(t)}))}
    tf = torch.zeros(len(texts), len(vocab), device=device)
    for row, text in enumerate(texts):
        for w in words(text):
            tf[row, vocab[w]] += 1
    return tf, vocab


def run(demo: Demo) -> None:
    # BM25 by hand on a three-document corpus, k1 = 1.2, b = 0.75, for the query "cat dog":
    #   d0 "cat sat" (2 words), d1 "cat cat dog" (3), d2 "bird ran far away" (4); avgdl = 3.
    #   IDF(cat) = ln((3 - 2 + 0.5) / (2 + 0.5) + 1) = ln 1.6     = 0.4700036
    #   IDF(dog) = ln((3 - 1 + 0.5) / (1 + 0.5) + 1) = ln(8 / 3) = 0.9808293
    #   d0: cat tf 1, |d|/avgdl = 2/3: 1 * 2.2 / (1 + 1.2 * (0.25 + 0.75 * 2/3)) = 2.2 / 1.9
    #       score = 0.4700036 * 1.1578947 = 0.5442147
    #   d1: cat tf 2, |d|/avgdl = 1: 2 * 2.2 / (2 + 1.2) = 1.375;  dog tf 1: 2.2 / 2.2 = 1
    #       score = 0.4700036 * 1.375 + 0.9808293 * 1 = 1.6270842
    #   d2: neither word, score 0.
    tiny, tiny_vocab = index(["cat sat", "cat cat dog", "bird ran far away"], demo.device)
    by_hand = demo.tensor([0.5442147, 1.6270842, 0.0])
    worked = demo.close(
        "bm25() reproduces the hand-computed scores of the tiny corpus",
        bm25(["cat", "dog"], tiny, tiny_vocab),
        by_hand,
        atol=1e-6,
    )
    # With b = 0 the short d0 loses its bonus: 0.4700036 * 2.2 / 2.2 = 0.4700036.
    worked.broken(
        "with b = 0 (no length normalisation) it does not",
        bm25(["cat", "dog"], tiny, tiny_vocab, b=0.0),
    )
    # Repetition saturates: d1's second "cat" adds 1.375 - 1 = 0.375 of what its first did.
    counts = tiny[:, [tiny_vocab["cat"], tiny_vocab["dog"]]]
    worked.broken(
        "raw counts times IDF (no saturation) do not either",
        counts @ demo.tensor([0.4700036, 0.9808293]),
    )

    # Ingest: split each document into sentence chunks, remembering where each came from.
    chunks = [(doc, s) for doc, text in DOCS.items() for s in re.split(r"(?<=[.?])\s+", text)]
    tf, vocab = index([s for _, s in chunks], demo.device)

    def answer(question: str, scorer: Callable = bm25) -> tuple[str, str, str]:
        best = int(scorer(words(question), tf, vocab).argmax())
        doc, context = chunks[best]
        # Stand-in generator: it copies the last word of its context and cites the source.
        return words(context)[-1], doc, context

    def grade(scorer: Callable) -> tuple[list[int], list[int], list[int]]:
        hits, right, cited = [], [], []
        for question, gold, source in QUESTIONS:
            said, doc, context = answer(question, scorer)
            hits.append(int(gold in words(context)))
            right.append(int(said == gold))
            cited.append(int(doc == source))
        return hits, right, cited

    hits, right, cited = grade(bm25)
    demo.equal("BM25's top chunk holds the answer for all 4 questions", hits, [1, 1, 1, 1])
    answers = demo.equal("so all 4 answers are right", right, [1, 1, 1, 1])
    demo.equal("and each cites the document it came from", cited, [1, 1, 1, 1])
    # Negative control: raw word overlap. The newsletter's filler sentences repeat
    # "what", "is" and "the", so they win, and the generator answers from them.
    answers.broken("ranking chunks by raw word overlap gets them wrong", grade(overlap)[1])

    # IDF at work inside bm25(): "the" is in most chunks, "wifi" in one, so in the wifi
    # chunk, where each occurs once, "the" adds a small fraction of what "wifi" adds.
    wifi = next(i for i, (_, s) in enumerate(chunks) if "wifi" in words(s))
    ratio = bm25(["the"], tf, vocab)[wifi] / bm25(["wifi"], tf, vocab)[wifi]
    demo.at_most("in the wifi chunk 'the' scores under a quarter of 'wifi'", ratio, 0.25)


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    ("drop the length normalisation", "b * length[:, None] / length.mean()", "b"),
    ("drop the +1 inside the IDF's log", "/ (df + 0.5) + 1.0)", "/ (df + 0.5))"),
    (
        "count word occurrences instead of documents in the document frequency",
        "df = (tf > 0).sum(0)",
        "df = tf.sum(0)",
    ),
]
