"""Planner benchmark: speed on the real and synthetic graphs, and the budget fit's quality.

Everything compared is measured side by side in one run, alternating, so that
machine noise hits both sides alike. Four figures, with their targets:

1. plan p50 on the built-in graph, over realistic requests (target < 1 ms);
2. the full planner with a binding budget against a bare closure plus a networkx
   topological sort of the same goals (target <= 1.5x);
3. on deterministic synthetic graphs of 1,000 concepts (closures above the exact
   limit, so the relaxation-guided search and the greedy run): the fit's value
   over the exact optimum from the integer program (target >= 0.995), and its
   time against the exact solver's;
4. plan p50 on a 100,000-concept synthetic graph (target < 50 ms).

    .venv/bin/python bench/plan.py
    .venv/bin/python bench/plan.py --quick     # fewer repeats, no 100k graph
"""

import argparse
import random
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import networkx as nx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.load import generate
from graph import KnowledgeGraph, check, load_graph
from graph.taxonomy import Track
from planner.budget import fit_budget, full_minutes, score
from planner.integer_program import solve
from planner.items import build_items
from planner.order import post_order, rank_function
from planner.plan import make_plan
from planner.request import PlanRequest

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / ".data"


def p50(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def requires_digraph(graph: KnowledgeGraph) -> nx.DiGraph:
    return nx.DiGraph(
        (u, v) for u, v, kind in graph.digraph.edges(data="kind") if kind == "requires"
    )


def real_requests(graph: KnowledgeGraph) -> list[PlanRequest]:
    """Every concept with prerequisites as a goal on both tracks, and the presets."""
    requests = [
        PlanRequest(goals=[cid], track=track)
        for cid, concept in sorted(graph.concepts.items())
        if concept.requires
        for track in Track
    ]
    return requests + [PlanRequest(goals=[pid]) for pid in graph.paths]


def bench_real(repeats: int) -> None:
    graph = load_graph(ROOT)
    requests = real_requests(graph)
    per_request = [p50(lambda r=r: make_plan(graph, r), repeats) for r in requests]
    median, p90 = statistics.median(per_request), sorted(per_request)[len(per_request) * 9 // 10]
    print(
        f"1. built-in graph: {len(requests)} requests, plan p50 {_ms(median)} "
        f"(p90 {_ms(p90)}); target < 1 ms"
    )

    requires = requires_digraph(graph)
    budgeted, bare = [], []
    for request in requests[: -len(graph.paths)]:
        full = make_plan(graph, request).full_minutes
        tight = request.model_copy(update={"budget_minutes": max(1, full * 6 // 10)})
        goal = request.goals[0]

        def baseline(goal: str = goal) -> list[str]:
            needed = nx.ancestors(requires, goal) | {goal}
            return list(nx.topological_sort(requires.subgraph(needed)))

        for _ in range(2):  # alternate the two sides
            budgeted.append(p50(lambda t=tight: make_plan(graph, t), repeats))
            bare.append(p50(baseline, repeats))
    ratio = statistics.median(budgeted) / statistics.median(bare)
    print(
        f"2. planner with a 60% budget p50 {_ms(statistics.median(budgeted))} vs bare closure + "
        f"topological sort {_ms(statistics.median(bare))}: {ratio:.2f}x; target <= 1.5x"
    )


def bench_fit_quality(seeds: int) -> None:
    ratios, goals_equal, fit_times, exact_times, sizes = [], 0, [], [], []
    methods: Counter[str] = Counter()
    for seed in range(seeds):
        directory = DATA / f"plan-1000-{seed}"
        if not (directory / "concepts.yaml").exists():
            directory.mkdir(parents=True, exist_ok=True)
            generate(1000 + seed, directory)
        graph = load_graph(directory)
        rng = random.Random(seed)
        last = sorted(graph.concepts)[-100:]
        goals = rng.sample(last, 3)
        items = build_items(graph, goals, set(), Track.LIGHTWEIGHT, False)
        topo = post_order(items, goals, rank_function(graph))
        for share in (0.25, 0.5, 0.75):
            budget = int(full_minutes(items) * share)
            start = time.perf_counter()
            fit = fit_budget(items, topo, budget)
            fit_times.append(time.perf_counter() - start)
            start = time.perf_counter()
            exact = solve(items, topo, budget)
            exact_times.append(time.perf_counter() - start)
            methods[fit.method] += 1
            got, best = score(items, fit.choice), score(items, exact)
            goals_equal += got.goals == best.goals
            ratios.append((got.weight + got.depth) / (best.weight + best.depth))
            sizes.append(len(items))
    print(
        f"3. 1,000-concept graphs, {len(ratios)} fits of {min(sizes)}-{max(sizes)} items "
        f"({', '.join(f'{m} {k}' for m, k in sorted(methods.items()))}): "
        f"value / exact optimum min {min(ratios):.4f}, "
        f"median {statistics.median(ratios):.4f}; goals reached equal in "
        f"{goals_equal}/{len(ratios)}; time {_ms(statistics.median(fit_times))} vs the "
        f"integer program's {_ms(statistics.median(exact_times))} "
        f"({statistics.median(exact_times) / statistics.median(fit_times):.0f}x faster); "
        "target >= 0.995"
    )


def generate_clustered(size: int, directory: Path) -> None:
    """Topics of 100 concepts (10 layers of 10) over a shared foundation of 10 topics.

    A concept needs one to three of the layer below in its own topic; a topic's
    first layer needs one or two concepts from the foundation's top layers. So a
    goal's closure stays in the hundreds however large the graph grows, as a
    real curriculum's does.
    """
    rng = random.Random(size)
    topics = size // 100
    lines = []
    for t in range(topics):
        for layer in range(10):
            for k in range(10):
                n = t * 100 + layer * 10 + k
                if layer:
                    below = [t * 100 + (layer - 1) * 10 + j for j in range(10)]
                    needs = rng.sample(below, rng.randint(1, 3))
                elif t >= 10:
                    foundation = rng.randrange(10)
                    needs = [foundation * 100 + 90 + j for j in rng.sample(range(10), 2)]
                else:
                    needs = []
                reqs = ", ".join(f"c{m:06d}" for m in needs)
                minutes = rng.randint(5, 60)
                lines.append(
                    f"- id: c{n:06d}\n  title: Concept {n}\n  summary: Generated.\n"
                    f"  category: deep-learning\n  level: beginner\n  minutes: {minutes}\n"
                    f"  requires: [{reqs}]\n  demo: c{n:06d}\n"
                )
    (directory / "concepts.yaml").write_text("".join(lines))


def bench_large(repeats: int) -> None:
    directory = DATA / "plan-100000"
    if not (directory / "concepts.yaml").exists():
        directory.mkdir(parents=True, exist_ok=True)
        generate_clustered(100_000, directory)
    result = check(directory)
    assert result.graph is not None, result.diagnostics[:3]
    graph = result.graph
    rng = random.Random(7)
    goals = [f"c{rng.randrange(1000, 100_000) // 100 * 100 + 95:06d}" for _ in range(20)]
    whole, budgeted, sizes = [], [], []
    for goal in goals:
        request = PlanRequest(goals=[goal])
        sizes.append(len(make_plan(graph, request).steps))
        whole.append(p50(lambda r=request: make_plan(graph, r), repeats))
        full = make_plan(graph, request).full_minutes
        tight = PlanRequest(goals=[goal], budget_minutes=full // 2)
        budgeted.append(p50(lambda r=tight: make_plan(graph, r), repeats))
    print(
        f"4. 100,000-concept graph: 40 requests ({min(sizes)}-{max(sizes)} steps, half with a "
        f"50% budget), plan p50 {_ms(statistics.median(whole + budgeted))} (without a budget "
        f"{_ms(statistics.median(whole))}, with one {_ms(statistics.median(budgeted))}, "
        f"slowest {_ms(max(budgeted))}); target < 50 ms"
    )


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats; skip 100k")
    args = parser.parse_args()
    repeats = 5 if args.quick else 25
    bench_real(repeats)
    bench_fit_quality(2 if args.quick else 5)
    if not args.quick:
        bench_large(5)


if __name__ == "__main__":
    main()
