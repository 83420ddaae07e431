"""The exact budget fit as an integer program, for instances branch and bound finds hard.

PuLP with its bundled CBC solver. The lexicographic objective is solved in
stages (goals, then weight, then depth, then minutes), each stage holding the
previous optimum, which keeps every coefficient small and exact.
"""

import time
import warnings

import pulp

from planner.budget.problem import TIME_LIMIT_S
from planner.items import Item, depth_credit


def solve(
    items: dict[str, Item], topo: list[str], budget: int, time_limit: float | None = TIME_LIMIT_S
) -> tuple[dict[str, int], bool]:
    """The best choice of items and depths within ``budget``, and whether it is proven
    optimal (False when the stages ran out of ``time_limit`` seconds between them; then
    the values are whatever CBC held, not necessarily a feasible fit)."""
    problem = pulp.LpProblem("budget_fit", pulp.LpMaximize)
    pick = {
        node: [
            problem.add_variable(f"x{i}_{k}", cat=pulp.LpBinary)
            for k in range(len(items[node].options))
        ]
        for i, node in enumerate(topo)
    }
    kept = {node: pulp.lpSum(xs) for node, xs in pick.items()}
    for node in topo:
        problem += kept[node] <= 1
        for dep in items[node].deps:
            problem += kept[node] <= kept[dep]
    minutes = pulp.lpSum(
        o.minutes * x for node in topo for o, x in zip(items[node].options, pick[node], strict=True)
    )
    problem += minutes <= budget
    stages = [
        pulp.lpSum(kept[n] for n in topo if items[n].goal),
        pulp.lpSum(items[n].weight * kept[n] for n in topo),
        pulp.lpSum(
            depth_credit(items[n], o) * x
            for n in topo
            for o, x in zip(items[n].options, pick[n], strict=True)
        ),
        -minutes,
    ]
    deadline = None if time_limit is None else time.perf_counter() + time_limit
    proven = True
    for objective in stages:
        problem.setObjective(objective)
        left = None if deadline is None else max(0.05, deadline - time.perf_counter())
        problem.solve(cbc(left))
        if problem.sol_status != pulp.LpSolutionOptimal:  # stopped by the clock
            proven = False
            break
        best = round(pulp.value(objective) or 0)
        problem += objective >= best  # every stage's objective is integral
    chosen = {node: k for node in topo for k, x in enumerate(pick[node]) if (x.value() or 0) > 0.5}
    return chosen, proven


def cbc(time_limit: float | None = None) -> pulp.LpSolver:
    """The CBC binary that ships inside PuLP 3 wheels: no system package needed.

    PuLP 4 drops it (hence the pin below 4 in pyproject.toml), and warns about that here.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit)
