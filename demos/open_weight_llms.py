"""Open-weight LLMs: a LLaMA/Mistral-style model, rebuilt exactly from its config and weights.

With the weights published, anyone holding the config can rebuild the network and get the
very same outputs, then count, inspect or fine-tune it. The block below has the changes
these families made to GPT: RMSNorm before each sub-layer, rotary positions, grouped-query
attention (several query heads share one key/value head, shrinking the KV cache) and a
SwiGLU MLP, plus Mistral's sliding window, which limits how far back each token looks.
"""

import torch
import torch.nn.functional as F
from torch import nn

from demos.harness import Demo

CONCEPTS = ["open-weight-llms"]

# SwiGLU hidden width about 8/3 d rounded up to a multiple of 8, as LLaMA does.
CONFIG = dict(vocab=64, d=32, heads=4, kv_heads=2, hidden=88, layers=2, window=None)


def n_params(vocab: int, d: int, heads: int, kv_heads: int, hidden: int, layers: int) -> int:
    """Per layer: q and o (d x d), k and v (d x kv_heads*d_head), SwiGLU (3 d x hidden), 2 norms."""
    kv = kv_heads * (d // heads)
    per_layer = 2 * d * d + 2 * d * kv + 3 * d * hidden + 2 * d
    return layers * per_layer + 2 * vocab * d + d  # + embedding, untied head, final norm


def rope(x: torch.Tensor, pos: torch.Tensor) -> torch.Tensor:
    """Rotate channel pairs (i, i + d/2) by angle pos * 10000^(-2i/d)."""
    half = x.shape[-1] // 2
    freqs = 10000.0 ** (-torch.arange(half, device=x.device, dtype=x.dtype) / half)
    angle = pos[:, None].to(x.dtype) * freqs
    cos, sin = angle.cos(), angle.sin()
    x1, x2 = x[..., :half], x[..., half:]
    return torch.cat([x1 * cos - x2 * sin, x1 * sin + x2 * cos], dim=-1)


class Block(nn.Module):
    def __init__(self, d: int, heads: int, kv_heads: int, hidden: int, window: int | None) -> None:
        super().__init__()
        self.heads, self.kv_heads, self.dh, self.window = heads, kv_heads, d // heads, window
        self.norm1, self.norm2 = nn.RMSNorm(d), nn.RMSNorm(d)
        self.q, self.o = nn.Linear(d, d, bias=False), nn.Linear(d, d, bias=False)
        self.k = nn.Linear(d, kv_heads * self.dh, bias=False)
        self.v = nn.Linear(d, kv_heads * self.dh, bias=False)
        self.gate, self.up = nn.Linear(d, hidden, bias=False), nn.Linear(d, hidden, bias=False)
        self.down = nn.Linear(hidden, d, bias=False)

    def attend(self, h: torch.Tensor) -> torch.Tensor:
        B, T, _ = h.shape
        pos = torch.arange(T, device=h.device)
        q = rope(self.q(h).view(B, T, self.heads, self.dh).transpose(1, 2), pos)
        k = rope(self.k(h).view(B, T, self.kv_heads, self.dh).transpose(1, 2), pos)
        v = self.v(h).view(B, T, self.kv_heads, self.dh).transpose(1, 2)
        # Grouped-query attention: each K/V head serves heads // kv_heads query heads.
        k, v = (t.repeat_interleave(self.heads // self.kv_heads, dim=1) for t in (k, v))
        back = pos[:, None] - pos[None, :]  # how far back each key is from each query
        allowed = (back >= 0) & (back < (self.window or T))
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=allowed)
        return self.o(y.transpose(1, 2).reshape(B, T, -1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attend(self.norm1(x))
        h = self.norm2(x)
        return x + self.down(F.silu(self.gate(h)) * self.up(h))


class Model(nn.Module):
    def __init__(
        self,
        vocab: int,
        d: int,
        heads: int,
        kv_heads: int,
        hidden: int,
        layers: int,
        window: int | None,
    ) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocab, d)
        self.blocks = nn.Sequential(
            *[Block(d, heads, kv_heads, hidden, window) for _ in range(layers)]
        )
        self.norm, self.head = nn.RMSNorm(d), nn.Linear(d, vocab, bias=False)

    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        return self.head(self.norm(self.blocks(self.embed(idx))))


def reference_logits(
    weights: dict[str, torch.Tensor],
    tokens: torch.Tensor,
    vocab: int,
    d: int,
    heads: int,
    kv_heads: int,
    hidden: int,
    layers: int,
    window: int | None,
) -> torch.Tensor:
    """The forward pass from the config and the published tensors alone, as a port would be.

    Written apart from the modules above: RoPE as 2x2 rotation matrices, grouped-query attention
    by broadcasting each K/V head over its group of query heads, an explicit masked softmax.
    """
    B, T = tokens.shape
    dh, group = d // heads, heads // kv_heads
    pos = torch.arange(T, device=tokens.device)
    angles = pos[:, None] * 10000.0 ** (-2 * torch.arange(dh // 2, device=tokens.device) / dh)
    cos, sin = angles.cos(), angles.sin()
    rotation = torch.stack([cos, -sin, sin, cos], -1).unflatten(-1, (2, 2))  # (T, dh/2, 2, 2)
    # Key j is visible from query i when 0 <= i - j < window.
    back = pos[:, None] - pos[None, :]
    visible = (back >= 0) & (back < (window if window is not None else T))

    def rms(x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + torch.finfo(x.dtype).eps) * w

    def rotate(x: torch.Tensor) -> torch.Tensor:  # each channel pair (j, j + dh/2) as a 2-vector
        pairs = torch.stack([x[..., : dh // 2], x[..., dh // 2 :]], dim=-1)
        turned = (rotation @ pairs.unsqueeze(-1)).squeeze(-1)
        return torch.cat([turned[..., 0], turned[..., 1]], dim=-1)

    x = weights["embed.weight"][tokens]
    for i in range(layers):
        w = {
            name.split(".", 2)[2]: t
            for name, t in weights.items()
            if name.startswith(f"blocks.{i}.")
        }
        h = rms(x, w["norm1.weight"])
        q = rotate((h @ w["q.weight"].T).view(B, T, kv_heads, group, dh).permute(0, 2, 3, 1, 4))
        k = rotate((h @ w["k.weight"].T).view(B, T, kv_heads, 1, dh).permute(0, 2, 3, 1, 4))
        v = (h @ w["v.weight"].T).view(B, T, kv_heads, 1, dh).permute(0, 2, 3, 1, 4)
        scores = (q @ k.transpose(-2, -1) / dh**0.5).masked_fill(~visible, float("-inf"))
        y = torch.softmax(scores, dim=-1) @ v  # (B, kv_heads, group, T, dh)
        x = x + y.permute(0, 3, 1, 2, 4).reshape(B, T, d) @ w["o.weight"].T
        h = rms(x, w["norm2.weight"])
        x = x + (F.silu(h @ w["gate.weight"].T) * (h @ w["up.weight"].T)) @ w["down.weight"].T
    return rms(x, weights["norm.weight"]) @ weights["head.weight"].T


def run(demo: Demo) -> None:
    torch.manual_seed(0)
    published = Model(**CONFIG).to(demo.device)
    tokens = demo.randint(CONFIG["vocab"], 2, 24, seed=1)
    weights = published.state_dict()

    # The published tensors and the config are all a port needs: an independent forward
    # pass written from them gives the model's logits. Both do the same float32 maths in a
    # different order (rotation matrices, broadcast GQA, explicit softmax): a few ulps of logits
    # of size ~1 on the CPU. On a GPU the matmul kernels may split the 32- and 88-long sums
    # differently: ~sqrt(88) * 1.2e-7 * |x| per layer, compounded over 2 layers; 1e-4 there.
    tol = 1e-4 if demo.on_gpu else 1e-5
    with torch.no_grad():
        logits = published(tokens)
        port = demo.close(
            "a forward pass written from config + published tensors reproduces the logits",
            reference_logits(weights, tokens, **CONFIG),
            logits,
            atol=tol,
        )
        # The architecture alone, without the weights, is a different model.
        torch.manual_seed(123)
        fresh = Model(**CONFIG).to(demo.device)
        port.broken(
            "from the config with freshly initialised weights it does not",
            reference_logits(fresh.state_dict(), tokens, **CONFIG),
        )
        fresh.load_state_dict(weights)
        demo.equal(
            "loaded into a rebuilt Model, the weights give the same logits",
            fresh(tokens),
            logits,
            illustration=True,
        )

    # The parameter count follows from the config alone: check the formula on the toy
    # model, then apply it to LLaMA-7B's published config.
    counts = {k: v for k, v in CONFIG.items() if k != "window"}
    demo.equal(
        "the formula counts the toy model's parameters",
        n_params(**counts),
        sum(p.numel() for p in published.parameters()),
    )
    llama_7b = n_params(vocab=32000, d=4096, heads=32, kv_heads=32, hidden=11008, layers=32)
    demo.between(
        "LLaMA-7B's config gives about 6.74 billion parameters", llama_7b / 1e9, 6.73, 6.75
    )

    # Grouped-query attention: 4 query heads over 2 K/V heads halves the KV cache, and
    # equals ordinary multi-head attention whose K/V projections repeat each head's weights.
    block = published.blocks[0]
    torch.manual_seed(1)
    mha = Block(32, 4, 4, 88, None).to(demo.device)
    shared = {n: w for n, w in block.state_dict().items() if n not in ("k.weight", "v.weight")}
    mha.load_state_dict(shared, strict=False)  # norms, q, o and the MLP carry over
    with torch.no_grad():
        for name in ("k", "v"):  # rows of K/V head j copied to query heads 2j and 2j+1
            w = getattr(block, name).weight.view(2, 8, 32).repeat_interleave(2, dim=0)
            getattr(mha, name).weight.copy_(w.reshape(32, 32))
        h = published.embed(tokens)
        demo.close("GQA equals MHA with each K/V head repeated", block(h), mha(h), atol=tol)
    demo.equal(
        "and its K/V projections are half the size",
        block.k.weight.numel() * 2,
        mha.k.weight.numel(),
        illustration=True,
    )

    # Sliding window of 4: position 23 only sees positions 20-23 in one layer, so
    # rewriting tokens 0-19 leaves its output untouched.
    changed = tokens.clone()
    changed[:, :20] = (changed[:, :20] + 1) % CONFIG["vocab"]
    torch.manual_seed(2)
    windowed = Block(32, 4, 2, 88, window=4).to(demo.device)
    windowed.load_state_dict(block.state_dict())
    with torch.no_grad():
        far = windowed(published.embed(changed))[:, -1]
        local = demo.close(
            "with a window of 4, tokens 0-19 do not reach position 23",
            far,
            windowed(h)[:, -1],
            atol=tol,
        )
        # Full causal attention sees every earlier token.
        local.broken(
            "without the window they do", block(published.embed(changed))[:, -1], block(h)[:, -1]
        )


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "leave the keys unrotated (RoPE on queries only)",
        "k = rope(self.k(h).view(B, T, self.kv_heads, self.dh).transpose(1, 2), pos)",
        "k = self.k(h).view(B, T, self.kv_heads, self.dh).transpose(1, 2)",
    ),
    (
        "GQA pairs query heads with the wrong K/V heads (repeat, not repeat_interleave)",
        "t.repeat_interleave(self.heads // self.kv_heads, dim=1)",
        "t.repeat(1, self.heads // self.kv_heads, 1, 1)",
    ),
    (
        "the sliding window lets in one key too many",
        "allowed = (back >= 0) & (back < (self.window or T))",
        "allowed = (back >= 0) & (back <= (self.window or T))",
    ),
]
