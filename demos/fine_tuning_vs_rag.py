"""Fine-tuning vs RAG: edit a document and retrieval answers anew; fine-tuned weights stay stale.

Sixteen facts (which office each employee works in) are served two ways: memorised into a
small network by fine-tuning, or looked up in a document store at question time. When a
fact changes, the retrieval system is right as soon as the document is edited and cites
it; the fine-tuned model keeps the old answer until retrained, and retraining on the new
fact alone knocks out other facts it shared weights with. Deleting a document is also
possible only on the retrieval side.
"""

import copy

import torch
import torch.nn.functional as F
from torch import nn

from demos._training import adam
from demos.harness import Demo

CONCEPTS = ["fine-tuning-vs-rag"]

CITIES = ["oslo", "lima", "pune", "kyiv", "doha", "riga", "bern", "cork"]
N = 16  # employees e0 .. e15


def rag_answer(docs: dict[str, str], employee: int) -> str:
    """Retrieve the document naming the employee; the reader copies the city from it."""
    for text in docs.values():
        if f"e{employee}" in text.split():
            return text.split()[-1]
    return "unknown"  # nothing retrieved, so nothing to ground an answer on


def train(net: nn.Module, who: torch.Tensor, city: torch.Tensor, steps: int) -> None:
    """Full-batch Adam on the (employee, city) facts."""
    adam(list(net.parameters()), lambda _: F.cross_entropy(net(who), city), steps, lr=0.05)


def run(demo: Demo) -> None:
    city = demo.randint(len(CITIES), N, seed=0)
    docs = {f"doc-{i}": f"employee e{i} works in {CITIES[c]}" for i, c in enumerate(city.tolist())}
    everyone = torch.arange(N, device=demo.device)

    torch.manual_seed(0)
    model = nn.Sequential(nn.Embedding(N, 8), nn.Linear(8, len(CITIES))).to(demo.device)
    train(model, everyone, city, steps=200)

    def ft_answers(net: nn.Module) -> torch.Tensor:
        with torch.no_grad():
            return net(everyone).argmax(-1)

    rag_right = [int(rag_answer(docs, i) == CITIES[c]) for i, c in enumerate(city.tolist())]
    demo.equal("retrieval answers all 16 facts", rag_right, [1] * N)
    demo.equal("the fine-tuned model answers all 16 facts", ft_answers(model), city)

    # Employee 3 moves office. RAG: edit one document and the answer follows at once,
    # with every other answer untouched.
    moved = (int(city[3]) + 1) % len(CITIES)
    before = [rag_answer(docs, i) for i in range(N)]
    docs["doc-3"] = f"employee e3 works in {CITIES[moved]}"
    after = [rag_answer(docs, i) for i in range(N)]
    demo.equal("after the edit retrieval gives e3's new office", int(after[3] == CITIES[moved]), 1)
    demo.equal(
        "and only e3's answer changes", sum(a != b for a, b in zip(after, before, strict=True)), 1
    )

    # Negative control: the weights have not seen the edit, so the model is stale.
    demo.equal(
        "the fine-tuned model gives e3's new office without retraining",
        ft_answers(model)[3],
        moved,
        negative=True,
    )

    # Patching the weights: fine-tune on just the changed fact (30 steps), once for each
    # of the 16 employees in turn. The fact goes in, but other facts fall out with it.
    learned, collateral = 0, 0
    for i in range(N):
        patched = copy.deepcopy(model)
        new_city = city.clone()
        new_city[i] = (new_city[i] + 1) % len(CITIES)
        train(patched, everyone[i : i + 1], new_city[i : i + 1], steps=30)
        answers = ft_answers(patched)
        learned += int(answers[i] == new_city[i])
        collateral += int((answers != city).sum()) - int(answers[i] != city[i])
    demo.equal("a 30-step patch learns each changed fact", learned, N)
    demo.at_least("but breaks on average >= 0.5 other facts per patch", collateral / N, 0.5)

    # Deleting a fact: drop the document and retrieval abstains; the model still answers
    # e5's old office with high confidence, since nothing can remove it from the weights.
    del docs["doc-5"]
    demo.equal(
        "with doc-5 deleted retrieval abstains on e5", int(rag_answer(docs, 5) == "unknown"), 1
    )
    with torch.no_grad():
        still = model(everyone[5:6]).softmax(-1)[0, city[5]]
    demo.at_least("the fine-tuned model still puts >= 0.9 on e5's old office", still, 0.9)
