"""Perplexity: exp of the mean per-token cross-entropy, an effective number of choices per token.

Validation loss in nats and perplexity carry the same information: a loss of 2.3 means the
model is as unsure as a fair pick among about 10 tokens. The number is only comparable
between models that cut text into the same tokens, and it must be averaged over tokens,
not over sequences, or short sequences get too much say.
"""

import math

import torch
import torch.nn.functional as F

from demos.harness import Demo

CONCEPTS = ["perplexity"]


def perplexity(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    # Mean negative log-likelihood per token, then exponentiate.
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1)).exp()


def run(demo: Demo) -> None:
    V = 50
    targets = demo.randint(V, 4, 32, seed=0)

    # A model that spreads its mass evenly has loss ln V, so perplexity V: it is
    # choosing among all V tokens at every step.
    uniform = torch.zeros(4, 32, V, device=demo.device)
    demo.close(
        "a uniform model over V = 50 tokens has perplexity 50",
        perplexity(uniform, targets),
        50.0,
        rtol=1e-5,
    )

    # The best possible model is the true distribution; its perplexity is exp(entropy),
    # and a model with any other distribution scores worse on the same text.
    p = torch.softmax(demo.randn(V, seed=1, dtype=torch.float64) * 2, dim=0)
    text = torch.multinomial(p.cpu(), 20000, replacement=True, generator=demo.generator(2))
    text = text.to(demo.device)
    entropy = -(p * p.log()).sum()
    true_ppl = perplexity(p.log().expand(len(text), V), text)
    demo.close(
        "the true distribution scores about exp(entropy)", true_ppl, entropy.exp(), rtol=0.03
    )
    wrong = torch.softmax(demo.randn(V, seed=3, dtype=torch.float64) * 2, dim=0)
    demo.at_least(
        "a mismatched model has higher perplexity than the true one",
        perplexity(wrong.log().expand(len(text), V), text) / true_ppl,
        1.2,
    )

    # Corpus perplexity weights every token equally: exp(total NLL / total tokens).
    # Averaging per-sequence perplexities instead lets a short, easy sequence count
    # as much as a long, hard one (a wrong estimator, so a negative control).
    lengths = [5, 200]
    nll = [torch.full((n,), v, device=demo.device) for n, v in ((5, 0.5), (200, 3.0))]  # nats
    token_ppl = torch.cat(nll).mean().exp()
    demo.close(
        "token-weighted perplexity is exp(total NLL / tokens)",
        token_ppl,
        math.exp((5 * 0.5 + 200 * 3.0) / sum(lengths)),
        rtol=1e-5,
    )
    seq_mean = torch.stack([x.mean().exp() for x in nll]).mean()
    demo.close(
        "the mean of per-sequence perplexities equals it",
        seq_mean,
        token_ppl,
        rtol=0.05,
        negative=True,
    )

    # The same model read through two tokenisers: tokens that are pairs of characters
    # carry two characters' worth of surprise, so per-token perplexity squares while
    # the total NLL of the text (bits per character) is unchanged.
    chars = text[: len(text) // 2 * 2].view(-1, 2)
    char_nll = -p.log()[chars].sum()
    pair_logp = (p.log()[:, None] + p.log()[None, :]).reshape(-1)  # V*V pair tokens
    pair_nll = -pair_logp[chars[:, 0] * V + chars[:, 1]].sum()
    demo.close("total NLL is the same under both tokenisations", pair_nll, char_nll, rtol=1e-9)
    char_ppl = (char_nll / chars.numel()).exp()
    pair_ppl = (pair_nll / len(chars)).exp()
    demo.close(
        "per-token perplexity of pair tokens is the square of the char one",
        pair_ppl,
        char_ppl**2,
        rtol=1e-9,
    )
    demo.close(
        "perplexities from different tokenisers are directly comparable",
        pair_ppl,
        char_ppl,
        rtol=0.1,
        negative=True,
    )
