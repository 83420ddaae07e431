"""Convolutions: one small filter slid over the image, equal to unfold + matmul, shift-equivariant.

A convolution applies the same few weights at every position, so it has a tiny
parameter count and a shifted input gives a shifted output. Each output sees only
a local patch; stacking layers widens that patch, three 3x3 layers reaching 7x7.
"""

import torch
import torch.nn.functional as F
from torch import nn

from demos.harness import Demo

CONCEPTS = ["cnn"]


def run(demo: Demo) -> None:
    # On a GPU the runner turns TF32 off, but cuDNN may still pick an FFT or Winograd
    # algorithm, whose transforms round differently from a direct 27-term sum: float32
    # errors up to ~1e-4 relative on outputs of size ~5, so 1e-3 there (untested).
    tol = 1e-3 if demo.on_gpu else 1e-5
    x = demo.randn(2, 3, 8, 8, seed=0)
    weight, bias = demo.randn(4, 3, 3, 3, seed=1), demo.randn(4, seed=2)

    # A convolution is a matrix multiply over unfolded patches: every 3x3x3 patch
    # becomes a column of 27 numbers, and all positions share the same (4, 27) weights.
    patches = F.unfold(x, kernel_size=3, padding=1)  # (2, 27, 64)
    as_matmul = (weight.view(4, -1) @ patches + bias[:, None]).view(2, 4, 8, 8)
    conv = demo.close(
        "conv2d equals unfold + matmul",
        F.conv2d(x, weight, bias, padding=1),
        as_matmul,
        atol=tol,
    )
    # "Convolution" in deep learning is cross-correlation: the kernel is not flipped.
    flipped = (weight.flip(-2, -1).reshape(4, -1) @ patches + bias[:, None]).view(2, 4, 8, 8)
    conv.broken("the textbook flipped-kernel convolution is not what conv2d computes", flipped)

    # Weight sharing: the layer's size depends on the filter, not on the image.
    torch.manual_seed(0)
    conv = nn.Conv2d(3, 16, 3, padding=1, padding_mode="circular").to(demo.device)
    demo.equal(
        "a 3->16 3x3 conv has 16 * 27 + 16 = 448 parameters",
        sum(p.numel() for p in conv.parameters()),
        448,
    )

    # Translation equivariance: shifting the input shifts the output the same way.
    # With circular padding the image wraps around, so it holds exactly everywhere.
    image = demo.randn(1, 3, 16, 16, seed=3)

    def shift(t: torch.Tensor) -> torch.Tensor:
        return torch.roll(t, shifts=(2, 5), dims=(2, 3))

    with torch.no_grad():
        equivariant = demo.close(
            "conv(shift(x)) = shift(conv(x)) with circular padding",
            conv(shift(image)),
            shift(conv(image)),
            atol=tol,
        )
        # With zero padding the borders see different neighbours after the shift.
        zero_pad = nn.Conv2d(3, 16, 3, padding=1).to(demo.device)
        zero_pad.load_state_dict(conv.state_dict())
        equivariant.broken(
            "with zero padding the border outputs differ",
            zero_pad(shift(image)),
            shift(zero_pad(image)),
        )

    # Receptive field: which input pixels does one output of three stacked 3x3 convs
    # depend on? Ask the gradient: its non-zero entries form a 7x7 square.
    def field(layers: int) -> tuple[list[int], int]:
        torch.manual_seed(1)
        stack = nn.Sequential(*[nn.Conv2d(1, 1, 3, padding=1) for _ in range(layers)])
        pixels = demo.randn(1, 1, 15, 15, seed=4).requires_grad_()
        stack.to(demo.device)(pixels)[0, 0, 7, 7].backward()
        seen = pixels.grad[0, 0] != 0
        rows, cols = seen.any(1).nonzero(), seen.any(0).nonzero()
        extent = [int(rows.max() - rows.min() + 1), int(cols.max() - cols.min() + 1)]
        return extent, int(seen.sum())

    extent, count = field(3)
    seven = demo.equal("three stacked 3x3 convs see a 7x7 patch", extent, [7, 7])
    seven.broken("two of them see only 5x5", field(2)[0])
    demo.equal("and every one of its 49 pixels matters", count, 49)


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "unfold's patch order does not match the weight's (kernel flipped)",
        "weight.view(4, -1) @ patches",
        "weight.flip(-2, -1).reshape(4, -1) @ patches",
    ),
    ("zero padding instead of circular", 'padding_mode="circular"', 'padding_mode="zeros"'),
    (
        "give every output a 1x1 receptive field",
        "nn.Conv2d(1, 1, 3, padding=1) for _ in range(layers)",
        "nn.Conv2d(1, 1, 1) for _ in range(layers)",
    ),
]
