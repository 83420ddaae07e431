"""Pre-training objectives: next-token prediction on shifted targets, and BERT's masked tokens.

A causal language model is scored on predicting token t + 1 from tokens up to t, so its
targets are the inputs shifted by one, and no model can beat the entropy of the source.
A masked language model hides 15% of the tokens (80% become [MASK], 10% a random token,
10% stay) and is scored only there, which ignore_index in the loss takes care of.
"""

from bisect import bisect

import torch
import torch.nn.functional as F

from demos.harness import Demo

CONCEPTS = ["pretraining-objectives"]

IGNORE = -100  # F.cross_entropy's default ignore_index
STATES = 6  # size of the Markov source's vocabulary


def markov_stream(transition: torch.Tensor, n: int, seed: int) -> torch.Tensor:
    cumulative = transition.cumsum(1).tolist()
    draws = torch.rand(n, generator=torch.Generator().manual_seed(seed)).tolist()
    tokens = [0]
    for u in draws[1:]:
        tokens.append(min(bisect(cumulative[tokens[-1]], u), len(cumulative) - 1))
    return torch.tensor(tokens)


def bigram_loss(
    inputs: torch.Tensor, targets: torch.Tensor, test_in: torch.Tensor, test_out: torch.Tensor
) -> torch.Tensor:
    # Fit the best model of "target given input" by counting pairs, then score test pairs.
    counts = torch.ones(STATES, STATES, dtype=torch.float64, device=inputs.device)  # add-one
    counts.index_put_((inputs, targets), torch.ones_like(counts[0, 0]).expand(len(inputs)), True)
    logits = (counts / counts.sum(1, keepdim=True)).log()[test_in]
    return F.cross_entropy(logits, test_out)


def mask_tokens(
    tokens: torch.Tensor, vocab: int, mask_id: int, seed: int
) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    u, r = torch.rand(2, *tokens.shape, generator=g).to(tokens.device)
    picked = u < 0.15
    labels = tokens.masked_fill(~picked, IGNORE)  # loss only where a token was picked
    inputs = tokens.masked_fill(picked & (r < 0.8), mask_id)  # 80%: [MASK]
    noise = torch.randint(vocab, tokens.shape, generator=g).to(tokens.device)
    inputs = torch.where(picked & (r >= 0.8) & (r < 0.9), noise, inputs)  # 10%: random, 10%: kept
    return inputs, labels


def run(demo: Demo) -> None:
    # Next-token prediction on a small Markov source, whose entropy rate
    # sum_i pi_i H(P_i) is the lowest loss any next-token predictor can reach.
    P = torch.softmax(demo.randn(STATES, STATES, seed=0, dtype=torch.float64), dim=1)
    pi = torch.linalg.matrix_power(P, 200)[0]  # every row of P^n tends to the stationary pi
    entropy_rate = -(pi[:, None] * P * P.log()).sum()

    train = markov_stream(P.cpu(), 20_000, seed=1).to(demo.device)
    test = markov_stream(P.cpu(), 10_000, seed=2).to(demo.device)
    # Inputs are tokens 0..n-2, targets the same stream shifted by one: tokens 1..n-1.
    loss = bigram_loss(train[:-1], train[1:], test[:-1], test[1:])
    # 20,000 training pairs estimate the 36 transition probabilities to ~1%, and the test
    # loss is a mean over 10,000 tokens (standard error ~0.01): 0.05 is 4-5 standard errors.
    honest = demo.close(
        "fitted on shifted targets, the test loss is the entropy rate",
        loss,
        entropy_rate,
        atol=0.05,
        rtol=0,
    )
    # Forget the shift and each target is its own input. The loss falls far below the
    # entropy rate, which no honest predictor can do: the answer leaked.
    honest.broken("with unshifted targets it is not", bigram_loss(train, train, test, test))

    # BERT-style masking on 100,000 tokens, each rate within 5 standard errors.
    vocab, mask_id, n = 1000, 1000, 100_000
    tokens = demo.randint(vocab, n, seed=3)
    masked, labels = mask_tokens(tokens, vocab, mask_id, seed=4)
    picked = labels != IGNORE
    k = int(picked.sum())
    rate = picked.float().mean()
    demo.between(
        "15% of tokens are picked",
        rate,
        0.15 - 5 * (0.15 * 0.85 / n) ** 0.5,
        0.15 + 5 * (0.15 * 0.85 / n) ** 0.5,
    )
    as_mask = (masked[picked] == mask_id).float().mean()
    se = (0.8 * 0.2 / k) ** 0.5
    demo.between("80% of picked tokens become [MASK]", as_mask, 0.8 - 5 * se, 0.8 + 5 * se)
    kept = (masked[picked] == tokens[picked]).float().mean()  # 10% kept, plus lucky random draws
    p_kept = 0.1 + 0.1 / vocab
    se = (p_kept * (1 - p_kept) / k) ** 0.5
    demo.between(
        "about 10% of picked tokens are left as they were", kept, p_kept - 5 * se, p_kept + 5 * se
    )

    # ignore_index: the loss averages over picked positions only. A model that copies the
    # tokens it can see scores them perfectly, so counting them would hide how it does on
    # the hidden ones.
    x, y, seen = tokens[:2000], labels[:2000], ~picked[:2000]
    logits = demo.randn(2000, vocab, seed=5) + 20 * F.one_hot(x, vocab) * seen[:, None]
    by_hand = -F.log_softmax(logits[~seen], -1).gather(1, x[~seen, None]).mean()
    masked_only = demo.close(
        "cross_entropy with ignore_index averages over picked tokens only",
        F.cross_entropy(logits, y),
        by_hand,
    )
    masked_only.broken("scoring every position does not", F.cross_entropy(logits, x))


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "score each token on itself: targets not shifted",
        "loss = bigram_loss(train[:-1], train[1:], test[:-1], test[1:])",
        "loss = bigram_loss(train[:-1], train[:-1], test[:-1], test[:-1])",
    ),
    (
        "keep the labels of tokens that were never picked",
        "labels = tokens.masked_fill(~picked, IGNORE)",
        "labels = tokens",
    ),
    (
        "the 10% kept share also gets random tokens (80/20/0 instead of 80/10/10)",
        "picked & (r >= 0.8) & (r < 0.9)",
        "picked & (r >= 0.8)",
    ),
]
