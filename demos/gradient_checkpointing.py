"""Gradient checkpointing: keep only segment inputs, recompute the rest in backward, same gradients.

Backpropagation needs each layer's intermediate activations, and storing them all
usually costs more memory than the weights. Checkpointing a segment of blocks saves just
its input and reruns its forward pass during backward to rebuild the rest: the gradients
do not change, the forward runs twice, and the activation memory falls many-fold. Blocks
with dropout must replay the same random masks, which is why the RNG state is saved too.
The checkpoint below is written out by hand; torch.utils.checkpoint works the same way.
"""

from typing import Any

import torch
from torch import nn

from demos.harness import Demo

CONCEPTS = ["gradient-checkpointing"]

B, D, L, PER_SEGMENT = 32, 64, 6, 2  # batch, width, blocks, blocks per checkpointed segment


class Block(nn.Module):
    def __init__(self, d: int) -> None:
        super().__init__()
        self.mlp = nn.Sequential(
            nn.LayerNorm(d), nn.Linear(d, 4 * d), nn.GELU(), nn.Dropout(0.1), nn.Linear(4 * d, d)
        )
        self.calls = 0  # how many times forward has run

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        self.calls += 1
        return self.mlp(h)


def run_segment(blocks: list[Block], h: torch.Tensor) -> torch.Tensor:
    for block in blocks:
        h = h + block(h)  # residual blocks
    return h


def rng_state(device: torch.device) -> tuple[torch.Tensor, torch.Tensor | None]:
    """The CPU generator's state and, on a GPU, that device's generator state."""
    on_gpu = device.type in ("cuda", "mps")
    return torch.get_rng_state(), getattr(torch, device.type).get_rng_state() if on_gpu else None


def set_rng_state(state: tuple[torch.Tensor, torch.Tensor | None], device: torch.device) -> None:
    torch.set_rng_state(state[0])
    if state[1] is not None:
        getattr(torch, device.type).set_rng_state(state[1])


class Checkpoint(torch.autograd.Function):
    """Run a segment without recording its graph; save only its input (and the RNG state).

    keep_rng=False and recompute_all=False are the broken checkpoints people write: one
    that lets dropout draw new masks in the second forward, and one whose recompute
    leaves out part of the segment.
    """

    @staticmethod
    def forward(
        ctx: Any,
        blocks: list[Block],
        keep_rng: bool,
        recompute_all: bool,
        h: torch.Tensor,
        *params: torch.Tensor,
    ) -> torch.Tensor:
        ctx.blocks, ctx.keep_rng, ctx.recompute_all = blocks, keep_rng, recompute_all
        ctx.rng = rng_state(h.device)
        ctx.save_for_backward(h)
        with torch.no_grad():  # nothing inside the segment is kept for backward
            return run_segment(blocks, h)

    @staticmethod
    def backward(ctx: Any, grad_out: torch.Tensor) -> tuple[torch.Tensor | None, ...]:
        (h,) = ctx.saved_tensors
        h = h.detach().requires_grad_()
        now = rng_state(h.device)
        if ctx.keep_rng:  # replay the dropout masks drawn in the forward pass
            set_rng_state(ctx.rng, h.device)
        rebuilt = ctx.blocks if ctx.recompute_all else ctx.blocks[:-1]
        with torch.enable_grad():
            out = run_segment(rebuilt, h)  # the second forward: rebuild the activations
            # Vector-Jacobian product through the rebuilt graph: d(sum(out * g)) = g^T d(out).
            vjp = (out * grad_out).sum()
        set_rng_state(now, h.device)
        params = [p for block in ctx.blocks for p in block.parameters()]
        # A block left out of the recompute gets no gradient (None) at all.
        grads = torch.autograd.grad(vjp, (h, *params), allow_unused=True)
        return None, None, None, *grads


def loss_and_saved_bytes(
    blocks: nn.ModuleList, x: torch.Tensor, ckpt: bool, keep_rng: bool, recompute_all: bool
) -> tuple[torch.Tensor, int]:
    """Forward pass; also the bytes of activations autograd keeps for backward (not weights)."""
    weights = {p.untyped_storage().data_ptr() for p in blocks.parameters()}
    saved: dict[int, int] = {}

    def pack(t: torch.Tensor) -> torch.Tensor:
        ptr = t.untyped_storage().data_ptr()
        if ptr not in weights:
            saved[ptr] = t.untyped_storage().nbytes()  # count each buffer once
        return t

    torch.manual_seed(1)  # the same dropout masks for every run
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        h = x
        for i in range(0, L, PER_SEGMENT):
            segment = list(blocks[i : i + PER_SEGMENT])
            if ckpt:
                params = [p for block in segment for p in block.parameters()]
                h = Checkpoint.apply(segment, keep_rng, recompute_all, h, *params)
            else:
                h = run_segment(segment, h)
        loss = h.square().mean()
    return loss, sum(saved.values())


def grads(
    blocks: nn.ModuleList,
    x: torch.Tensor,
    ckpt: bool,
    keep_rng: bool = True,
    recompute_all: bool = True,
) -> tuple[torch.Tensor, int]:
    """The flat gradient of every parameter (zero where none arrived) and the bytes saved."""
    blocks.zero_grad()
    loss, saved = loss_and_saved_bytes(blocks, x, ckpt, keep_rng, recompute_all)
    loss.backward()
    flat = [torch.zeros_like(p) if p.grad is None else p.grad for p in blocks.parameters()]
    return torch.cat([g.flatten() for g in flat]), saved


def run(demo: Demo) -> None:
    # Float64 throughout, so that finite differences can check the gradients independently.
    torch.manual_seed(0)
    blocks = nn.ModuleList(Block(D) for _ in range(L)).to(demo.device, torch.float64)
    x = demo.randn(B, D, seed=0, dtype=torch.float64)

    plain, plain_bytes = grads(blocks, x, ckpt=False)
    calls_plain = [b.calls for b in blocks]
    ckpt, ckpt_bytes = grads(blocks, x, ckpt=True)
    calls_ckpt = [b.calls - c for b, c in zip(blocks, calls_plain, strict=True)]
    before = [b.calls for b in blocks]
    partial, _ = grads(blocks, x, ckpt=True, recompute_all=False)
    calls_partial = [b.calls - c for b, c in zip(blocks, before, strict=True)]
    no_rng, _ = grads(blocks, x, ckpt=True, keep_rng=False)

    # The independent reference: central differences of the loss itself along three random
    # directions of parameter space, (L(w + eps v) - L(w - eps v)) / 2 eps = grad . v, with
    # no backward pass involved. Their error is ~eps^2 |L'''| + 1e-16 |L| / eps ~ 1e-10.
    params = list(blocks.parameters())
    flat = torch.cat([p.detach().flatten() for p in params])
    directions = demo.randn(3, flat.numel(), seed=1, dtype=torch.float64)
    directions = directions / directions.norm(dim=1, keepdim=True)
    eps = 1e-5

    def loss_at(w: torch.Tensor) -> float:
        with torch.no_grad():
            torch.nn.utils.vector_to_parameters(w, params)
            return float(loss_and_saved_bytes(blocks, x, False, True, True)[0])

    differences = demo.tensor(
        [(loss_at(flat + eps * v) - loss_at(flat - eps * v)) / (2 * eps) for v in directions],
        dtype=torch.float64,
    )
    torch.nn.utils.vector_to_parameters(flat, params)

    # The directional derivatives are ~1.5e-3, so the limit is ~2.5e-9: some 250x above the
    # measured 1e-11, and 1e5x below the 6e-4 or more that the broken gradients miss by.
    demo.close(
        "ordinary backprop matches finite differences of the loss",
        directions @ plain,
        differences,
        rtol=1e-6,
        atol=1e-9,
    )
    ckpt_fd = demo.close(
        "the checkpointed gradient matches finite differences of the loss",
        directions @ ckpt,
        differences,
        rtol=1e-6,
        atol=1e-9,
    )
    ckpt_fd.broken(
        "a checkpoint whose recompute drops a block of its segment does not",
        directions @ partial,
    )
    ckpt_fd.broken("nor one whose recompute draws new dropout masks", directions @ no_rng)

    # Both gradients run the very same float64 ops, so they agree to rounding; on a GPU
    # the recompute may pick other kernels, whose sums differ in the last bits (~1e-15).
    same = demo.close(
        "checkpointed gradients equal ordinary ones", ckpt, plain, rtol=1e-10, atol=1e-12
    )
    same.broken("without replaying the RNG state, dropout draws new masks", no_rng)
    same.broken("a recompute that drops a block loses its gradients", partial)

    twice = demo.equal("each checkpointed block's forward runs twice", calls_ckpt, [2] * L)
    twice.broken("a block dropped from the recompute runs once", calls_partial)
    demo.equal("without checkpointing it runs once", calls_plain, [1] * L, illustration=True)

    # What is kept: one B x D float64 input per segment, plus the final output for the loss.
    segments = L // PER_SEGMENT
    demo.equal(
        "checkpointing keeps only the segment inputs", ckpt_bytes, (segments + 1) * B * D * 8
    )
    demo.at_least("activation bytes saved for backward drop over 5x", plain_bytes / ckpt_bytes, 5.0)


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "recompute only part of the segment",
        "rebuilt = ctx.blocks if ctx.recompute_all",
        "rebuilt = ctx.blocks[:-1] if ctx.recompute_all",
    ),
    (
        "recompute with fresh dropout masks",
        "set_rng_state(ctx.rng, h.device)",
        "set_rng_state(now, h.device)",
    ),
    (
        "keep the segment's graph in the first forward",
        "with torch.no_grad():  # nothing inside the segment is kept for backward",
        "with torch.enable_grad():",
    ),
]
