"""Function calling: the model writes a JSON request, the application validates and runs it.

A tool is a name plus a JSON schema for its arguments. The model only emits text that
claims to be a call; the application parses it, checks it against the schema (and any
permissions), runs the function and hands the result back as a new message. Checking
only that the text parses lets invented or malformed arguments through, and
schema-constrained decoding, which masks every token the schema forbids, makes the
arguments valid by construction.
"""

import json

import torch

from demos.harness import Demo

CONCEPTS = ["function-calling"]

LETTERS = "abcdefghijklmnopqrstuvwxyz"
VOCAB = LETTERS + '{}":, 0123456789'
# get_weather(city: lowercase letters, unit: "c" | "f"), in the one key order we decode.
TEMPLATE = [
    ("lit", '{"city":"'),
    ("cls", LETTERS),
    ("lit", '","unit":"'),
    ("unit", "cf"),
    ("lit", '"}'),
]


def valid_args(text: str) -> bool:
    """Schema check: an object with exactly city (non-empty letters) and unit (c or f)."""
    try:
        args = json.loads(text)
    except json.JSONDecodeError:
        return False
    return (
        isinstance(args, dict)
        and set(args) == {"city", "unit"}
        and isinstance(args["city"], str)
        and args["city"].isalpha()
        and args["unit"] in ("c", "f")
    )


def parses(text: str) -> bool:
    try:
        json.loads(text)
    except json.JSONDecodeError:
        return False
    return True


def allowed_next(text: str) -> str:
    """Characters the schema allows after `text` ('' once the call is complete)."""
    i = 0
    for k, (kind, chars) in enumerate(TEMPLATE):
        if kind == "lit":  # text was decoded under this mask, so it follows the literal
            for ch in chars:
                if i == len(text):
                    return ch
                i += 1
            continue
        start = i
        limit = 8 if kind == "cls" else 1  # city: 1-8 letters; unit: one letter
        while i < len(text) and text[i] in chars and i - start < limit:
            i += 1
        if i == len(text):
            more = chars if i - start < limit else ""
            return more + (TEMPLATE[k + 1][1][0] if i > start else "")
    return ""


def decode(logits: torch.Tensor, constrained: bool, g: torch.Generator) -> str:
    """Sample characters from a bigram table of logits, optionally masked by the schema."""
    text, prev = "", len(VOCAB)  # row len(VOCAB) is the start state
    while len(text) < 30:
        row = logits[prev]
        if constrained:
            ok = allowed_next(text)
            if not ok:
                break
            mask = torch.tensor([c in ok for c in VOCAB], device=row.device)
            row = row.masked_fill(~mask, float("-inf"))
        nxt = int(torch.multinomial(torch.softmax(row, 0).cpu(), 1, generator=g))
        text += VOCAB[nxt]
        prev = nxt
        if not constrained and VOCAB[nxt] == "}":
            break
    return text


def get_weather(city: str, unit: str) -> dict[str, object]:
    table = {"paris": 18, "oslo": 4}
    celsius = table.get(city, 20)
    return {"city": city, "temp": celsius if unit == "c" else round(celsius * 9 / 5 + 32)}


def run(demo: Demo) -> None:
    # Replies a model might give, with a person's verdict on each.
    cases = [
        ('{"city": "paris", "unit": "c"}', True),
        ('{"city": "oslo", "unit": "f"}', True),
        ('{"city": "paris"}', False),  # required argument missing
        ('{"city": "paris", "unit": "c", "country": "fr"}', False),  # invented argument
        ('{"city": "paris", "unit": "kelvin"}', False),  # outside the enum
        ('{"city": 75001, "unit": "c"}', False),  # wrong type
        ('{"city": "paris", "unit": "c",}', False),  # malformed JSON
    ]
    labels = [ok for _, ok in cases]
    schema = demo.equal(
        "the schema check agrees with every verdict", [valid_args(t) for t, _ in cases], labels
    )
    # The check people write first: does the text parse as JSON at all?
    schema.broken("checking only that the JSON parses does not", [parses(t) for t, _ in cases])

    # One round trip. The model never runs anything: the application does, after
    # checking the arguments, and returns the result as a tool message.
    messages: list[dict[str, object]] = [{"role": "user", "content": "Weather in Oslo, in F?"}]
    name, arguments = "get_weather", '{"city": "oslo", "unit": "f"}'
    messages.append({"role": "assistant", "tool_call": {"name": name, "arguments": arguments}})
    tools = {"get_weather": get_weather}
    if name in tools and valid_args(arguments):
        result = tools[name](**json.loads(arguments))
    else:
        result = {"error": "unknown tool or invalid arguments"}
    messages.append({"role": "tool", "content": json.dumps(result)})
    messages.append({"role": "assistant", "content": f"It is {result.get('temp')} F in Oslo."})
    carried = json.loads(str(messages[2]["content"]))
    demo.equal("the tool result carried back is 4 C = 39.2 F, rounded to 39", carried["temp"], 39)

    # Decoding from a toy model: random bigram logits over characters.
    logits = demo.randn(len(VOCAB) + 1, len(VOCAB), seed=0) * 2
    g = torch.Generator().manual_seed(1)
    free = [decode(logits, constrained=False, g=g) for _ in range(50)]
    forced = [decode(logits, constrained=True, g=g) for _ in range(50)]
    constrained = demo.equal(
        "all 50 schema-constrained samples are valid calls", sum(map(valid_args, forced)), 50
    )
    constrained.broken(
        "sampled without the mask, the same model's calls are not", sum(map(valid_args, free))
    )

    # Masking is renormalisation: softmax over the allowed logits equals the model's
    # own probabilities restricted to those tokens and rescaled to sum to one.
    ok = torch.tensor([c in LETTERS + '"' for c in VOCAB], device=demo.device)
    p = torch.softmax(logits[3], 0)
    demo.close(
        "the masked softmax equals p restricted to allowed tokens, renormalised",
        torch.softmax(logits[3].masked_fill(~ok, float("-inf")), 0),
        p * ok / (p * ok).sum(),
    )


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "decode without the schema mask",
        'row = row.masked_fill(~mask, float("-inf"))',
        "row = row",
    ),
    (
        "let invented arguments through",
        'set(args) == {"city", "unit"}',
        '{"city", "unit"} <= set(args)',
    ),
    (
        "accept any string as the unit",
        'args["unit"] in ("c", "f")',
        'isinstance(args["unit"], str)',
    ),
]
