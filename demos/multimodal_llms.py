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
    demo.equal("image + text sequence shape is (batch, 16 + 5, d_model)", seq.shape, (4, 21, D_LLM))

    def nearest_word_accuracy(feats: torch.Tensor, label: torch.Tensor) -> torch.Tensor:
        # Which vocabulary embedding lies closest to the pooled image tokens?
        pooled = F.normalize(projector(feats).mean(1), dim=-1)
        return ((pooled @ F.normalize(embed.weight, dim=-1).T).argmax(1) == label).float().mean()

    test_feats, test_label = images(demo, 256, seed=3)
    with torch.no_grad():
        before = nearest_word_accuracy(test_feats, test_label)

    # Alignment stage: the LLM (here its tied output embedding) must name the object
    # from the image tokens alone; only the projector learns.
    params, losses = list(projector.parameters()), []
    for _ in range(200):
        loss = F.cross_entropy(projector(feats).mean(1) @ embed.weight.T, label)
        grads = torch.autograd.grad(loss, params)
        with torch.no_grad():
            for p, g in zip(params, grads, strict=True):
                p -= 0.5 * g
        losses.append(loss.item())

    demo.at_most("alignment cuts the captioning loss to under a fifth", losses[-1] / losses[0], 0.2)
    with torch.no_grad():
        after = nearest_word_accuracy(test_feats, test_label)
    demo.at_least(
        "after training, pooled image tokens land nearest their object's word", after, 0.9
    )
    # Negative control: the untrained projector maps images somewhere arbitrary.
    demo.at_least("an untrained projector lands as near", before, 0.9, negative=True)

    # A resampler: 8 learned queries cross-attend to however many patches there are.
    torch.manual_seed(1)
    queries = demo.randn(1, 8, D_LLM, seed=9)
    attend = nn.MultiheadAttention(D_LLM, 4, batch_first=True).to(demo.device)
    shapes = []
    for grid in (4, 24):  # 16 patches, or LLaVA-1.5's (336 / 14)^2 = 576
        patches = demo.randn(2, grid * grid, D_LLM, seed=grid)
        out, _ = attend(queries.expand(2, -1, -1), patches, patches)
        shapes.append(tuple(out.shape))
    demo.equal("the resampler gives 8 tokens for 16 or 576 patches", shapes, [(2, 8, D_LLM)] * 2)
