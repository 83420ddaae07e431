"""RoPE: rotate each pair of query/key dimensions by an angle proportional to the position.

Position m turns pair i of a vector, dimensions (2i, 2i + 1), through the angle m * theta_i
with theta_i = 10000^(-2i/d). Rotations keep lengths, and the dot product of two rotated
vectors sees only the difference of their angles, so the attention score between positions
m and n depends on m - n alone, with nothing added to the embeddings. Adding absolute
position vectors, by contrast, leaves the absolute positions in.
"""

import torch

from demos.harness import Demo

CONCEPTS = ["rope"]


def angles(positions: torch.Tensor, d: int, base: float = 10000.0) -> torch.Tensor:
    theta = base ** (-torch.arange(0, d, 2, dtype=torch.float64, device=positions.device) / d)
    return positions[:, None].double() * theta  # (P, d/2): one angle per position and pair


def rope(x: torch.Tensor, positions: torch.Tensor) -> torch.Tensor:
    # Real form on the pairs (x0, x1) = (x[2i], x[2i + 1]): rotate each counter-clockwise.
    a = angles(positions, x.shape[-1])
    x0, x1 = x[..., 0::2], x[..., 1::2]
    return torch.stack([x0 * a.cos() - x1 * a.sin(), x0 * a.sin() + x1 * a.cos()], -1).flatten(-2)


def rope_complex(x: torch.Tensor, positions: torch.Tensor) -> torch.Tensor:
    # The same thing as complex multiplication by e^{i m theta}, pair i read as x[2i] + i x[2i+1].
    z = torch.view_as_complex(x.reshape(*x.shape[:-1], -1, 2).contiguous())
    a = angles(positions, x.shape[-1])
    return torch.view_as_real(z * torch.polar(torch.ones_like(a), a)).flatten(-2)


def run(demo: Demo) -> None:
    # The worked numbers: with d = 8 the four pairs turn at 10000^(-2i/8) = 1, 0.1, 0.01
    # and 0.001 radians per position, from the fastest pair to the slowest.
    one = torch.ones(1, device=demo.device)
    freqs = demo.close(
        "theta_i = 10000^(-2i/d) for d = 8 is [1, 0.1, 0.01, 0.001]",
        angles(one, 8)[0],
        demo.tensor([1.0, 0.1, 0.01, 0.001], dtype=torch.float64),
    )
    freqs.broken("with base 1000 the slow pairs turn too fast", angles(one, 8, base=1000.0)[0])

    # The unit vector (1, 0) in every pair, at position 1, lands on (cos theta_i, sin theta_i):
    # cos and sin of 1, 0.1, 0.01 and 0.001 radians, to 10 decimals.
    turned = [0.5403023059, 0.8414709848, 0.9950041653, 0.0998334166,
              0.9999500004, 0.0099998333, 0.9999995000, 0.0009999998]  # fmt: skip
    unit = demo.tensor([1.0, 0.0] * 4, dtype=torch.float64)
    demo.close(
        "RoPE at position 1 turns each (1, 0) pair to (cos theta_i, sin theta_i)",
        rope(unit[None], one)[0],
        demo.tensor(turned, dtype=torch.float64),
        atol=1e-9,  # the literals are rounded to 10 decimals
        rtol=0.0,
    )

    d = 32
    q = demo.randn(d, seed=0, dtype=torch.float64)
    k = demo.randn(d, seed=1, dtype=torch.float64)
    m = torch.arange(3, 64, device=demo.device)  # query positions; keys sit 3 places earlier

    qm = rope(q.expand(len(m), d), m)
    kn = rope(k.expand(len(m), d), m - 3)
    demo.close("the complex form gives the same rotation", qm, rope_complex(q.expand(len(m), d), m))
    demo.close("rotation keeps every vector's norm", qm.norm(dim=-1), q.norm().expand(len(m)))

    # Same offset, 61 different absolute positions: one score.
    scores = (qm * kn).sum(-1)
    relative = demo.close(
        "q.k after RoPE depends only on m - n (to 1e-9)",
        scores,
        scores[0].expand(len(m)),
        atol=1e-9,
        rtol=0.0,
    )

    # Adding absolute position vectors (sinusoids) instead of rotating keeps the positions.
    def absolute(x: torch.Tensor, positions: torch.Tensor) -> torch.Tensor:
        a = angles(positions, d)
        return x + torch.stack([a.sin(), a.cos()], -1).flatten(-2)

    added = (absolute(q.expand(len(m), d), m) * absolute(k.expand(len(m), d), m - 3)).sum(-1)
    relative.broken("with added absolute embeddings the score moves with m", added)

    # The score written out per pair, from the offset alone: with pairs q = (a, b), k = (c, e)
    # and phi_i = (m - n) theta_i, the rotated dot product is (ac + be) cos phi - (bc - ae) sin phi.
    # The frequencies are recomputed here from the formula, not taken from angles().
    m_pos = demo.randint(512, 40, seed=2)
    n_pos = demo.randint(512, 40, seed=3)
    theta = demo.tensor([10000.0 ** (-2 * i / d) for i in range(d // 2)], dtype=torch.float64)
    phi = (m_pos - n_pos)[:, None].double() * theta
    a, b, c, e = q[0::2], q[1::2], k[0::2], k[1::2]
    by_offset = ((a * c + b * e) * phi.cos() - (b * c - a * e) * phi.sin()).sum(-1)

    def rope_scores(qpos: torch.Tensor, kpos: torch.Tensor) -> torch.Tensor:
        return (rope(q.expand(40, d), qpos) * rope(k.expand(40, d), kpos)).sum(-1)

    pairwise = demo.close(
        "at 40 random (m, n) the score equals the per-pair formula in m - n",
        rope_scores(m_pos, n_pos),
        by_offset,
        atol=1e-9,
        rtol=0.0,
    )
    # Turning clockwise instead (angle -m theta) is still a rotation and still relative,
    # but it sees n - m: the sign of the offset is part of what RoPE encodes.
    pairwise.broken("rotating the other way gives the score for n - m", rope_scores(-m_pos, -n_pos))


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "base 1000 instead of 10000",
        "base: float = 10000.0",
        "base: float = 1000.0",
    ),
    (
        "pair dimension i with i + d/2 (half split) on input but interleave on output",
        "x0, x1 = x[..., 0::2], x[..., 1::2]",
        "x0, x1 = x[..., : x.shape[-1] // 2], x[..., x.shape[-1] // 2 :]",
    ),
    (
        "sign flip: rotate clockwise",
        "[x0 * a.cos() - x1 * a.sin(), x0 * a.sin() + x1 * a.cos()]",
        "[x0 * a.cos() + x1 * a.sin(), -x0 * a.sin() + x1 * a.cos()]",
    ),
]
