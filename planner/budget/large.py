"""The fit of an instance too large for branch and bound, and what it proves.

Goals first: the most goals any fit can reach (``planner.budget.goal_search``),
kept with their closures. Then the linear relaxation of what else may join
bounds the weight any fit can add, and a search in its core usually meets that
bound. The fit is labelled with what it proves (see ``planner.budget``).
"""

import math
from functools import cache, partial
from itertools import chain, combinations

from planner.budget.core_search import CoreSearch, NodeLimit
from planner.budget.goal_search import most_goals
from planner.budget.greedy import Greedy, greedy_fit
from planner.budget.problem import Problem
from planner.budget.relaxation import relax

CORE_NODE_LIMIT = 1_000  # about 30 ms of search in the core of a 500-item instance


GOAL_SETS = 20  # other choices of goals ruled out one by one before giving up a proof


def large_fit(p: Problem, affordable: list[int], budget: int) -> tuple[dict[int, int], str]:
    """The fit of an instance too large for the exact searches, and what it proves.

    Goals come first: keep the most goals that fit together (at least the greedy's),
    with their closures; then search the relaxation's core of what is left for the
    most weight. The fit is proven best on goals and weight ("relaxation") when it
    meets that relaxation's bound and no other choice of goals could do better; on
    goals alone ("goals") when the goal search proved its count.
    """
    start = Greedy(p, budget)
    start.goals()
    choice = most_goals(p, affordable, budget, frozenset(start.kept))
    goals = choice.kept
    relaxed = _Relaxed(p, affordable, budget, goals)
    found = relaxed.search()
    settled = cache(partial(_goals_settled, p, affordable, budget, goals))
    if found is not None and (worth := p.worth(found)) >= relaxed.bound and settled(worth):
        return greedy_fit(p, budget, found, fill=False), "relaxation"
    fits = [greedy_fit(p, budget, found)] if found is not None else []
    fits += [greedy_fit(p, budget, relaxed.inside), greedy_fit(p, budget)]
    best = max(fits, key=p.value)
    worth = p.worth(best)
    if worth >= relaxed.bound and settled(worth):
        return best, "relaxation"
    if choice.proven:
        return best, "goals"
    return best, "time-limit" if choice.timed_out else "greedy"


class _Relaxed:
    """The relaxation of what may join ``kept`` (a closed set) without reaching other goals.

    ``bound`` is the most value (``upper``) any fit that holds ``kept`` and reaches
    no other goal can have; ``inside`` is ``kept`` with the relaxation's own set.
    """

    def __init__(
        self, p: Problem, affordable: list[int], budget: int, kept: frozenset[int]
    ) -> None:
        self.p, self.kept = p, kept
        self.room = budget - sum(p.least[i] for i in kept)
        self.rest = [i for i in affordable if self._may_join(i)]
        self.relaxation = relax(self.rest, p.upper, p.least, p.deps, self.room)
        self.step = math.gcd(*(p.upper[i] for i in self.rest)) if self.rest else 1
        self.worth = p.worth(kept)
        # Integral fits reach multiples of the values' common divisor.
        self.bound = self.worth + math.floor(self.relaxation.bound) // self.step * self.step
        self.inside = kept | self.relaxation.inside

    def _may_join(self, i: int) -> bool:
        """Not kept, no goal itself nor needing one not kept, and its missing deps fit."""
        p = self.p
        if i in self.kept or p.goal[i]:
            return False
        missing = [a for a in p.ancestors[i] if a not in self.kept]
        if any(p.goal[a] for a in missing):
            return False
        return p.least[i] + sum(p.least[a] for a in missing) <= self.room

    def search(self) -> frozenset[int] | None:
        """The best fit the core search finds, the most value first; None if none is
        found within its node limit."""
        p, around = self.p, self.relaxation.around
        if around == self.relaxation.inside:  # all that is left fits
            return self.kept | around
        core = sorted(around)
        total, over = p.worth(core), sum(p.least[i] for i in core) - self.room
        search = CoreSearch(core, p.upper, p.least, p.deps, CORE_NODE_LIMIT)
        floor = p.worth(self.relaxation.inside)  # the relaxation keeps that
        try:
            # Each target down is an easier search.
            for target in range(self.bound - self.worth, floor, -self.step):
                dropped = search.drop(over, total - target)
                if dropped is not None:
                    return self.kept | (around - dropped)
        except NodeLimit:
            pass
        return None


def _goals_settled(
    p: Problem, affordable: list[int], budget: int, kept: frozenset[int], value: int
) -> bool:
    """Whether no fit reaches more goals than ``kept`` does, or as many and more than
    ``value``. Reaching a set of goals costs exactly their closure, so each larger
    set is ruled out by its minutes, and each other set as large by its relaxation."""
    goals = [i for i in affordable if p.goal[i]]
    reached = sum(i in kept for i in goals)
    if reached == len(goals):
        return True
    larger, same = math.comb(len(goals), reached + 1), math.comb(len(goals), reached) - 1
    if larger + same > GOAL_SETS:
        return False  # too many to rule out one by one
    for other in chain(combinations(goals, reached + 1), combinations(goals, reached)):
        closed = frozenset(other).union(*(p.ancestors[g] for g in other))
        if closed == kept or sum(p.least[i] for i in closed) > budget:
            continue
        if len(other) > reached or _Relaxed(p, affordable, budget, closed).bound > value:
            return False
    return True
