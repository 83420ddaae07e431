"""How the CLI shows a plan: a JSON-ready dict, and a readable table with totals."""

from dataclasses import asdict, is_dataclass
from datetime import date
from enum import Enum
from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text

from planner.durations import format_minutes as hours
from planner.fringe import NextConcept
from planner.plan import Plan


def to_data(value: Any) -> Any:
    """Plain JSON data from the planner's dataclasses, named tuples, enums and dates."""
    if is_dataclass(value) and not isinstance(value, type):
        return {k: to_data(v) for k, v in asdict(value).items()}
    if hasattr(value, "_asdict"):
        return {k: to_data(v) for k, v in value._asdict().items()}
    if isinstance(value, dict):
        return {str(k): to_data(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_data(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    return value


def plan_table(plan: Plan) -> Group:
    """The steps in order with minutes and why, then totals, drops and the schedule."""
    table = Table(title=_title(plan), title_justify="left")
    table.add_column("#", justify="right")
    table.add_column("step")
    table.add_column("kind")
    table.add_column("time", justify="right")
    table.add_column("why")
    for step in plan.steps:
        kind = f"paper, {step.depth}" if step.depth else step.kind
        if step.depth and step.depth != step.called_for:
            kind += f" (not {step.called_for})"
        table.add_row(str(step.number), step.title, kind, hours(step.minutes), _why(step.why))
    parts: list[Any] = [table]
    total = f"Total: {len(plan.steps)} steps, {hours(plan.minutes)}"
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
    if plan.schedule is not None:
        s = plan.schedule
        parts.append(
            Text(
                f"Schedule: {len(s.sessions)} sessions of up to {hours(s.session_minutes)} on "
                f"{', '.join(s.study_days)}, from {s.start} to {s.end}"
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
