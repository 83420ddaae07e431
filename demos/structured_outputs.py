"""Structured outputs: mask the logits with an automaton so every sample matches a pattern.

The constraint (a regex here; a JSON schema compiles to one, a grammar to a pushdown
automaton) becomes a finite automaton over characters. The model, though, emits tokens
of several characters, so a token is allowed in automaton state q only if walking all its
characters from q never leaves the automaton. Walking the whole vocabulary once per state,
ahead of time, gives an index state -> allowed tokens (and the state each one leads to),
which turns every decoding step into a table lookup, a -inf mask and a softmax: the
model's own probabilities renormalised over the allowed tokens.

That guarantees the format, not the model's intent: masking one step at a time ignores
how much valid probability lies beyond each choice, so a prefix the model likes mostly
for its invalid continuations gets over-weighted. Retrying until the output parses keeps
the model's conditional distribution exactly, at the price of 1/P(valid) attempts.
"""

import math
import re

import torch

from demos.harness import Demo

CONCEPTS = ["structured-outputs"]

# The constraint: a tiny JSON object with a 1-2 digit number and a boolean.
PATTERN = r'\{"n":[0-9]{1,2},"ok":(true|false)\}'
DIGITS = "0123456789"

# A toy vocabulary of multi-character tokens, as BPE would give: some straddle the
# pattern's pieces ('7,', '":t', ',"ok":'), some can never fit ('123', 'null', '}}').
VOCAB = [
    "{", '"', "n", ":", ",", "}", '{"', '{"n', '{"n":', '":', 'n"', ',"', ',"ok":', "ok",
    "o", "k", '"ok"', '":t', "t", "tr", "true", "ue", "ue}", "r", "u", "e", "e}",
    "f", "fa", "false", "a", "l", "s", "lse", "lse}", "ash",
    *DIGITS, "12", "42", "99", "7,", "123",
    " ", "null", '"id"', "}}", "yes", "<eos>",
]  # fmt: skip
EOS = VOCAB.index("<eos>")
V = len(VOCAB)
BOS = V  # the model's start row
DEAD = 0  # the automaton's dead state: no continuation can match any more


def build_dfa() -> tuple[dict[tuple[int, str], int], int, set[int], int]:
    """The pattern's DFA, by hand: (state, char) -> state; missing entries go to DEAD."""
    delta: dict[tuple[int, str], int] = {}
    count = 1  # state 0 is DEAD

    def new() -> int:
        nonlocal count
        count += 1
        return count - 1

    def literal(q: int, text: str) -> int:
        for ch in text:
            r = new()
            delta[q, ch] = r
            q = r
        return q

    start = new()
    q = literal(start, '{"n":')
    one, two, comma = new(), new(), new()
    for d in DIGITS:
        delta[q, d], delta[one, d] = one, two  # [0-9]{1,2}
    delta[one, ","] = delta[two, ","] = comma
    value = literal(comma, '"ok":')
    accept = new()  # after the closing brace nothing more may follow
    delta[literal(value, "true"), "}"] = accept  # (true|false)
    delta[literal(value, "false"), "}"] = accept
    return delta, start, {accept}, count


DELTA, START, ACCEPT, S = build_dfa()


def walk(q: int, text: str) -> int:
    """Run the DFA over text from state q, character by character."""
    for ch in text:
        q = DELTA.get((q, ch), DEAD)
    return q


def build_index() -> tuple[torch.Tensor, torch.Tensor]:
    """For every state, the tokens that keep the DFA alive and where each one leads.

    The vocabulary is stored as a trie, so tokens sharing a prefix share its DFA steps,
    and a subtree is dropped as soon as its prefix dies. Done once, before decoding.
    """
    trie: dict = {}
    for t, tok in enumerate(VOCAB[:EOS]):
        node = trie
        for ch in tok:
            node = node.setdefault(ch, {})
        node[None] = t  # a token ends here
    allowed = torch.zeros(S, V, dtype=torch.bool)
    nxt = torch.full((S, V), DEAD, dtype=torch.long)

    def visit(node: dict, q: int, s: int) -> None:
        for ch, child in node.items():
            if ch is None:
                allowed[s, child], nxt[s, child] = True, q
                continue
            r = DELTA.get((q, ch), DEAD)
            if r == DEAD:  # every token below this prefix dies too
                continue
            visit(child, r, s)

    for s in range(1, S):
        visit(trie, s, s)
        allowed[s, EOS] = s in ACCEPT  # stopping is a token too: only in an accepting state
    return allowed, nxt


def reparse_allowed(prefix: str) -> torch.Tensor:
    """What the index must agree with: re-run the DFA over prefix + token for each token."""
    ok = [walk(START, prefix + tok) != DEAD for tok in VOCAB[:EOS]]
    return torch.tensor([*ok, walk(START, prefix) in ACCEPT])


def first_char_allowed() -> torch.Tensor:
    """The shortcut that ignores multi-character tokens: check each token's first char only."""
    return torch.tensor(
        [[DELTA.get((s, tok[0]), DEAD) != DEAD for tok in VOCAB[:EOS]] + [s in ACCEPT]
         for s in range(S)]
    )  # fmt: skip


def full_transitions() -> torch.Tensor:
    """Where every token leads from every state (DEAD included), to follow any sample."""
    return torch.tensor([[walk(s, tok) for tok in VOCAB[:EOS]] + [s] for s in range(S)])


def constrained_probs(logits: torch.Tensor, allowed: torch.Tensor) -> torch.Tensor:
    """One decoding step under the constraint: -inf on forbidden tokens, then softmax."""
    return logits.masked_fill(~allowed, -math.inf).softmax(-1)


def sample(
    logits_table: torch.Tensor,
    mask: torch.Tensor | None,
    n: int,
    seed: int,
    state: int = START,
    prev: int = BOS,
    max_len: int = 24,
) -> list[str | None]:
    """n samples at once from a bigram model, masked per DFA state; None if no <eos> came."""
    g = torch.Generator().manual_seed(seed)
    moves = full_transitions()
    q = torch.full((n,), state)
    last = torch.full((n,), prev)
    done = torch.zeros(n, dtype=torch.bool)
    ended = torch.zeros(n, dtype=torch.bool)
    out = torch.full((n, max_len), -1)
    for step in range(max_len):
        logits = logits_table[last]
        if mask is None:
            probs = logits.softmax(-1)
        else:
            ok = mask[q]
            done |= ~ok.any(-1)  # a broken mask can paint itself into a dead end
            probs = constrained_probs(logits, ok | done[:, None])
        # Inverse-CDF sampling: the token i with cdf[i-1] <= u < cdf[i]; a token of
        # probability 0 has cdf[i-1] == cdf[i], so it can never be picked.
        cdf = probs.double().cumsum(-1)
        u = torch.rand(n, 1, generator=g, dtype=torch.float64) * cdf[:, -1:]
        tok = torch.searchsorted(cdf, u, right=True).squeeze(1)
        out[:, step] = torch.where(done, -1, tok)
        ended |= ~done & (tok == EOS)
        done |= tok == EOS
        q, last = moves[q, tok], tok
    return [
        "".join(VOCAB[t] for t in row if 0 <= t < EOS) if e else None
        for row, e in zip(out.tolist(), ended.tolist(), strict=True)
    ]


def matches(texts: list[str | None], prefix: str = "") -> int:
    """How many samples stopped and fully match the pattern, judged by Python's re."""
    return sum(t is not None and re.fullmatch(PATTERN, prefix + t) is not None for t in texts)


def outcome_probs(
    logits_table: torch.Tensor, allowed: torch.Tensor, nxt: torch.Tensor, q: int, prev: int
) -> dict[str, tuple[float, float]]:
    """Exact, by enumerating every allowed token path to <eos>: for each finished text,
    (probability under per-step masking, probability under the unmasked model)."""
    result: dict[str, tuple[float, float]] = {}

    def go(q: int, prev: int, text: str, p_masked: float, p_model: float) -> None:
        logits = logits_table[prev].double()
        masked, model = constrained_probs(logits, allowed[q]), logits.softmax(-1)
        for t in allowed[q].nonzero().flatten().tolist():
            pm, pp = p_masked * float(masked[t]), p_model * float(model[t])
            if t == EOS:
                a, b = result.get(text, (0.0, 0.0))
                result[text] = (a + pm, b + pp)
            else:
                go(int(nxt[q, t]), t, text + VOCAB[t], pm, pp)

    go(q, prev, "", 1.0, 1.0)
    return result


def run(demo: Demo) -> None:
    allowed, nxt = build_index()
    # A toy "language model": fixed seeded next-token logits given the previous token.
    logits_table = torch.randn(V + 1, V, generator=torch.Generator().manual_seed(0)) * 1.5

    # 1. The index is what re-checking every token against the whole text would give,
    # in every reachable state (reached by the shortest prefix, found breadth-first).
    prefixes, frontier = {START: ""}, [START]
    while frontier:
        q = frontier.pop(0)
        for (r, ch), s in DELTA.items():
            if r == q and s not in prefixes:
                prefixes[s] = prefixes[q] + ch
                frontier.append(s)
    states = sorted(prefixes)
    reference = torch.stack([reparse_allowed(prefixes[s]) for s in states])
    index = demo.equal(
        f"the precomputed index equals re-parsing prefix + token, in all {len(states)} states",
        allowed[states],
        reference,
    )
    first = first_char_allowed()
    index.broken("checking each token's first character only does not", first[states])
    demo.equal(
        "each allowed token's index entry is the state the whole token leads to",
        nxt[allowed[:, :EOS].nonzero(as_tuple=True)],
        full_transitions()[:, :EOS][allowed[:, :EOS]],
    )

    # 2. Every constrained sample matches the pattern; the same model unconstrained, or
    # masked by first characters (so '123' passes after one digit), mostly does not.
    n = 300
    forced = sample(logits_table, allowed, n, seed=1)
    valid = demo.equal(f"all {n} constrained samples match the pattern", matches(forced), n)
    valid.broken(
        "masking by first character only lets invalid outputs through",
        matches(sample(logits_table, first, n, seed=1)),
    )
    free = sample(logits_table, None, n, seed=1)
    valid.broken("sampling without the mask, the same model's outputs do not", matches(free))

    # 3. The constrained step is the model's distribution renormalised over allowed tokens.
    q = walk(START, '{"n":4')  # one digit so far: digits, '7,' and ',' fit; '123' does not
    logits = logits_table[VOCAB.index("4")]
    p = logits.softmax(-1)
    keep = allowed[q]
    renorm = demo.close(
        "masked softmax = p restricted to allowed tokens, divided by their mass",
        constrained_probs(logits, keep),
        p * keep / (p * keep).sum(),
    )
    renorm.broken(
        "setting forbidden logits to 0 instead of -inf does not",
        logits.masked_fill(~keep, 0.0).softmax(-1),
    )

    # 4. The cost: masking step by step is not the model conditioned on validity. Give the
    # model some knowledge of the format after '":', and make it like 'tr' mostly because
    # it likes 'ash' next: 'trash' is invalid, so the mask sends every 'tr' to 'true'.
    def knows_format(trash: float) -> torch.Tensor:
        table = logits_table.clone()
        for a, b, bonus in [
            ('":', "tr", 9.0), ('":', "false", 8.0), ('":', "true", 6.0), ("tr", "ue}", 6.0),
            ("tr", "ash", trash), ("true", "}", 8.0), ("false", "}", 8.0),
            ("}", "<eos>", 8.0), ("ue}", "<eos>", 8.0),
        ]:  # fmt: skip
            table[VOCAB.index(a), VOCAB.index(b)] += bonus
        return table

    bent = knows_format(trash=9.0)
    q_value, prev = walk(START, '{"n":7,"ok":'), VOCAB.index('":')

    def p_true(table: torch.Tensor) -> tuple[float, float]:
        paths = outcome_probs(table, allowed, nxt, q_value, prev)
        masked = sum(a for text, (a, _) in paths.items() if text.startswith("t"))
        z = sum(b for _, b in paths.values())
        conditional = sum(b for text, (_, b) in paths.items() if text.startswith("t")) / z
        return masked, conditional

    masked, conditional = p_true(bent)
    distortion = demo.at_least(
        "a prefix liked for its invalid continuations: masking over-weights 'true' by >= 0.25",
        masked - conditional,
        0.25,
    )
    plain_masked, plain_conditional = p_true(knows_format(trash=0.0))
    distortion.broken(
        "without the cut-off 'trash' path the two nearly agree", plain_masked - plain_conditional
    )

    # Retrying until the output parses samples the conditional itself (Monte Carlo,
    # 5 sigma), paying 1 / P(valid) attempts for each valid answer.
    tries = sample(bent, None, 4000, seed=2, state=q_value, prev=prev, max_len=8)
    kept = [t for t in tries if t is not None and re.fullmatch(PATTERN, '{"n":7,"ok":' + t)]
    rate = sum(t.startswith("t") for t in kept) / len(kept)
    sigma = math.sqrt(conditional * (1 - conditional) / len(kept))
    retry = demo.close(
        "retry-until-valid picks 'true' at the model's conditional rate (5 sigma)",
        rate,
        conditional,
        atol=5 * sigma,
        rtol=0.0,
    )
    forced = sample(bent, allowed, len(kept), seed=3, state=q_value, prev=prev, max_len=8)
    retry.broken(
        "per-step masking does not", sum(t is not None and t[0] == "t" for t in forced) / len(kept)
    )
    demo.at_least(
        "and costs several attempts per valid answer", len(tries) / len(kept), 2.0,
        illustration=True,
    )  # fmt: skip


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "index by first character: prune only at the root, keep walking dead tokens",
        "if r == DEAD:  # every token below",
        "if r == DEAD and node is trie:  # every token below",
    ),
    (
        "mask with 0 instead of -inf",
        "logits.masked_fill(~allowed, -math.inf)",
        "logits.masked_fill(~allowed, 0.0)",
    ),
    (
        "allow stopping in any state",
        "allowed[s, EOS] = s in ACCEPT",
        "allowed[s, EOS] = True",
    ),
]  # fmt: skip
