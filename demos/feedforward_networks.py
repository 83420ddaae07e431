"""Feedforward networks: neurons are weighted sums through a non-linearity; two layers solve XOR.

One neuron computes z = w.x + b and passes it through an activation. Stacking
layers of such neurons, with a non-linearity in between, lets the network carve
the input space into regions no single straight line can separate. XOR is the
smallest problem that shows it: no linear model gets all four points right.
"""

import math

import torch
import torch.nn.functional as F
from torch import nn

from demos.harness import Demo

CONCEPTS = ["feedforward-networks"]


def train_xor(net: nn.Module, X: torch.Tensor, y: torch.Tensor, steps: int = 100) -> float:
    """Full-batch gradient descent on the binary cross-entropy; returns the final accuracy."""
    for _ in range(steps):
        loss = F.binary_cross_entropy_with_logits(net(X).squeeze(-1), y)
        net.zero_grad()
        loss.backward()
        with torch.no_grad():
            for p in net.parameters():
                p -= 1.0 * p.grad
    with torch.no_grad():
        return float(((net(X).squeeze(-1) > 0).float() == y).float().mean())


def run(demo: Demo) -> None:
    # The course's single neuron: z = w.x + b, then an activation.
    x = demo.tensor([0.5, 1.0, -0.5])
    w = demo.tensor([2.0, -1.0, 0.5])
    z = w @ x + 0.1
    demo.close("the neuron's pre-activation z is -0.15", z, -0.15, atol=1e-6)
    demo.equal("ReLU of z is 0", torch.relu(z), 0.0)
    # sigmoid(-0.15) = 1 / (1 + e^0.15) = 0.46257..., which the course quotes as ~0.4625.
    demo.close("sigmoid of z is 1 / (1 + e^0.15)", torch.sigmoid(z), 1 / (1 + math.exp(0.15)))
    demo.close("sigmoid of z is about 0.4625", torch.sigmoid(z), 0.4625, atol=2e-4)

    # A layer is many neurons at once: nn.Linear is x W^T + b, and the forward pass
    # of a two-layer network is just these maps composed with an activation between.
    torch.manual_seed(0)
    mlp = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1)).to(demo.device)
    X = demo.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = demo.tensor([0.0, 1.0, 1.0, 0.0])  # XOR
    l1, l2 = mlp[0], mlp[2]
    with torch.no_grad():
        by_hand = torch.tanh(X @ l1.weight.T + l1.bias) @ l2.weight.T + l2.bias
        forward = demo.close("the forward pass is tanh(X W1^T + b1) W2^T + b2", mlp(X), by_hand)
        forward.broken(
            "composing the two layers without the tanh is not",
            (X @ l1.weight.T + l1.bias) @ l2.weight.T + l2.bias,
        )

    # No straight line separates XOR: over many random lines the best gets 3 of 4 right.
    lines = demo.randn(20000, 3, seed=1)
    predictions = (X @ lines[:, :2].T + lines[:, 2]) > 0  # (4, lines)
    best_linear = (predictions.float() == y[:, None]).float().mean(0).max()
    demo.at_most("no linear classifier gets more than 3 of the 4 XOR points", best_linear, 0.75)

    # With a hidden tanh layer, gradient descent gets all four.
    solved = demo.at_least(
        "a trained 2-8-1 tanh MLP classifies all of XOR", train_xor(mlp, X, y), 1.0
    )

    # Negative control: the same architecture without its non-linearity is one linear
    # map in disguise, so no amount of training gets it past 3 of 4.
    torch.manual_seed(0)
    linear = nn.Sequential(nn.Linear(2, 8), nn.Identity(), nn.Linear(8, 1)).to(demo.device)
    solved.broken("the same MLP with the tanh removed does not", train_xor(linear, X, y))


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "drop the hidden non-linearity",
        "nn.Linear(2, 8), nn.Tanh(),",
        "nn.Linear(2, 8), nn.Identity(),",
    ),
    ("step up the gradient instead of down", "p -= 1.0 * p.grad", "p += 1.0 * p.grad"),
    ("drop the neuron's bias", "z = w @ x + 0.1", "z = w @ x"),
]
