"""LLM gateways: a token bucket caps any burst, fallback beats retry, and routing cuts spend.

A gateway sits between applications and model providers and applies policy in
one place. Its rate limiter must hold a hard promise (never more than C + R*L
requests in any L seconds), which a token bucket keeps and a fixed-window
counter breaks at window edges. When a provider is down, retrying it fails
again, while falling back to another provider does not. And sending only hard
queries to the expensive model keeps quality at a fraction of the cost.
"""

import torch

from demos.harness import Demo

CONCEPTS = ["llm-gateways"]


def token_bucket(times: list[float], capacity: float, rate: float) -> list[bool]:
    """Admit a request if a token is left; tokens refill at `rate` per second up to `capacity`."""
    tokens, last, admitted = capacity, 0.0, []
    for t in times:
        tokens = min(capacity, tokens + (t - last) * rate)
        last = t
        admitted.append(tokens >= 1)
        tokens -= tokens >= 1
    return admitted


def fixed_window(times: list[float], limit: int, window: float) -> list[bool]:
    """Admit up to `limit` requests per calendar window [k*window, (k+1)*window)."""
    counts: dict[int, int] = {}
    admitted = []
    for t in times:
        k = int(t // window)
        admitted.append(counts.get(k, 0) < limit)
        counts[k] = counts.get(k, 0) + admitted[-1]
    return admitted


def worst_excess(times: list[float], admitted: list[bool], capacity: float, rate: float) -> float:
    """max over windows starting at an admitted request of count - (capacity + rate * length)."""
    kept = [t for t, a in zip(times, admitted, strict=True) if a]
    return max(
        j - i + 1 - capacity - rate * (kept[j] - kept[i])
        for i in range(len(kept))
        for j in range(i, len(kept))
    )


def run(demo: Demo) -> None:
    C, R = 10.0, 5.0  # burst of 10, then 5 requests per second
    # A spike straddling t = 2 s, then traffic at five times the allowed rate for 12 s.
    background = (4.0 + 12.0 * demo.rand(300, seed=0)).sort().values.tolist()
    times = [1.99] * 10 + [2.01] * 10 + background

    bucket = token_bucket(times, C, R)
    bounded = demo.at_most(
        "the token bucket never admits more than C + R*L in any L seconds",
        worst_excess(times, bucket, C, R),
        1e-9,  # the bound is tight (the spike meets it exactly); allow float rounding only
    )
    sustained = sum(bucket[20:]) / 12.0
    demo.between(
        "under sustained overload it admits 4.5-6.5 requests/s (R = 5)", sustained, 4.5, 6.5
    )
    # A fixed window of 10 per 2 s has the same average rate, but it lets 10 through
    # just before the edge and 10 more just after.
    window = fixed_window(times, limit=10, window=2.0)
    bounded.broken(
        "a fixed-window counter at the same rate admits more", worst_excess(times, window, C, R)
    )

    # Fallback: provider A is down in 30% of one-second slots (outages last), provider
    # B fails 20% of calls independently. Retrying A inside an outage fails again.
    n = 20000
    slot = (demo.rand(n, seed=1) * 1000).long()
    a_down = (demo.rand(1000, seed=2) < 0.3)[slot]
    b_fails = demo.rand(n, seed=3) < 0.2
    retry_ok = (~a_down).float().mean()  # the retry hits the same outage
    fallback_ok = (~a_down | ~b_fails).float().mean()
    # Tolerance 0.02 is ~5 sigma: outages come in 1000 slots, so the spread is ~0.0035.
    fallback = demo.close(
        "fallback to B succeeds 1 - 0.3*0.2 = 94% of the time", fallback_ok, 0.94, atol=0.02
    )
    fallback.broken("retrying A inside its outage succeeds only ~70% of the time", retry_ok)

    # Routing: a cheap model (cost 1) solves queries of difficulty < 0.7, a strong one
    # (cost 30) those < 0.95. The router sees difficulty through noise.
    difficulty = demo.rand(n, seed=4)
    estimate = difficulty + 0.03 * demo.randn(n, seed=5)
    to_strong = estimate > 0.65
    solved = torch.where(to_strong, difficulty < 0.95, difficulty < 0.7).float().mean()
    all_strong = (difficulty < 0.95).float().mean()
    cost = torch.where(to_strong, 30.0, 1.0).mean() / 30.0
    routed = demo.at_most(
        "routing loses <= 2 points of accuracy against always-strong", all_strong - solved, 0.02
    )
    demo.at_most("at <= 50% of always-strong's cost", cost, 0.5)
    # Sending the same share of queries to the strong model at random spends the same.
    coin = demo.rand(n, seed=6) < to_strong.float().mean()
    random_solved = torch.where(coin, difficulty < 0.95, difficulty < 0.7).float().mean()
    routed.broken("random routing at the same spend loses more", all_strong - random_solved)


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "refill the bucket without capping it at its capacity",
        "tokens = min(capacity, tokens + (t - last) * rate)",
        "tokens = tokens + (t - last) * rate",
    ),
    ("admit a request without spending a token", "tokens -= tokens >= 1", "tokens -= 0"),
    (
        "send the easy queries to the strong model",
        "to_strong = estimate > 0.65",
        "to_strong = estimate < 0.35",
    ),
]
