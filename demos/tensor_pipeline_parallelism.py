"""Tensor and pipeline parallelism: exact layer splits across ranks, and a (p-1)/(m+p-1) bubble.

Tensor parallelism cuts a weight matrix: split by output columns, each rank computes
its own slice of the output; split by input rows, each rank computes a partial sum
that an all-reduce adds up. Megatron's MLP uses columns then rows, so the nonlinearity
runs locally and one all-reduce suffices. Pipeline parallelism gives each rank whole
layers and streams micro-batches through them; stages idle while the pipe fills and
drains, a fraction (p-1)/(m+p-1) of the time for p stages and m micro-batches.
"""

import torch
import torch.nn.functional as F

from demos.harness import Demo

CONCEPTS = ["tensor-pipeline-parallelism"]


def pipeline_makespan(stages: int, micro: int) -> int:
    """Time steps for a GPipe-style forward: a stage takes micro-batch j once the stage
    before has finished it and it has finished micro-batch j - 1 (one step per task)."""
    finish = [[0] * micro for _ in range(stages)]
    for s in range(stages):
        for j in range(micro):
            ready = max(finish[s - 1][j] if s else 0, finish[s][j - 1] if j else 0)
            finish[s][j] = ready + 1
    return finish[-1][-1]


def run(demo: Demo) -> None:
    P, D, HID = 4, 32, 128  # ranks, model width, MLP width
    x = demo.randn(16, D, seed=0)
    w1, w2 = demo.randn(D, HID, seed=1) / D**0.5, demo.randn(HID, D, seed=2) / HID**0.5
    # The split and the full products sum the same terms in another order: float32 error
    # ~ sqrt(K) * 6e-8 * |x| ~ 1e-6 for these 32- to 128-long sums of O(1) terms. On a GPU
    # (TF32 off, see the runner) cuBLAS picks different blocked kernels for the slices and
    # the full matrices, and the Megatron path chains two of them: 1e-4 there, untested.
    tol = 1e-4 if demo.on_gpu else 1e-5

    # Column split: rank r holds columns r*HID/P ... and produces that slice of the output.
    cols = [x @ w for w in w1.chunk(P, dim=1)]
    demo.close(
        "column-split outputs, concatenated, equal the full layer",
        torch.cat(cols, 1),
        x @ w1,
        atol=tol,
    )
    # Row split: rank r holds rows of w2 and the matching slice of its input; summing the
    # partial products (the all-reduce) gives the full product.
    h = demo.randn(16, HID, seed=3)
    partial = [hs @ w for hs, w in zip(h.chunk(P, dim=1), w2.chunk(P, dim=0), strict=True)]
    demo.close(
        "row-split partial sums, all-reduced, equal the full layer", sum(partial), h @ w2, atol=tol
    )

    # Megatron MLP: GELU acts on each rank's own columns, so no communication is needed
    # between the two matmuls; one all-reduce at the end.
    full = F.gelu(x @ w1) @ w2
    shards = zip(w1.chunk(P, dim=1), w2.chunk(P, dim=0), strict=True)
    megatron = sum(F.gelu(x @ a) @ b for a, b in shards)
    mlp = demo.close("column-then-row parallel MLP equals the full MLP", megatron, full, atol=tol)
    # Split the first layer by rows instead, so GELU sees partial sums. GELU(a + b) is not
    # GELU(a) + GELU(b), so the ranks' results cannot be combined afterwards.
    wrong = sum(
        F.gelu(xs @ a) @ w2 for xs, a in zip(x.chunk(P, dim=1), w1.chunk(P, dim=0), strict=True)
    )
    mlp.broken("GELU on row-split partial sums does not", wrong)

    # Pipeline: 4 stages (one layer each) over 8 micro-batches give the same output as the
    # whole model on the whole batch...
    layers = [demo.randn(D, D, seed=10 + s) / D**0.5 for s in range(P)]
    model = x
    for w in layers:
        model = torch.tanh(model @ w)
    outs = []
    for mb in x.chunk(8):
        for w in layers:
            mb = torch.tanh(mb @ w)
        outs.append(mb)
    demo.close(
        "pipelining micro-batches leaves the output unchanged", torch.cat(outs), model, atol=tol
    )
    # ...and the schedule's idle fraction matches (p-1)/(m+p-1) for every p and m tried.
    cases = [(p, m) for p in (2, 4, 8) for m in (1, 4, 8, 32)]
    bubble = [1 - p * m / (p * pipeline_makespan(p, m)) for p, m in cases]
    demo.close(
        "simulated bubble fraction equals (p-1)/(m+p-1)",
        demo.tensor(bubble, dtype=torch.float64),
        demo.tensor([(p - 1) / (m + p - 1) for p, m in cases], dtype=torch.float64),
    )
    # More micro-batches shrink the bubble: with 4 stages, 1 micro-batch idles 3/4 of the
    # time, 32 micro-batches 3/35 of it.
    short = demo.at_most(
        "with 4 stages and 32 micro-batches the stages idle < 10% of the time",
        bubble[cases.index((4, 32))],
        0.1,
    )
    short.broken("with 1 micro-batch they do not", bubble[cases.index((4, 1))])


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "all-reduce with a mean instead of a sum",
        "megatron = sum(F.gelu(x @ a) @ b for a, b in shards)",
        "megatron = sum(F.gelu(x @ a) @ b for a, b in shards) / P",
    ),
    (
        "pair each input slice with another rank's rows",
        "zip(h.chunk(P, dim=1), w2.chunk(P, dim=0), strict=True)",
        "zip(h.chunk(P, dim=1), w2.chunk(P, dim=0)[::-1], strict=True)",
    ),
    (
        "let a stage start a micro-batch before the stage before it has finished it",
        "ready = max(finish[s - 1][j] if s else 0, finish[s][j - 1] if j else 0)",
        "ready = finish[s][j - 1] if j else 0",
    ),
]
