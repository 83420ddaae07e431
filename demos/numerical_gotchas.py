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


def naive_softmax(x: torch.Tensor) -> torch.Tensor:
    return x.exp() / x.exp().sum(-1, keepdim=True)


def stable_softmax(x: torch.Tensor) -> torch.Tensor:
    # The same shift: softmax(x) = softmax(x - c) for any constant c, and c = max(x)
    # makes every exponent <= 0, so nothing overflows.
    e = (x - x.max(-1, keepdim=True).values).exp()
    return e / e.sum(-1, keepdim=True)


def log_softmax(x: torch.Tensor) -> torch.Tensor:
    # log softmax(x) = x - logsumexp(x): never forms the probabilities, so a tiny one
    # cannot underflow to 0 and take its log to -inf.
    return x - stable_logsumexp(x)[..., None]


def finite(x: torch.Tensor) -> int:
    """How many entries are finite: a count, so that a broken variant is measured, not NaN."""
    return int(torch.isfinite(x).sum())


def run(demo: Demo) -> None:
    # log(e^1000 + e^999) = 1000 + log(1 + 1/e) = 1000.3133, but e^1000 is inf in float32.
    big = demo.tensor([[1000.0, 999.0], [-1000.0, -1001.0]])
    exact = demo.tensor([1000 + math.log1p(math.exp(-1)), -1000 + math.log1p(math.exp(-1))])
    no_overflow = demo.equal(
        "the stable log-sum-exp of [1000, 999] and [-1000, -1001] is finite",
        finite(stable_logsumexp(big)),
        2,
    )
    # Negative control: e^1000 overflows to inf, and e^-1000 underflows to 0 (log 0 = -inf).
    no_overflow.broken("the naive form is not", finite(naive_logsumexp(big)))
    demo.close(
        "the stable form gives 1000 + log(1 + 1/e) and its mirror", stable_logsumexp(big), exact
    )
    demo.close("and agrees with torch.logsumexp", stable_logsumexp(big), torch.logsumexp(big, -1))
    # Where nothing overflows, both forms are the same number: the rewrite is exact.
    x = demo.randn(4, 16, seed=0)
    demo.close("on ordinary logits the two forms agree", stable_logsumexp(x), naive_logsumexp(x))

    # Softmax of [1000, 999]: inf / inf is NaN. Subtracting the maximum gives
    # [1, 1/e] / (1 + 1/e) = [0.7311, 0.2689].
    softmax_finite = demo.equal(
        "the stable softmax of [1000, 999] and [-1000, -1001] is finite",
        finite(stable_softmax(big)),
        4,
    )
    softmax_finite.broken(
        "the naive softmax is not (inf / inf and 0 / 0)", finite(naive_softmax(big))
    )
    p = 1 / (1 + math.exp(-1))
    demo.close(
        "the stable softmax gives [0.7311, 0.2689] on both rows",
        stable_softmax(big),
        [[p, 1 - p], [p, 1 - p]],
    )

    # log(softmax) underflows: softmax([0, -200])[1] = e^-200 is 0 in float32 and its log
    # is -inf, while x - logsumexp(x) gives -200 directly.
    z = demo.tensor([0.0, -200.0])
    log_finite = demo.equal("log_softmax([0, -200]) is finite", finite(log_softmax(z)), 2)
    log_finite.broken("log(softmax([0, -200])) is not", finite(stable_softmax(z).log()))
    demo.close("log_softmax gives [0, -200]", log_softmax(z), [0.0, -200.0])
    demo.close(
        "and agrees with torch.log_softmax on ordinary logits",
        log_softmax(x),
        torch.log_softmax(x, -1),
    )

    # float16: 1 sign bit, 5 exponent bits, 10 mantissa bits. The largest finite value has
    # the top non-infinite exponent (15) and all mantissa bits set: (2 - 2^-10) * 2^15.
    bits = torch.tensor(0b0_11110_1111111111, dtype=torch.int16)
    largest = bits.view(torch.float16).to(demo.device)
    demo.equal("float16's largest finite value is (2 - 2^-10) * 2^15 = 65504", largest, 65504.0)
    overflow = demo.equal("65504 * 2 overflows in float16: no finite entry", finite(largest * 2), 0)
    overflow.broken("in float32 the same product is finite", finite(largest.float() * 2))

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
    kept = demo.close(
        "log1p(1e-10) = 1e-10 in float32", torch.log1p(tiny), 1e-10, rtol=1e-6, atol=0
    )
    kept.broken("log(1 + 1e-10) is 0 in float32", torch.log(1 + tiny))


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "log-sum-exp without subtracting the max",
        "m = x.max(-1).values",
        "m = torch.zeros_like(x[..., 0])",
    ),
    (
        "softmax without subtracting the max",
        "e = (x - x.max(-1, keepdim=True).values).exp()",
        "e = x.exp()",
    ),
    (
        "log-softmax as the log of the softmax",
        "return x - stable_logsumexp(x)[..., None]",
        "return stable_softmax(x).log()",
    ),
]
