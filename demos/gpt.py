"""GPT: a decoder-only transformer that maps token ids to next-token logits, built and trained.

Token and position embeddings go in, causal pre-LN blocks mix information from earlier
positions only, and a linear head gives one distribution over the vocabulary per position.
A freshly initialised GPT should know nothing (loss ln V); a working one can memorise a
batch outright, which is the standard first sanity check when writing one from scratch.
Attention itself is blind to order, so it is the position embeddings that let the model
continue "a b c" and "b a c" differently.
"""

import math

import torch
import torch.nn.functional as F
from torch import nn

from demos._training import adam
from demos.harness import Demo

CONCEPTS = ["gpt"]


class Block(nn.Module):
    def __init__(self, d: int, heads: int) -> None:
        super().__init__()
        self.heads = heads
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.qkv, self.proj = nn.Linear(d, 3 * d), nn.Linear(d, d)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        B, T, C = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(C, dim=2)
        q, k, v = (t.view(B, T, self.heads, C // self.heads).transpose(1, 2) for t in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + self.proj(y.transpose(1, 2).reshape(B, T, C))
        return x + self.mlp(self.ln2(x))


class GPT(nn.Module):
    def __init__(self, vocab: int, d: int, block_size: int, heads: int = 2) -> None:
        super().__init__()
        self.tok, self.pos = nn.Embedding(vocab, d), nn.Embedding(block_size, d)
        self.block, self.ln_f, self.head = Block(d, heads), nn.LayerNorm(d), nn.Linear(d, vocab)
        for module in self.modules():  # GPT-2's init: small weights, zero biases
            if isinstance(module, nn.Linear | nn.Embedding):
                nn.init.normal_(module.weight, std=0.02)
            if isinstance(module, nn.Linear):
                nn.init.zeros_(module.bias)

    def embed(self, idx: torch.Tensor) -> torch.Tensor:
        return self.tok(idx) + self.pos(torch.arange(idx.shape[1], device=idx.device))

    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        return self.head(self.ln_f(self.block(self.embed(idx))))


def loss_of(model: GPT, tokens: torch.Tensor) -> torch.Tensor:
    # Next-token prediction: position t is scored on token t + 1.
    logits = model(tokens[:, :-1])
    return F.cross_entropy(logits.flatten(0, 1), tokens[:, 1:].flatten())


def overfit(model: GPT, tokens: torch.Tensor, params: list[torch.Tensor]) -> torch.Tensor:
    """40 Adam steps on one batch; the final loss."""
    adam(params, lambda _: loss_of(model, tokens), 40, lr=2e-2, beta2=0.99)
    with torch.no_grad():
        return loss_of(model, tokens)


@torch.no_grad()
def replay(model: GPT, tokens: torch.Tensor) -> torch.Tensor:
    """Greedy decoding from each sequence's first token, as long as the sequences."""
    seq = tokens[:, :1]
    for _ in range(tokens.shape[1] - 1):
        seq = torch.cat([seq, model(seq)[:, -1].argmax(-1, keepdim=True)], dim=1)
    return seq


def run(demo: Demo) -> None:
    V, d = 32, 32
    torch.manual_seed(0)
    model = GPT(V, d, block_size=128).to(demo.device)

    # The worked example's shapes, with a tiny width and vocabulary:
    # (64, 128) token ids -> (64, 128, d_model) vectors -> (64, 128, vocab) logits.
    idx = demo.randint(V, 64, 128, seed=1)
    with torch.no_grad():
        hidden, logits = model.embed(idx), model(idx)
    demo.equal(
        "embeddings have shape (64, 128, d_model)",
        list(hidden.shape),
        [64, 128, d],
        illustration=True,
    )
    demo.equal(
        "logits have shape (64, 128, vocab)", list(logits.shape), [64, 128, V], illustration=True
    )

    # The batch to memorise: 4 random sequences of 17 tokens, except that sequence 1 opens
    # with sequence 0's first three tokens in another order (a b c / b a c) and continues
    # differently. At position 2 both hold the same set {a, b, c} with c last, so a model
    # blind to order must predict the same token after both; only positions tell them apart.
    tokens = demo.randint(V, 4, 17, seed=2)
    tokens[1, :3] = tokens[0, [1, 0, 2]]
    tokens[1, 3] = (tokens[0, 3] + 1) % V
    assert tokens[0, 0] != tokens[0, 1], "the swap must change the order"

    # With small weights the logits start near zero, so the first loss is ln V:
    # the model spreads its bet evenly because it has learned nothing yet.
    with torch.no_grad():
        initial = loss_of(model, tokens)
    uniform = demo.close(
        "initial loss is within 0.1 of ln V", initial, math.log(V), atol=0.1, rtol=0
    )
    # A head initialised with unit-variance weights is confidently wrong from the start.
    torch.manual_seed(0)
    loud = GPT(V, d, block_size=128).to(demo.device)
    nn.init.normal_(loud.head.weight, std=1.0)
    with torch.no_grad():
        uniform.broken("with std-1 head weights it is not", loss_of(loud, tokens))

    # Overfit the batch, then generate: feed back the argmax one token at a time. A model
    # that memorised the batch replays every sequence from its first token alone.
    final = overfit(model, tokens, list(model.parameters()))
    demo.at_most("40 Adam steps overfit the batch to loss < 0.1", final, 0.1)
    replays = demo.equal(
        "greedy decoding from each first token replays all 4 memorised sequences",
        replay(model, tokens),
        tokens,
    )
    # The same GPT with its position embeddings held at zero sees each prefix as a bag of
    # tokens: in its one block every key and value depends on its own token alone, and
    # attention is a weighted sum over them, blind to their order. It can fit almost
    # everything, but not both a b c -> x and b a c -> y.
    torch.manual_seed(0)
    bag = GPT(V, d, block_size=128).to(demo.device)
    nn.init.zeros_(bag.pos.weight)
    overfit(bag, tokens, [p for name, p in bag.named_parameters() if name != "pos.weight"])
    replays.broken("without position embeddings it does not", replay(bag, tokens))

    # Order matters to the trained model itself: it continues a b c and b a c differently.
    with torch.no_grad():
        after = model(tokens[:2, :3])[:, -1].argmax(-1)
    demo.equal(
        "after a b c and after b a c it predicts each sequence's own next token",
        after,
        tokens[:2, 3],
    )


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "zero the position embeddings",
        "return self.tok(idx) + self.pos(",
        "return self.tok(idx) + 0 * self.pos(",
    ),
    (
        "forget the causal mask",
        "F.scaled_dot_product_attention(q, k, v, is_causal=True)",
        "F.scaled_dot_product_attention(q, k, v, is_causal=False)",
    ),
    (
        "score position t on token t instead of t + 1",
        "tokens[:, 1:].flatten()",
        "tokens[:, :-1].flatten()",
    ),
]
