"""BERT: an encoder-only transformer that fills in masked tokens using context on both sides.

With no causal mask every token attends to the whole input, so a masked word can be
recovered from what comes after it as well as before. Trained on a masked-token task where
the answer always lies somewhere in the sequence, a bidirectional encoder solves it fully,
while the same network made causal fails whenever the clue comes later.
"""

import torch
import torch.nn.functional as F
from torch import nn

from demos._training import adam
from demos.harness import Demo

CONCEPTS = ["bert-architecture"]

V, L, E = 8, 8, 32  # 8 symbols (plus [MASK] = 8), sequences of 8, width 32
MASK = V


class TinyBert(nn.Module):
    def __init__(self, causal: bool) -> None:
        super().__init__()
        self.causal = causal
        self.tok, self.pos = nn.Embedding(V + 1, E), nn.Embedding(L, E)
        # BERT's layer: post-LN, GELU, a 4E-wide MLP.
        layer = nn.TransformerEncoderLayer(E, 2, 4 * E, 0.0, "gelu", batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, 1, enable_nested_tensor=False)
        self.head = nn.Linear(E, V)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.tok(x) + self.pos.weight
        # BERT: no mask, every token sees every token. The negative control adds GPT's mask.
        mask = nn.Transformer.generate_square_subsequent_mask(L, device=x.device)
        return self.head(self.encoder(h, mask=mask if self.causal else None))


def palindromes(demo: Demo, n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    # Each sequence is w + reverse(w); one position in eight is replaced by [MASK].
    half = demo.randint(V, n, L // 2, seed=seed)
    seq = torch.cat([half, half.flip(1)], dim=1)
    where = demo.randint(L, n, seed=seed + 1)
    inputs = seq.scatter(1, where[:, None], MASK)
    return inputs, seq.gather(1, where[:, None]).squeeze(1), where


def masked_lm(demo: Demo, causal: bool) -> tuple[torch.Tensor, torch.Tensor]:
    torch.manual_seed(0)
    model = TinyBert(causal).to(demo.device)

    def loss_at(step: int) -> torch.Tensor:
        # The loss is taken at the masked position only, as in BERT.
        inputs, answer, where = palindromes(demo, 64, seed=2 * step)
        logits = model(inputs).gather(1, where[:, None, None].expand(-1, 1, V)).squeeze(1)
        return F.cross_entropy(logits, answer)

    adam(list(model.parameters()), loss_at, 50, lr=1e-2, beta2=0.99)
    inputs, answer, where = palindromes(demo, 512, seed=100_000)
    with torch.no_grad():
        guess = model(inputs).argmax(-1).gather(1, where[:, None]).squeeze(1)
    right = (guess == answer).float()
    first_half = where < L // 2  # the mirror image, the only clue, lies to the right
    return right[first_half].mean(), right[~first_half].mean()


def bert_parameters(vocab: int, positions: int, E: int, layers: int, ffn: int) -> int:
    embeddings = (vocab + positions + 2) * E + 2 * E  # token, position, segment, LayerNorm
    layer = (4 * E * E + 4 * E) + (2 * E * ffn + ffn + E) + 4 * E  # attention, MLP, 2 LNs
    return embeddings + layers * layer + E * E + E  # plus the [CLS] pooler


def run(demo: Demo) -> None:
    right_clue, left_clue = masked_lm(demo, causal=False)
    both_ways = demo.at_least(
        "bidirectional: masked tokens whose clue lies to the right are >= 90% right",
        right_clue,
        0.9,
    )
    demo.at_least(
        "bidirectional: masked tokens whose clue lies to the left are >= 90% right", left_clue, 0.9
    )

    # Negative control: the same model with a causal mask cannot see the later clue, so on
    # the first half it can only guess (chance is 1/8); it still handles the second half.
    causal_right, causal_left = masked_lm(demo, causal=True)
    both_ways.broken("causal: with the clue to the right it can only guess", causal_right)
    demo.at_least("causal: a clue to the left is still used, >= 90% right", causal_left, 0.9)

    # Where BERT-base's 110M parameters live: check the formula on a small stack of real
    # modules, then evaluate it at BERT-base's size.
    torch.manual_seed(0)
    layer = nn.TransformerEncoderLayer(48, 4, 96, activation="gelu", batch_first=True)
    embeddings = [nn.Embedding(100, 48), nn.Embedding(16, 48), nn.Embedding(2, 48)]
    small = nn.ModuleList(
        [*embeddings, nn.LayerNorm(48), nn.TransformerEncoder(layer, 3), nn.Linear(48, 48)]
    )
    counted = sum(p.numel() for p in small.parameters())
    demo.equal(
        "the formula counts a small BERT's parameters", counted, bert_parameters(100, 16, 48, 3, 96)
    )
    base = bert_parameters(30522, 512, 768, 12, 3072)
    demo.between("at BERT-base's size it gives about 110M", base, 108e6, 111e6)


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    ("give BERT a causal mask", "mask=mask if self.causal else None", "mask=mask"),
    (
        "give every position the same embedding (no position information)",
        "h = self.tok(x) + self.pos.weight",
        "h = self.tok(x) + self.pos.weight.mean(0)",
    ),
    (
        "count one bias too few per attention layer",
        "layer = (4 * E * E + 4 * E)",
        "layer = (4 * E * E + 3 * E)",
    ),
]
