"""Training stability: gradient clipping, learning-rate warmup and muP's width-independent updates.

Large training runs fail by diverging: one outlier batch sends a huge gradient, or the
learning rate is too high for the sharp loss surface at the start, or a learning rate
tuned on a small model is far too large for a wide one. Three standard defences:

- clip the gradient's global norm, so no single step can move the weights more than
  lr * max_norm (the direction is kept, only the length is capped);
- warm the learning rate up from near zero, so the first steps are small while the loss
  is sharp, and decay it afterwards (cosine);
- parametrise the model so that an update of a given learning rate changes each
  activation by the same amount at every width (muP): with Adam, a hidden layer's
  learning rate scales as 1 / fan_in, because its update touches fan_in inputs that all
  push each output the same way.
"""

import math

import torch

from demos.harness import Demo

CONCEPTS = ["training-stability"]


# ---- 1. Gradient clipping --------------------------------------------------------------


def clip_by_global_norm(grads: list[torch.Tensor], max_norm: float) -> list[torch.Tensor]:
    """Rescale all gradients together so that their joint L2 norm is at most max_norm."""
    total = torch.sqrt(sum((g * g).sum() for g in grads))
    scale = min(1.0, max_norm / (total.item() + 1e-6))
    return [g * scale for g in grads]


def global_norm(tensors: list[torch.Tensor]) -> float:
    return math.sqrt(sum((t * t).sum().item() for t in tensors))


# ---- 2. Warmup and cosine decay ---------------------------------------------------------


def lr_at(step: int, peak: float, warmup: int, total: int, floor: float = 0.0) -> float:
    """Linear warmup to the peak over `warmup` steps, then cosine decay to `floor`."""
    if step < warmup:
        return peak * min(1.0, (step + 1) / warmup)
    progress = (step - warmup) / max(1, total - warmup)
    return floor + 0.5 * (peak - floor) * (1 + math.cos(math.pi * progress))


def train_quartic(w0: float, schedule: list[float]) -> float:
    """Gradient descent on L(w) = w^4 / 4, a loss whose curvature (3 w^2) is largest where
    training starts, as at the start of real training. Each step multiplies w by
    (1 - lr w^2), so it shrinks |w| only while lr w^2 < 2; returns the final |w|, or 1e6
    once it has blown up."""
    w = w0
    for lr in schedule:
        w = w - lr * w**3
        if abs(w) > 1e6:  # diverged; stop before it overflows
            return 1e6
    return abs(w)


# ---- 3. muP: the size of one update at different widths -----------------------------------

BASE_WIDTH = 64


def hidden_update_size(demo: Demo, width: int, base_lr: float, mup: bool) -> float:
    """RMS change of a hidden layer's outputs after one Adam step on that layer alone.

    Input activations have O(1) coordinates, the layer is initialised with variance
    1/fan_in (so its outputs are O(1) at every width), and a random readout gives a loss.
    """
    x = demo.randn(8, width, seed=1)  # a batch of O(1) activations coming into the layer
    W = (demo.randn(width, width, seed=2) / width**0.5).requires_grad_(True)
    readout = demo.randn(width, seed=3) / width**0.5
    # muP: a hidden layer's Adam learning rate scales as 1 / fan_in.
    lr = base_lr * BASE_WIDTH / width if mup else base_lr
    opt = torch.optim.Adam([W], lr=lr)
    before = (x @ W).detach()
    ((x @ W) @ readout).square().mean().backward()
    opt.step()
    return ((x @ W).detach() - before).square().mean().sqrt().item()


def run(demo: Demo) -> None:
    # 1. One outlier batch: a gradient 1000 times the usual size. Clipping by the global norm
    # caps the SGD step at lr * max_norm whatever the gradient, and keeps its direction.
    lr, max_norm = 0.1, 1.0
    grads = [demo.randn(64, 64, seed=10) * 1000, demo.randn(64, seed=11) * 1000]
    clipped = clip_by_global_norm(grads, max_norm)
    bounded = demo.at_most(
        "with clipping, an outlier gradient moves SGD's weights by at most lr * max_norm (0.1)",
        lr * global_norm(clipped),
        lr * max_norm * (1 + 1e-5),
    )
    bounded.broken("without clipping the same step moves them ~6,400 times further",
                   lr * global_norm(grads))  # fmt: skip
    # It is the same rule as PyTorch's, which rescales the .grad fields in place.
    params = [torch.zeros_like(g, requires_grad=True) for g in grads]
    for p, g in zip(params, grads, strict=True):
        p.grad = g.clone()
    torch.nn.utils.clip_grad_norm_(params, max_norm)
    same = demo.close(
        "clip-by-global-norm equals torch.nn.utils.clip_grad_norm_",
        torch.cat([c.flatten() for c in clipped]),
        torch.cat([p.grad.flatten() for p in params]),
    )
    # Clipping each element separately (clip_grad_value_) also bounds the step, but it
    # bends the direction: the update is no longer along the gradient.
    by_value = [g.clamp(-0.01, 0.01) for g in grads]
    direction = torch.cat([g.flatten() for g in grads])
    same.broken(
        "element-wise clipping, rescaled to the same norm, points elsewhere",
        torch.cat([c.flatten() for c in by_value]) * global_norm(clipped) / global_norm(by_value),
    )
    cosine = torch.nn.functional.cosine_similarity(
        torch.cat([c.flatten() for c in clipped]), direction, dim=0
    )
    demo.close(
        "the clipped step points along the raw gradient (cosine 1)", cosine, 1.0, illustration=True
    )

    # 2. Warmup. Start at w0 = 2, where the curvature is 12: any lr above 2 / w0^2 = 0.5
    # makes the first step overshoot to a larger |w|, and every later step worse. The same
    # peak lr of 0.6 is reached safely if the first 100 steps ramp up to it, because by then
    # w (and the curvature) has shrunk; then cosine decay brings it down.
    total, warmup, peak = 300, 100, 0.6
    constant = [peak] * total
    warm = [lr_at(s, peak, warmup, total) for s in range(total)]
    converges = demo.at_most(
        "with 100 warmup steps to lr 0.6 (then cosine), GD on w^4/4 from w = 2 ends at |w| < 0.2",
        train_quartic(2.0, warm),
        0.2,
    )
    converges.broken("a constant lr of 0.6 from step 0 diverges", train_quartic(2.0, constant))
    # The schedule itself: warmup ends at the peak, cosine halves it at mid-decay and ends at 0.
    demo.close(
        "schedule: lr at steps 99, 200 and 300 = peak, peak/2, 0",
        [
            lr_at(99, peak, warmup, total),
            lr_at(200, peak, warmup, total),
            lr_at(total, peak, warmup, total),
        ],
        [peak, peak / 2, 0.0],
    )

    # 3. muP. One Adam step on a hidden layer at widths 64 and 1024 with the same base lr.
    # Adam's first step moves every weight by ~lr (it divides the gradient by its own size),
    # and each output sums fan_in such moves that share a sign pattern with the input, so in
    # the standard parametrisation the change in activations grows linearly with width.
    base_lr = 1e-3
    mup_ratio = hidden_update_size(demo, 1024, base_lr, mup=True) / hidden_update_size(
        demo, BASE_WIDTH, base_lr, mup=True
    )
    sp_ratio = hidden_update_size(demo, 1024, base_lr, mup=False) / hidden_update_size(
        demo, BASE_WIDTH, base_lr, mup=False
    )
    width_free = demo.between(
        "muP (hidden Adam lr ~ 1/width): activation change at width 1024 / at width 64 in [0.5, 2]",
        mup_ratio,
        0.5,
        2.0,
    )
    width_free.broken("standard parametrisation (same lr): the change grows ~16x with width",
                      sp_ratio)  # fmt: skip


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "clipping that never rescales",
        "scale = min(1.0, max_norm / (total.item() + 1e-6))",
        "scale = 1.0",
    ),
    (
        "no warmup: the schedule starts at the peak",
        "return peak * min(1.0, (step + 1) / warmup)",
        "return peak",
    ),
    (
        "muP's 1/width learning rate dropped",
        "lr = base_lr * BASE_WIDTH / width if mup else base_lr",
        "lr = base_lr",
    ),
]
