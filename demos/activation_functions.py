"""Activation functions: ReLU, sigmoid, GELU, SiLU, and how the choice decides if gradients survive.

The non-linearity between layers is what lets a deep network be more than one
matrix. Its slope also multiplies every gradient on the way back: sigmoid's is
at most 1/4, so a deep sigmoid stack starves its early layers, while ReLU passes
gradients through unchanged wherever it is active.
"""

import torch
import torch.nn.functional as F

from demos.harness import Demo

CONCEPTS = ["activation-functions"]


def deep_stack(x: torch.Tensor, weights: list[torch.Tensor], act: str) -> torch.Tensor:
    activation = {"relu": torch.relu, "sigmoid": torch.sigmoid, "none": lambda h: h}[act]
    for W in weights:
        x = activation(x @ W)
    return x


def input_gradient_norm(x: torch.Tensor, weights: list[torch.Tensor], act: str) -> torch.Tensor:
    x = x.clone().requires_grad_(True)
    deep_stack(x, weights, act).sum().backward()
    return x.grad.norm()


def run(demo: Demo) -> None:
    # The course's worked example: ReLU keeps positives and zeroes the rest.
    demo.equal(
        "ReLU on [-2, -0.1, 0, 0.3, 2] is [0, 0, 0, 0.3, 2]",
        torch.relu(demo.tensor([-2.0, -0.1, 0.0, 0.3, 2.0])),
        demo.tensor([0.0, 0.0, 0.0, 0.3, 2.0]),
    )

    # Sigmoid's slope peaks at the origin at 1/4, and that is the most it ever passes back.
    z = demo.tensor(0.0).requires_grad_(True)
    torch.sigmoid(z).backward()
    demo.close("sigmoid'(0) = 0.25", z.grad, 0.25)

    # The smooth transformer activations, written out.
    x = torch.linspace(-6, 6, 2001, device=demo.device)
    demo.close("SiLU(x) = x * sigmoid(x)", F.silu(x), x * torch.sigmoid(x))
    demo.at_most(
        "GELU's tanh approximation is within 1e-3 of the exact erf form on [-6, 6]",
        (F.gelu(x) - F.gelu(x, approximate="tanh")).abs().max(),
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
    tol = 1e-3 if demo.on_gpu else 1e-4
    demo.close(
        "with no activation, 20 layers equal one matrix (their product)",
        deep_stack(inputs, weights, "none") / scale,
        inputs @ product / scale,
        atol=tol,
    )
    # Negative control: put ReLU back and the stack is no longer that one linear map.
    demo.close(
        "with ReLU, 20 layers still equal one matrix (their product)",
        deep_stack(inputs, weights, "relu") / scale,
        inputs @ product / scale,
        atol=tol,
        negative=True,
    )
