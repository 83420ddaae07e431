"""Multi-head attention: split the width into heads, attend in each, concatenate, project.

Each head attends with its own slice of the query, key and value projections, so heads can
track different relations at the cost of one full-width attention: the parameter count does
not depend on the number of heads. Grouped-query attention lets several query heads share
one key-value head, which shrinks the KV cache by the group size.
"""

import torch
import torch.nn.functional as F
from torch import nn

from demos.harness import Demo

CONCEPTS = ["multi-head-attention"]


def split(x: torch.Tensor, heads: int) -> torch.Tensor:
    B, T, E = x.shape  # (B, T, E) -> (B, heads, T, E / heads): head h owns columns h*d..(h+1)*d
    return x.view(B, T, heads, E // heads).transpose(1, 2)


def merge(x: torch.Tensor) -> torch.Tensor:
    B, H, T, d = x.shape  # (B, heads, T, d) -> (B, T, heads * d): concatenate the heads
    return x.transpose(1, 2).reshape(B, T, H * d)


def weights(q: torch.Tensor, k: torch.Tensor, width: int | None = None) -> torch.Tensor:
    """Each head scales its scores by its own width d = E / H, not by the model width E."""
    scores = q @ k.transpose(-2, -1) / (width or q.shape[-1]) ** 0.5
    return scores.softmax(-1)


def attend(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    return weights(q, k) @ v


def run(demo: Demo) -> None:
    B, T, E, H = 2, 10, 32, 4
    torch.manual_seed(0)
    mha = nn.MultiheadAttention(E, H, batch_first=True).to(demo.device)
    x = demo.randn(B, T, E, seed=0)

    # By hand: one big projection for Q, K and V, then split the width into H heads.
    q, k, v = F.linear(x, mha.in_proj_weight, mha.in_proj_bias).chunk(3, dim=-1)
    qh, kh, vh = split(q, H), split(k, H), split(v, H)
    mine = mha.out_proj(merge(attend(qh, kh, vh)))  # concatenate, then mix
    # PyTorch splits the heads its own way; it also hands back each head's weights.
    with torch.no_grad():
        reference, per_head = mha(x, x, x, need_weights=True, average_attn_weights=False)
    # On a GPU (TF32 off, see the runner) cuBLAS reorders the 32-long projection sums
    # (~ sqrt(32) * 1.2e-7 relative) and the fused scaled_dot_product_attention kernel
    # below blocks its sums its own way: ~1e-5; 1e-3 leaves room (untested).
    tol = 1e-3 if demo.on_gpu else 1e-5
    same = demo.close("split heads by hand equal nn.MultiheadAttention", mine, reference, atol=tol)
    # The classic slip: scaling every head's scores by the full width E instead of E / H.
    wide = mha.out_proj(merge(weights(qh, kh, width=E) @ vh))
    same.broken("scaling by sqrt(E) instead of sqrt(E / H) does not", wide)
    demo.close(
        "each head's attention weights equal PyTorch's, head by head",
        weights(qh, kh),
        per_head,
        atol=tol,
    )

    # Heads partition the width rather than adding to it: 4E^2 weights + 4E biases always.
    counts = [
        sum(p.numel() for p in nn.MultiheadAttention(E, h, batch_first=True).parameters())
        for h in (1, 2, 4, 8)
    ]
    demo.equal("1, 2, 4 or 8 heads all have 4E^2 + 4E parameters", counts, [4 * E * E + 4 * E] * 4)

    # Grouped-query attention: 8 query heads share 2 key-value heads (groups of 4), so the
    # KV cache holds 2 heads of K and V instead of 8, a quarter of the memory.
    Hq, Hkv, D = 8, 2, 8
    q = demo.randn(B, Hq, T, D, seed=1)
    k, v = demo.randn(B, Hkv, T, D, seed=2), demo.randn(B, Hkv, T, D, seed=3)
    # Query head i reads KV head i // 4: fold the query heads into (KV head, group member)
    # and let broadcasting share each K and V across its group, with no copies.
    grouped = attend(q.view(B, Hkv, Hq // Hkv, T, D), k[:, :, None], v[:, :, None])
    grouped = grouped.reshape(B, Hq, T, D)
    repeated = attend(q, k.repeat_interleave(4, dim=1), v.repeat_interleave(4, dim=1))
    demo.close("grouped attention equals MHA with each KV head repeated", grouped, repeated)
    fused = F.scaled_dot_product_attention(q, k, v, enable_gqa=True)
    gqa = demo.close(
        "it matches scaled_dot_product_attention(enable_gqa=True)", grouped, fused, atol=tol
    )
    # Tiling the KV heads (0, 1, 0, 1, ...) pairs query heads with the wrong ones.
    tiled = attend(q, k.repeat(1, 4, 1, 1), v.repeat(1, 4, 1, 1))
    gqa.broken("tiling KV heads with .repeat does not", tiled)


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "split the width with a plain reshape, no transpose",
        "x.view(B, T, heads, E // heads).transpose(1, 2)",
        "x.reshape(B, heads, T, E // heads)",
    ),
    (
        "merge the heads without moving them back beside each other",
        "x.transpose(1, 2).reshape(B, T, H * d)",
        "x.reshape(B, T, H * d)",
    ),
    (
        "group query heads as i % 2 instead of i // 4",
        "q.view(B, Hkv, Hq // Hkv, T, D)",
        "q.view(B, Hq // Hkv, Hkv, T, D).transpose(1, 2)",
    ),
]
