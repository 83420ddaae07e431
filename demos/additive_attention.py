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
    def __init__(self, hidden: int = 32) -> None:
        super().__init__()
        self.embed = nn.Embedding(SYMBOLS + 1, 16)
        # A bidirectional encoder, as in the paper: each state h_j describes token j in context.
        self.encoder = nn.RNN(16, hidden // 2, batch_first=True, bidirectional=True)
        self.decoder = nn.RNN(16, hidden, batch_first=True)
        # The scoring network: one hidden layer of width `hidden`.
        self.W, self.U = nn.Linear(hidden, hidden, bias=False), nn.Linear(hidden, hidden)
        self.v = nn.Linear(hidden, 1, bias=False)
        self.out = nn.Linear(2 * hidden, SYMBOLS + 1)

    def states(self, src: torch.Tensor, prev: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Decoder states s (B, T, hidden) and source states h (B, S, hidden)."""
        h, last = self.encoder(self.embed(src))
        s = self.decoder(self.embed(prev), torch.cat([last[0], last[1]], -1)[None])[0]
        return s, h

    def scores(self, s: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
        # Additive scores for every (output step t, source position j): (B, T, S).
        return self.v(torch.tanh(self.W(s)[:, :, None] + self.U(h)[:, None])).squeeze(-1)

    def forward(
        self, src: torch.Tensor, prev: torch.Tensor, flat: bool = False
    ) -> tuple[torch.Tensor, torch.Tensor]:
        s, h = self.states(src, prev)
        weights = self.scores(s, h).softmax(-1)
        if flat:  # the broken variant: every source state weighted alike, a fixed summary
            weights = torch.full_like(weights, 1 / src.shape[1])
        # For speed the context joins after the decoder RNN (Luong's arrangement); the scoring
        # network is Bahdanau's.
        return self.out(torch.cat([s, weights @ h], -1)), weights


def reversal(demo: Demo, n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    src = demo.randint(SYMBOLS, n, LENGTH, seed=seed) + 1
    return src, src.flip(1)


def teacher_forced(tgt: torch.Tensor) -> torch.Tensor:
    return F.pad(tgt[:, :-1], (1, 0), value=BOS)  # BOS, then the target shifted right


def loss(model: AttentionSeq2Seq, src: torch.Tensor, tgt: torch.Tensor) -> torch.Tensor:
    logits = model(src, teacher_forced(tgt))[0]
    return F.cross_entropy(logits.flatten(0, 1), tgt.flatten())


@torch.no_grad()
def greedy(
    model: AttentionSeq2Seq, src: torch.Tensor, flat: bool = False
) -> tuple[torch.Tensor, torch.Tensor]:
    out = torch.full((src.shape[0], 1), BOS, device=src.device)
    for _ in range(LENGTH):
        logits, weights = model(src, out, flat)
        out = torch.cat([out, logits[:, -1].argmax(-1, keepdim=True)], dim=1)
    return out[:, 1:], weights


def run(demo: Demo) -> None:
    torch.manual_seed(0)  # the layers' initial weights
    model = AttentionSeq2Seq().to(demo.device)

    def loss_at(step: int) -> torch.Tensor:  # a fresh batch of 128 each step
        return loss(model, *reversal(demo, 128, step))

    adam(list(model.parameters()), loss_at, 50, lr=3e-2, beta2=0.99)

    src, tgt = reversal(demo, 256, seed=10_000)
    out, weights = greedy(model, src)

    # The batched scores against the formula written out for one sequence, pair by pair.
    with torch.no_grad():
        s, h = model.states(src[:1], teacher_forced(tgt[:1]))
        W, U, b, v = model.W.weight, model.U.weight, model.U.bias, model.v.weight[0]
        by_pair = [
            [v @ torch.tanh(W @ s[0, t] + U @ h[0, j] + b) for j in range(LENGTH)]
            for t in range(LENGTH)
        ]
        # float32 sums of 32-long products, ordered differently by the batched Linear and
        # the matrix-vector form: ~ sqrt(32) * 6e-8 relative on scores of size ~1-10.
        demo.close(
            "batched scores equal v . tanh(W s_t + U h_j + b) pair by pair",
            model.scores(s, h)[0],
            torch.stack([torch.stack(row) for row in by_pair]),
            atol=1e-5,
        )
    demo.close(
        "each output step's weights sum to one over the source",
        weights.sum(-1),
        torch.ones(256, LENGTH, device=demo.device),
    )

    accuracy = (out == tgt).float().mean()
    learned = demo.at_least(
        "with attention, reversing 6 of 16 symbols is learned in 50 steps", accuracy, 0.8
    )
    # Flatten the weights and the context is the plain mean of the source states: one
    # fixed summary for every step, and the trained decoder cannot tell what to write.
    learned.broken(
        "the same model with uniform weights (a fixed summary) cannot do it",
        (greedy(model, src, flat=True)[0] == tgt).float().mean(),
    )

    # Soft alignment: to write output t the model should look at source position 5 - t.
    # Nothing told it so; the scores learned it from the loss alone.
    target_position = torch.arange(LENGTH - 1, -1, -1, device=demo.device)
    aligned = (weights.argmax(-1) == target_position).float().mean()
    demo.at_least("the largest weight falls on the mirrored source token", aligned, 0.7)


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "softmax over the output steps instead of the source positions",
        "weights = self.scores(s, h).softmax(-1)",
        "weights = self.scores(s, h).softmax(-2)",
    ),
    (
        "drop the tanh, so the score is linear and s cancels out of the softmax",
        "self.v(torch.tanh(self.W(s)[:, :, None] + self.U(h)[:, None]))",
        "self.v(self.W(s)[:, :, None] + self.U(h)[:, None])",
    ),
    (
        "the scores ignore the decoder state (no query)",
        "torch.tanh(self.W(s)[:, :, None] + self.U(h)[:, None])",
        "torch.tanh(0 * self.W(s)[:, :, None] + self.U(h)[:, None])",
    ),
]
