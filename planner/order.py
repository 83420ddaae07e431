"""Study order: prerequisites first, each one close to where it is used.

A depth-first post-order from the goals (Metacademy's choice) keeps a
prerequisite next to the step that needs it. Ties go to the curated order of
the seeds' paths, then category (or paper phase), then id, so the same request
always gives the same order, and a preset comes out in its own order.
"""

from collections.abc import Callable, Iterable, Iterator

from graph import KnowledgeGraph
from planner.items import Item

Rank = Callable[[str], int]


def rank_function(graph: KnowledgeGraph, preset: Iterable[str] = ()) -> Rank:
    """Sort key for tie-breaks: a preset's own order, then the graph's study order.

    The study order puts the curated paths' order first, then category (or paper
    phase), then id.
    """
    first: dict[str, int] = {}
    for node in preset:
        first.setdefault(node, len(first))
    order = graph.study_order
    if not first:
        return order.__getitem__
    offset = len(first)

    def key(node: str) -> int:
        place = first.get(node)
        return offset + order[node] if place is None else place

    return key


def post_order(items: dict[str, Item], starts: list[str], rank: Rank) -> list[str]:
    """Every item once, each after its deps, in depth-first post-order from ``starts``."""
    done: set[str] = set()
    out: list[str] = []
    for start in _starts(items, starts, done, rank):
        done.add(start)
        stack = [(start, iter(sorted(items[start].deps, key=rank)))]
        while stack:
            node, deps = stack[-1]
            for dep in deps:
                if dep not in done:
                    done.add(dep)
                    stack.append((dep, iter(sorted(items[dep].deps, key=rank))))
                    break
            else:
                stack.pop()
                out.append(node)
    return out


def _starts(items: dict[str, Item], starts: list[str], done: set[str], rank: Rank) -> Iterator[str]:
    """The goals, then any item they do not reach (by rank): each one not yet placed."""
    yield from (s for s in starts if s in items and s not in done)
    if len(done) < len(items):
        yield from (n for n in sorted(items, key=rank) if n not in done)
