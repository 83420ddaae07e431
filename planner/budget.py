"""Fit a plan into a time budget: a precedence-constrained knapsack.

Keep a prerequisite-closed set of items (nothing kept without its deps) that
maximises, in this order: goals reached, priority-weighted items kept, reading
depth kept, and then fewer minutes. Since keeping an item outranks reading one
more deeply, a paper drops to a shallower depth before anything is dropped.

Small instances are solved exactly by branch and bound; one that runs past its
node limit is handed to an integer program (PuLP with its bundled CBC); above
``EXACT_LIMIT`` items a greedy by closure value over closure cost takes over.
"""

from dataclasses import dataclass
from typing import NamedTuple

from planner.items import MAX_CREDIT, Item, depth_credit

EXACT_LIMIT = 200
NODE_LIMIT = 20_000


class Score(NamedTuple):
    """What a fit achieves, compared lexicographically: bigger is better."""

    goals: int
    weight: int
    depth: int
    minutes_saved: int  # the negated minutes, so that fewer minutes compare bigger


@dataclass(frozen=True)
class Fit:
    choice: dict[str, int]  # kept item -> index into its options
    method: str  # "none" (everything fits), "exact", "integer-program" or "greedy"


def score(items: dict[str, Item], choice: dict[str, int]) -> Score:
    """The score of keeping ``choice``."""
    goals = weight = depth = minutes = 0
    for node, k in choice.items():
        item, option = items[node], items[node].options[k]
        goals += item.goal
        weight += item.weight
        depth += depth_credit(item, option)
        minutes += option.minutes
    return Score(goals, weight, depth, -minutes)


def full_minutes(items: dict[str, Item]) -> int:
    """Minutes of every item at the depth it calls for."""
    return sum(item.options[0].minutes for item in items.values())


def fit_budget(items: dict[str, Item], topo: list[str], budget: int | None) -> Fit:
    """The best prerequisite-closed choice within ``budget``; ``topo`` lists deps first."""
    if budget is None or full_minutes(items) <= budget:
        return Fit({node: 0 for node in items}, "none")
    if len(items) > EXACT_LIMIT:
        return Fit(greedy(items, topo, budget), "greedy")
    found = branch_and_bound(items, topo, budget, NODE_LIMIT)
    if found is not None:
        return Fit(found, "exact")
    from planner.integer_program import solve  # imports PuLP only when needed

    return Fit(solve(items, topo, budget), "integer-program")


class _Values:
    """Each option's score folded into one exact integer, ordered as the Score is."""

    def __init__(self, items: dict[str, Item], topo: list[str]) -> None:
        minutes = sum(max(o.minutes for o in items[n].options) for n in topo) + 1
        weight = sum(items[n].weight for n in topo) + 1
        depth = MAX_CREDIT * weight
        self.of = [
            [
                ((item.goal * weight + item.weight) * depth + depth_credit(item, o)) * minutes
                - o.minutes
                for o in item.options
            ]
            for item in (items[n] for n in topo)
        ]


def greedy(items: dict[str, Item], topo: list[str], budget: int) -> dict[str, int]:
    """Goals first, cheapest closure first; then other items by closure value per minute.

    Everything is taken at its shallowest depth, then papers are deepened with
    what is left, heaviest first.
    """
    position = {n: i for i, n in enumerate(topo)}
    ancestors = _ancestors(items, topo)
    cheapest = {n: len(items[n].options) - 1 for n in topo}
    values = _Values(items, topo).of
    kept: dict[str, int] = {}
    spent = 0

    def missing(node: str) -> list[str]:
        return [a for a in (*ancestors[node], node) if a not in kept]

    def cost(nodes: list[str]) -> int:
        return sum(items[n].options[cheapest[n]].minutes for n in nodes)

    goals = sorted(
        (n for n in topo if items[n].goal), key=lambda n: (cost(missing(n)), position[n])
    )

    def ratio(n: str) -> float:
        closed = missing(n)
        return sum(values[position[a]][cheapest[a]] for a in closed) / cost(closed)

    others = sorted((n for n in topo if not items[n].goal), key=lambda n: (-ratio(n), position[n]))
    for node in [*goals, *others]:
        closed = missing(node)
        if closed and spent + cost(closed) <= budget:
            spent += cost(closed)
            kept.update((a, cheapest[a]) for a in closed)
    for node in sorted(kept, key=lambda n: (-items[n].weight, position[n])):
        options = items[node].options
        for k in range(kept[node]):
            extra = options[k].minutes - options[kept[node]].minutes
            if spent + extra <= budget:
                spent += extra
                kept[node] = k
                break
    return kept


def _ancestors(items: dict[str, Item], topo: list[str]) -> dict[str, tuple[str, ...]]:
    """Each item's deps, transitively, in topological order."""
    position = {n: i for i, n in enumerate(topo)}
    found: dict[str, set[str]] = {}
    for node in topo:
        found[node] = set(items[node].deps).union(*(found[d] for d in items[node].deps))
    return {n: tuple(sorted(found[n], key=position.__getitem__)) for n in topo}


class _NodeLimit(Exception):
    pass


def branch_and_bound(
    items: dict[str, Item], topo: list[str], budget: int, node_limit: int
) -> dict[str, int] | None:
    """The exact optimum, or None when the search needs more than ``node_limit`` nodes.

    Items are decided in topological order, so an item's deps are settled first.
    The bound lets every undecided, unblocked item in at its best value for its
    cheapest minutes, filled fractionally: optimistic, so no optimum is pruned.
    """
    n = len(topo)
    index = {node: i for i, node in enumerate(topo)}
    values = _Values(items, topo).of
    minutes = [[o.minutes for o in items[node].options] for node in topo]
    deps_mask = [sum(1 << index[d] for d in items[node].deps) for node in topo]
    ancestors_mask = [0] * n
    for i in range(n):
        mask = deps_mask[i]
        for j in range(i):
            if deps_mask[i] >> j & 1:
                mask |= ancestors_mask[j]
        ancestors_mask[i] = mask
    best_value = [max(v) for v in values]
    least_minutes = [min(m) for m in minutes]
    by_ratio = sorted(range(n), key=lambda j: (-best_value[j] / least_minutes[j], j))

    start = greedy(items, topo, budget)
    incumbent = [sum(values[index[k]][c] for k, c in start.items()), dict(start)]
    choice: dict[int, int] = {}
    nodes = 0

    def bound(i: int, room: int, excluded: int) -> int:
        total = 0
        for j in by_ratio:
            if j < i or ancestors_mask[j] & excluded:
                continue
            if least_minutes[j] <= room:
                room -= least_minutes[j]
                total += best_value[j]
            else:
                return total + best_value[j] * room // least_minutes[j] + 1
        return total

    def search(i: int, spent: int, value: int, excluded: int) -> None:
        nonlocal nodes
        nodes += 1
        if nodes > node_limit:
            raise _NodeLimit
        if i == n:
            if value > incumbent[0]:
                incumbent[0] = value
                incumbent[1] = {topo[j]: k for j, k in choice.items()}
            return
        if value + bound(i, budget - spent, excluded) <= incumbent[0]:
            return
        if not deps_mask[i] & excluded:
            for k, m in enumerate(minutes[i]):
                if spent + m <= budget:
                    choice[i] = k
                    search(i + 1, spent + m, value + values[i][k], excluded)
                    del choice[i]
        search(i + 1, spent, value, excluded | 1 << i)

    try:
        search(0, 0, 0, 0)
    except _NodeLimit:
        return None
    return incumbent[1]
