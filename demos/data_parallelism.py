"""Data parallelism: per-shard gradients, averaged by a ring all-reduce, equal the full-batch one.

Each rank holds a full copy of the model and runs forward and backward on its own
slice of the batch. Because a mean loss is a sum over examples, the mean of equal
shards' gradients is the full batch's gradient, so after an all-reduce every replica
takes the same step and they never drift apart. The ring all-reduce gets there with
each rank sending only 2(R-1)/R of the gradient, however many ranks there are.
"""

import torch
import torch.nn.functional as F
from torch import nn

from demos.harness import Demo

CONCEPTS = ["data-parallelism"]


def ring_all_reduce(
    buffers: list[torch.Tensor], gather_adds: bool = False
) -> tuple[list[torch.Tensor], int]:
    """Sum equal-length vectors held by R simulated ranks; also return elements sent per rank.

    ``gather_adds`` is the bug of reusing the reduce step's ``+=`` in the all-gather.
    """
    R = len(buffers)
    chunks = [list(b.clone().chunk(R)) for b in buffers]
    sent = 0
    # Reduce-scatter: at step s rank r passes chunk (r - s) on to rank r + 1, which adds it.
    # After R - 1 steps rank r holds the complete sum of chunk (r + 1) mod R.
    for s in range(R - 1):
        msgs = [(r, (r - s) % R, chunks[r][(r - s) % R].clone()) for r in range(R)]
        for r, c, data in msgs:
            chunks[(r + 1) % R][c] += data
        sent += msgs[0][2].numel()
    # All-gather: pass the finished chunks around the ring once more, overwriting.
    for s in range(R - 1):
        msgs = [(r, (r + 1 - s) % R, chunks[r][(r + 1 - s) % R].clone()) for r in range(R)]
        for r, c, data in msgs:
            if gather_adds:
                chunks[(r + 1) % R][c] += data
            else:
                chunks[(r + 1) % R][c] = data
        sent += msgs[0][2].numel()
    return [torch.cat(c) for c in chunks], sent


def make_model(device: torch.device) -> nn.Module:
    torch.manual_seed(0)  # same seed: every replica starts from the same weights
    return nn.Sequential(nn.Linear(10, 16), nn.Tanh(), nn.Linear(16, 4)).to(device)  # 244 params


def sgd_step(model: nn.Module, grad: torch.Tensor, lr: float) -> None:
    with torch.no_grad():
        flat = torch.nn.utils.parameters_to_vector(model.parameters())
        torch.nn.utils.vector_to_parameters(flat - lr * grad, model.parameters())


def flat_grad(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    model.zero_grad()
    F.cross_entropy(model(x), y).backward()
    return torch.cat([p.grad.flatten() for p in model.parameters()])


def run(demo: Demo) -> None:
    R, batch = 4, 32
    model = make_model(demo.device)
    x, y = demo.randn(batch, 10, seed=1), demo.randint(4, batch, seed=2)

    full = flat_grad(model, x, y)
    local = [flat_grad(model, xs, ys) for xs, ys in zip(x.chunk(R), y.chunk(R), strict=True)]
    reduced, sent = ring_all_reduce(local)
    # The ring adds the same four numbers as a plain sum but in another order, and a shard's
    # weight gradient sums 8 examples where the full batch sums 32: float32 results agree to a
    # few ulps of the gradients' size (~0.1, so ~1e-8). On a GPU cuBLAS may split those batch
    # sums differently per shape (and fuse multiply-adds): ~32 * 6e-8 * |x * dh| ~ 2e-6, so 1e-5.
    tol = 1e-5 if demo.on_gpu else 1e-6
    ring = demo.close(
        "the ring all-reduce leaves every rank with the sum of all ranks' gradients",
        torch.stack(reduced),
        torch.stack(local).sum(0).expand(R, -1),
        atol=tol,
    )
    # The all-gather must overwrite: adding there counts every finished chunk twice.
    doubled, _ = ring_all_reduce(local, gather_adds=True)
    ring.broken("an all-gather that adds instead of overwriting does not", torch.stack(doubled))

    mean = demo.close("their mean equals the full-batch gradient", reduced[0] / R, full, atol=tol)
    mean.broken("a rank's own gradient, never all-reduced, does not", local[0])
    demo.equal(
        "each rank sends 2(R-1)/R of the gradient (counted by the ring itself)",
        sent,
        2 * (R - 1) * full.numel() // R,
        illustration=True,
    )

    # Training: four replicas, each stepping with the all-reduced gradient, against one
    # model on the whole batch. The replicas stay bit-identical to each other.
    replicas, single = [make_model(demo.device) for _ in range(R)], make_model(demo.device)
    for _ in range(10):
        shards = zip(replicas, x.chunk(R), y.chunk(R), strict=True)
        reduced, _ = ring_all_reduce([flat_grad(m, xs, ys) for m, xs, ys in shards])
        for m, g in zip(replicas, reduced, strict=True):
            sgd_step(m, g / R, lr=0.5)
        sgd_step(single, flat_grad(single, x, y), lr=0.5)
    weights = torch.stack([torch.nn.utils.parameters_to_vector(m.parameters()) for m in replicas])
    demo.equal(
        "after 10 steps all replicas hold identical weights", weights, weights[:1].expand(R, -1)
    )
    demo.close(
        "and match one model trained on the full batch",
        weights[0],
        torch.nn.utils.parameters_to_vector(single.parameters()),
        atol=1e-4 if demo.on_gpu else 1e-5,  # ten steps at lr 0.5 compound those differences
    )

    # Unequal shards (2, 6, 10, 14 examples): each local mean must be weighted by its size,
    # since a mean loss over the batch gives every example, not every shard, the same weight.
    sizes = [2, 6, 10, 14]
    uneven = [
        flat_grad(model, xs, ys) for xs, ys in zip(x.split(sizes), y.split(sizes), strict=True)
    ]
    weighted = sum(g * n for g, n in zip(uneven, sizes, strict=True)) / batch
    by_size = demo.close(
        "size-weighted shard gradients equal the full-batch gradient", weighted, full, atol=tol
    )
    by_size.broken("a plain mean over the unequal shards does not", torch.stack(uneven).mean(0))


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "reduce-scatter walks the ring the wrong way round",
        "(r - s) % R, chunks[r][(r - s) % R]",
        "(r + s) % R, chunks[r][(r + s) % R]",
    ),
    (
        "weight unequal shards equally",
        "weighted = sum(g * n for g, n in zip(uneven, sizes, strict=True)) / batch",
        "weighted = torch.stack(uneven).mean(0)",
    ),
    (
        "replicas step with the summed gradient, not its mean",
        "sgd_step(m, g / R, lr=0.5)",
        "sgd_step(m, g, lr=0.5)",
    ),
]
