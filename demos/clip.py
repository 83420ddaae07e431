"""CLIP: a symmetric contrastive loss pulls matching image-text pairs together in one space.

In a batch of N pairs, each image must pick its own caption out of N and each
caption its own image: two cross-entropies over the N x N similarity matrix.
With no signal the loss sits at ln N; with aligned embeddings and a sharp
temperature it falls to zero. Trained this way, two separate encoders come to
retrieve each other's pairs, the basis of zero-shot classification and search.
"""

import math

import torch
import torch.nn.functional as F

from demos.harness import Demo

CONCEPTS = ["clip"]


def clip_loss(img: torch.Tensor, txt: torch.Tensor, scale: float) -> torch.Tensor:
    logits = scale * F.normalize(img, dim=-1) @ F.normalize(txt, dim=-1).T
    target = torch.arange(len(img), device=img.device)  # pair i matches pair i
    return (F.cross_entropy(logits, target) + F.cross_entropy(logits.T, target)) / 2


def pairs(demo: Demo, z: torch.Tensor, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    # A shared 8-dim "content" z seen through two different views (pixels, words), plus noise.
    n = len(z)
    to_img, to_txt = demo.randn(8, 32, seed=100), demo.randn(8, 24, seed=101)
    img = z @ to_img + 0.3 * demo.randn(n, 32, seed=seed + 1)
    txt = z @ to_txt + 0.3 * demo.randn(n, 24, seed=seed + 2)
    return img, txt


def retrieval(
    w_img: torch.Tensor, w_txt: torch.Tensor, img: torch.Tensor, txt: torch.Tensor
) -> float:
    sims = F.normalize(img @ w_img, dim=-1) @ F.normalize(txt @ w_txt, dim=-1).T
    target = torch.arange(len(img), device=img.device)
    return float((sims.argmax(1) == target).float().mean())


def clip_loss_loop(img: torch.Tensor, txt: torch.Tensor, scale: float) -> torch.Tensor:
    """The same loss pair by pair, written from the definition: an independent reference."""
    n = len(img)
    cos = torch.stack(
        [torch.stack([(i @ t) / (i.norm() * t.norm()) for t in txt]) for i in img]
    )  # cos[i, j]: image i against caption j
    total = img.new_zeros(())
    for i in range(n):
        # image i must pick caption i among all captions, and caption i image i among all images
        total = total - torch.log(torch.exp(scale * cos[i, i]) / torch.exp(scale * cos[i]).sum())
        total = total - torch.log(torch.exp(scale * cos[i, i]) / torch.exp(scale * cos[:, i]).sum())
    return total / (2 * n)


def run(demo: Demo) -> None:
    n = 16
    a, b = demo.randn(n, 256, seed=0), demo.randn(n, 256, seed=1)

    # The batched loss against the definition, pair by pair, on a batch with some signal:
    # each caption shares part of its image, and caption 0 is generic, a little like every
    # image, so images choosing captions and captions choosing images are different tasks.
    related = 0.5 * a + b
    related[0] += 0.3 * a.sum(0)
    symmetric = demo.close(
        "the batched loss equals the pair-by-pair definition",
        clip_loss(a, related, 10.0),
        clip_loss_loop(a, related, 10.0),
        # float32 on any device: cosines of unit vectors summed over 256 products differ
        # by ~1e-7 between the two orders; times scale 10 that is ~1e-6, under 1e-5.
        atol=1e-5,
    )
    # The half-written version: only images choose captions, never the reverse.
    one_way = F.cross_entropy(
        10.0 * F.normalize(a, dim=-1) @ F.normalize(related, dim=-1).T,
        torch.arange(n, device=demo.device),
    )
    symmetric.broken("the image-to-text cross-entropy alone does not", one_way)

    # Unrelated embeddings at scale 1: logits near 0, so every guess is 1 in N.
    demo.close("random embeddings give loss ln 16", clip_loss(a, b, 1.0), math.log(n), atol=0.05)
    # Aligned embeddings (image = text) at CLIP's maximum scale of 100: near-certain matches.
    sharp = demo.at_most(
        "aligned embeddings at scale 100 give loss near 0", clip_loss(a, a, 100.0), 1e-3
    )
    # The same aligned pairs at scale 1 cannot reach 0: cosine similarities in [-1, 1]
    # make the logits too flat. The temperature matters.
    sharp.broken("at scale 1 they do not", clip_loss(a, a, 1.0))

    # Two linear encoders into a shared 16-dim space, trained with the loss above.
    img, txt = pairs(demo, demo.randn(256, 8, seed=10), seed=11)
    test_img, test_txt = pairs(demo, demo.randn(64, 8, seed=20), seed=21)
    w_img = (0.1 * demo.randn(32, 16, seed=2)).requires_grad_()
    w_txt = (0.1 * demo.randn(24, 16, seed=3)).requires_grad_()
    untrained = w_img.detach().clone(), w_txt.detach().clone()
    before = retrieval(*untrained, test_img, test_txt)
    first = clip_loss(img @ w_img, txt @ w_txt, 10.0).item()
    for _ in range(150):
        loss = clip_loss(img @ w_img, txt @ w_txt, 10.0)
        g_img, g_txt = torch.autograd.grad(loss, [w_img, w_txt])
        with torch.no_grad():
            w_img -= 0.5 * g_img
            w_txt -= 0.5 * g_txt
    demo.at_most("training lowers the contrastive loss to under half", loss.item() / first, 0.5)
    after = retrieval(w_img.detach(), w_txt.detach(), test_img, test_txt)
    retrieves = demo.at_least("trained encoders retrieve held-out pairs (top-1 of 64)", after, 0.8)
    retrieves.broken("untrained encoders do not", before)

    # Zero-shot classification: embed one caption per class ("a photo of class c"),
    # then label each new image by its most similar caption; no classifier is trained.
    classes = demo.randn(5, 8, seed=30)
    labels = demo.randint(5, 200, seed=31)
    photos, _ = pairs(demo, classes[labels] + 0.3 * demo.randn(200, 8, seed=32), seed=33)
    _, prompts = pairs(demo, classes, seed=34)

    def zero_shot(wi: torch.Tensor, wt: torch.Tensor) -> torch.Tensor:
        sims = F.normalize(photos @ wi, dim=-1) @ F.normalize(prompts @ wt, dim=-1).T
        return (sims.argmax(1) == labels).float().mean()

    trained = w_img.detach(), w_txt.detach()
    zero = demo.at_least(
        "zero-shot accuracy over 5 classes from caption embeddings", zero_shot(*trained), 0.8
    )
    # The same recipe with the untrained encoders is near chance (0.2).
    zero.broken("with the untrained encoders it is not", zero_shot(*untrained))


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "keep only the image-to-text direction",
        "(F.cross_entropy(logits, target) + F.cross_entropy(logits.T, target)) / 2",
        "F.cross_entropy(logits, target)",
    ),
    (
        "compare raw embeddings instead of unit vectors",
        "logits = scale * F.normalize(img, dim=-1) @ F.normalize(txt, dim=-1).T",
        "logits = scale * img @ txt.T",
    ),
    (
        "pair image i with caption i + 1",
        "target = torch.arange(len(img), device=img.device)  # pair i matches pair i",
        "target = torch.arange(len(img), device=img.device).roll(1)",
    ),
]
