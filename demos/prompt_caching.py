"""Prompt caching: reusing a shared prefix's KV cache gives the same logits for far less work.

Requests that open with the same long system prompt need not recompute its keys
and values each time: the server stores them once and runs only each request's
new tokens. The cache is looked up by hashing the prefix in fixed-size blocks,
each hash chained to the one before, so a change to any early token misses
every block after it, as it must: stale keys and values give wrong answers.
"""

import hashlib
import math

import torch
import torch.nn.functional as F

from demos.harness import Demo

CONCEPTS = ["prompt-caching"]

Cache = list[tuple[torch.Tensor, torch.Tensor]]  # per layer: keys and values so far


def make_model(demo: Demo, vocab: int = 50, d: int = 32, layers: int = 2) -> dict:
    w = {"emb": demo.randn(vocab, d, seed=0), "pos": 0.1 * demo.randn(128, d, seed=1)}
    for i in range(layers):
        for j, name in enumerate(["q", "k", "v", "o", "up", "down"]):
            shape = (d, 4 * d) if name == "up" else (4 * d, d) if name == "down" else (d, d)
            w[f"{name}{i}"] = demo.randn(*shape, seed=10 * i + j + 2) / shape[0] ** 0.5
    w["layers"] = layers
    return w


def forward(
    w: dict, tokens: torch.Tensor, cache: Cache | None = None, flops: list[int] | None = None
) -> tuple[torch.Tensor, Cache]:
    """Run new tokens after an optional cached prefix; return their logits and the grown cache.

    ``flops`` (if given) collects 2 * m * k * n for every matrix product actually run.
    """
    flops = [] if flops is None else flops

    def mm(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        flops.append(2 * a.shape[0] * a.shape[1] * b.shape[1])
        return a @ b

    start = 0 if cache is None else cache[0][0].shape[0]  # tokens already cached
    positions = start + torch.arange(len(tokens), device=tokens.device)
    x = w["emb"][tokens] + w["pos"][positions]
    new_cache = []
    for i in range(w["layers"]):
        h = F.layer_norm(x, x.shape[-1:])
        k, v = mm(h, w[f"k{i}"]), mm(h, w[f"v{i}"])
        if cache is not None:
            k, v = torch.cat([cache[i][0], k]), torch.cat([cache[i][1], v])
        new_cache.append((k, v))
        # The query at position p may see every key up to p, cached or new.
        mask = torch.arange(k.shape[0], device=x.device)[None, :] <= positions[:, None]
        q = mm(h, w[f"q{i}"])
        # Attention written out (scores, then weights @ v), so the arithmetic is plain
        # float32 matmuls on any device.
        scores = (mm(q, k.T) / math.sqrt(q.shape[-1])).masked_fill(~mask, float("-inf"))
        x = x + mm(mm(torch.softmax(scores, dim=-1), v), w[f"o{i}"])
        x = x + mm(F.gelu(mm(F.layer_norm(x, x.shape[-1:]), w[f"up{i}"])), w[f"down{i}"])
    return x @ w["emb"].T, new_cache


def block_hashes(tokens: list[int], block: int = 16) -> list[str]:
    """Chained SHA-256 per full block: each key covers the whole prefix up to that block."""
    hashes, parent = [], b""
    for i in range(0, len(tokens) - block + 1, block):
        parent = hashlib.sha256(parent + bytes(tokens[i : i + block])).digest()
        hashes.append(parent.hex())
    return hashes


def blocks_reused(tokens: list[int], stored: set[str]) -> int:
    """How many leading blocks of a new prompt are already in the cache."""
    n = 0
    for h in block_hashes(tokens):
        if h not in stored:
            break
        n += 1
    return n


def run(demo: Demo) -> None:
    w = make_model(demo)
    # The cached and full passes run the same float32 products on different row counts,
    # so kernels may order the 32- to 128-long sums differently: ~ sqrt(128) * 6e-8
    # relative on logits of size ~10, ~1e-6 (CUDA matmuls too: PyTorch keeps TF32 off).
    atol = 1e-5
    system = demo.randint(50, 64, seed=100)  # a 64-token system prompt every request shares
    questions = [demo.randint(50, 8, seed=101 + i) for i in range(4)]

    _, prefix_cache = forward(w, system)  # prefill the shared prefix once
    full = torch.stack([forward(w, torch.cat([system, q]))[0][-8:] for q in questions])
    cached = torch.stack([forward(w, q, prefix_cache)[0] for q in questions])
    reuse = demo.close(
        "4 requests' logits with the cached prefix equal full recomputes", cached, full, atol=atol
    )
    # Reusing the cache of a prefix that differs in one early token (what keying on
    # anything less than the exact prefix would do) gives wrong logits.
    edit_early = system.clone()
    edit_early[3] = (edit_early[3] + 1) % 50
    _, stale_cache = forward(w, edit_early)
    reuse.broken(
        "with the cache of a prefix one token different they do not",
        torch.stack([forward(w, q, stale_cache)[0] for q in questions]),
    )

    # Work: count the multiply-adds each way (the unembedding of the last tokens aside).
    full_work, cached_work = [], []
    forward(w, torch.cat([system, questions[0]]), flops=full_work)
    forward(w, questions[0], prefix_cache, flops=cached_work)
    demo.at_most(
        "a cached request does <= 1/4 of the full prefill's FLOPs",
        sum(cached_work) / sum(full_work),
        0.25,
    )

    # Block keys. Stored: the system prompt's 4 blocks and another prompt's 4. A question
    # after the same prefix reuses all 4; editing token 40 keeps the first 2; editing token
    # 3 keeps none. A prompt that opens like the system prompt and goes on like the other
    # one reuses only block 0: the other prompt's later blocks were computed after a
    # different opening, and the chained keys say so.
    other = demo.randint(50, 64, seed=200)
    stored = set(block_hashes(system.tolist())) | set(block_hashes(other.tolist()))
    edit_late = system.clone()
    edit_late[40] = (edit_late[40] + 1) % 50
    spliced = torch.cat([system[:16], other[16:]])
    demo.equal(
        "blocks reused: same prefix 4, token 40 edited 2, token 3 edited 0, spliced 1",
        [
            blocks_reused(torch.cat([system, questions[0]]).tolist(), stored),
            blocks_reused(edit_late.tolist(), stored),
            blocks_reused(edit_early.tolist(), stored),
            blocks_reused(spliced.tolist(), stored),
        ],
        [4, 2, 0, 1],
    )


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "new tokens restart at position 0 after a cached prefix",
        "positions = start + torch.arange(len(tokens), device=tokens.device)",
        "positions = torch.arange(len(tokens), device=tokens.device)",
    ),
    (
        "skip the cached keys and values (attend to the new tokens only)",
        "k, v = torch.cat([cache[i][0], k]), torch.cat([cache[i][1], v])",
        "k, v = k, v",
    ),
    (
        "hash each block alone, not chained to its prefix",
        "parent = hashlib.sha256(parent + bytes(tokens[i : i + block])).digest()",
        "parent = hashlib.sha256(bytes(tokens[i : i + block])).digest()",
    ),
]
