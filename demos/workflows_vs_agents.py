"""Workflows vs agents: a fixed chain of calls is cheap on the tasks it was built for; a loop
that decides when it is done also handles the rest, and pays for it in calls.

The task is multi-hop lookup ("the capital of the country where X was born"): from a start
entity, follow facts in a memory until there is nothing left to follow, and answer the
entity reached. Each tool call is one retrieval: the current entity's embedding queries
the facts' keys by cosine similarity and a softmax reads out the value, snapped to the
nearest known entity. Questions need 1 to 4 hops.

A workflow fixes the path in code: two retrievals, then answer. An agent looks at what each
call returned (how well the best key matched) and decides whether to hop again or stop.
Without that stopping check the loop walks past the answer into whatever the memory
returns for a query that matches nothing.
"""

import torch
import torch.nn.functional as F

from demos.harness import Demo

CONCEPTS = ["workflows-vs-agents"]

D = 128  # embedding size: random unit vectors overlap by ~1/sqrt(D) = 0.09
HOPS = [1, 2, 3, 4]
PER_LENGTH = 25  # questions of each length
WORKFLOW_HOPS = 2  # the workflow was written for two-hop questions
THRESHOLD = 0.6  # a real fact matches with cosine ~1; unrelated keys stay below ~0.4
BUDGET = 8  # the most calls the agent may make on one question
TEMPERATURE = 0.05


def build_memory(demo: Demo) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Entity embeddings, the facts (key entity -> value entity) as index lists, each question's
    start entity and its answer. Each question is its own chain e0 -> e1 -> ... -> e_h, whose
    last entity has no outgoing fact."""
    hops = torch.tensor(HOPS).repeat_interleave(PER_LENGTH)
    n_entities = int((hops + 1).sum())
    entities = F.normalize(demo.randn(n_entities, D, seed=0), dim=-1)
    ends = (hops + 1).cumsum(0)
    starts = ends - (hops + 1)
    chain = torch.ones(n_entities, dtype=torch.bool)
    chain[ends - 1] = False  # the last entity of every chain has no fact
    keys = torch.arange(n_entities)[chain]
    return entities, keys, keys + 1, torch.stack([starts, ends - 1, hops], 1)


def retrieve(
    state: torch.Tensor, entities: torch.Tensor, keys: torch.Tensor, values: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """One tool call per question: attention over the facts, and the best key's cosine."""
    scores = state @ entities[keys].T  # (questions, facts): cosines, the vectors are unit
    read = torch.softmax(scores / TEMPERATURE, dim=-1) @ entities[values]
    snapped = entities[(read @ entities.T).argmax(-1)]  # parse the reply as a known entity
    return snapped, scores.max(-1).values


def workflow(state: torch.Tensor, memory: tuple, hops: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The path fixed in code: exactly `hops` retrievals, whatever they return."""
    for _ in range(hops):
        state, _ = retrieve(state, *memory)
    return state, torch.full((len(state),), hops, device=state.device)


def agent(
    state: torch.Tensor, memory: tuple, stop: bool = True
) -> tuple[torch.Tensor, torch.Tensor]:
    """A loop that reads each call's result and decides: hop again, or answer where it is."""
    active = torch.ones(len(state), dtype=torch.bool, device=state.device)
    calls = torch.zeros(len(state), dtype=torch.long, device=state.device)
    for _ in range(BUDGET):
        nxt, confidence = retrieve(state, *memory)
        calls += active
        if stop:
            active = active & (confidence >= THRESHOLD)  # nothing matched: the answer is here
        state = torch.where(active[:, None], nxt, state)
    return state, calls


def run(demo: Demo) -> None:
    entities, keys, values, questions = build_memory(demo)
    memory = (entities, keys.to(demo.device), values.to(demo.device))
    start = entities[questions[:, 0].to(demo.device)]
    answer = entities[questions[:, 1].to(demo.device)]
    hops = questions[:, 2].to(demo.device)

    def correct(reached: torch.Tensor) -> torch.Tensor:
        return (reached @ answer.T).diagonal() > 0.99  # the very entity, not a near one

    # The workflow on the questions it was designed for: every one right, two calls each.
    flow, flow_calls = workflow(start, memory, WORKFLOW_HOPS)
    designed = hops == 2
    built_for = demo.at_least(
        "the two-step workflow answers every two-hop question",
        correct(flow)[designed].float().mean(),
        1.0,
    )
    # Negative control: the same chain one retrieval too long walks past the answer.
    too_long, _ = workflow(start, memory, WORKFLOW_HOPS + 1)
    built_for.broken("a three-step chain does not", correct(too_long)[designed].float().mean())
    demo.equal(
        "the workflow makes two calls on every question",
        flow_calls,
        [2] * len(hops),
        illustration=True,
    )
    # On questions of any other length its fixed path stops short or overshoots.
    demo.at_most(
        "on 1-, 3- and 4-hop questions it answers at most 10%",
        correct(flow)[~designed].float().mean(),
        0.1,
    )

    # The agent decides from what it retrieved when to stop, so it handles every length.
    reached, calls = agent(start, memory)
    solves = demo.at_least(
        "the agent answers at least 98% of all questions, 1 to 4 hops",
        correct(reached).float().mean(),
        0.98,
    )
    # Negative control: the same loop without its stopping check runs to its budget.
    runaway, _ = agent(start, memory, stop=False)
    solves.broken("without its stopping check it does not", correct(runaway).float().mean())

    # The price: one call per hop plus the call that finds nothing to follow, so on this
    # mix 3.5 calls a question against the workflow's 2.
    demo.equal("the agent makes exactly hops + 1 calls on each question", calls, hops + 1)
    demo.between(
        "on two-hop questions the agent spends 1.5x the workflow's calls",
        calls[designed].float().mean() / flow_calls[designed].float().mean(),
        1.45,
        1.55,
    )


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "the agent ignores its stopping check",
        "active = active & (confidence >= THRESHOLD)",
        "active = active & (confidence >= -1.0)",
    ),
    ("the workflow hard-codes the wrong number of steps", "WORKFLOW_HOPS = 2", "WORKFLOW_HOPS = 3"),
    ("the agent's budget is too small for the longest questions", "BUDGET = 8", "BUDGET = 3"),
]
