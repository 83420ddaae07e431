"""How the CLI shows a plan: a JSON-ready dict, and a readable table with totals."""

from dataclasses import fields, is_dataclass
from datetime import date, time
from enum import Enum
from functools import lru_cache
from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text

from graph.material import Material
from planner.checklist import (
    STATUS_WORDS,
    depth_words,
    plan_notes,
    progress_words,
    section_title,
)
from planner.durations import format_minutes as hours
from planner.fringe import NextConcept
from planner.material import demo_guide, describe
from planner.plan import Plan, Step


def to_data(value: Any) -> Any:
    """Plain JSON data from the planner's dataclasses, named tuples, enums and dates.

    Walks the fields directly: ``dataclasses.asdict`` deep-copies first, which made
    serialising a plan take ten times as long as planning it.
    """
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, str):
        return value
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return {k: to_data(v) for k, v in zip(value._fields, value, strict=True)}
    if isinstance(value, list | tuple):
        return [to_data(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_data(v) for k, v in value.items()}
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_data(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):  # a schedule's time of day: HH:MM, as a request gives it
        return value.strftime("%H:%M")
    return value


def plan_data(plan: Plan) -> dict[str, Any]:
    """The plan as JSON-ready data, field by field: the API's hot path.

    The shape of ``to_data(plan)`` with the lines every face shows (a test holds them
    together), about four times faster. Enums become plain strings here, which every
    JSON encoder writes fastest.
    """
    return {
        "goals": list(plan.goals),
        "known": list(plan.known),
        "track": plan.track.value,
        "depth": plan.depth.value,
        "preset": plan.preset,
        "budget_minutes": plan.budget_minutes,
        "fits": plan.fits,
        "minutes": plan.minutes,
        "full_minutes": plan.full_minutes,
        "fit_method": plan.fit_method,
        "steps": [_step_data(s) for s in plan.steps],
        "dropped": [d._asdict() for d in plan.dropped],
        "unreached_goals": list(plan.unreached_goals),
        "schedule": None if plan.schedule is None else to_data(plan.schedule),
        "sections": [s._asdict() for s in plan.sections],
        "source_minutes": plan.source_minutes,
        "stated_minutes": None if plan.stated_minutes is None else list(plan.stated_minutes),
        "skipped": list(plan.skipped),
        "against_graph": [list(pair) for pair in plan.against_graph],
        "moved": list(plan.moved),
        "notes": plan_notes(plan),
        "progress": None if plan.progress is None else to_data(plan.progress),
    }


def _step_data(step: Step) -> dict[str, Any]:
    return {
        "number": step.number,
        "id": step.id,
        "kind": step.kind,
        "title": step.title,
        "minutes": step.minutes,
        "depth": step.depth.value,
        "called_for": step.called_for.value,
        "goal": step.goal,
        "why": list(step.why),
        "material": material_data(step.material),
        "advice": step.advice,
        "link": step.link,
        "demo": step.demo,
        "activity": step.activity,
        "covers": list(step.covers),
        "checklist": list(step.checklist),
        "added": step.added,
        "status": step.status.value,
    }


@lru_cache(maxsize=4096)
def material_data(material: tuple[Material, ...]) -> tuple[dict[str, Any], ...]:
    """A step's material as JSON data, made once per concept and depth: it never changes.

    A tuple of dicts, shared between plans: read it, do not edit it. ``text`` is the
    line every face shows: 'Watch Essence of calculus (38 min)'.
    """
    return tuple({**m._asdict(), "text": describe(m)} for m in material)


def plan_table(plan: Plan) -> Group:
    """The steps in order with minutes and why, then totals, drops and the schedule."""
    table = Table(title=_title(plan), title_justify="left")
    table.add_column("#", justify="right")
    table.add_column("step")
    table.add_column("depth")
    table.add_column("time", justify="right")
    table.add_column("assigns")
    table.add_column("why")
    heads = {sec.steps[0]: sec for sec in plan.sections if sec.steps}
    for step in plan.steps:
        if step.number in heads:
            table.add_section()
            table.add_row("", section_title(heads[step.number]), style="bold")
        depth = depth_words(step.kind, step.depth)
        if step.depth != step.called_for:
            depth += f" (asked: {step.called_for})"
        assigns = "\n".join(describe(m) for m in step.material)
        if step.advice:
            assigns += f"\nFocus: {step.advice}"
        if demo := demo_guide(step):
            assigns += f"\n{demo}"
        title = f"{step.title} (added)" if step.added else step.title
        title += STATUS_WORDS.get(step.status, "")
        table.add_row(str(step.number), title, depth, hours(step.minutes), assigns, _why(step.why))
    parts: list[Any] = [Text(note) for note in plan_notes(plan)]
    parts.append(table)
    if plan.progress is not None:
        parts.append(Text(progress_words(plan.progress)))
    total = f"Total: {len(plan.steps)} steps, {hours(plan.minutes)}"
    if plan.progress is not None and plan.progress.steps_skipped:  # the budget holds the rest
        total += f" ({hours(plan.progress.minutes_skipped)} of it skipped)"
    if plan.budget_minutes is not None:
        total += f" of a {hours(plan.budget_minutes)} budget"
    if not plan.fits:
        total += f"; the full path needs {hours(plan.full_minutes)}"
    parts.append(Text(total))
    for dropped in plan.dropped:
        parts.append(
            Text(f"Left out: {dropped.title} ({hours(dropped.minutes)}): {dropped.reason}")
        )
    if plan.unreached_goals:
        parts.append(
            Text("Goals not reached within the budget: " + ", ".join(plan.unreached_goals))
        )
    for sec in plan.sections:
        if sec.path is not None:
            parts.append(Text(f"{section_title(sec)}: continue with the {sec.path} preset."))
    if plan.schedule is not None:
        s = plan.schedule
        parts.append(
            Text(
                f"Schedule: {len(s.sessions)} sessions of up to {hours(s.session_minutes)} on "
                f"{', '.join(s.study_days)}, from {s.start} to {s.end}"
                + (f", each at {s.at:%H:%M} ({s.timezone})" if s.at is not None else "")
            )
        )
    return Group(*parts)


def next_table(found: list[NextConcept]) -> Table:
    table = Table(title="What you can learn next", title_justify="left")
    table.add_column("concept")
    table.add_column("id")
    table.add_column("time", justify="right")
    table.add_column("unlocks", justify="right")
    for concept in found:
        table.add_row(concept.title, concept.id, hours(concept.minutes), str(concept.unlocks))
    return table


def _why(chain: tuple[str, ...]) -> str:
    """'goal', 'for gpt', or 'for attention -> ... -> gpt' for a long chain."""
    if len(chain) == 1:
        return "goal"
    hops = chain[1:] if len(chain) <= 3 else (chain[1], "...", chain[-1])
    return "for " + " -> ".join(hops)


def _title(plan: Plan) -> str:
    about = plan.preset or ", ".join(plan.goals)
    return f"Plan for {about} ({plan.track} track)"
