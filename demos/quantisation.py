"""Quantisation: absmax INT8 rounds each weight to within half a step, and finer scales cut error.

Symmetric absmax quantisation maps [-max|w|, max|w|] onto the integers -127..127 with one
scale, so every element lands within scale/2 of its true value and takes a quarter of
float32's bytes. One scale must cover the largest value it serves: a single outlier
stretches the step for everyone, which is why per-channel and per-group scales (and
outlier handling such as LLM.int8()) matter.
"""

import torch

from demos.harness import Demo

CONCEPTS = ["quantisation"]


def absmax_quantise(
    w: torch.Tensor, dim: int | None = None, bits: int = 8
) -> tuple[torch.Tensor, torch.Tensor]:
    """Integers and scale(s): one scale for the tensor (dim=None) or one per slice along dim."""
    qmax = 2 ** (bits - 1) - 1
    amax = w.abs().amax() if dim is None else w.abs().amax(dim=dim, keepdim=True)
    scale = amax / qmax
    return torch.round(w / scale).clamp(-qmax, qmax).to(torch.int8), scale


def dequantise(q: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    return q.float() * scale


def mse(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return (a - b).pow(2).mean()


def run(demo: Demo) -> None:
    # Output channels of a real layer differ in size: give rows spreads from 0.05 to 5.
    row_size = torch.logspace(-1.3, 0.7, 64, device=demo.device)[:, None]
    w = demo.randn(64, 256, seed=0) * row_size

    # Rounding to the nearest step is what bounds the error by half a step; the slack 1.001
    # covers float32's own rounding of w / scale (a few ulps of numbers up to 127).
    q, scale = absmax_quantise(w)
    err = (w - dequantise(q, scale)).abs()
    rounded = demo.at_most(
        "per-tensor INT8: every error is at most scale/2", err.max() / (scale / 2), 1.001
    )
    # Casting w / scale straight to int8 truncates towards zero: errors up to a whole step.
    truncated = (w / scale).to(torch.int8)
    rounded.broken(
        "truncating instead of rounding does not keep it",
        (w - dequantise(truncated, scale)).abs().max() / (scale / 2),
    )

    # One scale per output channel adapts to each row's own range, for 64 extra floats.
    q_row, scale_row = absmax_quantise(w, dim=1)
    stored = q_row.numel() * q_row.element_size() + scale_row.numel() * scale_row.element_size()
    demo.close(
        "INT8 weights plus per-channel scales take about a quarter of float32's bytes",
        stored / (w.numel() * 4),
        0.25,
        atol=0.01,
    )
    per_tensor, per_channel = mse(w, dequantise(q, scale)), mse(w, dequantise(q_row, scale_row))
    demo.at_least("per-channel scales cut the squared error over 4x", per_tensor / per_channel, 4.0)

    # An INT8 x INT8 matmul: quantise activations per token and weights per channel,
    # multiply the integers (exact in float32 here: sums stay far below 2^24) and rescale.
    x = demo.randn(32, 256, seed=1)
    q_x, scale_x = absmax_quantise(x, dim=1)
    y_int8 = (q_x.float() @ q_row.float().T) * scale_x * scale_row.T
    y = x @ w.T
    demo.at_most(
        "INT8 matmul is within 2% of float32 (relative Frobenius error)",
        torch.linalg.norm(y_int8 - y) / torch.linalg.norm(y),
        0.02,
    )

    # 4 bits leave only -7..7: scales per group of 32 weights beat one per channel.
    q4, s4 = absmax_quantise(w, dim=1, bits=4)
    groups = w.reshape(64, 8, 32)
    q4g, s4g = absmax_quantise(groups, dim=2, bits=4)
    demo.at_least(
        "INT4 with per-group (32) scales beats per-channel scales by over 1.25x in MSE",
        mse(w, dequantise(q4, s4)) / mse(groups, dequantise(q4g, s4g)),
        1.25,
    )

    # Plant one outlier of 100 in row 0. With a scale per channel it stretches row 0's step
    # only; the other 63 rows quantise exactly as before.
    w_out = w.clone()
    w_out[0, 0] = 100.0
    others = torch.ones_like(w, dtype=torch.bool)
    others[0] = False

    def others_mse_growth(dim: int | None) -> torch.Tensor:
        """The other rows' squared error with the outlier, over theirs without it."""
        with_outlier = mse(w_out[others], dequantise(*absmax_quantise(w_out, dim))[others])
        return with_outlier / mse(w[others], dequantise(*absmax_quantise(w, dim))[others])

    confined = demo.at_most(
        "per-channel: one outlier leaves the other rows' MSE within 2x of before",
        others_mse_growth(dim=1),
        2.0,
    )
    # With one scale for the whole tensor the outlier sets everyone's step, 20x larger.
    confined.broken("per-tensor: it does not", others_mse_growth(dim=None))


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    ("truncate instead of rounding", "torch.round(w / scale)", "torch.trunc(w / scale)"),
    (
        "use the unsigned range 255 for a signed int8 (it wraps)",
        "qmax = 2 ** (bits - 1) - 1",
        "qmax = 2**bits - 1",
    ),
    (
        "rescale the integer matmul without the activations' scales",
        "* scale_x * scale_row.T",
        "* scale_row.T",
    ),
]
