"""What a request could study: the closure of its goals, turned into items of one track.

An item is a concept (studied through its resources) or a paper (read at a depth).
Its ``deps`` are the items it cannot be studied without; the budget fit keeps
every kept item's deps, and the order puts deps first.
"""

from collections.abc import Iterable
from typing import NamedTuple

from graph import KnowledgeGraph
from graph.nodes import Paper
from graph.taxonomy import Priority, ReadingAdvice, ReadingDepth, Track

CONCEPT, PAPER = "concept", "paper"
PRIORITY_WEIGHT = {Priority.ESSENTIAL: 3, Priority.IMPORTANT: 2, Priority.OPTIONAL: 1}
CONCEPT_WEIGHT = 2
"""A concept counts like an important paper when a budget forces choices."""
DEPTH_CREDIT = {None: 0, ReadingDepth.SKIM: 1, ReadingDepth.SELECTIVE: 2, ReadingDepth.CLOSE: 3}
MAX_CREDIT = max(DEPTH_CREDIT.values())


class Option(NamedTuple):
    """One way to study an item: a reading depth (None for a concept) and its minutes."""

    depth: ReadingDepth | None
    minutes: int


class Item(NamedTuple):
    id: str
    kind: str
    options: tuple[Option, ...]  # deepest first; options[0] is what the item calls for
    weight: int
    goal: bool
    deps: tuple[str, ...]


def depth_credit(item: Item, option: Option) -> int:
    """What reading at ``option``'s depth is worth: deeper counts more, on weightier papers."""
    return DEPTH_CREDIT[option.depth] * item.weight


def known_closure(graph: KnowledgeGraph, known: Iterable[str], implies: bool) -> set[str]:
    """What counts as known: the known ids, and by default everything they require."""
    known = set(known)
    if not implies:
        return known
    return closure(graph, known, set(), recommended=False)


def closure(
    graph: KnowledgeGraph, starts: Iterable[str], known: set[str], recommended: bool
) -> set[str]:
    """Everything ``starts`` need, transitively, and the starts themselves, minus ``known``."""
    seen: set[str] = set()
    stack = list(starts)
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        # Walk through known nodes too: with known_implies_prerequisites off, what a
        # known concept requires is still needed when a goal needs it.
        stack.extend(graph.prerequisites(node, recommended))
    return seen - known


def build_items(
    graph: KnowledgeGraph,
    goals: list[str],
    known: set[str],
    track: Track,
    recommended: bool,
) -> dict[str, Item]:
    """The items a plan chooses from, with goals marked; ``known`` is already closed."""
    if track is Track.LIGHTWEIGHT:
        needed = closure(graph, goals, known, recommended)
        return {
            n: _item(graph, n, n in goals, _deps(graph, n, needed, recommended)) for n in needed
        }
    return _paper_items(graph, goals, known, recommended)


def _paper_items(
    graph: KnowledgeGraph, goals: list[str], known: set[str], recommended: bool
) -> dict[str, Item]:
    """The paper track: papers that teach the goal concepts, and all they need.

    Every concept the plan needs is studied through a paper that teaches it: all
    the teachers of a goal concept, the weightiest one (by priority, then curated
    order) of any other. A concept no paper teaches stays a concept step.
    """
    starts: list[str] = []
    goal_items: set[str] = set()
    for goal in goals:
        teachers = [] if goal in graph.papers else _teachers(graph, goal, known)
        starts.extend(teachers or [goal])
        goal_items.update(teachers or [goal])
    needed = closure(graph, starts, known, recommended)
    while True:
        untaught = [
            c
            for c in sorted(needed)
            if c in graph.concepts and not any(p in needed for p in graph.concepts[c].papers)
        ]
        extra = [t[0] for c in untaught if (t := _teachers(graph, c, known))]
        if not extra:
            break
        starts.extend(extra)
        needed = closure(graph, starts, known, recommended)
    papers = {n for n in needed if n in graph.papers}
    # A concept is read in the first paper, in reading order, of the plan that teaches it.
    first = graph.reading_order.__getitem__
    covered = {
        c: min((p for p in graph.concepts[c].papers if p in papers), key=first)
        for c in needed
        if c in graph.concepts and any(p in papers for p in graph.concepts[c].papers)
    }
    items = _covered_items(graph, needed, covered, goal_items, recommended)
    while tangled := set(_cycle(items)):
        # Papers that each teach something another needs: study the concepts they
        # stand for as concept steps, which the graph's own DAG keeps in order.
        covered = {c: p for c, p in covered.items() if p not in tangled}
        items = _covered_items(graph, needed, covered, goal_items, recommended)
    # A teacher brought in for a concept that an earlier paper turned out to cover
    # serves no goal any more: keep only what the goals need.
    wanted = _with_deps(items, goal_items)
    return {n: item for n, item in items.items() if n in wanted}


def _covered_items(
    graph: KnowledgeGraph,
    needed: set[str],
    covered: dict[str, str],
    goal_items: set[str],
    recommended: bool,
) -> dict[str, Item]:
    """Items for ``needed``, a covered concept replaced by the paper it is read in."""
    stands_for: dict[str, list[str]] = {}
    for concept, paper in covered.items():
        stands_for.setdefault(paper, []).append(concept)
    items = {}
    for node in sorted(needed):
        if node in covered:
            continue
        prereqs = list(graph.prerequisites(node, recommended))
        for concept in stands_for.get(node, ()):
            prereqs += graph.prerequisites(concept, recommended)
        deps = {covered.get(p, p) for p in prereqs if p in needed} - {node}
        items[node] = _item(graph, node, node in goal_items, tuple(sorted(deps)))
    return items


def _teachers(graph: KnowledgeGraph, concept: str, known: set[str]) -> list[str]:
    """Unknown papers that teach ``concept``, weightiest first (priority, then curated order)."""
    teachers = [p for p in graph.concepts[concept].papers if p not in known]
    if len(teachers) < 2:
        return teachers
    curated = graph.curated_order
    return sorted(
        teachers,
        key=lambda p: (-PRIORITY_WEIGHT[graph.papers[p].priority], curated.get(p, len(curated)), p),
    )


def _deps(graph: KnowledgeGraph, node: str, needed: set[str], recommended: bool) -> tuple[str, ...]:
    """The node's prerequisites the plan needs, in the order the data lists them."""
    return tuple(p for p in graph.prerequisites(node, recommended) if p in needed)


def _item(graph: KnowledgeGraph, node: str, goal: bool, deps: tuple[str, ...]) -> Item:
    concept = graph.concepts.get(node)
    if concept is not None:
        return Item(node, CONCEPT, (Option(None, concept.minutes),), CONCEPT_WEIGHT, goal, deps)
    paper = graph.papers[node]
    return Item(node, PAPER, paper_options(paper), PRIORITY_WEIGHT[paper.priority], goal, deps)


def paper_options(paper: Paper) -> tuple[Option, ...]:
    """A paper's depths from the one it calls for down to a skim.

    A paper to skip initially that a plan needs anyway is read at its middle depth.
    """
    offered = list(paper.minutes)
    if paper.depth is ReadingAdvice.SKIP_INITIALLY:
        start = offered[len(offered) // 2]
    else:
        start = ReadingDepth(paper.depth)
    return tuple(Option(d, paper.minutes[d]) for d in offered[offered.index(start) :])


def _cycle(items: dict[str, Item]) -> list[str]:
    """The items on one cycle of deps, or [] when there is none."""
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


def _with_deps(items: dict[str, Item], starts: Iterable[str]) -> set[str]:
    """``starts`` and everything they need, transitively."""
    seen = {s for s in starts if s in items}
    stack = list(seen)
    while stack:
        for dep in items[stack.pop()].deps:
            if dep not in seen:
                seen.add(dep)
                stack.append(dep)
    return seen
