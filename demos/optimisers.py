"""Optimisers: SGD with momentum and AdamW written out, step for step equal to torch.optim.

An optimiser is a small rule turning each gradient into an update. Momentum keeps
a running sum of past gradients; Adam divides by a running root-mean-square so
that every weight moves about the learning rate whatever its gradient's size;
AdamW takes the weight decay out of that division, which changes the trajectory.
Both are written out here and must follow torch.optim's trajectory step for step.
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


def sgd_momentum(
    p: torch.Tensor, A: torch.Tensor, b: torch.Tensor, lr: float, mu: float, steps: int = 20
) -> torch.Tensor:
    # The velocity is a decaying sum of past gradients, and each step goes along it.
    velocity = torch.zeros_like(p)
    for _ in range(steps):
        velocity = mu * velocity + grad_at(p, A, b)
        p = p - lr * velocity
    return p


def adamw(
    p: torch.Tensor,
    A: torch.Tensor,
    b: torch.Tensor,
    lr: float,
    wd: float,
    decoupled: bool = True,
    steps: int = 20,
) -> torch.Tensor:
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    m, v = torch.zeros_like(p), torch.zeros_like(p)
    for t in range(1, steps + 1):
        g = grad_at(p, A, b)
        if decoupled:
            p = p * (1 - lr * wd)  # AdamW: decay the weights directly, outside the scaling
        else:
            g = g + wd * p  # L2 in the gradient: the decay gets divided by sqrt(v) too
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
        # m and v start at zero, so early averages are too small: divide by 1 - beta^t.
        m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
        p = p - lr * m_hat / (v_hat.sqrt() + eps)
    return p


def run(demo: Demo) -> None:
    A = demo.randn(20, 10, seed=0, dtype=torch.float64)
    b = demo.randn(20, seed=1, dtype=torch.float64)
    p0 = demo.randn(10, seed=2, dtype=torch.float64)
    lr, mu, wd = 0.05, 0.9, 0.1

    sgd = torch_trajectory(torch.optim.SGD, p0, A, b, lr=lr, momentum=mu)
    demo.close(
        "hand-written SGD with momentum equals torch.optim.SGD over 20 steps",
        sgd_momentum(p0, A, b, lr, mu),
        sgd,
    )

    torch_adamw = torch_trajectory(torch.optim.AdamW, p0, A, b, lr=lr, weight_decay=wd)
    decoupled = demo.close(
        "hand-written AdamW equals torch.optim.AdamW over 20 steps",
        adamw(p0, A, b, lr, wd),
        torch_adamw,
    )
    # Putting the decay into the gradient (Adam's L2 weight_decay) follows another path.
    decoupled.broken(
        "with the decay added to the gradient (L2) it does not", adamw(p0, A, b, lr, wd, False)
    )
    # And that L2 path is what torch.optim.Adam's weight_decay does.
    demo.close(
        "the L2 variant equals torch.optim.Adam with weight_decay",
        adamw(p0, A, b, lr, wd, decoupled=False),
        torch_trajectory(torch.optim.Adam, p0, A, b, lr=lr, weight_decay=wd),
    )

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
    same_size = demo.close(
        "Adam's first step moves every weight by lr",
        first_step(torch.optim.Adam),
        every_lr,
        rtol=1e-4,
    )
    same_size.broken("SGD's first step moves each by lr * gradient", first_step(torch.optim.SGD))


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "drop Adam's bias correction",
        "m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)",
        "m_hat, v_hat = m, v",
    ),
    (
        "forget the decoupled weight decay",
        "p = p * (1 - lr * wd)  # AdamW",
        "p = p  # AdamW",
    ),
    (
        "momentum as an average (dampened) instead of a sum",
        "velocity = mu * velocity + grad_at(p, A, b)",
        "velocity = mu * velocity + (1 - mu) * grad_at(p, A, b)",
    ),
]
