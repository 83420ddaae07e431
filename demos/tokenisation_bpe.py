"""Byte-pair encoding: learn merges from text, then encode any string losslessly into fewer tokens.

Starting from the 256 byte values, BPE repeatedly fuses the most frequent adjacent pair into
a new token, so each merge adds exactly one vocabulary entry. Because the base alphabet is
bytes, every string (accents, emoji, CJK) can be encoded and decoded back exactly; text like
the training data shrinks a lot, while unfamiliar scripts fall back to one token per byte.
"""

from collections import Counter
from itertools import pairwise

import torch

from demos.harness import Demo

CONCEPTS = ["tokenisation-bpe"]

CORPUS = (
    "the tokenizer reads the text and the model reads the tokens. "
    "then the model predicts the next token, and then the next token again. "
    "a token is often a whole word, sometimes a piece of a word, and rarely a single letter. "
    "the more often a pair of pieces appears together in the training text, "
    "the sooner the two pieces are merged into one token. "
) * 3


def merge(ids: list[int], pair: tuple[int, int], new_id: int) -> list[int]:
    out, i = [], 0
    while i < len(ids):
        if i + 1 < len(ids) and (ids[i], ids[i + 1]) == pair:
            out.append(new_id)
            i += 2
        else:
            out.append(ids[i])
            i += 1
    return out


def train_bpe(text: str, vocab_size: int) -> tuple[dict[tuple[int, int], int], list[int]]:
    """The merges in the order learned, and the training text as the tokens it ended as."""
    ids, merges = list(text.encode("utf-8")), {}
    for new_id in range(256, vocab_size):
        counts = Counter(pairwise(ids))
        # Most frequent pair; ties go to the smallest pair, so training is deterministic.
        pair = max(counts, key=lambda p: (counts[p], -p[0], -p[1]))
        ids, merges[pair] = merge(ids, pair, new_id), new_id
    return merges, ids


def encode(text: str, merges: dict[tuple[int, int], int]) -> list[int]:
    ids = list(text.encode("utf-8"))
    while len(ids) > 1:
        # Apply merges in the order they were learned: the earliest-learned pair first.
        pair = min(pairwise(ids), key=lambda p: merges.get(p, 1 << 30))
        if pair not in merges:
            break
        ids = merge(ids, pair, merges[pair])
    return ids


def vocabulary(merges: dict[tuple[int, int], int]) -> dict[int, bytes]:
    vocab = {i: bytes([i]) for i in range(256)}
    for (a, b), new_id in merges.items():  # insertion order is learning order
        vocab[new_id] = vocab[a] + vocab[b]
    return vocab


def decode(ids: list[int], vocab: dict[int, bytes]) -> str:
    # Join the bytes first, then decode: one character may span several tokens.
    return b"".join(vocab[i] for i in ids).decode("utf-8", errors="replace")


def run(demo: Demo) -> None:
    merges, trained_ids = train_bpe(CORPUS, vocab_size=352)
    vocab = vocabulary(merges)
    # Each merge adds one entry, so this holds by construction: shown, not claimed.
    demo.equal(
        "a vocabulary of 352 is 256 bytes plus 96 merges",
        [len(vocab), len(merges)],
        [352, 352 - 256],
        illustration=True,
    )

    # The first merge is the most frequent adjacent byte pair, counted independently
    # with a histogram over pair codes a * 256 + b.
    data = torch.tensor(list(CORPUS.encode("utf-8")), device=demo.device)
    top = int(torch.bincount(data[:-1] * 256 + data[1:], minlength=256 * 256).argmax())
    demo.equal(
        "merge 256 fuses the most frequent byte pair", list(next(iter(merges))), divmod(top, 256)
    )

    samples = [
        "plain ASCII, digits 1234.",
        "naïve café, São Paulo",
        "emoji 🙂🚀",
        "漢字かな交じり文",
        "",
    ]
    # Encoding replays the merges in the order they were learned, so on the training text it
    # must end exactly where training ended, although it never counts a pair.
    demo.equal(
        "encoding the training text gives the tokens training ended with",
        encode(CORPUS, merges),
        trained_ids,
    )

    broken = sum(decode(encode(s, merges), vocab) != s for s in samples)
    round_trip = demo.equal(
        "decode(encode(s)) == s for ASCII, accents, emoji, CJK and ''", broken, 0
    )

    # Negative control: decoding each token on its own splits multi-byte characters.
    def per_token(ids: list[int]) -> str:
        return "".join(vocab[i].decode("utf-8", errors="replace") for i in ids)

    naive = sum(per_token(encode(s, merges)) != s for s in samples)
    round_trip.broken("decoding token by token does not", naive)

    # Compression: the training text needs far fewer tokens than bytes, text in a
    # script the merges never saw gets one token per byte.
    ratio = len(encode(CORPUS, merges)) / len(CORPUS.encode("utf-8"))
    demo.at_most("training text needs under half as many tokens as bytes", ratio, 0.5)
    cjk = samples[3]
    demo.equal(
        "unseen CJK text gets one token per byte", len(encode(cjk, merges)), len(cjk.encode())
    )


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "training merges the least frequent pair",
        "pair = max(counts, key=lambda p: (counts[p], -p[0], -p[1]))",
        "pair = min(counts, key=lambda p: (counts[p], -p[0], -p[1]))",
    ),
    (
        "encoding applies the latest-learned merge first",
        "pair = min(pairwise(ids), key=lambda p: merges.get(p, 1 << 30))",
        "pair = max(pairwise(ids), key=lambda p: merges.get(p, -1))",
    ),
    (
        "decode each token's bytes on their own",
        'return b"".join(vocab[i] for i in ids).decode("utf-8", errors="replace")',
        'return "".join(vocab[i].decode("utf-8", errors="replace") for i in ids)',
    ),
]
