"""Multimodal LLMs: a small trained projector turns image features into tokens the LLM can read.

LLaVA-style models keep a pretrained vision encoder and a pretrained LLM frozen
at first and train only a projector that maps each patch feature into the LLM's
token-embedding space; the projected patches are then simply prepended to the
text tokens. Flamingo-style resamplers instead squeeze any number of patches
into a fixed number of tokens with learned queries.
"""

import torch
import torch.nn as nn
import torch.nn.functional as F

from demos.harness import Demo

CONCEPTS = ["multimodal-llms"]

VOCAB, D_LLM, D_VIS, PATCHES, OBJECTS = 50, 24, 32, 16, 10


def images(demo: Demo, n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Frozen vision-encoder output: each image shows one object, seen in noisy patches."""
    looks = demo.randn(OBJECTS, D_VIS, seed=0)  # how each object looks to the encoder
    label = demo.randint(OBJECTS, n, seed=seed)
    feats = looks[label][:, None, :] + demo.randn(n, PATCHES, D_VIS, seed=seed + 1)
    return feats, label  # object k is named by vocabulary word k


def run(demo: Demo) -> None:
    torch.manual_seed(0)
    embed = nn.Embedding(VOCAB, D_LLM).to(demo.device).requires_grad_(False)  # frozen LLM
    projector = nn.Linear(D_VIS, D_LLM).to(demo.device)

    # Shapes: 16 projected patches are prepended to 5 text tokens, all of width d_model.
    feats, label = images(demo, 512, seed=1)
    text = demo.randint(VOCAB, 4, 5, seed=2)
    seq = torch.cat([projector(feats[:4]), embed(text)], dim=1)
    demo.equal(
        "image + text sequence shape is (batch, 16 + 5, d_model)",
        seq.shape,
        (4, 21, D_LLM),
        illustration=True,  # set by the cat above
    )

    def nearest_word_accuracy(feats: torch.Tensor, label: torch.Tensor) -> torch.Tensor:
        # Which vocabulary embedding lies closest to the pooled image tokens?
        pooled = F.normalize(projector(feats).mean(1), dim=-1)
        return ((pooled @ F.normalize(embed.weight, dim=-1).T).argmax(1) == label).float().mean()

    test_feats, test_label = images(demo, 256, seed=3)
    with torch.no_grad():
        before = nearest_word_accuracy(test_feats, test_label)

    # Alignment stage: the LLM (here its tied output embedding) must name the object
    # from the image tokens alone; only the projector learns.
    # The projector is linear, so pooling its outputs equals projecting the pooled patch:
    # pool once up front and each step is 16x cheaper.
    pooled_feats = feats.mean(1)
    params, losses = list(projector.parameters()), []
    for _ in range(60):
        loss = F.cross_entropy(projector(pooled_feats) @ embed.weight.T, label)
        grads = torch.autograd.grad(loss, params)
        with torch.no_grad():
            for p, g in zip(params, grads, strict=True):
                p -= 0.5 * g
        losses.append(loss.item())

    demo.at_most("alignment cuts the captioning loss to under a fifth", losses[-1] / losses[0], 0.2)
    with torch.no_grad():
        after = nearest_word_accuracy(test_feats, test_label)
    aligned = demo.at_least(
        "after training, held-out pooled image tokens land nearest their object's word", after, 0.9
    )
    # Skip the alignment stage and the projector maps images somewhere arbitrary.
    aligned.broken("the untrained projector's do not", before)

    # A resampler: 8 learned queries cross-attend to however many patches there are, so the
    # LLM always receives 8 image tokens.
    torch.manual_seed(1)
    queries = demo.randn(1, 8, D_LLM, seed=9)
    attend = nn.MultiheadAttention(D_LLM, 4, batch_first=True).to(demo.device)

    per_patch = nn.Linear(D_LLM, D_LLM).to(demo.device)  # LLaVA's way, for comparison

    def resample(patches: torch.Tensor) -> torch.Tensor:
        q = queries.expand(len(patches), -1, -1)
        out, _ = attend(q, patches, patches)
        return out

    resampled, projected = [], []
    with torch.no_grad():
        for grid in (4, 24):  # 16 patches, or LLaVA-1.5's (336 / 14)^2 = 576
            patches = demo.randn(2, grid * grid, D_LLM, seed=grid)
            resampled.append(tuple(resample(patches).shape))
            projected.append(tuple(per_patch(patches).shape))
    fixed = demo.equal(
        "the resampler gives 8 tokens for 16 or 576 patches", resampled, [(2, 8, D_LLM)] * 2
    )
    fixed.broken("a per-patch projector gives one token per patch", projected)


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    ("skip the alignment stage's update", "p -= 0.5 * g", "p -= 0.0 * g"),
    (
        "train the projector towards the wrong words",
        "projector(pooled_feats) @ embed.weight.T, label)",
        "projector(pooled_feats) @ embed.weight.T, label.roll(1))",
    ),
    (
        "let the patches query the learned tokens (roles swapped)",
        "attend(q, patches, patches)",
        "attend(patches, q, q)",
    ),
]
