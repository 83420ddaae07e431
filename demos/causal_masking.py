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


def attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, causal: bool) -> torch.Tensor:
    return weights(q, k, causal) @ v


def run(demo: Demo) -> None:
    T, d = 8, 16
    q, k, v = (demo.randn(2, T, d, seed=s) for s in range(3))
    tol = 1e-3 if demo.on_gpu else 1e-5

    out = attention(q, k, v, causal=True)
    demo.close(
        "the hand-written mask matches scaled_dot_product_attention(is_causal=True)",
        out,
        F.scaled_dot_product_attention(q, k, v, is_causal=True),
        atol=tol,
    )
    demo.equal(
        "weights above the diagonal are exactly zero",
        weights(q, k, True).triu(1).count_nonzero(),
        0,
    )

    # Rewrite the last three tokens (their keys and values): positions 0-4 must not notice.
    k2, v2 = k.clone(), v.clone()
    k2[:, 5:], v2[:, 5:] = demo.randn(2, 3, d, seed=10), demo.randn(2, 3, d, seed=11)
    after = attention(q, k2, v2, causal=True)
    demo.close("changing future tokens leaves earlier outputs unchanged", after[:, :5], out[:, :5])

    # Negative control: without the mask the future leaks into every position.
    open_before, open_after = attention(q, k, v, False), attention(q, k2, v2, False)
    demo.close(
        "without the mask earlier outputs are unchanged too",
        open_after[:, :5],
        open_before[:, :5],
        negative=True,
    )

    # The trap: decoding one new token with cached keys gives 1 query and T keys.
    # is_causal=True aligns its mask to the top-left, so that query sees key 0 only.
    last_q = q[:, -1:]
    trap = F.scaled_dot_product_attention(last_q, k, v, is_causal=True)
    demo.close(
        "with 1 query and T keys, is_causal=True just returns v[0]", trap, v[:, :1], atol=tol
    )
    # The newest token may see everything before it, so the right call has no mask, and it
    # reproduces the last row of full causal attention.
    step = F.scaled_dot_product_attention(last_q, k, v)
    demo.close("an unmasked decode step equals the last causal row", step, out[:, -1:], atol=tol)
