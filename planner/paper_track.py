"""The paper track: read the papers that teach what the goals need; nothing dropped silently.

Every concept the goals need (their closure in the concept graph) is covered:
by a paper that teaches it where one does, otherwise by its own material at the
requested depth, as a concept step. A goal concept is read in every paper that
teaches it; any other concept in the weightiest paper that teaches it (priority,
then curated order), or in one the plan reads anyway. Each paper brings what it
requires, and the prerequisites of the concepts it stands for. A paper the
sources say to skip initially teaches nothing here unless it is itself a goal.
"""

from graph import KnowledgeGraph
from graph.taxonomy import ReadingAdvice, StudyDepth
from planner.items import (
    PRIORITY_WEIGHT,
    Item,
    closure,
    concept_item,
    paper_item,
    with_deps,
)


def paper_items(
    graph: KnowledgeGraph,
    goals: list[str],
    known: set[str],
    depth: StudyDepth,
    recommended: bool,
) -> dict[str, Item]:
    """The items of the paper track: papers, and the concepts no paper of the plan teaches."""
    reading = {g for g in goals if g in graph.papers}
    for goal in goals:
        if goal in graph.concepts:
            reading.update(teachers(graph, goal, known))
    needed = closure(graph, [*goals, *reading], known, recommended)
    while True:
        # A goal paper stands for all it teaches, so what those concepts need is needed.
        for paper in reading & set(goals):
            taught = [c for c in graph.papers[paper].teaches if c not in known]
            needed |= closure(graph, taught, known, recommended)
        reading |= {n for n in needed if n in graph.papers}  # read anyway: required
        untaught = (
            c
            for c in sorted(needed)
            if c in graph.concepts
            and graph.concepts[c].papers
            and not reading.intersection(graph.concepts[c].papers)
        )
        extra = {found[0] for c in untaught if (found := teachers(graph, c, known))}
        if not extra:
            break
        reading |= extra
        needed |= closure(graph, extra, known, recommended)
    # A concept is read in the first paper, in reading order, of the plan that teaches it.
    first = graph.reading_order.__getitem__
    covered = {
        c: min(taught_in, key=first)
        for c in needed
        if c in graph.concepts and (taught_in := reading.intersection(graph.concepts[c].papers))
    }
    items = _items(graph, needed, covered, goals, reading, depth, recommended)
    while tangled := _cycle(items):
        # Papers that each teach something another needs: study one concept that a paper
        # of the tangle stands for and another needs as a concept step of its own; the
        # graph's own DAG keeps it in order. The earliest such concept (prerequisites
        # first) unties most, and a goal is read in its paper if at all possible.
        needs = {p for node in tangled for p in _prerequisites(graph, items[node], recommended)}
        culprit = min(
            (c for c, p in covered.items() if p in tangled and c in needs),
            key=lambda c: (c in goals, graph.topological_order[c]),
        )
        del covered[culprit]
        items = _items(graph, needed, covered, goals, reading, depth, recommended)
    # A paper brought in for a concept that another paper turned out to cover serves
    # no goal any more: keep only what the goals need.
    wanted = with_deps(items, [n for n, item in items.items() if item.goal])
    return {n: item for n, item in items.items() if n in wanted}


def teachers(graph: KnowledgeGraph, concept: str, known: set[str]) -> list[str]:
    """Unknown papers that teach ``concept``, weightiest first (priority, then curated order).

    Papers to skip initially are left out: the sources defer them.
    """
    found = [
        p
        for p in graph.concepts[concept].papers
        if p not in known and graph.papers[p].depth is not ReadingAdvice.SKIP_INITIALLY
    ]
    if len(found) < 2:
        return found
    curated = graph.curated_order
    return sorted(
        found,
        key=lambda p: (-PRIORITY_WEIGHT[graph.papers[p].priority], curated.get(p, len(curated)), p),
    )


def _goal_items(
    graph: KnowledgeGraph, goals: list[str], reading: set[str], covered: dict[str, str]
) -> set[str]:
    """The items that stand for the goals: a goal paper; every paper of the plan that
    teaches a goal concept; and the goal concept itself when no paper covers it."""
    found = set()
    for goal in goals:
        if goal in graph.papers or goal not in covered:
            found.add(goal)
        if goal in graph.concepts:
            found.update(p for p in graph.concepts[goal].papers if p in reading)
    return found


def _prerequisites(graph: KnowledgeGraph, item: Item, recommended: bool) -> set[str]:
    """What an item needs: its own prerequisites and those of the concepts it stands for."""
    return {p for node in (item.id, *item.covers) for p in graph.prerequisites(node, recommended)}


def _items(
    graph: KnowledgeGraph,
    needed: set[str],
    covered: dict[str, str],
    goals: list[str],
    reading: set[str],
    depth: StudyDepth,
    recommended: bool,
) -> dict[str, Item]:
    """Items for ``needed``, a covered concept replaced by the paper it is read in."""
    goal_items = _goal_items(graph, goals, reading, covered)
    stands_for: dict[str, list[str]] = {}
    for concept in sorted(covered, key=graph.study_order.__getitem__):
        stands_for.setdefault(covered[concept], []).append(concept)
    items = {}
    for node in sorted(needed):
        if node in covered:
            continue
        prereqs = list(graph.prerequisites(node, recommended))
        for concept in stands_for.get(node, ()):
            prereqs += graph.prerequisites(concept, recommended)
        mapped = dict.fromkeys(covered.get(p, p) for p in prereqs if p in needed)
        deps = tuple(d for d in mapped if d != node)
        goal = node in goal_items
        if node in graph.concepts:
            items[node] = concept_item(graph.concepts[node], depth, goal, deps)
        else:
            covers = tuple(stands_for.get(node, ()))
            items[node] = paper_item(graph, graph.papers[node], depth, goal, deps, covers)
    return items


def _cycle(items: dict[str, Item]) -> list[str]:
    """The items on one cycle of deps, or [] when there is none.

    An iterative depth-first search by hand: networkx's find_cycle (with the graph it
    needs) took 1.5 ms on the paper track's plan for RLHF, this takes 0.03 ms.
    """
    state: dict[str, bool] = {}  # True while on the path, False once done
    for start in items:
        if start in state:
            continue
        path, stack = [start], [iter(items[start].deps)]
        state[start] = True
        while stack:
            for dep in stack[-1]:
                if state.get(dep):
                    return path[path.index(dep) :]
                if dep not in state:
                    state[dep] = True
                    path.append(dep)
                    stack.append(iter(items[dep].deps))
                    break
            else:
                stack.pop()
                state[path.pop()] = False
    return []
