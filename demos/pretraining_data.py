"""Pretraining data: near-duplicate removal with MinHash, and sampling a data mixture.

Web crawls repeat themselves: mirrors, boilerplate, the same article with a new header.
Exact hashing only catches byte-identical copies, so pipelines also remove near
duplicates. The tool is MinHash: cut each document into word n-grams (shingles), hash
every shingle with k different hash functions and keep only the minimum of each. Two
documents agree on one of those minima with probability equal to their Jaccard similarity
|A & B| / |A | B|, so the fraction of agreeing minima estimates it with standard error
sqrt(J (1 - J) / k). Locality-sensitive hashing then groups signatures into bands so that
only likely pairs are ever compared. Finally the cleaned sources are mixed in chosen
proportions, not in proportion to their sizes.
"""

import math
import zlib

import torch

from demos.harness import Demo

CONCEPTS = ["pretraining-data"]

PRIME = (1 << 31) - 1  # a Mersenne prime; a * x stays below 2^62, inside int64
K, BANDS = 128, 32  # 128 hash functions, read as 32 bands of 4 rows


def shingles(text: str, n: int = 3) -> set[int]:
    """The document's word n-grams, each hashed to 32 bits (crc32: deterministic, unsalted)."""
    words = text.lower().split()
    return {zlib.crc32(" ".join(words[i : i + n]).encode()) for i in range(len(words) - n + 1)}


def jaccard(a: set[int], b: set[int]) -> float:
    return len(a & b) / len(a | b)


Hashes = tuple[torch.Tensor, torch.Tensor]


def make_hashes(k: int, seed: int) -> Hashes:
    """k random hash functions h(x) = (a x + b) mod PRIME."""
    g = torch.Generator().manual_seed(seed)
    a = torch.randint(1, PRIME, (k, 1), generator=g)
    b = torch.randint(0, PRIME, (k, 1), generator=g)
    return a, b


def minhash(doc: set[int], hashes: Hashes) -> torch.Tensor:
    """The signature: for each of the k hash functions, the smallest hash over the shingles."""
    a, b = hashes
    x = torch.tensor(sorted(doc), dtype=torch.int64) % PRIME
    return ((a * x + b) % PRIME).min(dim=1).values


def estimate(sig1: torch.Tensor, sig2: torch.Tensor) -> float:
    """The fraction of hash functions on which the two minima agree."""
    return (sig1 == sig2).double().mean().item()


def near_duplicates(docs: list[str], threshold: float, hashes: Hashes) -> set[int]:
    """Indices of documents to drop: a later document whose estimated Jaccard with an
    earlier kept one is >= threshold. LSH: only pairs sharing a whole band are compared."""
    sigs = [minhash(shingles(d), hashes) for d in docs]
    rows = K // BANDS
    buckets: dict[tuple[int, tuple[int, ...]], list[int]] = {}
    drop: set[int] = set()
    for i, sig in enumerate(sigs):
        candidates = set()
        for band in range(BANDS):
            key = (band, tuple(sig[band * rows : (band + 1) * rows].tolist()))
            candidates.update(buckets.setdefault(key, []))
            buckets[key].append(i)
        if any(j not in drop and estimate(sig, sigs[j]) >= threshold for j in candidates):
            drop.add(i)
    return drop


def exact_duplicates(docs: list[str]) -> set[int]:
    seen, drop = set(), set()
    for i, d in enumerate(docs):
        key = zlib.crc32(d.encode())
        if key in seen:
            drop.add(i)
        seen.add(key)
    return drop


def words(seed: int, n: int) -> list[str]:
    """A synthetic 'document': n words drawn from a 5,000-word vocabulary."""
    ids = torch.randint(0, 5000, (n,), generator=torch.Generator().manual_seed(seed))
    return [f"w{i}" for i in ids.tolist()]


def run(demo: Demo) -> None:
    hashes = make_hashes(K, seed=0)

    # 1. The MinHash estimate against the exact Jaccard similarity, for pairs of documents
    # that share 0%, ~25%, ~50%, ~75% and 100% of their words (the tail is swapped out).
    base = words(1, 200)
    pairs = []
    for keep in (0, 50, 100, 150, 200):
        other = base[:keep] + words(100 + keep, 200 - keep)
        pairs.append((shingles(" ".join(base)), shingles(" ".join(other))))
    z_scores = []
    for s1, s2 in pairs:
        j = jaccard(s1, s2)
        est = estimate(minhash(s1, hashes), minhash(s2, hashes))
        sigma = max(math.sqrt(j * (1 - j) / K), 1 / K)  # at J = 0 or 1 the estimate is exact
        z_scores.append(abs(est - j) / sigma)
    # Each estimate is a mean of 128 Bernoulli(J) agreements: within 4.5 standard errors.
    accurate = demo.at_most(
        "MinHash (k = 128) estimates Jaccard within 4.5 standard errors on all 5 pairs",
        max(z_scores),
        4.5,
    )
    # Broken: one hash function repeated 128 times. Every agreement is the same coin flip,
    # so the estimate is 0 or 1 and the averaging that makes it accurate is gone.
    a, b = hashes
    one = (a[:1].expand(K, 1), b[:1].expand(K, 1))
    bad = []
    for s1, s2 in pairs:
        j = jaccard(s1, s2)
        est = estimate(minhash(s1, one), minhash(s2, one))
        bad.append(abs(est - j) / max(math.sqrt(j * (1 - j) / K), 1 / K))
    accurate.broken("with one hash function repeated 128 times it is not", max(bad))

    # 2. Deduplicating a small corpus: 12 distinct documents, 3 exact copies and 3 near
    # copies (5 of 300 words changed, Jaccard ~ 0.9). Near-dup removal at J >= 0.7 must drop
    # exactly the 6 copies and keep every distinct document.
    corpus = [" ".join(words(1000 + i, 300)) for i in range(12)]
    for i in range(3):  # exact copies of documents 0, 1, 2
        corpus.append(corpus[i])
    for i in range(3, 6):  # near copies of documents 3, 4, 5
        edited = corpus[i].split()
        for pos in range(5):
            edited[60 * pos + 7] = "edited"
        corpus.append(" ".join(edited))
    planted = set(range(12, 18))
    found = near_duplicates(corpus, 0.7, hashes)
    dedup = demo.equal(
        "MinHash-LSH drops exactly the 3 exact and 3 near copies, keeps all 12 originals",
        sorted(found),
        sorted(planted),
    )
    dedup.broken("exact hashing alone keeps the 3 near copies", sorted(exact_duplicates(corpus)))

    # 3. A data mixture: sources of very different sizes, sampled at chosen weights
    # (upsampling the small high-quality ones) rather than in proportion to their size.
    sizes = torch.tensor([900.0, 80.0, 20.0])  # web, code, books (millions of documents)
    target = torch.tensor([0.6, 0.25, 0.15])
    n = 20_000
    g = torch.Generator().manual_seed(7)
    drawn = torch.multinomial(target, n, replacement=True, generator=g)
    share = torch.bincount(drawn, minlength=3).double() / n
    sigma = (target * (1 - target) / n).sqrt().double()
    hits = demo.at_most(
        "the mixture sampler hits 60/25/15% within 4.5 standard errors for every source",
        ((share - target) / sigma).abs().max(),
        4.5,
    )
    natural = torch.multinomial(sizes, n, replacement=True, generator=g)
    nat_share = torch.bincount(natural, minlength=3).double() / n
    hits.broken(
        "sampling in proportion to source size (90/8/2%) misses the targets",
        ((nat_share - target) / sigma).abs().max(),
    )


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "sum the hashes instead of taking the minimum: agreement no longer means overlap",
        "return ((a * x + b) % PRIME).min(dim=1).values",
        "return ((a * x + b) % PRIME).sum(dim=1)",
    ),
    (
        "the dedup threshold compares with the wrong side",
        "estimate(sig, sigs[j]) >= threshold",
        "estimate(sig, sigs[j]) < threshold",
    ),
    (
        "the sampler ignores the target weights",
        "drawn = torch.multinomial(target, n, replacement=True, generator=g)",
        "drawn = torch.multinomial(sizes, n, replacement=True, generator=g)",
    ),
]
