"""Reasoning models: a small step applied many times at answer time solves what one pass cannot.

A chat model answers in one forward pass of fixed depth; a reasoning model writes out
intermediate steps first, so the computation it can do grows with the tokens it spends.
Here the task is the parity of 10 bits. A tiny network that answers at once stays at chance,
while the same-sized network applied once per bit, carrying its running answer forward as
a "thought", is always right. Extra thinking pays only up to what the task needs, and
every step's error rate compounds over a long chain.
"""

import torch
import torch.nn.functional as F
from torch import nn

from demos.harness import Demo

CONCEPTS = ["reasoning-models"]

BITS = 10


def fit(model: nn.Module, x: torch.Tensor, y: torch.Tensor, steps: int) -> None:
    params = list(model.parameters())
    for _ in range(steps):
        loss = F.binary_cross_entropy_with_logits(model(x)[:, 0], y)
        grads = torch.autograd.grad(loss, params)
        with torch.no_grad():
            for p, g in zip(params, grads, strict=True):
                p -= 1.0 * g


@torch.no_grad()
def think(
    cell: nn.Module, bits: torch.Tensor, budget: int, slips: torch.Tensor | None = None
) -> torch.Tensor:
    """Write one intermediate answer per step: the parity of the bits read so far.
    slips[:, t] marks steps where the written answer comes out flipped."""
    state = torch.zeros(bits.shape[0], device=bits.device)
    for t in range(min(budget, bits.shape[1])):
        pair = torch.stack([state, bits[:, t]], 1) * 2 - 1
        state = (cell(pair)[:, 0] > 0).float()
        if slips is not None:
            state = torch.where(slips[:, t], 1 - state, state)
    return state


def run(demo: Demo) -> None:
    # All 1024 strings of 10 bits: row i holds the binary digits of i.
    shifts = torch.arange(BITS, device=demo.device)
    strings = ((torch.arange(2**BITS, device=demo.device)[:, None] >> shifts) & 1).float()
    parity = strings.sum(1) % 2

    # One reasoning step: XOR of the running answer and the next bit, learned from the
    # four cases by a 2-4-1 network.
    torch.manual_seed(0)
    cell = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 1)).to(demo.device)
    pairs = demo.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    fit(cell, pairs * 2 - 1, demo.tensor([0.0, 1.0, 1.0, 0.0]), steps=300)
    demo.equal(
        "the learned step computes XOR on all four cases",
        (cell(pairs * 2 - 1)[:, 0] > 0).float(),
        demo.tensor([0.0, 1.0, 1.0, 0.0]),
    )

    # Reasoning: 10 steps of the same cell get every one of the 1024 strings right.
    chain = demo.at_least(
        "10 steps of thought give the right parity for all 1024 strings",
        (think(cell, strings, BITS) == parity).float().mean(),
        1.0,
    )

    # Answering at once: a network of the same width reads all 10 bits in one pass.
    # Parity is uncorrelated with every bit and every weighted sum of bits, so a small
    # net's gradient carries almost no signal and it stays at chance.
    torch.manual_seed(0)
    direct = nn.Sequential(nn.Linear(BITS, 4), nn.Tanh(), nn.Linear(4, 1)).to(demo.device)
    fit(direct, strings * 2 - 1, parity, steps=300)
    one_pass = ((direct(strings * 2 - 1)[:, 0] > 0).float() == parity).float().mean()
    chain.broken("a same-sized model answering in one pass does not", one_pass)

    # A thinking budget shorter than the task leaves unread bits, each a fair coin:
    # exactly half the strings come out right, however close the budget is.
    short = [int((think(cell, strings, b) == parity).sum()) for b in (1, 5, 9)]
    demo.equal("budgets of 1, 5 and 9 steps get exactly 512 of 1024 right", short, [512] * 3)
    # Past the last bit there is nothing left to read: think() stops at 10 steps whatever
    # the budget, so this is shown, not claimed.
    demo.equal(
        "a budget of 20 steps does no better than 10",
        think(cell, strings, 20),
        think(cell, strings, BITS),
        illustration=True,
    )

    # Compounding: if each step slips with probability 0.02, a chain of L steps is
    # right only when it slips an even number of times: chance 1/2 + (1 - 0.04)^L / 2.
    for length, seed in ((10, 1), (60, 2)):
        bits = (demo.rand(20000, length, seed=seed) < 0.5).float()
        slips = demo.rand(20000, length, seed=seed + 10) < 0.02
        right = (think(cell, bits, length, slips) == bits.sum(1) % 2).float().mean()
        expected = 0.5 + 0.5 * 0.96**length
        sigma = (expected * (1 - expected) / 20000) ** 0.5
        demo.close(
            f"with 2% step errors a {length}-step chain is right {expected:.3f} of the time",
            right,
            expected,
            atol=5 * sigma,
        )


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "forget the running answer: each step sees only its bit",
        "pair = torch.stack([state, bits[:, t]], 1) * 2 - 1",
        "pair = torch.stack([torch.zeros_like(state), bits[:, t]], 1) * 2 - 1",
    ),
    (
        "stop thinking one step early",
        "for t in range(min(budget, bits.shape[1])):",
        "for t in range(min(budget, bits.shape[1]) - 1):",
    ),
    (
        "ignore the step errors",
        "state = torch.where(slips[:, t], 1 - state, state)",
        "state = torch.where(slips[:, t], state, state)",
    ),
]
