"""FlashAttention: tiled attention with an online softmax is exact, without the T x T score matrix.

Textbook attention writes a T x T score matrix to memory, reads it back for the
softmax, and again for the weighted sum: the cost is memory traffic, not arithmetic.
Processing keys in blocks while carrying a running max and running sum per query gives
the same answer with only one small tile of scores alive at a time, so memory grows
linearly with T; in a causal model, tiles entirely above the diagonal can be skipped.
"""

import math

import torch
import torch.nn.functional as F

from demos.harness import Demo

CONCEPTS = ["flash-attention"]


def tiled_attention(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    block: int,
    causal: bool = False,
    rescale: bool = True,
) -> tuple[torch.Tensor, int, int]:
    """Online-softmax attention; returns the output, the largest score tile and tiles computed."""
    T, d = q.shape[-2], q.shape[-1]
    out = torch.empty_like(q)
    largest, tiles = 0, 0
    for qs in range(0, T, block):
        qb = q[..., qs : qs + block, :] / math.sqrt(d)
        m = torch.full(qb.shape[:-1], -math.inf, device=q.device, dtype=q.dtype)  # running max
        l = torch.zeros_like(m)  # noqa: E741  running sum of exp(score - m)
        acc = torch.zeros_like(qb)  # running sum of exp(score - m) * v
        for ks in range(0, T, block):
            if causal and ks > qs + block - 1:
                break  # this key tile lies wholly in the future of every query in the block
            s = qb @ k[..., ks : ks + block, :].transpose(-2, -1)
            if causal:
                rows = torch.arange(qs, qs + s.shape[-2], device=q.device)[:, None]
                cols = torch.arange(ks, ks + s.shape[-1], device=q.device)[None, :]
                s = s.masked_fill(cols > rows, -math.inf)
            largest, tiles = max(largest, s.numel() // (s.shape[0] * s.shape[1])), tiles + 1
            m_new = torch.maximum(m, s.amax(-1))
            # When the max grows, everything summed so far was measured against the old
            # max and must shrink by exp(m_old - m_new). Skipping that is the classic bug.
            correction = torch.exp(m - m_new) if rescale else torch.ones_like(m)
            p = torch.exp(s - m_new[..., None])
            l = correction * l + p.sum(-1)  # noqa: E741
            acc = correction[..., None] * acc + p @ v[..., ks : ks + block, :]
            m = m_new
        out[..., qs : qs + block, :] = acc / l[..., None]
    return out, largest, tiles


def run(demo: Demo) -> None:
    B, H, T, d, block = 2, 2, 128, 32, 16
    q, k, v = (demo.randn(B, H, T, d, seed=s) for s in range(3))
    # Spread the scores so the running max really moves from tile to tile.
    q = q * 3
    # float32 throughout. On the CPU the tiled loop and the references differ only in the
    # order of their sums: ~1e-6 on outputs of size ~1, under 2e-5. On a GPU the fused
    # scaled_dot_product_attention kernel (TF32 off, see the runner) still blocks its sums
    # and rescales its running softmax in its own order, on scores of size ~10 after the
    # x3 spread: ~1e-5; 1e-3 leaves room for the kernel PyTorch picks (untested).
    tol = 1e-3 if demo.on_gpu else 2e-5

    # Two independent references: attention written out with the full T x T matrix, and
    # PyTorch's kernel. Neither shares a line with the tiled version.
    naive = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(d), dim=-1) @ v
    tiled, largest, tiles = tiled_attention(q, k, v, block)
    demo.close("tiled online-softmax attention equals naive attention", tiled, naive, atol=tol)
    exact = demo.close(
        "and equals F.scaled_dot_product_attention",
        tiled,
        F.scaled_dot_product_attention(q, k, v),
        atol=tol,
    )
    # The classic bug: forget to rescale the running sums when the max changes.
    broken, _, _ = tiled_attention(q, k, v, block, rescale=False)
    exact.broken("without the exp(m_old - m_new) correction it does not", broken)

    # Only a block x block tile of scores ever exists: 256 numbers per head, 1/64 of T x T.
    # The loop slices block-sized tiles by construction, so this is shown, not claimed.
    demo.equal(
        "the largest score tile held has block^2 entries",
        largest,
        block * block,
        illustration=True,
    )
    n = T // block
    demo.equal("all n^2 tiles are computed without a mask", tiles, n * n, illustration=True)

    # Causal: skipping tiles above the diagonal still gives masked attention exactly,
    # and the work falls from n^2 tiles to n(n+1)/2 with n = T / block.
    causal, _, causal_tiles = tiled_attention(q, k, v, block, causal=True)
    demo.close(
        "causal tiled attention with block skipping equals masked attention",
        causal,
        F.scaled_dot_product_attention(q, k, v, is_causal=True),
        atol=tol,
    )
    demo.equal("causal block skipping computes n(n+1)/2 tiles", causal_tiles, n * (n + 1) // 2)

    demo.not_claimed(
        "the fused kernel is several times faster than naive attention at long T",
        "a speed-up from cutting HBM traffic needs a GPU kernel; a Python loop on a CPU shows none",
    )


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "drop the running-max rescale",
        "correction = torch.exp(m - m_new) if rescale else torch.ones_like(m)",
        "correction = torch.ones_like(m)",
    ),
    (
        "let each query see one future key",
        "s = s.masked_fill(cols > rows, -math.inf)",
        "s = s.masked_fill(cols > rows + 1, -math.inf)",
    ),
    (
        "skip only tiles two blocks above the diagonal",
        "if causal and ks > qs + block - 1:",
        "if causal and ks > qs + 2 * block - 1:",
    ),
]
