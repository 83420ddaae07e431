"""Weight initialisation: pick each layer's weight scale so the signal's variance survives depth.

A linear layer y = x W with fan_in inputs and weights of variance s^2 gives each
output variance fan_in * s^2 * E[x^2]. ReLU then zeroes half of a symmetric input,
so E[relu(y)^2] = Var(y) / 2. Put together, one ReLU layer multiplies the
pre-activation variance by fan_in * s^2 / 2: choose s^2 = 2 / fan_in (Kaiming He's
rule) and that factor is exactly 1, so the signal keeps its size through any depth.
Any other choice compounds: the variance shrinks or grows geometrically, by the same
factor at every layer, and after 20 layers the signal has vanished or exploded.
Glorot/Xavier's 1 / fan_in (for fan_in = fan_out) is the right rule for tanh, which
is linear near zero, but it halves the variance at every ReLU layer.
"""

import math

import torch

from demos.harness import Demo

CONCEPTS = ["weight-initialisation"]

WIDTH, DEPTH, BATCH = 256, 20, 128


def init_std(fan_in: int, gain: float) -> float:
    """Standard deviation that makes Var(weight) = gain / fan_in."""
    return math.sqrt(gain / fan_in)


HE_GAIN = 2.0  # ReLU keeps half of the second moment, so the weights must double it back
GLOROT_GAIN = 1.0  # right for tanh-like units; too small for ReLU
LARGE_GAIN = 4.0  # too large: the variance doubles at every layer


def make_weights(demo: Demo, gain: float) -> list[torch.Tensor]:
    std = init_std(WIDTH, gain)
    return [demo.randn(WIDTH, WIDTH, seed=100 + i) * std for i in range(DEPTH)]


def preactivation_variances(x: torch.Tensor, weights: list[torch.Tensor]) -> list[float]:
    """Variance of every layer's pre-activation x W, the quantity the init rule controls."""
    out = []
    for i, W in enumerate(weights):
        y = x @ W
        out.append(y.var().item())
        x = torch.relu(y) if i < len(weights) - 1 else y
    return out


def run(demo: Demo) -> None:
    x = demo.randn(BATCH, WIDTH, seed=1)

    # 1. He init: the pre-activation variance at layer 20 is that of layer 1, up to the
    # sampling noise of finite width: each layer's factor is 1 +- ~sqrt(2/256), so log2 of
    # the product of 19 of them wanders by about half a unit. The wrong gains miss by 19.
    he = preactivation_variances(x, make_weights(demo, HE_GAIN))
    stays = demo.between(
        "He init (Var w = 2/fan_in): log2(layer-20 / layer-1 pre-activation variance) in [-2, 2]",
        math.log2(he[-1] / he[0]),
        -2.0,
        2.0,
    )
    glorot = preactivation_variances(x, make_weights(demo, GLOROT_GAIN))
    large = preactivation_variances(x, make_weights(demo, LARGE_GAIN))
    stays.broken("with Var w = 1/fan_in (Glorot for fan_in = fan_out) the signal vanishes",
                 math.log2(glorot[-1] / glorot[0]))  # fmt: skip
    stays.broken("with Var w = 4/fan_in the signal explodes", math.log2(large[-1] / large[0]))

    # 2. The theory predicts the rate, not just the direction: each ReLU layer multiplies
    # the variance by gain / 2, so 19 layers after the first give (gain/2)^19:
    # 2^-19 for Glorot's gain 1 and 2^+19 for gain 4. Measured in log2 units, the
    # finite-width noise is a fraction of one unit.
    demo.between(
        "Glorot under ReLU: log2 of the variance ratio is -19 +- 2 (halves each layer)",
        math.log2(glorot[-1] / glorot[0]),
        -21.0,
        -17.0,
    )
    demo.between(
        "Var w = 4/fan_in under ReLU: log2 of the variance ratio is +19 +- 2 (doubles)",
        math.log2(large[-1] / large[0]),
        17.0,
        21.0,
    )

    # 3. The same holds backwards: with fan_in = fan_out, He's rule also keeps the gradient's
    # size as it flows from the output back to the input (ReLU's derivative is 1 on half the
    # units, which halves the variance, and 2/fan_out doubles it back). Scaling every layer
    # alike cancels out of the ratio of two weight gradients, so measure the gradient that
    # reaches the input against the one that entered at the top.
    def input_over_output_grad(gain: float) -> float:  # in log2 units
        h = x.clone().requires_grad_(True)
        out = h
        for i, W in enumerate(make_weights(demo, gain)):
            out = out @ W
            if i < DEPTH - 1:
                out = torch.relu(out)
        upstream = demo.randn(BATCH, WIDTH, seed=2)
        (out * upstream).sum().backward()
        return math.log2(h.grad.norm().item() / upstream.norm().item())

    grads = demo.between(
        "He init: log2(|grad at the input| / |grad entering layer 20|) in [-2, 2]",
        input_over_output_grad(HE_GAIN),
        -2.0,
        2.0,
    )
    grads.broken("with Glorot's 1/fan_in it has shrunk ~2^9.5-fold on the way down",
                 input_over_output_grad(GLOROT_GAIN))  # fmt: skip

    # 4. Why not initialise everything to the same constant? Every hidden unit then computes
    # the same thing and receives the same gradient, so they can never become different:
    # the symmetry is never broken. Random init gives each unit its own gradient.
    def hidden_gradient_spread(W1: torch.Tensor) -> float:
        W1 = W1.clone().requires_grad_(True)
        W2 = torch.full((WIDTH, 1), 0.1, device=demo.device)
        (torch.relu(x @ W1) @ W2).square().mean().backward()
        columns = W1.grad  # column j holds hidden unit j's incoming-weight gradient
        return (columns - columns[:, :1]).abs().max().item()

    same = demo.at_most(
        "constant init: every hidden unit gets the identical gradient (symmetry never breaks)",
        hidden_gradient_spread(torch.full((WIDTH, WIDTH), 0.01, device=demo.device)),
        0.0,
    )
    same.broken("random init gives each hidden unit its own gradient",
                hidden_gradient_spread(make_weights(demo, HE_GAIN)[0]))  # fmt: skip


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    ("He's gain of 2 replaced by Glorot's 1 under ReLU", "HE_GAIN = 2.0", "HE_GAIN = 1.0"),
    (
        "forget to divide by fan_in: unit-variance weights",
        "return math.sqrt(gain / fan_in)",
        "return math.sqrt(gain)",
    ),
    (
        "measure after a layer with no ReLU: the halving the gain corrects is gone",
        "x = torch.relu(y) if i < len(weights) - 1 else y",
        "x = y",
    ),
]
