"""Fit a plan into a time budget: a precedence-constrained knapsack.

Keep a prerequisite-closed set of items (nothing kept without its deps) that
maximises, in this order: goals reached, priority-weighted items kept, reading
depth kept, and then fewer minutes. Since keeping an item outranks reading one
more deeply, a paper drops to a shallower depth before anything is dropped.

Small instances are solved exactly by branch and bound; one that runs past its
node limit is handed to an integer program (PuLP with its bundled CBC); above
``EXACT_LIMIT`` items a greedy by closure value over closure cost takes over.
"""

import heapq
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
    """A fast, good fit for instances too large to solve exactly.

    Goals first, cheapest missing closure first. Then, repeatedly, the item whose
    missing closure (it and the deps not yet kept) brings the most value per
    minute and still fits; then any single item that still fits, best value per
    minute first. Items are taken at their shallowest depth; papers are then
    deepened with what is left, heaviest first.
    """
    fill = _Greedy(items, topo, budget)
    fill.goals()
    fill.closures()
    fill.frontier()
    fill.deepen()
    return fill.kept


class _Greedy:
    def __init__(self, items: dict[str, Item], topo: list[str], budget: int) -> None:
        self.items, self.topo, self.budget = items, topo, budget
        self.position = {n: i for i, n in enumerate(topo)}
        self.ancestors = _ancestors(items, topo)
        self.cheapest = {n: len(items[n].options) - 1 for n in topo}
        values = _Values(items, topo).of
        self.value = {n: values[i][self.cheapest[n]] for i, n in enumerate(topo)}
        self.minutes = {n: items[n].options[self.cheapest[n]].minutes for n in topo}
        self.kept: dict[str, int] = {}
        self.spent = 0

    def missing(self, node: str) -> list[str]:
        return [a for a in (*self.ancestors[node], node) if a not in self.kept]

    def take(self, nodes: list[str]) -> None:
        self.spent += sum(self.minutes[n] for n in nodes)
        self.kept.update((n, self.cheapest[n]) for n in nodes)

    def goals(self) -> None:
        goals = [n for n in self.topo if self.items[n].goal]
        cost = {n: sum(self.minutes[a] for a in self.missing(n)) for n in goals}
        for goal in sorted(goals, key=lambda n: (cost[n], self.position[n])):
            closed = self.missing(goal)
            if closed and self.spent + sum(self.minutes[a] for a in closed) <= self.budget:
                self.take(closed)

    def closures(self) -> None:
        """Best missing-closure value per minute, kept up to date as items are taken."""
        open_ = {n for n in self.topo if n not in self.kept}
        descendants: dict[str, list[str]] = {n: [] for n in self.topo}
        for node in open_:
            for a in self.ancestors[node]:
                descendants[a].append(node)
        value = {n: sum(self.value[a] for a in self.missing(n)) for n in open_}
        cost = {n: sum(self.minutes[a] for a in self.missing(n)) for n in open_}
        while True:
            room = self.budget - self.spent
            best = max(
                (n for n in open_ if cost[n] <= room),
                key=lambda n: (value[n] / cost[n], -self.position[n]),
                default=None,
            )
            if best is None:
                return
            closed = self.missing(best)
            self.take(closed)
            for node in closed:
                open_.discard(node)
                for user in descendants[node]:
                    value[user] -= self.value[node]
                    cost[user] -= self.minutes[node]

    def frontier(self) -> None:
        """Any single item whose deps are kept and that still fits, best per minute first."""
        waiting = {n: sum(d not in self.kept for d in self.items[n].deps) for n in self.topo}
        dependents: dict[str, list[str]] = {n: [] for n in self.topo}
        for node in self.topo:
            for dep in self.items[node].deps:
                dependents[dep].append(node)
        queue = [self._key(n) for n in self.topo if n not in self.kept and not waiting[n]]
        heapq.heapify(queue)
        while queue:
            node = heapq.heappop(queue)[2]
            if self.spent + self.minutes[node] > self.budget:
                continue
            self.take([node])
            for user in dependents[node]:
                waiting[user] -= 1
                if not waiting[user] and user not in self.kept:
                    heapq.heappush(queue, self._key(user))

    def _key(self, node: str) -> tuple[float, int, str]:
        return -self.value[node] / self.minutes[node], self.position[node], node

    def deepen(self) -> None:
        for node in sorted(self.kept, key=lambda n: (-self.items[n].weight, self.position[n])):
            options = self.items[node].options
            for k in range(self.kept[node]):
                extra = options[k].minutes - options[self.kept[node]].minutes
                if self.spent + extra <= self.budget:
                    self.spent += extra
                    self.kept[node] = k
                    break


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
