"""The demos' shared trainer: Adam with bias correction, written out in a few lines.

Demos that train a model call this instead of each keeping a copy, and a
learner sees every step of the update rather than a call into torch.optim.
"""

from collections.abc import Callable

import torch


def adam(
    params: list[torch.Tensor],
    loss_at: Callable[[int], torch.Tensor],
    steps: int,
    lr: float = 1e-2,
    beta2: float = 0.999,
) -> tuple[tuple[torch.Tensor, ...], list[torch.Tensor], list[torch.Tensor]]:
    """Minimise ``loss_at(step)`` for step = 1..steps with Adam (beta1 0.9, eps 1e-8).

    Updates ``params`` in place; returns the last gradients and Adam's moments m and v.
    """
    m = [torch.zeros_like(p) for p in params]
    v = [torch.zeros_like(p) for p in params]
    grads: tuple[torch.Tensor, ...] = ()
    for step in range(1, steps + 1):
        grads = torch.autograd.grad(loss_at(step), params)
        with torch.no_grad():
            for p, g, a, b in zip(params, grads, m, v, strict=True):
                a.lerp_(g, 0.1)  # m = 0.9 m + 0.1 g
                b.lerp_(g * g, 1 - beta2)  # v = beta2 v + (1 - beta2) g^2
                p -= lr * (a / (1 - 0.9**step)) / ((b / (1 - beta2**step)).sqrt() + 1e-8)
    return grads, m, v
