"""Token accounting: what a request costs, and why the same text costs more in some scripts.

Providers bill input, cached input and output tokens at different prices, so a
bill is a dot product of counts and rates. Chat resends its whole history each
turn, so input tokens grow with the square of the number of turns. And counts
come from the provider's tokeniser: a byte-level BPE trained mostly on English
packs English into few tokens but leaves other scripts at several per character.
"""

from collections import Counter
from itertools import pairwise

import torch

from demos.harness import Demo

CONCEPTS = ["token-accounting"]

ENGLISH = (
    "the model reads the prompt and then writes an answer, one token at a time. every token "
    "of the prompt is counted as input and every token of the answer as output, and the "
    "price of each is set per million tokens. a team that sends long documents pays mostly "
    "for input, while a team that asks for long essays pays mostly for output. caching the "
    "start of a prompt that repeats makes those tokens cheaper, and quotas on tokens per "
    "minute stop one user from spending the budget of the whole company in an afternoon."
)


def train_bpe(text: str, merges: int) -> list[tuple[int, int]]:
    ids, rules = list(text.encode("utf-8")), []
    for new in range(256, 256 + merges):
        pair = Counter(pairwise(ids)).most_common(1)[0][0]
        rules.append(pair)
        ids = apply(ids, pair, new)
    return rules


def apply(ids: list[int], pair: tuple[int, int], new: int) -> list[int]:
    out, i = [], 0
    while i < len(ids):
        if i + 1 < len(ids) and (ids[i], ids[i + 1]) == pair:
            out.append(new)
            i += 2
        else:
            out.append(ids[i])
            i += 1
    return out


def count_tokens(text: str, rules: list[tuple[int, int]]) -> int:
    ids = list(text.encode("utf-8"))  # a byte-level tokeniser starts from UTF-8 bytes
    for new, pair in enumerate(rules, start=256):
        ids = apply(ids, pair, new)
    return len(ids)


def run(demo: Demo) -> None:
    # Before any merges one token is one byte: 1 for ASCII, 2 for Cyrillic, 3 for CJK, 4 for emoji.
    demo.equal(
        "UTF-8 bytes per character for a, ж, 中, 😀",
        [len(c.encode()) for c in "aж中😀"],
        [1, 2, 3, 4],
    )

    # Merges learned from English text compress English; they never touch CJK bytes.
    rules = train_bpe(ENGLISH, 100)
    english, chinese = "the price of an answer is the sum of its tokens", "答案按词元计费"
    en_rate = count_tokens(english, rules) / len(english)
    zh_tokens = count_tokens(chinese, rules)
    demo.at_most("a new English sentence after 100 merges: tokens per character", en_rate, 0.7)
    demo.equal("Chinese stays at 3 tokens per character", zh_tokens, 3 * len(chinese))
    zh_rate = zh_tokens / len(chinese)
    demo.at_least(
        "a Chinese character costs this many times an English one", zh_rate / en_rate, 4.0
    )

    # A bill is counts @ prices. Worked example, $ per million tokens: input 3.00,
    # cached input 0.30, output 15.00; a 12,000-token prompt with 8,000 served from
    # the cache and a 500-token reply costs 0.012 + 0.0024 + 0.0075 = $0.0219.
    prices = demo.tensor([3.00, 0.30, 15.00], dtype=torch.float64) / 1e6
    prompt, cached, completion = 12_000, 8_000, 500
    counts = demo.tensor([prompt - cached, cached, completion], dtype=torch.float64)
    bill = demo.close(
        "the worked request costs $0.0219",
        counts @ prices,
        demo.tensor(0.0219, dtype=torch.float64),
    )
    # The common slip: bill the cached tokens on top of the full prompt, counting them twice.
    double = demo.tensor([prompt, cached, completion], dtype=torch.float64)
    bill.broken("counting cached tokens twice overbills, $0.0459", double @ prices)

    # Chat resends the history: turn k's prompt holds the system prompt, k user
    # messages and k - 1 replies, so n turns bill s*n + u*n(n+1)/2 + a*n(n-1)/2.
    s, u, a = 200, 50, 150
    history, billed = s, []
    for _ in range(40):
        history += u
        billed.append(history)  # the whole history is input again
        history += a
    prompts = demo.tensor(billed, dtype=torch.float64)
    billed = prompts.cumsum(0)
    n = demo.tensor([10, 20], dtype=torch.float64)
    closed = s * n + u * n * (n + 1) / 2 + a * n * (n - 1) / 2
    quadratic = demo.close(
        "input billed over 10 and 20 turns matches the closed form", billed[[9, 19]], closed
    )
    # Counting only each turn's new messages, as if the history were free, undercounts.
    new_only = torch.cumsum(demo.tensor([u + a] * 40, dtype=torch.float64), 0)
    quadratic.broken("counting only each turn's new tokens does not", new_only[[9, 19]])
    demo.between(
        "doubling the turns from 10 to 20 multiplies input by", billed[19] / billed[9], 3.5, 4.0
    )

    # Context budget: an 8,192-token window with 1,024 reserved for the reply holds
    # the prompt while 200 + 200k - 150 <= 7,168, i.e. up to turn 35; turn 36 overflows.
    overflow = int((prompts + 1024 > 8192).int().argmax()) + 1  # the first True
    demo.equal("the first turn that overflows the window", overflow, 36)


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "bill the cached tokens again at the full input price",
        "counts = demo.tensor([prompt - cached, cached, completion]",
        "counts = demo.tensor([prompt, cached, completion]",
    ),
    ("forget that the replies are resent as history", "history += a", "history += 0"),
    (
        "merge the least frequent pair",
        "pair = Counter(pairwise(ids)).most_common(1)[0][0]",
        "pair = Counter(pairwise(ids)).most_common()[-1][0]",
    ),
]
