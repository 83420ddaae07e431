"""The planner's entry point: a request and the graph in, an ordered, fitted plan out."""

import time
from collections import deque
from dataclasses import dataclass
from typing import NamedTuple

from graph import KnowledgeGraph
from graph.material import Material, total_minutes
from graph.nodes import LearningPath
from graph.taxonomy import ReadingDepth, StudyDepth, Track
from planner.budget import Fit, fit_budget, full_minutes, least_minutes
from planner.budget.problem import TIME_LIMIT_S
from planner.durations import format_minutes
from planner.errors import ErrorCode, PlanError
from planner.items import CONCEPT, Depth, Item
from planner.material import once, paper_checklist, paper_material
from planner.order import Rank, post_order, rank_function
from planner.preset import Section, only_the_path, sections, skipped
from planner.progress import (
    FINISHED,
    Progress,
    StepStatus,
    finished_minutes,
    held,
    marks,
    study_order,
    summary,
)
from planner.request import PlanRequest
from planner.resolve import resolve
from planner.schedule import Schedule, schedule
from planner.tracks import build_items

MIN_REFIT_S = 0.05
"""The least solver clock a progress refit gets, however long the first fit took: enough
for the exact searches of a plan's size; past it the refit keeps the greedy's answer."""


class Step(NamedTuple):
    number: int
    id: str
    kind: str  # concept or paper
    title: str
    minutes: int  # the minutes of its material, all of it
    depth: Depth  # studied at: overview, study, deep; a paper read close, selective, skim
    called_for: Depth  # the depth asked for: the request's, or the one the paper calls for
    goal: bool
    why: tuple[str, ...]  # this step -> ... -> the goal it serves
    material: tuple[Material, ...]  # what the step assigns, each with its minutes
    advice: str | None  # papers: what to focus on while reading
    link: str | None  # papers: where to read it
    demo: str | None
    activity: str | None
    covers: tuple[str, ...]  # the concepts studied in this step (a paper: those it stands for)
    checklist: tuple[str, ...]
    added: bool = False  # a preset: a prerequisite its source skips, added by complete
    status: StepStatus = StepStatus.TODO  # the learner's progress on it


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
    depth: StudyDepth  # the depth asked for
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
    # A preset: the source's steps over the plan's, its stated times, what it skips.
    sections: tuple[Section, ...] = ()
    source_minutes: int | None = None  # the total of the source's step times
    stated_minutes: tuple[int, int] | None = None  # the total the source states
    skipped: tuple[str, ...] = ()  # prerequisites the source skips (added when complete)
    # where the source's order runs against the graph: (step, a prerequisite it studies later)
    against_graph: tuple[tuple[str, str], ...] = ()
    moved: tuple[str, ...] = ()  # complete: covered steps brought before their source step
    progress: Progress | None = None  # time done and left; None: the request marks nothing


def _default_track(graph: KnowledgeGraph, goals: list[str]) -> Track:
    """A goal that is a paper asks to read it: the paper track; else the lightweight one."""
    return Track.PAPER if any(g in graph.papers for g in goals) else Track.LIGHTWEIGHT


def _check_track(graph: KnowledgeGraph, track: Track, goals: list[str]) -> None:
    """The lightweight track studies concepts: a paper goal there is a contradiction."""
    if track is not Track.LIGHTWEIGHT:
        return
    for goal in goals:
        if goal in graph.papers:
            teaches = graph.papers[goal].teaches
            raise PlanError(
                "goals",
                f"{goal!r} is a paper, and the lightweight track studies concepts: read it on "
                "the paper track, or aim for what it teaches"
                + (f" ({', '.join(teaches)})" if teaches else ""),
                teaches,
                code=ErrorCode.CONFLICT,
                value=goal,
            )


def make_plan(graph: KnowledgeGraph, request: PlanRequest) -> Plan:
    """Plan ``request`` on ``graph``; raises PlanError on a request it cannot serve."""
    resolved = resolve(graph, request)
    path = graph.paths[resolved.preset] if resolved.preset else None
    track = request.track or (path.track if path else _default_track(graph, resolved.goals))
    _check_track(graph, track, resolved.goals)
    items = build_items(
        graph,
        resolved.goals,
        resolved.known,
        track,
        request.include_recommended,
        request.depth,
    )
    skips: list[str] = []
    against: list[tuple[str, str]] = []
    if path is not None:
        skips = sorted(skipped(items, path), key=graph.study_order.__getitem__)
        if not request.complete:
            items, against = only_the_path(items, path)
    rank = rank_function(graph, path.ids if path else ())
    starts = _goal_items(graph, resolved.goals, items, rank)
    topo = post_order(items, starts, rank)
    started = time.perf_counter()
    fit = fit_budget(items, topo, request.budget_minutes)
    if request.budget_minutes is not None and not any(items[n].goal for n in fit.choice):
        raise PlanError("budget", _too_small(graph, items, request.budget_minutes))
    marked = marks(request)
    status = {n: s for n, s in marked.items() if n in fit.choice}  # progress on the plan's steps
    finished = [n for n, s in status.items() if s in FINISHED]
    studied = items  # each item's options, as the fit's choice indexes them
    if request.budget_minutes is not None and finished:  # fit what is left to the budget left
        done = [n for n in finished if status[n] is StepStatus.DONE]
        left = max(0, request.budget_minutes - finished_minutes(items, fit.choice, done))
        studied = held(items, fit.choice, finished)
        # One request, one solver clock: the second fit gets what the first left of it.
        spent = time.perf_counter() - started
        refit = fit_budget(studied, topo, left, max(MIN_REFIT_S, TIME_LIMIT_S - spent))
        fit = Fit({**refit.choice, **{n: 0 for n in finished}}, refit.method)
    kept = [node for node in topo if node in fit.choice]
    why = _why_chains(graph, items, kept, starts, resolved.goals, rank)
    steps = once(graph, _steps(graph, items, kept, fit, why, request.depth, studied))
    if request.complete and skips:
        steps = [s._replace(added=s.id in skips) for s in steps]
    if status:
        steps = [s._replace(status=status.get(s.id, StepStatus.TODO)) for s in steps]
    if request.pace is not None and request.start is None:
        raise PlanError("start", "a schedule needs a start date (YYYY-MM-DD)")
    sessions = None
    if request.pace is not None and request.start is not None:
        to_study = study_order(steps, items) if status else steps
        sessions = schedule(
            [(s.id, s.minutes) for s in to_study],
            request.pace,
            request.start,
            request.at,
            request.timezone,
            numbers=[s.number for s in to_study],
        )
    return Plan(
        goals=tuple(resolved.goals),
        known=tuple(resolved.stated_known),
        track=track,
        depth=request.depth,
        preset=resolved.preset,
        budget_minutes=request.budget_minutes,
        fits=fit.method == "none",
        minutes=sum(s.minutes for s in steps),
        full_minutes=full_minutes(items),
        fit_method=fit.method,
        steps=tuple(steps),
        dropped=tuple(_dropped(graph, items, topo, fit, request.budget_minutes)),
        unreached_goals=tuple(n for n in topo if items[n].goal and n not in fit.choice),
        schedule=sessions,
        sections=sections(path, ((s.number, s.id, s.minutes) for s in steps)) if path else (),
        source_minutes=graph.path_source_minutes(path.id) if path else None,
        stated_minutes=path.stated_minutes if path else None,
        skipped=tuple(n for n in topo if n in skips) if request.complete else tuple(skips),
        against_graph=tuple(against),
        moved=_moved(path, [s.id for s in steps]) if path and request.complete else (),
        progress=summary(steps, [n for n in marked if n not in status]) if marked else None,
    )


def _moved(path: LearningPath, order: list[str]) -> tuple[str, ...]:
    """Covered ids that come before a covered id of an earlier source step."""
    place = {node: i for i, node in enumerate(path.ids)}
    covered = [n for n in order if n in place]
    return tuple(
        n for i, n in enumerate(covered) if any(place[m] < place[n] for m in covered[i + 1 :])
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
    asked: StudyDepth,
    studied: dict[str, Item],
) -> list[Step]:
    """The kept items as steps; a concept's called-for depth is the one the request asked.
    ``studied`` holds the options the fit's choice indexes (a finished step's are held)."""
    return [
        _step(
            graph,
            items[node],
            number,
            studied[node].options[fit.choice[node]].depth,
            asked if items[node].kind == CONCEPT else items[node].options[0].depth,
            why[node],
        )
        for number, node in enumerate(kept, start=1)
    ]


def _step(
    graph: KnowledgeGraph,
    item: Item,
    number: int,
    depth: Depth,
    called_for: Depth,
    why: tuple[str, ...],
) -> Step:
    """The step that studies ``item`` at ``depth``: its material, minutes and checklist."""
    node = item.id
    if item.kind == CONCEPT:
        concept = graph.concepts[node]
        chosen = concept.depths[depth]  # type: ignore[index]  # a concept's depth
        return Step(
            number=number,
            id=node,
            kind=item.kind,
            title=concept.title,
            minutes=chosen.minutes,
            depth=depth,
            called_for=called_for,
            goal=item.goal,
            why=why,
            material=chosen.material,
            advice=None,
            link=None,
            demo=concept.demo,
            activity=concept.activity,
            covers=item.covers,
            checklist=chosen.to_tick,
        )
    paper = graph.papers[node]
    assert isinstance(depth, ReadingDepth)
    checklist = paper_checklist(graph, paper, item.covers)
    material = paper_material(paper, depth, len(checklist))
    return Step(
        number=number,
        id=node,
        kind=item.kind,
        title=paper.title,
        minutes=total_minutes(material),
        depth=depth,
        called_for=called_for,
        goal=item.goal,
        why=why,
        material=material,
        advice=paper.advice,
        link=material[0].url,
        demo=None,
        activity=None,
        covers=item.covers,
        checklist=checklist,
    )


def _too_small(graph: KnowledgeGraph, items: dict[str, Item], budget: int) -> str:
    """Why no goal fits: the cheapest goal, with all it needs at the shallowest depths, and
    so the least budget that reaches a goal."""
    least = {node: least_minutes(items, node) for node, item in items.items() if item.goal}
    cheapest = min(least, key=lambda n: (least[n], n))
    needed = format_minutes(least[cheapest])
    return (
        f"nothing fits in {format_minutes(budget)}; the cheapest goal, "
        f"{graph.title_of(cheapest)}, needs {needed} with what it needs, each at its "
        f"shallowest depth: ask for at least {needed}"
    )


def _dropped(
    graph: KnowledgeGraph, items: dict[str, Item], topo: list[str], fit: Fit, budget: int | None
) -> list[Dropped]:
    """Every item left out, with why: something it needs was left out, it needs more than
    the whole budget, or it did not fit beside the steps that were kept."""
    out = []
    for node in topo:
        if node in fit.choice:
            continue
        item = items[node]
        missing = [d for d in item.deps if d not in fit.choice]
        # a goal, or an item whose deps were all kept: is it more than any fit could keep?
        weighed = budget is not None and (item.goal or not missing)
        least = least_minutes(items, node) if weighed else 0
        if budget is not None and least > budget:
            reason = (
                f"needs {format_minutes(least)} with what it needs, each at its shallowest "
                f"depth: more than the whole budget of {format_minutes(budget)}"
            )
        elif missing:
            reason = f"needs {missing[0]!r}, which was left out"
        else:
            reason = "did not fit in the budget alongside higher-priority steps"
        out.append(Dropped(node, item.kind, graph.title_of(node), item.options[0].minutes, reason))
    return out
