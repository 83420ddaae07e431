"""Fine-tuning vs RAG: edit a document and retrieval answers anew; fine-tuned weights stay stale.

Sixteen facts (which office each employee works in) are served two ways: memorised into a
small network by fine-tuning, or looked up in a document store at question time. When a
fact changes, the retrieval system is right as soon as the document is edited and cites
it; the fine-tuned model keeps the old answer until retrained, and retraining on the new
fact alone knocks out other facts it shared weights with. Deleting a document is also
possible only on the retrieval side.
"""

import torch
import torch.nn.functional as F

from demos._training import adam
from demos.harness import Demo

CONCEPTS = ["fine-tuning-vs-rag"]

CITIES = ["oslo", "lima", "pune", "kyiv", "doha", "riga", "bern", "cork"]
N, WIDTH = 16, 8  # employees e0 .. e15, and the size of each one's learned embedding


def rag_answer(docs: dict[str, str], employee: int) -> str:
    """Retrieve the document naming the employee; the reader copies the city from it."""
    for text in docs.values():
        if f"e{employee}" in text.split():
            return text.split()[-1]
    return "unknown"  # nothing retrieved, so nothing to ground an answer on


def office_logits(weights: list[torch.Tensor]) -> torch.Tensor:
    """Every employee's scores over the cities: an embedding per employee, one linear layer.

    Works on one model (emb: N x WIDTH) or a stack of copies (emb: copies x N x WIDTH).
    """
    emb, out, bias = weights
    return emb @ out + bias[..., None, :]


def run(demo: Demo) -> None:
    city = demo.randint(len(CITIES), N, seed=0)
    # A store keeps no meaningful order, so the documents go in shuffled.
    order = torch.randperm(N, generator=demo.generator(1)).tolist()
    docs = {f"doc-{i}": f"employee e{i} works in {CITIES[int(city[i])]}" for i in order}

    # Fine-tuning: memorise the 16 facts with full-batch Adam.
    model = [
        demo.randn(N, WIDTH, seed=2),
        demo.randn(WIDTH, len(CITIES), seed=3) / WIDTH**0.5,
        torch.zeros(len(CITIES), device=demo.device),
    ]
    model = [p.requires_grad_() for p in model]
    adam(model, lambda _: F.cross_entropy(office_logits(model), city), 200, lr=0.05)

    def ft_answers(weights: list[torch.Tensor]) -> torch.Tensor:
        with torch.no_grad():
            return office_logits(weights).argmax(-1)

    rag_right = [int(rag_answer(docs, i) == CITIES[c]) for i, c in enumerate(city.tolist())]
    demo.equal("retrieval answers all 16 facts", rag_right, [1] * N)
    demo.equal("the fine-tuned model answers all 16 facts", ft_answers(model), city)

    # Employee 3 moves office. RAG: edit one document and the answer follows at once,
    # with every other answer untouched.
    moved = (int(city[3]) + 1) % len(CITIES)
    before = [rag_answer(docs, i) for i in range(N)]
    docs["doc-3"] = f"employee e3 works in {CITIES[moved]}"
    after = [rag_answer(docs, i) for i in range(N)]
    fresh = demo.equal(
        "after the edit retrieval gives e3's new office", int(after[3] == CITIES[moved]), 1
    )
    demo.equal(
        "and only e3's answer changes", sum(a != b for a, b in zip(after, before, strict=True)), 1
    )
    # The weights have not seen the edit, so the fine-tuned model is stale.
    fresh.broken(
        "the fine-tuned model, not retrained, still gives the old office",
        int(CITIES[int(ft_answers(model)[3])] == CITIES[moved]),
    )

    # Patching the weights: fine-tune on just the changed fact for 30 steps, once for each
    # of the 16 employees. The 16 patched copies train side by side as one stack: copy j sees
    # only employee j's new office, and summing their losses keeps their gradients apart.
    new_city = (city + 1) % len(CITIES)
    copies = [p.detach().expand(N, *p.shape).clone().requires_grad_() for p in model]
    own = torch.arange(N, device=demo.device)

    def patch_loss(_: int) -> torch.Tensor:
        own_logits = office_logits(copies)[own, own]  # copy j's scores for employee j
        return F.cross_entropy(own_logits, new_city, reduction="sum")

    adam(copies, patch_loss, 30, lr=0.05)
    answers = ft_answers(copies)  # copies x employees
    others = ~torch.eye(N, dtype=torch.bool, device=demo.device)
    demo.equal("a 30-step patch learns each changed fact", answers[own, own], new_city)
    demo.at_least(
        "but breaks on average >= 0.5 other facts per patch",
        ((answers != city) & others).sum() / N,
        0.5,
    )

    # Deleting a fact: drop the document and retrieval abstains; the model still answers
    # e5's old office with high confidence, since nothing can remove it from the weights.
    del docs["doc-5"]
    demo.equal(
        "with doc-5 deleted retrieval abstains on e5", int(rag_answer(docs, 5) == "unknown"), 1
    )
    with torch.no_grad():
        still = office_logits(model)[5].softmax(-1)[city[5]]
    demo.at_least("the fine-tuned model still puts >= 0.9 on e5's old office", still, 0.9)


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "the edit never reaches the document store (a stale index)",
        'docs["doc-3"] = f"employee e3 works in {CITIES[moved]}"',
        'edited = {**docs, "doc-3": f"employee e3 works in {CITIES[moved]}"}',
    ),
    (
        "patch the weights with the old facts instead of the new ones",
        'return F.cross_entropy(own_logits, new_city, reduction="sum")',
        'return F.cross_entropy(own_logits, city, reduction="sum")',
    ),
    (
        "retrieval matches an employee id as a substring (e1 also finds e10 to e15)",
        'if f"e{employee}" in text.split():',
        'if f"e{employee}" in text:',
    ),
]
