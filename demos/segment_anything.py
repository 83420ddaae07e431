"""Segment Anything: encode the image once, then let clicks and boxes pick out the mask.

SAM splits segmentation in two: a heavy encoder turns the image into a per-pixel
embedding once, and a light decoder turns each prompt (positive and negative
points, a box) into a mask against that embedding. A single click can be
ambiguous; a negative click or a box resolves it. The decoder here is a toy
nearest-prompt rule over hand-made features, not SAM's learned one.
"""

import torch

from demos.harness import Demo

CONCEPTS = ["segment-anything"]

H = W = 32
POS_WEIGHT, THRESHOLD = 0.2, 0.0625  # threshold: half the 0.5 brightness step, squared


def scene(demo: Demo) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    yy, xx = torch.meshgrid(
        torch.arange(H, device=demo.device), torch.arange(W, device=demo.device), indexing="ij"
    )
    masks = {
        "square": (yy >= 3) & (yy < 13) & (xx >= 3) & (xx < 13),
        "disk_a": (yy - 8) ** 2 + (xx - 24) ** 2 <= 25,
        "disk_b": (yy - 24) ** 2 + (xx - 16) ** 2 <= 25,  # looks exactly like disk A
    }
    img = 1.0 * masks["square"] + 0.5 * (masks["disk_a"] | masks["disk_b"])
    return img + 0.05 * demo.randn(H, W, seed=0), masks


def encode(img: torch.Tensor) -> torch.Tensor:
    """The 'heavy' encoder, run once per image: brightness plus scaled position, (3, H, W)."""
    yy, xx = torch.meshgrid(torch.arange(H), torch.arange(W), indexing="ij")
    pos = torch.stack([yy / H, xx / W]).to(img.device) * POS_WEIGHT
    return torch.cat([img[None], pos])


def decode(emb: torch.Tensor, points: list[tuple[int, int]], labels: list[int]) -> torch.Tensor:
    """Each pixel follows its nearest prompt; it is in the mask if that prompt is positive."""
    # The prompt encoder: the embedding averaged over the 3x3 pixels around each click.
    prompts = torch.stack([emb[:, y - 1 : y + 2, x - 1 : x + 2].mean((1, 2)) for y, x in points])
    dist = ((emb[None] - prompts[:, :, None, None]) ** 2).sum(1)  # (prompts, H, W)
    nearest = dist.argmin(0)
    positive = torch.tensor(labels, device=emb.device)[nearest] > 0
    return positive & (dist.min(0).values < THRESHOLD)


def iou(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a & b).sum() / (a | b).sum())


def run(demo: Demo) -> None:
    img, masks = scene(demo)
    emb = encode(img)  # every prompt below reuses this one embedding

    demo.at_least(
        "one click on the square segments it (IoU)",
        iou(decode(emb, [(8, 8)], [1]), masks["square"]),
        0.9,
    )

    # One click on disk A is ambiguous: by appearance, both disks match it.
    single = decode(emb, [(8, 24)], [1])
    both = masks["disk_a"] | masks["disk_b"]
    demo.at_least(
        "a single click on disk A returns both look-alike disks (IoU)", iou(single, both), 0.9
    )
    demo.between(
        "so its IoU with disk A alone is about one half", iou(single, masks["disk_a"]), 0.4, 0.6
    )

    # A negative click on disk B tells the decoder which one was meant.
    refined = decode(emb, [(8, 24), (24, 16)], [1, 0])
    isolates = demo.at_least(
        "adding a negative click on B isolates disk A (IoU)", iou(refined, masks["disk_a"]), 0.9
    )
    # Negative control: a decoder that ignores the labels treats both clicks as positive.
    ignored = decode(emb, [(8, 24), (24, 16)], [1, 1])
    isolates.broken("ignoring point labels does not", iou(ignored, masks["disk_a"]))

    # A box prompt: keep pixels inside the box that look like the box's centre.
    inside = torch.zeros(H, W, dtype=torch.bool, device=demo.device)
    inside[2:15, 18:31] = True
    boxed = decode(emb, [(8, 24)], [1]) & inside
    demo.at_least("a box around disk A segments it (IoU)", iou(boxed, masks["disk_a"]), 0.9)


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "the decoder ignores whether a click is positive or negative",
        "positive = torch.tensor(labels, device=emb.device)[nearest] > 0",
        "positive = torch.ones_like(nearest, dtype=torch.bool)",
    ),
    (
        "the image embedding carries no position, only appearance",
        "pos = torch.stack([yy / H, xx / W]).to(img.device) * POS_WEIGHT",
        "pos = torch.stack([yy / H, xx / W]).to(img.device) * 0.0",
    ),
    (
        "the box prompt is not applied",
        "boxed = decode(emb, [(8, 24)], [1]) & inside",
        "boxed = decode(emb, [(8, 24)], [1])",
    ),
]
