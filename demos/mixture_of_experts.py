"""Mixture of experts: a router sends each token to k of E expert MLPs and runs only those.

A top-k router scores every expert for every token, keeps the k best and renormalises their
gates. Running only those experts gives exactly the same output as running all E and
zeroing the other gates, at k/E of the expert compute. Training needs an auxiliary
load-balancing loss (1 when tokens spread evenly, E when they collapse onto one expert),
and a fixed per-expert capacity means overflow tokens are dropped.
"""

import math

import torch
from torch import nn

from demos.harness import Demo

CONCEPTS = ["mixture-of-experts"]

E, K, D, T = 8, 2, 16, 64  # experts, experts per token, width, tokens


def route(logits: torch.Tensor, k: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Top-k experts per token and their gates, softmax renormalised over the chosen k."""
    top, idx = logits.topk(k, dim=-1)
    return idx, top.softmax(-1)


def balance_loss(logits: torch.Tensor) -> torch.Tensor:
    """Switch Transformer's aux loss for top-1 routing: E * sum_i share_i * mean_prob_i."""
    share = torch.bincount(logits.argmax(-1), minlength=E).float() / len(logits)
    return E * (share * logits.softmax(-1).mean(0)).sum()


def run(demo: Demo) -> None:
    torch.manual_seed(0)
    experts = nn.ModuleList(
        nn.Sequential(nn.Linear(D, 4 * D), nn.GELU(), nn.Linear(4 * D, D)) for _ in range(E)
    ).to(demo.device)
    router = demo.randn(D, E, seed=1)
    x = demo.randn(T, D, seed=2)

    logits = x @ router
    idx, gates = route(logits, K)
    distinct = [len(set(row.tolist())) for row in idx]
    demo.equal("every token goes to k = 2 distinct experts", distinct, [K] * T)

    # The gates are the router's softmax restricted to the chosen experts and renormalised:
    # computed here the other way round, from the full softmax over all E experts.
    probs = logits.softmax(-1)
    chosen = torch.zeros_like(probs).scatter(1, idx, 1.0)
    reference = (probs * chosen / (probs * chosen).sum(-1, keepdim=True)).gather(1, idx)
    renormalised = demo.close(
        "the gates are the full softmax over the chosen k, renormalised to sum to 1",
        gates,
        reference,
    )
    # Skipping the renormalisation keeps only part of each token's probability mass.
    renormalised.broken("the full softmax's probabilities for them are not", probs.gather(1, idx))

    # Sparse dispatch: each expert runs only on the tokens routed to it.
    with torch.no_grad():
        sparse = torch.zeros_like(x)
        evaluated = 0
        for e, expert in enumerate(experts):
            token, slot = (idx == e).nonzero(as_tuple=True)
            sparse.index_add_(0, token, gates[token, slot, None] * expert(x[token]))
            evaluated += len(token)
        # Dense reference: every expert on every token, weighted by a gate matrix that
        # is zero outside each token's top k.
        all_out = torch.stack([expert(x) for expert in experts], dim=1)  # (T, E, D)
        gate_matrix = torch.zeros(T, E, device=demo.device).scatter(1, idx, gates)
        dense = (gate_matrix[:, :, None] * all_out).sum(1)
        # A broken dispatch: read slot i as expert i, so every token gets experts 0 and 1
        # with its gates, whatever the router chose.
        fixed = (gates[:, :, None] * all_out[:, :K]).sum(1)
    # Both sides add the same two gated outputs per element, but the experts ran on
    # batches of different sizes (a GEMM may then sum its 64-long dot products in another
    # order): float32 rounding ~1e-7 relative on outputs of size ~1, so 1e-5 on any device.
    dispatch = demo.close("sparse dispatch equals the dense gated sum", sparse, dense, atol=1e-5)
    dispatch.broken("ignoring the router's choice of experts does not", fixed)
    demo.equal(
        "it runs T * k = 128 expert evaluations instead of T * E = 512",
        evaluated,
        T * K,
        illustration=True,  # every token appears in k rows of idx, so this holds by construction
    )

    # Load balancing with top-1 routing. Balanced: token t prefers expert t mod E.
    balanced = 5.0 * torch.eye(E, device=demo.device).repeat(T // E, 1)
    collapsed = torch.zeros(T, E, device=demo.device)
    collapsed[:, 0] = 20.0
    even = demo.close("balanced routing gives aux loss 1", balance_loss(balanced), 1.0, atol=1e-6)
    even.broken("a collapsed router does not score 1", balance_loss(collapsed))
    demo.close(
        "collapsed routing gives aux loss E = 8",
        balance_loss(collapsed),
        float(E),
        atol=1e-6,
        rtol=1e-6,
    )

    # Capacity: with top-1 routing each expert takes at most ceil(T / E) = 8 tokens, first
    # come first served; overflow tokens get no expert output (only the residual carries them).
    top1 = logits.argmax(-1)
    capacity = math.ceil(T / E)
    capped = torch.zeros_like(x)
    with torch.no_grad():
        for e, expert in enumerate(experts):
            token = (top1 == e).nonzero(as_tuple=True)[0][:capacity]
            capped[token] = expert(x[token])
        uncapped = all_out[torch.arange(T, device=demo.device), top1]
    kept = capped.abs().sum(-1) > 0
    load = torch.bincount(top1, minlength=E)
    demo.equal(
        "zeroed tokens = sum over experts of max(0, load - capacity)",
        int((~kept).sum()),
        int((load - capacity).clamp_min(0).sum()),
    )
    demo.at_least("with this skewed router some tokens are dropped", int((~kept).sum()), 1)
    demo.close("kept tokens get the uncapped output", capped[kept], uncapped[kept], atol=1e-5)


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "skip the renormalisation over the chosen k",
        "return idx, top.softmax(-1)",
        "return idx, logits.softmax(-1).gather(-1, idx)",
    ),
    (
        "add each expert's output at the slot index instead of the token's",
        "sparse.index_add_(0, token,",
        "sparse.index_add_(0, slot,",
    ),
    (
        "drop the factor E from the load-balancing loss",
        "return E * (share * logits.softmax(-1).mean(0)).sum()",
        "return (share * logits.softmax(-1).mean(0)).sum()",
    ),
]
