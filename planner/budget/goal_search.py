"""The most goals a fit can reach: a set-union knapsack, solved as a 0-1 program.

Reaching a set of goals costs exactly the minutes of their closures' union at the
shallowest depths, so which goals to reach is a knapsack over overlapping sets:
NP-hard, and where the greedy (cheapest missing closure first) falls short on
graphs shaped like real curricula, whose goals share long prerequisite chains
(up to 7 goals short on ``bench/plan.py``'s family). As a 0-1 program: x_i for
every item that can be kept at all, x_i <= x_d for each dep d, the least minutes
within the budget, at least the greedy's goals, the most goals.

SciPy's ``milp`` (HiGHS) proved the optimum on all 20 instances of that family,
in 22-460 ms (median about 40). OR-Tools' CP-SAT, tried first, took 50-2,300 ms
for the same answers; asking for the fewest minutes as a second objective
slowed HiGHS several times over, so the fit keeps just the chosen goals'
closures instead. A node limit (not a clock) keeps the answer the same on every
run; the greedy's goals are the floor.
"""

from dataclasses import dataclass

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_array

from planner.budget.problem import Problem

NODE_LIMIT = 20_000
"""Branch-and-bound nodes HiGHS may explore (the family's hardest needs a few hundred)."""


@dataclass(frozen=True)
class GoalChoice:
    kept: frozenset[int]  # the chosen goals with their closures: a closed set
    goals: int  # how many goals it reaches
    proven: bool  # no fit within the budget reaches more goals


def most_goals(p: Problem, affordable: list[int], budget: int, floor: frozenset[int]) -> GoalChoice:
    """The most goals that fit in ``budget`` together, kept with their closures.

    ``floor`` (a closed set within the budget: the greedy's goals) is the answer
    when the search finds no more goals than it reaches.
    """
    fallback = GoalChoice(floor, sum(p.goal[i] for i in floor), False)
    column = {i: k for k, i in enumerate(affordable)}
    # x_i - x_d <= 0 for each dep d of i (every dep of an affordable item is affordable).
    pairs = np.array([(column[i], column[d]) for i in affordable for d in p.deps[i]], dtype=int)
    rows = len(pairs)
    precedence = coo_array(
        (np.tile([1.0, -1.0], rows), (np.repeat(np.arange(rows), 2), pairs.reshape(-1))),
        shape=(rows, len(affordable)),
    )
    goal = np.array([1.0 if p.goal[i] else 0.0 for i in affordable])
    least = np.array([float(p.least[i]) for i in affordable])
    constraints = [
        LinearConstraint(least[np.newaxis, :], -np.inf, budget),
        LinearConstraint(goal[np.newaxis, :], fallback.goals, np.inf),
    ]
    if rows:
        constraints.append(LinearConstraint(precedence.tocsr(), -np.inf, 0.0))
    found = milp(
        -goal,
        constraints=constraints,
        integrality=np.ones(len(affordable)),
        bounds=Bounds(0, 1),
        options={"node_limit": NODE_LIMIT, "disp": False},
    )
    if found.x is None:
        return fallback
    goals = [i for i in affordable if p.goal[i] and found.x[column[i]] > 0.5]
    kept = frozenset(goals).union(*(p.ancestors[g] for g in goals))
    choice = GoalChoice(kept, len(goals), found.status == 0)  # 0: optimal
    return choice if choice.goals >= fallback.goals else fallback
