"""Normalisation: LayerNorm, RMSNorm and BatchNorm written out, and what each is blind to.

LayerNorm centres and rescales each example over its own features, so it ignores
any per-example shift and scale and never looks at the rest of the batch.
RMSNorm skips the centring: cheaper, still scale-blind, but no longer shift-blind.
BatchNorm normalises each feature over the batch, so an example's output depends
on its batch-mates in training, and on stored running statistics in evaluation.
"""

import torch
from torch import nn

from demos.harness import Demo

CONCEPTS = ["normalisation"]


def layer_norm(x: torch.Tensor, w: torch.Tensor, b: torch.Tensor, eps: float) -> torch.Tensor:
    """Each row (example) over its own features: subtract its mean, divide by its spread."""
    mean = x.mean(-1, keepdim=True)
    var = x.var(-1, unbiased=False, keepdim=True)
    return (x - mean) / torch.sqrt(var + eps) * w + b


def rms_norm(x: torch.Tensor, w: torch.Tensor, eps: float) -> torch.Tensor:
    """Like LayerNorm without the centring: divide each row by its root mean square."""
    return x / torch.sqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


def batch_norm(x: torch.Tensor, w: torch.Tensor, b: torch.Tensor, eps: float) -> torch.Tensor:
    """Each column (feature) over the batch, as BatchNorm does in training."""
    mean = x.mean(0, keepdim=True)
    var = x.var(0, unbiased=False, keepdim=True)
    return (x - mean) / torch.sqrt(var + eps) * w + b


def run(demo: Demo) -> None:
    d, eps = 16, 1e-6
    x = demo.randn(8, d, seed=0)
    w, b = 1 + 0.1 * demo.randn(d, seed=1), 0.1 * demo.randn(d, seed=2)

    # The hand-written versions against PyTorch's modules, given the same affine weights.
    ln, rms = nn.LayerNorm(d, eps=eps).to(demo.device), nn.RMSNorm(d, eps=eps).to(demo.device)
    with torch.no_grad():
        ln.weight.copy_(w)
        ln.bias.copy_(b)
        rms.weight.copy_(w)
        demo.close("manual LayerNorm equals nn.LayerNorm", layer_norm(x, w, b, eps), ln(x))
        demo.close("manual RMSNorm equals nn.RMSNorm", rms_norm(x, w, eps), rms(x))

    # Scale each example by its own positive factor and shift it by its own constant.
    # The outputs are O(1); float32 rounding in the rescaled inputs leaves ~1e-6 error.
    scale = 0.5 + 2.5 * demo.rand(8, 1, seed=3)
    shift = 3 * demo.randn(8, 1, seed=4)
    demo.close(
        "LayerNorm ignores a per-example scale and shift",
        layer_norm(scale * x + shift, w, b, eps),
        layer_norm(x, w, b, eps),
        atol=1e-4,
    )
    scale_blind = demo.close(
        "RMSNorm ignores a per-example scale",
        rms_norm(scale * x, w, eps),
        rms_norm(x, w, eps),
        atol=1e-4,
    )
    # Negative control: RMSNorm never subtracts the mean, so a shift gets through.
    scale_blind.broken("a per-example shift is not ignored", rms_norm(x + shift, w, eps))

    # LayerNorm looks only at the example itself: change its batch-mates, same output.
    other = demo.randn(8, d, seed=5)
    alone = demo.close(
        "LayerNorm's output for an example is independent of its batch",
        layer_norm(torch.cat([x[:1], other]), w, b, eps)[0],
        layer_norm(x, w, b, eps)[0],
    )
    # Negative control: BatchNorm's output for the same example does depend on its batch.
    alone.broken(
        "BatchNorm's is not",
        batch_norm(torch.cat([x[:1], other]), w, b, eps)[0],
        batch_norm(x, w, b, eps)[0],
    )

    # BatchNorm in training mode, by hand and by nn.BatchNorm1d: every feature ends with
    # mean 0 and variance 1 over the batch (before the affine weights, here 1 and 0).
    bn = nn.BatchNorm1d(d, eps=eps).to(demo.device)
    batch = 2 + 3 * demo.randn(64, d, seed=6)
    y = bn(batch).detach()
    ones, zeros = torch.ones(d, device=demo.device), torch.zeros(d, device=demo.device)
    demo.close(
        "manual BatchNorm equals nn.BatchNorm1d in training", batch_norm(batch, ones, zeros, eps), y
    )
    demo.close("BatchNorm (train) gives each feature batch mean 0", y.mean(0), zeros, atol=1e-5)
    demo.close(
        "BatchNorm (train) gives each feature batch variance 1",
        y.var(0, unbiased=False),
        ones,
        atol=1e-4,
    )
    # It also nudges its running averages 10% of the way towards this batch's statistics,
    # and the running variance takes the unbiased (n - 1) estimate.
    demo.close(
        "the running mean moves 10% of the way to the batch mean",
        bn.running_mean,
        0.1 * batch.mean(0),
    )
    demo.close(
        "the running variance moves 10% of the way to the unbiased batch variance",
        bn.running_var,
        0.9 + 0.1 * batch.var(0, unbiased=True),
    )
    # ...and in eval mode it normalises with those stored averages instead.
    bn.eval()
    with torch.no_grad():
        stored = (batch - bn.running_mean) / torch.sqrt(bn.running_var + eps) * bn.weight + bn.bias
        demo.close("BatchNorm (eval) uses the running statistics", bn(batch), stored)
        demo.at_least("so train and eval outputs differ by > 0.5", (bn(batch) - y).abs().max(), 0.5)


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "LayerNorm takes its mean over the batch instead of the features",
        "mean = x.mean(-1, keepdim=True)",
        "mean = x.mean(0, keepdim=True)",
    ),
    (
        "RMSNorm centres the input too",
        "return x / torch.sqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w",
        "return (x - x.mean(-1, keepdim=True)) / torch.sqrt(x.var(-1, False, True) + eps) * w",
    ),
    (
        "BatchNorm normalises each example over its features instead of each feature",
        "mean = x.mean(0, keepdim=True)",
        "mean = x.mean(-1, keepdim=True)",
    ),
]
