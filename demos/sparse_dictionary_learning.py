"""Sparse autoencoders: an overcomplete, sparse dictionary pulls features out of superposition.

We plant the answer so that we can check it. Sixteen unit "feature" directions live in an
8-dimensional activation space, and each activation is a sparse sum of them: every feature
is present with probability 1/10, at a random strength. This is the setting of Toy Models of
Superposition, and no basis of the 8-dimensional space can line up with 16 features.

A sparse autoencoder (SAE) rewrites each activation x as a sparse code z over m > d
dictionary directions (the decoder's unit-norm rows):

    z = ReLU((x - b_pre) W_enc + b_enc)        x_hat = z W_dec + b_pre

and is trained to make x_hat close to x while few entries of z are non-zero. Two ways to ask
for sparsity are compared:

  L1 SAE (Cunningham et al. 2023)   loss = |x - x_hat|^2 + lambda * sum(z): a penalty that
                                    trades reconstruction for sparsity, and also shrinks
                                    every active code towards zero;
  TopK SAE (Gao et al. 2024)        keep the k largest pre-activations, zero the rest:
                                    at most k active (L0 <= k), no penalty, no shrinkage.

We check that the learned dictionaries find the planted directions, that the codes are about
as sparse as the truth, that the reconstruction is good both as a vector and as the input of
the next layer (the downstream loss), and that the L1 penalty shrinks codes while TopK does
not. Negative controls: the best dictionary no wider than the space (its principal
directions, as PCA finds them) cannot line up with 16 features, and a dense code with TopK's
budget of two numbers per input (the top two principal components) loses the next layer.
"""

import torch

from demos._training import adam
from demos.harness import Demo

CONCEPTS = ["sparse-dictionary-learning"]

N_FEAT, D, M = 16, 8, 32  # true features, activation width, dictionary size (4x d)
P_ACTIVE = 0.1  # chance that each feature is present in an activation


def make_sae(demo: Demo, m: int) -> list[torch.Tensor]:
    # Decoder rows start as random unit vectors; the encoder starts as their transpose
    # (Gao et al.'s initialisation, which keeps latents from starting out dead).
    W_dec = demo.randn(m, D, seed=3)
    W_dec = W_dec / W_dec.norm(dim=1, keepdim=True)
    W_enc = W_dec.T.clone()
    b_enc, b_pre = torch.zeros(m, device=demo.device), torch.zeros(D, device=demo.device)
    return [t.requires_grad_() for t in (W_enc, b_enc, W_dec, b_pre)]


def encode_decode(
    params: list[torch.Tensor], x: torch.Tensor, k: int | None
) -> tuple[torch.Tensor, torch.Tensor]:
    """The code z and the reconstruction x_hat; with k, only the k largest latents survive."""
    W_enc, b_enc, W_dec, b_pre = params
    z = torch.relu((x - b_pre) @ W_enc + b_enc)
    if k is not None:  # TopK: sparsity by construction, L0 <= k
        top = z.topk(k, dim=1)
        z = torch.zeros_like(z).scatter(1, top.indices, top.values)
    # Unit-norm dictionary rows: otherwise the L1 penalty is dodged by shrinking z and
    # growing the rows to match, and a code's size would mean nothing.
    unit_dec = W_dec / W_dec.norm(dim=1, keepdim=True)
    return z, z @ unit_dec + b_pre


def train(demo: Demo, acts: torch.Tensor, k: int | None, l1: float) -> list[torch.Tensor]:
    params = make_sae(demo, M)
    batches = demo.randint(acts.shape[0], 150, 128, seed=5)

    def loss_at(step: int) -> torch.Tensor:
        x = acts[batches[step - 1]]
        z, x_hat = encode_decode(params, x, k)
        mse = ((x_hat - x) ** 2).sum(1).mean()
        return mse + l1 * z.sum(1).mean()  # z >= 0, so sum(z) is its L1 norm

    adam(params, loss_at, len(batches), lr=5e-2)
    return params


def best_cosine(features: torch.Tensor, directions: torch.Tensor) -> torch.Tensor:
    """For each true feature, the |cosine| of the closest dictionary direction."""
    unit = directions / directions.norm(dim=1, keepdim=True)
    return (features @ unit.T).abs().amax(1)


def run(demo: Demo) -> None:
    n = 2048
    features = demo.randn(N_FEAT, D, seed=0)
    features = features / features.norm(dim=1, keepdim=True)
    codes = (demo.rand(n, N_FEAT, seed=1) < P_ACTIVE) * demo.rand(n, N_FEAT, seed=2)
    acts = codes @ features  # what the model's 8 neurons hold
    true_l0 = (codes > 0).float().sum(1).mean()  # about 1.6 features per activation

    topk = train(demo, acts, k=2, l1=0.0)
    l1 = train(demo, acts, k=None, l1=0.2)

    # Downstream loss. What matters is not x itself but what the next layer does with it; here
    # the next layer is the toy model's own read-out, ReLU(x F^T - 0.2), scored against the
    # true codes. Splice a reconstruction in place of x and ask how much of the loss that
    # zero-ablating x would cost it wins back (1 = as good as the real activation).
    def downstream(x: torch.Tensor) -> torch.Tensor:
        return ((torch.relu(x @ features.T - 0.2) - codes) ** 2).sum(1).mean()

    def loss_recovered(x_hat: torch.Tensor) -> torch.Tensor:
        clean, ablated = downstream(acts), downstream(torch.zeros_like(acts))
        return (ablated - downstream(x_hat)) / (ablated - clean)

    # Shrinkage is measured on the activations holding exactly one feature, where a TopK with
    # k = 2 cannot have dropped anything: a faithful code rebuilds them at full length.
    single = (codes > 0).sum(1) == 1
    with torch.no_grad():
        results = {}
        for name, params, k in (("topk", topk, 2), ("l1", l1, None)):
            z, x_hat = encode_decode(params, acts, k)
            results[name] = {
                "cos": best_cosine(features, params[2]),
                "l0": (z > 0).float().sum(1).mean(),
                # Fraction of variance unexplained: the reconstruction loss, normalised.
                "fvu": ((x_hat - acts) ** 2).sum() / ((acts - acts.mean(0)) ** 2).sum(),
                # How much of x the reconstruction keeps along x itself: 1 means no shrinkage.
                "gain": (x_hat * acts)[single].sum() / (acts * acts)[single].sum(),
                "dead": int(((z > 0).sum(0) == 0).sum()),
                "recovered": loss_recovered(x_hat),
            }
        # The width-d dictionary: the principal directions of the activations (PCA).
        centred = acts - acts.mean(0)
        pca = torch.linalg.svd(centred, full_matrices=False).Vh  # (8, 8), orthonormal rows
        pca_cos = best_cosine(features, pca).mean()
        # The same budget as TopK, two numbers per input, spent on a fixed dense basis: the
        # projection onto the top two principal directions.
        pca2 = acts.mean(0) + centred @ pca[:2].T @ pca[:2]
        pca2_recovered = loss_recovered(pca2)

    tk, l1r = results["topk"], results["l1"]
    # 1. The dictionary finds the planted directions; a basis of the space cannot.
    found = demo.at_least(
        "the TopK SAE's dictionary matches the 16 features with mean |cos| >= 0.9",
        tk["cos"].mean(),
        0.9,
    )
    found.broken("the best 8-direction dictionary (PCA) does not", pca_cos)
    demo.at_least("so does the L1 SAE's dictionary (mean |cos| >= 0.85)", l1r["cos"].mean(), 0.85)

    # 2. The codes are about as sparse as the truth: the L1 penalty buys sparsity.
    demo.at_most(
        "the L1 SAE uses at most 2x the true number of active features (L0)",
        l1r["l0"] / true_l0,
        2.0,
    )
    demo.at_most("TopK's L0 is at most k = 2 by construction", tk["l0"], 2.0, illustration=True)

    # 3. ... while still reconstructing: at most 20% of the variance is left unexplained.
    demo.at_most("the TopK SAE leaves <= 20% of the variance unexplained", tk["fvu"], 0.2)
    demo.at_most("the L1 SAE leaves <= 20% of the variance unexplained", l1r["fvu"], 0.2)

    # 4. Spliced into the next layer, the TopK reconstruction keeps most of the performance;
    # a dense code with the same two numbers per input does not.
    spliced = demo.at_least(
        "splicing in the TopK reconstruction recovers >= 60% of the downstream loss",
        tk["recovered"],
        0.6,
    )
    spliced.broken(
        "a rank-2 PCA reconstruction (also 2 numbers per input) does not", pca2_recovered
    )

    # 5. Shrinkage: the L1 penalty pulls every active code down, so the reconstruction is
    # systematically too short; TopK has no penalty on the codes it keeps.
    kept = demo.at_least(
        "TopK keeps one-feature activations' size: <x_hat, x>/<x, x> >= 0.85", tk["gain"], 0.85
    )
    kept.broken("the L1 SAE shrinks them", l1r["gain"])

    # Dead latents (never active on any input) are recorded for scale: with 32 latents for
    # 16 features, some are spare. At scale they waste compute; Gao et al. add an auxiliary
    # loss (AuxK) that makes dead latents model the residual error.
    demo.at_most("dead TopK latents, of 32", tk["dead"], M, illustration=True)


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "drop the L1 sparsity penalty",
        "return mse + l1 * z.sum(1).mean()",
        "return mse",
    ),
    (
        "drop the encoder's ReLU, so codes can be negative and are never exactly zero",
        "z = torch.relu((x - b_pre) @ W_enc + b_enc)",
        "z = (x - b_pre) @ W_enc + b_enc",
    ),
    (
        "skip the decoder-row normalisation, so the L1 penalty is dodged by shrinking z",
        "unit_dec = W_dec / W_dec.norm(dim=1, keepdim=True)",
        "unit_dec = W_dec",
    ),
]
