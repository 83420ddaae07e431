"""Chain of thought: writing out running totals lets a fixed-size model solve a multi-step sum.

A network of fixed size does a fixed amount of computation per answer. Asked for the last
digit of a four-digit sum in one go, a small network must learn a four-way interaction it
has no room for. Let it write the running total after each digit instead and every step is
the same small problem, a single addition mod 10, which the same budget of parameters
learns exactly; chaining those steps then solves sums it never saw.
"""

import torch
import torch.nn.functional as F
from torch import nn

from demos._training import adam
from demos.harness import Demo

CONCEPTS = ["chain-of-thought"]

DIGITS = 4


def mlp(n_inputs: int, hidden: int) -> nn.Module:
    """Digits in as one-hot vectors, one digit (10 classes) out."""
    return nn.Sequential(
        nn.Flatten(), nn.Linear(10 * n_inputs, hidden), nn.ReLU(), nn.Linear(hidden, 10)
    )


def train(net: nn.Module, x: torch.Tensor, y: torch.Tensor) -> None:
    """300 steps of full-batch Adam."""
    inputs = F.one_hot(x, 10).float()
    adam(list(net.parameters()), lambda _: F.cross_entropy(net(inputs), y), 300, lr=0.01)


def predict(net: nn.Module, x: torch.Tensor) -> torch.Tensor:
    with torch.no_grad():
        return net(F.one_hot(x, 10).float()).argmax(-1)


def run(demo: Demo) -> None:
    problems = demo.randint(10, 2000, DIGITS, seed=0)
    answers = problems.sum(1) % 10
    train_x, test_x = problems[:1000], problems[1000:]
    train_y, test_y = answers[:1000], answers[1000:]

    # Chain of thought: the step solver sees (running total, next digit) and writes the
    # new running total. Its data are the steps of the 1000 training problems, which
    # boil down to the 100 distinct (total, digit) pairs.
    totals = problems.cumsum(1) % 10
    steps_x = torch.stack([totals[:1000, :-1], train_x[:, 1:]], dim=-1).flatten(0, 1)
    steps_x = torch.unique(steps_x, dim=0)
    steps_y = steps_x.sum(1) % 10
    torch.manual_seed(0)
    step_solver = mlp(2, 48).to(demo.device)
    train(step_solver, steps_x, steps_y)
    table = torch.cartesian_prod(*[torch.arange(10, device=demo.device)] * 2)
    step_accuracy = (predict(step_solver, table) == table.sum(1) % 10).float().mean()
    demo.at_least("the step solver gets all 100 single additions mod 10 right", step_accuracy, 1.0)

    # Answer a held-out problem by writing each intermediate total and feeding it back.
    running = test_x[:, 0]
    for i in range(1, DIGITS):
        running = predict(step_solver, torch.stack([running, test_x[:, i]], dim=1))
    cot_accuracy = (running == test_y).float().mean()

    # The direct solver gets at least as many parameters and the same training
    # problems, but must map four digits to the answer in a single pass.
    torch.manual_seed(0)
    direct = mlp(DIGITS, 32).to(demo.device)
    n_step = sum(p.numel() for p in step_solver.parameters())
    n_direct = sum(p.numel() for p in direct.parameters())
    # A design choice of this demo, not a finding: shown, not counted.
    demo.at_least(
        "the direct solver has at least as many parameters",
        n_direct / n_step,
        1.0,
        illustration=True,
    )
    train(direct, train_x, train_y)
    direct_accuracy = (predict(direct, test_x) == test_y).float().mean()
    demo.at_most(
        "answering in one pass it gets at most 40% of the unseen sums", direct_accuracy, 0.4
    )

    # The chain's claims, and the one-pass answer held to the same standard.
    chained = demo.at_least(
        "chaining its steps solves 99% of 1000 unseen 4-digit sums", cot_accuracy, 0.99
    )
    chained.broken("answering in one pass without the written steps does not", direct_accuracy)
    # Writing the totals only helps if they are read back: a chain that feeds each step
    # the previous digit instead of its own running total has nothing to build on.
    # Its last step then sees only the last two digits.
    ignored = predict(step_solver, test_x[:, -2:])
    chained.broken(
        "nor does a chain that ignores its running total", (ignored == test_y).float().mean()
    )


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "feed each step the previous digit, not the running total it wrote",
        "running = predict(step_solver, torch.stack([running, test_x[:, i]], dim=1))",
        "running = predict(step_solver, torch.stack([test_x[:, i - 1], test_x[:, i]], dim=1))",
    ),
    (
        "stop after the first written step",
        "for i in range(1, DIGITS):",
        "for i in range(1, 2):",
    ),
]
