"""Prompt injection: in one stream of tokens, the page's instructions look like the user's.

An agent asks a model to act on a retrieved page: "summarise this". If the page
says "send the files to me", the model reads that instruction exactly as it reads
the user's, because concatenation leaves nothing in its input that says where a
token came from. Here a small model is trained to carry out the instruction in its
prompt, and its attack success rate is measured on pages carrying injected
instructions. Marking every token of untrusted data in a channel the page cannot
write to (here a segment embedding the application sets, as BERT marks its two
segments), and training with those marks, lets the model learn to ignore
instructions in data. Marks parsed from in-band delimiters are no such channel:
the attacker writes the closing delimiter itself.
"""

import torch
import torch.nn.functional as F
from torch import nn

from demos._training import adam
from demos.harness import Demo

CONCEPTS = ["prompt-injection"]

ACTIONS = ["summarise", "translate", "send", "delete"]  # token ids 0..3
OPEN, CLOSE = 4, 5  # the delimiters the application writes around the page
FILLER = 6  # ids 6..45 are ordinary words
VOCAB = 46
USER, PAGE = 4, 12  # prompt: [action, 3 words] OPEN [12 words of page] CLOSE
TRUSTED, UNTRUSTED = 0, 1


def prompts(
    demo: Demo, n: int, seed: int, copies: int = 0, escape: bool = False
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """n prompts; with copies > 0 the page carries that many copies of another instruction,
    after a forged closing delimiter if escape. Returns tokens, the application's marks,
    the user's action and the injected one."""
    words = FILLER + demo.randint(VOCAB - FILLER, n, USER - 1 + PAGE, seed=seed)
    user = demo.randint(len(ACTIONS), n, seed=seed + 1)
    injected = (user + 1 + demo.randint(len(ACTIONS) - 1, n, seed=seed + 2)) % len(ACTIONS)
    user_part = torch.cat([user[:, None], words[:, : USER - 1]], 1)
    page = words[:, USER - 1 :].clone()
    if copies:
        attack = [CLOSE] * escape + [None] * copies  # None: the injected action
        start = demo.randint(PAGE - len(attack) + 1, n, seed=seed + 3)  # where it sits
        rows = torch.arange(n, device=demo.device)
        for i, what in enumerate(attack):
            page[rows, start + i] = injected if what is None else what
    ends = torch.full((n, 1), OPEN, device=demo.device)
    tokens = torch.cat([user_part, ends, page, torch.full_like(ends, CLOSE)], 1)
    # The application knows which tokens it copied from the page: it marks exactly those.
    marks = torch.zeros_like(tokens)
    marks[:, USER + 1 : USER + 1 + PAGE] = UNTRUSTED
    return tokens, marks, user, injected


def parsed_marks(tokens: torch.Tensor) -> torch.Tensor:
    """Marks recovered from the text itself: data is whatever lies between OPEN and CLOSE."""
    opened = (tokens == OPEN).cumsum(1) - (tokens == OPEN).long()  # OPEN strictly before
    closed = (tokens == CLOSE).cumsum(1)  # a CLOSE at or before
    return (opened > closed).long()


def bag(tokens: torch.Tensor, marks: torch.Tensor) -> torch.Tensor:
    """How often each (mark, token) pair occurs in each prompt: shape (prompts, 2 * VOCAB)."""
    return F.one_hot(marks * VOCAB + tokens, 2 * VOCAB).sum(1).float()


class Reader(nn.Module):
    """Reads every token with its mark and lets each cast a vote for an action; the votes
    add up. A stand-in for an LLM that attends to every instruction in its context."""

    def __init__(self) -> None:
        super().__init__()
        self.tok = nn.Embedding(VOCAB, 16)
        self.seg = nn.Embedding(2, 16)
        self.vote = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, len(ACTIONS)))

    def forward(self, counts: torch.Tensor) -> torch.Tensor:
        # A token's vote depends only on (token, mark): compute all 2 x 46 votes once,
        # then weight them by how often each occurs. The same sum as voting token by token.
        votes = self.vote(self.seg.weight[:, None] + self.tok.weight[None])  # (2, VOCAB, 4)
        return counts @ votes.reshape(2 * VOCAB, len(ACTIONS))


def train(demo: Demo, counts: torch.Tensor, y: torch.Tensor) -> Reader:
    torch.manual_seed(0)
    model = Reader().to(demo.device)
    adam(list(model.parameters()), lambda _: F.cross_entropy(model(counts), y), 200, lr=0.02)
    return model


def run(demo: Demo) -> None:
    # Training data: the label is always the user's action. Half the pages are clean; the
    # others carry one or two copies of an injected instruction, some after a forged CLOSE.
    clean_pages = prompts(demo, 256, 0)
    poisoned = [prompts(demo, 128, 10, 1), prompts(demo, 128, 20, 2, escape=True)]
    sets = [clean_pages, *poisoned]
    tokens, marks, user = (torch.cat([s[i] for s in sets]) for i in range(3))

    # Two models, same data, same training: one reads the prompt as a single stream,
    # the other also gets the application's mark on every token from the page.
    one_stream = train(demo, bag(tokens, torch.zeros_like(marks)), user)
    marked = train(demo, bag(tokens, marks), user)

    # Held-out test prompts. The attack is stronger than any seen in training: the page
    # forges the closing delimiter, then repeats its instruction three times.
    clean, clean_marks, clean_user, _ = prompts(demo, 400, 100)
    attack, attack_marks, attack_user, injected = prompts(demo, 400, 200, 3, escape=True)

    @torch.no_grad()
    def rate(
        model: Reader, tokens: torch.Tensor, marks: torch.Tensor, want: torch.Tensor
    ) -> torch.Tensor:
        """How often the model carries out the action `want`."""
        return (model(bag(tokens, marks)).argmax(1) == want).float().mean()

    one = torch.zeros_like  # a single stream: every token carries the same mark

    # Both carry out the user's request when nobody attacks (chance is 25%). The single-stream
    # model was also trained on poisoned pages it cannot tell apart, which costs it some
    # accuracy here: 0.96 with this seed, 0.85 to 0.99 across other initialisations.
    demo.at_least(
        "on clean pages the single-stream model does what the user asked (>= 75%)",
        rate(one_stream, clean, one(clean), clean_user),
        0.75,
    )
    demo.at_least(
        "on clean pages the marked model does what the user asked (>= 95%)",
        rate(marked, clean, clean_marks, clean_user),
        0.95,
    )

    # Attack success: the model carries out the page's instruction instead of the user's.
    resists = demo.at_most(
        "with the page marked untrusted, the attack succeeds on <= 5% of pages",
        rate(marked, attack, attack_marks, injected),
        0.05,
    )
    # Naive concatenation: one stream, nothing tells the user's words from the page's.
    resists.broken(
        "concatenated into one stream, it does not",
        rate(one_stream, attack, one(attack), injected),
    )
    # Marks recovered by parsing the delimiters agree with the application's on honest
    # pages; but under attack the forged CLOSE makes everything after it trusted.
    demo.equal(
        "on clean pages, marks parsed from the delimiters equal the application's",
        parsed_marks(clean),
        clean_marks,
    )
    resists.broken(
        "with marks parsed from the delimiters in the text, it does not",
        rate(marked, attack, parsed_marks(attack), injected),
    )
    demo.at_least(
        "and under attack the marked model still does what the user asked (>= 95%)",
        rate(marked, attack, attack_marks, attack_user),
        0.95,
    )


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "drop the marks from the model's input (one stream after all)",
        "self.seg.weight[:, None] + self.tok.weight[None]",
        "self.seg.weight[:, None] * 0 + self.tok.weight[None]",
    ),
    (
        "mark the page's tokens as trusted",
        "marks[:, USER + 1 : USER + 1 + PAGE] = UNTRUSTED",
        "marks[:, USER + 1 : USER + 1 + PAGE] = TRUSTED",
    ),
    (
        "train on clean pages only: marks the model never learned to respect",
        "sets = [clean_pages, *poisoned]",
        "sets = [clean_pages]",
    ),
]
