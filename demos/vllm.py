"""vLLM: continuous batching and paged KV blocks serve the same outputs with far less waste.

Static batching holds a batch together until its longest request finishes, so short
requests leave padded slots behind. Continuous batching schedules one decoding step at
a time and refills a slot as soon as its request ends. PagedAttention stores each
sequence's KV cache in fixed-size blocks of one shared pool, found through the
sequence's block table, so memory grows with the tokens actually written instead of a
worst-case reservation, and a finished request's blocks go straight back to the pool.
"""

import math

import torch

from demos.harness import Demo

CONCEPTS = ["vllm"]

V, D, SLOTS, BLOCK = 32, 16, 4, 4  # vocabulary, width, batch slots, tokens per KV block
Weights = dict[str, torch.Tensor]


class PagedKVCache:
    """One pool of BLOCK-token blocks shared by every sequence; a block table per sequence
    lists the physical blocks that hold its logical positions 0-3, 4-7, 8-11, ..."""

    def __init__(
        self, blocks: int, device: torch.device, order: list[int], use_table: bool = True
    ) -> None:
        self.k = torch.zeros(blocks * BLOCK, D, device=device)  # slot = block * BLOCK + offset
        self.v = torch.zeros(blocks * BLOCK, D, device=device)
        self.free = list(order)  # blocks come off the free list in whatever order it holds
        self.tables: dict[int, list[int]] = {}
        self.lengths: dict[int, int] = {}
        self.allocated: dict[int, int] = {}  # blocks each finished sequence held
        self.use_table = use_table  # False: the broken lookup, which ignores the table

    def slots(self, seq: int, pos: torch.Tensor) -> torch.Tensor:
        """Where logical positions of a sequence live in the pool."""
        if not self.use_table:  # the bug: treat the pool as one contiguous cache
            return pos
        table = torch.tensor(self.tables[seq], device=pos.device)
        return table[pos // BLOCK] * BLOCK + pos % BLOCK

    def attend(self, seq: int, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        """Write this token's key and value, then attend over the whole sequence so far."""
        n = self.lengths.get(seq, 0)
        table = self.tables.setdefault(seq, [])
        if n % BLOCK == 0:  # the last block is full (or there is none yet): take a free one
            table.append(self.free.pop())
        here = self.slots(seq, torch.tensor([n], device=q.device))
        self.k[here], self.v[here] = k, v
        self.lengths[seq] = n = n + 1
        where = self.slots(seq, torch.arange(n, device=q.device))
        weights = torch.softmax(self.k[where] @ q / math.sqrt(D), dim=0)
        return weights @ self.v[where]

    def release(self, seq: int) -> None:
        """A finished sequence hands its blocks back for the next request to use."""
        self.allocated[seq] = len(self.tables[seq])
        self.free += self.tables.pop(seq)


def static_batching(
    w: Weights, starts: list[int], lengths: list[int]
) -> tuple[dict[int, list[int]], dict[int, torch.Tensor], int]:
    """The reference: batches of SLOTS requests, each with its own contiguous K and V."""
    tokens, attended, steps = {}, {}, 0
    for first in range(0, len(starts), SLOTS):
        ids = list(range(first, min(first + SLOTS, len(starts))))
        tok = torch.tensor([starts[i] for i in ids], device=w["emb"].device)
        K = torch.zeros(len(ids), 0, D, device=tok.device)
        Vs = torch.zeros(len(ids), 0, D, device=tok.device)
        produced, outs = [], []
        for _ in range(max(lengths[i] for i in ids)):  # everyone waits for the longest
            x = w["emb"][tok]
            K = torch.cat([K, (x @ w["k"])[:, None]], dim=1)  # (batch, time, D)
            Vs = torch.cat([Vs, (x @ w["v"])[:, None]], dim=1)
            scores = (K @ (x @ w["q"])[:, :, None]).squeeze(-1) / math.sqrt(D)
            out = (torch.softmax(scores, dim=1)[:, None] @ Vs).squeeze(1)
            tok = ((x + out) @ w["out"]).argmax(-1)
            produced.append(tok)
            outs.append(out)
            steps += 1
        for row, i in enumerate(ids):
            tokens[i] = [int(t[row]) for t in produced[: lengths[i]]]
            attended[i] = torch.stack([o[row] for o in outs[: lengths[i]]])
    return tokens, attended, steps


def continuous_batching(
    w: Weights, starts: list[int], lengths: list[int], cache: PagedKVCache
) -> tuple[dict[int, list[int]], dict[int, torch.Tensor], int]:
    """One decoding step at a time; a finished request leaves and its slot is refilled."""
    queue, tokens, attended, steps = list(range(len(starts))), {}, {}, 0
    slot_req: list[int | None] = [None] * SLOTS
    tok = [0] * SLOTS
    while queue or any(r is not None for r in slot_req):
        for s in range(SLOTS):  # admit waiting requests into free slots, every step
            if slot_req[s] is None and queue:
                slot_req[s] = r = queue.pop(0)
                tokens[r], attended[r], tok[s] = [], [], starts[r]
        active = [s for s in range(SLOTS) if slot_req[s] is not None]
        x = w["emb"][torch.tensor([tok[s] for s in active], device=w["emb"].device)]
        q, k, v = x @ w["q"], x @ w["k"], x @ w["v"]
        out = torch.stack(
            [cache.attend(slot_req[s], q[i], k[i], v[i]) for i, s in enumerate(active)]
        )
        nxt = ((x + out) @ w["out"]).argmax(-1)
        steps += 1
        for i, s in enumerate(active):
            r = slot_req[s]
            tok[s] = int(nxt[i])
            tokens[r].append(tok[s])
            attended[r].append(out[i])
            if len(tokens[r]) == lengths[r]:
                cache.release(r)
                slot_req[s] = None  # leaves at once; the slot is refilled next step
    return tokens, {r: torch.stack(o) for r, o in attended.items()}, steps


def run(demo: Demo) -> None:
    # A one-layer toy decoder: embed the token, attend over the sequence so far, and pick
    # the next token greedily from the sum of the two.
    w = {
        "emb": demo.randn(V, D, seed=20),
        "q": demo.randn(D, D, seed=21) / D**0.5,
        "k": demo.randn(D, D, seed=22) / D**0.5,
        "v": demo.randn(D, D, seed=23) / D**0.5,
        "out": demo.randn(D, V, seed=24),
    }
    n = 16
    starts = demo.randint(V, n, seed=3).tolist()
    lengths = (demo.randint(30, n, seed=4) + 2).tolist()  # 2 to 31 tokens each
    useful = sum(lengths)

    ref_tokens, ref_out, static_steps = static_batching(w, starts, lengths)
    # A pool of 64 blocks whose free list is shuffled, so no sequence's blocks are adjacent.
    order = torch.randperm(64, generator=demo.generator(5)).tolist()
    cache = PagedKVCache(64, demo.device, order)
    tokens, out, cont_steps = continuous_batching(w, starts, lengths, cache)

    def flat(per_request: dict[int, torch.Tensor]) -> torch.Tensor:
        return torch.cat([per_request[r] for r in range(n)])

    # Paged attention must read exactly what a contiguous cache holds: every one of the
    # 16 requests' attention outputs, at every step, equals the contiguous reference.
    paged = demo.close(
        "paged attention through block tables equals attention over contiguous caches",
        flat(out),
        flat(ref_out),
    )
    broken_cache = PagedKVCache(64, demo.device, order, use_table=False)
    bad_tokens, bad_out, _ = continuous_batching(w, starts, lengths, broken_cache)
    paged.broken(
        "reading the pool as if it were contiguous (ignoring the table) does not", flat(bad_out)
    )
    same = demo.equal(
        "every request gets the same tokens under both schedulers",
        [t for r in range(n) for t in tokens[r]],
        [t for r in range(n) for t in ref_tokens[r]],
    )
    same.broken("with the table ignored they do not", [t for r in range(n) for t in bad_tokens[r]])

    # A slot-step is one row of one batched step; those not producing a token are waste.
    static_waste = SLOTS * static_steps - useful
    cont_waste = SLOTS * cont_steps - useful
    demo.at_most(
        "continuous batching wastes under 1/4 of static batching's padded slot-steps",
        cont_waste / static_waste,
        0.25,
    )
    demo.at_most(
        "so it finishes the same requests in at most 90% of the steps",
        cont_steps / static_steps,
        0.9,
    )

    # Memory: paged allocation loses under one block per sequence; reserving the longest
    # length for every request (as contiguous allocators must) loses far more.
    paged_waste = BLOCK * sum(cache.allocated.values()) - useful
    reserved_waste = n * max(lengths) - useful
    demo.at_most(
        "paged KV blocks waste under 1/5 of a max-length reservation's slots",
        paged_waste / reserved_waste,
        0.2,
    )
    demo.equal("every block is back in the pool at the end", sorted(cache.free), list(range(64)))


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "ignore the block table: logical block i read from physical block i",
        "return table[pos // BLOCK] * BLOCK + pos % BLOCK",
        "return (pos // BLOCK) * BLOCK + pos % BLOCK",
    ),
    (
        "attend over a stale length that misses the newest token",
        "where = self.slots(seq, torch.arange(n, device=q.device))",
        "where = self.slots(seq, torch.arange(n - 1, device=q.device))",
    ),
]
