"""The most goals a fit can reach: a set-union knapsack, solved as a 0-1 program.

Reaching a set of goals costs exactly the minutes of their closures' union at the
shallowest depths, so which goals to reach is a knapsack over overlapping sets:
NP-hard, and where the greedy (cheapest missing closure first) falls short on
graphs shaped like real curricula, whose goals share long prerequisite chains
(up to 7 goals short on ``bench/plan.py``'s family).

As a 0-1 program: x_g for each goal that fits at all; items needed by exactly the
same goals always go together, so each such class is one variable y_S, kept when
any goal of S is (y_S >= x_g for g in S), and a goal another needs is kept with it
(x_a >= x_g); the least minutes within the budget; at
least the greedy's goals; the most goals. On the bench's 20 instances the classes
cut the model from about 300 variables to about 110, and the time from 27-349 ms
(p95 305 ms) to 12-343 ms (p95 171 ms), all proven optimal. SciPy's ``milp``
(HiGHS) solves it; OR-Tools' CP-SAT, tried first, took 50-2,300 ms for the same
answers, and asking HiGHS for the fewest minutes as a second objective slowed it
several times over. HiGHS's own presolve is off: the classes are this model's
presolve, and on the bench's instances turning it off took the p95 from about
460 to 155 ms (on 30 fresh instances of the same family, p95 174 -> 192 ms but
the slowest 545 -> 262 ms; the same answers everywhere). A node limit, not a
clock, keeps the answer the same on every run; the greedy's goals are the floor.
"""

import time
from collections import defaultdict
from typing import NamedTuple

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_array

from planner.budget.problem import Problem

NODE_LIMIT = 20_000
"""Branch-and-bound nodes HiGHS may explore (the bench's instances are solved at the root)."""


class GoalChoice(NamedTuple):
    kept: frozenset[int]  # the chosen goals with their closures: a closed set
    goals: int  # how many goals it reaches
    proven: bool  # no fit within the budget reaches more goals
    timed_out: bool = False  # HiGHS stopped at the problem's time limit


def most_goals(p: Problem, affordable: list[int], budget: int, floor: frozenset[int]) -> GoalChoice:
    """The most goals that fit in ``budget`` together, kept with their closures.

    ``floor`` (a closed set within the budget: the greedy's goals) is the answer
    when the search finds no more goals than it reaches.
    """
    fallback = GoalChoice(floor, sum(p.goal[i] for i in floor), False)
    goals = [i for i in affordable if p.goal[i]]  # a goal's closure is affordable too
    if len(goals) <= fallback.goals:  # the floor reaches every goal that fits at all
        return GoalChoice(floor, fallback.goals, True)
    needed_by: dict[int, set[int]] = defaultdict(set)  # item -> the goals that need it
    for g in goals:
        for item in p.ancestors[g]:
            needed_by[item].add(g)
    minutes: dict[frozenset[int], int] = defaultdict(int)  # class of items -> their minutes
    for item, owners in needed_by.items():
        if not p.goal[item]:  # a goal needed by another is its own variable already
            minutes[frozenset(owners)] += p.least[item]
    classes = list(minutes)
    column = {g: k for k, g in enumerate(goals)}
    # y_S - x_g >= 0: a class is kept when any goal that needs it is; and x_a - x_g >= 0
    # for a goal a that goal g needs.
    links = [(len(goals) + c, column[g]) for c, s in enumerate(classes) for g in sorted(s)]
    links += [(column[a], column[g]) for g in goals for a in p.ancestors[g] if p.goal[a]]
    pairs = np.array(links, dtype=int).reshape(-1, 2)
    rows = len(pairs)
    width = len(goals) + len(classes)
    constraints = [
        LinearConstraint(
            np.array([[p.least[g] for g in goals] + [minutes[s] for s in classes]], dtype=float),
            -np.inf,
            budget,
        ),
        LinearConstraint(
            np.array([[1.0] * len(goals) + [0.0] * len(classes)]), fallback.goals, np.inf
        ),
    ]
    if rows:
        link = coo_array(
            (np.tile([1.0, -1.0], rows), (np.repeat(np.arange(rows), 2), pairs.reshape(-1))),
            shape=(rows, width),
        )
        constraints.append(LinearConstraint(link.tocsr(), 0.0, np.inf))
    started = time.perf_counter()
    found = milp(
        -np.array([1.0] * len(goals) + [0.0] * len(classes)),
        constraints=constraints,
        integrality=np.ones(width, dtype=np.int64),
        bounds=Bounds(0, 1),
        options={
            "node_limit": NODE_LIMIT,
            "time_limit": p.time_limit,
            "disp": False,
            "presolve": False,
        },
    )
    timed_out = found.status == 1 and time.perf_counter() - started >= p.time_limit
    if found.x is None:
        return fallback._replace(timed_out=timed_out) if timed_out else fallback
    chosen = [g for g in goals if found.x[column[g]] > 0.5]
    kept = frozenset(chosen).union(*(p.ancestors[g] for g in chosen))
    choice = GoalChoice(kept, len(chosen), found.status == 0, timed_out)  # 0: optimal
    return choice if choice.goals >= fallback.goals else fallback._replace(timed_out=timed_out)
