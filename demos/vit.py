"""Vision Transformer: images become patch tokens, and only position embeddings say where each was.

ViT cuts an image into P x P patches, flattens each, and projects it linearly to
a token; that is exactly a convolution with kernel and stride P. A transformer
encoder is blind to token order, so without position embeddings a ViT cannot
tell an image from a shuffle of its own patches.
"""

import torch
import torch.nn as nn

from demos.harness import Demo

CONCEPTS = ["vit"]


def patchify(img: torch.Tensor, p: int) -> torch.Tensor:
    """(B, C, H, W) -> (B, H/p * W/p, C*p*p), patches in row-major order."""
    b, c, h, w = img.shape
    x = img.reshape(b, c, h // p, p, w // p, p).permute(0, 2, 4, 1, 3, 5)
    return x.reshape(b, (h // p) * (w // p), c * p * p)


def unpatchify(tokens: torch.Tensor, p: int, c: int, h: int, w: int) -> torch.Tensor:
    b = tokens.shape[0]
    x = tokens.reshape(b, h // p, w // p, c, p, p).permute(0, 3, 1, 4, 2, 5)
    return x.reshape(b, c, h, w)


class TinyViT(nn.Module):
    def __init__(self, p: int = 4, c: int = 3, n: int = 16, d: int = 32) -> None:
        super().__init__()
        self.p = p
        self.embed = nn.Linear(c * p * p, d)
        self.cls = nn.Parameter(torch.randn(1, 1, d) * 0.02)
        self.pos = nn.Parameter(torch.randn(1, n + 1, d) * 0.02)
        layer = nn.TransformerEncoderLayer(d, 4, 64, dropout=0.0, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)

    def forward(self, tokens: torch.Tensor, use_pos: bool = True) -> torch.Tensor:
        x = torch.cat([self.cls.expand(len(tokens), -1, -1), self.embed(tokens)], 1)
        if use_pos:
            x = x + self.pos
        return self.encoder(x)[:, 0]  # the class token's output summarises the image


def run(demo: Demo) -> None:
    img = demo.randn(2, 3, 16, 16, seed=0)
    tokens = patchify(img, 4)
    # The shape follows from the reshape itself: shown, not claimed.
    demo.equal(
        "a 16x16 image in 4x4 patches gives (16/4)^2 = 16 tokens of 3*4*4",
        tokens.shape,
        (2, 16, 48),
        illustration=True,
    )
    inverse = demo.equal("unpatchify(patchify(x)) is x", unpatchify(tokens, 4, 3, 16, 16), img)
    # Negative control for the layout: reading the patches column-major scrambles the image.
    wrong = tokens.reshape(2, 4, 4, 48).transpose(1, 2).reshape(2, 16, 48)
    inverse.broken("unpatchify of column-major patches is not", unpatchify(wrong, 4, 3, 16, 16))

    # Patch embedding is a convolution whose kernel and stride both equal P.
    torch.manual_seed(0)
    conv = nn.Conv2d(3, 32, kernel_size=4, stride=4).to(demo.device)
    linear = nn.Linear(48, 32).to(demo.device)
    with torch.no_grad():
        linear.weight.copy_(conv.weight.reshape(32, 48))  # same (C, P, P) flattening
        linear.bias.copy_(conv.bias)
    conv_tokens = conv(img).flatten(2).transpose(1, 2)  # (B, 16, 32), row-major
    # On CUDA the runner turns TF32 off, but cuDNN may pick a convolution algorithm that
    # blocks or transforms the 48-long sums: float32 errors up to ~1e-4 relative on
    # tokens of size ~1, so 1e-3 there (untested).
    demo.close(
        "stride-4 conv equals patchify + linear",
        conv_tokens,
        linear(tokens),
        atol=1e-3 if demo.on_gpu else 1e-5,
    )

    # Shuffle the patches. Without position embeddings the encoder sees a set,
    # and the class token's output does not change at all.
    torch.manual_seed(1)
    vit = TinyViT().to(demo.device).eval()
    perm = torch.randperm(16, generator=demo.generator(2)).to(demo.device)
    shuffled = tokens[:, perm]
    # On CUDA (TF32 off) the encoder's fused eval path sums attention in another order
    # once the patches are shuffled: float32 ulps over 16-64 terms, ~1e-6 on O(1)
    # activations; 1e-3 there leaves room for kernel choice (untested).
    atol = 1e-3 if demo.on_gpu else 1e-5
    with torch.no_grad():
        blind = demo.close(
            "without position embeddings, shuffled patches give the same output",
            vit(shuffled, use_pos=False),
            vit(tokens, use_pos=False),
            atol=atol,
        )
        # Negative control: with position embeddings the shuffle is visible.
        blind.broken("with position embeddings they do not", vit(shuffled), vit(tokens))


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    ("forget to add the position embeddings", "x = x + self.pos", "x = x"),
    (
        "flatten each patch as (P, P, C) instead of (C, P, P)",
        "x = img.reshape(b, c, h // p, p, w // p, p).permute(0, 2, 4, 1, 3, 5)",
        "x = img.reshape(b, c, h // p, p, w // p, p).permute(0, 2, 4, 3, 5, 1)",
    ),
    (
        "list the patches column by column instead of row by row",
        "x = img.reshape(b, c, h // p, p, w // p, p).permute(0, 2, 4, 1, 3, 5)",
        "x = img.reshape(b, c, h // p, p, w // p, p).permute(0, 4, 2, 1, 3, 5)",
    ),
]
