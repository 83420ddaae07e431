"""The greedy fit: fast and good, but it proves nothing.

Goals first (cheapest missing closure first), then the closure that brings the
most value per minute, then any single item that still fits; then the kept
items are read as deeply as the rest of the budget allows (exact, for them).
"""

import heapq
from collections.abc import Iterable

from planner.budget.depths import best_depths
from planner.budget.problem import Problem
from planner.items import Item


def greedy(items: dict[str, Item], topo: list[str], budget: int) -> dict[str, int]:
    """A fast, good fit for instances too large to solve exactly."""
    problem = Problem(items, topo)
    return problem.named(greedy_fit(problem, budget))


def greedy_fit(
    p: Problem, budget: int, start: Iterable[int] = (), fill: bool = True
) -> dict[int, int]:
    """Keep ``start`` (a closed set); then, with ``fill``, goals first, cheapest missing
    closure first. Then, repeatedly, the item whose missing closure (it and the
    deps not yet kept) brings the most value per minute and still fits; then any
    single item that still fits, best value per minute first. Items are taken at
    their shallowest depth; the kept items are then studied as deeply as what is left allows.
    """
    greedy = Greedy(p, budget)
    greedy.take(sorted(start))
    if fill:
        greedy.goals()
        greedy.closures()
        greedy.frontier()
    greedy.deepen()
    return greedy.kept


class Greedy:
    def __init__(self, p: Problem, budget: int) -> None:
        self.p, self.budget = p, budget
        n = len(p.nodes)
        self.cheapest = [len(m) - 1 for m in p.minutes]  # options run deepest first
        scale = sum(c[0] for c in p.credit) + 1
        self.value = [p.upper[i] * scale + p.credit[i][self.cheapest[i]] for i in range(n)]
        self.kept: dict[int, int] = {}
        self.spent = 0

    def missing(self, i: int) -> list[int]:
        return [a for a in (*self.p.ancestors[i], i) if a not in self.kept]

    def take(self, nodes: list[int]) -> None:
        self.spent += sum(self.p.least[i] for i in nodes)
        self.kept.update((i, self.cheapest[i]) for i in nodes)

    def goals(self) -> None:
        least = self.p.least
        goals = [i for i, goal in enumerate(self.p.goal) if goal]
        cost = {i: sum(least[a] for a in self.missing(i)) for i in goals}
        for goal in sorted(goals, key=lambda i: (cost[i], i)):
            closed = self.missing(goal)
            if closed and self.spent + sum(least[a] for a in closed) <= self.budget:
                self.take(closed)

    def closures(self) -> None:
        """Best missing-closure value per minute, kept up to date as items are taken."""
        least = self.p.least
        open_ = {i for i in range(len(self.p.nodes)) if i not in self.kept}
        descendants: list[list[int]] = [[] for _ in self.p.nodes]
        for i in open_:
            for a in self.p.ancestors[i]:
                descendants[a].append(i)
        value, cost = {}, {}
        for i in open_:
            missing = self.missing(i)
            value[i] = sum(self.value[a] for a in missing)
            cost[i] = sum(least[a] for a in missing)
        while True:
            room = self.budget - self.spent
            best = max(
                (i for i in open_ if cost[i] <= room),
                key=lambda i: (value[i] / max(cost[i], 1), -i),
                default=None,
            )
            if best is None:
                return
            closed = self.missing(best)
            self.take(closed)
            for i in closed:
                open_.discard(i)
                for user in descendants[i]:
                    value[user] -= self.value[i]
                    cost[user] -= least[i]

    def frontier(self) -> None:
        """Any single item whose deps are kept and that still fits, best per minute first."""
        p = self.p
        waiting = [sum(d not in self.kept for d in deps) for deps in p.deps]
        dependents: list[list[int]] = [[] for _ in p.nodes]
        for i, deps in enumerate(p.deps):
            for d in deps:
                dependents[d].append(i)
        queue = [self._key(i) for i in range(len(p.nodes)) if i not in self.kept and not waiting[i]]
        heapq.heapify(queue)
        while queue:
            i = heapq.heappop(queue)[1]
            if self.spent + p.least[i] > self.budget:
                continue
            self.take([i])
            for user in dependents[i]:
                waiting[user] -= 1
                if not waiting[user] and user not in self.kept:
                    heapq.heappush(queue, self._key(user))

    def _key(self, i: int) -> tuple[float, int]:
        return -self.value[i] / max(self.p.least[i], 1), i

    def deepen(self) -> None:
        """Read the kept papers as deeply as the budget allows: the most depth credit,
        then the fewest minutes (exact, for the items kept)."""
        if not self.p.flat:
            _, self.spent, self.kept = best_depths(self.p, sorted(self.kept), self.budget)
