"""ReAct: interleave Thought, Action and Observation, so each tool result steers the next step.

"Where was the director of film 7 born?" takes two lookups, and the second one's argument
exists only in the first one's result. A ReAct agent runs a loop:

    Thought: I need film 7's director.        Action: director_of[film7]
    Observation: film7 directed-by person42 (1994)
    Thought: now where person42 was born.     Action: birthplace_of[person42]
    Observation: person42 born-in country3 (1951)
    Thought: that is the answer.              Action: finish[country3]

Here the language model is a small linear policy scored with torch. It reads its context
as bag-of-words vectors (the latest message, which is the question or the last
observation, and its own previous action), thinks which tool to call, and points at the
argument among every name it knows. It is fitted by least squares to expert traces on
300 films and tested on 300 films it never saw. With observations in the loop it answers
them; fitted the same way but acting without reading the results, it cannot.
"""

import torch
import torch.nn.functional as F

from demos.harness import Demo

CONCEPTS = ["react-agents"]

FILMS, PEOPLE, COUNTRIES, FILLERS, D = 600, 120, 12, 40, 64
NAMES = FILMS + PEOPLE + COUNTRIES  # what the agent can point at: films, then people, countries
ASK, DIRECTED_BY, BORN_IN, NOT_FOUND = range(NAMES + FILLERS, NAMES + FILLERS + 4)
DIRECTOR_OF, BIRTHPLACE_OF, FINISH = range(3)  # the agent's actions
TRAIN = 300  # films 0..299 have expert traces; 300..599 are held out


class World:
    """A knowledge base behind two tools. Each observation is a short sentence, read as the
    sum of its word vectors: subject, relation, object, and an irrelevant year."""

    def __init__(self, demo: Demo, seed: int) -> None:
        self.words = demo.randn(NAMES + FILLERS + 4, D, seed=0, dtype=torch.float64) / D**0.5
        self.director = FILMS + demo.randint(PEOPLE, FILMS, seed=seed)  # a person per film
        self.born = FILMS + PEOPLE + demo.randint(COUNTRIES, PEOPLE, seed=seed + 1)
        self.year = NAMES + demo.randint(FILLERS, NAMES, seed=seed + 2)  # noise in each reply

    def question(self, films: torch.Tensor) -> torch.Tensor:
        return self.words[films] + self.words[ASK]

    def call(self, tool: torch.Tensor, arg: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Run each question's tool: (observation vectors, the name each one reports)."""
        is_film, is_person = arg < FILMS, (arg >= FILMS) & (arg < FILMS + PEOPLE)
        found = torch.full_like(arg, -1)
        directs = (tool == DIRECTOR_OF) & is_film
        found[directs] = self.director[arg[directs]]
        births = (tool == BIRTHPLACE_OF) & is_person
        found[births] = self.born[arg[births] - FILMS]
        relation = torch.where(directs, DIRECTED_BY, BORN_IN)
        sentence = self.words[arg] + self.words[relation] + self.words[found.clamp_min(0)]
        sentence = sentence + self.words[self.year[arg]]
        ok = (found >= 0)[:, None]
        return torch.where(ok, sentence, self.words[NOT_FOUND].expand_as(sentence)), found


def context(message: torch.Tensor, previous: torch.Tensor, step: int) -> torch.Tensor:
    """What the policy reads: the latest message, its own last action, and how far it is."""
    rounds = F.one_hot(torch.tensor(min(step, 2)), 3).to(message)
    return torch.cat([message, previous, rounds.expand(len(message), 3)], dim=1)


def expert(world: World, films: torch.Tensor, read: bool) -> tuple[torch.Tensor, ...]:
    """The demonstrations: each question's three rounds, as (context, tool, argument)."""
    question = world.question(films)
    message, previous = question, torch.zeros_like(question)
    contexts, tools, args = [], [], []
    arg = films
    for step, tool in enumerate((DIRECTOR_OF, BIRTHPLACE_OF, FINISH)):
        contexts.append(context(message, previous, step))
        tools.append(torch.full_like(films, tool))
        args.append(arg)
        observation, found = world.call(tools[-1], arg)
        message = observation if read else question
        previous, arg = world.words[arg], found
    return torch.cat(contexts), torch.cat(tools), torch.cat(args)


def fit(world: World, read: bool) -> tuple[torch.Tensor, torch.Tensor]:
    """Behaviour cloning by ridge regression: one head scores the 3 actions, the other
    predicts the argument's word vector, which then points at the nearest name."""
    X, tools, args = expert(world, torch.arange(TRAIN, device=world.words.device), read)
    gram = X.T @ X + 1e-6 * torch.eye(X.shape[1], dtype=X.dtype, device=X.device)
    tool_head = torch.linalg.solve(gram, X.T @ F.one_hot(tools, 3).to(X))
    arg_head = torch.linalg.solve(gram, X.T @ world.words[args])
    return tool_head, arg_head


def react(
    world: World,
    policy: tuple[torch.Tensor, torch.Tensor],
    films: torch.Tensor,
    read: bool = True,
    max_steps: int = 4,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The loop, for many questions at once: (answers, tool calls made, answer was observed)."""
    tool_head, arg_head = policy
    question = world.question(films)
    message, previous = question, torch.zeros_like(question)
    answer = torch.full_like(films, -1)
    calls = torch.zeros_like(films)
    observed = torch.zeros(len(films), NAMES, dtype=torch.bool, device=films.device)
    rows = torch.arange(len(films), device=films.device)
    for step in range(max_steps):
        h = context(message, previous, step)
        # Thought: which action, and about whom; the argument is the nearest known name.
        tool = (h @ tool_head).argmax(1)
        arg = ((h @ arg_head) @ world.words[:NAMES].T).argmax(1)
        waiting = answer < 0
        done = waiting & (tool == FINISH)
        answer[done] = arg[done]
        acting = waiting & (tool != FINISH)
        # Action, then Observation: the tool's reply becomes the next message.
        observation, found = world.call(tool, arg)
        calls += acting.long()
        seen = acting & (found >= 0)
        observed[rows[seen], found[seen]] = True
        if read:
            message = torch.where(acting[:, None], observation, message)
        previous = torch.where(acting[:, None], world.words[arg], previous)
    return answer, calls, observed[rows, answer.clamp_min(0)] & (answer >= 0)


def run(demo: Demo) -> None:
    world = World(demo, seed=1)
    held_out = torch.arange(TRAIN, FILMS, device=demo.device)
    truth = world.born[world.director[held_out] - FILMS]

    # Fitted on expert traces that show the tool results, the policy has learned to read
    # the new name out of each observation: the argument is the message minus the subject
    # (its own last action) and the relation word, so it works for films it never saw.
    agent = fit(world, read=True)
    answer, calls, grounded = react(world, agent, held_out)
    solves = demo.at_least(
        "ReAct answers >= 95% of held-out two-hop questions",
        (answer == truth).double().mean(),
        0.95,
    )
    # Acting without reading results: fitted on the same traces with every observation
    # replaced by the question, the agent must guess the director from the film's name.
    blind = fit(world, read=False)
    blind_answer, _, blind_grounded = react(world, blind, held_out, read=False)
    solves.broken(
        "acting without reading the observations does not", (blind_answer == truth).double().mean()
    )

    # The policy decides when it is done: two tool calls, then finish, for every question.
    demo.equal("it makes exactly 2 tool calls per question", calls, torch.full_like(calls, 2))
    # Grounded: every answer is a name that a tool returned during this question's loop.
    sourced = demo.at_least(
        "its answers were read in an observation", grounded.double().mean(), 0.95
    )
    sourced.broken("the blind agent's answers were not", blind_grounded.double().mean())

    # The facts live in the tools, not in the policy: change the world (new directors and
    # birthplaces) and the same fitted policy answers from the new facts, with no refit.
    new_world = World(demo, seed=11)
    new_truth = new_world.born[new_world.director[held_out] - FILMS]
    new_answer, _, _ = react(new_world, agent, held_out)
    demo.at_least(
        "after the world changes it still answers >= 95%, with no refit",
        (new_answer == new_truth).double().mean(),
        0.95,
    )


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "drop the observation: the agent acts without reading the result",
        "message = torch.where(acting[:, None], observation, message)",
        "message = torch.where(acting[:, None], question, message)",
    ),
    (
        "forget the agent's own previous action",
        "previous = torch.where(acting[:, None], world.words[arg], previous)",
        "previous = torch.where(acting[:, None], torch.zeros_like(previous), previous)",
    ),
    ("a step budget too small for two hops", "max_steps: int = 4", "max_steps: int = 2"),
]
