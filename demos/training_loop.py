"""Training loop: forward, loss, zero_grad, backward, step; then evaluate, clip and checkpoint.

Every model trains with the same five-line cycle. The habits around it are what
make a run trustworthy: gradients must be cleared because PyTorch adds them up,
evaluation runs in eval mode without a graph, clipping caps the step size, and a
checkpoint must hold the optimiser's state, not only the weights, to resume exactly.
"""

import io

import torch
import torch.nn.functional as F
from torch import nn

from demos.harness import Demo

CONCEPTS = ["training-loop"]


def make_model(demo: Demo) -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Dropout(0.1), nn.Linear(16, 1)).to(
        demo.device
    )


def make_optimiser(
    model: nn.Module,
) -> tuple[torch.optim.Optimizer, torch.optim.lr_scheduler.LRScheduler]:
    opt = torch.optim.Adam(model.parameters(), lr=0.03)
    return opt, torch.optim.lr_scheduler.StepLR(opt, step_size=15, gamma=0.5)


def train(
    model: nn.Module,
    opt: torch.optim.Optimizer,
    sched: torch.optim.lr_scheduler.LRScheduler,
    X: torch.Tensor,
    y: torch.Tensor,
    steps: range,
) -> None:
    model.train()
    for step in steps:
        # Seed each step's dropout by its step number, so a resumed run draws the same masks.
        torch.manual_seed(1000 + step)
        batch = torch.arange(step * 16, step * 16 + 16, device=X.device) % len(X)
        loss = F.mse_loss(model(X[batch]), y[batch])  # forward and loss
        opt.zero_grad()  # clear last step's gradients
        loss.backward()  # backpropagate
        torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
        opt.step()  # update the weights
        sched.step()  # and the learning rate


def evaluate(model: nn.Module, X: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    model.eval()
    with torch.no_grad():
        return F.mse_loss(model(X), y)


def run(demo: Demo) -> None:
    X = demo.randn(256, 4, seed=0)
    y = X @ demo.tensor([[1.0], [-2.0], [0.5], [3.0]]) + 0.1 * demo.randn(256, 1, seed=1)

    # PyTorch adds each backward's gradients to .grad; without zero_grad they pile up.
    model = make_model(demo).eval()  # eval: no dropout, so both passes are the same
    F.mse_loss(model(X), y).backward()
    once = model[0].weight.grad.clone()
    F.mse_loss(model(X), y).backward()
    demo.close(
        "two backwards without zero_grad give twice the gradient", model[0].weight.grad, 2 * once
    )

    # Clipping rescales the whole gradient vector to the cap when it is longer.
    total = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
    clipped = torch.linalg.vector_norm(torch.stack([p.grad.norm() for p in model.parameters()]))
    demo.at_least("the raw gradient norm exceeds the cap of 1", total, 2.0)
    demo.close(
        "after clip_grad_norm_ the gradient norm is exactly the cap", clipped, 1.0, atol=1e-5
    )

    # The loop is exactly gradient descent: two of its steps with plain SGD equal two steps
    # written out by hand, each on its own batch's gradient (same dropout masks, by seed),
    # rescaled to norm 1 when longer, as clip_grad_norm_ does.
    model = make_model(demo)
    sgd = torch.optim.SGD(model.parameters(), lr=0.1)
    train(model, sgd, torch.optim.lr_scheduler.StepLR(sgd, step_size=20), X, y, range(0, 2))
    by_hand = make_model(demo).train()
    params = list(by_hand.parameters())
    for step in range(2):
        torch.manual_seed(1000 + step)
        batch = torch.arange(step * 16, step * 16 + 16, device=X.device)
        grads = torch.autograd.grad(F.mse_loss(by_hand(X[batch]), y[batch]), params)
        norm = torch.linalg.vector_norm(torch.stack([g.norm() for g in grads]))
        with torch.no_grad():
            for p, g in zip(params, grads, strict=True):
                p -= 0.1 * g * min(1.0, 1.0 / (float(norm) + 1e-6))
    demo.close(
        "two steps of the loop equal two clipped SGD steps written by hand",
        torch.cat([p.flatten() for p in model.parameters()]),
        torch.cat([p.detach().flatten() for p in params]),
    )

    # Eval mode turns dropout off: the output is the plain network without the mask.
    model = make_model(demo)
    opt, sched = make_optimiser(model)
    before = evaluate(model, X, y)
    model.eval()
    with torch.no_grad():
        plain = model[3](model[1](model[0](X)))
        demo.close("in eval mode dropout is the identity", model(X), plain)

    # The loop learns: the loss on the whole set drops far below where it started.
    train(model, opt, sched, X, y, range(0, 30))
    demo.at_most(
        "30 steps cut the loss below 5% of its start", evaluate(model, X, y) / before, 0.05
    )
    # The schedule halves the learning rate every 15 steps; it is what one would log.
    demo.close(
        "after 30 steps the logged learning rate is 0.03 / 4", opt.param_groups[0]["lr"], 0.0075
    )

    # Checkpoint weights, optimiser moments and scheduler, then resume in a fresh process.
    buffer = io.BytesIO()
    torch.save(
        {"model": model.state_dict(), "opt": opt.state_dict(), "sched": sched.state_dict()}, buffer
    )
    train(model, opt, sched, X, y, range(30, 40))  # the uninterrupted run

    buffer.seek(0)
    state = torch.load(buffer, map_location=demo.device)
    resumed = make_model(demo)
    resumed.load_state_dict(state["model"])
    r_opt, r_sched = make_optimiser(resumed)
    r_opt.load_state_dict(state["opt"])
    r_sched.load_state_dict(state["sched"])
    train(resumed, r_opt, r_sched, X, y, range(30, 40))
    final = torch.cat([p.flatten() for p in model.parameters()])
    resumes = demo.equal(
        "resuming from a full checkpoint reproduces the uninterrupted run bit for bit",
        torch.cat([p.flatten() for p in resumed.parameters()]),
        final,
    )

    # Negative control: restore only the weights; Adam restarts with empty moments and
    # the scheduler from its first learning rate, so the run goes somewhere else.
    weights_only = make_model(demo)
    weights_only.load_state_dict(state["model"])
    w_opt, w_sched = make_optimiser(weights_only)
    train(weights_only, w_opt, w_sched, X, y, range(30, 40))
    resumes.broken(
        "resuming from the weights alone does not",
        torch.cat([p.flatten() for p in weights_only.parameters()]),
    )


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    ("forget to clear the gradients", "opt.zero_grad()  # clear", "pass  # clear"),
    (
        "resume without the optimiser's state",
        'r_opt.load_state_dict(state["opt"])',
        "pass",
    ),
    ("never step the scheduler", "sched.step()  # and", "pass  # and"),
]
