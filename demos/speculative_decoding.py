"""Speculative decoding: a cheap drafter proposes, the target verifies, and the output follows p.

A drafter proposes tokens from q; the target keeps each with probability min(1, p/q)
and, at the first rejection, resamples from the leftover mass (p - q)+. The accepted
and resampled tokens together follow p exactly, while each target pass yields several
tokens whenever the drafter agrees with the target often: the acceptance rate is
sum_x min(p(x), q(x)).
"""

import torch

from demos.harness import Demo

CONCEPTS = ["speculative-decoding"]


def acceptance(p: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
    """The chance of keeping a drafted token x: min(1, p(x) / q(x))."""
    return (p / q).clamp(max=1.0)


def leftover(p: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
    """Where a rejected draft is resampled from: the mass p has beyond q, (p - q)+, normalised."""
    extra = (p - q).clamp_min(0)
    return extra / extra.sum()


def emitted(p: torch.Tensor, q: torch.Tensor, resample: torch.Tensor) -> torch.Tensor:
    """Exactly what one draft-and-verify step emits: kept drafts, plus resampled rejections."""
    kept = q * acceptance(p, q)  # drafted x, then kept
    return kept + (1 - kept.sum()) * resample


def speculative_step(
    p: torch.Tensor, q: torch.Tensor, n: int, gen: torch.Generator, resample: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """n independent draft-and-verify steps: the tokens emitted and whether the draft was kept."""
    draft = torch.multinomial(q.cpu(), n, replacement=True, generator=gen).to(p.device)
    u = torch.rand(n, generator=gen).to(p.device)
    accept = u < acceptance(p, q)[draft]
    fallback = torch.multinomial(resample.cpu(), n, replacement=True, generator=gen)
    return torch.where(accept, draft, fallback.to(p.device)), accept


def chi_square(samples: torch.Tensor, p: torch.Tensor) -> torch.Tensor:
    observed = torch.bincount(samples, minlength=p.numel()).float()
    expected = p * samples.numel()
    return ((observed - expected) ** 2 / expected).sum()


def greedy(table: torch.Tensor, token: int, start: int, steps: int) -> list[int]:
    """Greedy decoding from a toy model whose logits depend on (position, previous token)."""
    out = [token]
    for pos in range(start, start + steps):
        out.append(int(table[pos, out[-1]].argmax()))
    return out


def run(demo: Demo) -> None:
    V = 8
    p = torch.softmax(demo.randn(V, seed=0) * 1.5, 0)  # target
    q = torch.softmax(demo.randn(V, seed=1) * 1.5, 0)  # drafter

    # Exactly: P(x) = q(x) min(1, p/q) + P(reject) (p - q)+ / sum (p - q)+ = p(x).
    exact = demo.close(
        "the accept/resample rule's output distribution is exactly p",
        emitted(p, q, leftover(p, q)),
        p,
        atol=1e-6,
    )
    # The tempting shortcut: on rejection, draw a fresh token from p itself. Tokens p likes
    # and q also proposes then come out twice over: too often.
    exact.broken(
        "resampling rejections from p instead of (p - q)+ does not give p", emitted(p, q, p)
    )

    # Monte Carlo: 200k steps. Chi-square with 7 degrees of freedom: 30 is the 1e-4 tail.
    n = 200_000
    tokens, accept = speculative_step(p, q, n, demo.generator(2), leftover(p, q))
    sampled = demo.at_most(
        "sampled tokens pass a chi-square test against p (df 7)", chi_square(tokens, p), 30
    )
    wrong, _ = speculative_step(p, q, n, demo.generator(2), resample=p)
    sampled.broken("resampled from p instead of (p - q)+ they do not", chi_square(wrong, p))

    # The acceptance rate, written from p and q alone: sum_x q(x) min(1, p/q) = sum min(p, q).
    alpha = torch.minimum(p, q).sum()
    sigma = (alpha * (1 - alpha) / n) ** 0.5
    demo.between(
        "acceptance rate = sum min(p, q), within 5 sigma",
        accept.float().mean(),
        float(alpha - 5 * sigma),
        float(alpha + 5 * sigma),
    )

    # With gamma drafts per pass, a pass yields the accepted prefix plus one target token:
    # (1 - alpha^(gamma+1)) / (1 - alpha) on average.
    gamma, passes = 4, 50_000
    _, acc = speculative_step(p, q, gamma * passes, demo.generator(3), leftover(p, q))
    yielded = acc.view(passes, gamma).int().cumprod(1).sum(1).float() + 1
    expected = (1 - alpha ** (gamma + 1)) / (1 - alpha)
    demo.close(
        "tokens per target pass match (1 - alpha^(g+1)) / (1 - alpha) within 5 std errors",
        yielded.mean(),
        expected,
        atol=float(5 * yielded.std() / passes**0.5),
        rtol=0.0,
    )

    # Greedy: a toy target whose logits depend on position and previous token, and a noisy
    # drafter. Keep drafts while they match the target's argmax; the same target pass that
    # checks them supplies one more token, so every pass makes progress.
    T = 40
    target = demo.randn(T + gamma + 1, 16, 16, seed=4)
    drafter = target + 0.3 * demo.randn(T + gamma + 1, 16, 16, seed=5)
    out, target_passes = [0], 0
    while len(out) <= T:
        pos = len(out) - 1
        drafts = greedy(drafter, out[-1], pos, gamma)[1:]
        # One batched target pass scores all gamma + 1 positions.
        checks = [int(target[pos + i, t].argmax()) for i, t in enumerate([out[-1], *drafts])]
        target_passes += 1
        kept = 0
        while kept < gamma and drafts[kept] == checks[kept]:
            kept += 1
        out += [*drafts[:kept], checks[kept]]
    plain = greedy(target, 0, 0, T)
    same = demo.equal(
        "greedy speculative output equals the target's own greedy decoding", out[: T + 1], plain
    )
    # The drafter alone says something else: the target's check is what fixes it.
    same.broken("the drafter's own greedy output does not", greedy(drafter, 0, 0, T))
    demo.at_most("and needs at most 3/4 as many target passes as tokens", target_passes / T, 0.75)


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "accept with min(1, q/p) instead of min(1, p/q)",
        "return (p / q).clamp(max=1.0)",
        "return (q / p).clamp(max=1.0)",
    ),
    (
        "resample rejections from (q - p)+, the drafter's excess",
        "extra = (p - q).clamp_min(0)",
        "extra = (q - p).clamp_min(0)",
    ),
    (
        "keep drafts without comparing them to the target's choice",
        "while kept < gamma and drafts[kept] == checks[kept]:",
        "while kept < gamma:",
    ),
]
