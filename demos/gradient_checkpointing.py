"""Gradient checkpointing: keep only block inputs, recompute the rest in backward, same gradients.

Backpropagation needs each layer's intermediate activations, and storing them all
usually costs more memory than the weights. Checkpointing a block saves just its input
and reruns its forward pass during backward to rebuild the rest: the gradients do not
change, the forward runs twice, and the activation memory falls many-fold. Blocks with
dropout must replay the same random mask, which is why the RNG state is saved too.
The checkpoint below is written out by hand; torch.utils.checkpoint works the same way.
"""

from typing import Any

import torch
from torch import nn

from demos.harness import Demo

CONCEPTS = ["gradient-checkpointing"]


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


def rng_state(device: torch.device) -> tuple[torch.Tensor, torch.Tensor | None]:
    """The CPU generator's state and, on a GPU, that device's generator state."""
    on_gpu = device.type in ("cuda", "mps")
    return torch.get_rng_state(), getattr(torch, device.type).get_rng_state() if on_gpu else None


def set_rng_state(state: tuple[torch.Tensor, torch.Tensor | None], device: torch.device) -> None:
    torch.set_rng_state(state[0])
    if state[1] is not None:
        getattr(torch, device.type).set_rng_state(state[1])


class Checkpoint(torch.autograd.Function):
    """Run a block without recording its graph; save only its input (and the RNG state)."""

    @staticmethod
    def forward(
        ctx: Any, block: nn.Module, keep_rng: bool, h: torch.Tensor, *params: torch.Tensor
    ) -> torch.Tensor:
        ctx.block, ctx.keep_rng, ctx.rng = block, keep_rng, rng_state(h.device)
        ctx.save_for_backward(h)
        with torch.no_grad():  # nothing inside the block is kept for backward
            return block(h)

    @staticmethod
    def backward(ctx: Any, grad_out: torch.Tensor) -> tuple[torch.Tensor | None, ...]:
        (h,) = ctx.saved_tensors
        h = h.detach().requires_grad_()
        now = rng_state(h.device)
        if ctx.keep_rng:  # replay the dropout masks drawn in the forward pass
            set_rng_state(ctx.rng, h.device)
        with torch.enable_grad():
            out = ctx.block(h)  # the second forward: rebuild this block's activations
            # Vector-Jacobian product through the rebuilt graph: d(sum(out * g)) = g^T d(out).
            vjp = (out * grad_out).sum()
        set_rng_state(now, h.device)
        grads = torch.autograd.grad(vjp, (h, *ctx.block.parameters()))
        return None, None, *grads


def loss_and_saved_bytes(
    blocks: nn.ModuleList, x: torch.Tensor, ckpt: bool, keep_rng: bool = True
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
        for block in blocks:
            if ckpt:
                h = h + Checkpoint.apply(block, keep_rng, h, *block.parameters())
            else:
                h = h + block(h)
        loss = h.square().mean()
    return loss, sum(saved.values())


def grads(
    blocks: nn.ModuleList, x: torch.Tensor, ckpt: bool, keep_rng: bool = True
) -> tuple[torch.Tensor, int]:
    blocks.zero_grad()
    loss, saved = loss_and_saved_bytes(blocks, x, ckpt, keep_rng)
    loss.backward()
    return torch.cat([p.grad.flatten() for p in blocks.parameters()]), saved


def run(demo: Demo) -> None:
    B, D, L = 32, 64, 6
    torch.manual_seed(0)
    blocks = nn.ModuleList(Block(D) for _ in range(L)).to(demo.device)
    x = demo.randn(B, D, seed=0)

    plain, plain_bytes = grads(blocks, x, ckpt=False)
    calls_plain = [b.calls for b in blocks]
    ckpt, ckpt_bytes = grads(blocks, x, ckpt=True)
    calls_ckpt = [b.calls - c for b, c in zip(blocks, calls_plain, strict=True)]

    tol = 1e-5 if demo.on_gpu else 1e-6
    demo.close("checkpointed gradients equal ordinary ones", ckpt, plain, atol=tol, rtol=tol)
    demo.equal("each checkpointed block's forward runs twice", calls_ckpt, [2] * L)
    demo.equal("without checkpointing it runs once", calls_plain, [1] * L)

    # What is kept: one B x D input per block, plus the final output for the loss.
    demo.equal("checkpointing keeps only the block inputs", ckpt_bytes, (L + 1) * B * D * 4)
    demo.at_least("activation bytes saved for backward drop over 5x", plain_bytes / ckpt_bytes, 5.0)

    # Negative control: recompute without restoring the RNG, so dropout draws new masks.
    no_rng, _ = grads(blocks, x, ckpt=True, keep_rng=False)
    demo.close(
        "without preserving the RNG state the gradients still match",
        no_rng,
        plain,
        atol=tol,
        rtol=tol,
        negative=True,
    )
