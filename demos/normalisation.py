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
    mean = x.mean(-1, keepdim=True)
    var = x.var(-1, unbiased=False, keepdim=True)
    return (x - mean) / torch.sqrt(var + eps) * w + b


def rms_norm(x: torch.Tensor, w: torch.Tensor, eps: float) -> torch.Tensor:
    return x / torch.sqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


def run(demo: Demo) -> None:
    d, eps = 16, 1e-6
    x = demo.randn(8, d, seed=0)
    w, b = 1 + 0.1 * demo.randn(d, seed=1), 0.1 * demo.randn(d, seed=2)

    torch.manual_seed(0)
    ln, rms = nn.LayerNorm(d, eps=eps).to(demo.device), nn.RMSNorm(d, eps=eps).to(demo.device)
    with torch.no_grad():
        ln.weight.copy_(w)
        ln.bias.copy_(b)
        rms.weight.copy_(w)
        demo.close("manual LayerNorm equals nn.LayerNorm", layer_norm(x, w, b, eps), ln(x))
        demo.close("manual RMSNorm equals nn.RMSNorm", rms_norm(x, w, eps), rms(x))

        # Scale each example by its own positive factor and shift it by its own constant.
        scale = 0.5 + 2.5 * demo.rand(8, 1, seed=3)
        shift = 3 * demo.randn(8, 1, seed=4)
        demo.close(
            "LayerNorm ignores a per-example scale and shift",
            ln(scale * x + shift),
            ln(x),
            atol=1e-4,
        )
        demo.close("RMSNorm ignores a per-example scale", rms(scale * x), rms(x), atol=1e-4)
        # Negative control: RMSNorm never subtracts the mean, so a shift gets through.
        demo.close(
            "RMSNorm ignores a per-example shift", rms(x + shift), rms(x), atol=1e-4, negative=True
        )

        # LayerNorm looks only at the example itself: change its batch-mates, same output.
        other = demo.randn(8, d, seed=5)
        demo.close(
            "LayerNorm's output for an example is independent of its batch",
            ln(torch.cat([x[:1], other]))[0],
            ln(x)[0],
        )

    # BatchNorm in training mode: every feature has mean 0 and variance 1 over the batch.
    torch.manual_seed(0)
    bn = nn.BatchNorm1d(d, eps=eps).to(demo.device)
    batch = 2 + 3 * demo.randn(64, d, seed=6)
    y = bn(batch).detach()
    demo.close(
        "BatchNorm (train) gives each feature batch mean 0",
        y.mean(0),
        torch.zeros(d, device=demo.device),
        atol=1e-5,
    )
    demo.close(
        "BatchNorm (train) gives each feature batch variance 1",
        y.var(0, unbiased=False),
        torch.ones(d, device=demo.device),
        atol=1e-4,
    )
    # It also nudges its running averages 10% of the way towards this batch's statistics...
    demo.close(
        "the running mean moves 10% of the way to the batch mean",
        bn.running_mean,
        0.1 * batch.mean(0),
    )
    # ...and in eval mode it normalises with those stored averages instead.
    bn.eval()
    with torch.no_grad():
        stored = (batch - bn.running_mean) / torch.sqrt(bn.running_var + eps) * bn.weight + bn.bias
        demo.close("BatchNorm (eval) uses the running statistics", bn(batch), stored)
        demo.at_least("so train and eval outputs differ by > 0.5", (bn(batch) - y).abs().max(), 0.5)
    # Negative control: in training mode, BatchNorm's output for an example does depend on
    # the batch it came with.
    bn.train()
    demo.close(
        "BatchNorm's output for an example is independent of its batch",
        bn(torch.cat([batch[:1], other]))[0].detach(),
        y[0],
        negative=True,
    )
