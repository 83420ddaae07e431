"""vLLM: continuous batching and paged KV blocks serve the same outputs with far less waste.

Static batching holds a batch together until its longest request finishes, so short
requests leave padded slots behind. Continuous batching schedules one decoding step at
a time and refills a slot as soon as its request ends. PagedAttention stores each
sequence's KV cache in fixed-size blocks found through a block table, so memory grows
with the tokens actually written instead of a worst-case reservation.
"""

import torch

from demos.harness import Demo

CONCEPTS = ["vllm"]

V, HID, SLOTS = 32, 16, 4
Weights = dict[str, torch.Tensor]


def step(w: Weights, h: torch.Tensor, tok: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """One batched decoding step of a toy recurrent model: rows never interact."""
    h = torch.tanh(h @ w["rec"] + w["emb"][tok])
    return h, (h @ w["out"]).argmax(-1)


def static_batching(
    w: Weights, starts: list[int], lengths: list[int]
) -> tuple[dict[int, list[int]], int, int]:
    outputs, steps = {}, 0
    for first in range(0, len(starts), SLOTS):
        ids = list(range(first, min(first + SLOTS, len(starts))))
        h = torch.zeros(len(ids), HID, device=w["rec"].device)
        tok = torch.tensor([starts[i] for i in ids], device=h.device)
        produced = []
        for _ in range(max(lengths[i] for i in ids)):  # everyone waits for the longest
            h, tok = step(w, h, tok)
            produced.append(tok)
            steps += 1
        for row, i in enumerate(ids):
            outputs[i] = [int(t[row]) for t in produced[: lengths[i]]]
    return outputs, steps, sum(lengths)


def continuous_batching(
    w: Weights, starts: list[int], lengths: list[int], reset: bool = True
) -> tuple[dict[int, list[int]], int, int]:
    queue, outputs, steps = list(range(len(starts))), {}, 0
    h = torch.zeros(SLOTS, HID, device=w["rec"].device)
    tok = torch.zeros(SLOTS, dtype=torch.long, device=h.device)
    slot_req: list[int | None] = [None] * SLOTS
    while queue or any(r is not None for r in slot_req):
        for s in range(SLOTS):  # admit waiting requests into free slots, every step
            if slot_req[s] is None and queue:
                slot_req[s] = r = queue.pop(0)
                outputs[r] = []
                tok[s] = starts[r]
                if reset:  # a new request starts from a clean state; the bug keeps the old one
                    h[s] = 0
        h, tok = step(w, h, tok)
        steps += 1
        for s, r in enumerate(slot_req):
            if r is not None:
                outputs[r].append(int(tok[s]))
                if len(outputs[r]) == lengths[r]:
                    slot_req[s] = None  # leaves at once; the slot is refilled next step
    return outputs, steps, sum(lengths)


def run(demo: Demo) -> None:
    w = {
        "rec": demo.randn(HID, HID, seed=0) / HID**0.5,
        "emb": demo.randn(V, HID, seed=1),
        "out": demo.randn(HID, V, seed=2),
    }
    n = 16
    starts = demo.randint(V, n, seed=3).tolist()
    lengths = (demo.randint(30, n, seed=4) + 2).tolist()  # 2 to 31 tokens each

    static_out, static_steps, useful = static_batching(w, starts, lengths)
    cont_out, cont_steps, _ = continuous_batching(w, starts, lengths)
    demo.equal(
        "every request gets the same tokens under both schedulers",
        [t for r in range(n) for t in cont_out[r]],
        [t for r in range(n) for t in static_out[r]],
    )
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

    # PagedAttention: sequences write K/V into 4-token blocks of a shared pool via their
    # block tables; reading a sequence back through its table gives its contiguous cache.
    block, pool_blocks, d = 4, 256, 8
    pool = torch.zeros(pool_blocks, block, d, device=demo.device)
    free = torch.randperm(pool_blocks, generator=demo.generator(5)).tolist()  # any order works
    tables, caches = [], []
    for r, length in enumerate(lengths):
        kv = demo.randn(length, d, seed=100 + r)
        table = [free.pop() for _ in range((length + block - 1) // block)]
        for t in range(length):
            pool[table[t // block], t % block] = kv[t]
        tables.append(table)
        caches.append(kv)
    gathered = [
        pool[torch.tensor(tab, device=demo.device)].flatten(0, 1)[:n_]
        for tab, n_ in zip(tables, lengths, strict=True)
    ]
    demo.equal(
        "reading through the block tables returns each contiguous KV cache",
        torch.cat(gathered),
        torch.cat(caches),
    )
    # Waste: paged allocation loses under one block per sequence; reserving the longest
    # length for every request (as contiguous allocators must) loses far more.
    paged_waste = block * sum(len(t) for t in tables) - useful
    reserved_waste = n * max(lengths) - useful
    demo.at_most(
        "paged KV blocks waste under 1/5 of a max-length reservation's slots",
        paged_waste / reserved_waste,
        0.2,
    )

    # Negative control: reuse a slot without resetting its state for the next request.
    leaky_out, _, _ = continuous_batching(w, starts, lengths, reset=False)
    demo.equal(
        "refilling a slot without clearing its state still gives the same tokens",
        [t for r in range(n) for t in leaky_out[r]],
        [t for r in range(n) for t in static_out[r]],
        negative=True,
    )
