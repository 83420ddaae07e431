"""Transfer learning: features pretrained on a big task let 20 labels solve a new one.

Two tasks share hidden structure: both labels are read off the same few latent
features of the input. A body pretrained on the first, label-rich task learns
those features, so a new task needs only a small head trained on top of the frozen
body. Trained from scratch on the same 20 labels, the whole network does worse, and
a frozen body that was never pretrained gives the head nothing useful to read.
"""

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from demos.harness import Demo

CONCEPTS = ["transfer-learning"]


def fit(
    model: nn.Module,
    x: torch.Tensor,
    loss_fn: Callable[[torch.Tensor], torch.Tensor],
    steps: int,
    lr: float,
) -> None:
    """Full-batch Adam on whatever parameters still require gradients."""
    opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=lr)
    for _ in range(steps):
        opt.zero_grad()
        loss_fn(model(x)).backward()
        opt.step()


def binary_accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    with torch.no_grad():
        return ((model(x)[:, 0] > 0).float() == y).float().mean()


def run(demo: Demo) -> None:
    # The world: 4 latent features z = tanh(x A) of a 20-dim input drive both tasks.
    A = 0.5 * demo.randn(20, 4, seed=100)
    source_readout, target_readout = demo.randn(4, 8, seed=200), demo.randn(4, seed=300)

    def sample(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
        x = demo.randn(n, 20, seed=seed)
        return x, torch.tanh(x @ A)

    x_src, z_src = sample(1000, 1)
    y_src = (z_src @ source_readout).argmax(1)  # source: 8 classes, 1000 labels
    x_tgt, z_tgt = sample(20, 2)
    y_tgt = (z_tgt @ target_readout > 0).float()  # target: yes/no, only 20 labels
    x_test, z_test = sample(1000, 3)
    y_test = (z_test @ target_readout > 0).float()

    def new_body() -> nn.Module:
        torch.manual_seed(0)  # the same initial weights every time
        return nn.Sequential(nn.Linear(20, 16), nn.Tanh()).to(demo.device)

    # Pretrain body + 8-way head on the label-rich source task.
    body = new_body()
    source_model = nn.Sequential(body, nn.Linear(16, 8).to(demo.device))
    fit(source_model, x_src, lambda out: F.cross_entropy(out, y_src), steps=80, lr=0.03)
    with torch.no_grad():
        source_acc = (source_model(x_src).argmax(1) == y_src).float().mean()
    demo.at_least("pretraining reaches > 90% on the 8-way source task", source_acc, 0.9)

    def target_loss(out: torch.Tensor) -> torch.Tensor:
        return F.binary_cross_entropy_with_logits(out[:, 0], y_tgt)

    def probe(frozen_body: nn.Module) -> tuple[nn.Module, int]:
        """Freeze the body, attach a fresh one-unit head, train only the head."""
        frozen_body.requires_grad_(False)
        torch.manual_seed(1)
        model = nn.Sequential(frozen_body, nn.Linear(16, 1).to(demo.device))
        fit(model, x_tgt, target_loss, steps=50, lr=0.1)
        return model, sum(p.numel() for p in model.parameters() if p.requires_grad)

    pretrained = [p.clone() for p in body.parameters()]
    transfer, trainable = probe(body)
    demo.equal("only the head's 16 + 1 weights train", trainable, 17, illustration=True)
    demo.equal(
        "the frozen body's weights are untouched by the head's training",
        torch.cat([p.flatten() for p in body.parameters()]),
        torch.cat([p.flatten() for p in pretrained]),
    )
    transfer_acc = binary_accuracy(transfer, x_test, y_test)
    transfers = demo.at_least(
        "a head on pretrained features gets > 75% from 20 labels", transfer_acc, 0.75
    )
    # The same head on the same body before pretraining: random features of the input,
    # which 20 labels cannot turn into the target rule.
    untrained, _ = probe(new_body())
    transfers.broken(
        "on an un-pretrained frozen body it does not", binary_accuracy(untrained, x_test, y_test)
    )

    # The same architecture trained end to end from scratch on the same 20 labels.
    torch.manual_seed(2)
    scratch = nn.Sequential(nn.Linear(20, 16), nn.Tanh(), nn.Linear(16, 1)).to(demo.device)
    fit(scratch, x_tgt, target_loss, steps=80, lr=0.03)
    # It has not failed to train: it fits its 20 labels. It fails to generalise from them.
    demo.at_least(
        "from scratch, the network fits its 20 training labels",
        binary_accuracy(scratch, x_tgt, y_tgt),
        0.95,
    )
    demo.at_least(
        "transfer beats training from scratch by > 8 points",
        transfer_acc - binary_accuracy(scratch, x_test, y_test),
        0.08,
    )


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "forget to freeze the pretrained body",
        "frozen_body.requires_grad_(False)",
        "frozen_body.requires_grad_(True)",
    ),
    (
        "attach the head to a fresh body instead of the pretrained one",
        "transfer, trainable = probe(body)",
        "transfer, trainable = probe(new_body())",
    ),
    (
        "skip pretraining",
        "fit(source_model, x_src, lambda out: F.cross_entropy(out, y_src), steps=80, lr=0.03)",
        "fit(source_model, x_src, lambda out: F.cross_entropy(out, y_src), steps=0, lr=0.03)",
    ),
]
