"""Prerequisite cycles: every tangle at once, and a small set of edges that breaks it.

A graph converted from someone else's prerequisite data may hold many cycles at
once, some of them tangles of dozens of concepts. ``tangles`` finds every
strongly connected component of two or more nodes (a self-loop is reported
elsewhere, as a record that lists itself) and, for each, a *break set*: edges
whose removal leaves the component acyclic, so that a maintainer who deletes those
entries gets a passing check on the next run.

The break set is a feedback arc set found in two passes, each linear or close to
it, so a tangle of ten thousand nodes costs a fraction of a second:

1. Eades, Lin and Smyth's greedy ordering (1993): repeatedly take sinks off the
   end of the order and sources onto its front; when neither is left, move the node
   with the largest out-degree minus in-degree to the front. The edges that point
   backwards in that order break every cycle (the rest all point forwards). On a
   graph of m edges and n nodes it keeps at most m/2 - n/6 edges, and on the usual
   tangle (a ring with a few chords) it finds the one or two edges that close it.
2. Pruning: put each backward edge back, in order, where it closes no cycle (its
   head does not reach its tail in the edges kept so far). Every edge left then is
   needed: putting any one of them back closes a cycle, so the set is minimal,
   though not necessarily the smallest (finding the smallest is NP-hard). The
   reachability walks share a budget of ``PRUNE_BUDGET`` edge visits; when it runs
   out, the edges not yet tried stay in the set, which still breaks every cycle.

Finding a minimum feedback arc set exactly is NP-hard, and a maintainer needs a set
that is small and certainly sufficient more than one that is provably smallest.
"""

import heapq
from collections import deque
from collections.abc import Hashable
from dataclasses import dataclass
from typing import TypeVar

import networkx as nx

N = TypeVar("N", bound=Hashable)

PRUNE_BUDGET = 2_000_000
"""Edge visits the pruning pass may spend on one graph's tangles, in all."""
SHOWN_CYCLES = 3
"""How many example cycles a tangle names."""


@dataclass(frozen=True)
class Tangle:
    """One strongly connected component of two or more nodes."""

    members: tuple[str, ...]  # sorted
    break_set: tuple[tuple[str, str], ...]  # edges (prerequisite, dependent), sorted
    cycles: tuple[tuple[str, ...], ...]  # example cycles, each [a, ..., a]


def tangles(digraph: "nx.DiGraph[str]") -> list[Tangle]:
    """Every cycle-holding component of ``digraph``, largest first, with its break set."""
    budget = [PRUNE_BUDGET]
    found = []
    for component in nx.strongly_connected_components(digraph):
        if len(component) < 2:
            continue
        members = sorted(component)
        succ = {n: sorted(m for m in digraph.successors(n) if m in component) for n in members}
        cut = sorted(break_set(succ, budget))
        cycles = tuple(_shortest_cycle(succ, head, tail) for tail, head in cut[:SHOWN_CYCLES])
        found.append(Tangle(tuple(members), tuple(cut), cycles))
    return sorted(found, key=lambda t: (-len(t.members), t.members[0]))


def break_set(succ: dict[N, list[N]], budget: list[int] | None = None) -> list[tuple[N, N]]:
    """A minimal set of edges of the graph ``succ`` (node -> successors, every node a
    key) whose removal leaves no cycle; ``budget`` (a one-item list, spent in place)
    caps the pruning's edge visits. The edges come in the order they were found."""
    position = {node: i for i, node in enumerate(_eades_order(succ))}
    backward = sorted(
        ((u, v) for u, vs in succ.items() for v in vs if position[u] > position[v]),
        key=lambda e: (position[e[0]], position[e[1]]),
    )
    removed = set(backward)
    kept: dict[N, list[N]] = {u: [v for v in vs if (u, v) not in removed] for u, vs in succ.items()}
    budget = budget if budget is not None else [PRUNE_BUDGET]
    needed = []
    for u, v in backward:
        if _reaches(kept, v, u, budget) is False:
            kept[u].append(v)  # closes no cycle: it may stay
        else:  # it closes one, or the budget ran out: keep it in the set, to be safe
            needed.append((u, v))
    return needed


def _eades_order(succ: dict[N, list[N]]) -> list[N]:
    """Eades, Lin and Smyth: sinks to the back, sources to the front, else the node whose
    out-degree most exceeds its in-degree to the front. Ties go to the earliest node
    in ``succ``'s order, so the order is deterministic."""
    rank = {node: i for i, node in enumerate(succ)}
    pred: dict[N, list[N]] = {node: [] for node in succ}
    for u, vs in succ.items():
        for v in vs:
            pred[v].append(u)
    out = {n: len(vs) for n, vs in succ.items()}
    into = {n: len(ps) for n, ps in pred.items()}
    alive = set(succ)
    sinks = [rank[n] for n in succ if out[n] == 0]
    sources = [rank[n] for n in succ if into[n] == 0]
    spread = [(into[n] - out[n], rank[n]) for n in succ]
    heapq.heapify(sinks)
    heapq.heapify(sources)
    heapq.heapify(spread)
    nodes = list(succ)
    front: list[N] = []
    back: list[N] = []

    def remove(node: N) -> None:
        alive.discard(node)
        for p in pred[node]:
            if p in alive:
                out[p] -= 1
                heapq.heappush(spread, (into[p] - out[p], rank[p]))
                if out[p] == 0:
                    heapq.heappush(sinks, rank[p])
        for s in succ[node]:
            if s in alive:
                into[s] -= 1
                heapq.heappush(spread, (into[s] - out[s], rank[s]))
                if into[s] == 0:
                    heapq.heappush(sources, rank[s])

    def take(heap: list[int], degree: dict[N, int]) -> N | None:
        while heap:
            node = nodes[heapq.heappop(heap)]
            if node in alive and degree[node] == 0:
                return node
        return None

    while alive:
        node = take(sinks, out)
        if node is not None:
            back.append(node)
            remove(node)
            continue
        node = take(sources, into)
        if node is not None:
            front.append(node)
            remove(node)
            continue
        while True:
            spread_key, index = heapq.heappop(spread)
            node = nodes[index]
            if node in alive and spread_key == into[node] - out[node]:
                break
        front.append(node)
        remove(node)
    return front + back[::-1]


def _reaches(succ: dict[N, list[N]], start: N, goal: N, budget: list[int]) -> bool | None:
    """Whether ``goal`` can be reached from ``start``; None when the budget ran out."""
    seen = {start}
    stack = [start]
    while stack:
        for nxt in succ[stack.pop()]:
            budget[0] -= 1
            if budget[0] < 0:
                return None
            if nxt == goal:
                return True
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return start == goal


def _shortest_cycle(succ: dict[str, list[str]], start: str, back_to: str) -> tuple[str, ...]:
    """The shortest cycle through the edge ``back_to -> start``: a shortest path from
    ``start`` to ``back_to``, then that edge; as (back_to, ..., back_to)."""
    parent: dict[str, str | None] = {start: None}
    queue = deque([start])
    while queue and back_to not in parent:
        current = queue.popleft()
        for nxt in succ[current]:
            if nxt not in parent:
                parent[nxt] = current
                queue.append(nxt)
    path: list[str] = []
    node: str | None = back_to
    while node is not None:
        path.append(node)
        node = parent[node]
    return (back_to, *reversed(path))
