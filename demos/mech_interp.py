"""Mechanistic interpretability: a sparse autoencoder recovers features packed in superposition.

A layer with 8 neurons can still represent 16 features if each input uses only
a few of them at once: every feature becomes a direction, and the directions
overlap. Then no single neuron means one thing. A sparse autoencoder with more
latents than neurons, trained to rebuild the activations through few active
latents, finds the planted directions again, one latent per feature.
"""

import torch

from demos._training import adam
from demos.harness import Demo

CONCEPTS = ["mech-interp"]


def best_cosine(features: torch.Tensor, directions: torch.Tensor) -> torch.Tensor:
    """For each true feature, the |cosine| of the closest candidate direction."""
    unit = directions / directions.norm(dim=1, keepdim=True)
    return (features @ unit.T).abs().amax(1)


def run(demo: Demo) -> None:
    n_features, d, m, n = 16, 8, 32, 4096
    features = demo.randn(n_features, d, seed=0)
    features = features / features.norm(dim=1, keepdim=True)  # 16 unit directions in R^8
    # Each input turns on each feature with probability 5%, at a random strength.
    codes = (demo.rand(n, n_features, seed=1) < 0.05) * demo.rand(n, n_features, seed=2)
    acts = codes @ features  # what the 8 neurons see

    # Polysemantic neurons: read in the neuron basis, each feature is smeared across several
    # neurons, so no neuron lines up with it (this is the negative control, below).
    neuron_basis = best_cosine(features, torch.eye(d, device=demo.device)).mean()

    # The SAE: h = ReLU((x - b_dec) W_enc + b_enc), x_hat = h D + b_dec, unit-norm rows in D.
    W_enc = (0.3 * demo.randn(d, m, seed=3)).requires_grad_()
    b_enc = torch.zeros(m, device=demo.device, requires_grad=True)
    W_dec = demo.randn(m, d, seed=4).requires_grad_()
    b_dec = torch.zeros(d, device=demo.device, requires_grad=True)
    params = [W_enc, b_enc, W_dec, b_dec]
    untrained = W_dec.detach().clone()

    def sae(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = torch.relu((x - b_dec) @ W_enc + b_enc)
        return h, h @ (W_dec / W_dec.norm(dim=1, keepdim=True)) + b_dec

    # Adam, on reconstruction error plus an L1 penalty that buys sparsity: 250 batches of 128.
    batches = demo.randint(n, 250, 128, seed=5)

    def loss_at(step: int) -> torch.Tensor:
        x = acts[batches[step - 1]]
        h, x_hat = sae(x)
        return ((x_hat - x) ** 2).sum(1).mean() + 0.2 * h.sum(1).mean()

    adam(params, loss_at, len(batches), lr=4e-2)

    with torch.no_grad():
        h, x_hat = sae(acts)
        unexplained = ((x_hat - acts) ** 2).sum() / ((acts - acts.mean(0)) ** 2).sum()
        best = best_cosine(features, W_dec)
    matched = demo.at_least(
        "the SAE's decoder matches features with mean |cos| >= 0.9", best.mean(), 0.9
    )
    matched.broken("the neuron basis does not", neuron_basis)
    matched.broken("nor does the same SAE before training", best_cosine(features, untrained).mean())
    demo.at_least("every one of the 16 features has a latent with |cos| >= 0.7", best.min(), 0.7)
    demo.at_most("it rebuilds the activations leaving <= 20% of variance", unexplained, 0.2)
    demo.at_most(
        "using <= 3 of 32 latents per input on average", (h > 0).float().sum(1).mean(), 3.0
    )


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "drop the L1 sparsity penalty",
        "return ((x_hat - x) ** 2).sum(1).mean() + 0.2 * h.sum(1).mean()",
        "return ((x_hat - x) ** 2).sum(1).mean()",
    ),
    (
        "let decoder rows grow, so the L1 penalty can be dodged by shrinking h",
        "return h, h @ (W_dec / W_dec.norm(dim=1, keepdim=True)) + b_dec",
        "return h, h @ W_dec + b_dec",
    ),
]
