"""Decoding strategies: how a next-token distribution becomes the text you see.

A language model gives a distribution over the vocabulary at every step; decoding decides
what to do with it. Greedy takes the argmax. Temperature divides the logits by T before the
softmax: small T sharpens towards the argmax, large T flattens towards uniform. Top-k keeps
the k most likely tokens and renormalises; top-p (nucleus) keeps the smallest set whose
mass reaches p, so the set grows when the model is unsure and shrinks when it is confident.
Beam search keeps the `width` most probable prefixes, so it can find a likelier whole
sequence than greedy when the best continuation hides behind a less likely first token.
"""

import itertools
import math

import torch

from demos.harness import Demo

CONCEPTS = ["decoding-strategies"]


def with_temperature(logits: torch.Tensor, temperature: float) -> torch.Tensor:
    """The distribution sampled at temperature T: softmax(logits / T)."""
    return (logits / temperature).softmax(-1)


def top_k_filter(logits: torch.Tensor, k: int) -> torch.Tensor:
    """Logits with everything below the k-th largest set to -inf (softmax renormalises)."""
    kth = logits.topk(k).values[..., -1:]
    return logits.masked_fill(logits < kth, -math.inf)


def top_p_mask(probs: torch.Tensor, p: float) -> torch.Tensor:
    """Which tokens nucleus sampling keeps: the most likely ones until their mass reaches p."""
    sorted_probs, order = probs.sort(descending=True)
    mass_before = sorted_probs.cumsum(-1) - sorted_probs  # mass of the tokens ranked above
    keep_sorted = mass_before < p  # keep a token while the set so far is still short of p
    return torch.zeros_like(keep_sorted).scatter(-1, order, keep_sorted)


def smallest_set_with_mass(probs: torch.Tensor, p: float) -> torch.Tensor:
    """Brute force over all 2^V subsets: the fewest tokens whose mass is at least p."""
    V = probs.shape[-1]
    for size in range(1, V + 1):
        best = max(
            itertools.combinations(range(V), size), key=lambda s: float(probs[list(s)].sum())
        )
        if probs[list(best)].sum() >= p:
            mask = torch.zeros(V, dtype=torch.bool, device=probs.device)
            mask[list(best)] = True
            return mask
    raise AssertionError("the whole vocabulary has mass 1")


# A toy two-step "model": the next-token distribution given the prefix, over 3 tokens.
# Token 0 is the likeliest first token, but token 1 is followed by a very likely token 1.
STEP = {
    (): [0.5, 0.4, 0.1],
    (0,): [0.4, 0.3, 0.3],
    (1,): [0.05, 0.9, 0.05],
    (2,): [0.3, 0.3, 0.4],
}


def next_log_probs(prefix: tuple[int, ...]) -> torch.Tensor:
    return torch.tensor(STEP[prefix], dtype=torch.float64).log()


def beam_search(width: int, steps: int) -> tuple[tuple[int, ...], float]:
    """Keep the `width` prefixes of highest total log-probability; return the best at the end."""
    beams: list[tuple[tuple[int, ...], float]] = [((), 0.0)]
    for _ in range(steps):
        candidates = [
            ((*prefix, token), score + float(logp))
            for prefix, score in beams
            for token, logp in enumerate(next_log_probs(prefix))
        ]
        beams = sorted(candidates, key=lambda c: c[1], reverse=True)[:width]
    return beams[0]


def greedy(steps: int) -> tuple[tuple[int, ...], float]:
    prefix, score = (), 0.0
    for _ in range(steps):
        logp = next_log_probs(prefix)
        token = int(logp.argmax())
        prefix, score = (*prefix, token), score + float(logp[token])
    return prefix, score


def run(demo: Demo) -> None:
    # Temperature. Logits with a clear leader (token 2) and a spread of 3.5 nats.
    logits = demo.tensor([1.0, -0.5, 3.0, 0.2, -0.5, 2.1, 0.0, -0.3])
    V = logits.shape[0]
    one_hot = torch.zeros(V, device=demo.device)
    one_hot[logits.argmax()] = 1.0
    # At T = 0.01 the runner-up is exp(-0.9 / 0.01) ~ 1e-39 behind: the argmax, exactly.
    cold = demo.close(
        "as T -> 0 (T = 0.01) the distribution is the one-hot argmax",
        with_temperature(logits, 0.01),
        one_hot,
        atol=1e-6,
    )
    # The slip of multiplying by T: at T = 0.01 the logits are crushed together, near uniform.
    cold.broken("multiplying the logits by T gives no such thing", (logits * 0.01).softmax(-1))
    # At T = 1000 the logits differ by at most 3.5 / 1000: every probability is 1/V to ~1e-3.
    demo.close(
        "as T -> infinity (T = 1000) the distribution is uniform, 1/V each",
        with_temperature(logits, 1000.0),
        torch.full((V,), 1 / V, device=demo.device),
        atol=1e-3,
    )

    # Top-p keeps the SMALLEST set with mass >= p, checked against brute force over subsets.
    probs = logits.softmax(-1)
    for p in (0.5, 0.8, 0.95):
        kept = top_p_mask(probs, p)
        nucleus = demo.equal(
            f"top-p at p = {p} keeps exactly the smallest set of tokens with mass >= p",
            kept,
            smallest_set_with_mass(probs, p),
        )
    # The classic off-by-one: keep tokens while the cumulative mass INCLUDING them is < p,
    # which drops the token that crosses the threshold and leaves less than p.
    sorted_probs, order = probs.sort(descending=True)
    short = torch.zeros_like(kept).scatter(-1, order, sorted_probs.cumsum(-1) < 0.95)
    nucleus.broken("keeping only tokens whose running mass stays below p does not", short)

    # Top-k sampling: draws never leave the top k, and follow the renormalised probabilities.
    k, n = 3, 20_000
    filtered = top_k_filter(logits, k).softmax(-1)
    draws = torch.multinomial(filtered.cpu(), n, replacement=True, generator=demo.generator(0))
    outside = (~torch.isin(draws, logits.topk(k).indices.cpu())).sum()
    demo.equal("top-k (k = 3) never samples a token outside the top 3", outside, 0)
    target = probs.topk(k).values / probs.topk(k).values.sum()  # renormalised top-3 mass

    def worst_z(samples: torch.Tensor) -> torch.Tensor:
        """Largest |count - n q| in binomial standard deviations over the top-k tokens."""
        counts = torch.bincount(samples, minlength=V).double()[logits.topk(k).indices.cpu()]
        q = target.cpu().double()
        return ((counts - n * q).abs() / (n * q * (1 - q)).sqrt()).max()

    follows = demo.at_most(
        "top-k sample counts match the renormalised probabilities (within 5 sigma)",
        worst_z(draws),
        5.0,
    )
    # A broken sampler that uses the kept-token mask as weights: uniform over the top k.
    flat = torch.isfinite(top_k_filter(logits, k)).float()
    flat_draws = torch.multinomial(flat.cpu(), n, replacement=True, generator=demo.generator(0))
    follows.broken("a sampler drawing uniformly among the top k does not", worst_z(flat_draws))

    # Beam search versus greedy on the toy model. Exhaustive search over all 3^2 sequences
    # gives the true best sequence; beam search with width 2 finds it, greedy does not.
    best = max(
        sum(float(next_log_probs(seq[:i])[t]) for i, t in enumerate(seq))
        for seq in itertools.product(range(3), repeat=2)
    )
    beam_tokens, beam_score = beam_search(width=2, steps=2)
    finds = demo.close(
        "beam search (width 2) finds the most probable sequence (p = 0.36)",
        math.exp(beam_score),
        math.exp(best),
        atol=1e-12,
    )
    greedy_tokens, greedy_score = greedy(steps=2)
    finds.broken("greedy decoding misses it (p = 0.2)", math.exp(greedy_score))
    demo.equal(
        "beam search of width 1 is greedy decoding",
        torch.tensor(beam_search(width=1, steps=2)[0]),
        torch.tensor(greedy_tokens),
    )
    demo.equal(
        "the sequences found: beam (1, 1), greedy (0, 0)",
        torch.tensor(beam_tokens + greedy_tokens),
        torch.tensor([1, 1, 0, 0]),
        illustration=True,
    )


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "multiply the logits by the temperature instead of dividing",
        "(logits / temperature).softmax(-1)",
        "(logits * temperature).softmax(-1)",
    ),
    (
        "nucleus off by one: drop the token that crosses p",
        "keep_sorted = mass_before < p",
        "keep_sorted = sorted_probs.cumsum(-1) < p",
    ),
    (
        "beam search ranks prefixes by their last token's log-probability only",
        "((*prefix, token), score + float(logp))",
        "((*prefix, token), float(logp))",
    ),
]
