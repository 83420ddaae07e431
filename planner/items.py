"""What a request could study: the closure of its goals, turned into items of one track.

An item is a concept (studied through its material at a study depth) or a paper
(read at a reading depth). Its ``deps`` are the items it cannot be studied
without; the budget fit keeps every kept item's deps, and the order puts deps
first. Its ``covers`` are the concepts it stands for: a concept itself, or the
concepts a paper step teaches in this plan.
"""

from collections.abc import Iterable
from typing import NamedTuple

import networkx as nx

from graph import KnowledgeGraph
from graph.nodes import Concept, Option, Paper
from graph.taxonomy import Priority, ReadingAdvice, ReadingDepth, StudyDepth
from planner.material import reading_minutes

CONCEPT, PAPER = "concept", "paper"
PRIORITY_WEIGHT = {Priority.ESSENTIAL: 3, Priority.IMPORTANT: 2, Priority.OPTIONAL: 1}
CONCEPT_WEIGHT = 2
"""A concept counts like an important paper when a budget forces choices."""
DEPTH_CREDIT: dict[StudyDepth | ReadingDepth, int] = {
    StudyDepth.OVERVIEW: 1,
    StudyDepth.STUDY: 2,
    StudyDepth.DEEP: 3,
    ReadingDepth.SKIM: 1,
    ReadingDepth.SELECTIVE: 2,
    ReadingDepth.CLOSE: 3,
}
"""What studying at a depth is worth, per unit of an item's weight: deeper counts more."""

Depth = StudyDepth | ReadingDepth


class Item(NamedTuple):
    id: str
    kind: str
    options: tuple[Option, ...]  # deepest first; options[0] is what the request calls for
    weight: int
    goal: bool
    deps: tuple[str, ...]
    covers: tuple[str, ...]  # the concepts studied through this item


GOAL_DEPTH = 10
"""A goal's depth counts ten times another step's: a budget keeps the goals deep first."""


def depth_credit(item: Item, option: Option) -> int:
    """What studying at ``option``'s depth is worth: deeper counts more, on weightier items,
    and most on the goals themselves."""
    return DEPTH_CREDIT[option.depth] * item.weight * (GOAL_DEPTH if item.goal else 1)


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


def concept_items(
    graph: KnowledgeGraph,
    goals: Iterable[str],
    known: set[str],
    depth: StudyDepth,
    recommended: bool,
) -> dict[str, Item]:
    """The lightweight track: every concept the goals need, studied through its material."""
    goals = set(goals)
    needed = closure(graph, goals, known, recommended)
    return {
        n: concept_item(graph.concepts[n], depth, n in goals, deps(graph, n, needed, recommended))
        for n in needed
    }


def deps(graph: KnowledgeGraph, node: str, needed: set[str], recommended: bool) -> tuple[str, ...]:
    """The node's prerequisites the plan needs, in the order the data lists them."""
    return tuple(p for p in graph.prerequisites(node, recommended) if p in needed)


def concept_item(concept: Concept, depth: StudyDepth, goal: bool, deps: tuple[str, ...]) -> Item:
    """A concept studied at ``depth`` or shallower; the budget fit picks which."""
    return Item(
        concept.id,
        CONCEPT,
        concept_options(concept, depth),
        CONCEPT_WEIGHT,
        goal,
        deps,
        (concept.id,),
    )


def concept_options(concept: Concept, depth: StudyDepth) -> tuple[Option, ...]:
    """The concept's depths from ``depth`` down to an overview, deepest first (worked out
    once, with the graph). A concept that offers nothing that shallow is studied at its
    shallowest depth."""
    return concept.options[depth]


def paper_item(
    graph: KnowledgeGraph,
    paper: Paper,
    depth: StudyDepth,
    goal: bool,
    deps: tuple[str, ...],
    covers: tuple[str, ...],
) -> Item:
    """A paper read at the depth it calls for or shallower (an overview only skims), standing
    for the concepts ``covers``; each option's minutes are its material's."""
    depths = paper_depths(paper)
    if depth is StudyDepth.OVERVIEW:
        depths = depths[-1:]
    answering = reading_minutes(graph, paper, covers)
    options = tuple(Option(d, paper.minutes[d] + answering) for d in depths)
    return Item(paper.id, PAPER, options, PRIORITY_WEIGHT[paper.priority], goal, deps, covers)


def paper_depths(paper: Paper) -> tuple[ReadingDepth, ...]:
    """A paper's depths from the one it calls for down to a skim.

    A paper to skip initially that a plan needs anyway is read at its middle depth.
    """
    offered = list(paper.minutes)
    if paper.depth is ReadingAdvice.SKIP_INITIALLY:
        start = offered[len(offered) // 2]
    else:
        start = ReadingDepth(paper.depth)
    return tuple(offered[offered.index(start) :])


def deps_graph(items: dict[str, Item]) -> nx.DiGraph:
    """Each item pointing at what it needs."""
    graph: nx.DiGraph[str] = nx.DiGraph()
    graph.add_nodes_from(items)
    graph.add_edges_from((n, d) for n, item in items.items() for d in item.deps)
    return graph


def with_deps(items: dict[str, Item], starts: Iterable[str]) -> set[str]:
    """``starts`` and everything they need, transitively.

    A walk by hand: building a networkx graph for nx.descendants cost about 0.2 ms a
    plan, more than the walk itself.
    """
    seen = {s for s in starts if s in items}
    stack = list(seen)
    while stack:
        for dep in items[stack.pop()].deps:
            if dep not in seen:
                seen.add(dep)
                stack.append(dep)
    return seen
