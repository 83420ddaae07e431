"""Self-supervised vision: MAE hides most patches and scores only those; DINO centres its teacher.

A masked autoencoder (MAE) shuffles an image's patches, keeps a random (1 - ratio) of them
for the encoder and asks a light decoder to rebuild the rest; the loss is averaged over the
masked patches only, since copying the visible ones teaches nothing. DINO trains a student
to match a teacher (an average of past students) on other views of the same image. With no
labels and no negatives, the easy way out is collapse: every image gets the same output.
DINO blocks both kinds: centring (subtracting a running mean of the teacher's logits) stops
one dimension from winning for every image, and sharpening (a low teacher temperature)
stops the output from going flat.
"""

import math

import torch

from demos.harness import Demo

CONCEPTS = ["self-supervised-vision"]

B, N, P, RATIO = 4, 196, 48, 0.75  # images, patches (14 x 14), pixels per patch, mask ratio


def random_masking(
    x: torch.Tensor, ratio: float, seed: int
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """MAE's masking: keep the patches with the smallest random noise, per image."""
    n_keep = int(x.shape[1] * (1 - ratio))
    noise = torch.rand(x.shape[:2], generator=torch.Generator().manual_seed(seed)).to(x.device)
    shuffle = noise.argsort(dim=1)
    restore = shuffle.argsort(dim=1)  # the inverse permutation
    keep = shuffle[:, :n_keep]
    visible = x.gather(1, keep[..., None].expand(-1, -1, x.shape[2]))
    mask = torch.ones(x.shape[:2], device=x.device)
    mask[:, :n_keep] = 0
    mask = mask.gather(1, restore)  # 1 = masked, in the original patch order
    return visible, mask, restore


def mae_loss(pred: torch.Tensor, target: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    per_patch = (pred - target).pow(2).mean(dim=-1)
    return (per_patch * mask).sum() / mask.sum()  # masked patches only


def teacher_probs(logits: torch.Tensor, center: torch.Tensor, temp: float) -> torch.Tensor:
    return ((logits - center) / temp).softmax(dim=-1)


def entropy(p: torch.Tensor) -> torch.Tensor:
    return -(p * p.clamp_min(1e-12).log()).sum(-1)


def run(demo: Demo) -> None:
    # ---- MAE masking and loss.
    patches = demo.randn(B, N, P, seed=0)
    visible, mask, restore = random_masking(patches, RATIO, seed=1)
    demo.equal(
        "the encoder sees (1 - 0.75) * 196 = 49 patches, 147 per image are masked",
        [visible.shape[1], *mask.sum(1).int().tolist()],
        [49, *[147] * B],
    )
    # The encoder's patches, put back in position order, are exactly the unmasked ones.
    keep = restore.argsort(dim=1)[:, :49]  # restore's inverse is the shuffle
    in_order = visible.gather(1, keep.argsort(dim=1)[..., None].expand(-1, -1, P))
    demo.equal(
        "the visible patches are exactly those the mask leaves unmasked",
        in_order,
        patches[mask == 0].reshape(B, -1, P),
    )

    # A reconstruction that is perfect where masked and garbage where visible scores 0:
    # the visible patches are not part of the objective.
    garbage = demo.randn(B, N, P, seed=2) * 10
    pred = torch.where(mask[..., None].bool(), patches, garbage)
    masked_only = demo.close(
        "MAE loss ignores the visible patches", mae_loss(pred, patches, mask), 0.0
    )
    everywhere = (pred - patches).pow(2).mean()
    masked_only.broken("a loss over all patches does not", everywhere)

    # ---- DINO: the teacher's logits have a bias that favours output 0 for every image,
    # the start of collapse. K outputs, a batch of 256 images' teacher logits.
    K, images = 16, 256
    logits = demo.randn(images, K, seed=3)
    logits[:, 0] += 4.0
    center = torch.zeros(K, device=demo.device)
    for step in range(30):  # the running (EMA) mean of teacher logits over past batches
        batch = demo.randn(images, K, seed=100 + step)
        batch[:, 0] += 4.0
        center = 0.9 * center + 0.1 * batch.mean(0)

    def usage(p: torch.Tensor) -> float:
        """Entropy of the batch-averaged output over ln K: 1 = all outputs used, 0 = one."""
        return float(entropy(p.mean(0)) / math.log(K))

    def sharpness(p: torch.Tensor) -> float:
        """Mean per-image entropy over ln K: near 0 = confident, 1 = flat."""
        return float(entropy(p).mean() / math.log(K))

    centred = teacher_probs(logits, center, temp=0.04)
    spread = demo.at_least(
        "with centring the batch uses the outputs evenly (entropy of the mean >= 0.9 ln K)",
        usage(centred),
        0.9,
    )
    spread.broken(
        "without centring one output takes every image (collapse)",
        usage(teacher_probs(logits, torch.zeros_like(center), temp=0.04)),
    )
    sharp = demo.at_most(
        "with sharpening each image's output is confident (entropy <= 0.3 ln K)",
        sharpness(centred),
        0.3,
    )
    sharp.broken(
        "centring with a high temperature flattens every output (the other collapse)",
        sharpness(teacher_probs(logits, center, temp=10.0)),
    )


# One-line breaks of the concepts that the checks above must catch.
MUTATIONS = [
    (
        "the MAE loss averages over every patch",
        "return (per_patch * mask).sum() / mask.sum()  # masked patches only",
        "return per_patch.mean()",
    ),
    (
        "the teacher forgets to subtract the centre",
        "return ((logits - center) / temp).softmax(dim=-1)",
        "return (logits / temp).softmax(dim=-1)",
    ),
    (
        "masking keeps the ratio instead of 1 - ratio",
        "n_keep = int(x.shape[1] * (1 - ratio))",
        "n_keep = int(x.shape[1] * ratio)",
    ),
]
