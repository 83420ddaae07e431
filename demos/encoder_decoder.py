"""Encoder-decoder: one RNN reads the source, a second writes the target from its final state.

The encoder squeezes the whole source into a single fixed-size vector; the decoder starts
from that vector and emits the output one token at a time, feeding back what it wrote.
Trained to reverse sequences, it succeeds on short ones and falls apart on longer ones at
the same budget: the fixed-size bottleneck that attention was invented to remove.
"""

import torch
import torch.nn.functional as F
from torch import nn

from demos._training import adam
from demos.harness import Demo

CONCEPTS = ["encoder-decoder"]

SYMBOLS, BOS = 16, 0  # tokens 1..16 are symbols; 0 starts every decoded sequence


class Seq2Seq(nn.Module):
    def __init__(self, hidden: int = 32) -> None:
        super().__init__()
        self.embed = nn.Embedding(SYMBOLS + 1, 16)
        self.encoder = nn.RNN(16, hidden, batch_first=True)
        self.decoder = nn.RNN(16, hidden, batch_first=True)
        self.out = nn.Linear(hidden, SYMBOLS + 1)

    def encode(self, src: torch.Tensor) -> torch.Tensor:
        return self.encoder(self.embed(src))[1]  # the final state: all the decoder will see

    def decode(self, context: torch.Tensor, prev: torch.Tensor) -> torch.Tensor:
        return self.out(self.decoder(self.embed(prev), context)[0])


def reversal(demo: Demo, n: int, length: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    src = demo.randint(SYMBOLS, n, length, seed=seed) + 1
    return src, src.flip(1)


def teacher_forced_loss(model: Seq2Seq, src: torch.Tensor, tgt: torch.Tensor) -> torch.Tensor:
    # The decoder reads the true previous token (BOS first) and predicts the next one.
    prev = F.pad(tgt[:, :-1], (1, 0), value=BOS)
    logits = model.decode(model.encode(src), prev)
    return F.cross_entropy(logits.flatten(0, 1), tgt.flatten())


@torch.no_grad()
def greedy(model: Seq2Seq, context: torch.Tensor, steps: int) -> torch.Tensor:
    out = torch.full((context.shape[1], 1), BOS, device=context.device)
    for _ in range(steps):
        nxt = model.decode(context, out)[:, -1].argmax(-1, keepdim=True)
        out = torch.cat([out, nxt], dim=1)
    return out[:, 1:]


def trained_on(demo: Demo, length: int) -> Seq2Seq:
    torch.manual_seed(0)
    model = Seq2Seq().to(demo.device)

    def loss_at(step: int) -> torch.Tensor:  # a fresh batch of 128 each step
        return teacher_forced_loss(model, *reversal(demo, 128, length, step))

    adam(list(model.parameters()), loss_at, 60, lr=3e-2, beta2=0.99)
    return model


def run(demo: Demo) -> None:
    short = trained_on(demo, 3)
    src, tgt = reversal(demo, 256, 3, seed=10_000)
    context = short.encode(src)
    accuracy = (greedy(short, context, 3) == tgt).float().mean()
    reverses = demo.at_least(
        "trained on length 3, greedy decoding reverses held-out inputs (per token)", accuracy, 0.8
    )
    # Cut the link between the halves (a zero context vector) and the decoder can only
    # guess, since the source reaches it through that vector alone.
    blind = (greedy(short, torch.zeros_like(context), 3) == tgt).float().mean()
    reverses.broken("with a zero context vector it does not", blind)

    # The context has the same size however long the source is: that is the bottleneck.
    long_src, long_tgt = reversal(demo, 256, 6, seed=10_001)
    demo.equal(
        "the context vector has shape (1, batch, hidden) for 3 and for 6 source tokens",
        [list(context.shape), list(short.encode(long_src).shape)],
        [[1, 256, 32], [1, 256, 32]],
        illustration=True,
    )

    # Same model, same budget, twice the length: the one vector must now carry 6 symbols
    # in order, and per-token accuracy drops far below the short task's.
    long = trained_on(demo, 6)
    long_accuracy = (greedy(long, long.encode(long_src), 6) == long_tgt).float().mean()
    demo.at_most("trained on length 6, per-token accuracy stays below 0.7", long_accuracy, 0.7)
    demo.at_least("length 3 beats length 6 by at least 0.2", accuracy - long_accuracy, 0.2)
    # Chance is 1/16 per token: even the long model beats it, so it did learn something.
    demo.at_least("trained on length 6, it still beats chance (1/16) twofold", long_accuracy, 0.125)


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "hand the decoder the encoder's state after the first token, not its final state",
        "return self.encoder(self.embed(src))[1]",
        "return self.encoder(self.embed(src))[0][:, :1].transpose(0, 1).contiguous()",
    ),
    (
        "teacher forcing without the shift: the decoder reads the token it must predict",
        "prev = F.pad(tgt[:, :-1], (1, 0), value=BOS)",
        "prev = tgt",
    ),
    (
        "greedy decoding feeds back BOS instead of what it wrote",
        "out = torch.cat([out, nxt], dim=1)",
        "out = torch.cat([out, torch.full_like(nxt, BOS)], dim=1)",
    ),
]
