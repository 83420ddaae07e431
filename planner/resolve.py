"""Turn the ids of a request into graph nodes, or say clearly what is wrong with them."""

from dataclasses import dataclass

from graph import KnowledgeGraph
from graph.knowledge import NodeKind
from graph.suggest import suggest
from planner.errors import SETTING, ErrorCode, PlanError, Setting, shown
from planner.items import known_closure
from planner.request import PlanRequest


@dataclass(frozen=True)
class Resolved:
    goals: list[str]  # concept and paper ids, in the order asked (a preset in its own order)
    known: set[str]  # what counts as known, closed under requires by default
    stated_known: list[str]
    preset: str | None


def resolve(graph: KnowledgeGraph, request: PlanRequest) -> Resolved:
    """Check every id; expand a preset; work out what is known."""
    presets = [g for g in dict.fromkeys(request.goals) if g in graph.paths]
    if len(presets) > 1:
        raise PlanError(
            "goals",
            f"plan one preset at a time, not {', '.join(presets)}",
            code=ErrorCode.CONFLICT,
            value=presets[1],
        )
    preset = presets[0] if presets else None
    goals: list[str] = []
    stated_known = list(dict.fromkeys(request.known))
    for goal in dict.fromkeys(request.goals):
        if goal == preset:
            goals.extend(graph.paths[goal].ids)
            stated_known.extend(a for a in graph.paths[goal].assumes if a not in stated_known)
        else:
            goals.append(check_id(graph, goal, "goals"))
    goals = list(dict.fromkeys(goals))
    for node in stated_known:
        check_id(graph, node, "known", presets=False)
    known = known_closure(graph, stated_known, request.known_implies_prerequisites)
    for goal in goals:
        if goal in stated_known:
            raise PlanError(
                "known",
                f"{goal!r} is both a goal and known; drop it from one",
                code=ErrorCode.CONFLICT,
                value=goal,
            )
        if goal in known:
            raise PlanError(
                "goals",
                f"{goal!r} is already known: something in known requires it; {SETTING} "
                "to plan it anyway",
                code=ErrorCode.CONFLICT,
                value=goal,
                setting=Setting("known_implies_prerequisites", False),
            )
    return Resolved(goals, known, stated_known, preset)


def check_id(graph: KnowledgeGraph, node: str, field: str, *, presets: bool = True) -> str:
    """``node`` if the graph has it, else a PlanError with the closest ids."""
    if node in graph.concepts or node in graph.papers:
        return node
    kinds = "concept, paper or preset" if presets else "concept or paper"
    spelled: tuple[NodeKind, ...] = (
        ("concept", "paper", "preset") if presets else ("concept", "paper")
    )
    if not presets and node in graph.paths:
        raise PlanError(
            field,
            f"{node!r} is a curated path; {field} takes concept or paper ids",
            code=ErrorCode.INVALID,
            value=node,
        )
    raise PlanError(
        field,
        f"unknown {kinds} id {shown(node)}",
        tuple(suggest(node, graph.spellings(*spelled))),
        code=ErrorCode.UNKNOWN_ID,
        value=node,
    )
