"""Instruction tuning: fine-tuning on prompt-response pairs turns a text continuer into an answerer.

A base model has only learned to continue text like its corpus, so a question makes it
produce more questions. Supervised fine-tuning trains the same network on chat-formatted
pairs, scoring only the response tokens (prompt labels set to -100), and afterwards the
network answers. Masking the prompt is not cosmetic: score the wrong tokens and it never
learns to reply at all.
"""

import torch
import torch.nn.functional as F
from torch import nn

from demos._training import adam
from demos.harness import Demo

CONCEPTS = ["instruction-tuning"]

N = 8  # questions Q0..Q7 (tokens 0-7) and their answers A0..A7 (tokens 8-15)
SEP, BOS = 2 * N, 2 * N + 1
V = 2 * N + 2
IGNORE = -100


class TinyLM(nn.Module):
    """Predicts the next token from the last two tokens: just enough context for Q SEP -> A."""

    def __init__(self, d: int = 16, hidden: int = 64) -> None:
        super().__init__()
        self.emb = nn.Embedding(V, d)
        self.mlp = nn.Sequential(nn.Linear(2 * d, hidden), nn.Tanh(), nn.Linear(hidden, V))

    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        prev = torch.cat([torch.full_like(idx[:, :1], BOS), idx[:, :-1]], dim=1)
        return self.mlp(torch.cat([self.emb(idx), self.emb(prev)], dim=-1))


def train(model: nn.Module, tokens: torch.Tensor, labels: torch.Tensor, steps: int) -> None:
    """Full-batch Adam; labels[t] is the target for position t, IGNORE where not scored."""

    def loss_at(_: int) -> torch.Tensor:
        logits = model(tokens).flatten(0, 1)
        return F.cross_entropy(logits, labels.flatten(), ignore_index=IGNORE)

    adam(list(model.parameters()), loss_at, steps, lr=0.02, beta2=0.99)


def reply(model: nn.Module, prompts: torch.Tensor) -> torch.Tensor:
    with torch.no_grad():
        return model(prompts)[:, -1].argmax(-1)  # greedy first token of the reply


def run(demo: Demo) -> None:
    # Pretraining corpus: FAQ pages that list questions, "BOS Qa SEP Qb SEP Qc ...".
    # The loss is plain next-token prediction on every position.
    pages = demo.randint(N, 64, 5, seed=0)
    corpus = torch.stack([pages, torch.full_like(pages, SEP)], dim=2).flatten(1)
    corpus = torch.cat([torch.full_like(corpus[:, :1], BOS), corpus], dim=1)
    torch.manual_seed(0)
    base = TinyLM().to(demo.device)
    train(base, corpus[:, :-1], corpus[:, 1:], steps=60)

    # Chat-formatted SFT data "BOS Qi SEP Ai". Only the reply is scored: the label of
    # the last prompt position is the answer, every other label is IGNORE.
    q = torch.arange(N, device=demo.device)
    prompts = torch.stack([torch.full_like(q, BOS), q, torch.full_like(q, SEP)], dim=1)
    labels = torch.full_like(prompts, IGNORE)
    labels[:, -1] = q + N

    # The masked loss is the mean cross-entropy over response tokens alone, and the
    # prompt positions get exactly zero gradient.
    logits = base(prompts).detach().requires_grad_()
    masked = F.cross_entropy(logits.flatten(0, 1), labels.flatten(), ignore_index=IGNORE)
    by_hand = -logits.log_softmax(-1)[:, -1].gather(1, (q + N)[:, None]).mean()
    demo.close("the SFT loss is the mean cross-entropy over reply tokens only", masked, by_hand)
    (grad,) = torch.autograd.grad(masked, logits)
    demo.equal("prompt positions receive exactly zero gradient", grad[:, :-1].abs().sum(), 0.0)

    # The base model continues the page: after "Qi SEP" it writes another question.
    demo.equal(
        "the base model follows every question with a question",
        reply(base, prompts) < N,
        [True] * N,
    )
    with torch.no_grad():
        p_answer = base(prompts)[:, -1].softmax(-1)[:, N:SEP].sum(-1).max()
    demo.at_most("it puts under 5% probability on any answer token", p_answer, 0.05)

    # SFT starts from the base weights and stores the new behaviour in them.
    torch.manual_seed(0)
    sft = TinyLM().to(demo.device)
    sft.load_state_dict(base.state_dict())
    train(sft, prompts, labels, steps=40)
    accuracy = (reply(sft, prompts) == q + N).float().mean()
    answers = demo.at_least("after SFT it answers all 8 questions", accuracy, 1.0)

    # Negative control: flip the mask, scoring the prompt tokens and not the reply.
    # That is more pre-training on questions; the model still never answers.
    torch.manual_seed(0)
    wrong = TinyLM().to(demo.device)
    wrong.load_state_dict(base.state_dict())
    flipped = torch.cat([prompts[:, 1:], torch.full_like(q[:, None], IGNORE)], dim=1)
    train(wrong, prompts, flipped, steps=40)
    answers.broken(
        "SFT scoring the prompt instead of the reply does not",
        (reply(wrong, prompts) == q + N).float().mean(),
    )


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "no loss mask: score every next token of the prompt as well as the reply",
        "labels = torch.full_like(prompts, IGNORE)",
        "labels = torch.cat([prompts[:, 1:], prompts[:, :1]], dim=1)",
    ),
    (
        "off by one: put the answer label on the question token instead of SEP",
        "labels[:, -1] = q + N",
        "labels[:, -2] = q + N",
    ),
    (
        "pretrain without shifting the targets: each token predicts itself",
        "train(base, corpus[:, :-1], corpus[:, 1:], steps=60)",
        "train(base, corpus[:, :-1], corpus[:, :-1], steps=60)",
    ),
]
