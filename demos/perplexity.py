"""Perplexity: exp of the mean per-token cross-entropy, an effective number of choices per token.

Validation loss in nats and perplexity carry the same information: a loss of 2.3 means the
model is as unsure as a fair pick among about 10 tokens. The number is only comparable
between models that cut text into the same tokens, and it must be averaged over tokens,
not over sequences, or short sequences get too much say; padding must not count at all.
"""

import math

import torch
import torch.nn.functional as F

from demos.harness import Demo

CONCEPTS = ["perplexity"]

PAD = 0  # token id 0 pads short sequences in a batch; it is never a real target


def perplexity(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    # Mean negative log-likelihood over the real tokens of the whole batch, then exponentiate.
    flat_logits, flat_targets = logits.reshape(-1, logits.shape[-1]), targets.reshape(-1)
    nll = F.cross_entropy(flat_logits, flat_targets, ignore_index=PAD)
    return nll.exp()


def confident(target: torch.Tensor, q: float, V: int) -> torch.Tensor:
    """Logits that give each target probability exactly q, the rest spread evenly."""
    # p(target) = e^a / (e^a + V - 1) = q  when  a = ln(q (V - 1) / (1 - q)).
    a = math.log(q * (V - 1) / (1 - q))
    return F.one_hot(target, V).to(torch.float64) * a


def run(demo: Demo) -> None:
    V = 50
    targets = 1 + demo.randint(V - 1, 4, 32, seed=0)  # real tokens 1..49, no padding

    # A model that spreads its mass evenly has loss ln V, so perplexity V: it is
    # choosing among all V tokens at every step.
    uniform = torch.zeros(4, 32, V, device=demo.device)
    demo.close(
        "a uniform model over V = 50 tokens has perplexity 50",
        perplexity(uniform, targets),
        50.0,
        rtol=1e-5,
    )

    # A padded batch: a short, easy sequence (5 tokens, each given probability 0.6) and a
    # long, hard one (200 tokens at probability 0.05). Worked by hand, corpus perplexity is
    # exp((5 ln(1/0.6) + 200 ln(1/0.05)) / 205) = exp(2.935125) = 18.82385.
    short = 1 + demo.randint(V - 1, 5, seed=4)
    long = 1 + demo.randint(V - 1, 200, seed=5)
    batch = torch.full((2, 200), PAD, device=demo.device)
    batch[0, :5], batch[1] = short, long
    logits = torch.zeros(2, 200, V, dtype=torch.float64, device=demo.device)
    logits[0, :5], logits[1] = confident(short, 0.6, V), confident(long, 0.05, V)
    token_weighted = demo.close(
        "corpus perplexity of the padded batch matches the hand-worked 18.82385",
        perplexity(logits, batch),
        18.82385,
        atol=1e-4,
    )
    # The tempting shortcut averages each sequence's perplexity, (1/0.6 + 1/0.05) / 2 =
    # 10.83: the 5-token sequence gets as much say as the 200-token one.
    per_sequence = torch.stack(
        [perplexity(logits[:1, :5], batch[:1, :5]), perplexity(logits[1:], batch[1:])]
    ).mean()
    token_weighted.broken("the mean of per-sequence perplexities does not", per_sequence)

    # The best possible model is the true distribution; its perplexity is exp(entropy),
    # and a model with any other distribution scores worse on the same text.
    p = torch.softmax(demo.randn(V, seed=1, dtype=torch.float64) * 2, dim=0)
    text = torch.multinomial(p.cpu(), 20000, replacement=True, generator=demo.generator(2))
    text = text.to(demo.device)
    entropy = -(p * p.log()).sum()
    # Every token id is a real target here, so this check reads the log-probabilities
    # directly rather than through perplexity(), which treats id 0 as padding.
    true_ppl = (-p.log()[text].mean()).exp()
    demo.close(
        "the true distribution scores about exp(entropy)", true_ppl, entropy.exp(), rtol=0.03
    )
    wrong = torch.softmax(demo.randn(V, seed=3, dtype=torch.float64) * 2, dim=0)
    demo.at_least(
        "a mismatched model has higher perplexity than the true one",
        (-wrong.log()[text].mean()).exp() / true_ppl,
        1.2,
    )

    # The same model read through two tokenisers: one token per character, or one token per
    # pair of characters (V^2 pair tokens). A pair token carries two characters' surprise.
    chars = text[: len(text) // 2 * 2].view(-1, 2)
    char_nll = -p.log()[chars].sum()
    pair_logp = (p.log()[:, None] + p.log()[None, :]).reshape(-1)  # V*V pair tokens
    pair_nll = -pair_logp[chars[:, 0] * V + chars[:, 1]].sum()
    # Normalised per character (bits per byte, in practice) the two agree.
    per_char = demo.close(
        "loss per character is the same under both tokenisations",
        pair_nll / chars.numel(),
        char_nll / chars.numel(),
        rtol=1e-9,
    )
    # Per token they do not: pair tokens look twice as surprising (perplexity squared),
    # so perplexities from different tokenisers cannot be compared directly.
    per_char.broken("loss per token is not", pair_nll / len(chars))


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    ("report the loss instead of its exponential", "return nll.exp()", "return nll"),
    (
        "count the padding as tokens",
        "F.cross_entropy(flat_logits, flat_targets, ignore_index=PAD)",
        "F.cross_entropy(flat_logits, flat_targets)",
    ),
    (
        "weight every sequence equally instead of every token",
        "nll = F.cross_entropy(flat_logits, flat_targets, ignore_index=PAD)",
        "nll = (F.cross_entropy(logits.transpose(1, 2), targets, ignore_index=PAD, "
        "reduction='none').sum(1) / (targets != PAD).sum(1)).mean()",
    ),
]
