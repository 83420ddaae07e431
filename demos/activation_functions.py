"""Activation functions: ReLU, sigmoid, GELU, SiLU, and how the choice decides if gradients survive.

The non-linearity between layers is what lets a deep network be more than one
matrix. Its slope also multiplies every gradient on the way back: sigmoid's is
at most 1/4, so a deep sigmoid stack starves its early layers, while ReLU passes
gradients through unchanged wherever it is active. Each activation is written
out here from its formula and checked against PyTorch's own.
"""

import math

import torch
import torch.nn.functional as F

from demos.harness import Demo

CONCEPTS = ["activation-functions"]


def relu(x: torch.Tensor) -> torch.Tensor:
    return torch.where(x > 0, x, torch.zeros_like(x))


def sigmoid(x: torch.Tensor) -> torch.Tensor:
    return 1 / (1 + torch.exp(-x))


def silu(x: torch.Tensor) -> torch.Tensor:
    return x * sigmoid(x)  # also called swish


def gelu(x: torch.Tensor) -> torch.Tensor:
    # x times the standard normal CDF Phi(x) = (1 + erf(x / sqrt 2)) / 2.
    return 0.5 * x * (1 + torch.erf(x / math.sqrt(2)))


def gelu_tanh(x: torch.Tensor) -> torch.Tensor:
    # GPT-2's cheaper approximation of Phi through tanh and a cubic correction.
    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))


def deep_stack(x: torch.Tensor, weights: list[torch.Tensor], act: str) -> torch.Tensor:
    activation = {"relu": relu, "sigmoid": sigmoid, "none": lambda h: h}[act]
    for W in weights:
        x = activation(x @ W)
    return x


def input_gradient_norm(x: torch.Tensor, weights: list[torch.Tensor], act: str) -> torch.Tensor:
    x = x.clone().requires_grad_(True)
    deep_stack(x, weights, act).sum().backward()
    return x.grad.norm()


def run(demo: Demo) -> None:
    # The course's worked examples: ReLU keeps positives and zeroes the rest, and the
    # neuron x = [0.5, 1, -0.5], w = [2, -1, 0.5], b = 0.1 has z = -0.15, sigmoid(z) = 0.46257.
    demo.equal(
        "ReLU on [-2, -0.1, 0, 0.3, 2] is [0, 0, 0, 0.3, 2]",
        relu(demo.tensor([-2.0, -0.1, 0.0, 0.3, 2.0])),
        demo.tensor([0.0, 0.0, 0.0, 0.3, 2.0]),
    )
    z = demo.tensor([0.5, 1.0, -0.5]) @ demo.tensor([2.0, -1.0, 0.5]) + 0.1
    demo.close("the neuron's sigmoid(-0.15) is 0.46257 (by hand)", sigmoid(z), 0.4625701547)

    # Sigmoid's slope peaks at the origin at 1/4, and that is the most it ever passes back.
    origin = demo.tensor(0.0).requires_grad_(True)
    sigmoid(origin).backward()
    demo.close("sigmoid'(0) = 0.25", origin.grad, 0.25)

    # Each formula against PyTorch's kernel on [-6, 6].
    x = torch.linspace(-6, 6, 2001, device=demo.device)
    logistic = demo.close("1 / (1 + e^-x) equals torch.sigmoid", sigmoid(x), torch.sigmoid(x))
    logistic.broken("with e^+x it is sigmoid(-x), falling instead of rising", 1 / (1 + x.exp()))
    demo.close("x * sigmoid(x) equals F.silu", silu(x), F.silu(x))
    demo.close("x * Phi(x) with Phi from erf equals F.gelu", gelu(x), F.gelu(x))
    approx = demo.close(
        "the tanh form equals F.gelu(approximate='tanh')",
        gelu_tanh(x),
        F.gelu(x, approximate="tanh"),
    )
    approx.broken(
        "without the 0.044715 x^3 term it does not",
        0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * x)),
    )
    demo.at_most(
        "GELU's tanh approximation is within 1e-3 of the exact erf form on [-6, 6]",
        (gelu(x) - gelu_tanh(x)).abs().max(),
        1e-3,
    )

    # Same 20 He-initialised layers, two activations: sigmoid's slopes (<= 1/4 each)
    # multiply up along the chain and the input gradient all but vanishes.
    width, depth = 32, 20
    weights = [demo.randn(width, width, seed=10 + i) * (2 / width) ** 0.5 for i in range(depth)]
    inputs = demo.randn(64, width, seed=1)
    ratio = input_gradient_norm(inputs, weights, "sigmoid") / input_gradient_norm(
        inputs, weights, "relu"
    )
    demo.at_most("a 20-layer sigmoid stack's input gradient is < 1e-6 of ReLU's", ratio, 1e-6)

    # Without any activation the 20 layers collapse into a single matrix.
    product = weights[0]
    for W in weights[1:]:
        product = product @ W
    scale = product.abs().max()  # compare relative to the size of the numbers involved
    # The two sides associate 20 float32 products of 32-long sums differently; each
    # rounds at ~ sqrt(32) * 6e-8 relative, and 20 of them stay well under 1e-4 on any device.
    collapse = demo.close(
        "with no activation, 20 layers equal one matrix (their product)",
        deep_stack(inputs, weights, "none") / scale,
        inputs @ product / scale,
        atol=1e-4,
    )
    collapse.broken(
        "with ReLU between them they are no longer that one linear map",
        deep_stack(inputs, weights, "relu") / scale,
    )


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    ("sign flip in the sigmoid", "1 / (1 + torch.exp(-x))", "1 / (1 + torch.exp(x))"),
    ("GELU's erf without the 1/sqrt(2)", "torch.erf(x / math.sqrt(2))", "torch.erf(x)"),
    ("drop the activation between layers", "x = activation(x @ W)", "x = x @ W"),
]
