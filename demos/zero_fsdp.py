"""ZeRO / FSDP: shard optimiser state, gradients and weights over N ranks: same steps, 1/N memory.

Plain data parallelism keeps everything on every rank: with mixed precision that is
2 (fp16 weights) + 2 (fp16 grads) + 12 (fp32 master, Adam m and v) = 16 bytes per
parameter. Adam is element-wise, so each rank can own 1/N of the state: gradients are
reduce-scattered, each rank updates its shard, and the weights are all-gathered.
Stage 3 (FSDP) also shards the weights, gathering one layer just before it runs.
"""

import torch

from demos.harness import Demo

CONCEPTS = ["zero-fsdp"]

N, L, D = 4, 4, 16  # ranks, layers, width
LAYER = D * D + D  # weights + bias per layer


def forward(layers: list[torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    for flat in layers:
        x = torch.tanh(x @ flat[: D * D].view(D, D) + flat[D * D :])
    return x


def rank_grads(params: torch.Tensor, xs: torch.Tensor, ys: torch.Tensor) -> torch.Tensor:
    """Each rank's gradient of its local loss with respect to the flat parameter vector."""
    grads = []
    for x, y in zip(xs.chunk(N), ys.chunk(N), strict=True):
        p = params.detach().requires_grad_()
        (forward(list(p.split(LAYER)), x) - y).pow(2).mean().backward()
        grads.append(p.grad)
    return torch.stack(grads)


def adam(p: torch.Tensor, g: torch.Tensor, m: torch.Tensor, v: torch.Tensor, t: int) -> None:
    """One in-place Adam step (lr 1e-2). Element-wise: any slice can be updated on its own."""
    m.mul_(0.9).add_(g, alpha=0.1)
    v.mul_(0.999).addcmul_(g, g, value=0.001)
    p.sub_(1e-2 * (m / (1 - 0.9**t)) / ((v / (1 - 0.999**t)).sqrt() + 1e-8))


def ring_reduce_scatter(grads: torch.Tensor, steps: int = N - 1) -> list[torch.Tensor]:
    """Ring reduce-scatter of the ranks' gradients (N, P): rank r ends holding the rank-mean
    of slice r. Each step every rank passes one partial slice to its right-hand neighbour,
    which adds its own; after N - 1 steps each slice has gathered all N contributions."""
    buf = [list(g.clone().split(g.numel() // N)) for g in grads]  # buf[rank][slice]
    for s in range(steps):
        sends = [(r, (r - s - 1) % N, buf[r][(r - s - 1) % N].clone()) for r in range(N)]
        for r, c, data in sends:  # all sends happen at once, then all adds
            buf[(r + 1) % N][c] = buf[(r + 1) % N][c] + data
    return [buf[r][r] / N for r in range(N)]


def zero_step(
    params: torch.Tensor,
    grads: torch.Tensor,
    m: list[torch.Tensor],
    v: list[torch.Tensor],
    t: int,
    reduce_scatter: bool = True,
) -> torch.Tensor:
    """Rank r gets the rank-mean of gradient slice r (reduce-scatter), updates its slice of
    the weights with its own m and v, then every rank receives all slices (all-gather)."""
    size = params.numel() // N
    if reduce_scatter:
        g = ring_reduce_scatter(grads)
    else:  # the bug: each rank steps with its own slice of its own gradient
        g = [grads[r].split(size)[r] for r in range(N)]
    shards = list(params.clone().split(size))
    for r in range(N):
        adam(shards[r], g[r], m[r], v[r], t)
    return torch.cat(shards)  # the all-gather


def run(demo: Demo) -> None:
    init = demo.randn(L * LAYER, seed=0) / D**0.5
    xs, ys = demo.randn(32, D, seed=1), demo.randn(32, D, seed=2)
    size = init.numel() // N

    # Baseline: every rank all-reduces gradients and keeps full Adam state.
    full = init.clone()
    m_full, v_full = torch.zeros_like(full), torch.zeros_like(full)
    # ZeRO: rank r owns slice r of the flat vector and only that slice's m and v.
    zero, broken = init.clone(), init.clone()
    m_shard, v_shard, m_bad, v_bad = (
        [torch.zeros(size, device=demo.device) for _ in range(N)] for _ in range(4)
    )
    for t in range(1, 6):
        adam(full, rank_grads(full, xs, ys).mean(0), m_full, v_full, t)
        zero = zero_step(zero, rank_grads(zero, xs, ys), m_shard, v_shard, t)
        broken = zero_step(broken, rank_grads(broken, xs, ys), m_bad, v_bad, t, False)

    # The ring adds the ranks' gradients in another order than .mean(0) does, so the two
    # runs differ by float32 rounding, which Adam's m / sqrt(v) passes on to the weights
    # (~1e-7 measured on weights of size ~0.3 over 5 steps). On a GPU (untested) the
    # reductions inside .mean(0) and the elementwise kernels may round differently from
    # the CPU's, and the weights feed back into 5 rounds of gradients: 1e-5 there.
    tol = 1e-5 if demo.on_gpu else 1e-6
    same = demo.close(
        "5 sharded Adam steps give the same weights as unsharded Adam", zero, full, atol=tol
    )
    # Without the reduce-scatter each shard follows one rank's data.
    same.broken("skipping the reduce-scatter does not", broken)

    # The ring against a plain mean over ranks: each rank ends with its slice's mean.
    grads = rank_grads(init, xs, ys)
    ring = demo.close(
        "the ring reduce-scatter gives rank r the rank-mean of slice r",
        torch.cat(ring_reduce_scatter(grads)),
        grads.mean(0),
        atol=1e-7,
    )
    ring.broken(
        "a ring stopped one step short does not", torch.cat(ring_reduce_scatter(grads, N - 2))
    )

    # The demo allocated each rank's m and v at 1/N size: shown, not claimed.
    demo.equal(
        "each rank keeps 1/N of Adam's state",
        N * (m_shard[0].numel() + v_shard[0].numel()),
        m_full.numel() + v_full.numel(),
        illustration=True,
    )

    # Bytes per rank for P parameters, from the tensors each stage keeps (fp16 weights and
    # grads, fp32 master/m/v), against 16P, 4P + 12P/N, 2P + 14P/N and 16P/N.
    P = init.numel()

    def nbytes(numel: int, dtype: torch.dtype) -> int:
        return numel * torch.empty((), dtype=dtype).element_size()

    def per_rank(stage: int) -> int:
        weights = nbytes(P // N if stage >= 3 else P, torch.float16)
        grads = nbytes(P // N if stage >= 2 else P, torch.float16)
        state = 3 * nbytes(P // N if stage >= 1 else P, torch.float32)
        return weights + grads + state

    # Element sizes times the numbers each stage keeps: arithmetic, shown, not claimed.
    demo.equal(
        "bytes per rank for stages 0-3 follow the ZeRO formulas",
        [per_rank(s) for s in range(4)],
        [16 * P, 4 * P + 12 * P // N, 2 * P + 14 * P // N, 16 * P // N],
        illustration=True,
    )

    # FSDP forward: each rank stores 1/N of every layer; a layer is all-gathered just
    # before it runs and freed after, so at most one full layer is ever materialised.
    sharded = [layer.chunk(N) for layer in full.split(LAYER)]
    x, peak = xs, 0
    for pieces in sharded:
        gathered = torch.cat(pieces)  # all-gather this layer only
        peak = max(peak, gathered.numel())
        x = forward([gathered], x)
        del gathered
    demo.close(
        "the FSDP forward equals the unsharded forward",
        x,
        forward(list(full.split(LAYER)), xs),
        atol=tol,
    )
    demo.equal("at most one layer's weights are gathered at a time", peak, P // L)


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "stop the ring one step short",
        "for s in range(steps):",
        "for s in range(steps - 1):",
    ),
    (
        "let every rank update with rank 0's moments",
        "adam(shards[r], g[r], m[r], v[r], t)",
        "adam(shards[r], g[r], m[0], v[0], t)",
    ),
    (
        "all-gather a layer's pieces in the wrong order",
        "gathered = torch.cat(pieces)",
        "gathered = torch.cat(pieces[::-1])",
    ),
]
