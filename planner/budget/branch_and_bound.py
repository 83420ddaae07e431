"""Branch and bound: the exact fit of a small instance, or None past its node limit.

Items in topological order are each kept (at some depth) or dropped; fractional
knapsack bounds, one value level at a time, cut branches that cannot beat the
best fit found so far.
"""

import math
from bisect import bisect_left
from functools import cached_property
from itertools import accumulate

from planner.budget.depths import best_depths
from planner.budget.greedy import greedy_fit
from planner.budget.problem import Problem
from planner.items import Item

NODE_LIMIT = 2_000  # past about 50 ms of branch and bound, CBC (70-170 ms) is quicker


GREEDY_START = 32


class SearchLimit(Exception):
    pass


def exact_fit(
    items: dict[str, Item], topo: list[str], budget: int, node_limit: int
) -> dict[str, int] | None:
    """The exact optimum by item id, or None when the search needs more than ``node_limit``
    nodes."""
    problem = Problem(items, topo)
    found = branch_and_bound(problem, budget, node_limit)
    return None if found is None else problem.named(found)


def branch_and_bound(problem: Problem, budget: int, node_limit: int) -> dict[int, int] | None:
    """The exact optimum by position, or None past ``node_limit`` nodes."""
    return Search(problem, budget, node_limit).run()


class Search:
    """Branch and bound: items in topological order, each kept (at some depth) or dropped.

    An item is open while it is undecided, nothing it needs was dropped, and it
    fits in the room left together with its undecided ancestors; the next open
    item therefore has all its deps kept. The bound relaxes the open items to
    fractional knapsacks, one value level at a time, and rounds down to what
    integer values can reach: a branch that cannot beat the best fit found so
    far on goals and weight, then on depth, then on minutes, is cut.
    """

    def __init__(self, p: Problem, budget: int, node_limit: int) -> None:
        self.p, self.budget, self.node_limit = p, budget, node_limit
        self.ancestors_mask = [sum(1 << a for a in anc) for anc in p.ancestors]
        # rest[j][k]: least minutes of item j's ancestors from its k-th on
        self.rest = [
            list(accumulate(reversed([p.least[a] for a in anc]), initial=0))[::-1]
            for anc in p.ancestors
        ]
        self.upper_rank = _ratio_rank(p.upper, p.least)
        self.choice: dict[int, int] = {}
        self.nodes = 0

    @cached_property
    def segments(self) -> "_Segments":
        return _Segments(self.p)

    def run(self) -> dict[int, int] | None:
        # A small search finds a good fit sooner by itself than the greedy would.
        start = greedy_fit(self.p, self.budget) if len(self.p.nodes) > GREEDY_START else {}
        self.best = self.p.value(start) if start else (-1, 0, 0)
        self.best_choice = start
        try:
            self.search(0, 0, 0, 0, 0, list(range(len(self.p.nodes))))
        except SearchLimit:
            return None
        return self.best_choice

    def search(
        self, i: int, spent: int, upper: int, credit: int, dropped: int, candidates: list[int]
    ) -> None:
        """Decide the items from position ``i`` on; only ``candidates`` can still be open."""
        self.nodes += 1
        if self.nodes > self.node_limit:
            raise SearchLimit
        p, room = self.p, self.budget - spent
        open_ = self.open_items(candidates, i, room, dropped)
        if sum(p.least[j] for j in open_) <= room:
            # Everything still open fits: keeping it all is best, and what is left to
            # choose is each one's depth, a multiple-choice knapsack solved exactly.
            gained, minutes, depths = best_depths(p, open_, room)
            upper += sum(p.upper[j] for j in open_)
            if (upper, credit + gained, -spent - minutes) > self.best:
                self.best = (upper, credit + gained, -spent - minutes)
                self.best_choice = {**self.choice, **depths}
            return
        if self.hopeless(open_, spent, upper, credit):
            return
        j = open_[0]
        dropped |= (1 << j) - (1 << i)  # what lies before the next open item cannot be kept
        rest = open_[1:]  # what a decision on j leaves open is a part of what is open now
        for k, minutes in enumerate(p.minutes[j]):
            if minutes <= room:
                self.choice[j] = k
                self.search(
                    j + 1,
                    spent + minutes,
                    upper + p.upper[j],
                    credit + p.credit[j][k],
                    dropped,
                    rest,
                )
                del self.choice[j]
        self.search(j + 1, spent, upper, credit, dropped | 1 << j, rest)

    def open_items(self, candidates: list[int], i: int, room: int, dropped: int) -> list[int]:
        """The candidates still open: nothing they need dropped, and their closure fits."""
        least, ancestors, rest, masks = (
            self.p.least,
            self.p.ancestors,
            self.rest,
            self.ancestors_mask,
        )
        return [
            j
            for j in candidates
            if not masks[j] & dropped and least[j] + rest[j][bisect_left(ancestors[j], i)] <= room
        ]

    def hopeless(self, open_: list[int], spent: int, upper: int, credit: int) -> bool:
        """Whether no fit below this node can beat the best found so far."""
        p, room = self.p, self.budget - spent
        best_upper, best_credit, best_saved = self.best
        by_upper = sorted(open_, key=self.upper_rank.__getitem__)
        reach = _most(by_upper, p.upper, p.least, room, math.gcd(*(p.upper[j] for j in open_)))
        if upper + reach != best_upper:
            return upper + reach < best_upper
        # It can at best tie on goals and weight, which takes this many minutes of items
        # kept at their cheapest depth; depth comes from those and from reading deeper.
        base = _fewest(by_upper, p.upper, p.least, best_upper - upper)
        if base > room:
            return True
        base = int(base)  # finite now: a whole number of minutes
        if p.flat:  # no depth credit anywhere: only minutes can still improve
            return spent + base >= -best_saved
        reach = self.segments.most_credit(open_, room, base)
        if credit + reach != best_credit:
            return credit + reach < best_credit
        # It can at best tie on depth too, so it must do so in fewer minutes.
        needed = self.segments.fewest_minutes(open_, best_credit - credit, base)
        return spent + needed >= -best_saved


class _Segments:
    """Each item's depth credit as a concave function of minutes, in linear pieces.

    The first piece keeps the item at its cheapest depth; each further piece reads
    it more deeply. The pieces of the convex hull make the fractional relaxation
    of choosing one depth per item exact (a multiple-choice knapsack bound).
    """

    def __init__(self, p: Problem) -> None:
        self.minutes: list[int] = []
        self.credit: list[int] = []
        self.base: list[bool] = []
        self.of: list[list[int]] = []
        for minutes, credit in zip(p.minutes, p.credit, strict=True):
            points = sorted(zip(minutes, credit, strict=True), key=lambda mc: (mc[0], -mc[1]))
            hull = [points[0]]
            for m, c in points[1:]:
                if c <= hull[-1][1]:
                    continue  # more minutes for no more credit
                while len(hull) >= 2 and _turns_up(hull[-2], hull[-1], (m, c)):
                    hull.pop()
                hull.append((m, c))
            ids = []
            for (m0, c0), (m1, c1) in zip([(0, 0), *hull], hull, strict=False):
                ids.append(len(self.minutes))
                self.minutes.append(m1 - m0)
                self.credit.append(c1 - c0)
                self.base.append(m0 == 0)
            self.of.append(ids)
        self.rank = _ratio_rank(self.credit, self.minutes)

    def _sorted(self, open_: list[int], base: bool | None = None) -> list[int]:
        pieces = (s for j in open_ for s in self.of[j] if base is None or self.base[s] == base)
        return sorted(pieces, key=self.rank.__getitem__)

    def most_credit(self, open_: list[int], room: int, base: int) -> int:
        """Most credit in ``room`` when at least ``base`` minutes go to cheapest depths."""
        whole, num, den, used, left = 0, 0, 1, 0, room
        for s in self._sorted(open_):
            m, c = self.minutes[s], self.credit[s]
            if not c or not left:
                break
            if m > left:
                num, den = c * left, m
                used += left * self.base[s]
                break
            whole, left, used = whole + c, left - m, used + m * self.base[s]
        if used >= base:
            return whole + num // den
        # The relaxation is concave in the minutes given to cheapest depths, so when
        # its best gives too few, the best that gives enough gives exactly ``base``.
        w1, n1, d1 = _pour(self._sorted(open_, True), self.credit, self.minutes, base)
        w2, n2, d2 = _pour(self._sorted(open_, False), self.credit, self.minutes, room - base)
        return w1 + w2 + (n1 * d2 + n2 * d1) // (d1 * d2)

    def fewest_minutes(self, open_: list[int], needed: int, base: int) -> float:
        """Fewest minutes that gain ``needed`` credit with ``base`` at cheapest depths."""
        if needed <= 0:
            return base
        minutes, used, left = 0, 0, needed
        for s in self._sorted(open_):
            m, c = self.minutes[s], self.credit[s]
            if not c:
                return math.inf
            take = m if c < left else -(-left * m // c)
            minutes, used, left = minutes + take, used + take * self.base[s], left - c
            if left <= 0:
                break
        else:
            return math.inf
        if used >= base:
            return minutes
        # Convex in the minutes given to cheapest depths: least at exactly ``base``.
        whole, num, den = _pour(self._sorted(open_, True), self.credit, self.minutes, base)
        left = (needed - whole) * den - num  # in 1/den credits
        minutes = base
        for s in self._sorted(open_, False):
            if left <= 0:
                break
            m, c = self.minutes[s], self.credit[s] * den
            if c >= left:
                return minutes - (-left * m // c)
            minutes, left = minutes + m, left - c
        return minutes if left <= 0 else math.inf


def _pour(
    pieces: list[int], value: list[int], minutes: list[int], room: int
) -> tuple[int, int, int]:
    """Fill ``room`` with pieces in order: the whole value, plus num/den of the piece cut short."""
    whole = 0
    for s in pieces:
        if minutes[s] > room:
            return whole, value[s] * room, minutes[s]
        room -= minutes[s]
        whole += value[s]
    return whole, 0, 1


def _turns_up(a: tuple[int, int], b: tuple[int, int], c: tuple[int, int]) -> bool:
    """Whether b lies on or under the line from a to c (so the hull skips it)."""
    return (b[1] - a[1]) * (c[0] - a[0]) <= (c[1] - a[1]) * (b[0] - a[0])


def _ratio_rank(value: list[int], least: list[int]) -> list[int]:
    """Each item's place when sorted by value per minute, best first."""
    order = sorted(
        range(len(value)),
        key=lambda j: (-value[j] / least[j] if least[j] else -math.inf if value[j] else 0, j),
    )
    rank = [0] * len(value)
    for place, j in enumerate(order):
        rank[j] = place
    return rank


def _most(order: list[int], value: list[int], least: list[int], room: int, step: int) -> int:
    """Most value a fractional knapsack reaches in ``room``, down to a multiple of ``step``.

    Every value is a multiple of ``step``, so an integral choice is one too.
    """
    total = 0
    for j in order:
        if least[j] <= room:
            room -= least[j]
            total += value[j]
        else:
            total += value[j] * room // least[j]
            break
    return total - total % step


def _fewest(order: list[int], value: list[int], least: list[int], needed: int) -> float:
    """Fewest minutes in which a fractional knapsack gains ``needed`` value (rounded up)."""
    minutes = 0
    for j in order:
        if needed <= 0:
            break
        if value[j] >= needed:
            return minutes + -(-needed * least[j] // value[j])
        if value[j] == 0:
            break
        minutes += least[j]
        needed -= value[j]
    return minutes if needed <= 0 else math.inf
