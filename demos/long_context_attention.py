"""Long-context attention: ALiBi, stretching RoPE (position interpolation, YaRN), sliding windows.

Three answers to "how does a model handle more tokens than it was trained on, affordably?"
ALiBi drops position embeddings and subtracts m_h * distance from each head's scores, so
attention fades with distance at a per-head rate and any length is defined. Position
interpolation divides RoPE positions by the extension factor s, so a 4x longer input only
uses rotation angles seen in training; YaRN interpolates only the slow (long-wavelength)
dimensions and leaves the fast ones, which already turned through every angle, untouched.
Sliding-window attention lets each token see only the last W tokens: the cache stops
growing at W, and stacked layers still reach L * (W - 1) + 1 tokens back.
"""

import math

import torch

from demos.harness import Demo

CONCEPTS = ["long-context-attention"]


# ALiBi -------------------------------------------------------------------------------


def alibi_slopes(heads: int) -> torch.Tensor:
    """The geometric slopes 2^(-8/H), 2^(-16/H), ..., 2^(-8): 1/2 ... 1/256 for 8 heads."""
    return 2.0 ** (-8.0 * torch.arange(1, heads + 1, dtype=torch.float64) / heads)


def alibi_attention(
    q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, start: int = 0, sign: float = -1.0
) -> torch.Tensor:
    """Causal attention (B, H, T, d) with ALiBi; tokens sit at positions start, start + 1, ...

    sign = -1 penalises distance (ALiBi); +1 is the sign slip that rewards it.
    """
    T, H = q.shape[-2], q.shape[-3]
    pos = torch.arange(start, start + T, device=q.device, dtype=q.dtype)
    distance = pos[:, None] - pos[None, :]  # i - j: how far back key j is from query i
    bias = sign * alibi_slopes(H).to(q)[:, None, None] * distance  # (H, T, T), linear
    scores = q @ k.transpose(-1, -2) / q.shape[-1] ** 0.5 + bias
    scores = scores.masked_fill(distance < 0, float("-inf"))  # causal
    return scores.softmax(-1) @ v


def sinusoidal(positions: torch.Tensor, d: int) -> torch.Tensor:
    freqs = 10000 ** (-torch.arange(0, d, 2, dtype=positions.dtype) / d)
    angles = positions[:, None] * freqs
    return torch.stack([angles.sin(), angles.cos()], -1).flatten(-2)


# Stretching RoPE ---------------------------------------------------------------------

TRAIN_LEN, SCALE, HEAD_DIM, BASE = 1024, 4, 64, 10000.0  # trained on 1024, extended to 4096
ALPHA, BETA = 1.0, 32.0  # YaRN's ramp: interpolate dims turning < 1 time, keep those > 32


def rope_freqs() -> torch.Tensor:
    """theta_i = base^(-2i/d): radians per position in each rotated pair of dimensions."""
    return BASE ** (-torch.arange(0, HEAD_DIM, 2, dtype=torch.float64) / HEAD_DIM)


def position_interpolation(freqs: torch.Tensor) -> torch.Tensor:
    """Positions divided by s, which is the same as every frequency divided by s."""
    return freqs / SCALE


def yarn_freqs(freqs: torch.Tensor) -> torch.Tensor:
    """NTK-by-parts (YaRN): interpolate by how many turns a dimension makes in TRAIN_LEN."""
    turns = TRAIN_LEN * freqs / (2 * math.pi)  # r = L / wavelength
    keep = ((turns - ALPHA) / (BETA - ALPHA)).clamp(0, 1)  # 0: interpolate, 1: keep as is
    return (1 - keep) * freqs / SCALE + keep * freqs


def unseen_angle_ratio(new: torch.Tensor, trained: torch.Tensor) -> torch.Tensor:
    """Over dimensions that never completed a turn in training, the largest angle reached at
    the extended length divided by the largest angle seen in training (> 1: unseen angles)."""
    slow = TRAIN_LEN * trained < 2 * math.pi
    longest = TRAIN_LEN * SCALE - 1
    return (longest * new[slow] / (TRAIN_LEN * trained[slow])).max()


# Sliding windows ---------------------------------------------------------------------


def window_mask(T: int, window: int | None, device: torch.device) -> torch.Tensor:
    """True where query i may see key j: j <= i, and within the last `window` tokens."""
    i, j = torch.arange(T, device=device)[:, None], torch.arange(T, device=device)[None, :]
    allowed = j <= i
    if window is not None:
        allowed = allowed & (j > i - window)
    return allowed


def windowed_stack(
    x: torch.Tensor, weights: list[torch.Tensor], window: int | None
) -> torch.Tensor:
    """Residual single-head attention layers, each limited to the last `window` tokens."""
    mask = window_mask(x.shape[-2], window, x.device)
    for w in weights:
        q, k, v = (x @ w).chunk(3, -1)
        scores = (q @ k.transpose(-1, -2) / q.shape[-1] ** 0.5).masked_fill(~mask, float("-inf"))
        x = x + scores.softmax(-1) @ v
    return x


def run(demo: Demo) -> None:
    B, H, T, d = 2, 8, 12, 16

    # ALiBi. Keys that all look alike leave only the bias: the last query's weights fall off
    # geometrically with distance, w(dist) = (1 - r) r^dist / (1 - r^T), r = exp(-m_h).
    q = demo.randn(B, H, T, d, seed=0)
    same_keys = demo.randn(B, H, 1, d, seed=1).expand(B, H, T, d)
    values = torch.eye(T, device=demo.device).expand(B, H, T, T)  # output row = the weights
    weights = alibi_attention(q, same_keys, values)[:, :, -1]  # (B, H, T), last query
    m = 0.5 ** torch.arange(1, H + 1, dtype=torch.float64)  # 1/2, 1/4, ..., 1/256 for H = 8
    r = torch.exp(-m).to(demo.device)[None, :, None]
    dist = torch.arange(T - 1, -1, -1, device=demo.device)  # key j is T-1-j back
    expected = ((1 - r) * r**dist / (1 - r**T)).float().expand(B, H, T)
    decays = demo.close(
        "with identical keys ALiBi weights decay as exp(-m_h * distance), m_h = 2^(-h)",
        weights,
        expected,
    )
    # A sign slip turns the recency penalty into a bonus for the oldest tokens.
    flipped = alibi_attention(q, same_keys, values, sign=1.0)[:, :, -1]
    decays.broken("the flipped-sign bias (older keys favoured) does not", flipped)

    # Only distances matter: the same tokens placed 1000 positions later attend identically,
    # which is what lets ALiBi run past its training length. Absolute embeddings do not.
    k, v = demo.randn(B, H, T, d, seed=2), demo.randn(B, H, T, d, seed=3)
    relative = demo.close(
        "ALiBi attention is unchanged when the whole window moves 1000 positions later",
        alibi_attention(q, k, v, start=1000),
        alibi_attention(q, k, v, start=0),
        atol=1e-5,
    )
    pe = sinusoidal(torch.arange(T, dtype=torch.float32), d).to(demo.device)
    pe_late = sinusoidal(torch.arange(1000, 1000 + T, dtype=torch.float32), d).to(demo.device)
    relative.broken(
        "sinusoidal absolute positions added to q and k do change",
        alibi_attention(q + pe_late, k + pe_late, v, start=1000),
        alibi_attention(q + pe, k + pe, v),
    )

    # Stretching RoPE to 4x its training length. Dimensions that never completed a turn in
    # training only ever saw angles up to TRAIN_LEN * theta; going past that is extrapolation.
    freqs = rope_freqs()
    within = demo.at_most(
        "position interpolation keeps every slow dimension within its trained angles at 4x",
        unseen_angle_ratio(position_interpolation(freqs), freqs),
        1.0,
    )
    within.broken(
        "plain RoPE at 4x length reaches angles 4x beyond", unseen_angle_ratio(freqs, freqs)
    )
    demo.at_most("so does YaRN (NTK-by-parts)", unseen_angle_ratio(yarn_freqs(freqs), freqs), 1.0)
    # The fast dimensions turned through every angle many times in training: YaRN leaves them
    # alone, so neighbouring tokens stay as distinguishable as before; interpolation slows
    # them s-fold, blurring local order.
    fast = TRAIN_LEN * freqs / (2 * math.pi) >= BETA
    kept = demo.close(
        "YaRN leaves the fast dimensions' frequencies exactly as trained",
        yarn_freqs(freqs)[fast],
        freqs[fast],
    )
    kept.broken("position interpolation divides them by 4", position_interpolation(freqs)[fast])

    # Sliding windows. One token's output ignores everything older than its window.
    Tw, window, layers, dw = 24, 4, 3, 8
    x = demo.randn(1, Tw, dw, seed=4)
    ws = [demo.randn(dw, 3 * dw, seed=10 + i) / dw**0.5 for i in range(layers)]
    early_changed = x.clone()
    early_changed[:, :8] = demo.randn(1, 8, dw, seed=5)  # rewrite tokens 0-7
    local = demo.close(
        "with W = 4, one layer's output at the last token ignores tokens 0-7",
        windowed_stack(early_changed, ws[:1], window)[:, -1],
        windowed_stack(x, ws[:1], window)[:, -1],
    )
    local.broken(
        "full causal attention does not",
        windowed_stack(early_changed, ws[:1], None)[:, -1],
        windowed_stack(x, ws[:1], None)[:, -1],
    )

    # Stacked windows reach further: each layer adds W - 1 tokens of reach, as gradients show.
    xg = x.clone().requires_grad_(True)
    windowed_stack(xg, ws, window)[0, -1].sum().backward()
    reach = int((xg.grad[0].abs().sum(-1) > 0).sum())
    demo.equal(
        "3 stacked layers with W = 4 see exactly 3 * (4 - 1) + 1 = 10 tokens back",
        reach,
        layers * (window - 1) + 1,
    )


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "ALiBi slopes off by a factor: 2^(-h/H) instead of 2^(-8h/H)",
        "2.0 ** (-8.0 * torch.arange(1, heads + 1, dtype=torch.float64) / heads)",
        "2.0 ** (-1.0 * torch.arange(1, heads + 1, dtype=torch.float64) / heads)",
    ),
    (
        "YaRN's ramp reversed: interpolate the fast dimensions, keep the slow ones",
        "return (1 - keep) * freqs / SCALE + keep * freqs",
        "return keep * freqs / SCALE + (1 - keep) * freqs",
    ),
    (
        "the window lets in one token too many",
        "allowed = allowed & (j > i - window)",
        "allowed = allowed & (j >= i - window)",
    ),
]
