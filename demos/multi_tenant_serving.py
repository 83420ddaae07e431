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
    atol = 1e-3 if demo.on_gpu else 1e-5
    W = demo.randn(d_out, d_in, seed=0) / d_in**0.5
    A = demo.randn(tenants, r, d_in, seed=1) / d_in**0.5
    B = 0.1 * demo.randn(tenants, d_out, r, seed=2)
    x = demo.randn(requests, d_in, seed=3)
    tenant = demo.randint(tenants, requests, seed=4)  # a mixed batch from many tenants
    tenant[::8] = 5  # tenant 5 sends several of them

    # Reference: each request through its own tenant's merged model W + B_t A_t.
    merged = torch.stack([x[i] @ (W + B[t] @ A[t]).T for i, t in enumerate(tenant.tolist())])
    out = batched_lora(x, W, A, B, tenant)
    demo.close(
        "the batched multi-adapter forward equals each tenant's merged model",
        out,
        merged,
        atol=atol,
    )

    # Negative control: a mis-gathered batch (every request given tenant 0's adapter) does not.
    demo.close(
        "serving everyone with one adapter equals the per-tenant models",
        batched_lora(x, W, A, B, torch.zeros_like(tenant)),
        merged,
        atol=atol,
        negative=True,
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

    # Memory: one base plus 32 adapters versus 32 merged copies of the layer.
    pooled = W.numel() + A.numel() + B.numel()
    demo.at_least(
        "the pool is >= 5x smaller than a merged copy per tenant", tenants * W.numel() / pooled, 5.0
    )
