"""Tensors and shapes: views share memory, transposes are not contiguous, reshape is not permute.

A tensor is a block of memory plus a shape and strides that say how to walk it.
view and reshape reread the same numbers in row-major order, transpose and permute
swap strides without moving anything, and broadcasting stretches size-1 dimensions.
Knowing which operation moves data and which only relabels it prevents silent bugs.
"""

from collections.abc import Callable

import torch

from demos.harness import Demo

CONCEPTS = ["tensors"]


def raises(op: Callable[[], object]) -> int:
    try:
        op()
    except RuntimeError:
        return 1
    return 0


def run(demo: Demo) -> None:
    x = demo.randn(8, 5, 16, seed=0)

    # Shapes from the checklist.
    shapes = [x.permute(1, 0, 2).shape, x.flatten(start_dim=1).shape, x.unsqueeze(0).shape]
    demo.equal(
        "permute(1, 0, 2), flatten(1) and unsqueeze(0) of (8, 5, 16)",
        [s for shape in shapes for s in shape],
        [5, 8, 16, 8, 80, 1, 8, 5, 16],
    )

    # reshape keeps row-major order: element [i, j, k] lands at [i, 16 j + k], so each
    # row of the result is x[i, 0], x[i, 1], ..., x[i, 4] laid end to end.
    demo.equal(
        "reshape (8, 80) puts x[i, j, k] at [i, 16 j + k]",
        x.reshape(8, 80),
        torch.cat([x[:, j] for j in range(5)], dim=1),
    )

    # A transpose only swaps strides, so its elements are no longer in row-major order in
    # memory: view(-1) refuses, reshape(-1) copies, and .contiguous() makes the copy explicitly.
    t = x.transpose(0, 1)
    demo.equal("transpose(0, 1).view(-1) raises", raises(lambda: t.view(-1)), 1)
    demo.equal("reshape(-1) equals contiguous().view(-1)", t.reshape(-1), t.contiguous().view(-1))
    # The transpose built by hand: slice j of the result is column j of x, x[:, j].
    swapped = demo.equal(
        "transpose(0, 1) puts x[i, j, k] at [j, i, k]", t, torch.stack([x[:, j] for j in range(5)])
    )
    # The classic bug: reshape(5, 8, 16) has the right shape but reads the numbers in the old
    # order, so it is not the transpose.
    swapped.broken("x.reshape(5, 8, 16) has the shape but not the transpose", x.reshape(5, 8, 16))

    # A view shares memory with its base: writing through it changes the original.
    base = torch.zeros(2, 6, device=demo.device)
    base.view(3, 4)[1, 0] = 1.0  # row 1, column 0 of the view is element 4 of the buffer
    demo.equal(
        "writing through view(3, 4) changes the original", base.flatten().nonzero().flatten(), [4]
    )
    copy = base.clone()
    copy.view(3, 4)[2, 3] = 1.0
    demo.equal("writing through a clone leaves the original alone", base.sum(), 1.0)

    # cat joins along an existing dimension; stack adds a new one.
    a, b = demo.randn(2, 3, seed=1), demo.randn(2, 3, seed=2)
    demo.equal(
        "cat gives (4, 3), stack gives (2, 2, 3)",
        [*torch.cat([a, b], 0).shape, *torch.stack([a, b], 0).shape],
        [4, 3, 2, 2, 3],
    )
    demo.equal("stack(dim=0)[1] is the second tensor", torch.stack([a, b], 0)[1], b)

    # Broadcasting: (4, 1) + (3,) stretches both size-1 dimensions to give (4, 3),
    # with entry [i, j] = col[i] + row[j].
    col, row = demo.randn(4, 1, seed=3), demo.randn(3, seed=4)
    by_hand = demo.tensor([[(col[i, 0] + row[j]).item() for j in range(3)] for i in range(4)])
    demo.equal("(4, 1) + (3,) gives [i, j] = col[i] + row[j]", col + row, by_hand)

    # Boolean masks select the entries where the condition holds, as a flat tensor.
    mask = x > 1
    demo.equal(
        "x[x > 1] lists the entries above 1 in row-major order",
        x[mask],
        demo.tensor([value for value in x.flatten().tolist() if value > 1]),
    )
    demo.equal(
        "masked_fill zeroes exactly those entries",
        (x.masked_fill(mask, 0) != x).sum(),
        int(mask.sum()),
    )


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    ("reshape where a transpose is meant", "t = x.transpose(0, 1)", "t = x.reshape(5, 8, 16)"),
    (
        "copy where a view is meant",
        "base.view(3, 4)[1, 0] = 1.0",
        "base.clone().view(3, 4)[1, 0] = 1.0",
    ),
    ("view where a copy is meant", "copy = base.clone()", "copy = base.view(2, 6)"),
]
