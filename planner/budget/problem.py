"""The budget fit's problem: items by position in topological order, and what a fit achieves.

A fit keeps a prerequisite-closed set of items, each at one of its options (a
study or reading depth). Its ``Score`` is compared lexicographically: goals
reached, priority-weighted items kept, depth credit, then fewer minutes.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple

from planner.items import DEPTH_CREDIT, GOAL_DEPTH, Item, depth_credit, with_deps

NO_CREDIT = [0]


class Score(NamedTuple):
    """What a fit achieves, compared lexicographically: bigger is better."""

    goals: int
    weight: int
    depth: int
    minutes_saved: int  # the negated minutes, so that fewer minutes compare bigger


TIME_LIMIT_S = 0.5
"""The most seconds a solver may run on one fit. Node limits, not this clock, bound the
searches on every instance we have measured (so answers repeat run to run); the clock is
the backstop for an instance nobody has seen: past it the best fit found is kept, and
``Fit.method`` says "time-limit": nothing is proven."""


@dataclass(frozen=True)
class Fit:
    choice: dict[str, int]  # kept item -> index into its options
    # "none" (everything fits), "exact", "integer-program", "relaxation" (the items kept
    # meet the relaxation's bound, so no fit reaches more goals or weight), "goals" (no
    # fit reaches more goals), "greedy" or "time-limit" (see planner.budget)
    method: str


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


def least_minutes(items: dict[str, Item], node: str) -> int:
    """The fewest minutes any fit that keeps ``node`` spends: it and everything it needs,
    each at its shallowest depth (the ``least`` a fit counts for every item)."""
    return sum(items[n].options[-1].minutes for n in with_deps(items, [node]))


def full_minutes(items: dict[str, Item]) -> int:
    """Minutes of every item at the depth it calls for."""
    return sum(item.options[0].minutes for item in items.values())


class Problem:
    """The items by position in topological order, as the searches read them.

    An item's value has two levels, compared in turn: ``upper`` (goal, then
    priority weight; a goal outweighs every other item together) and its
    option's depth ``credit``. Minutes come last: fewer is better.
    """

    def __init__(
        self, items: dict[str, Item], topo: list[str], time_limit: float = TIME_LIMIT_S
    ) -> None:
        ordered = [items[n] for n in topo]
        self.time_limit = time_limit  # the solvers' clock for this fit (see TIME_LIMIT_S)
        goal_weight = sum(item.weight for item in ordered) + 1
        self.nodes = topo
        self.goal = [item.goal for item in ordered]
        self.goal_weight = goal_weight
        self.upper = [item.goal * goal_weight + item.weight for item in ordered]
        self.least = [item.options[-1].minutes for item in ordered]  # deeper reads take longer
        # One way to study each item, all at one depth, and goals of one weight: then the
        # depth credit of a choice follows from its goals and weight (credit is the
        # depth's worth times the weight, ten times that for a goal), so only which items
        # to keep is left to weigh. A graph that gives only minutes per concept is so.
        self.flat = (
            all(len(item.options) == 1 for item in ordered)
            and len({item.options[0].depth for item in ordered}) <= 1
            and len({item.weight for item in ordered if item.goal}) <= 1
        )
        if self.flat:
            self.minutes: list[list[int]] = [[m] for m in self.least]
            self.credit: list[list[int]] = [NO_CREDIT] * len(ordered)  # shared, never written
        else:
            self.minutes = [[o.minutes for o in item.options] for item in ordered]
            # depth_credit, inlined: this runs for every option of every budgeted plan
            scale = [i.weight * (GOAL_DEPTH if i.goal else 1) for i in ordered]
            self.credit = [
                [DEPTH_CREDIT[o.depth] * f for o in i.options]
                for i, f in zip(ordered, scale, strict=True)
            ]
        self._ordered = ordered

    @cached_property
    def deps(self) -> list[list[int]]:
        index = {node: i for i, node in enumerate(self.nodes)}
        return [[index[d] for d in item.deps] for item in self._ordered]

    @cached_property
    def ancestors(self) -> list[list[int]]:
        """Each item's deps, transitively, by position (ascending: deps first)."""
        found: list[set[int]] = []
        for deps in self.deps:
            found.append(set(deps).union(*(found[d] for d in deps)) if deps else set())
        return [sorted(a) for a in found]

    def affordable(self, budget: int) -> list[int]:
        """Items whose whole closure fits in ``budget`` at the shallowest depths."""
        least = self.least
        if sum(least) <= budget:
            return list(range(len(least)))
        return [
            i
            for i, ancestors in enumerate(self.ancestors)
            if least[i] + sum(least[a] for a in ancestors) <= budget
        ]

    def named(self, choice: dict[int, int]) -> dict[str, int]:
        return {self.nodes[i]: k for i, k in sorted(choice.items())}

    def worth(self, kept: Iterable[int]) -> int:
        """The ``upper`` value of keeping ``kept``: goals, then weight."""
        return sum(self.upper[i] for i in kept)

    def value(self, choice: dict[int, int]) -> tuple[int, int, int]:
        """What ``choice`` (position -> option) achieves, compared as ``Score`` is."""
        return (
            self.worth(choice),
            sum(self.credit[i][k] for i, k in choice.items()),
            -sum(self.minutes[i][k] for i, k in choice.items()),
        )
