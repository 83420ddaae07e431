"""Sharing keys and values across heads: MQA, GQA and MLA shrink the KV cache.

In multi-head attention every query head has its own key and value head, and decoding
must cache all of them. Grouped-query attention (GQA) lets each group of H/G query heads
share one key-value head, so the cache shrinks by H/G; G = H is ordinary multi-head
attention and G = 1 is multi-query attention (MQA). Multi-head latent attention (MLA,
DeepSeek-V2) caches instead one small latent vector per token, from which every head's keys
and values are decompressed; at inference the decompression can be folded into the query,
so attention runs directly on the cached latents.
"""

import torch
import torch.nn.functional as F

from demos.harness import Demo

CONCEPTS = ["attention-head-sharing"]

B, T, D, H = 2, 6, 32, 8  # batch, tokens, width, query heads
DH = D // H  # head size
Tensor = torch.Tensor
D_LATENT = 8  # MLA's latent width: 8 numbers per token instead of 2 * H * DH = 64


def gqa(
    x: torch.Tensor, wq: torch.Tensor, wk: torch.Tensor, wv: torch.Tensor, wo: torch.Tensor
) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
    """Causal grouped-query attention; G = wk's width / DH key-value heads. Returns the cache."""
    G = wk.shape[1] // DH
    q = (x @ wq).unflatten(-1, (H, DH)).transpose(1, 2)  # (B, H, T, DH)
    k = (x @ wk).unflatten(-1, (G, DH)).transpose(1, 2)  # (B, G, T, DH): all that is cached
    v = (x @ wv).unflatten(-1, (G, DH)).transpose(1, 2)
    cache = (k, v)
    # Query heads 0..H/G-1 read KV head 0, the next H/G read KV head 1, and so on.
    k, v = k.repeat_interleave(H // G, dim=1), v.repeat_interleave(H // G, dim=1)
    out = F.scaled_dot_product_attention(q, k, v, is_causal=True)
    return out.transpose(1, 2).flatten(-2) @ wo, cache


def per_head_loop(x: Tensor, wq: Tensor, wk: Tensor, wv: Tensor, wo: Tensor) -> Tensor:
    """GQA the slow way: for each query head h, attend with KV head h // (H / G)."""
    G = wk.shape[1] // DH
    mask = torch.ones(T, T, dtype=torch.bool, device=x.device).tril()
    heads = []
    for h in range(H):
        g = h // (H // G)
        q = x @ wq[:, h * DH : (h + 1) * DH]
        k, v = x @ wk[:, g * DH : (g + 1) * DH], x @ wv[:, g * DH : (g + 1) * DH]
        scores = (q @ k.transpose(-1, -2) / DH**0.5).masked_fill(~mask, float("-inf"))
        heads.append(scores.softmax(-1) @ v)
    return torch.cat(heads, -1) @ wo


def rotate(x: torch.Tensor) -> torch.Tensor:
    """Rotary position embedding over the token axis (-2): pairs of features turned by t * theta."""
    t = torch.arange(x.shape[-2], device=x.device, dtype=x.dtype)[:, None]
    theta = 10000 ** (
        -torch.arange(0, x.shape[-1], 2, device=x.device, dtype=x.dtype) / x.shape[-1]
    )
    cos, sin = (t * theta).cos(), (t * theta).sin()
    a, b = x[..., 0::2], x[..., 1::2]
    return torch.stack([a * cos - b * sin, a * sin + b * cos], -1).flatten(-2)


def mla_explicit(
    x: Tensor, wq: Tensor, w_down: Tensor, w_uk: Tensor, w_uv: Tensor, rope: bool = False
) -> tuple[Tensor, Tensor]:
    """MLA as trained: compress to a latent c, decompress every head's K and V from it."""
    c = x @ w_down  # (B, T, D_LATENT): the only thing the cache keeps
    q = (x @ wq).unflatten(-1, (H, DH)).transpose(1, 2)
    k = (c @ w_uk).unflatten(-1, (H, DH)).transpose(1, 2)
    v = (c @ w_uv).unflatten(-1, (H, DH)).transpose(1, 2)
    if rope:  # rotary positions on queries and the decompressed keys
        q, k = rotate(q), rotate(k)
    return F.scaled_dot_product_attention(q, k, v, is_causal=True), c


def mla_absorbed(
    x: Tensor, wq: Tensor, c: Tensor, w_uk: Tensor, w_uv: Tensor, rope: bool = False
) -> Tensor:
    """MLA at inference: fold W_uk into the query, attend over the cached latents directly.

    q_h . (W_uk,h^T c) = (W_uk,h q_h) . c, so each head's query moves into latent space;
    the values are decompressed after the weighted sum, which is linear too.
    """
    q = (x @ wq).unflatten(-1, (H, DH)).transpose(1, 2)  # (B, H, T, DH)
    if rope:  # the query can be rotated, but the keys' rotation has nowhere to go
        q = rotate(q)
    w_uk_h = w_uk.unflatten(-1, (H, DH)).permute(1, 0, 2)  # (H, D_LATENT, DH)
    q_latent = q @ w_uk_h.transpose(-1, -2)  # (B, H, T, D_LATENT)
    scores = q_latent @ c[:, None].transpose(-1, -2) / DH**0.5
    mask = torch.ones(T, T, dtype=torch.bool, device=x.device).tril()
    weights = scores.masked_fill(~mask, float("-inf")).softmax(-1)
    w_uv_h = w_uv.unflatten(-1, (H, DH)).permute(1, 0, 2)  # (H, D_LATENT, DH)
    return (weights @ c[:, None]) @ w_uv_h


def cache_bytes(cache: tuple[torch.Tensor, ...]) -> int:
    return sum(t.numel() * t.element_size() for t in cache)


def run(demo: Demo) -> None:
    x = demo.randn(B, T, D, seed=0)
    wq, wo = demo.randn(D, D, seed=1) / D**0.5, demo.randn(D, D, seed=2) / D**0.5
    wk_full, wv_full = demo.randn(D, D, seed=3) / D**0.5, demo.randn(D, D, seed=4) / D**0.5

    # G = H: every query head has its own KV head, which is PyTorch's multi-head attention.
    mha = torch.nn.MultiheadAttention(D, H, bias=False, batch_first=True).to(demo.device)
    with torch.no_grad():
        mha.in_proj_weight.copy_(torch.cat([wq, wk_full, wv_full], 1).T)
        mha.out_proj.weight.copy_(wo.T)
    causal = torch.ones(T, T, dtype=torch.bool, device=demo.device).triu(1)  # True = blocked
    reference, _ = mha(x, x, x, attn_mask=causal, need_weights=False)
    out_mha, cache_mha = gqa(x, wq, wk_full, wv_full, wo)
    demo.close("GQA with G = H groups is nn.MultiheadAttention", out_mha, reference.detach())

    # G = 1: one KV head for all queries, written independently as MQA by broadcasting.
    wk1, wv1 = wk_full[:, :DH], wv_full[:, :DH]
    out_mqa, cache_mqa = gqa(x, wq, wk1, wv1, wo)
    q = (x @ wq).unflatten(-1, (H, DH)).transpose(1, 2)
    k, v = (x @ wk1)[:, None], (x @ wv1)[:, None]  # (B, 1, T, DH), broadcast over heads
    mqa = F.scaled_dot_product_attention(q, k, v, is_causal=True)
    demo.close(
        "GQA with G = 1 group is multi-query attention",
        out_mqa,
        mqa.transpose(1, 2).flatten(-2) @ wo,
    )

    # G = 2: heads 0-3 share KV head 0, heads 4-7 KV head 1, checked head by head.
    wk2, wv2 = wk_full[:, : 2 * DH], wv_full[:, : 2 * DH]
    out_gqa, cache_gqa = gqa(x, wq, wk2, wv2, wo)
    grouped = demo.close(
        "GQA with G = 2 equals a per-head loop where head h reads KV head h // 4",
        out_gqa,
        per_head_loop(x, wq, wk2, wv2, wo),
    )
    # The classic slip: tiling the KV heads (0,1,0,1,...) instead of repeating each in place.
    q = (x @ wq).unflatten(-1, (H, DH)).transpose(1, 2)
    k2, v2 = (
        t.unflatten(-1, (2, DH)).transpose(1, 2).repeat(1, 4, 1, 1) for t in (x @ wk2, x @ wv2)
    )
    tiled = F.scaled_dot_product_attention(q, k2, v2, is_causal=True).transpose(1, 2).flatten(-2)
    grouped.broken("tiling the KV heads (head h reads h mod 2) does not", tiled @ wo)

    # The cache: what decoding would keep for these T tokens shrinks by H / G.
    demo.equal(
        "the KV cache of MHA is H / G = 4 times that of GQA with G = 2",
        cache_bytes(cache_mha) / cache_bytes(cache_gqa),
        H / 2,
    )
    demo.equal(
        "the KV cache of MHA is H = 8 times that of MQA",
        cache_bytes(cache_mha) / cache_bytes(cache_mqa),
        H,
    )

    # MLA: cache one latent of D_LATENT numbers per token. Folding W_uk into the query gives
    # the same attention as decompressing every head's keys and values.
    w_down = demo.randn(D, D_LATENT, seed=5) / D**0.5
    w_uk, w_uv = (demo.randn(D_LATENT, D, seed=s) / D_LATENT**0.5 for s in (6, 7))
    explicit, latents = mla_explicit(x, wq, w_down, w_uk, w_uv)
    absorbed = demo.close(
        "MLA attending over the cached latents equals decompressing K and V",
        mla_absorbed(x, wq, latents, w_uk, w_uv),
        explicit,
    )
    # Rotary positions break the fold: each key's rotation depends on its position, so it
    # cannot be merged into one matrix. DeepSeek-V2 adds a small separate rotary key instead.
    explicit_rope, _ = mla_explicit(x, wq, w_down, w_uk, w_uv, rope=True)
    absorbed.broken(
        "with rotary positions on the decompressed keys the fold no longer matches",
        mla_absorbed(x, wq, latents, w_uk, w_uv, rope=True),
        explicit_rope,
    )
    demo.equal(
        "the MLA cache (latents only) is 2 * H * DH / D_LATENT = 8 times smaller than MHA's",
        cache_bytes(cache_mha) / cache_bytes((latents,)),
        2 * H * DH / D_LATENT,
    )


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "tile the KV heads instead of repeating each for its group",
        "k, v = k.repeat_interleave(H // G, dim=1), v.repeat_interleave(H // G, dim=1)",
        "k, v = k.repeat(1, H // G, 1, 1), v.repeat(1, H // G, 1, 1)",
    ),
    (
        "cache the keys and values after expanding them to every query head",
        "cache = (k, v)",
        "cache = (k.repeat_interleave(H // G, 1), v.repeat_interleave(H // G, 1))",
    ),
    (
        "fold the value up-projection into the query instead of the key up-projection",
        "q_latent = q @ w_uk_h.transpose(-1, -2)",
        "q_latent = q @ w_uv.unflatten(-1, (H, DH)).permute(1, 0, 2).transpose(-1, -2)",
    ),
]
