"""The transformer block: x + Attention(LN(x)), then x + FFN(LN(x)), written out and checked.

Each block reads the residual stream through a LayerNorm, lets tokens exchange information
by multi-head attention, adds the result back, and then does the same with a per-token
two-layer MLP. Because the sublayers are added to x, a block whose output projections are
zero is exactly the identity, which is why deep pre-LN stacks start out easy to train.
"""

import torch
import torch.nn.functional as F
from torch import nn

from demos.harness import Demo

CONCEPTS = ["transformer-block"]


def pre_ln_block(x: torch.Tensor, layer: nn.TransformerEncoderLayer, heads: int) -> torch.Tensor:
    B, T, E = x.shape
    attn = layer.self_attn

    # Sublayer 1: multi-head self-attention on the normalised stream, added back.
    h = F.layer_norm(x, (E,), layer.norm1.weight, layer.norm1.bias, layer.norm1.eps)
    q, k, v = F.linear(h, attn.in_proj_weight, attn.in_proj_bias).chunk(3, dim=-1)
    q, k, v = (t.view(B, T, heads, E // heads).transpose(1, 2) for t in (q, k, v))
    mixed = torch.softmax(q @ k.transpose(-2, -1) / (E // heads) ** 0.5, dim=-1) @ v
    x = x + attn.out_proj(mixed.transpose(1, 2).reshape(B, T, E))

    # Sublayer 2: the same MLP applied to every token on its own, added back.
    h = F.layer_norm(x, (E,), layer.norm2.weight, layer.norm2.bias, layer.norm2.eps)
    return x + layer.linear2(F.relu(layer.linear1(h)))


def layer(E: int, heads: int, norm_first: bool = True) -> nn.TransformerEncoderLayer:
    return nn.TransformerEncoderLayer(
        E, heads, 4 * E, dropout=0.0, batch_first=True, norm_first=norm_first
    )


def run(demo: Demo) -> None:
    E, H = 32, 4
    torch.manual_seed(0)
    block = layer(E, H).to(demo.device).eval()
    x = demo.randn(2, 10, E, seed=0)
    # On the CPU the two paths differ only in summation order (~2e-7 measured). On a GPU
    # (untested) the eval-mode layer takes PyTorch's fused fast path: a fused encoder
    # kernel and memory-efficient attention that computes the softmax blockwise, reordering
    # every float32 sum through both sublayers; 1e-3 on outputs of size ~1 still sits
    # three orders below what the broken variants give (> 1).
    tol = 1e-3 if demo.on_gpu else 1e-5

    with torch.no_grad():
        same = demo.close(
            "hand-written pre-LN block equals TransformerEncoderLayer(norm_first=True)",
            pre_ln_block(x, block, H),
            block(x),
            atol=tol,
        )
        # The same weights in post-LN order (normalise after each residual add) are another
        # function, so the comparison can tell the two orders apart.
        post = layer(E, H, norm_first=False).to(demo.device).eval()
        post.load_state_dict(block.state_dict())
        same.broken("the same weights as a post-LN block do not", post(x))
        # No mask and no positions: shuffling the tokens only shuffles the outputs.
        perm = torch.randperm(10, generator=demo.generator(1)).to(demo.device)
        demo.close(
            "the block is permutation-equivariant",
            pre_ln_block(x[:, perm], block, H),
            pre_ln_block(x, block, H)[:, perm],
            atol=tol,
        )

    # 4E^2 + 4E for attention, 8E^2 + 5E for the 4E-wide MLP, 4E for two LayerNorms.
    counts = [sum(p.numel() for p in layer(e, H).parameters()) for e in (32, 64)]
    demo.equal(
        "parameters = 12E^2 + 13E for E = 32 and 64",
        counts,
        [12 * e * e + 13 * e for e in (32, 64)],
    )

    # Zero the two output projections: both sublayers add exactly zero to the stream.
    def zeroed(norm_first: bool) -> nn.TransformerEncoderLayer:
        torch.manual_seed(0)
        z = layer(E, H, norm_first).to(demo.device).eval()
        for lin in (z.self_attn.out_proj, z.linear2):
            nn.init.zeros_(lin.weight)
            nn.init.zeros_(lin.bias)
        return z

    with torch.no_grad():
        identity = demo.equal(
            "with zero output projections a pre-LN block is the identity",
            pre_ln_block(x, zeroed(True), H),
            x,
        )
        # Post-LN normalises after the residual add, so it is not.
        identity.broken("a post-LN block is not", zeroed(False)(x))


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "scale the scores by sqrt(E) instead of sqrt(d_head)",
        "/ (E // heads) ** 0.5",
        "/ E**0.5",
    ),
    (
        "add the sublayer to the normalised stream instead of the residual",
        "x = x + attn.out_proj(",
        "x = h + attn.out_proj(",
    ),
    (
        "feed the MLP the un-normalised stream",
        "return x + layer.linear2(F.relu(layer.linear1(h)))",
        "return x + layer.linear2(F.relu(layer.linear1(x)))",
    ),
]
