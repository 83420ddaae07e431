"""RoPE: rotate each pair of query/key dimensions by an angle proportional to the position.

Position m turns pair i of a vector through the angle m * theta_i. Rotations keep lengths,
and the dot product of two rotated vectors sees only the difference of their angles, so the
attention score between positions m and n depends on m - n alone, with nothing added to the
embeddings. Adding absolute position vectors, by contrast, leaves the absolute positions in.
"""

import torch

from demos.harness import Demo

CONCEPTS = ["rope"]


def angles(positions: torch.Tensor, d: int, base: float = 10000.0) -> torch.Tensor:
    theta = base ** (-torch.arange(0, d, 2, dtype=torch.float64, device=positions.device) / d)
    return positions[:, None].double() * theta  # (P, d/2): one angle per position and pair


def rope(x: torch.Tensor, positions: torch.Tensor) -> torch.Tensor:
    # Real form on pairs (x0, x1): (x0 cos - x1 sin, x0 sin + x1 cos).
    a = angles(positions, x.shape[-1])
    x0, x1 = x[..., 0::2], x[..., 1::2]
    return torch.stack([x0 * a.cos() - x1 * a.sin(), x0 * a.sin() + x1 * a.cos()], -1).flatten(-2)


def rope_complex(x: torch.Tensor, positions: torch.Tensor) -> torch.Tensor:
    # The same thing as complex multiplication by e^{i m theta}.
    z = torch.view_as_complex(x.reshape(*x.shape[:-1], -1, 2).contiguous())
    a = angles(positions, x.shape[-1])
    return torch.view_as_real(z * torch.polar(torch.ones_like(a), a)).flatten(-2)


def run(demo: Demo) -> None:
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
    demo.close(
        "q.k after RoPE depends only on m - n (to 1e-9)",
        scores,
        scores[0].expand(len(m)),
        atol=1e-9,
        rtol=0.0,
    )
    same = (rope(q[None], m[:1]) * rope(k[None], m[:1])).sum()
    demo.close("at offset 0 the score is the plain q.k", same, q @ k)

    # Negative control: add absolute position vectors (sinusoids) instead of rotating.
    def absolute(x: torch.Tensor, positions: torch.Tensor) -> torch.Tensor:
        a = angles(positions, d)
        return x + torch.stack([a.sin(), a.cos()], -1).flatten(-2)

    added = (absolute(q.expand(len(m), d), m) * absolute(k.expand(len(m), d), m - 3)).sum(-1)
    demo.close(
        "with added absolute embeddings the score also depends only on m - n",
        added,
        added[0].expand(len(m)),
        atol=1e-9,
        rtol=0.0,
        negative=True,
    )
