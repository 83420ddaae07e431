"""Property tests of the planner on random DAGs written as YAML and loaded for real."""

import itertools

import networkx as nx
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph import load_graph
from graph.taxonomy import Track
from planner.budget import fit_budget, score
from planner.budget.branch_and_bound import exact_fit
from planner.budget.integer_program import solve
from planner.errors import PlanError
from planner.items import with_deps
from planner.order import post_order, rank_function
from planner.plan import make_plan
from planner.request import PlanRequest
from planner.tracks import build_items

PROPERTY = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
PRIORITIES = ["essential", "important", "optional"]


@st.composite
def graphs(draw, max_concepts=12, max_papers=4):
    """A random DAG of concepts c0..cN (edges only from lower to higher index) and papers."""
    n = draw(st.integers(2, max_concepts))
    minutes = draw(st.lists(st.integers(1, 60), min_size=n, max_size=n))
    pairs = [(i, j) for j in range(n) for i in range(j)]
    edges = draw(st.lists(st.sampled_from(pairs), unique=True, max_size=2 * n))
    concepts = [
        {
            "id": f"c{j}",
            "title": f"Concept {j}",
            "summary": "Generated.",
            "category": "deep-learning",
            "level": "beginner",
            "minutes": minutes[j],
            "requires": sorted({f"c{i}" for i, k in edges if k == j}),
            "demo": f"c{j}",
        }
        for j in range(n)
    ]
    papers = []
    for p in range(draw(st.integers(0, max_papers))):
        skim = draw(st.integers(5, 30))
        selective = skim + draw(st.integers(1, 60))
        close = selective + draw(st.integers(1, 90))
        papers.append(
            {
                "id": f"p{p}",
                "title": f"Paper {p}",
                "first_author": "Ada Lovelace",
                "year": 2017,
                "arxiv": f"1706.{p + 10000}",
                "venue": "NeurIPS 2017",
                "priority": draw(st.sampled_from(PRIORITIES)),
                "phase": "later",
                "depth": draw(st.sampled_from(["close", "selective", "skim"])),
                "advice": "Read it.",
                "minutes": {"close": close, "selective": selective, "skim": skim},
                "teaches": [f"c{draw(st.integers(0, n - 1))}"],
                "requires": [f"p{q}" for q in range(p) if draw(st.booleans())],
            }
        )
    return concepts, papers


def load(tmp_path, concepts, papers):
    (tmp_path / "concepts.yaml").write_text(yaml.safe_dump(concepts, sort_keys=False))
    (tmp_path / "papers.yaml").write_text(yaml.safe_dump(papers, sort_keys=False))
    return load_graph(tmp_path, cache_dir=None)


def requires_graph(graph):
    return nx.DiGraph(
        (u, v) for u, v, kind in graph.digraph.edges(data="kind") if kind == "requires"
    )


def subsets(draw, ids, most):
    return draw(st.lists(st.sampled_from(ids), unique=True, max_size=most))


@PROPERTY
@given(spec=graphs(), data=st.data(), implies=st.booleans())
def test_closure_is_the_ancestors_minus_known_in_prerequisite_order(tmp_path, spec, data, implies):
    graph = load(tmp_path, *spec)
    ids = sorted(graph.concepts)
    goals = data.draw(st.lists(st.sampled_from(ids), unique=True, min_size=1, max_size=3))
    known = [k for k in subsets(data.draw, ids, 4) if k not in goals]
    requires = requires_graph(graph)
    requires.add_nodes_from(ids)
    known_all = (
        set(known).union(*(nx.ancestors(requires, k) for k in known)) if implies else set(known)
    )
    request = PlanRequest(goals=goals, known=known, known_implies_prerequisites=implies)
    if any(g in known_all for g in goals):
        with pytest.raises(PlanError):
            make_plan(graph, request)
        return
    plan = make_plan(graph, request)
    wanted = set(goals).union(*(nx.ancestors(requires, g) for g in goals)) - known_all
    assert {s.id for s in plan.steps} == wanted
    position = {s.id: s.number for s in plan.steps}
    for step in plan.steps:
        for prerequisite in requires.predecessors(step.id):
            if prerequisite in position:
                assert position[prerequisite] < step.number
    assert plan.minutes == plan.full_minutes == sum(s.minutes for s in plan.steps)
    assert plan.fits and plan.dropped == ()


@PROPERTY
@given(spec=graphs(), data=st.data(), track=st.sampled_from(list(Track)))
def test_a_budgeted_plan_stays_within_budget_closed_and_deterministic(tmp_path, spec, data, track):
    graph = load(tmp_path, *spec)
    goals = data.draw(st.lists(st.sampled_from(sorted(graph.concepts)), unique=True, min_size=1))
    whole = make_plan(graph, PlanRequest(goals=goals, track=track))
    budget = data.draw(st.integers(1, max(1, whole.full_minutes)))
    request = PlanRequest(goals=goals, track=track, budget_minutes=budget)
    items = build_items(graph, list(whole.goals), set(), track, False)
    cheapest = min(
        sum(items[n].options[-1].minutes for n in with_deps(items, [goal]))
        for goal, item in items.items()
        if item.goal
    )
    if cheapest > budget:  # no goal fits at all: a clear error, not an empty plan
        with pytest.raises(PlanError) as caught:
            make_plan(graph, request)
        assert caught.value.field == "budget" and "nothing fits" in caught.value.message
        return
    plan = make_plan(graph, request)
    assert plan.minutes <= budget and any(s.goal for s in plan.steps)
    assert plan.full_minutes == whole.full_minutes
    assert plan.fits == (whole.full_minutes <= budget)
    kept = {s.id for s in plan.steps}
    for step in plan.steps:
        assert set(items[step.id].deps) <= kept, step.id
    assert {d.id for d in plan.dropped} == set(items) - kept
    assert make_plan(graph, request) == plan
    assert make_plan(load_graph(tmp_path, cache_dir=None), request) == plan


def brute_force(items, topo, budget):
    """Every prerequisite-closed choice of items and depths; the best score."""
    best = None
    choices = [range(-1, len(items[n].options)) for n in topo]
    for combo in itertools.product(*choices):
        chosen = {n: k for n, k in zip(topo, combo, strict=True) if k >= 0}
        if any(d not in chosen for n in chosen for d in items[n].deps):
            continue
        if sum(items[n].options[k].minutes for n, k in chosen.items()) > budget:
            continue
        found = score(items, chosen)
        best = found if best is None or found > best else best
    return best


def instance(graph, data, track):
    goals = data.draw(st.lists(st.sampled_from(sorted(graph.concepts)), unique=True, min_size=1))
    items = build_items(graph, goals, set(), track, False)
    rank = rank_function(graph)
    topo = post_order(items, goals, rank)
    full = sum(i.options[0].minutes for i in items.values())
    return items, topo, data.draw(st.integers(1, max(1, full)))


@PROPERTY
@given(
    spec=graphs(max_concepts=9, max_papers=3), data=st.data(), track=st.sampled_from(list(Track))
)
def test_budget_fit_equals_the_brute_force_optimum(tmp_path, spec, data, track):
    graph = load(tmp_path, *spec)
    items, topo, budget = instance(graph, data, track)
    if (
        len(items) > 15
        or 4 ** sum(len(i.options) > 1 for i in items.values()) * 2 ** len(items) > 5e5
    ):
        return  # keep the enumeration small
    fit = fit_budget(items, topo, budget)
    assert score(items, fit.choice) == brute_force(items, topo, budget)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    spec=graphs(max_concepts=12, max_papers=4), data=st.data(), track=st.sampled_from(list(Track))
)
def test_branch_and_bound_and_the_integer_program_agree(tmp_path, spec, data, track):
    graph = load(tmp_path, *spec)
    items, topo, budget = instance(graph, data, track)
    exact = exact_fit(items, topo, budget, node_limit=10**6)
    assert exact is not None
    assert score(items, exact) == score(items, solve(items, topo, budget, time_limit=None)[0])
