"""Multi-tenant serving: one base matmul plus gathered per-tenant LoRA adapters serves all tenants.

Giving each customer a fine-tuned model need not mean a deployment each. With
LoRA, tenant t's weight is W + B_t A_t, so a server (S-LoRA, vLLM multi-LoRA)
keeps one copy of W, batches requests from all tenants through it together,
and adds each request's own low-rank term gathered from an adapter pool. The
answers equal each tenant's merged model, at a fraction of the memory.
"""

import torch

from demos.harness import Demo

CONCEPTS = ["multi-tenant-serving"]


def batched_lora(
    x: torch.Tensor, W: torch.Tensor, A: torch.Tensor, B: torch.Tensor, tenant: torch.Tensor
) -> torch.Tensor:
    """x: (requests, d_in); A: (tenants, r, d_in); B: (tenants, d_out, r); tenant: (requests,)."""
    shared = x @ W.T  # one matmul for the whole mixed batch
    low = torch.einsum("nd,nrd->nr", x, A[tenant])  # each request's own down-projection
    return shared + torch.einsum("nr,nor->no", low, B[tenant])


def run(demo: Demo) -> None:
    d_in, d_out, r, tenants, requests = 128, 128, 4, 32, 48
    # float32 on every device: the reference merges W + B_t A_t first, the server adds the
    # low-rank term afterwards, so the 128-long sums are rounded in different orders. That
    # gap is ~1e-6 on outputs of size ~1; CUDA's float32 GEMM (TF32 off) may block the
    # sums differently again, so allow 1e-4 there instead of 1e-5.
    atol = 1e-4 if demo.on_gpu else 1e-5
    W = demo.randn(d_out, d_in, seed=0) / d_in**0.5
    A = demo.randn(tenants, r, d_in, seed=1) / d_in**0.5
    B = 0.1 * demo.randn(tenants, d_out, r, seed=2)
    x = demo.randn(requests, d_in, seed=3)
    tenant = demo.randint(tenants, requests, seed=4)  # a mixed batch from many tenants
    tenant[::8] = 5  # tenant 5 sends several of them

    # Reference: each request through its own tenant's merged model W + B_t A_t.
    merged = torch.stack([x[i] @ (W + B[t] @ A[t]).T for i, t in enumerate(tenant.tolist())])
    out = batched_lora(x, W, A, B, tenant)
    serves = demo.close(
        "the batched multi-adapter forward equals each tenant's merged model",
        out,
        merged,
        atol=atol,
    )
    # A mis-gathered batch (every request given tenant 0's adapter) does not.
    serves.broken(
        "serving everyone with one adapter does not",
        batched_lora(x, W, A, B, torch.zeros_like(tenant)),
    )

    # Isolation: retraining tenant 5's adapter changes only tenant 5's answers.
    B2 = B.clone()
    B2[5] += 0.5 * demo.randn(d_out, r, seed=5)
    changed = (batched_lora(x, W, A, B2, tenant) != out).any(1)
    demo.equal("only tenant 5's requests change when its adapter does", changed, tenant == 5)

    # Segmented execution (the idea behind S-LoRA's and Punica's kernels): group the
    # batch by tenant and run one small matmul per adapter instead of gathering copies.
    segmented = x @ W.T
    for t in tenant.unique().tolist():
        rows = tenant == t
        segmented[rows] += x[rows] @ A[t].T @ B[t].T
    demo.close("grouping requests by tenant gives the same outputs", segmented, out, atol=atol)

    # Memory: one base plus 32 adapters versus 32 merged copies of the layer. The sizes are
    # this demo's own choices, so the ratio is shown, not claimed.
    pooled = W.numel() + A.numel() + B.numel()
    demo.at_least(
        "the pool is >= 5x smaller than a merged copy per tenant",
        tenants * W.numel() / pooled,
        5.0,
        illustration=True,
    )


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "gather the down-projections in the wrong order",
        'torch.einsum("nd,nrd->nr", x, A[tenant])',
        'torch.einsum("nd,nrd->nr", x, A[tenant.flip(0)])',
    ),
    (
        "use the base weight untransposed",
        "shared = x @ W.T",
        "shared = x @ W",
    ),
    (
        "give every request the first request's up-projection",
        'torch.einsum("nr,nor->no", low, B[tenant])',
        'torch.einsum("nr,nor->no", low, B[tenant[:1].expand_as(tenant)])',
    ),
]
