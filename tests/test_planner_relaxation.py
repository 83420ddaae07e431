"""The large-instance budget fit: the relaxation, the core search and the two together.

Pure parts are checked against brute force and PuLP's LP on random small DAGs;
the whole path is forced onto small real-YAML instances (EXACT_LIMIT patched to
0) and checked against brute force, and run as is on a generated 1,007-concept
graph against the integer program.
"""

import itertools
import random
from bisect import bisect_right
from fractions import Fraction

import pulp
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import planner.budget as budget_module
from bench.load import generate
from graph import load_graph
from graph.taxonomy import StudyDepth, Track
from planner.budget import fit_budget, full_minutes, greedy, score
from planner.budget.core_search import CoreSearch, NodeLimit
from planner.budget.goal_search import most_goals
from planner.budget.greedy import Greedy
from planner.budget.integer_program import cbc, solve
from planner.budget.problem import Problem
from planner.budget.relaxation import max_closure, relax
from planner.items import Item, Option
from planner.order import post_order, rank_function
from planner.tracks import build_items
from tests.test_planner_properties import PROPERTY, brute_force, graphs, instance, load

FAST = settings(max_examples=150, deadline=None)


@st.composite
def dags(draw, most=9):
    """Items 0..n-1 in topological order: each needs some earlier ones."""
    n = draw(st.integers(1, most))
    deps = [sorted(draw(st.sets(st.integers(0, i - 1), max_size=3))) if i else [] for i in range(n)]
    return n, deps


@st.composite
def knapsacks(draw, most_value):
    """A random DAG with a value (1..most_value) and minutes (1..30) per item."""
    n, deps = draw(dags())
    value = draw(st.lists(st.integers(1, most_value), min_size=n, max_size=n))
    cost = draw(st.lists(st.integers(1, 30), min_size=n, max_size=n))
    return n, deps, value, cost


def closed_sets(n, deps):
    """Every set of items that holds the deps of each member."""
    for bits in range(1 << n):
        chosen = {i for i in range(n) if bits >> i & 1}
        if all(set(deps[i]) <= chosen for i in chosen):
            yield frozenset(chosen)


@FAST
@given(dag=dags(), data=st.data())
def test_max_closure_is_the_smallest_heaviest_closed_set(dag, data):
    n, deps = dag
    weight = data.draw(st.lists(st.integers(-20, 20), min_size=n, max_size=n))
    found = max_closure(dict(enumerate(weight)), dict(enumerate(deps)))
    best = max(sum(weight[i] for i in s) for s in closed_sets(n, deps))
    heaviest = [s for s in closed_sets(n, deps) if sum(weight[i] for i in s) == best]
    assert found == frozenset.intersection(*heaviest)  # the smallest of them


def lp_optimum(n, deps, value, cost, budget):
    """The relaxation solved as a linear program by CBC, for comparison."""
    problem = pulp.LpProblem("relaxation", pulp.LpMaximize)
    x = [problem.add_variable(f"x{i}", 0, 1) for i in range(n)]
    problem += pulp.lpSum(v * xi for v, xi in zip(value, x, strict=True))
    problem += pulp.lpSum(c * xi for c, xi in zip(cost, x, strict=True)) <= budget
    for i in range(n):
        for d in deps[i]:
            problem += x[i] <= x[d]
    problem.solve(cbc())
    return pulp.value(problem.objective) or 0


@settings(max_examples=60, deadline=None)
@given(knapsack=knapsacks(most_value=5), data=st.data())
def test_relaxation_is_the_linear_programs_optimum_and_bounds_every_fit(knapsack, data):
    n, deps, value, cost = knapsack
    budget = data.draw(st.integers(0, sum(cost)))
    found = relax(range(n), value, cost, deps, budget)
    for part in (found.inside, found.around):
        assert all(set(deps[i]) <= part for i in part)
    assert found.inside <= found.around
    assert sum(cost[i] for i in found.inside) <= budget
    assert sum(cost[i] for i in found.around) > budget or found.around == set(range(n))
    assert float(found.bound) == pytest.approx(lp_optimum(n, deps, value, cost, budget), abs=1e-6)
    fits = [s for s in closed_sets(n, deps) if sum(cost[i] for i in s) <= budget]
    assert max(sum(value[i] for i in s) for s in fits) <= found.bound


def test_relaxation_of_a_small_example():
    # Item 0 (10 min) is needed by 1 (20 min) and 2 (30 min): 0 and 1 fit in 35 with
    # 5 minutes to spare, a sixth of item 2.
    found = relax(range(3), [1, 1, 1], [10, 20, 30], [[], [0], [0]], 35)
    assert (found.inside, found.around) == ({0, 1}, {0, 1, 2})
    assert found.bound == Fraction(13, 6)


@FAST
@given(knapsack=knapsacks(most_value=4), data=st.data())
def test_core_search_drops_exactly_when_a_drop_exists(knapsack, data):
    n, deps, value, cost = knapsack
    free = data.draw(st.integers(1, sum(cost)))
    allowance = data.draw(st.integers(0, sum(value)))
    users = {i: {j for j in range(n) if i in deps[j]} for i in range(n)}
    # A drop is closed upwards: its complement is a closed set.
    drops = [frozenset(range(n)) - s for s in closed_sets(n, deps)]
    valid = [
        d
        for d in drops
        if sum(value[i] for i in d) <= allowance and sum(cost[i] for i in d) >= free
    ]
    found = CoreSearch(range(n), value, cost, deps, node_limit=10**6).drop(free, allowance)
    if not valid:
        assert found is None
    else:
        assert found is not None
        assert all(users[i] <= found for i in found)
        assert sum(value[i] for i in found) <= allowance
        assert sum(cost[i] for i in found) >= free


def test_core_search_goes_deeper_than_the_recursion_limit():
    # Freeing 10,500 minutes from 1,100 items of 10 takes 1,050 drops in a row.
    n = 1100
    found = CoreSearch(range(n), [1] * n, [10] * n, [[]] * n, node_limit=2000).drop(10500, 1050)
    assert found is not None and len(found) == 1050


def test_core_search_stops_at_its_node_limit():
    # Freeing 15 minutes takes both items, so the search branches past its first node.
    with pytest.raises(NodeLimit):
        CoreSearch(range(2), [1, 1], [10, 10], [[], []], node_limit=1).drop(15, 2)
    assert CoreSearch(range(2), [1, 1], [10, 10], [[], []], node_limit=3).drop(15, 2) == {0, 1}


@settings(PROPERTY, max_examples=200)
@given(spec=graphs(), data=st.data(), track=st.sampled_from(list(Track)))
def test_the_large_instance_fit_on_small_instances(tmp_path, spec, data, track, monkeypatch):
    """Forced onto small instances, the large path stays valid, reaches as many goals
    and as much weight as the greedy, and whenever it claims the relaxation's bound
    it has the best goals and weight, and whenever it claims its goals, the most goals."""
    monkeypatch.setattr(budget_module, "EXACT_LIMIT", 0)
    graph = load(tmp_path, *spec)
    items, topo, budget = instance(graph, data, track)
    fit = fit_budget(items, topo, budget)
    chosen = fit.choice
    assert all(set(items[n].deps) <= set(chosen) for n in chosen)
    assert sum(items[n].options[k].minutes for n, k in chosen.items()) <= budget
    got = score(items, chosen)
    assert got[:2] >= score(items, greedy(items, topo, budget))[:2]
    assert fit_budget(items, topo, budget) == fit  # deterministic
    if fit.method in ("relaxation", "goals") and len(items) <= 12:
        best = brute_force(items, topo, budget)
        proven = 2 if fit.method == "relaxation" else 1  # goals and weight, or goals
        assert got[:proven] == best[:proven]


@settings(PROPERTY, max_examples=200)
@given(spec=graphs(), data=st.data(), track=st.sampled_from(list(Track)))
def test_the_goal_search_reaches_the_most_goals_that_fit_together(tmp_path, spec, data, track):
    """The goal search's choice is closed and within the budget, never below the greedy's
    goals, and, when it says it is proven, reaches as many goals as any closed set."""
    graph = load(tmp_path, *spec)
    items, topo, budget = instance(graph, data, track)
    p = Problem(items, topo)
    start = Greedy(p, budget)
    start.goals()
    choice = most_goals(p, p.affordable(budget), budget, frozenset(start.kept))
    assert all(set(p.deps[i]) <= choice.kept for i in choice.kept)
    assert sum(p.least[i] for i in choice.kept) <= budget
    assert choice.goals == sum(p.goal[i] for i in choice.kept) >= sum(p.goal[i] for i in start.kept)
    if choice.proven and len(topo) <= 14:
        fitting = (
            s for s in closed_sets(len(topo), p.deps) if sum(p.least[i] for i in s) <= budget
        )
        assert choice.goals == max(sum(p.goal[i] for i in s) for s in fitting)


@pytest.fixture(scope="module")
def layered(tmp_path_factory):
    directory = tmp_path_factory.mktemp("layered")
    generate(1007, directory)  # not one of bench/plan.py's graphs
    return load_graph(directory, cache_dir=None)


@pytest.mark.parametrize("share", [0.25, 0.5])
def test_large_fits_on_a_generated_graph_match_the_integer_program(layered, share):
    goals = random.Random(7).sample(sorted(layered.concepts)[-100:], 3)
    items = build_items(layered, goals, set(), Track.LIGHTWEIGHT, False)
    assert len(items) > budget_module.EXACT_LIMIT
    topo = post_order(items, goals, rank_function(layered))
    budget = int(full_minutes(items) * share)
    fit = fit_budget(items, topo, budget)
    got, best = (
        score(items, fit.choice),
        score(items, solve(items, topo, budget, time_limit=None)[0]),
    )
    assert fit.method in {"relaxation", "greedy"}
    assert got.goals == best.goals
    if fit.method == "relaxation":
        assert got.weight == best.weight
    else:  # within one concept of the optimum
        assert got.weight >= best.weight - 2
    assert got.weight >= score(items, greedy(items, topo, budget)).weight


def test_brute_force_helper_enumerates_closed_sets():
    assert sorted(map(sorted, closed_sets(3, [[], [0], [0, 1]]))) == [[], [0], [0, 1], [0, 1, 2]]
    assert list(itertools.islice(closed_sets(1, [[]]), 3)) == [frozenset(), frozenset({0})]


def test_two_long_chains_keep_the_longest_prefixes_that_fit_together():
    # 1,400 items in two chains, each needing the one before: the best fit keeps the
    # longest prefix of each that fits together, and the relaxation proves it.
    items = {
        f"c{c}-{i}": Item(
            f"c{c}-{i}",
            "concept",
            (Option(StudyDepth.STUDY, 10 + i * (c + 3) % 7),),
            2,
            False,
            (f"c{c}-{i - 1}",) if i else (),
            (f"c{c}-{i}",),
        )
        for c in range(2)
        for i in range(700)
    }
    budget = sum(item.options[0].minutes for item in items.values()) // 3
    fit = fit_budget(items, list(items), budget)
    prefix = [
        list(itertools.accumulate(10 + i * (c + 3) % 7 for i in range(700))) for c in range(2)
    ]
    best = max(
        a + bisect_right(prefix[1], budget - (prefix[0][a - 1] if a else 0))
        for a in range(701)
        if (prefix[0][a - 1] if a else 0) <= budget
    )
    assert fit.method == "relaxation"
    assert len(fit.choice) == best
    assert all(set(items[n].deps) <= set(fit.choice) for n in fit.choice)
