"""What a request could study: the closure of its goals, turned into items of one track.

An item is a concept (studied through its resources) or a paper (read at a depth).
Its ``deps`` are the items it cannot be studied without; the budget fit keeps
every kept item's deps, and the order puts deps first.
"""

from collections.abc import Iterable
from dataclasses import dataclass

import networkx as nx

from graph import KnowledgeGraph
from graph.nodes import Paper
from graph.taxonomy import EdgeKind, Priority, ReadingAdvice, ReadingDepth, Track

CONCEPT, PAPER = "concept", "paper"
PRIORITY_WEIGHT = {Priority.ESSENTIAL: 3, Priority.IMPORTANT: 2, Priority.OPTIONAL: 1}
CONCEPT_WEIGHT = 2
"""A concept counts like an important paper when a budget forces choices."""
DEPTH_CREDIT = {None: 0, ReadingDepth.SKIM: 1, ReadingDepth.SELECTIVE: 2, ReadingDepth.CLOSE: 3}


@dataclass(frozen=True)
class Option:
    """One way to study an item: a reading depth (None for a concept) and its minutes."""

    depth: ReadingDepth | None
    minutes: int


@dataclass(frozen=True)
class Item:
    id: str
    kind: str
    options: tuple[Option, ...]  # deepest first; options[0] is what the item calls for
    weight: int
    goal: bool
    deps: tuple[str, ...]


def known_closure(graph: KnowledgeGraph, known: Iterable[str], implies: bool) -> set[str]:
    """What counts as known: the known ids, and by default everything they require."""
    known = set(known)
    if not implies:
        return known
    return known | set().union(*(_requires_ancestors(graph, k) for k in known))


def _requires_ancestors(graph: KnowledgeGraph, node: str) -> set[str]:
    seen: set[str] = set()
    stack = [node]
    while stack:
        for pred, _, kind in graph.digraph.in_edges(stack.pop(), data="kind"):
            if kind == EdgeKind.REQUIRES and pred not in seen:
                seen.add(pred)
                stack.append(pred)
    return seen


def _prerequisites(graph: KnowledgeGraph, node: str, recommended: bool) -> list[str]:
    """Direct prerequisites of a node: requires, and recommends when asked for."""
    wanted = (EdgeKind.REQUIRES, EdgeKind.RECOMMENDS) if recommended else (EdgeKind.REQUIRES,)
    return [p for p, _, kind in graph.digraph.in_edges(node, data="kind") if kind in wanted]


def closure(
    graph: KnowledgeGraph, starts: Iterable[str], known: set[str], recommended: bool
) -> set[str]:
    """Everything ``starts`` need, transitively, and the starts themselves, minus ``known``."""
    seen: set[str] = set()
    stack = [s for s in starts if s not in known]
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        stack.extend(p for p in _prerequisites(graph, node, recommended) if p not in known)
    return seen


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
    """The paper track: the papers that teach the goal concepts, and all they need.

    A concept taught by a paper of the plan is studied through that paper; a
    concept no such paper teaches stays a concept step.
    """
    starts: list[str] = []
    goal_items: set[str] = set()
    for goal in goals:
        teachers = [] if goal in graph.papers else _teachers(graph, goal, known)
        starts.extend(teachers or [goal])
        goal_items.update(teachers or [goal])
    needed = closure(graph, starts, known, recommended)
    papers = {n for n in needed if n in graph.papers}
    covered = {
        c: tuple(sorted(p for p in graph.concepts[c].papers if p in papers))
        for c in needed
        if c in graph.concepts
    }
    covered = {c: ps for c, ps in covered.items() if ps}
    items = _covered_items(graph, needed, covered, goal_items, recommended)
    if not nx.is_directed_acyclic_graph(_item_graph(items)):
        # Two papers each teach something the other needs: study those concepts as
        # concept steps instead, which the graph's own DAG keeps acyclic.
        items = _covered_items(graph, needed, {}, goal_items, recommended)
    return items


def _covered_items(
    graph: KnowledgeGraph,
    needed: set[str],
    covered: dict[str, tuple[str, ...]],
    goal_items: set[str],
    recommended: bool,
) -> dict[str, Item]:
    def mapped(prereqs: Iterable[str], owner: str) -> list[str]:
        out: list[str] = []
        for p in prereqs:
            if p not in needed:
                continue
            out.extend(covered.get(p, (p,)))
        return [p for p in dict.fromkeys(out) if p != owner]

    items = {}
    for node in needed:
        if node in covered:
            continue
        prereqs = _prerequisites(graph, node, recommended)
        if node in graph.papers:
            for concept, teachers in covered.items():
                if node in teachers:
                    prereqs += _prerequisites(graph, concept, recommended)
        items[node] = _item(graph, node, node in goal_items, tuple(sorted(mapped(prereqs, node))))
    return items


def _teachers(graph: KnowledgeGraph, concept: str, known: set[str]) -> list[str]:
    return [p for p in graph.concepts[concept].papers if p not in known]


def _deps(graph: KnowledgeGraph, node: str, needed: set[str], recommended: bool) -> tuple[str, ...]:
    return tuple(sorted(p for p in _prerequisites(graph, node, recommended) if p in needed))


def _item(graph: KnowledgeGraph, node: str, goal: bool, deps: tuple[str, ...]) -> Item:
    if node in graph.concepts:
        concept = graph.concepts[node]
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


def _item_graph(items: dict[str, Item]) -> nx.DiGraph:
    digraph = nx.DiGraph()
    digraph.add_nodes_from(items)
    digraph.add_edges_from((d, i) for i, item in items.items() for d in item.deps)
    return digraph
