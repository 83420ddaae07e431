"""Optimisers: SGD with momentum and AdamW written out, step for step equal to torch.optim.

An optimiser is a small rule turning each gradient into an update. Momentum keeps
a running sum of past gradients; Adam divides by a running root-mean-square so
that every weight moves about the learning rate whatever its gradient's size;
AdamW takes the weight decay out of that division, which changes the trajectory.
"""

import torch

from demos.harness import Demo

CONCEPTS = ["optimisers"]


def loss_fn(p: torch.Tensor, A: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return ((A @ p - b) ** 2).mean()


def grad_at(p: torch.Tensor, A: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    p = p.detach().requires_grad_()
    (g,) = torch.autograd.grad(loss_fn(p, A, b), p)
    return g


def torch_trajectory(
    opt_class: type[torch.optim.Optimizer],
    p0: torch.Tensor,
    A: torch.Tensor,
    b: torch.Tensor,
    steps: int = 20,
    **kwargs: float,
) -> torch.Tensor:
    p = p0.clone().requires_grad_()
    opt = opt_class([p], **kwargs)
    for _ in range(steps):
        opt.zero_grad()
        loss_fn(p, A, b).backward()
        opt.step()
    return p.detach()


def run(demo: Demo) -> None:
    A = demo.randn(20, 10, seed=0, dtype=torch.float64)
    b = demo.randn(20, seed=1, dtype=torch.float64)
    p0 = demo.randn(10, seed=2, dtype=torch.float64)
    lr, mu, wd, beta1, beta2, eps = 0.05, 0.9, 0.1, 0.9, 0.999, 1e-8

    # SGD with momentum: the velocity is a decaying sum of gradients, and we step along it.
    p, velocity = p0.clone(), torch.zeros_like(p0)
    for _ in range(20):
        velocity = mu * velocity + grad_at(p, A, b)
        p = p - lr * velocity
    sgd = torch_trajectory(torch.optim.SGD, p0, A, b, lr=lr, momentum=mu)
    demo.close("hand-written SGD with momentum equals torch.optim.SGD over 20 steps", p, sgd)

    # AdamW: decay the weights directly, then take Adam's bias-corrected normalised step.
    p, m, v = p0.clone(), torch.zeros_like(p0), torch.zeros_like(p0)
    for t in range(1, 21):
        g = grad_at(p, A, b)
        p = p * (1 - lr * wd)  # decoupled weight decay: outside the adaptive scaling
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
        m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
        p = p - lr * m_hat / (v_hat.sqrt() + eps)
    adamw = torch_trajectory(torch.optim.AdamW, p0, A, b, lr=lr, weight_decay=wd)
    demo.close("hand-written AdamW equals torch.optim.AdamW over 20 steps", p, adamw)

    # Negative control: Adam's weight_decay adds wd * p to the gradient (L2), so the decay
    # is divided by sqrt(v) like everything else and the path is a different one.
    adam_l2 = torch_trajectory(torch.optim.Adam, p0, A, b, lr=lr, weight_decay=wd)
    demo.close("Adam with L2 decay follows AdamW's trajectory", adam_l2, adamw, negative=True)

    # Adam's first step is lr * g / |g| per weight: gradients a million-fold apart in
    # size give steps of the same length. Plain SGD's steps are lr * g, a million-fold apart.
    scales = 10.0 ** torch.arange(-3, 4, device=demo.device, dtype=torch.float64)

    def first_step(opt_class: type[torch.optim.Optimizer]) -> torch.Tensor:
        w = torch.ones_like(scales, requires_grad=True)
        opt = opt_class([w], lr=lr)
        (scales * w).sum().backward()  # the gradient of weight i is scales[i]
        opt.step()
        return (1 - w.detach()).abs()

    every_lr = torch.full_like(scales, lr)
    demo.close(
        "Adam's first step moves every weight by lr",
        first_step(torch.optim.Adam),
        every_lr,
        rtol=1e-4,
    )
    demo.close(
        "SGD's first step moves every weight by lr",
        first_step(torch.optim.SGD),
        every_lr,
        rtol=1e-4,
        negative=True,
    )
