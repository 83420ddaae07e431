"""Bahdanau attention: a small network scores every source state, and the decoder reads their mix.

At each output step the score e_j = v^T tanh(W s + U h_j) says how well source state h_j
fits the decoder state s; a softmax turns the scores into weights and the weighted sum of
the h_j is a fresh context vector for that step. The decoder no longer depends on one
fixed-size summary, and the weights show which source token each output came from.
"""

import torch
import torch.nn.functional as F
from torch import nn

from demos._training import adam
from demos.harness import Demo

CONCEPTS = ["additive-attention"]

SYMBOLS, BOS, LENGTH = 16, 0, 6  # tokens 1..16 are symbols; 0 starts each decoded sequence


class AttentionSeq2Seq(nn.Module):
    def __init__(self, attend: bool, hidden: int = 32) -> None:
        super().__init__()
        self.attend = attend
        self.embed = nn.Embedding(SYMBOLS + 1, 16)
        # A bidirectional encoder, as in the paper: each state h_j describes token j in context.
        self.encoder = nn.RNN(16, hidden // 2, batch_first=True, bidirectional=True)
        self.decoder = nn.RNN(16, hidden, batch_first=True)
        if attend:  # the scoring network: one hidden layer of width `hidden`
            self.W, self.U = nn.Linear(hidden, hidden, bias=False), nn.Linear(hidden, hidden)
            self.v = nn.Linear(hidden, 1, bias=False)
        self.out = nn.Linear(2 * hidden if attend else hidden, SYMBOLS + 1)

    def forward(self, src: torch.Tensor, prev: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h, last = self.encoder(self.embed(src))  # h: (B, S, hidden), one state per source token
        s = self.decoder(self.embed(prev), torch.cat([last[0], last[1]], -1)[None])[0]
        if not self.attend:  # the bottleneck baseline: only the final states reach the decoder
            return self.out(s), torch.empty(0)
        # Additive scores for every (output step t, source position j): (B, T, S).
        scores = self.v(torch.tanh(self.W(s)[:, :, None] + self.U(h)[:, None])).squeeze(-1)
        weights = scores.softmax(-1)
        # For speed the context joins after the decoder RNN (Luong's arrangement); the scoring
        # network is Bahdanau's.
        return self.out(torch.cat([s, weights @ h], -1)), weights


def reversal(demo: Demo, n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    src = demo.randint(SYMBOLS, n, LENGTH, seed=seed) + 1
    return src, src.flip(1)


def loss(model: AttentionSeq2Seq, src: torch.Tensor, tgt: torch.Tensor) -> torch.Tensor:
    logits = model(src, F.pad(tgt[:, :-1], (1, 0), value=BOS))[0]  # teacher forcing
    return F.cross_entropy(logits.flatten(0, 1), tgt.flatten())


@torch.no_grad()
def greedy(model: AttentionSeq2Seq, src: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    out = torch.full((src.shape[0], 1), BOS, device=src.device)
    for _ in range(LENGTH):
        logits, weights = model(src, out)
        out = torch.cat([out, logits[:, -1].argmax(-1, keepdim=True)], dim=1)
    return out[:, 1:], weights


def trained(demo: Demo, attend: bool) -> AttentionSeq2Seq:
    torch.manual_seed(0)
    model = AttentionSeq2Seq(attend).to(demo.device)

    def loss_at(step: int) -> torch.Tensor:  # a fresh batch of 64 each step
        return loss(model, *reversal(demo, 64, step))

    adam(list(model.parameters()), loss_at, 100, lr=2e-2, beta2=0.99)
    return model


def run(demo: Demo) -> None:
    src, tgt = reversal(demo, 256, seed=10_000)
    model = trained(demo, attend=True)
    out, weights = greedy(model, src)

    demo.close(
        "each output step's weights sum to one over the source",
        weights.sum(-1),
        torch.ones(256, LENGTH, device=demo.device),
    )
    accuracy = (out == tgt).float().mean()
    demo.at_least(
        "with attention, reversing 6 of 16 symbols is learned in 100 steps", accuracy, 0.8
    )

    # Soft alignment: to write output t the model should look at source position 5 - t.
    # Nothing told it so; the scores learned it from the loss alone.
    target_position = torch.arange(LENGTH - 1, -1, -1, device=demo.device)
    aligned = (weights.argmax(-1) == target_position).float().mean()
    demo.at_least("the largest weight falls on the mirrored source token", aligned, 0.7)

    # Negative control: the same network with the attention path removed, so the decoder
    # sees the source only through the encoder's final states, trained identically.
    baseline = trained(demo, attend=False)
    base_accuracy = (greedy(baseline, src)[0] == tgt).float().mean()
    demo.at_least(
        "without attention the same model also learns it", base_accuracy, 0.8, negative=True
    )
    demo.at_least("attention beats the bottleneck by at least 0.2", accuracy - base_accuracy, 0.2)
