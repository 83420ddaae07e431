"""The budget fit's linear relaxation: a bound on any fit, and the core the optimum lies in.

Relax "keep or drop" to a fraction kept, and the best fit becomes a chain of
closed sets (nothing kept without its deps): for each price per minute, the
closed set that gains the most value less its minutes at that price, a max-weight
closure found by a minimum cut. The relaxed optimum keeps ``inside``, the
largest set on that chain within the budget, and a fraction of the next one,
``around``. Its value bounds every fit from above, and in practice the optimum
lies within ``around`` and close to ``inside``, which a search can use.

    relax(range(3), [1, 1, 1], [10, 20, 30], [[], [0], [0]], 35).bound  # Fraction(13, 6)
"""

from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction


@dataclass(frozen=True)
class Relaxation:
    inside: frozenset[int]  # kept whole by the relaxed optimum: closed, within the budget
    around: frozenset[int]  # the next closed set on the chain, over the budget
    bound: Fraction  # the relaxed optimum's value: no fit within the budget has more


def relax(
    items: Iterable[int], value: list[int], cost: list[int], deps: list[list[int]], budget: int
) -> Relaxation:
    """The relaxed optimum of keeping a closed set of ``items`` within ``budget`` minutes.

    ``items`` are positions into the lists, closed under ``deps``; every value is
    positive. Newton's method on the price: the line through the two sets that
    bracket the budget gives the next price, until no closed set beats that line.
    Each new set lies between the two (the chain is nested), so only the items
    between them go into the cut.
    """
    inside: frozenset[int] = frozenset()
    around = frozenset(items)
    while True:
        gained = sum(value[i] for i in around) - sum(value[i] for i in inside)
        spent = sum(cost[i] for i in around) - sum(cost[i] for i in inside)
        # At the price gained/spent both ends weigh the same, so a set in between
        # that weighs more is a new point on the chain; none means they are adjacent.
        between = around - inside
        weight = {i: spent * value[i] - gained * cost[i] for i in between}
        found = max_closure(weight, {i: [d for d in deps[i] if d in between] for i in between})
        if sum(weight[i] for i in found) <= 0:
            break
        if sum(cost[i] for i in inside) + sum(cost[i] for i in found) <= budget:
            inside |= found
        else:
            around = inside | found
    low, high = sum(cost[i] for i in inside), sum(cost[i] for i in around)
    share = Fraction(budget - low, high - low) if high > budget else Fraction(1)
    bound = sum(value[i] for i in inside) + share * sum(value[i] for i in around - inside)
    return Relaxation(inside, around, bound)


def max_closure(weight: dict[int, int], deps: dict[int, list[int]]) -> frozenset[int]:
    """The smallest closed set (each member's deps in it too) of greatest total weight.

    A minimum cut: the source pays each positive weight, the sink each negative
    one, and an uncuttable edge runs from each item to each of its deps; what the
    source still reaches after a maximum flow is the set. Dinic's algorithm, by
    hand: networkx's preflow push took three times as long on these networks,
    and this runs several times for every large budgeted plan.
    """
    nodes = list(weight)
    source, sink = len(nodes), len(nodes) + 1
    index = {node: k for k, node in enumerate(nodes)}
    edges: list[list[int]] = [[] for _ in range(len(nodes) + 2)]  # edge ids out of each node
    head: list[int] = []  # edge id -> the node it enters; id ^ 1 is its reverse
    room: list[int] = []  # edge id -> residual capacity
    uncuttable = sum(abs(w) for w in weight.values()) + 1

    def add(u: int, v: int, capacity: int) -> None:
        edges[u].append(len(head))
        head.append(v)
        room.append(capacity)
        edges[v].append(len(head))
        head.append(u)
        room.append(0)

    for node, w in weight.items():
        if w > 0:
            add(source, index[node], w)
        elif w < 0:
            add(index[node], sink, -w)
        for dep in deps[node]:
            add(index[node], index[dep], uncuttable)
    while (level := _levels(edges, head, room, source))[sink] >= 0:
        _block(edges, head, room, level, source, sink)
    reached = _levels(edges, head, room, source)
    return frozenset(node for node, k in index.items() if reached[k] >= 0)


def _levels(edges: list[list[int]], head: list[int], room: list[int], source: int) -> list[int]:
    """Each node's distance from the source along edges with room left; -1 if unreached."""
    level = [-1] * len(edges)
    level[source] = 0
    queue = [source]
    for u in queue:  # the list grows as it is read: a breadth-first walk
        for e in edges[u]:
            v = head[e]
            if room[e] and level[v] < 0:
                level[v] = level[u] + 1
                queue.append(v)
    return level


def _block(
    edges: list[list[int]], head: list[int], room: list[int], level: list[int], s: int, t: int
) -> None:
    """Push flow along shortest paths until none is left (a blocking flow)."""
    cursor = [0] * len(edges)  # the next edge to try out of each node
    path: list[int] = []  # edge ids from the source to the current node
    u = s
    while True:
        if u == t:
            pushed = min(room[e] for e in path)
            for e in path:
                room[e] -= pushed
                room[e ^ 1] += pushed
            path, u = [], s  # start again from the source: saturated edges are skipped
            continue
        out = edges[u]
        while cursor[u] < len(out):
            e = out[cursor[u]]
            if room[e] and level[head[e]] == level[u] + 1:
                break
            cursor[u] += 1
        else:  # a dead end: retreat, and never come back this phase
            if u == s:
                return
            level[u] = -1
            e = path.pop()
            u = head[e ^ 1]
            cursor[u] += 1
            continue
        path.append(e)
        u = head[e]
