"""Fit a plan into a time budget: a precedence-constrained, multiple-choice knapsack.

Keep a prerequisite-closed set of items (nothing kept without its deps), each at
one of its depths, that maximises in this order: goals reached, priority-weighted
items kept, depth credit, then fewer minutes. Keeping an item outranks studying
one more deeply, so every step drops to a shallower depth before anything is
dropped. ``fit_budget`` picks the method; ``Fit.method`` says which ran and so
what the fit proves:

==================  ==================================  ===============================
method              runs when                           proves
==================  ==================================  ===============================
none                everything fits                     nothing to choose
exact               all that can be kept fits, or up    the optimum (``depths``, or
                    to EXACT_LIMIT items: branch and    ``branch_and_bound``)
                    bound within NODE_LIMIT nodes
integer-program     branch and bound ran out of nodes   the optimum (``integer_program``,
                                                        CBC, solved stage by stage)
relaxation          above EXACT_LIMIT items, when the   the most goals and weight; depth
                    core search meets the bound         and minutes are then exact for
                                                        the items kept (``large``)
goals               above EXACT_LIMIT, when the goal    the most goals; the weight is the
                    search proves its goals optimal     best found, not proven
greedy              above EXACT_LIMIT otherwise         nothing: the best of the goal
                                                        search, the relaxation's core
                                                        search and the greedy
time-limit          a solver (CBC or HiGHS) ran past    nothing: the best fit found
                    the fit's clock (``time_limit``,    in the time, or the greedy's
                    ``problem.TIME_LIMIT_S``), or less  when CBC was not started
                    than MIN_SOLVER_S was left for CBC
==================  ==================================  ===============================

Modules: ``problem`` (the items by position, ``Score``), ``depths`` (the exact
choice of depths for a fixed set of items), ``greedy``, ``branch_and_bound``,
``integer_program``, ``relaxation`` (the linear relaxation, by minimum cuts),
``core_search`` (what to drop from the relaxation's core), ``goal_search`` (the
most goals, by an integer program in HiGHS) and ``large`` (how those combine above the exact limit).
"""

from planner.budget.branch_and_bound import NODE_LIMIT, branch_and_bound
from planner.budget.depths import best_depths
from planner.budget.greedy import greedy, greedy_fit
from planner.budget.large import large_fit
from planner.budget.problem import (
    TIME_LIMIT_S,
    Fit,
    Problem,
    Score,
    full_minutes,
    least_minutes,
    score,
)
from planner.items import Item

__all__ = [
    "EXACT_LIMIT",
    "Fit",
    "Score",
    "fit_budget",
    "full_minutes",
    "greedy",
    "least_minutes",
    "score",
]

EXACT_LIMIT = 200

MIN_SOLVER_S = 0.1
"""The least clock worth giving CBC: starting it and building the model of a 20-item plan
takes 0.07-0.1 s of CPU (measured with psutil over the solver's process), before any search."""


def fit_budget(
    items: dict[str, Item], topo: list[str], budget: int | None, time_limit: float = TIME_LIMIT_S
) -> Fit:
    """The best prerequisite-closed choice within ``budget``; ``topo`` lists deps first.
    ``time_limit`` is the solvers' clock, in seconds (a second fit of one request gets
    what the first left)."""
    if budget is None or full_minutes(items) <= budget:
        return Fit({node: 0 for node in items}, "none")
    problem = Problem(items, topo, time_limit)
    affordable = problem.affordable(budget)
    if sum(problem.least[i] for i in affordable) <= budget:
        # All that can be kept at all fits together, so all of it is: only depths remain.
        return Fit(problem.named(best_depths(problem, affordable, budget)[2]), "exact")
    if len(items) > EXACT_LIMIT:
        choice, method = large_fit(problem, affordable, budget)
        return Fit(problem.named(choice), method)
    found = branch_and_bound(problem, budget, NODE_LIMIT)
    if found is not None:
        return Fit(problem.named(found), "exact")
    if time_limit >= MIN_SOLVER_S:  # with less clock left, CBC would not get past its start
        from planner.budget.integer_program import solve  # imports PuLP only when needed

        solved, proven = solve(items, topo, budget, time_limit)
        if proven:
            return Fit(solved, "integer-program")
    # CBC not started, or stopped by the clock (it may hold no feasible answer): the greedy's
    return Fit(problem.named(greedy_fit(problem, budget)), "time-limit")
