"""ReAct: interleave Thought, Action and Observation so retrieved facts steer the next step.

A question like "where was the director of film 7 born?" needs two lookups, the second
chosen from what the first returned. Reasoning alone answers from memory and repeats its
mistakes; acting alone cannot decide the second lookup; the ReAct loop does both. A step
limit is what stops a loop that keeps repeating itself.
"""

from demos.harness import Demo

CONCEPTS = ["react-agents"]

COUNTRIES = ["fr", "jp", "us", "br", "in", "ng", "de", "mx", "kr", "eg"]
Trace = list[tuple[str, str]]


def make_world(demo: Demo, n: int) -> dict[str, str]:
    directors = demo.randint(n, n, seed=0).tolist()
    born = demo.randint(len(COUNTRIES), n, seed=1).tolist()
    kb = {f"film{i}": f"person{d}" for i, d in enumerate(directors)}
    kb.update({f"person{i}": COUNTRIES[c] for i, c in enumerate(born)})
    return kb


def react(film: str, lookup: dict[str, str], max_steps: int, stuck: bool = False) -> Trace:
    """The loop. A thought reads the last observation and picks the next action."""
    trace: Trace = []
    target = film
    for _ in range(max_steps):
        trace.append(("Thought", f"I need to look up {target}."))
        trace.append(("Action", f"lookup[{target}]"))
        seen = lookup.get(target, "not found")
        trace.append(("Observation", seen))
        if seen in COUNTRIES:
            trace.append(("Action", f"finish[{seen}]"))
            return trace
        if not stuck:  # a broken agent that ignores what it saw keeps repeating itself
            target = seen
    trace.append(("Action", "finish[no answer: step limit]"))
    return trace


def answer(trace: Trace) -> str:
    return trace[-1][1].removeprefix("finish[").removesuffix("]")


def run(demo: Demo) -> None:
    n = 1000
    kb = make_world(demo, n)
    films = [f"film{i}" for i in range(n)]
    truth = [kb[kb[f]] for f in films]

    traces = [react(f, kb, max_steps=5) for f in films]
    right = sum(answer(t) == y for t, y in zip(traces, truth, strict=True))
    demo.equal("ReAct answers all 1000 two-hop questions", right, n)
    lookups = [sum(a == "Action" and b.startswith("lookup") for a, b in t) for t in traces]
    demo.equal("using exactly two lookups each", lookups, [2] * n)
    # Grounded: each answer is something a tool returned, not something recalled.
    observed = [answer(t) in [b for a, b in t if a == "Observation"] for t in traces]
    demo.equal("every answer appears in an observation", sum(observed), n)

    # Reasoning without tools: the model's memory holds each fact but 30% are wrong.
    wrong = (demo.rand(len(kb), seed=2) < 0.3).tolist()
    fake = demo.randint(len(COUNTRIES), len(kb), seed=3).tolist()
    memory = {}
    for (key, value), bad, f in zip(kb.items(), wrong, fake, strict=True):
        if not bad:
            memory[key] = value
        elif key.startswith("film"):
            memory[key] = f"person{(int(value[6:]) + 1 + f) % n}"
        else:
            memory[key] = COUNTRIES[(COUNTRIES.index(value) + 1 + f % 9) % 10]
    cot = sum(memory[memory[f]] == t for f, t in zip(films, truth, strict=True)) / n
    demo.between("chain of thought from memory gets about 0.7^2 (+ lucky guesses)", cot, 0.4, 0.65)

    # Acting without reasoning: a fixed plan of one lookup, then answer with what came
    # back, which is a person, never a country.
    act_only = sum(kb[f] == t for f, t in zip(films, truth, strict=True))
    demo.equal("acting without reasoning answers none correctly", act_only, 0)

    # A step limit contains an agent stuck repeating the same action.
    stuck = react("film0", kb, max_steps=6, stuck=True)
    actions = [b for a, b in stuck if a == "Action"]
    demo.equal(
        "the stuck agent stops after 6 lookups, all the same, with no answer",
        [len(actions) - 1, len(set(actions[:-1])), answer(stuck).startswith("no answer")],
        [6, 1, 1],
    )
    # Negative control: answering too early (one step) cannot finish a two-hop question.
    early = sum(answer(react(f, kb, max_steps=1)) == y for f, y in zip(films, truth, strict=True))
    demo.equal("a one-step ReAct loop answers them all too", early, n, negative=True)
