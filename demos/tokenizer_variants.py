"""Tokeniser variants: bytes, WordPiece and Unigram split the same text in different ways.

Byte-level models (and byte-level BPE underneath) start from the 256 byte values, so any
Unicode string encodes and decodes back exactly, with no unknown token, at the price of
longer sequences. WordPiece (BERT) segments a word greedily, always taking the longest
vocabulary piece that fits, and marks word-internal pieces with '##'. A Unigram language
model (SentencePiece's default) gives every piece a probability and picks the segmentation
with the highest total log-probability, which Viterbi finds without trying every split.
"""

import math
from itertools import combinations

from demos.harness import Demo

CONCEPTS = ["tokenizer-variants"]

SAMPLES = ["plain ASCII 123", "naïve café", "emoji 🙂🚀", "漢字かな", ""]


# Byte level: the vocabulary is the 256 byte values, so nothing is ever out of vocabulary.
def byte_encode(text: str) -> list[int]:
    return list(text.encode("utf-8"))


def byte_decode(ids: list[int]) -> str:
    return bytes(ids).decode("utf-8")


# A closed character vocabulary, learned from ASCII text, is the failure bytes avoid.
def char_vocab(text: str) -> dict[str, int]:
    return {ch: i + 1 for i, ch in enumerate(sorted(set(text)))}  # 0 is [UNK]


def char_round_trip(text: str, vocab: dict[str, int]) -> str:
    inverse = {i: ch for ch, i in vocab.items()}
    return "".join(inverse.get(vocab.get(ch, 0), "?") for ch in text)


# WordPiece: greedy longest match first, word-internal pieces prefixed with '##'.
WORDPIECE = {"[UNK]", "play", "un", "p", "##l", "##a", "##y", "##ing", "##ed", "##able", "##play"}


def wordpiece(word: str, vocab: set[str]) -> list[str]:
    pieces, start = [], 0
    while start < len(word):
        for end in range(len(word), start, -1):  # longest candidate first
            piece = word[start:end] if start == 0 else "##" + word[start:end]
            if piece in vocab:
                break
        else:  # no piece fits: the whole word becomes one unknown token
            return ["[UNK]"]
        pieces.append(piece)
        start = end
    return pieces


# Unigram LM: each piece has a probability (its count over the total); a segmentation's
# score is the sum of its pieces' log-probabilities.
COUNTS = {"t": 5, "h": 4, "e": 6, "r": 3, "o": 4, "n": 3, "th": 3, "the": 20, "re": 8}
COUNTS |= {"on": 10, "her": 6, "there": 1, "ere": 1}
TOTAL = sum(COUNTS.values())
LOGP = {piece: math.log(c / TOTAL) for piece, c in COUNTS.items()}


def score(pieces: list[str]) -> float:
    return sum(LOGP.get(p, -math.inf) for p in pieces)


def viterbi(word: str) -> tuple[list[str], float]:
    """Best segmentation: best[end] is the top score of any segmentation of word[:end]."""
    best, back = [0.0] + [-math.inf] * len(word), [0] * (len(word) + 1)
    for end in range(1, len(word) + 1):
        for start in range(end):
            piece = word[start:end]
            if piece in LOGP:
                candidate = best[start] + LOGP[piece]
                if candidate > best[end]:
                    best[end], back[end] = candidate, start
    pieces, end = [], len(word)
    while end > 0:  # walk the back-pointers from the end of the word
        pieces.insert(0, word[back[end] : end])
        end = back[end]
    return pieces, best[-1]


def all_segmentations(word: str) -> list[list[str]]:
    n = len(word)
    splits = [c for k in range(n) for c in combinations(range(1, n), k)]
    return [[word[a:b] for a, b in zip((0, *cut), (*cut, n), strict=True)] for cut in splits]


def greedy_longest(word: str) -> list[str]:
    """WordPiece's rule applied to the Unigram vocabulary (no '##' here)."""
    pieces, start = [], 0
    while start < len(word):
        end = max(e for e in range(start + 1, len(word) + 1) if word[start:e] in LOGP)
        pieces.append(word[start:end])
        start = end
    return pieces


def run(demo: Demo) -> None:
    # Bytes: every string survives, and 256 symbols are all it takes.
    failures = sum(byte_decode(byte_encode(s)) != s for s in SAMPLES)
    lossless = demo.equal(
        "byte-level decode(encode(s)) == s for ASCII, accents, emoji, CJK and ''", failures, 0
    )
    closed = char_vocab("plain ascii training text 0123456789")
    lossless.broken(
        "a character vocabulary learned from ASCII text loses the rest",
        sum(char_round_trip(s, closed) != s for s in SAMPLES),
    )
    demo.at_most("every byte id is below 256", max(i for s in SAMPLES for i in byte_encode(s)), 255)
    # The price: one CJK character is 3 bytes, so a byte-level model sees 3 positions.
    demo.equal("'漢字かな' is 4 characters but 12 bytes", len(byte_encode("漢字かな")), 12)

    # WordPiece: longest match first.
    got = [wordpiece(w, WORDPIECE) for w in ["playing", "unplayable", "played", "xyz"]]
    expected = [["play", "##ing"], ["un", "##play", "##able"], ["play", "##ed"], ["[UNK]"]]
    ids = sorted(WORDPIECE).index  # token ids; -1 separates words

    def flat(splits: list[list[str]]) -> list[int]:
        return [i for ps in splits for i in [*map(ids, ps), -1]]

    demo.equal(
        "WordPiece splits greedily by longest match, unknown words become [UNK]",
        flat(got),
        flat(expected),
    )

    # Unigram: Viterbi's answer is the best of all 2^(n-1) segmentations, found in O(n^2).
    word = "thereon"
    pieces, best = viterbi(word)
    brute = max(score(s) for s in all_segmentations(word))
    optimal = demo.close(
        "Viterbi's log-likelihood equals the best over all 64 segmentations of 'thereon'",
        best,
        brute,
    )
    demo.close(
        "the pieces read back from the back-pointers score what Viterbi says", score(pieces), best
    )
    # Negative control: greedy longest match takes the rare 'there' and scores lower.
    optimal.broken("greedy longest match (there|on) does not", score(greedy_longest(word)))


# One-line breaks of the concepts that the checks above must catch.
MUTATIONS = [
    (
        "WordPiece takes the shortest match first",
        "for end in range(len(word), start, -1):  # longest candidate first",
        "for end in range(start + 1, len(word) + 1):",
    ),
    (
        "Viterbi keeps the first candidate for each end instead of the best",
        "if candidate > best[end]:",
        "if best[end] == -math.inf:",
    ),
    (
        "byte decoding reads the bytes as Latin-1",
        'return bytes(ids).decode("utf-8")',
        'return bytes(ids).decode("latin-1")',
    ),
]
