"""GPT: a decoder-only transformer that maps token ids to next-token logits, built and trained.

Token and position embeddings go in, causal pre-LN blocks mix information from earlier
positions only, and a linear head gives one distribution over the vocabulary per position.
A freshly initialised GPT should know nothing (loss ln V); a working one can memorise a
batch outright, which is the standard first sanity check when writing one from scratch.
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


def run(demo: Demo) -> None:
    V, d = 32, 32
    torch.manual_seed(0)
    model = GPT(V, d, block_size=128).to(demo.device)

    # The worked example's shapes, with a tiny width and vocabulary:
    # (64, 128) token ids -> (64, 128, d_model) vectors -> (64, 128, vocab) logits.
    idx = demo.randint(V, 64, 128, seed=1)
    with torch.no_grad():
        hidden, logits = model.embed(idx), model(idx)
    demo.equal("embeddings have shape (64, 128, d_model)", list(hidden.shape), [64, 128, d])
    demo.equal("logits have shape (64, 128, vocab)", list(logits.shape), [64, 128, V])

    # With small weights the logits start near zero, so the first loss is ln V:
    # the model spreads its bet evenly because it has learned nothing yet.
    tokens = demo.randint(V, 4, 17, seed=2)
    with torch.no_grad():
        initial = loss_of(model, tokens)
    demo.close("initial loss is within 0.1 of ln V", initial, math.log(V), atol=0.1, rtol=0)

    # Negative control: a head initialised with unit-variance weights is confidently wrong.
    torch.manual_seed(0)
    loud = GPT(V, d, block_size=128).to(demo.device)
    nn.init.normal_(loud.head.weight, std=1.0)
    with torch.no_grad():
        loud_loss = loss_of(loud, tokens)
    demo.close(
        "with std-1 head weights the initial loss is within 0.1 of ln V",
        loud_loss,
        math.log(V),
        atol=0.1,
        rtol=0,
        negative=True,
    )

    # Overfit one batch of 4 random sequences with 100 Adam steps.
    adam(list(model.parameters()), lambda _: loss_of(model, tokens), 100, lr=1e-2, beta2=0.99)
    with torch.no_grad():
        final = loss_of(model, tokens)
    demo.at_most("100 Adam steps overfit the batch to loss < 0.1", final, 0.1)

    # Generation: feed back the argmax one token at a time. A model that memorised
    # the batch replays a training sequence from its first token alone.
    seq = tokens[0:1, :1]
    with torch.no_grad():
        for _ in range(tokens.shape[1] - 1):
            seq = torch.cat([seq, model(seq)[:, -1].argmax(-1, keepdim=True)], dim=1)
    demo.equal("greedy decoding from one token replays the memorised sequence", seq, tokens[0:1])
