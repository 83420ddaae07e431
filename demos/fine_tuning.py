"""Fine-tuning: continued training stores a new task in the weights, and can erase an old one.

A small network is pre-trained on task A, then fully fine-tuned on task B, each input
carrying a flag that says which task it is. Fine-tuning starts from the pre-trained
weights, so A survives its first steps; but because every weight is updated and only B
is seen, A is forgotten over time (catastrophic forgetting). Mixing A data
back into the fine-tuning set (replay) keeps most of A. Full fine-tuning with Adam also
holds a gradient and two moment estimates beside every weight: the memory bill.
"""

import torch
import torch.nn.functional as F
from torch import nn

from demos._training import adam
from demos.harness import Demo

CONCEPTS = ["fine-tuning"]


def task_data(demo: Demo, task: int, n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    x = demo.randn(n, 8, seed=seed)
    # A: do the first two features share a sign? B: a different rule on overlapping features.
    y = (x[:, 0] * x[:, 1] > 0) if task == 0 else (x[:, 2] + x[:, 3] - x[:, 0] > 0)
    flag = F.one_hot(torch.full((n,), task, device=demo.device), 2).float()
    return torch.cat([x, flag], dim=1), y.long()


def new_net(demo: Demo) -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 2)).to(demo.device)


def train(net: nn.Module, x: torch.Tensor, y: torch.Tensor, steps: int = 200) -> int:
    """Full-batch Adam on every parameter; returns the bytes of training state it held."""
    params = list(net.parameters())
    grads, m, v = adam(params, lambda _: F.cross_entropy(net(x), y), steps, lr=0.01)
    return sum(t.nbytes for t in [*params, *grads, *m, *v])


def fine_tune(
    demo: Demo, base: nn.Module, x: torch.Tensor, y: torch.Tensor, steps: int = 200
) -> nn.Module:
    """Continue training a copy of the pre-trained model on new data."""
    net = new_net(demo)
    net.load_state_dict(base.state_dict())  # start where pre-training ended
    train(net, x, y, steps)
    return net


def accuracy(net: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    with torch.no_grad():
        return float((net(x).argmax(-1) == y).float().mean())


def run(demo: Demo) -> None:
    (xa, ya), (xb, yb) = task_data(demo, 0, 1000, seed=0), task_data(demo, 1, 1000, seed=1)
    test_a, test_b = task_data(demo, 0, 1000, seed=2), task_data(demo, 1, 1000, seed=3)

    base = new_net(demo)
    state_bytes = train(base, xa, ya)
    base_a = accuracy(base, *test_a)
    demo.at_least("the pre-trained model solves task A (>= 0.9)", base_a, 0.9)

    # Every weight, its gradient and Adam's two moments: 4 fp32 numbers, 16 bytes per
    # parameter. (Mixed precision is also ~16: bf16 weights and grads plus fp32 master
    # weights and moments, so a 7B model needs ~112 GB before any activations.) The
    # trainer allocates exactly those four tensors, so this is shown, not claimed.
    n_params = sum(p.numel() for p in base.parameters())
    demo.equal(
        "full fine-tuning with Adam holds 16 bytes per parameter",
        state_bytes / n_params,
        16.0,
        illustration=True,
    )

    # Fine-tuning starts from what pre-training learned, so forgetting takes time: after
    # a handful of steps on B the model still knows A. The same few steps from a fresh
    # initialisation know nothing of A (chance is 0.5).
    early = demo.at_least(
        "after 5 fine-tuning steps on B, task A is still >= 0.8",
        accuracy(fine_tune(demo, base, xb, yb, steps=5), *test_a),
        0.8,
    )
    fresh = new_net(demo)
    train(fresh, xb, yb, steps=5)
    early.broken("5 steps on B from a fresh initialisation do not", accuracy(fresh, *test_a))

    # Fine-tune on task B only, for the full 200 steps.
    tuned = fine_tune(demo, base, xb, yb)
    demo.at_least("fine-tuning on B reaches >= 0.85 on B", accuracy(tuned, *test_b), 0.85)
    demo.at_least(
        "and drops task A accuracy by >= 0.2 (forgetting)", base_a - accuracy(tuned, *test_a), 0.2
    )

    # Replay: the same fine-tuning with task A data mixed in.
    mixed = fine_tune(demo, base, torch.cat([xb, xa]), torch.cat([yb, ya]))
    demo.at_least("with replay B still reaches >= 0.85", accuracy(mixed, *test_b), 0.85)
    kept = demo.at_most("and task A drops by <= 0.2", base_a - accuracy(mixed, *test_a), 0.2)
    kept.broken("without replay task A drops by more", base_a - accuracy(tuned, *test_a))


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "fine-tune a fresh network instead of the pre-trained one",
        "net.load_state_dict(base.state_dict())",
        "net.load_state_dict(new_net(demo).state_dict())",
    ),
    (
        "replay B twice instead of mixing A back in",
        "torch.cat([xb, xa]), torch.cat([yb, ya])",
        "torch.cat([xb, xb]), torch.cat([yb, yb])",
    ),
]
