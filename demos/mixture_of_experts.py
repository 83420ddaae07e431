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
    tol = 1e-3 if demo.on_gpu else 1e-5
    demo.close("sparse dispatch equals the dense gated sum", sparse, dense, atol=tol)
    demo.equal("it runs T * k = 128 expert evaluations instead of T * E = 512", evaluated, T * K)

    # Negative control: skipping the renormalisation (gates = full softmax probs of the
    # chosen experts) no longer matches a properly gated layer.
    probs = logits.softmax(-1).gather(1, idx)
    with torch.no_grad():
        unnormalised = (
            torch.zeros(T, E, device=demo.device).scatter(1, idx, probs)[:, :, None] * all_out
        ).sum(1)
    demo.close(
        "un-renormalised gates give the same output", unnormalised, dense, atol=tol, negative=True
    )

    # Load balancing with top-1 routing. Balanced: token t prefers expert t mod E.
    balanced = 5.0 * torch.eye(E, device=demo.device).repeat(T // E, 1)
    demo.close(
        "balanced routing gives aux loss 1",
        balance_loss(balanced),
        1.0,
    )
    collapsed = torch.zeros(T, E, device=demo.device)
    collapsed[:, 0] = 20.0
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
    demo.close("kept tokens get the uncapped output", capped[kept], uncapped[kept], atol=tol)
