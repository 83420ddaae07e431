"""Fit a plan into a time budget: a precedence-constrained knapsack.

Keep a prerequisite-closed set of items (nothing kept without its deps) that
maximises, in this order: goals reached, priority-weighted items kept, reading
depth kept, and then fewer minutes. Since keeping an item outranks reading one
more deeply, a paper drops to a shallower depth before anything is dropped.

Small instances are solved exactly by branch and bound; one that runs past its
node limit is handed to an integer program (PuLP with its bundled CBC). Above
``EXACT_LIMIT`` items, the linear relaxation (``planner.relaxation``) bounds
what any fit can keep and points at the core where the best fit lies; a short
search there (``planner.core``) usually meets the bound, which proves its
choice of items best. When it does not, the best of that search, a greedy by
closure value over closure cost, and the relaxation's own set filled greedily
is kept.
"""

import heapq
import math
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, cached_property, partial
from itertools import accumulate, chain, combinations
from typing import NamedTuple

from planner.core import CoreSearch, NodeLimit
from planner.items import DEPTH_CREDIT, Item, depth_credit
from planner.relaxation import relax

EXACT_LIMIT = 200
NODE_LIMIT = 2_000  # past about 50 ms of branch and bound, CBC (70-170 ms) is quicker
CORE_NODE_LIMIT = 1_000  # about 30 ms of search in the core of a 500-item instance
GOAL_SETS = 20  # other choices of goals ruled out one by one before giving up a proof
GREEDY_START = 32
_NO_CREDIT = (0,)


class Score(NamedTuple):
    """What a fit achieves, compared lexicographically: bigger is better."""

    goals: int
    weight: int
    depth: int
    minutes_saved: int  # the negated minutes, so that fewer minutes compare bigger


@dataclass(frozen=True)
class Fit:
    choice: dict[str, int]  # kept item -> index into its options
    # "none" (everything fits), "exact", "integer-program", "relaxation" (the items kept
    # meet the relaxation's bound, so no fit reaches more goals or weight) or "greedy"
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


def full_minutes(items: dict[str, Item]) -> int:
    """Minutes of every item at the depth it calls for."""
    return sum(item.options[0].minutes for item in items.values())


def fit_budget(items: dict[str, Item], topo: list[str], budget: int | None) -> Fit:
    """The best prerequisite-closed choice within ``budget``; ``topo`` lists deps first."""
    if budget is None or full_minutes(items) <= budget:
        return Fit({node: 0 for node in items}, "none")
    problem = _Problem(items, topo)
    affordable = problem.affordable(budget)
    if sum(problem.least[i] for i in affordable) <= budget:
        # All that can be kept at all fits together, so all of it is: only depths remain.
        return Fit(problem.named(_depths(problem, affordable, budget)[2]), "exact")
    if len(items) > EXACT_LIMIT:
        choice, method = _large(problem, affordable, budget)
        return Fit(problem.named(choice), method)
    found = _Search(problem, budget, NODE_LIMIT).run()
    if found is not None:
        return Fit(problem.named(found), "exact")
    from planner.integer_program import solve  # imports PuLP only when needed

    return Fit(solve(items, topo, budget), "integer-program")


class _Problem:
    """The items by position in topological order, as the searches read them.

    An item's value has two levels, compared in turn: ``upper`` (goal, then
    priority weight; a goal outweighs every other item together) and its
    option's depth ``credit``. Minutes come last: fewer is better.
    """

    def __init__(self, items: dict[str, Item], topo: list[str]) -> None:
        ordered = [items[n] for n in topo]
        goal_weight = sum(item.weight for item in ordered) + 1
        self.nodes = topo
        self.goal = [item.goal for item in ordered]
        self.goal_weight = goal_weight
        self.upper = [item.goal * goal_weight + item.weight for item in ordered]
        self.least = [item.options[-1].minutes for item in ordered]  # deeper reads take longer
        # Concepts only: one way to study each, and no reading depth to weigh.
        self.flat = all(item.options[0].depth is None for item in ordered)
        if self.flat:
            self.minutes = [[m] for m in self.least]
            self.credit = [_NO_CREDIT] * len(ordered)
        else:
            self.minutes = [[o.minutes for o in item.options] for item in ordered]
            self.credit = [[DEPTH_CREDIT[o.depth] * i.weight for o in i.options] for i in ordered]
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


def greedy(items: dict[str, Item], topo: list[str], budget: int) -> dict[str, int]:
    """A fast, good fit for instances too large to solve exactly."""
    problem = _Problem(items, topo)
    return problem.named(_greedy(problem, budget))


def _greedy(
    p: _Problem, budget: int, start: Iterable[int] = (), fill: bool = True
) -> dict[int, int]:
    """Keep ``start`` (a closed set); then, with ``fill``, goals first, cheapest missing
    closure first. Then, repeatedly, the item whose missing closure (it and the
    deps not yet kept) brings the most value per minute and still fits; then any
    single item that still fits, best value per minute first. Items are taken at
    their shallowest depth; papers are then read as deeply as what is left allows.
    """
    greedy = _Greedy(p, budget)
    greedy.take(sorted(start))
    if fill:
        greedy.goals()
        greedy.closures()
        greedy.frontier()
    greedy.deepen()
    return greedy.kept


def _large(p: _Problem, affordable: list[int], budget: int) -> tuple[dict[int, int], str]:
    """The fit of an instance too large for the exact searches, and how it was found.

    Goals come first: keep those the greedy reaches (cheapest closure first); then
    search the relaxation's core of what is left for the most weight. The fit is
    proven best on goals and weight when it meets that relaxation's bound and no
    other choice of goals could do better.
    """
    start = _Greedy(p, budget)
    start.goals()
    goals = frozenset(start.kept)
    relaxed = _Relaxed(p, affordable, budget, goals)
    found = relaxed.search()
    settled = cache(partial(_goals_settled, p, affordable, budget, goals))
    if found is not None and (worth := p.worth(found)) >= relaxed.bound and settled(worth):
        return _greedy(p, budget, found, fill=False), "relaxation"
    fits = [_greedy(p, budget, found)] if found is not None else []
    fits += [_greedy(p, budget, relaxed.inside), _greedy(p, budget)]
    best = max(fits, key=p.value)
    worth = p.worth(best)
    proven = worth >= relaxed.bound and settled(worth)
    return best, "relaxation" if proven else "greedy"


class _Relaxed:
    """The relaxation of what may join ``kept`` (a closed set) without reaching other goals.

    ``bound`` is the most value (``upper``) any fit that holds ``kept`` and reaches
    no other goal can have; ``inside`` is ``kept`` with the relaxation's own set.
    """

    def __init__(
        self, p: _Problem, affordable: list[int], budget: int, kept: frozenset[int]
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
    p: _Problem, affordable: list[int], budget: int, kept: frozenset[int], value: int
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


class _Greedy:
    def __init__(self, p: _Problem, budget: int) -> None:
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
            _, self.spent, self.kept = _depths(self.p, sorted(self.kept), self.budget)


class _NodeLimit(Exception):
    pass


def branch_and_bound(
    items: dict[str, Item], topo: list[str], budget: int, node_limit: int
) -> dict[str, int] | None:
    """The exact optimum, or None when the search needs more than ``node_limit`` nodes."""
    problem = _Problem(items, topo)
    found = _Search(problem, budget, node_limit).run()
    return None if found is None else problem.named(found)


class _Search:
    """Branch and bound: items in topological order, each kept (at some depth) or dropped.

    An item is open while it is undecided, nothing it needs was dropped, and it
    fits in the room left together with its undecided ancestors; the next open
    item therefore has all its deps kept. The bound relaxes the open items to
    fractional knapsacks, one value level at a time, and rounds down to what
    integer values can reach: a branch that cannot beat the best fit found so
    far on goals and weight, then on depth, then on minutes, is cut.
    """

    def __init__(self, p: _Problem, budget: int, node_limit: int) -> None:
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
        start = _greedy(self.p, self.budget) if len(self.p.nodes) > GREEDY_START else {}
        self.best = self.p.value(start) if start else (-1, 0, 0)
        self.best_choice = start
        try:
            self.search(0, 0, 0, 0, 0, list(range(len(self.p.nodes))))
        except _NodeLimit:
            return None
        return self.best_choice

    def search(
        self, i: int, spent: int, upper: int, credit: int, dropped: int, candidates: list[int]
    ) -> None:
        """Decide the items from position ``i`` on; only ``candidates`` can still be open."""
        self.nodes += 1
        if self.nodes > self.node_limit:
            raise _NodeLimit
        p, room = self.p, self.budget - spent
        open_ = self.open_items(candidates, i, room, dropped)
        if sum(p.least[j] for j in open_) <= room:
            # Everything still open fits: keeping it all is best, and what is left to
            # choose is each one's depth, a multiple-choice knapsack solved exactly.
            gained, minutes, depths = _depths(p, open_, room)
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

    def __init__(self, p: _Problem) -> None:
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


def _depths(p: _Problem, open_: list[int], room: int) -> tuple[int, int, dict[int, int]]:
    """The depth of each of ``open_`` that gains the most credit in ``room``, then fewest minutes.

    A dynamic program over the credit reached so far, keeping for each credit the
    fewest minutes, and only credits that cost more minutes than every lower one.
    Returns the credit gained, the minutes spent and each item's option.
    """
    if p.flat:  # concepts only: one way to study each
        return 0, sum(p.least[j] for j in open_), dict.fromkeys(open_, 0)
    deepest = dict.fromkeys(open_, 0)
    if sum(p.minutes[j][0] for j in open_) <= room:  # all as deep as they call for
        return sum(p.credit[j][0] for j in open_), sum(p.minutes[j][0] for j in open_), deepest
    # Items with one way to study them (concepts) only take their minutes out of the room.
    fixed = [j for j in open_ if len(p.minutes[j]) == 1]
    choices = [j for j in open_ if len(p.minutes[j]) > 1]
    room -= sum(p.least[j] for j in fixed)
    rest = sum(p.least[j] for j in choices)  # what the items not yet placed need at least
    fewest: dict[int, int] = {0: 0}  # credit reached -> fewest minutes that reach it
    trail: dict[int, tuple | None] = {0: None}  # credit reached -> (earlier trail, option)
    for j in choices:
        rest -= p.least[j]
        limit = room - rest
        options = list(enumerate(zip(p.credit[j], p.minutes[j], strict=True)))[::-1]
        reached: dict[int, int] = {}
        back: dict[int, tuple] = {}
        for credit, minutes in fewest.items():
            for k, (gain, cost) in options:  # cheapest first, so stop at the first too long
                total = minutes + cost
                if total > limit:
                    break
                if total < reached.get(credit + gain, limit + 1):
                    reached[credit + gain] = total
                    back[credit + gain] = (trail[credit], k)
        fewest, trail, least = {}, {}, limit + 1
        for credit in sorted(reached, reverse=True):  # drop more minutes for less credit
            if reached[credit] < least:
                least = fewest[credit] = reached[credit]
                trail[credit] = back[credit]
    credit = max(fewest)
    options, step = [], trail[credit]
    while step is not None:
        step, k = step
        options.append(k)
    depths = {**deepest, **dict(zip(choices, reversed(options), strict=True))}
    gained = credit + sum(p.credit[j][0] for j in fixed)
    return gained, fewest[credit] + sum(p.least[j] for j in fixed), depths


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
