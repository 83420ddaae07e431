"""Functions: linear ones change at a constant rate and compose into linear ones; others do not.

y = mx + b rises by m for every step of 1 in x, and composing linear functions gives
another linear function. That is why a stack of linear layers, however deep, is one
linear layer in disguise, and why networks put a non-linearity between them. The
exponential's explosive growth is also why a softmax lets its largest input dominate.
"""

import torch
from torch import nn

from demos.harness import Demo

CONCEPTS = ["functions"]


def run(demo: Demo) -> None:
    f64 = {"device": demo.device, "dtype": torch.float64}
    x = torch.linspace(-3, 3, 13, **f64)  # step 0.5

    # y = 3x + 1: going from x = 2 to x = 4 adds slope * 2 = 6, wherever you start.
    def line(t: torch.Tensor) -> torch.Tensor:
        return 3 * t + 1

    two, four = (demo.tensor(v, dtype=torch.float64) for v in (2.0, 4.0))
    demo.close("3x + 1 rises by 6 from x = 2 to x = 4", line(four) - line(two), 6.0)
    # A linear function's steps are all equal: the rate of change is constant.
    steady = demo.close(
        "equal steps in x give equal steps in 3x + 1",
        line(x).diff(),
        torch.full((12,), 1.5, **f64),
    )
    steady.broken("x^2's steps are not equal: they grow", (x**2).diff())
    # x^2's steps grow steadily instead: its second differences are a constant 2 * 0.5^2.
    demo.close(
        "x^2's second differences are constant 0.5",
        (x**2).diff().diff(),
        torch.full((11,), 0.5, **f64),
    )
    # An exponential's steps grow by a constant factor: 2^x doubles for every step of 1.
    demo.close(
        "2^(x + 1) / 2^x = 2 everywhere",
        2 ** (x + 1) / 2**x,
        torch.full((13,), 2.0, **f64),
    )

    # Composing f(x) = 2x + 1 with g(x) = -x + 4 gives f(g(x)) = -2x + 9, linear again.
    f = lambda t: 2 * t + 1  # noqa: E731
    g = lambda t: -t + 4  # noqa: E731
    composed = demo.close("f(g(x)) = -2x + 9", f(g(x)), -2 * x + 9)
    composed.broken("the other order, g(f(x)) = -2x + 3, is a different line", g(f(x)))

    # The same holds for layers: five nn.Linear layers in a row equal one, whose weight is the
    # product of theirs and whose bias collects the others pushed through.
    torch.manual_seed(0)
    deep = nn.Sequential(*(nn.Linear(6, 6) for _ in range(5))).to(demo.device).double()
    W, b = torch.eye(6, **f64), torch.zeros(6, **f64)
    for layer in deep:
        W, b = layer.weight @ W, layer.weight @ b + layer.bias
    inputs = demo.randn(64, 6, seed=0, dtype=torch.float64)
    with torch.no_grad():
        demo.close("five linear layers equal one linear layer", deep(inputs), inputs @ W.T + b)
        relu_net = nn.Sequential(*(m for layer in deep for m in (layer, nn.ReLU())))[:-1]
        outputs = {"linear": deep(inputs), "relu": relu_net(inputs)}

    # The best single linear layer for each network, by least squares on [x, 1].
    def best_linear_fit_error(y: torch.Tensor) -> torch.Tensor:
        X1 = torch.cat([inputs, torch.ones_like(inputs[:, :1])], 1)
        coef = torch.linalg.solve(X1.T @ X1, X1.T @ y)  # the normal equations
        return (X1 @ coef - y).abs().max()

    fits = demo.at_most(
        "a single linear layer fits the linear stack",
        best_linear_fit_error(outputs["linear"]),
        1e-9,
    )
    # With a ReLU between layers no single linear layer can match them.
    fits.broken("none fits the stack with ReLUs between", best_linear_fit_error(outputs["relu"]))

    # 2^x makes the largest input dominate: for [1, 2, 3, 10] it takes 1024 / 1038 of the
    # total, whereas plain proportions give the 10 only 10 / 16.
    scores = demo.tensor([1.0, 2.0, 3.0, 10.0], dtype=torch.float64)
    dominates = demo.at_least(
        "2^x normalisation gives the 10 over 95%", (2**scores / (2**scores).sum())[-1], 0.95
    )
    dominates.broken("plain proportions give it 10/16", (scores / scores.sum())[-1])


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "forget to push the bias through the later layers",
        "layer.weight @ b + layer.bias",
        "b + layer.bias",
    ),
    ("no non-linearity between the layers", "(layer, nn.ReLU())", "(layer, nn.Identity())"),
    ("a line that is not linear", "return 3 * t + 1", "return 3 * t + 0.1 * t * t + 1"),
]
