"""LoRA: freeze W and train a low-rank update B A beside it; merge it back for free inference.

A LoRA layer computes x W^T + (alpha / r) x A^T B^T with W frozen, A (r x d_in) random and
B (d_out x r) zero at the start, so training begins exactly at the pre-trained model and
updates only r (d_in + d_out) numbers per layer. A weight change of rank r is learned
in full; a higher-rank change is not. Afterwards B A folds into W, leaving one plain matmul.
"""

import torch
from torch import nn

from demos._training import adam
from demos.harness import Demo

CONCEPTS = ["low-rank-adaptation"]


class LoRALinear(nn.Module):
    def __init__(self, base: nn.Linear, r: int, alpha: float = 8.0) -> None:
        super().__init__()
        self.base, self.scale = base, alpha / r
        base.requires_grad_(False)  # the pre-trained weight stays frozen
        self.A = nn.Parameter(
            torch.randn(r, base.in_features, device=base.weight.device) / base.in_features**0.5
        )
        self.B = nn.Parameter(torch.zeros(base.out_features, r, device=base.weight.device))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.base(x) + self.scale * (x @ self.A.T) @ self.B.T

    def merged(self) -> torch.Tensor:
        return self.base.weight + self.scale * self.B @ self.A


def trainable(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


def fit(layer: LoRALinear, x: torch.Tensor, y: torch.Tensor, steps: int = 300) -> float:
    """Adam on the adapter only; returns the final loss relative to the starting loss."""
    with torch.no_grad():
        start = float((layer(x) - y).pow(2).mean())
    adam([layer.A, layer.B], lambda _: (layer(x) - y).pow(2).mean(), steps, lr=0.01)
    with torch.no_grad():
        return float((layer(x) - y).pow(2).mean()) / start


def run(demo: Demo) -> None:
    d_in, d_out, r = 32, 24, 4
    torch.manual_seed(0)
    base = nn.Linear(d_in, d_out).to(demo.device)
    frozen = base.weight.detach().clone()
    torch.manual_seed(1)
    lora = LoRALinear(base, r).to(demo.device)
    x = demo.randn(256, d_in, seed=2)

    # B = 0: the adapted layer starts bit-identical to the pre-trained one.
    with torch.no_grad():
        start = demo.equal(
            "with B = 0 the outputs are bit-identical to the base layer", lora(x), base(x)
        )
    # Start B random as well, and the model no longer starts where pre-training left it.
    torch.manual_seed(1)
    noisy = LoRALinear(base, r).to(demo.device)
    nn.init.normal_(noisy.B, std=0.02)
    with torch.no_grad():
        start.broken("with B random they are not", noisy(x))
    demo.equal("trainable parameters = r (d_in + d_out) = 224", trainable(lora), r * (d_in + d_out))
    # At the checklist's scale (4096 x 4096, r = 8) that is 65,536 of 16.8M weights: 0.39%.

    # The task: the "fine-tuned" target is W plus a rank-4 change.
    delta = demo.randn(d_out, r, seed=3) @ demo.randn(r, d_in, seed=4) / d_in**0.5
    y = x @ (frozen + delta).T + base.bias.detach()
    learns = demo.at_most(
        "a rank-4 adapter learns a rank-4 change (loss / start < 1e-3)", fit(lora, x, y), 1e-3
    )
    # fit() hands Adam only A and B, so W cannot move: shown, not claimed.
    demo.equal(
        "the frozen weight is unchanged after training", base.weight, frozen, illustration=True
    )

    # Merging: W' = W + (alpha / r) B A gives the same outputs with no extra matmul.
    with torch.no_grad():
        merged = x @ lora.merged().T + base.bias
        demo.close(
            "merged weights reproduce the adapter's outputs",
            merged,
            lora(x),
            # float32: merging rounds each weight of W + 2 B A (~6e-8 relative) and the two
            # paths add their 32- and 4-long sums in different orders; on the CPU the gap
            # measures ~3e-6 on outputs of size ~3. CUDA's float32 GEMM (TF32 off) may
            # block those sums differently again, so allow 3x more there.
            atol=3e-5 if demo.on_gpu else 1e-5,
        )

    # Rank 1 cannot express a rank-4 change (Eckart-Young): the loss stays high.
    torch.manual_seed(1)
    rank_one = LoRALinear(base, 1).to(demo.device)
    learns.broken("a rank-1 adapter does not", fit(rank_one, x, y))


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "start B random instead of zero",
        "self.B = nn.Parameter(torch.zeros(base.out_features, r",
        "self.B = nn.Parameter(torch.randn(base.out_features, r",
    ),
    (
        "forget to freeze the base layer",
        "base.requires_grad_(False)",
        "base.requires_grad_(True)",
    ),
    (
        "merge without the alpha / r scale",
        "return self.base.weight + self.scale * self.B @ self.A",
        "return self.base.weight + self.B @ self.A",
    ),
]
