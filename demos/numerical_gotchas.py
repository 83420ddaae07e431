"""Numerical gotchas: overflow in exp, lost digits near 1, and the rewrites that stay exact.

Floats have a largest value and a fixed number of significant digits. exp(1000)
overflows, 1 + 1e-8 rounds back to 1 in float32, and float16 stops at 65504. The
standard fixes (subtract the maximum before exponentiating, compute log-softmax and
log1p directly) are exact on paper and finite in practice, which is why they are
everywhere in training code.
"""

import math

import torch

from demos.harness import Demo

CONCEPTS = ["numerical-gotchas"]


def naive_logsumexp(x: torch.Tensor) -> torch.Tensor:
    return x.exp().sum(-1).log()


def stable_logsumexp(x: torch.Tensor) -> torch.Tensor:
    # log sum exp(x) = m + log sum exp(x - m): the largest term becomes exp(0) = 1.
    m = x.max(-1).values
    return m + (x - m[..., None]).exp().sum(-1).log()


def finite(x: torch.Tensor) -> int:
    return int(torch.isfinite(x).all())


def run(demo: Demo) -> None:
    big = demo.tensor([1000.0, 1000.0])
    # log(e^1000 + e^1000) = 1000 + ln 2, but e^1000 is inf in float32 (and in float64).
    demo.equal(
        "the naive log-sum-exp of [1000, 1000] is finite",
        finite(naive_logsumexp(big)),
        1,
        negative=True,
    )
    demo.close("the stable form gives 1000 + ln 2", stable_logsumexp(big), 1000 + math.log(2))
    demo.close("and agrees with torch.logsumexp", stable_logsumexp(big), torch.logsumexp(big, -1))
    # Where nothing overflows, both forms are the same number: the rewrite is exact.
    x = demo.randn(4, 16, seed=0)
    demo.close("on ordinary logits the two forms agree", stable_logsumexp(x), naive_logsumexp(x))

    # Softmax of [1000, 1000]: inf / inf is NaN. Subtracting the maximum gives [0.5, 0.5].
    demo.equal(
        "naive softmax of [1000, 1000] is finite",
        finite(big.exp() / big.exp().sum()),
        1,
        negative=True,
    )
    shifted = (big - big.max()).exp()
    demo.close(
        "softmax after subtracting the max is [0.5, 0.5]", shifted / shifted.sum(), [0.5, 0.5]
    )

    # log(softmax) underflows: softmax([0, -200])[1] = e^-200 is 0 in float32 and its log
    # is -inf, while log_softmax computes z - logsumexp(z) = -200 directly.
    z = demo.tensor([0.0, -200.0])
    demo.equal(
        "log(softmax(z)) is finite for z = [0, -200]",
        finite(torch.softmax(z, -1).log()),
        1,
        negative=True,
    )
    demo.close("log_softmax gives [0, -200]", torch.log_softmax(z, -1), [0.0, -200.0])

    # float16's largest finite value is 65504; one more doubling overflows to inf.
    half = demo.tensor(65504.0, dtype=torch.float16)
    demo.equal("float16's largest finite value is 65504", torch.finfo(torch.float16).max, 65504.0)
    demo.equal("65504 * 2 overflows to inf in float16", finite(half * 2), 0)
    demo.equal("65504 * 2 is finite in float32", finite(half.float() * 2), 1)

    # float32 keeps about 7 significant digits (eps = 2^-23 ~ 1.2e-7): 1 + 1e-8 is 1.
    one = demo.tensor(1.0)
    demo.equal("in float32, (1 + 1e-8) - 1 is exactly 0", (one + 1e-8) - one, 0.0)
    one64 = demo.tensor(1.0, dtype=torch.float64)
    demo.close(
        "in float64 it is 1e-8",
        (one64 + 1e-8) - one64,
        demo.tensor(1e-8, dtype=torch.float64),
        rtol=1e-7,
        atol=0,
    )

    # So log(1 + x) for tiny x loses everything in float32; log1p keeps it.
    tiny = demo.tensor(1e-10)
    demo.close("log1p(1e-10) = 1e-10 in float32", torch.log1p(tiny), 1e-10, rtol=1e-6, atol=0)
    demo.close(
        "log(1 + 1e-10) = 1e-10 in float32",
        torch.log(1 + tiny),
        1e-10,
        rtol=1e-6,
        atol=0,
        negative=True,
    )
