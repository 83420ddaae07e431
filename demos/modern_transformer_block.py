"""The modern transformer block: pre-norm, RMSNorm and a SwiGLU feed-forward.

Since GPT-2 and LLaMA, most decoders differ from the 2017 block in three ways. The
normalisation moves in front of each sublayer (pre-norm), so the residual stream itself
is never normalised and carries an identity path from the loss to every layer. LayerNorm
becomes RMSNorm: divide by the root mean square, no mean subtracted, no bias. And the
feed-forward network becomes SwiGLU: silu(x W1) * (x W3), projected back by W2, with the
hidden width cut to 8/3 d so its three matrices cost what the classic 4d MLP's two did.
"""

import torch
import torch.nn.functional as F
from torch import nn

from demos.harness import Demo

CONCEPTS = ["modern-transformer-block"]

D, H, T, B, L = 48, 4, 8, 2, 6  # width (divisible by 3), heads, tokens, batch, blocks
EPS = 1e-6


def rms_norm(x: torch.Tensor, weight: torch.Tensor, dim: int = -1) -> torch.Tensor:
    """x / sqrt(mean(x^2) + eps), per token, then a learned gain. No mean, no bias."""
    return x * torch.rsqrt(x.pow(2).mean(dim, keepdim=True) + EPS) * weight


class RMSNorm(nn.Module):
    def __init__(self, d: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return rms_norm(x, self.weight)


class SwiGLU(nn.Module):
    """Gated feed-forward: W2(silu(W1 x) * W3 x), hidden width 8/3 d, no biases."""

    def __init__(self, d: int) -> None:
        super().__init__()
        hidden = 8 * d // 3
        self.w1, self.w3 = nn.Linear(d, hidden, bias=False), nn.Linear(d, hidden, bias=False)
        self.w2 = nn.Linear(hidden, d, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.w2(F.silu(self.w1(x)) * self.w3(x))


class Block(nn.Module):
    def __init__(self, d: int, pre_norm: bool = True) -> None:
        super().__init__()
        self.pre_norm = pre_norm
        self.norm1, self.norm2 = RMSNorm(d), RMSNorm(d)
        self.qkv, self.wo = nn.Linear(d, 3 * d, bias=False), nn.Linear(d, d, bias=False)
        self.mlp = SwiGLU(d)

    def attend(self, x: torch.Tensor) -> torch.Tensor:
        q, k, v = (t.unflatten(-1, (H, D // H)).transpose(1, 2) for t in self.qkv(x).chunk(3, -1))
        return self.wo(
            F.scaled_dot_product_attention(q, k, v, is_causal=True).transpose(1, 2).flatten(-2)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.pre_norm:  # normalise a copy going into each sublayer; the stream stays raw
            x = x + self.attend(self.norm1(x))
            return x + self.mlp(self.norm2(x))
        x = self.norm1(x + self.attend(x))  # post-norm (2017): the stream itself is normalised
        return self.norm2(x + self.mlp(x))


def stack(pre_norm: bool, seed: int, device: torch.device) -> nn.Sequential:
    """L blocks whose output projections start at zero, as many recipes initialise them."""
    torch.manual_seed(seed)
    model = nn.Sequential(*(Block(D, pre_norm) for _ in range(L))).to(device)
    with torch.no_grad():
        for block in model:
            block.wo.weight.zero_()
            block.mlp.w2.weight.zero_()
    return model


def input_gradient(model: nn.Module, x: torch.Tensor, g: torch.Tensor) -> torch.Tensor:
    x = x.clone().requires_grad_(True)
    model(x).backward(g)
    return x.grad


def run(demo: Demo) -> None:
    x = 3.0 * demo.randn(B, T, D, seed=0) + 0.5  # not normalised: scale 3, offset 0.5

    # RMSNorm: the hand-written one is PyTorch's, and every token comes out with RMS 1.
    ones = torch.ones(D, device=demo.device)
    ours = rms_norm(x, ones)
    torch_norm = nn.RMSNorm(D, eps=EPS).to(demo.device)
    demo.close("hand-written RMSNorm equals nn.RMSNorm", ours, torch_norm(x).detach())
    rms = ours.pow(2).mean(-1).sqrt()
    demo.close("every token's RMSNorm output has root mean square 1", rms, torch.ones_like(rms))

    # Invariance: multiplying each token by its own positive factor changes nothing.
    scale = 0.1 + 10 * demo.rand(B, T, 1, seed=1)
    invariant = demo.close(
        "RMSNorm(c_t x_t) = RMSNorm(x_t) for a different factor c_t per token",
        rms_norm(scale * x, ones),
        ours,
        atol=1e-5,
    )
    # Normalising over the wrong axis (across tokens) mixes tokens' scales together.
    per_token_gain = torch.ones(T, 1, device=demo.device)
    invariant.broken(
        "normalising over the token axis instead of the features does not",
        rms_norm(scale * x, per_token_gain, dim=1),
        rms_norm(x, per_token_gain, dim=1),
    )

    # Pre-norm keeps an identity path: with zero-initialised output projections every
    # block adds exactly 0, so the stack is the identity and the gradient reaching the input
    # is the gradient at the output, however deep. Post-norm normalises the stream itself
    # L times, so neither holds.
    g = demo.randn(B, T, D, seed=2)
    pre = stack(pre_norm=True, seed=3, device=demo.device)
    demo.close("a zero-initialised pre-norm stack is the identity", pre(x).detach(), x)
    path = demo.close(
        f"through {L} pre-norm blocks the input gradient equals the output gradient",
        input_gradient(pre, x, g),
        g,
    )
    post = stack(pre_norm=False, seed=3, device=demo.device)
    path.broken("through post-norm blocks it does not", input_gradient(post, x, g))

    # SwiGLU at hidden width 8/3 d has the parameters of the 4d GELU MLP: 3 * d * 8d/3 = 8 d^2.
    def count(module: nn.Module) -> int:
        return sum(p.numel() for p in module.parameters())

    classic = nn.Sequential(
        nn.Linear(D, 4 * D, bias=False), nn.GELU(), nn.Linear(4 * D, D, bias=False)
    )
    matched = demo.equal(
        "SwiGLU with hidden 8/3 d has as many parameters as the 4d MLP (8 d^2)",
        count(SwiGLU(D)),
        count(classic),
    )
    wide = SwiGLU(D)
    wide.w1, wide.w3 = nn.Linear(D, 4 * D, bias=False), nn.Linear(D, 4 * D, bias=False)
    wide.w2 = nn.Linear(4 * D, D, bias=False)
    matched.broken("SwiGLU kept at hidden 4d has 1.5 times as many", count(wide))


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "divide by the mean square instead of its square root",
        "x * torch.rsqrt(x.pow(2).mean(dim, keepdim=True) + EPS) * weight",
        "x / (x.pow(2).mean(dim, keepdim=True) + EPS) * weight",
    ),
    (
        "normalise the residual stream itself (post-norm) in the pre-norm branch",
        "x = x + self.attend(self.norm1(x))",
        "x = self.norm1(x + self.attend(x))",
    ),
    (
        "keep the classic 4d hidden width in SwiGLU",
        "hidden = 8 * d // 3",
        "hidden = 4 * d",
    ),
]
