"""The planner's entry point: a request and the graph in, an ordered, fitted plan out."""

from collections import deque
from dataclasses import dataclass
from typing import NamedTuple

from graph import KnowledgeGraph
from graph.nodes import Resource
from graph.taxonomy import ReadingDepth, Track
from planner.budget import Fit, fit_budget, full_minutes
from planner.checklist import step_checklist
from planner.errors import PlanError
from planner.items import CONCEPT, Item, build_items
from planner.order import Rank, post_order, rank_function
from planner.request import PlanRequest
from planner.resolve import resolve
from planner.schedule import Schedule, schedule


class Step(NamedTuple):
    number: int
    id: str
    kind: str  # concept or paper
    title: str
    minutes: int
    depth: ReadingDepth | None  # papers: the depth to read at
    called_for: ReadingDepth | None  # papers: the depth the paper calls for
    goal: bool
    why: tuple[str, ...]  # this step -> ... -> the goal it serves
    resources: tuple[Resource, ...]
    link: str | None  # papers: where to read it
    demo: str | None
    activity: str | None
    checklist: tuple[str, ...]


class Dropped(NamedTuple):
    id: str
    kind: str
    title: str
    minutes: int
    reason: str


@dataclass(frozen=True)
class Plan:
    goals: tuple[str, ...]
    known: tuple[str, ...]
    track: Track
    preset: str | None
    budget_minutes: int | None
    fits: bool  # the whole path fits the budget (or there is none)
    minutes: int  # of the steps kept
    full_minutes: int  # of the whole path at the depths it calls for
    fit_method: str
    steps: tuple[Step, ...]
    dropped: tuple[Dropped, ...]
    unreached_goals: tuple[str, ...]
    schedule: Schedule | None


def make_plan(graph: KnowledgeGraph, request: PlanRequest) -> Plan:
    """Plan ``request`` on ``graph``; raises PlanError on a request it cannot serve."""
    resolved = resolve(graph, request)
    track = request.track or (
        graph.paths[resolved.preset].track if resolved.preset else Track.LIGHTWEIGHT
    )
    items = build_items(graph, resolved.goals, resolved.known, track, request.include_recommended)
    rank = rank_function(graph, graph.paths[resolved.preset].ids if resolved.preset else ())
    starts = _goal_items(graph, resolved.goals, items, rank)
    topo = post_order(items, starts, rank)
    fit = fit_budget(items, topo, request.budget_minutes)
    kept = [node for node in topo if node in fit.choice]
    why = _why_chains(graph, items, kept, starts, resolved.goals, rank)
    steps = _steps(graph, items, kept, fit, why)
    if request.pace is not None and request.start is None:
        raise PlanError("start", "a schedule needs a start date (YYYY-MM-DD)")
    sessions = None
    if request.pace is not None and request.start is not None:
        sessions = schedule([(s.id, s.minutes) for s in steps], request.pace, request.start)
    return Plan(
        goals=tuple(resolved.goals),
        known=tuple(resolved.stated_known),
        track=track,
        preset=resolved.preset,
        budget_minutes=request.budget_minutes,
        fits=fit.method == "none",
        minutes=sum(s.minutes for s in steps),
        full_minutes=full_minutes(items),
        fit_method=fit.method,
        steps=tuple(steps),
        dropped=tuple(_dropped(graph, items, topo, fit)),
        unreached_goals=tuple(n for n in topo if items[n].goal and n not in fit.choice),
        schedule=sessions,
    )


def _goal_items(
    graph: KnowledgeGraph, goals: list[str], items: dict[str, Item], rank: Rank
) -> list[str]:
    """The items that stand for the goals, in goal order (teachers of a goal concept by rank)."""
    out: list[str] = []
    for goal in goals:
        if goal in items:
            out.append(goal)
        else:  # a goal concept studied through the papers that teach it
            out.extend(sorted((p for p in graph.concepts[goal].papers if p in items), key=rank))
    return list(dict.fromkeys(out))


def _why_chains(
    graph: KnowledgeGraph,
    items: dict[str, Item],
    kept: list[str],
    starts: list[str],
    goals: list[str],
    rank: Rank,
) -> dict[str, tuple[str, ...]]:
    """For each kept item, the shortest chain of dependents that leads it to a goal.

    The chain may pass through items a budget left out: it says what the step
    was for, even when the plan cannot reach that goal. ``starts`` are the goal items.
    """
    chains: dict[str, tuple[str, ...]] = {}
    for start in starts:
        chains[start] = (start,)
        if start not in goals and start in graph.papers:  # a paper standing for goal concepts
            chains[start] += tuple(g for g in goals if g in graph.papers[start].teaches)
    queue = deque(starts)
    while queue:  # breadth first, so each chain is a shortest one
        node = queue.popleft()
        for dep in sorted(items[node].deps, key=rank):
            if dep not in chains:
                chains[dep] = (dep, *chains[node])
                queue.append(dep)
    return {node: chains.get(node, (node,)) for node in kept}  # (node,): serves no goal


def _steps(
    graph: KnowledgeGraph,
    items: dict[str, Item],
    kept: list[str],
    fit: Fit,
    why: dict[str, tuple[str, ...]],
) -> list[Step]:
    return [
        _step(graph, items, number, node, fit.choice[node], why[node])
        for number, node in enumerate(kept, start=1)
    ]


def _step(
    graph: KnowledgeGraph,
    items: dict[str, Item],
    number: int,
    node: str,
    choice: int,
    why: tuple[str, ...],
) -> Step:
    item = items[node]
    option = item.options[choice]
    checklist = step_checklist(graph, node, option.depth, items)
    if item.kind == CONCEPT:
        concept = graph.concepts[node]
        return Step(
            number=number,
            id=node,
            kind=item.kind,
            title=concept.title,
            minutes=option.minutes,
            depth=None,
            called_for=None,
            goal=item.goal,
            why=why,
            resources=concept.resources,
            link=None,
            demo=concept.demo,
            activity=concept.activity,
            checklist=checklist,
        )
    paper = graph.papers[node]
    return Step(
        number=number,
        id=node,
        kind=item.kind,
        title=paper.title,
        minutes=option.minutes,
        depth=option.depth,
        called_for=item.options[0].depth,
        goal=item.goal,
        why=why,
        resources=(),
        link=f"https://arxiv.org/abs/{paper.arxiv}" if paper.arxiv else paper.url,
        demo=None,
        activity=None,
        checklist=checklist,
    )


def _dropped(
    graph: KnowledgeGraph, items: dict[str, Item], topo: list[str], fit: Fit
) -> list[Dropped]:
    """Every item left out, with why: it did not fit, or something it needs was left out."""
    out = []
    for node in topo:
        if node in fit.choice:
            continue
        item = items[node]
        missing = [d for d in item.deps if d not in fit.choice]
        reason = (
            f"needs {missing[0]!r}, which was left out"
            if missing
            else "did not fit in the budget alongside higher-priority steps"
        )
        out.append(Dropped(node, item.kind, graph.title_of(node), item.options[0].minutes, reason))
    return out
