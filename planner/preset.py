"""A preset: a curated path planned as its source wrote it, not as a closure.

The plan holds exactly the ids the path's steps cover, in the source's order,
each studied through its material at the requested depth; the source's own
step times stay beside them as facts about the source. What the source skips
(prerequisites it neither covers nor assumes) is listed; with ``complete`` it
is added, each one just before the first step that needs it.
"""

from collections.abc import Iterable
from typing import NamedTuple

import networkx as nx

from graph.nodes import LearningPath
from planner.items import Item, deps_graph


class Section(NamedTuple):
    """One step of the source, as the plan reproduces it."""

    number: int  # the source's step number, from 1
    title: str | None
    source_minutes: int | None  # the time the source states for the step
    minutes: int  # the time of the material the plan assigns for it
    steps: tuple[int, ...]  # the plan's step numbers it holds, in order
    optional: bool
    path: str | None  # the curated path it hands over to


def only_the_path(
    items: dict[str, Item], path: LearningPath
) -> tuple[dict[str, Item], list[tuple[str, str]]]:
    """The items the path covers in the source's order, and where that order runs against
    the graph: (step, a prerequisite the source studies in a later step).

    Each item depends on the nearest items the path covers earlier that it needs; a
    prerequisite the path skips is walked through, so what a step needs through it
    still comes before it.
    """
    place = {node: i for i, node in enumerate(path.ids)}
    keep = set(place) & set(items)
    graph = deps_graph(items)
    through = graph.copy()  # walks stop at covered items: only the nearest are deps
    through.remove_edges_from(list(graph.out_edges(keep)))
    out, against = {}, []
    for node in sorted(keep, key=place.__getitem__):
        deps = items[node].deps
        reach = set(deps).union(*(nx.descendants(through, d) for d in deps)) & keep
        against += [
            (node, d) for d in sorted(reach, key=place.__getitem__) if place[d] > place[node]
        ]
        earlier = sorted((d for d in reach if place[d] < place[node]), key=place.__getitem__)
        out[node] = items[node]._replace(deps=tuple(earlier))
    return out, against


def skipped(items: dict[str, Item], path: LearningPath) -> list[str]:
    """What the path's closure needs that the path neither covers nor assumes (nor is known)."""
    covered = set(path.ids)
    return [n for n in items if n not in covered]


def sections(path: LearningPath, order: Iterable[tuple[int, str, int]]) -> tuple[Section, ...]:
    """The source's steps over the plan's steps, given as (number, id, minutes) in order.

    Each plan step belongs to the earliest source step among those of the covered
    steps at or after it: a prerequisite ``complete`` added, or a covered step it
    moved up, joins the source step that needs it, and every section is one run.
    """
    where = {node: k for k, step in enumerate(path.steps) for node in step.covers}
    rows = list(order)
    held: list[list[tuple[int, int]]] = [[] for _ in path.steps]
    last = max((where[node] for _, node, _ in rows if node in where), default=0)
    section = last
    for number, node, minutes in reversed(rows):
        section = min(section, where.get(node, section))
        held[section].append((number, minutes))
    return tuple(
        Section(
            number=k + 1,
            title=step.title,
            source_minutes=step.minutes,
            minutes=sum(m for _, m in held[k]),
            steps=tuple(sorted(n for n, _ in held[k])),
            optional=step.optional,
            path=step.path,
        )
        for k, step in enumerate(path.steps)
    )
