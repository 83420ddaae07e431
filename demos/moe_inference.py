"""MoE inference: expert-parallel dispatch and combine equal the dense mixture using k of E experts.

A router picks k experts per token, so each token does the arithmetic of a much
smaller dense model while all E experts' weights stay resident. Serving spreads the
experts over devices: tokens are sorted by expert, sent to the device that holds it
(all-to-all), processed as one batched matmul per expert, sent back and combined
with the gate weights. A capacity limit per expert bounds the buffers, at the price
of dropping overflow tokens.
"""

import math

import torch
import torch.nn.functional as F

from demos.harness import Demo

CONCEPTS = ["moe-inference"]

N, D, HID, E, K, DEVICES = 64, 16, 32, 8, 2, 4  # tokens, width, expert hidden, experts, top-k


def expert(w: dict[str, torch.Tensor], e: int, x: torch.Tensor) -> torch.Tensor:
    return F.silu(x @ w["up"][e]) @ w["down"][e]


def route(w: dict[str, torch.Tensor], x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    top, idx = (x @ w["router"]).topk(K, dim=-1)
    return idx, torch.softmax(top, dim=-1)  # experts chosen and their gate weights


def dense_moe(w: dict[str, torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    """Reference: run every expert on every token and weight by a gate that is 0 off the top-k."""
    idx, gate = route(w, x)
    full_gate = torch.zeros(x.shape[0], E, device=x.device).scatter(1, idx, gate)
    return sum(full_gate[:, e : e + 1] * expert(w, e, x) for e in range(E))


def expert_parallel_moe(
    w: dict[str, torch.Tensor], x: torch.Tensor, capacity: int | None = None, unsort: bool = True
) -> tuple[torch.Tensor, torch.Tensor, int]:
    """Dispatch, per-device expert matmuls, combine. Returns output, tokens per expert, dropped."""
    idx, gate = route(w, x)
    token = torch.arange(x.shape[0], device=x.device).repeat_interleave(K)
    chosen, weight = idx.flatten(), gate.flatten()
    order = torch.argsort(chosen, stable=True)  # group assignments by expert (token order kept)
    token, chosen, weight = token[order], chosen[order], weight[order]
    counts = torch.bincount(chosen, minlength=E)
    out, dropped, start = torch.zeros_like(x), 0, 0
    per_device = E // DEVICES
    for device in range(DEVICES):  # each device receives its experts' tokens (the all-to-all)
        for e in range(device * per_device, (device + 1) * per_device):
            n = int(counts[e])
            keep = n if capacity is None else min(n, capacity)
            dropped += n - keep
            rows = slice(start, start + keep)
            y = expert(w, e, x[token[rows]]) * weight[rows, None]  # one batched matmul
            # Send back and add into each token's slot; the bug uses sorted slots as token ids.
            dest = token[rows] if unsort else torch.arange(start, start + keep, device=x.device)
            out.index_add_(0, dest % x.shape[0], y)
            start += n
    return out, counts, dropped


def run(demo: Demo) -> None:
    w = {
        "router": demo.randn(D, E, seed=0),
        "up": demo.randn(E, D, HID, seed=1) / D**0.5,
        "down": demo.randn(E, HID, D, seed=2) / HID**0.5,
    }
    x = demo.randn(N, D, seed=3)
    # Both paths run the same float32 products, batched differently (all 64 rows against
    # each expert, or only its gathered rows), so a kernel may sum the 16- and 32-long dot
    # products in another order: ~ sqrt(32) * 6e-8 relative on outputs of size ~1, on CPU
    # or CUDA alike (no TF32: PyTorch leaves it off for matmuls), far below 1e-5.
    tol = 1e-5

    # The router: softmax over the chosen k logits equals the full softmax over all E
    # experts, kept at the top k and renormalised (the same weights, computed another way).
    idx, gate = route(w, x)
    probs = torch.softmax(x @ w["router"], dim=-1)
    kept = probs.gather(1, idx)
    demo.close(
        "gates are the full softmax kept at the top k, renormalised", gate, kept / kept.sum(1, True)
    )
    demo.equal(
        "each token goes to k distinct experts, the k largest router logits",
        idx.sort(1).values,
        (x @ w["router"]).argsort(1, descending=True)[:, :K].sort(1).values,
    )

    dense = dense_moe(w, x)
    sparse, _, _ = expert_parallel_moe(w, x)
    combined = demo.close(
        "expert-parallel dispatch/combine equals the dense gated sum", sparse, dense, atol=tol
    )
    # The classic combine bug: forget to undo the sort, so outputs land on the wrong tokens.
    unsorted, _, _ = expert_parallel_moe(w, x, unsort=False)
    combined.broken(
        "combining in sorted order (no un-permute) puts outputs on the wrong tokens", unsorted
    )

    # Capacity = ceil(factor * N k / E) slots per expert. Overflow assignments are dropped;
    # adding their contributions back recovers the dense output exactly.
    capacity = math.ceil(1.0 * N * K / E)
    capped, _, dropped = expert_parallel_moe(w, x, capacity=capacity)
    # The router's load is uneven (here 11 to 22 tokens against 16 slots), so some go.
    demo.at_least("at capacity factor 1.0 over 5 assignments are dropped", dropped, 5)
    lost = torch.zeros_like(x)
    for e in range(E):
        rows = (idx == e).any(-1).nonzero().flatten()[capacity:]  # the late arrivals
        g = (gate * (idx == e))[rows].sum(-1, keepdim=True)
        lost[rows] += g * expert(w, e, x[rows])
    demo.close(
        "capacity-limited output plus the dropped contributions equals dense",
        capped + lost,
        dense,
        atol=tol,
    )

    # Active vs total parameters: backpropagate from one token through the dense reference
    # and count the expert weights that influence it. Only k of the E experts do, so a token
    # costs k/E of the expert arithmetic while all E experts must stay in memory.
    params = {name: t.clone().requires_grad_() for name, t in w.items()}
    dense_moe(params, x[:1]).sum().backward()
    touched = sum(int((params[n].grad != 0).sum()) for n in ("up", "down"))
    held = params["up"].numel() + params["down"].numel()
    demo.equal("one token's output depends on exactly k experts' weights", touched, held * K // E)


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "combine without un-permuting: sorted slots used as token ids",
        "dest = token[rows] if unsort",
        "dest = torch.arange(start, start + keep, device=x.device) if unsort",
    ),
    (
        "drop the gate weight when combining",
        "y = expert(w, e, x[token[rows]]) * weight[rows, None]",
        "y = expert(w, e, x[token[rows]])",
    ),
    (
        "advance past only the kept rows, so dropped ones shift every later expert",
        "start += n",
        "start += keep",
    ),
]
