"""Mixed precision: 16-bit compute needs loss scaling (fp16), fp32 sums and fp32 master weights.

fp16 has 10 mantissa bits but a narrow range: it overflows above 65504 and flushes
tiny gradients to zero, so the loss is multiplied by a large scale before backward
and the gradients divided by it afterwards. bf16 keeps fp32's range with only 7
mantissa bits, so it needs no scaling but rounds coarsely: long sums and small weight
updates must happen in fp32, which is why optimisers keep fp32 master weights.
"""

import torch

from demos.harness import Demo

CONCEPTS = ["mixed-precision"]


class PlainSGD:
    """The two things GradScaler needs from an optimiser: param_groups and step()."""

    def __init__(self, params: list[torch.Tensor], lr: float) -> None:
        self.param_groups = [{"params": params, "lr": lr}]

    def step(self) -> None:
        with torch.no_grad():
            for p in self.param_groups[0]["params"]:
                p -= self.param_groups[0]["lr"] * p.grad


def first_layer_grad(dtype: torch.dtype, scale: float, tensors: list[torch.Tensor]) -> torch.Tensor:
    """Forward and backward in `dtype` from fp32 master weights; the unscaled fp32 gradient."""
    x, y, w1, w2 = tensors
    w1.grad = w2.grad = None
    h = torch.relu(x.to(dtype) @ w1.to(dtype))
    pred = (h @ w2.to(dtype)).float()
    loss = 1e-3 * (pred - y).pow(2).mean()  # a small loss, as late in training
    (loss * scale).backward()
    return w1.grad / scale


def run(demo: Demo) -> None:
    # Ranges and resolution, by computation.
    big = demo.tensor([65504.0, 65520.0, 1e38])
    demo.equal(
        "fp16 keeps 65504 but 65520 and 1e38 overflow to inf",
        big.half().isinf(),
        demo.tensor([False, True, True], dtype=torch.bool),
    )
    demo.equal("bf16 holds all three finite", big.bfloat16().isfinite().all(), True)
    step = demo.tensor([1 + 2**-10])
    demo.equal(
        "1 + 2^-10 is distinct from 1 in fp16 (eps 2^-10) but rounds to 1 in bf16 (eps 2^-7)",
        torch.cat([step.half().float(), step.bfloat16().float()]),
        demo.tensor([1 + 2**-10, 1.0]),
    )
    # Long sums: at 2048 the fp16 spacing is 2, so adding 1 rounds back to 2048.
    total16 = torch.zeros((), dtype=torch.float16, device=demo.device)
    total32 = torch.zeros((), device=demo.device)
    for _ in range(3000):
        total16, total32 = total16 + 1, total32 + 1
    counts = demo.equal("an fp32 accumulator counts 3000 ones to 3000", total32, 3000.0)
    counts.broken("a running fp16 sum does not: it stalls at 2048", total16.float())

    # Loss scaling: a small two-layer net whose first-layer gradients are ~1e-8.
    x, y = demo.randn(256, 64, seed=0), demo.randn(256, 1, seed=1)
    w1 = (demo.randn(64, 64, seed=2) * 0.125).requires_grad_()
    w2 = (demo.randn(64, 1, seed=3) * 1e-3).requires_grad_()
    tensors = [x, y, w1, w2]
    ref = first_layer_grad(torch.float32, 1.0, tensors)
    fp16 = first_layer_grad(torch.float16, 1.0, tensors)
    scaled = first_layer_grad(torch.float16, 2.0**16, tensors)
    bf16 = first_layer_grad(torch.bfloat16, 1.0, tensors)

    def rel_err(g: torch.Tensor) -> torch.Tensor:
        return torch.linalg.norm(g - ref) / torch.linalg.norm(ref)

    demo.at_least(
        "in fp16 over 40% of the gradient entries underflow to zero",
        (fp16 == 0).float().mean(),
        0.4,
    )
    rescued = demo.at_most(
        "scaling the loss by 2^16 brings fp16 within 2% of fp32", rel_err(scaled), 0.02
    )
    rescued.broken("unscaled fp16 gradients are not", rel_err(fp16))
    demo.at_most("bf16 needs no scaling: no entry underflows", (bf16 == 0).float().mean(), 0.0)

    # GradScaler checks the unscaled gradients: an inf skips the step and halves the scale.
    p = demo.tensor([1.0, 2.0]).requires_grad_()
    opt, scaler = PlainSGD([p], lr=0.1), torch.amp.GradScaler(demo.device.type, init_scale=1024.0)
    scaler.scale((p**2).sum()).backward()  # gradient 2p, scaled by 1024
    scaler.step(opt)
    scaler.update()
    demo.close("a finite step is applied with the true gradient", p, demo.tensor([0.8, 1.6]))
    before = p.detach().clone()
    p.grad = demo.tensor([float("inf"), 1.0])
    scaler.step(opt)
    scaler.update()
    demo.equal("a step with an inf gradient is skipped", p, before)
    demo.equal("and the loss scale is halved", scaler.get_scale(), 512.0)

    # Master weights: 100 updates of 1e-3 on a weight of 1.0. In bf16 each one is below
    # half the spacing at 1.0 (2^-8), so it rounds away; fp32 keeps every one (its rounding
    # error, ~100 * 6e-8, stays far inside rtol 1e-5).
    master = torch.ones((), device=demo.device)
    stored = torch.ones((), dtype=torch.bfloat16, device=demo.device)
    for _ in range(100):
        master, stored = master + 1e-3, stored + 1e-3
    kept = demo.close("fp32 master weights accumulate all 100 updates", master, 1.1, rtol=1e-5)
    kept.broken("bf16-stored weights do not: every update rounds away", stored.float())


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "skip the loss scaling",
        "scaled = first_layer_grad(torch.float16, 2.0**16, tensors)",
        "scaled = first_layer_grad(torch.float16, 1.0, tensors)",
    ),
    ("forget to unscale the gradients", "return w1.grad / scale", "return w1.grad"),
    (
        "keep the master weights in bf16",
        "master = torch.ones((), device=demo.device)",
        "master = torch.ones((), dtype=torch.bfloat16, device=demo.device)",
    ),
]
