"""Causal masking: -inf above the diagonal, so no position can see the tokens after it.

Adding -inf to every score where the key comes after the query makes those softmax weights
exactly zero. Each output then depends only on its past, which is what lets a decoder train
on all positions of a sequence at once without reading the answers. The mask's alignment
is a classic trap when queries and keys have different lengths, as in cached decoding.
"""

import torch
import torch.nn.functional as F

from demos.harness import Demo

CONCEPTS = ["causal-masking"]


def weights(q: torch.Tensor, k: torch.Tensor, causal: bool) -> torch.Tensor:
    scores = q @ k.transpose(-2, -1) / q.shape[-1] ** 0.5
    if causal:
        T = scores.shape[-1]
        future = torch.triu(torch.ones(T, T, dtype=torch.bool, device=q.device), diagonal=1)
        scores = scores.masked_fill(future, float("-inf"))  # exp(-inf) = 0 in the softmax
    return scores.softmax(-1)


def self_attention(x: torch.Tensor, w: torch.Tensor, causal: bool = True) -> torch.Tensor:
    """One head of self-attention: queries, keys and values are all projections of the tokens."""
    q, k, v = (x @ w[i] for i in range(3))
    return weights(q, k, causal) @ v


def future_leak(
    x: torch.Tensor, w: torch.Tensor, fresh: torch.Tensor, causal: bool = True
) -> torch.Tensor:
    """For every cut t, rewrite the tokens after t and measure how far outputs 0..t move."""
    before = self_attention(x, w, causal)
    moved = []
    for t in range(x.shape[1] - 1):
        edited = torch.cat([x[:, : t + 1], fresh[:, t + 1 :]], dim=1)
        after = self_attention(edited, w, causal)
        moved.append((after[:, : t + 1] - before[:, : t + 1]).abs().max())
    return torch.stack(moved)  # one number per cut: the most any past output moved


def run(demo: Demo) -> None:
    B, T, d = 2, 8, 16
    x = demo.randn(B, T, d, seed=0)
    w = demo.randn(3, d, d, seed=1) / d**0.5  # W_q, W_k, W_v
    q, k, v = (x @ w[i] for i in range(3))
    # The fused kernel on a GPU sums the 16-long dot products and the 8-long weighted sums
    # in another order and with an online softmax: float32 rounding of ~1e-7 relative on
    # outputs of size ~1, so 1e-5 on a CPU and a tenfold margin, 1e-4, on a GPU.
    tol = 1e-4 if demo.on_gpu else 1e-5

    # The hand-written mask agrees with PyTorch's kernel; attention without it does not.
    kernel = demo.close(
        "the hand-written mask matches scaled_dot_product_attention(is_causal=True)",
        weights(q, k, True) @ v,
        F.scaled_dot_product_attention(q, k, v, is_causal=True),
        atol=tol,
    )
    kernel.broken("attention with no mask does not", weights(q, k, False) @ v)

    zeros = demo.equal(
        "every weight above the diagonal (query before key) is exactly zero",
        weights(q, k, True).triu(1).count_nonzero(),
        0,
    )
    zeros.broken(
        "without the mask the future gets weight", weights(q, k, False).triu(1).count_nonzero()
    )

    # The property the mask exists for. At every cut t = 0..6, replace all tokens after t
    # with fresh ones (new queries, keys and values alike): outputs 0..t must not move.
    # A mask that lets a position peek even one step ahead moves an output at some cut.
    fresh = demo.randn(B, T, d, seed=2)
    blind = demo.close(
        "rewriting the tokens after t leaves outputs 0..t unchanged, at every cut t",
        future_leak(x, w, fresh),
        torch.zeros(T - 1, device=demo.device),
        atol=1e-6,
    )
    blind.broken("without the mask the future leaks back", future_leak(x, w, fresh, causal=False))

    # The trap: decoding one new token with cached keys gives 1 query and T keys.
    # is_causal=True aligns its mask to the top-left, so that query sees key 0 only...
    last_q = q[:, -1:]
    trap = F.scaled_dot_product_attention(last_q, k, v, is_causal=True)
    demo.close(
        "with 1 query and T keys, is_causal=True just returns v[0]", trap, v[:, :1], atol=tol
    )
    # ...but the newest token may see everything before it, so the right call has no mask,
    # and it reproduces the last row of full causal attention.
    full = weights(q, k, True) @ v
    step = demo.close(
        "an unmasked decode step equals the last row of causal attention",
        F.scaled_dot_product_attention(last_q, k, v),
        full[:, -1:],
        atol=tol,
    )
    step.broken("a decode step with is_causal=True does not", trap)


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    ("let each position peek one token ahead", "diagonal=1)", "diagonal=2)"),
    (
        "fill masked scores with 0 instead of -inf (multiplying scores by the mask)",
        'future, float("-inf"))',
        "future, 0.0)",
    ),
    (
        "forget to apply the mask",
        'scores = scores.masked_fill(future, float("-inf"))',
        "scores = scores",
    ),
]
